"""Secret calendar feeds: URLs a calendar app subscribes to without any header."""
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models.meta import Base, Record


class CalendarFeed(Record, Base):
    """One subscription to a client's goals calendar. Its secret is kept only as a SHA-256 (like access
    tokens: 256 random bits, so a fast hash suffices); ending the feed deletes the row."""

    __tablename__ = "calendar_feeds"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    # The client's own label ("phone"), so that it knows which feed to end.
    name: Mapped[str | None] = mapped_column(String(100))

    # Unique with the client (a distributed table's keys hold it), the hash first: a secret names its client
    # (hyperdiary/feeds/resources.py), and a secret made before it did is looked up by its hash alone.
    __table_args__ = (UniqueConstraint("token_hash", "client_id", name="uq_calendar_feeds_token_hash"),)
