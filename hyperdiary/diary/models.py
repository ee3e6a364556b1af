"""Diary entries and uploaded entry schemas."""
import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..models.meta import Base, SoftDeleted, utcnow


LIVE = text("deleted IS NULL")


class Entry(SoftDeleted, Base):
    """A diary entry: `fields` holds the values of its schema's properties."""

    __tablename__ = "entries"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    schema_id: Mapped[str] = mapped_column(String(500))
    dt: Mapped[datetime.datetime] = mapped_column(DateTime)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # SHA-256 of the canonical JSON of (@type, dt, fields); unique per client, so that identical POSTs
    # racing each other make one entry. NULL once deleted, so the same entry may be written again.
    dedupe_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("client_id", "dedupe_key", name="uq_entries_client_id_dedupe_key"),
        # Listing, newest dt first, keyset-paged on (dt, id): live entries only.
        Index("ix_entries_listing", "client_id", "dt", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        # Incremental sync, oldest modification first, tombstones included.
        Index("ix_entries_sync", "client_id", "modified", "id"),
        Index("ix_entries_client_id_schema_id", "client_id", "schema_id"),
    )


class StoredSchema(Base):
    """An uploaded entry schema. Immutable: a change is a new document with a new $id."""

    __tablename__ = "entry_schemas"

    id: Mapped[str] = mapped_column(String(500), primary_key=True)  # the $id
    # A short URL-safe name for the schema's resource, derived from the $id (see schemas.schema_key).
    key: Mapped[str] = mapped_column(String(32), unique=True)
    document: Mapped[str] = mapped_column(Text)
    creator_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
