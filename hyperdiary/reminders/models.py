"""What reminders store: a client's notification settings, its browsers' push subscriptions, the deliveries
it can read, and the worker's ledger of what was claimed for sending (hyperdiary/reminders/worker.py)."""
import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..models.meta import Base, Record, SoftDeleted

LIVE = text("deleted IS NULL")


class NotificationSettings(Record, Base):
    """A client's choices (link `notifications`): e-mail on or off, quiet hours in its zone, and whether a
    message may name what it reminds of (`details`). No row: the defaults, nothing stored yet."""

    __tablename__ = "notification_settings"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, unique=True)
    email: Mapped[bool] = mapped_column(default=False)
    details: Mapped[bool] = mapped_column(default=False)
    # Wall-clock times in the client's zone; both set or both null. A start after the end spans midnight.
    quiet_start: Mapped[datetime.time | None] = mapped_column(Time)
    quiet_end: Mapped[datetime.time | None] = mapped_column(Time)


class PushSubscription(SoftDeleted, Base):
    """A browser's PushSubscription: where to send (`endpoint`) and the keys to encrypt for (RFC 8291).
    The endpoint's dedupe key makes the same subscription sent twice one row."""

    __tablename__ = "push_subscriptions"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(2048))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    dedupe_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("client_id", "dedupe_key", name="uq_push_subscriptions_client_id_dedupe_key"),
        Index("ix_push_subscriptions_listing", "client_id", "created", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_push_subscriptions_sync", "client_id", "modified", "id"),
    )


class Delivery(SoftDeleted, Base):
    """One attempt to reach the client (link `deliveries`): when, by which channel, how it went, and the
    path (below the API's base URL) of what it reminded of."""

    __tablename__ = "reminder_deliveries"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    time: Mapped[datetime.datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    about: Mapped[str] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_reminder_deliveries_listing", "client_id", "time", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_reminder_deliveries_sync", "client_id", "modified", "id"),
    )


class Dispatch(Base):
    """The worker's ledger: one row per reminder and channel target, written (and committed) before the
    send. Its unique key is what makes a reminder go once however many workers run: of two workers that
    both find it due, the second one's INSERT finds the row and sends nothing. `state`: sending (claimed),
    sent, retry (failed; `next_attempt`), failed (gave up after a day), missed, gone (404/410)."""

    __tablename__ = "reminder_dispatches"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(10))
    # A push subscription's id, or "email".
    target: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When it became sendable (its time, or the end of quiet hours): retries stop a day after.
    due: Mapped[datetime.datetime] = mapped_column(DateTime)
    next_attempt: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    modified: Mapped[datetime.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("source", "subject_id", "channel", "target", "client_id", name="uq_reminder_dispatches_key"),
        # A source asks whether its reminder has a row (its subject's id), and which wait for a retry.
        Index("ix_reminder_dispatches_subject", "subject_id", "state", "next_attempt"),
        Index("ix_reminder_dispatches_client", "client_id"),
    )
