"""Research subjects, who may use them (members), and subject logs with their entries."""
import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models.meta import Base, Record, SoftDeleted


class Subject(Record, Base):
    """A research subject (an animal, a sample ...). Private to its members unless `is_public`."""

    __tablename__ = "subjects"

    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(default=False)
    creator_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # A subject belongs to its members together: erasing a user erases it with its last member
    # (hyperdiary/erasure.py); one shared with others stays.
    __table_args__ = {"info": {"owned_through": "subject_members"}}


class SubjectMember(Base):
    """A user who reads and writes a subject and its logs. The creator is the first member."""

    __tablename__ = "subject_members"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created: Mapped[datetime.datetime] = mapped_column(DateTime)

    # "The subjects of this user": the listings start here.
    __table_args__ = (Index("ix_subject_members_user_id", "user_id", "subject_id"),)


class SubjectLog(SoftDeleted, Base):
    """A log of one type (a file in schemas/subjectlog/) about one subject; its entries are rows of
    SubjectLogEntry."""

    __tablename__ = "subject_logs"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        # Listing, newest first, keyset-paged on (created, id); sync by (modified, id).
        Index("ix_subject_logs_listing", "subject_id", "created", "id"),
        Index("ix_subject_logs_sync", "subject_id", "modified", "id"),
    )


class SubjectLogEntry(Base):
    """One entry of a log: at `instant` (an interval's start) and, for interval types, until `end_instant`.
    The primary key (log, instant) is what makes a second entry at the same instant impossible, also
    when two writers add it at once."""

    __tablename__ = "subject_log_entries"

    log_id: Mapped[str] = mapped_column(ForeignKey("subject_logs.id", ondelete="CASCADE"), primary_key=True)
    instant: Mapped[datetime.datetime] = mapped_column(DateTime, primary_key=True)
    end_instant: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
