"""Running the alembic migrations from code (the CLI, `make serve` and the tests use this)."""
from alembic import command
from alembic.config import Config

from . import shipped

MIGRATIONS = shipped.migrations()


def alembic_config(settings=None, connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings
    config.attributes["connection"] = connection
    return config


def upgrade(settings=None, connection=None, revision="head"):
    command.upgrade(alembic_config(settings, connection), revision)
