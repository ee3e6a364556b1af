"""hyperdiary behind Debian's PgBouncer in transaction pooling mode (API.md §16): a live waitress server whose
database URL is PgBouncer's, in front of a database of its own on the suite's PostgreSQL, with three server
connections for every client's transactions. Skips, saying why, without PostgreSQL (HYPERDIARY_TEST_POSTGRES_URL)
or PgBouncer."""
import os
import threading
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from hyperdiary import DEFAULTS
from hyperdiary.testing import PASSWORD, LiveServer
from tests.clusters import PGBOUNCER_PORT, PgBouncer
from tests.functional.test_replicas import SETTINGS

WRITERS = 8
ROUNDS = 12


@pytest.fixture(scope="module")
def database():
    url = os.environ.get("HYPERDIARY_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PgBouncer is tested in front of PostgreSQL: set HYPERDIARY_TEST_POSTGRES_URL")
    name = f"hd_pgbouncer_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield admin.url.set(database=name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="module")
def pgbouncer(database):
    bouncer = PgBouncer(database.host or "127.0.0.1", database.port or 5432, database.database)
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="module")
def server(database, pgbouncer):
    from hyperdiary import migrate

    # Migrations run on PostgreSQL itself (a deployment's one-off step); the server through PgBouncer.
    migrate.upgrade(dict(DEFAULTS, **{"sqlalchemy.url": database.render_as_string(hide_password=False)}))
    live = LiveServer(dict(DEFAULTS, **SETTINGS, **{"sqlalchemy.url": pgbouncer.url,
                                                    "hyperdiary.database.prepared_statements": "false"}))
    yield live
    live.stop()


def test_eight_writers_and_the_whole_request_path_behind_pgbouncer(server, pgbouncer, errors):
    server.create_user("pat", "professional")
    server.create_user("admin", "admin")
    admin = server.sign_in("admin")
    caseload = admin.resource(server.sign_in("pat").me().link("caseload"))
    clients = []
    for number in range(WRITERS):
        server.client().register(f"carol{number}", f"carol{number}@example.org", PASSWORD)
        carol = server.sign_in(f"carol{number}")
        client_url = carol.me().follow("client").url
        caseload.create({"client": client_url})
        clients.append((carol, server.sign_in("pat"), client_url))
    failures = []

    def work(carol, pat, client_url):
        try:
            moods = carol.me().follow("client", "moods")
            for number in range(ROUNDS):
                created = moods.create({"mood": "calm", "reasons": [f"round {number}"]})
                assert carol.get(created.url)["reasons"] == [f"round {number}"]
                created.patch({"reasons": ["changed"]})
                # A page of two, and the next ones: paging through the list.
                assert sum(1 for _ in moods.items(limit=2)) == number + 1
                # A professional's read: data, and an audit event written on its own pool.
                assert len(list(pat.get(client_url).follow("moods").items())) == number + 1
            # The HTML pages too.
            page = carol.http.get(server.url + "/", headers={"Accept": "text/html",
                                                              "Authorization": f"Bearer {carol.access}"})
            assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
        except Exception as error:  # noqa: BLE001 (reported below, with every other thread's)
            failures.append(repr(error))

    threads = [threading.Thread(target=work, args=found) for found in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert not errors, errors
    assert "ERROR" not in pgbouncer.log, pgbouncer.log[-3000:]

    # What a request sets on a connection stays in its own transaction: PgBouncer hands the server connections
    # to other clients between transactions, and none of them commits asynchronously by accident.
    for _ in range(10):
        with psycopg.connect(f"host=127.0.0.1 port={PGBOUNCER_PORT} dbname=hyperdiary user=postgres",
                             autocommit=True) as conn:
            assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
