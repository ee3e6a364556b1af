"""Database wiring: the engine, a session per request joined to pyramid_tm, and the models."""
import os

import zope.sqlalchemy
from sqlalchemy import engine_from_config, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import configure_mappers, sessionmaker

from .accounts import AuthSession, CaseloadAssignment, Role, Token, User  # noqa: F401
from .diary import Client, Entry, StoredSchema  # noqa: F401
from .meta import Base  # noqa: F401

configure_mappers()

# Requests that may write take SQLite's write lock when their transaction begins (BEGIN IMMEDIATE):
# a deferred transaction that read first and writes later can fail at once with "database is locked"
# when another writer committed in between, whatever the busy timeout.
WRITE_OPTION = "hyperdiary_write"


def get_engine(settings, prefix="sqlalchemy."):
    url = make_url(settings[prefix + "url"])
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        engine = engine_from_config(settings, prefix, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return engine_from_config(settings, prefix, pool_pre_ping=True)


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
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def get_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)


def writer(engine):
    """The same engine (and pool), marked so that SQLite transactions begin IMMEDIATE."""
    return engine.execution_options(**{WRITE_OPTION: True})


def get_tm_session(session_factory, transaction_manager, request=None, bind=None):
    """A session joined to the transaction manager: it commits when the request succeeds and rolls back
    when it fails. Views never commit."""
    dbsession = session_factory(bind=bind) if bind is not None else session_factory()
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    if request is not None:
        dbsession.info["request"] = request
    return dbsession


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def includeme(config):
    settings = config.get_settings()
    config.include("pyramid_tm")

    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["dbengine"] = engine
    write_engine = writer(engine)

    def dbsession(request):
        # Tests (and scripts) may hand in a session of their own.
        dbsession = request.environ.get("app.dbsession")
        if dbsession is None:
            bind = engine if request.method in READ_METHODS else write_engine
            dbsession = get_tm_session(session_factory, request.tm, request, bind=bind)
        return dbsession

    config.add_request_method(dbsession, reify=True)
