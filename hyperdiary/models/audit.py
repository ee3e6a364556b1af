"""The audit trail: who read or changed what, when (API.md §9)."""
import datetime

from sqlalchemy import DateTime, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, new_id


# The events that concern no client (a tag type made, a user deactivated): a few among the reads of clients' data.
NO_CLIENT = text("client_id IS NULL")


class AuditEvent(Base):
    """One request that read a client's data (by anyone but that client) or wrote anything.

    `actor_id` and `client_id` are plain ids, not foreign keys: an event outlives the user who acted and
    the client it concerns, and the erasure's walk over foreign keys (hyperdiary/erasure.py) must not
    delete the audit with them; the erasure makes the events of an erased client anonymous instead.
    `resource` is the path of the URL acted on below the application's root, so that its @url is built
    from the request that reads the audit (behind any host or proxy prefix), like every other @url.

    On PostgreSQL the table is partitioned by month of `time` (hyperdiary/audit_partitions.py), so its key holds
    `time`: a partitioned table's unique keys must hold the partition key. The indexes are what an erasure
    finds a person's events by (hyperdiary/erasure.py), none of its statements reads the whole trail."""

    __tablename__ = "audit_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    time: Mapped[datetime.datetime] = mapped_column(DateTime, primary_key=True)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    client_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(10))
    resource: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (
        # A client's audit, newest first, keyset-paged on (time, id).
        Index("ix_audit_events_client", "client_id", "time", "id"),
        # The root's audit over every event, newest first.
        Index("ix_audit_events_time", "time", "id"),
        # What an erased person did outside any client's trail, and what names them there (hyperdiary/erasure.py);
        # with the time, a person's newest event found at once: the caseload's last activity of each client
        # (clients/activity.py), which by the time index alone read back through every event of the month.
        Index("ix_audit_events_actor", "actor_id", "time"),
        Index("ix_audit_events_no_client", "time", postgresql_where=NO_CLIENT, sqlite_where=NO_CLIENT),
        {"postgresql_partition_by": "RANGE (time)"},
    )
