"""Diary entries and uploaded entry schemas."""
import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clients.models import ClientOwned
from ..models.meta import Base, utcnow
from ..schemas import ID_LENGTH


class Entry(ClientOwned, Base):
    """A diary entry: `fields` holds the values of its schema's properties. Listed newest dt first."""

    __tablename__ = "entries"
    listing_order = "dt"
    table_args = (Index("ix_entries_client_id_schema_id", "client_id", "schema_id"),)

    schema_id: Mapped[str] = mapped_column(String(500))
    dt: Mapped[datetime.datetime] = mapped_column(DateTime)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # SHA-256 of the canonical JSON of (@type, dt, fields); unique per client (ClientOwned), so that identical
    # POSTs racing each other make one entry. NULL once deleted, so the same entry may be written again.
    dedupe_key: Mapped[str | None] = mapped_column(String(64))


class StoredSchema(Base):
    """An uploaded entry schema. Immutable: a change is a new document with a new $id."""

    __tablename__ = "entry_schemas"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)  # the $id
    # A short URL-safe name for the schema's resource, derived from the $id (see schemas.schema_key).
    key: Mapped[str] = mapped_column(String(32), unique=True)
    document: Mapped[str] = mapped_column(Text)
    creator_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
