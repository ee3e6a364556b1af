"""API.md §8: a database that stops answering (rather than refusing connections) costs a request at most
`hyperdiary.database.timeout` seconds, then 503 with Retry-After; service resumes by itself.

PostgreSQL: the real server behind a TCP relay on 127.0.0.1 that the test freezes (it stops forwarding and
accepting, and closes nothing: what a frozen server or a black-holed network looks like from the client) and
thaws. SQLite: the only wait is for another writer's lock, bounded by the busy timeout."""
import contextlib
import selectors
import socket
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
import webtest

from hyperdiary import main
from hyperdiary.models import dispose
from tests.conftest import PASSWORD, Api, create_user, link

TIMEOUT = 2  # seconds: libpq connects for at least 2
# What a request may take beyond the time-out: the work around the wait, on a machine shared by many.
SLACK = 1.5


class Relay:
    """Forwards TCP connections from a port of its own to `target`; `freeze()` stops forwarding (and accepting)
    without closing anything, `thaw()` resumes."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.running = threading.Event()
        self.running.set()
        self.stopped = False
        self.pairs = []
        self.thread = threading.Thread(target=self._serve, name="relay", daemon=True)
        self.thread.start()

    def freeze(self):
        self.running.clear()

    def thaw(self):
        self.running.set()

    def _serve(self):
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ)
        while not self.stopped:
            if not self.running.wait(timeout=0.05):
                continue  # frozen: nothing is read, accepted or written; the kernel keeps every socket open
            for key, _ in selector.select(timeout=0.05):
                if not self.running.is_set():
                    break
                if key.fileobj is self.listener:
                    downstream, _ = self.listener.accept()
                    try:
                        upstream = socket.create_connection(self.target)
                    except OSError:
                        downstream.close()
                        continue
                    self.pairs.append((downstream, upstream))
                    selector.register(downstream, selectors.EVENT_READ, upstream)
                    selector.register(upstream, selectors.EVENT_READ, downstream)
                    continue
                source, sink = key.fileobj, key.data
                try:
                    data = source.recv(65536)
                    if data:
                        sink.sendall(data)
                        continue
                except OSError:
                    pass
                for end in (source, sink):
                    with contextlib.suppress(KeyError, ValueError):
                        selector.unregister(end)
                    end.close()
        selector.close()

    def close(self):
        self.stopped = True
        self.running.set()
        self.thread.join(timeout=10)
        self.listener.close()
        for pair in self.pairs:
            for end in pair:
                end.close()


def is_postgresql(settings) -> bool:
    return sa.engine.make_url(settings["sqlalchemy.url"]).get_backend_name() == "postgresql"


@pytest.fixture
def relayed(app_settings):
    """An app of its own whose PostgreSQL is reached through a Relay, with a time-out of TIMEOUT seconds."""
    if not is_postgresql(app_settings):
        pytest.skip("the relay stands between the app and PostgreSQL; SQLite's bound is its busy timeout (below)")
    url = sa.engine.make_url(app_settings["sqlalchemy.url"])
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    settings = dict(app_settings, **{"sqlalchemy.url": url.set(host="127.0.0.1", port=relay.port)
                                     .render_as_string(hide_password=False),
                                     "hyperdiary.database.timeout": str(TIMEOUT)})
    app = main({}, **settings)
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}), relay
    dispose(app.registry)
    relay.close()


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def assert_unavailable(response, took):
    assert response.status_int == 503, response
    assert response.content_type == "application/json"
    assert response.json["code"] == 503 and set(response.json) == {"code", "message", "extra"}
    assert int(response.headers["Retry-After"]) >= 1
    assert took < TIMEOUT + SLACK, f"answered after {took:.1f} s"


def test_a_frozen_postgresql_is_a_503_within_the_bound_and_service_resumes(app, testapp, relayed, errors):
    relayed_app, relay = relayed
    create_user(app, "dora", "client")
    anonymous = Api(relayed_app)
    tokens = anonymous.post(anonymous.url("auth.token"), json={"username": "dora", "password": PASSWORD}).json
    dora = Api(relayed_app, tokens["access"])
    me = dora.me()
    moods = link(dora.client(), "moods")
    headers = {"Authorization": f"Bearer {tokens['access']}"}

    relay.freeze()
    try:
        calls = [lambda: relayed_app.get("/", headers=headers, status="*"),
                 lambda: relayed_app.get(me["@url"], headers=headers, status="*"),
                 lambda: relayed_app.post_json(moods, {"mood": "calm"}, headers=headers, status="*"),
                 # Opening a new connection hangs too: the pool lost the ones that timed out.
                 lambda: relayed_app.get(moods, headers=headers, status="*")]
        for call in calls * 2:
            assert_unavailable(*timed(call))
        # Several at once: each waits for the database, or for a connection of the pool, within the bound.
        answers = []
        threads = [threading.Thread(target=lambda: answers.append(timed(calls[0]))) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(answers) == 6
        for answer in answers:
            assert_unavailable(*answer)
    finally:
        relay.thaw()

    # Nothing to restart: the next requests are answered.
    assert relayed_app.get("/", headers=headers).status_int == 200
    assert dora.get(me["@url"]).json["username"] == "dora"
    dora.post(moods, json={"mood": "calm"}, status=201)
    # The write refused during the freeze stored nothing.
    assert [item["mood"] for item in dora.get(moods).json["@items"]] == ["calm"]
    assert errors == []  # the 503s are logged as warnings: nothing went wrong beyond the database's silence


def test_a_held_sqlite_write_lock_is_a_503_after_the_busy_timeout(app_settings, app, testapp, tmp_path, errors):
    """SQLite's bound is its busy timeout: a write that waits longer than that for another writer's lock is
    a 503 with Retry-After, and the same write succeeds once the lock is let go."""
    if is_postgresql(app_settings):
        pytest.skip("SQLite's busy timeout; PostgreSQL's bound is tested above with a relay")
    settings = dict(app_settings, **{"hyperdiary.database.timeout": "1"})
    bounded = webtest.TestApp(main({}, **settings), extra_environ={"HTTP_HOST": "example.com"})
    try:
        create_user(app, "dora", "client")
        dora = Api(bounded)
        dora = Api(bounded, dora.post(dora.url("auth.token"), json={"username": "dora", "password": PASSWORD})
                   .json["access"])
        moods = link(dora.client(), "moods")
        holder = sqlite3.connect(sa.engine.make_url(settings["sqlalchemy.url"]).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            response, took = timed(lambda: dora.post(moods, json={"mood": "calm"}, status="*"))
            assert response.status_int == 503 and int(response.headers["Retry-After"]) >= 1
            assert response.json["code"] == 503
            assert 1 <= took < 1 + SLACK, f"answered after {took:.1f} s"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        dora.post(moods, json={"mood": "calm"}, status=201)
        assert len(dora.get(moods).json["@items"]) == 1
    finally:
        dispose(bounded.app.registry)
