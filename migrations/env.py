"""Alembic environment: the database URL comes from the app's settings (ini file plus the
HYPERDIARY_DATABASE_URL override), so alembic, the server and the scripts always agree."""
from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from hyperdiary.app import apply_environment
from hyperdiary.audit_partitions import include_name
from hyperdiary.models import get_engine, load
from hyperdiary.models.meta import Base

config = context.config
load()  # every domain's models: the metadata autogenerate compares
target_metadata = Base.metadata


def _settings():
    # A caller that built its own engine (the CLI and the tests) hands it over in attributes.
    if config.attributes.get("settings") is not None:
        return config.attributes["settings"]
    setup_logging(config.config_file_name)
    return apply_environment(get_appsettings(config.config_file_name))


def run_migrations_offline():
    context.configure(url=_settings()["sqlalchemy.url"], target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is None:
        # Unbounded: a migration's statement (an index over a large table) may rightly take longer than a request.
        engine = get_engine(_settings(), bounded=False)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection):
    # (include_name: the audit trail's monthly partitions are no tables of the models, hyperdiary/audit_partitions.py)
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_name=include_name)
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        with context.begin_transaction():
            context.run_migrations()
        return
    # SQLite changes a table's keys by making it anew (batch mode): with foreign keys enforced, dropping the old
    # table would delete what refers to it (ON DELETE CASCADE). SQLite's own recipe for it: foreign keys off
    # (outside a transaction), the change, then a check that every reference still holds, before the commit.
    dbapi = connection.connection.dbapi_connection
    dbapi.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"The migration left references that do not hold: {broken[:5]}")
    finally:
        dbapi.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
