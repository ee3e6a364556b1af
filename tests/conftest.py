"""One suite, two databases: every test runs on SQLite, and on PostgreSQL too when
HYPERDIARY_TEST_POSTGRES_URL is set (`.ci/run` sets it). The schema comes from the alembic
migrations, never from create_all; every test starts with empty tables."""
import contextlib
import logging
import os
import pathlib
import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction
import webtest
from pyramid.paster import get_appsettings

from hyperdiary import DEFAULTS, accounts, main, migrate, server as hyperdiary_server
from hyperdiary.diary.schema_store import SchemaRegistry
from hyperdiary.scripts import cli
from hyperdiary.models import dispose
from hyperdiary.models.meta import Base
from tests import conformance

HERE = pathlib.Path(__file__).resolve().parent
POSTGRES_URL = os.environ.get("HYPERDIARY_TEST_POSTGRES_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
PASSWORD = "correct horse battery"

# The app under test must use the database the fixtures chose, whatever the shell exported.
os.environ.pop("HYPERDIARY_DATABASE_URL", None)
os.environ.pop("HYPERDIARY_DATABASE_REPLICA_URLS", None)


def pytest_addoption(parser):
    parser.addoption("--ini", default=str(HERE.parent / "testing.ini"), help="the settings file of the app under test")


@pytest.fixture(scope="session", autouse=True)
def answers_fit_the_openapi_document():
    """Every answer any webtest.TestApp receives is checked against the app's OpenAPI document."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(webtest.TestApp, "do_request", conformance.checked(webtest.TestApp.do_request))
        yield


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'hyperdiary.sqlite'}"
        return
    # A schema of its own per run, so that runs never see each other's rows.
    schema = f"hdtest_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture(scope="session")
def app_settings(request, database_url, tmp_path_factory):
    # The defaults as the app applies them (testing.ini names no schemas folder: the shipped one).
    settings = dict(DEFAULTS, **get_appsettings(request.config.getoption("--ini")))
    settings["sqlalchemy.url"] = database_url
    # Web Push on (a key of the suite's own), so that `push.key` and subscriptions are exercised; push
    # receivers in tests listen on 127.0.0.1 over http (hyperdiary/reminders/).
    if not settings.get("hyperdiary.webpush.vapid_private_key"):
        key_file = tmp_path_factory.mktemp("vapid") / "vapid.pem"
        cli.main(["vapid-keys", "--out", str(key_file)])
        settings["hyperdiary.webpush.vapid_private_key"] = str(key_file)
        settings["hyperdiary.webpush.allow_http_hosts"] = "127.0.0.1"
    migrate.upgrade(settings)
    return settings


def refuse_writes(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        raise AssertionError(f"a request that only reads wrote through its read session: {statement[:200]}")


@pytest.fixture(scope="session")
def app(app_settings):
    app = main({}, **app_settings)
    # Requests that only read write nothing through their session: with read replicas it is a replica's
    # (hyperdiary/replicas.py). (On SQLite the read engine is the one engine.)
    read_engine = app.registry["read_dbengine"]
    if read_engine is not app.registry["dbengine"]:
        sa.event.listen(read_engine, "before_cursor_execute", refuse_writes)
    yield app
    dispose(app.registry)


@contextlib.contextmanager
def sent_statements(app):
    """The SQL statements `app` sends inside the block, on its engine and its read engine (transaction control
    left out: on PostgreSQL a read runs in autocommit, and SQLite's BEGIN is no round trip)."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            sent.append(statement)

    engines = {app.registry["dbengine"], app.registry["read_dbengine"]}
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", record)


def empty_tables(engine):
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def testapp(app):
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    empty_tables(app.registry["dbengine"])
    # Uploaded schemas are cached for good (they never change, and are never deleted outside tests).
    app.registry["entry_schemas"] = SchemaRegistry(app.registry["entry_schemas"].shipped)


class ErrorLog(logging.Handler):
    """Keeps what the app logs at ERROR (an unexpected fault's traceback) from any server thread."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record):
        self.records.append(self.format(record))


@pytest.fixture
def errors():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)


def stop_server(server, runner):
    """Stop a waitress server running in `runner`, and check that it stopped.

    First the worker threads: each finishes the task in hand (a worker still wakes the loop after the client
    has read its answer) and leaves. Then close() runs in the server's own loop, woken by its trigger
    (closing the sockets from this thread could pull them from under a select() in progress); with the
    listening socket and the trigger gone and every connection closed (urllib asks for Connection: close),
    the loop ends. pull_trigger() queues the thunk, then writes to the trigger's pipe; a wake-up byte a
    worker left unread can make the loop run the thunk between the two, and close() closes that pipe (the
    write then fails with EBADF, about one run in twenty): so the thunk waits until the write is done."""
    server.task_dispatcher.shutdown(timeout=30)
    assert not server.task_dispatcher.threads, "waitress worker threads did not stop"
    pulled = threading.Event()

    def stop():
        pulled.wait(timeout=30)
        server.close()

    server.trigger.pull_trigger(stop)
    pulled.set()
    runner.join(timeout=30)
    assert not runner.is_alive(), "the waitress loop did not stop"


@pytest.fixture
def live_server(app, testapp, errors):
    """The app under test on a real waitress server, 127.0.0.1 on a port the OS picked; its base URL.
    Depends on `testapp` so that the tables are emptied after the server has stopped."""
    server = hyperdiary_server.create_server(app, host="127.0.0.1", port=0, threads=16)
    runner = threading.Thread(target=server.run, name="waitress", daemon=True)
    runner.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stop_server(server, runner)
    assert not errors, "\n".join(errors)


@pytest.fixture
def connect(live_server):
    """hyperdiary.client Clients of the live server, closed before it stops (a kept-alive connection would
    hold it)."""
    from hyperdiary.client import Client

    made = []

    def make():
        made.append(Client(live_server))
        return made[-1]

    yield make
    for client in made:
        client.close()


class Api:
    """A signed-in (or anonymous) caller that finds URLs only by following link names."""

    def __init__(self, testapp, access=None, refresh=None, username=None):
        self.testapp = testapp
        self.access = access
        self.refresh = refresh
        self.username = username

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.access}"} if self.access else {}

    def request(self, method, url, json=None, status=200, headers=None, **kwargs):
        all_headers = dict(self.headers, **(headers or {}))
        call = getattr(self.testapp, method.lower() + ("_json" if json is not None else ""))
        if json is not None:
            return call(url, json, headers=all_headers, status=status, **kwargs)
        return call(url, headers=all_headers, status=status, **kwargs)

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, json=None, **kw):
        return self.request("POST", url, json=json, **kw)

    def put(self, url, json=None, **kw):
        return self.request("PUT", url, json=json, **kw)

    def patch(self, url, json=None, **kw):
        return self.request("PATCH", url, json=json, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)

    def root(self):
        return self.get("http://example.com/").json

    def url(self, name, body=None):
        """The URL of link `name` on `body` (default: the root)."""
        return link(self.root() if body is None else body, name)

    def me(self):
        return self.get(self.url("me")).json

    def client(self):
        """The caller's own client resource."""
        return self.get(link(self.me(), "client")).json


def link(body, name):
    urls = [entry["url"] for entry in body["@links"] if entry["name"] == name]
    assert urls, f"no link {name!r} among {[entry['name'] for entry in body['@links']]}"
    return urls[0]


def pages(api, url, params=None):
    """Every page of a collection, following `next` links from `url` (`params` go with the first request)."""
    while url:
        page = api.get(url, **({"params": params} if params else {})).json
        yield page
        params = None
        url = next((entry["url"] for entry in page["@links"] if entry["name"] == "next"), None)


def link_names(body):
    return {entry["name"] for entry in body["@links"]}


def create_user(app, username, role, password=PASSWORD, **kwargs):
    """A user made the way `hyperdiary create-user` makes one, straight in the database."""
    with transaction.manager:
        dbsession = app.registry["dbsession_factory"]()
        user = accounts.create_user(
            dbsession, app.registry["password_hasher"], username=username, password=password,
            email=f"{username}@example.org", role=role, diary_schemas=app.registry["default_diary_schemas"],
            **kwargs,
        )
        return user.id


def sign_in(testapp, username, password=PASSWORD) -> Api:
    anonymous = Api(testapp)
    body = anonymous.post(anonymous.url("auth.token"), json={"username": username, "password": password}).json
    return Api(testapp, body["access"], body["refresh"], username)


@pytest.fixture
def anonymous(testapp):
    return Api(testapp)


@pytest.fixture
def admin(app, testapp):
    create_user(app, "admin", "admin")
    return sign_in(testapp, "admin")


@pytest.fixture
def client(testapp):
    """A client who registered through the API."""
    anonymous = Api(testapp)
    anonymous.post(anonymous.url("auth.register"),
                   json={"username": "carol", "email": "carol@example.org", "password": PASSWORD,
                         "first_name": "Carol", "last_name": "Client"}, status=201)
    return sign_in(testapp, "carol")


@pytest.fixture
def professional(app, testapp):
    create_user(app, "pat", "professional", first_name="Pat", last_name="Therapist")
    return sign_in(testapp, "pat")


@pytest.fixture
def caseload(admin, client, professional):
    """Pat follows Carol; answers Carol's client @url."""
    client_url = client.client()["@url"]
    caseload_url = link(professional.me(), "caseload")
    admin.post(caseload_url, json={"client": client_url}, status=201)
    return client_url


@pytest.fixture
def researcher(app, testapp):
    """A researcher, made as `hyperdiary create-user --role researcher` makes one."""
    create_user(app, "rosa", "researcher", first_name="Rosa", last_name="Researcher")
    return sign_in(testapp, "rosa")


@pytest.fixture
def colleague(app, testapp):
    """Another researcher."""
    create_user(app, "ron", "researcher")
    return sign_in(testapp, "ron")


def every_item(api, url) -> list:
    """The items of every page of a listing, following `next` links from `url` to the last page."""
    items = []
    while url:
        page = api.get(url).json
        items += page["@items"]
        url = next((entry["url"] for entry in page["@links"] if entry["name"] == "next"), None)
    return items


def record_of_every_kind(app, client, writers) -> dict:
    """One record of every kind in `app`'s registry, made from its declaration (Kind.example, its references
    made as Kind.references says) through links, as an API client reaches each: a client's kinds by `client`
    from its client resource (below a record of its parent kind, the one made before), a research kind's from the
    root. Each is posted by the first of `client` and `writers` that may. {kind name: the record} (a kind whose
    records are generated, a goal's tracking items, has none of its own)."""
    from hyperdiary.clients.resources import ClientResource
    from hyperdiary.resources.root import Root

    kinds = app.registry.kinds
    made = {}
    callers = [client, *writers]

    def post(url, body):
        for caller in callers:
            answer = caller.post(url, json=body, status="*")
            if answer.status_int == 201:
                return answer.json
        raise AssertionError(f"nobody may post {body} to {url}")

    for kind in kinds.values():
        if not kind.creatable:
            continue
        body = dict(kind.example)
        for field, (where, reference) in kind.references.items():
            body[field] = post(client.url(where) if where in link_names(client.root()) else
                               next(c.url(where) for c in callers if where in link_names(c.root())), reference)["@url"]
        collection = {view: name for name, view, _ in kind.parent_links}.get("", kind.collection)
        if kind.parent is Root:
            holder = next(c.root() for c in callers if collection in link_names(c.root()))
        elif kind.parent is ClientResource:
            holder = client.client()
        else:
            parent = next((other for other in kinds.values() if issubclass(kind.parent, other.item_class)), None)
            if parent is not None:
                holder = made[parent.name]
            else:  # a fixed resource below the client (the diary)
                name = next(name for (cls, name), child in kinds.children.items()
                            if cls is ClientResource and child is kind.parent)
                holder = client.get(link(client.client(), name)).json
        made[kind.name] = post(link(holder, collection), body)
    return made
