"""Running the alembic migrations from code (the CLI, `make serve` and the tests use this)."""
from alembic import command
from alembic.config import Config

from . import audit_partitions, shipped
from .models.meta import utcnow

MIGRATIONS = shipped.migrations()


def alembic_config(settings=None, connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings
    config.attributes["connection"] = connection
    return config


def upgrade(settings=None, connection=None, revision="head"):
    """Upgrade, then make the audit trail's partitions of this month and the next (PostgreSQL), so that no
    request makes one."""
    command.upgrade(alembic_config(settings, connection), revision)
    if connection is not None:
        audit_partitions.ensure(connection, utcnow())
    elif settings is not None:
        ensure_audit_partitions(settings)


def ensure_audit_partitions(settings):
    from .models import get_engine

    engine = get_engine(settings, bounded=False)
    try:
        with engine.begin() as connection:
            audit_partitions.ensure(connection, utcnow())
    finally:
        engine.dispose()
