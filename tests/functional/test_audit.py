"""The audit trail (API.md §9): who read or changed a client's data, listed for the client and admins,
newest first, paged, filtered; events cannot be changed or deleted."""
import pytest
import sqlalchemy as sa

from tests.conftest import create_user, every_item, link, link_names, sign_in

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def entry(day=11, **fields):
    return {"@type": EMOTION, "dt": f"2024-04-{day:02}T11:41:09Z", "emotion": "happy", "intensity": 3, **fields}


@pytest.fixture
def carol(client, caseload):
    """Carol's client resource, read by Carol (who is in Pat's caseload)."""
    return client.client()


def audit(api, carol, **params):
    return api.get(link(carol, "audit"), params=params).json["@items"]


def test_a_professionals_reads_and_writes_appear_in_the_clients_audit(client, professional, carol):
    created = client.post(link(carol, "diary.entries"), json=entry(), status=201).json
    client.get(created["@url"])  # the client's own read: not recorded
    seen = professional.get(carol["@url"]).json
    professional.get(link(seen, "diary.entries.items"))
    professional.get(created["@url"])
    goal = professional.post(link(seen, "goals"), json={"title": "Walk", "is_onetime": True}, status=201).json
    client.patch(goal["@url"], json={"title": "Walk far"})

    events = audit(client, carol)
    pat = professional.me()["@url"]
    me = client.me()["@url"]
    got = [(e["action"], e["actor"], e["resource"], e["status"]) for e in events]
    # Newest first: Carol's change of the goal, Pat's goal, Pat's reads, Carol's entry, and the admin's
    # assignment of Carol to Pat's caseload (who may see her data changed: test_caseload_changes_... below).
    assert got[:5] == [
        ("update", me, goal["@url"], 200),
        ("create", pat, goal["@url"], 201),
        ("read", pat, created["@url"], 200),
        ("read", pat, link(seen, "diary.entries.items"), 200),
        ("read", pat, carol["@url"], 200),
    ]
    assert got[5] == ("create", me, created["@url"], 201)
    assert got[6][0] == "create" and events[6]["actor_role"] == "admin"
    assert len(got) == 7, got  # Carol's own reads are not there
    assert {e["actor_role"] for e in events} == {"client", "professional", "admin"}
    assert all(e["@type"] == "https://ns.hyperdiary.org/audit-event" for e in events)
    times = [e["time"] for e in events]
    assert times == sorted(times, reverse=True)


def test_admins_see_every_event_through_the_root(admin, client, professional, carol):
    assert "audit" in link_names(admin.root())
    assert "audit" not in link_names(client.root()) and "audit" not in link_names(professional.root())
    professional.get(carol["@url"])
    everything = every_item(admin, admin.url("audit"))
    actions = {(e["action"], e["actor_role"]) for e in everything}
    # The caseload assignment (an admin's write) and Pat's read of Carol.
    assert ("create", "admin") in actions and ("read", "professional") in actions
    read = next(e for e in everything if e["action"] == "read")
    assert read["client"] == carol["@url"]
    client.get(admin.url("audit"), status=403)
    professional.get(admin.url("audit"), status=403)
    # An admin reads a client's audit too; reading it is itself a read of the client's data.
    assert admin.get(link(carol, "audit")).json["@items"]
    assert audit(client, carol)[0]["actor_role"] == "admin"


def test_who_may_read_a_clients_audit(app, testapp, client, professional, carol):
    assert "audit" in link_names(carol)
    assert "audit" not in link_names(professional.get(carol["@url"]).json)
    professional.get(link(carol, "audit"), status=404)
    create_user(app, "sam", "professional")
    stranger = sign_in(testapp, "sam")
    stranger.get(link(carol, "audit"), status=404)
    testapp.post_json(client.url("auth.register"), {"username": "dave", "email": "d@example.org",
                                                    "password": "another diary here"}, status=201)
    dave = sign_in(testapp, "dave", "another diary here")
    dave.get(link(carol, "audit"), status=404)
    link(dave.client(), "audit")  # his own
    testapp.get(link(carol, "audit"), status=401)


def test_events_cannot_be_changed_or_deleted(admin, client, carol):
    for api, url in ((client, link(carol, "audit")), (admin, admin.url("audit"))):
        for method in ("post", "put", "patch", "delete"):
            answer = api.request(method.upper(), url, json={}, status=405)
            assert answer.headers["Allow"] == "GET"


def test_filters_and_paging(admin, client, professional, carol):
    for _ in range(3):
        professional.get(carol["@url"])
    client.post(link(carol, "diary.entries"), json=entry(), status=201)
    url = link(carol, "audit")
    pat = professional.me()["@url"]
    by_pat = client.get(url, params={"actor": pat}).json["@items"]
    assert len(by_pat) == 3 and {e["actor"] for e in by_pat} == {pat}
    by_id = client.get(url, params={"actor": pat.rstrip("/").rsplit("/", 1)[-1]}).json["@items"]
    assert by_id == by_pat
    # Paging: one at a time, every event once, newest first.
    items = every_item(client, url + "?limit=1")  # with the admin's assignment of Carol to Pat
    assert len(items) == 5 and [e["time"] for e in items] == sorted((e["time"] for e in items), reverse=True)
    page = client.get(url, params={"limit": 1, "actor": pat}).json
    assert link(page, "next").count("actor=") == 1  # filters carry over to the next page
    # Dates: a day in the client's zone, or instants.
    first = items[-1]["time"]
    assert len(client.get(url, params={"fromdate": first}).json["@items"]) == 5
    assert client.get(url, params={"todate": "2000-01-01"}).json["@items"] == []
    assert client.get(url, params={"fromdate": "2999-01-01"}).json["@items"] == []


@pytest.mark.parametrize("params, name", [
    ({"fromdate": "yesterday"}, "fromdate"),
    ({"todate": "2024-13-01"}, "todate"),
    ({"fromdate": "2024-05-02", "todate": "2024-05-01"}, "fromdate"),
    ({"actor": "http://example.com/users/0123456789abcdef0123456789abcdef/"}, "actor"),
    ({"actor": "nobody"}, "actor"),
    ({"limit": "0"}, "limit"),
    ({"after": "garbage"}, "after"),
    ({"time_zone": "Mars/Base"}, "time_zone"),
])
def test_bad_filters_name_the_parameter(admin, client, carol, params, name):
    for api, url in ((client, link(carol, "audit")), (admin, admin.url("audit"))):
        answer = api.get(url, params=params, status=400).json
        assert [p["name"] for p in answer["extra"]] == [name]


def events_stored(app) -> int:
    with app.registry["dbengine"].connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM audit_events")).scalar()


def test_failed_requests_and_own_reads_leave_no_event(app, client, professional, carol):
    before = events_stored(app)
    client.post(link(carol, "diary.entries"), json=entry(intensity=99), status=400)
    professional.post(link(carol, "diary.entries"), json=entry(), status=403)
    client.get(carol["@url"])
    client.get(link(carol, "diary.entries.items"))
    assert events_stored(app) == before
    professional.get(link(carol, "diary.entries.items"))
    assert events_stored(app) == before + 1


def test_a_write_and_its_event_commit_together(app, client, carol, monkeypatch):
    """A write's event is in the write's transaction: when recording it fails, the write is undone."""
    from hyperdiary import audit as audit_module

    def broken(connection, values):
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(audit_module, "record", broken)
    client.post(link(carol, "journals"), json={"title": "Lost", "description": "never stored"}, status=500)
    monkeypatch.undo()
    assert client.get(link(carol, "journals")).json["@items"] == []


# --- what the trail missed (issue 25, item 6) ---------------------------------------------------------------


def test_a_304_is_recorded_as_304(client, professional, carol):
    """The status actually answered: WebOb made the 304 after the audit had recorded a 200."""
    first = professional.get(carol["@url"])
    etag = first.headers["ETag"]
    professional.get(carol["@url"], headers={"If-None-Match": etag}, status=304)
    professional.get(carol["@url"], headers={"If-None-Match": "*"}, status=304)
    professional.get(carol["@url"], headers={"If-None-Match": '"stale"'}, status=200)
    statuses = [(e["action"], e["resource"], e["status"]) for e in audit(client, carol)[:4]]
    assert statuses == [("read", carol["@url"], 200), ("read", carol["@url"], 304),
                        ("read", carol["@url"], 304), ("read", carol["@url"], 200)]


def test_caseload_changes_are_in_the_clients_trail(admin, client, professional, carol):
    """An assignment and its end change who may see the client's data: the client sees both."""
    assignment = link(professional.me(), "caseload")
    assignment = admin.get(assignment).json["@items"][0]["@url"]
    created = audit(client, carol)[-1]
    assert (created["action"], created["actor"], created["resource"], created["status"]) == \
        ("create", admin.me()["@url"], assignment, 201)
    admin.delete(assignment, status=204)
    ended = audit(client, carol)[0]
    assert (ended["action"], ended["actor"], ended["resource"], ended["status"]) == \
        ("delete", admin.me()["@url"], assignment, 204)


def test_an_admins_read_or_change_of_the_clients_user_is_audited(admin, client, carol):
    me = client.me()["@url"]  # Carol's own read of her user: not recorded
    assert audit(client, carol)[0]["action"] == "create"  # (the assignment)
    admin.get(me)
    admin.patch(me, json={"first_name": "Caroline"})
    got = [(e["action"], e["actor"], e["resource"], e["status"]) for e in audit(client, carol)[:2]]
    admin_url = admin.me()["@url"]
    assert got == [("update", admin_url, me, 200), ("read", admin_url, me, 200)]
    # The client's own change of her profile is hers to see as well; her own reads stay out.
    client.patch(me, json={"last_name": "C."})
    client.get(me)
    assert [(e["action"], e["actor"]) for e in audit(client, carol)[:1]] == [("update", me)]
    # Another admin's own user is no client's data: no client trail to write to, and no 500.
    assert admin.get(admin_url).json["role"] == "admin"
