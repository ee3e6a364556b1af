"""Alembic environment: the database URL comes from the app's settings (ini file plus the
HYPERDIARY_DATABASE_URL override), so alembic, the server and the scripts always agree."""
from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from hyperdiary.app import apply_environment
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
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
