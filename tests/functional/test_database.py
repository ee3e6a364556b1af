"""The database the migrations build: it matches the models, and SQLite runs as promised."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hyperdiary.models.meta import Base


def test_migrations_match_the_models(app):
    with app.registry["dbengine"].connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_with_foreign_keys(app):
    engine = app.registry["dbengine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's settings")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.rollback()


def test_foreign_keys_are_enforced(app):
    engine = app.registry["dbengine"]
    entries = Base.metadata.tables["entries"]
    with engine.connect() as conn:
        try:
            conn.execute(entries.insert().values(id="x" * 32, client_id="no-such-client", schema_id="urn:x",
                                                 dt=sa.func.current_timestamp(), fields={}, created=sa.func.current_timestamp(),
                                                 modified=sa.func.current_timestamp(), version=1))
        except sa.exc.IntegrityError:
            conn.rollback()
        else:
            conn.rollback()
            raise AssertionError("an entry of an unknown client was stored")
