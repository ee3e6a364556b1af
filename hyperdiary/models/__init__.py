"""Database wiring: the engine, a session per request joined to pyramid_tm, and the models."""
import importlib
import importlib.util
import os

import orjson
import zope.sqlalchemy
from pyramid.settings import asbool
from pyramid.tweens import EXCVIEW
from sqlalchemy import engine_from_config, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import configure_mappers, sessionmaker

from .. import dbtimeout
from .audit import AuditEvent  # noqa: F401
from .meta import Base  # noqa: F401


def load(domains=None):
    """Import every domain's models (`hyperdiary/<domain>/models.py`, else the package, for the domains of
    hyperdiary.DOMAINS), so
    that the metadata holds every table (alembic, erasure) and the mappers are configured. Not at import time:
    a domain's package imports the core (its kinds, resources), and the core imports this package."""
    if domains is None:
        from .. import DOMAINS as domains
    for domain in domains:
        name = f"hyperdiary.{domain}.models"
        # A small domain keeps its model beside its kind, in its package's module (docs/architecture.md).
        importlib.import_module(name if importlib.util.find_spec(name) is not None else f"hyperdiary.{domain}")
    configure_mappers()


# Requests that may write take SQLite's write lock when their transaction begins (BEGIN IMMEDIATE):
# a deferred transaction that read first and writes later can fail at once with "database is locked"
# when another writer committed in between, whatever the busy timeout.
WRITE_OPTION = "hyperdiary_write"


def _json_text(value) -> str:
    return orjson.dumps(value).decode("utf-8")


# JSON columns (entry fields, goal days, mood reasons) read and written with orjson: the standard
# library's json took a twentieth of a page of entries.
JSON_CODEC = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


PREPARED_STATEMENTS = "hyperdiary.database.prepared_statements"


def connect_args(settings) -> dict:
    """psycopg prepares a statement on the server once a connection has run it five times (prepare_threshold),
    and runs it by name from then on. Behind a pooler in transaction mode the next transaction may be on another
    server connection, where that name is unknown or taken by another client's statement: PgBouncer before 1.21
    (Debian 12 has 1.18) cannot follow them, so `hyperdiary.database.prepared_statements = false` turns them
    off (prepare_threshold None). From PgBouncer 1.21 on, its `max_prepared_statements` follows them instead."""
    return {} if asbool(settings.get(PREPARED_STATEMENTS, True)) else {"prepare_threshold": None}


def get_engine(settings, prefix="sqlalchemy.", bounded=True, **options):
    """The engine of `settings`; `bounded=False` for work that may rightly take long (migrations): no bound on
    its waits for PostgreSQL (dbtimeout.py), SQLite's busy timeout as it was (30 s)."""
    url = make_url(settings[prefix + "url"])
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        # sqlite3's busy timeout: how long a write waits for another writer's lock (dbtimeout.py).
        busy_timeout = dbtimeout.timeout(settings) if bounded else dbtimeout.UNBOUNDED_SQLITE_BUSY_TIMEOUT
        engine = engine_from_config(settings, prefix, connect_args={"timeout": busy_timeout}, **JSON_CODEC)
        _configure_sqlite(engine)
        return engine
    # No pool_pre_ping: it costs a round trip on every request. A connection that died (a database
    # restart) fails one request, and the pool then replaces all of its connections.
    # Every wait for the database bounded (dbtimeout.py): a hung database is a 503, not a stalled server.
    options.setdefault("connect_args", connect_args(settings))
    if not bounded:
        return engine_from_config(settings, prefix, **JSON_CODEC, **options)
    if prefix + "pool_timeout" not in settings:
        options = dict(dbtimeout.pool_options(settings), **options)
    return dbtimeout.bound(engine_from_config(settings, prefix, **JSON_CODEC, **options), settings)


def _configure_sqlite(engine):
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Take transaction control from the driver (SQLAlchemy's documented recipe) so that
        # SAVEPOINTs work and we choose how each transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # What is deleted or overwritten is overwritten with zeros in the file, not left in free space:
        # an erased client's text must not be found in the database file (hyperdiary/erasure.py).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def get_session_factory(engine):
    """Sessions joined to the thread's transaction manager (`transaction.manager`, which pyramid_tm
    uses per request): they commit when the transaction commits and roll back when it aborts; views
    never commit. Registered once on the factory: registering each session costs a fifth of a
    simple request. They start as "changed", so that what a view writes with Core statements (an
    INSERT ... ON CONFLICT, an UPDATE of many rows) is committed like the ORM's changes: zope.sqlalchemy
    would otherwise roll back a session it saw no ORM change in. (Requests that only read use other
    sessions.)"""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    zope.sqlalchemy.register(factory, initial_state=zope.sqlalchemy.datamanager.STATUS_CHANGED)
    return factory


def writer(engine):
    """The same engine (and pool), marked so that SQLite transactions begin IMMEDIATE."""
    return engine.execution_options(**{WRITE_OPTION: True})


def reader(settings, engine):
    """The engine for requests that only read. On PostgreSQL they run in autocommit: no BEGIN and COMMIT
    round trips, each statement sees the latest committed data (a read request makes no decision that two
    of its statements must agree on; the caller and the path's records come in one, hyperdiary/lineage.py).
    It is a pool of its own, whose connections stay in autocommit and have no transaction to roll back when
    they are returned: switching a shared pool's connection into autocommit and back at every checkout cost
    a sixth of a statement's CPU. `dispose(registry)` closes it with the others. (A process holds up to
    two pools' worth of connections: sqlalchemy.pool_size and max_overflow apply to each.) On SQLite, the
    same engine: its transactions cost no round trip, and a read transaction keeps one snapshot."""
    if engine.dialect.name != "postgresql":
        return engine
    return get_engine(settings, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)


def dispose(registry):
    """Close every pooled connection of an app: its engine, its read engine, the audit trail's and the read
    replicas' (a test
    that makes apps of its own, a command that ends). (Not an `engine_disposed` listener on the app's engine:
    an engine with any event listener runs every statement through SQLAlchemy's slower, dispatching path.)"""
    for name in ("dbengine", "read_dbengine", "audit_engine", "replicas"):
        engine = registry.get(name)
        if engine is not None:
            engine.dispose()


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(request) -> bool:
    return request.method not in READ_METHODS


def includeme(config):
    """Requests that may write run in a transaction (pyramid_tm) that their session joins: it commits
    when the view succeeds and aborts otherwise, and views never commit. Requests that only read have
    nothing to commit: they get a plain session, closed when the request ends, and no transaction
    manager (joining one and committing it cost a tenth of a read request)."""
    config.add_settings({"tm.activate_hook": writes})
    # pyramid_tm's tween, without its includeme: that adds `request.tm` as a per-request property, which
    # makes Pyramid build a request class per request; hyperdiary.request.Request defines `tm` itself.
    config.add_tween("pyramid_tm.tm_tween_factory", over=EXCVIEW)

    load()
    settings = config.get_settings()
    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    read_engine = reader(settings, engine)
    read_session_factory = sessionmaker(bind=read_engine, expire_on_commit=False)
    config.registry["dbsession_factory"] = session_factory
    # Sessions outside the request's transaction, for reads that must not hold a write lock meanwhile (a
    # sign-in verifies its password, 0.4 s of argon2, before its transaction begins: accounts/auth.py).
    config.registry["read_dbsession_factory"] = read_session_factory
    config.registry["dbengine"] = engine
    config.registry["read_dbengine"] = read_engine  # (the same as dbengine on SQLite)
    write_engine = writer(engine)

    def dbsession(request):
        if writes(request):
            return session_factory(bind=write_engine)
        if read_engine is not engine:  # PostgreSQL: on the request's read connection, closed with it
            return read_session_factory(bind=request.dbconnection)
        session = read_session_factory()
        request.add_finished_callback(lambda request: session.close())
        return session

    def dbconnection(request):
        """A read on PostgreSQL needs no session for what it sends itself (the lineage, a page): a connection of
        the read pool, which stays in autocommit, is all. Taking it through an ORM session, and closing that,
        cost a fifth of GET one record. The request's session, if a view asks for one, runs on it."""
        if writes(request) or read_engine is engine:
            return request.dbsession.connection()
        return closed_when_finished(request, read_engine.connect())

    config.registry["request_dbsession"] = dbsession
    config.registry["request_dbconnection"] = dbconnection


def closed_when_finished(request, connection):
    """A read request's own connection, closed when the request is done (and the session a view may have
    asked for on it, first)."""
    def close(request):
        session = request.__dict__.get("dbsession")
        if session is not None:
            session.close()
        connection.close()

    request.add_finished_callback(close)
    return connection
