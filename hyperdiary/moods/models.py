"""Mood logs: how a client felt at a moment, and why."""
import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..diary.models import LIVE
from ..models.meta import Base, SoftDeleted


class Mood(SoftDeleted, Base):
    __tablename__ = "moods"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    logdate: Mapped[datetime.datetime] = mapped_column(DateTime)
    # One of the values in schemas/mood.json; NULL once deleted (the content of a tombstone is erased).
    mood: Mapped[str | None] = mapped_column(String(255))
    reasons: Mapped[list] = mapped_column(JSON, default=list)

    __table_args__ = (
        # Listing, newest logdate first, and the statistics over a range: live logs only.
        Index("ix_moods_listing", "client_id", "logdate", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_moods_sync", "client_id", "modified", "id"),
    )
