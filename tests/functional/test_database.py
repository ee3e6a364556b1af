"""The database the migrations build: it matches the models, and SQLite runs as promised."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hyperdiary import audit_partitions
from hyperdiary.models import get_engine
from hyperdiary.models.meta import Base
from tests.kinds import hydration

# The test-only kind's table (tests/functional/test_kinds.py makes it in the same database for the session,
# as its migration would): not the app's, so not compared; without this the comparison failed whenever the
# kinds' contract suite ran first.
TEST_ONLY = frozenset(hydration.Base.metadata.tables)


def include_name(name, type_, parent_names) -> bool:
    table = name if type_ == "table" else parent_names.get("table_name")
    # (the audit trail's partitions are the trail's: migrations/env.py leaves them out alike)
    return table not in TEST_ONLY and audit_partitions.include_name(name, type_, parent_names)


def test_migrations_match_the_models(app):
    with app.registry["dbengine"].connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path):
    # An engine of its own: on the PostgreSQL run too, SQLite's settings are checked once.
    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'wal.sqlite'}"})
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.rollback()
    engine.dispose()


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


def test_reads_run_in_autocommit_on_a_pool_of_their_own(app_settings):
    """A request that only reads costs no BEGIN or ROLLBACK round trip on PostgreSQL: its connections come
    from a pool of their own that stays in autocommit (models.reader), which models.dispose closes with the
    app's. On SQLite reads share the app's engine (a transaction keeps their snapshot)."""
    from hyperdiary.models import dispose, reader

    engine = get_engine(app_settings)
    read = reader(app_settings, engine)
    if engine.dialect.name != "postgresql":
        assert read is engine
        engine.dispose()
        return
    try:
        with read.connect() as conn:
            assert conn.connection.driver_connection.autocommit
        assert read.pool.checkedin() == 1
    finally:
        dispose({"dbengine": engine, "read_dbengine": read})
    assert read.pool.checkedin() == 0
