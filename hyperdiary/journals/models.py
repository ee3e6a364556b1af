"""Journals (a client's self-reflection notes), their tags, and the tag types tags are made from."""
import datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clients.models import ClientOwned
from ..models.meta import LIVE, Base, Record, SoftDeleted



class Journal(ClientOwned, Base):
    """Listed (and counted by stats) newest journal_timestamp first."""

    __tablename__ = "journals"
    listing_order = "journal_timestamp"
    table_args = (Index("ix_journals_session", "client_id", "session", postgresql_where=LIVE, sqlite_where=LIVE),)

    title: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    journal_timestamp: Mapped[datetime.datetime] = mapped_column(DateTime)
    # The chat or therapy session the note belongs to: an id from elsewhere, kept as given.
    session: Mapped[str | None] = mapped_column(String(255))
    # records.dedupe_key of (timestamp, title, description): identical POSTs make one journal, also
    # when they race. NULL once deleted, so the same note may be written again.
    dedupe_key: Mapped[str | None] = mapped_column(String(64))


class TagType(Record, Base):
    """A kind of tag ("trigger", "coping skill" ...), shared by every journal; admins and professionals add them."""

    __tablename__ = "tag_types"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class Tag(SoftDeleted, Base):
    """A tag on a journal: a tag type and the client's words about it. `client_id` repeats the journal's: a
    client's data names its client in every row (hyperdiary/distribution.py)."""

    __tablename__ = "journal_tags"

    journal_id: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    tagtype_id: Mapped[str] = mapped_column(ForeignKey("tag_types.id", ondelete="RESTRICT"))
    description: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "journal_id"], ["journals.client_id", "journals.id"], ondelete="CASCADE"),
        Index("ix_journal_tags_journal_id", "journal_id", "created", "id"),
        # The journals list's `tag=` filter: journals with a live tag of that type.
        Index("ix_journal_tags_tagtype_id", "tagtype_id", "journal_id", postgresql_where=LIVE, sqlite_where=LIVE),
    )
