"""Goals, and the tracking items their schedule generates (one per due date)."""
import datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from ..clients.models import ClientOwned
from ..models.meta import LIVE, Base, SoftDeleted


class Goal(ClientOwned, Base):
    """A one-time or recurring goal of a client. Its schedule (is_onetime, frequency, days, startdate,
    targetdate) decides its tracking items (hyperdiary.goals)."""

    __tablename__ = "goals"
    listing_order = "created"  # newest first

    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(50))
    is_onetime: Mapped[bool]
    frequency: Mapped[str] = mapped_column(String(20))
    # English weekday names, for Weekly goals.
    days: Mapped[list] = mapped_column(JSON, default=list)
    criticality: Mapped[str | None] = mapped_column(String(255))
    startdate: Mapped[datetime.datetime] = mapped_column(DateTime)
    targetdate: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    reminder: Mapped[bool] = mapped_column(default=False)
    # A wall-clock time in the client's time zone.
    remindertime: Mapped[datetime.time | None] = mapped_column(Time)
    reminderdate: Mapped[datetime.date | None] = mapped_column(Date)
    is_therapist_approved: Mapped[bool] = mapped_column(default=False)


class GoalTracking(SoftDeleted, Base):
    """One due date of a goal. `client_id` repeats the goal's, so that a client's tracker and reminders
    are read from one index without a join to find them."""

    __tablename__ = "goal_tracking"

    goal_id: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    duedate: Mapped[datetime.datetime] = mapped_column(DateTime)
    iscompleted: Mapped[bool] = mapped_column(default=False)
    reminderdate: Mapped[datetime.date | None] = mapped_column(Date)
    remindertime: Mapped[datetime.time | None] = mapped_column(Time)
    status: Mapped[str | None] = mapped_column(String(50))

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "goal_id"], ["goals.client_id", "goals.id"], ondelete="CASCADE"),
        # A goal's items, oldest first (the `tracking` listing, regeneration, status).
        Index("ix_goal_tracking_goal", "goal_id", "duedate", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_goal_tracking_sync", "goal_id", "modified", "id"),
        # A client's items by due date: the tracker, and the reminders keyset-paged on (duedate, id).
        Index("ix_goal_tracking_client", "client_id", "duedate", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        # Every client's items by due date, and by reminder date: what `hyperdiary deliver` asks on each pass.
        Index("ix_goal_tracking_due", "duedate", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_goal_tracking_reminderdate", "reminderdate", postgresql_where=LIVE, sqlite_where=LIVE),
    )
