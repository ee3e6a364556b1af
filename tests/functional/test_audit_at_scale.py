"""The audit trail at scale (API.md §16, hyperdiary/audit_partitions.py): on PostgreSQL partitioned by month, the
months made ahead of time and a DEFAULT partition for the rest, so an insert never fails; `hyperdiary
audit-prune` removes what is older than `hyperdiary.audit.retention_days` and never an event within it; an
erasure finds the person's events by indexes, never by reading the whole trail."""
import datetime
import random

import pytest
import sqlalchemy as sa

from hyperdiary import audit_partitions, erasure
from hyperdiary.models.audit import AuditEvent
from hyperdiary.models.meta import new_id, utcnow
from hyperdiary.scripts import cli

EVENTS = AuditEvent.__table__


def event(time, client_id=None, actor_id=None, resource=None) -> dict:
    return {"id": new_id(), "time": time, "actor_id": actor_id, "actor_role": None, "client_id": client_id,
            "action": "read", "resource": resource, "status": 200}


@pytest.fixture
def engine(app):
    engine = app.registry["dbengine"]
    yield engine
    with engine.begin() as connection:
        connection.execute(EVENTS.delete())
        audit_partitions.ensure(connection, utcnow())


def postgresql_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps the trail in one table: no partitions")


def partition_of(connection, event_id: str) -> str:
    return connection.execute(sa.text("SELECT tableoid::regclass::text FROM audit_events WHERE id = :id"),
                              {"id": event_id}).scalar()


def test_migrate_made_this_month_and_the_next_and_an_insert_never_fails(engine):
    postgresql_only(engine)
    now = utcnow()
    this_month = audit_partitions.month_of(now)
    later = audit_partitions.next_month(audit_partitions.next_month(audit_partitions.next_month(this_month)))
    with engine.begin() as connection:
        assert audit_partitions.partitioned(connection)
        assert {this_month, audit_partitions.next_month(this_month)} <= set(audit_partitions.months(connection))
        # No month for these: the DEFAULT partition takes them, no request fails for want of a partition.
        current, ancient, future = event(now), event(datetime.datetime(2001, 5, 1)), event(later)
        connection.execute(EVENTS.insert(), [current, ancient, future])
        assert partition_of(connection, current["id"]) == audit_partitions.partition_name(this_month)
        assert partition_of(connection, ancient["id"]) == partition_of(connection, future["id"]) == \
            "audit_events_default"
        # `hyperdiary deliver` or `audit-prune` at that time make its month, and move what the DEFAULT took into it.
        assert audit_partitions.ensure(connection, later) == [audit_partitions.partition_name(later),
                                                             audit_partitions.partition_name(
                                                                 audit_partitions.next_month(later))]
        assert partition_of(connection, future["id"]) == audit_partitions.partition_name(later)
        assert audit_partitions.ensure(connection, later) == []
        assert connection.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar() == 3
        for month in (later, audit_partitions.next_month(later)):
            connection.execute(sa.text(f"DROP TABLE {audit_partitions.partition_name(month)}"))


def test_a_deliver_pass_makes_the_months_ahead(app, engine):
    """`hyperdiary deliver` runs for months: each pass makes the month to come, so requests never need to."""
    postgresql_only(engine)
    following = audit_partitions.next_month(audit_partitions.month_of(utcnow()))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {audit_partitions.partition_name(following)}"))
        assert following not in audit_partitions.months(connection)
    app.registry["reminders"].worker(app.registry).run(once=True)
    with engine.connect() as connection:
        assert following in audit_partitions.months(connection)


def test_prune_removes_only_what_is_older_than_the_retention(engine):
    """The boundary: an event at the cutoff stays on both databases. PostgreSQL drops whole months that end
    before the cutoff, and keeps the month that reaches into the retention whole; SQLite deletes each row older."""
    now = datetime.datetime(2025, 6, 10, 12, 0)
    days = 100
    cutoff = now - datetime.timedelta(days=days)  # 2025-03-02 12:00
    postgresql = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgresql:
            month = datetime.datetime(2025, 1, 1)
            while month <= now:
                audit_partitions.create_month(connection, month)
                month = audit_partitions.next_month(month)
        events = {"ancient": event(datetime.datetime(1999, 1, 1)), "february": event(datetime.datetime(2025, 2, 27)),
                  "just before": event(cutoff - datetime.timedelta(microseconds=1)), "at the cutoff": event(cutoff),
                  "now": event(now)}
        connection.execute(EVENTS.insert(), list(events.values()))
        pruned = audit_partitions.prune(connection, now, days)
        kept = set(connection.execute(sa.select(EVENTS.c.id)).scalars())
        left = {name for name, values in events.items() if values["id"] in kept}
        if postgresql:
            assert pruned["dropped"] == ["audit_events_y2025m01", "audit_events_y2025m02"]
            assert pruned["deleted"] == 1  # the DEFAULT partition's old row
            assert left == {"just before", "at the cutoff", "now"}  # March reaches into the retention: kept whole
            assert set(audit_partitions.months(connection)) >= {datetime.datetime(2025, 3, 1),
                                                                datetime.datetime(2025, 6, 1)}
            for month in (3, 4, 5, 6):
                connection.execute(sa.text(f"DROP TABLE audit_events_y2025m{month:02d}"))
        else:
            assert pruned == {"cutoff": cutoff, "dropped": [], "deleted": 3}
            assert left == {"at the cutoff", "now"}
        assert audit_partitions.prune(connection, now, days)["deleted"] == 0


def test_the_retention_setting():
    assert audit_partitions.retention({}) is None
    assert audit_partitions.retention({"hyperdiary.audit.retention_days": ""}) is None
    assert audit_partitions.retention({"hyperdiary.audit.retention_days": " 2190 "}) == 2190
    for wrong in ("0", "-3", "six years"):
        with pytest.raises(ValueError):
            audit_partitions.retention({"hyperdiary.audit.retention_days": wrong})


def test_the_audit_prune_command(engine, app_settings, tmp_path, monkeypatch, capsys):
    """`hyperdiary audit-prune` keeps everything without a retention, and with one removes what is older."""
    ini = tmp_path / "prune.ini"
    ini.write_text("[app:main]\nuse = egg:hyperdiary\nsqlalchemy.url = sqlite:///nowhere/at/all.sqlite\n")
    monkeypatch.setenv("HYPERDIARY_DATABASE_URL", app_settings["sqlalchemy.url"])
    now = utcnow()
    old, new = event(now - datetime.timedelta(days=800)), event(now - datetime.timedelta(days=1))
    with engine.begin() as connection:
        connection.execute(EVENTS.insert(), [old, new])
    cli.main(["audit-prune", "--config", str(ini)])
    assert "Keeping every audit event" in capsys.readouterr().out
    ini.write_text(ini.read_text() + "hyperdiary.audit.retention_days = 365\n")
    cli.main(["audit-prune", "--config", str(ini)])
    assert "Removed the audit events before" in capsys.readouterr().out
    with engine.connect() as connection:
        assert set(connection.execute(sa.select(EVENTS.c.id)).scalars()) == {new["id"]}
    with pytest.raises(SystemExit):
        cli.main(["audit-prune", "--config", str(ini), "--days", "0"])


def plans(connection, run) -> list[str]:
    """The plans of the statements `run(connection)` sends, each EXPLAINed instead of run."""
    found = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        return "EXPLAIN " + statement, parameters

    def keep(conn, cursor, statement, parameters, context, executemany):
        found.append("\n".join(row[0] for row in cursor.fetchall()))

    sa.event.listen(connection, "before_cursor_execute", explain, retval=True)
    sa.event.listen(connection, "after_cursor_execute", keep)
    try:
        run(connection)
    finally:
        sa.event.remove(connection, "before_cursor_execute", explain)
        sa.event.remove(connection, "after_cursor_execute", keep)
    return found


def test_erasing_a_client_reads_the_trail_by_its_indexes(engine):
    """With a trail of 30,000 events over three partitions (a month, the next, the DEFAULT) and fresh statistics,
    every statement of an erasure's anonymization reaches the trail by an index, on every partition: none reads it
    whole. The statement it sent before (one UPDATE whose condition ORs a LIKE over `resource`) does, on the same
    data: the trail is large enough for the planner to tell."""
    postgresql_only(engine)
    rng = random.Random(26)
    clients = [new_id() for _ in range(300)]
    actors = [new_id() for _ in range(60)]
    this_month = audit_partitions.month_of(utcnow())
    times = [this_month + datetime.timedelta(hours=1), audit_partitions.next_month(this_month),
             datetime.datetime(2001, 1, 1)]
    rows = []
    for n in range(30_000):
        client = None if rng.random() < 0.01 else rng.choice(clients)
        rows.append(event(times[n % 3] + datetime.timedelta(seconds=n), client, rng.choice(actors),
                          f"clients/{client}/diary/entries/{new_id()}/" if client else f"tagtypes/{new_id()}/"))
    with engine.begin() as connection:
        connection.execute(EVENTS.insert(), rows)
        connection.exec_driver_sql("ANALYZE audit_events")
    erased_user, erased_client = new_id(), clients[0]
    with engine.connect() as connection:
        found = plans(connection, lambda c: erasure.anonymize_audit(c, erased_user, erased_client, clients[1:3]))
        assert len(found) == 4
        for plan in found:
            assert "Seq Scan" not in plan, plan
            assert plan.count("Index") >= 3, plan  # a scan of an index on each partition
        before = sa.or_(EVENTS.c.client_id == erased_client, EVENTS.c.resource.contains(erased_user),
                        EVENTS.c.resource.contains(erased_client))
        control = plans(connection, lambda c: c.execute(sa.update(EVENTS).where(before).values(resource=None)))
        assert "Seq Scan" in control[0], control[0]
        connection.rollback()


def test_the_caseloads_last_activity_finds_each_clients_newest_event_by_an_index(engine):
    """A busy month (30,000 events: professionals' reads and 2,000 other clients' own writes), none by the
    listed clients themselves: each listed client's last activity is found through an index that names the
    client or its user on every partition, never by reading the month back through the time index alone
    (what the 1,000,000-entry bench found: 9 ms a client, 460 ms a page of 50)."""
    from hyperdiary.clients.activity import LAST_ACTIVITY

    postgresql_only(engine)
    rng = random.Random(27)
    listed = [new_id() for _ in range(50)]
    others = [(new_id(), new_id()) for _ in range(2_000)]  # (client, its user)
    professionals = [new_id() for _ in range(20)]
    start = audit_partitions.month_of(utcnow()) + datetime.timedelta(hours=1)
    rows = []
    for n in range(30_000):
        client, user = rng.choice(others)
        if n % 2:
            rows.append(event(start + datetime.timedelta(seconds=n), client, user, "clients/x/diary/entries/"))
        else:
            rows.append(event(start + datetime.timedelta(seconds=n), rng.choice(listed + [client]),
                              rng.choice(professionals), "clients/x/"))
    with engine.begin() as connection:
        connection.execute(EVENTS.insert(), rows)
        connection.exec_driver_sql("ANALYZE audit_events")
    with engine.connect() as connection:
        [plan] = plans(connection, lambda c: c.execute(LAST_ACTIVITY, {"client_ids": listed}))
    assert "Seq Scan on audit" not in plan, plan
    assert 'Index Cond: ("time" IS NOT NULL)' not in plan, plan  # no partition read back by time alone
