"""Read replicas (API.md §16, hyperdiary/replicas.py) against a real streaming replica: a primary and a replica
made by pg_basebackup that applies what it receives 800 ms late (`recovery_min_apply_delay`), started for this
module (tests/clusters.py) and served by a live waitress server. The tests skip, saying why, where PostgreSQL's
servers cannot be run."""
import time

import pytest

from hyperdiary.client import ApiError
from hyperdiary.testing import FAST_SETTINGS, PASSWORD, LiveServer
from tests.clusters import PRIMARY_PORT, REPLICA_PORT, Clusters

SETTINGS = FAST_SETTINGS  # (test_pgbouncer.py serves with them too)


@pytest.fixture(scope="module")
def clusters():
    made = Clusters(apply_delay="800ms")
    yield made
    made.stop()


def serve(clusters, **settings):
    from hyperdiary import DEFAULTS

    return LiveServer(dict(DEFAULTS, **SETTINGS, **{
        "sqlalchemy.url": clusters.primary_url,
        "hyperdiary.database.replica_urls": clusters.replica_url}, **settings))


@pytest.fixture(scope="module")
def server(clusters):
    live = serve(clusters)
    yield live
    live.stop()


@pytest.fixture
def caseload(server, clusters):
    """Carol (a client) in Pat's caseload, both signed in, and everything replayed by the replica."""
    server.client().register("carol", "carol@example.org", PASSWORD, first_name="Carol")
    server.create_user("pat", "professional")
    server.create_user("admin", "admin")
    carol, pat, admin = server.sign_in("carol"), server.sign_in("pat"), server.sign_in("admin")
    client_url = carol.me().follow("client").url
    assignment = admin.resource(pat.me().link("caseload")).create({"client": client_url})
    clusters.wait_for_replay()
    server.admin, server.assignment = admin, assignment  # (for the one test that takes Carol off the caseload)
    yield carol, pat, client_url
    server.reset()


def replica_calls(clusters, table: str) -> int:
    """How many statements reading `table` the replica has run (pg_stat_statements, on the replica itself)."""
    return int(clusters.psql(REPLICA_PORT, "SELECT coalesce(sum(calls), 0) FROM "
                             f"pg_stat_statements WHERE query LIKE '%FROM {table}%' "
                             f"OR query LIKE '%JOIN {table}%'", database="hyperdiary"))


def mood_names(api, client_url) -> list[str]:
    return [mood["mood"] for mood in api.get(client_url).follow("moods").items()]


def test_a_caller_reads_its_own_writes_at_once(caseload):
    carol, pat, client_url = caseload
    moods = carol.me().follow("client", "moods")
    read_back = 0
    for number in range(30):
        created = moods.create({"mood": "calm", "reasons": [f"mood {number}"]})
        # At once, through the replica's 800 ms: the mood itself and the list holding it.
        if carol.get(created.url)["reasons"] == [f"mood {number}"] and \
                any(mood["reasons"] == [f"mood {number}"] for mood in moods.items()):
            read_back += 1
    assert read_back == 30


def test_reads_reach_the_replica(caseload, clusters):
    carol, pat, client_url = caseload
    moods = carol.me().follow("client", "moods")
    moods.create({"mood": "calm"})
    clusters.wait_for_replay()
    before = replica_calls(clusters, "moods")
    moods.create({"mood": "tired"})
    # Pat reads Carol's moods at once: the replica serves them and has not applied the second yet (it is not Pat's
    # own write: no caller is promised other callers' writes at once).
    assert mood_names(pat, client_url) == ["calm"]
    assert replica_calls(clusters, "moods") > before
    clusters.wait_for_replay()
    assert sorted(mood_names(pat, client_url)) == ["calm", "tired"]
    # Pat's reads were audited, on the primary.
    assert int(clusters.psql(PRIMARY_PORT, "SELECT count(*) FROM audit_events WHERE action = 'read' AND actor_id = "
                                   "(SELECT id FROM users WHERE username = 'pat')", database="hyperdiary")) >= 4


def test_a_signed_out_token_stops_at_once(caseload):
    carol, pat, client_url = caseload
    access = carol.access
    assert carol._send("GET", client_url, None, None, None).status_code == 200
    carol.logout()
    # The replica still holds the sign-in for 800 ms; the primary decides.
    carol.access = access
    assert carol._send("GET", client_url, None, None, None).status_code == 401


def test_a_refreshed_token_works_at_once(caseload):
    carol, pat, client_url = caseload
    assert carol.refresh()
    # A token the replica has not applied yet: the request is read on the primary.
    assert carol._send("GET", client_url, None, None, None).status_code == 200


def test_access_taken_away_ends_at_once(caseload, server):
    carol, pat, client_url = caseload
    mood_names(pat, client_url)
    server.assignment.delete()
    # The replica still holds the assignment for 800 ms: Pat's reads wait for one that has applied its end.
    with pytest.raises(ApiError) as refused:
        pat.get(client_url)
    assert refused.value.status in (403, 404)


def test_an_erased_client_is_gone_at_once(caseload, server):
    carol, pat, client_url = caseload
    mood_names(pat, client_url)
    server.admin.get(carol.me().url).delete()
    with pytest.raises(ApiError) as refused:
        pat.get(client_url)
    assert refused.value.status == 404


def test_a_lagging_replica_is_skipped(clusters, caseload):
    carol, pat, client_url = caseload
    strict = serve(clusters, **{"hyperdiary.database.max_replica_lag": "0.1"})
    try:
        pat_strict = strict.sign_in("pat")
        strict_client_url = strict.url + "/" + client_url.split("/", 3)[3]
        clusters.wait_for_replay()
        carol.me().follow("client", "moods").create({"mood": "calm"})
        time.sleep(0.3)
        # The replica is about 0.8 s behind: more than 0.1 s, so Pat reads on the primary and sees Carol's mood.
        assert mood_names(pat_strict, strict_client_url) == ["calm"]
        # With the default of 5 s, the same read is served by the replica, which has not applied it yet.
        clusters.wait_for_replay()
        carol.me().follow("client", "moods").create({"mood": "tired"})
        time.sleep(0.3)
        assert mood_names(pat, client_url) == ["calm"]
    finally:
        strict.stop()


def test_a_stopped_replica_is_skipped(clusters, caseload):
    carol, pat, client_url = caseload
    mood_names(pat, client_url)  # (a pooled connection to the replica)
    clusters.stop_server(clusters.replica)
    try:
        carol.me().follow("client", "moods").create({"mood": "calm"})
        started = time.monotonic()
        for _ in range(10):
            # 200 every time, from the primary (the mood is there at once).
            assert mood_names(pat, client_url) == ["calm"]
        assert time.monotonic() - started < 5
    finally:
        clusters.start(clusters.replica)
