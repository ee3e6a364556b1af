"""The declarative base, with a naming convention so that migrations can name every constraint."""
import datetime
import uuid

from sqlalchemy import DateTime, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The WHERE of a partial index over the live records of a soft-deleted table (listings read only those).
LIVE = text("deleted IS NULL")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime.datetime:
    """Naive UTC: both SQLite and PostgreSQL store it alike, and it compares without time zone surprises. (Made
    positionally: `replace(tzinfo=None)` parses keywords, three times the cost, and requests ask twice or more.)"""
    now = datetime.datetime.now(datetime.UTC)
    return datetime.datetime(now.year, now.month, now.day, now.hour, now.minute, now.second, now.microsecond)


def new_id() -> str:
    """Public ids are random (never a count of rows), 32 hex characters."""
    return uuid.uuid4().hex


class Record:
    """The columns of every stored record of the contract: a random public id, `@changes`
    (created, modified) and the version counter behind its ETag (hypermedia.etag)."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class SoftDeleted(Record):
    """A record deleted softly: it leaves every read but stays, emptied of its content, as a tombstone
    that `modified_after` sync reports (paging.records_page)."""

    deleted: Mapped[datetime.datetime | None] = mapped_column(DateTime)
