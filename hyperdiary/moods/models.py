"""Mood logs: how a client felt at a moment, and why."""
import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clients.models import ClientOwned
from ..models.meta import Base


class Mood(ClientOwned, Base):
    """Listed (and counted by stats) newest logdate first."""

    __tablename__ = "moods"
    listing_order = "logdate"

    logdate: Mapped[datetime.datetime] = mapped_column(DateTime)
    # One of the values in schemas/mood.json; NULL once deleted (the content of a tombstone is erased).
    mood: Mapped[str | None] = mapped_column(String(255))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
