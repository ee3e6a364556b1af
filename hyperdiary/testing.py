"""A pytest plugin for testing an app against a real hyperdiary server. In a conftest.py:

    pytest_plugins = ["hyperdiary.testing"]

Fixtures (each signed-in caller is a hyperdiary.client.Client):
- `hyperdiary_server`: a live server (waitress, 127.0.0.1, a free port) on a temporary SQLite database,
  one per test session; `.url`, `.client()` (a new, anonymous Client), `.create_user(...)`.
- `hyperdiary`: the same server for one test; the database is emptied after the test.
- `hyperdiary_client`, `hyperdiary_professional`, `hyperdiary_researcher`, `hyperdiary_admin`: a user of
  that role, signed in (the client registered itself through the API, as an app's users do).
- `hyperdiary_caseload`: the professional follows the client: `.client`, `.professional`, `.admin`, and
  `.client_url`, the client resource's @url.
- `hyperdiary_settings`: the server's settings; override it to change one (`hyperdiary.cors.origins` ...).
  The environment's overrides (`HYPERDIARY_DATABASE_URL` ...) do not apply: the database is always the
  temporary one.

The users' password is `PASSWORD`; their usernames are `carol`, `pat`, `rosa` and `admin`.
"""
from __future__ import annotations

import os
import threading
from typing import NamedTuple
from unittest import mock

import pytest
import transaction

from . import accounts, migrate, shipped
from .app import ENVIRONMENT, main
from . import server as waitress_server
from .client import Client
from .models.meta import Base
from .models import dispose

PASSWORD = "correct horse battery staple"
# The shipped schemas, inside the installed package like the migrations.
SCHEMAS = shipped.schemas()


class LiveServer:
    """hyperdiary on a waitress server in a thread of this process."""

    def __init__(self, settings: dict):
        migrate.upgrade(settings)
        # Only these settings: a HYPERDIARY_DATABASE_URL in the shell must not point the server (whose
        # tables are emptied after every test) at a real database.
        with mock.patch.dict(os.environ):
            for variable in ENVIRONMENT:
                os.environ.pop(variable, None)
            self.app = main({}, **settings)
        self.server = waitress_server.create_server(self.app, host="127.0.0.1", port=0, threads=8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, name="hyperdiary", daemon=True)
        self.thread.start()
        self.clients: list[Client] = []

    def client(self) -> Client:
        """A new Client of this server (anonymous until it logs in); closed when the test ends."""
        client = Client(self.url)
        self.clients.append(client)
        return client

    def create_user(self, username: str, role: str, password: str = PASSWORD, **names) -> str:
        """A user of any role, made as `hyperdiary create-user` makes one; answers its id."""
        registry = self.app.registry
        with transaction.manager:
            user = accounts.create_user(registry["dbsession_factory"](), registry["password_hasher"],
                                        username=username, password=password, email=f"{username}@example.org",
                                        role=role, diary_schemas=registry["default_diary_schemas"], **names)
            return user.id

    def sign_in(self, username: str, password: str = PASSWORD) -> Client:
        return self.client().login(username, password)

    def reset(self):
        """Close the test's clients, empty every table and forget the throttling counts."""
        for client in self.clients:
            client.close()
        self.clients.clear()
        throttle = self.app.registry.get("ratelimit")
        if throttle is not None:
            throttle.reset()
        with self.app.registry["dbengine"].begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())

    def stop(self):
        self.reset()
        server = self.server
        server.task_dispatcher.shutdown(timeout=30)
        done = threading.Event()

        def close():
            done.wait(timeout=30)
            # Connections kept alive by clients are closed too, so that the loop has nothing left to wait on.
            for channel in list(server._map.values()):
                if channel is not server and channel is not server.trigger:
                    channel.close()
            server.close()

        server.trigger.pull_trigger(close)
        done.set()
        self.thread.join(timeout=30)
        dispose(self.app.registry)


# What a test server needs beyond its database and schemas.
FAST_SETTINGS = {
    "hyperdiary.diary.default_schemas": "",
    # Password hashing at its cheapest: tests sign in often, and these passwords guard nothing.
    "hyperdiary.argon2.time_cost": "1",
    "hyperdiary.argon2.memory_cost": "256",
    "hyperdiary.argon2.parallelism": "1",
    # A test suite signs up and in far more often than people do: throttling would answer 429.
    "hyperdiary.ratelimit.token_username_address": "10000 per minute",
    "hyperdiary.ratelimit.token_username": "10000 per minute",
    "hyperdiary.ratelimit.token_address": "10000 per minute",
    "hyperdiary.ratelimit.register_address": "10000 per minute",
    "hyperdiary.ratelimit.refresh_address": "10000 per minute",
}


class Caseload(NamedTuple):
    client: Client
    professional: Client
    admin: Client
    client_url: str


@pytest.fixture(scope="session")
def hyperdiary_settings(tmp_path_factory) -> dict:
    database = tmp_path_factory.mktemp("hyperdiary") / "hyperdiary.sqlite"
    return {
        "sqlalchemy.url": f"sqlite:///{database}",
        "hyperdiary.namespace": "https://ns.hyperdiary.org/",
        "hyperdiary.schemas_dir": str(SCHEMAS),
        **FAST_SETTINGS,
    }


@pytest.fixture(scope="session")
def hyperdiary_server(hyperdiary_settings):
    live = LiveServer(hyperdiary_settings)
    yield live
    live.stop()


@pytest.fixture
def hyperdiary(hyperdiary_server):
    yield hyperdiary_server
    hyperdiary_server.reset()


@pytest.fixture
def hyperdiary_client(hyperdiary) -> Client:
    """Carol, a client who registered herself."""
    hyperdiary.client().register("carol", "carol@example.org", PASSWORD, first_name="Carol")
    return hyperdiary.sign_in("carol")


@pytest.fixture
def hyperdiary_professional(hyperdiary) -> Client:
    hyperdiary.create_user("pat", "professional", first_name="Pat")
    return hyperdiary.sign_in("pat")


@pytest.fixture
def hyperdiary_researcher(hyperdiary) -> Client:
    hyperdiary.create_user("rosa", "researcher", first_name="Rosa")
    return hyperdiary.sign_in("rosa")


@pytest.fixture
def hyperdiary_admin(hyperdiary) -> Client:
    hyperdiary.create_user("admin", "admin")
    return hyperdiary.sign_in("admin")


@pytest.fixture
def hyperdiary_caseload(hyperdiary_client, hyperdiary_professional, hyperdiary_admin) -> Caseload:
    """Pat follows Carol: the admin assigned her to his caseload."""
    client_url = hyperdiary_client.me().follow("client").url
    hyperdiary_admin.resource(hyperdiary_professional.me().link("caseload")).create({"client": client_url})
    return Caseload(hyperdiary_client, hyperdiary_professional, hyperdiary_admin, client_url)
