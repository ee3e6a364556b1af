"""The audit trail at scale (API.md §16): every professional's read adds an event, so the trail grows fastest of
all tables. On PostgreSQL `audit_events` is partitioned by month of `time` (declarative RANGE partitioning):
one table per month, `audit_events_y2026m12`, and a DEFAULT partition `audit_events_default`.

- Months are made ahead of time, never by a request: `hyperdiary migrate`, each pass of `hyperdiary deliver`
  and `hyperdiary audit-prune` make the current and the next month (`ensure`). Should none of those have run
  for a month, the DEFAULT partition takes the events, so an insert never fails; the next `ensure` moves them
  into their month.
- `hyperdiary.audit.retention_days` (default: none, keep every event) and `hyperdiary audit-prune` (`prune`):
  on PostgreSQL a month whose every instant is older than the retention is dropped whole (no row-by-row
  delete, no bloat), and old rows left in the DEFAULT partition are deleted; a month that reaches into the
  retention is kept whole. On SQLite, one table: the old rows are deleted.
"""
import datetime
import re

from sqlalchemy import delete, text

from .models.audit import AuditEvent

TABLE = AuditEvent.__tablename__
DEFAULT = f"{TABLE}_default"
MONTH = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")
SETTING = "hyperdiary.audit.retention_days"


def month_of(moment: datetime.datetime) -> datetime.datetime:
    return datetime.datetime(moment.year, moment.month, 1)


def next_month(month: datetime.datetime) -> datetime.datetime:
    return datetime.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: datetime.datetime) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def include_name(name, type_, parent_names) -> bool:
    """For alembic's comparison of the models and the database (migrations/env.py): a partition, and the
    indexes PostgreSQL made on it, are the trail's, not tables of their own."""
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table and (table == DEFAULT or MONTH.match(table)))


def partitioned(connection) -> bool:
    """Whether the trail is partitioned here (PostgreSQL, once migration 0013 ran)."""
    if connection.dialect.name != "postgresql":
        return False
    return connection.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = :table AND c.relnamespace = to_regnamespace(current_schema())::oid)"),
        {"table": TABLE}).scalar()


def months(connection) -> dict[datetime.datetime, str]:
    """The monthly partitions there are: {first day of the month: table name}."""
    names = connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :table "
        "AND p.relnamespace = to_regnamespace(current_schema())::oid"), {"table": TABLE}).scalars()
    found = {}
    for name in names:
        match = MONTH.match(name)
        if match:
            found[datetime.datetime(int(match[1]), int(match[2]), 1)] = name
    return found


def create_month(connection, month: datetime.datetime):
    """The partition of `month`. Events of that month the DEFAULT partition took meanwhile move into it: a
    partition cannot be made over rows the DEFAULT holds, so the DEFAULT is detached for the move."""
    name, start, end = partition_name(month), month, next_month(month)
    bounds = f"FOR VALUES FROM ('{start:%Y-%m-%d}') TO ('{end:%Y-%m-%d}')"
    within = text(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE time >= :start AND time < :end)")
    if not connection.execute(within, {"start": start, "end": end}).scalar():
        connection.execute(text(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {TABLE} {bounds}"))
        return
    connection.execute(text(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT}"))
    connection.execute(text(f"CREATE TABLE {name} PARTITION OF {TABLE} {bounds}"))
    moved = {"start": start, "end": end}
    connection.execute(text(f"INSERT INTO {TABLE} SELECT * FROM {DEFAULT} WHERE time >= :start AND time < :end"),
                       moved)
    connection.execute(text(f"DELETE FROM {DEFAULT} WHERE time >= :start AND time < :end"), moved)
    connection.execute(text(f"ALTER TABLE {TABLE} ATTACH PARTITION {DEFAULT} DEFAULT"))


def ensure(connection, now: datetime.datetime, ahead: int = 1) -> list[str]:
    """Make the partitions of the month of `now` and of the `ahead` months after it that are missing (nothing
    on SQLite): the names made."""
    if not partitioned(connection):
        return []
    existing = months(connection)
    made = []
    month = month_of(now)
    for _ in range(ahead + 1):
        if month not in existing:
            create_month(connection, month)
            made.append(partition_name(month))
        month = next_month(month)
    return made


def retention(settings) -> int | None:
    """`hyperdiary.audit.retention_days`: how many days of events to keep; None (the default, or empty) keeps all."""
    value = str(settings.get(SETTING) or "").strip()
    if not value:
        return None
    days = int(value)
    if days < 1:
        raise ValueError(f"{SETTING} must be a whole number of days, at least 1 (or empty: keep every event)")
    return days


def prune(connection, now: datetime.datetime, days: int) -> dict:
    """Remove the events older than `days` days before `now`, never one within them: on PostgreSQL the months
    that end at or before the cutoff are dropped and the DEFAULT partition's old rows deleted; on SQLite the
    old rows are deleted. {"cutoff", "dropped": [partition names], "deleted": rows}."""
    cutoff = now - datetime.timedelta(days=days)
    if not partitioned(connection):
        deleted = connection.execute(delete(AuditEvent.__table__).where(AuditEvent.time < cutoff)).rowcount
        return {"cutoff": cutoff, "dropped": [], "deleted": deleted}
    dropped = []
    for month, name in sorted(months(connection).items()):
        if next_month(month) <= cutoff:  # its last instant is before the cutoff
            connection.execute(text(f"DROP TABLE {name}"))
            dropped.append(name)
    deleted = connection.execute(text(f"DELETE FROM {DEFAULT} WHERE time < :cutoff"), {"cutoff": cutoff}).rowcount
    return {"cutoff": cutoff, "dropped": dropped, "deleted": deleted}
