"""What questionnaires store: each scored entry's score, the flagged answers that need a professional's
attention, and the questionnaires a professional assigned to a client. All of it is the client's data:
every table names its client (erased with it through the foreign keys)."""
import datetime

from sqlalchemy import (JSON, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Time,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from ..models.meta import Base, SoftDeleted

LIVE = text("deleted IS NULL")


class Score(Base):
    """The score of a live scored entry, kept beside it so that the caseload's `latest_scores`, the score
    charts and the `scores` report read numbers rather than recompute every entry. Derived: written when
    the entry is written, removed when it is deleted (an entry's representation computes its own score)."""

    __tablename__ = "entry_scores"

    entry_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    schema_id: Mapped[str] = mapped_column(String(500))
    dt: Mapped[datetime.datetime] = mapped_column(DateTime)
    value: Mapped[int] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "entry_id"], ["entries.client_id", "entries.id"], ondelete="CASCADE"),
        # A client's scores of one type over time (charts, reports), and the latest per type (caseload).
        Index("ix_entry_scores_client_id_schema_id_dt", "client_id", "schema_id", "dt"),
    )


class Attention(SoftDeleted, Base):
    """A scored entry whose answers raise a flag (PHQ-9's question 9 ...), until a professional has seen it.
    Soft deleted when the entry goes, or when a change of the entry lowers every flag."""

    __tablename__ = "attention"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(32))
    flags: Mapped[list] = mapped_column(JSON, default=list)
    # The entry's dt: the listing's order, newest first.
    time: Mapped[datetime.datetime] = mapped_column(DateTime)
    # The professional who acknowledged it (forgotten if that account is erased; the time stays).
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "entry_id"], ["entries.client_id", "entries.id"], ondelete="CASCADE"),
        UniqueConstraint("entry_id", "client_id", name="uq_attention_entry_id"),
        Index("ix_attention_listing", "client_id", "time", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_attention_sync", "client_id", "modified", "id"),
        Index("ix_attention_acknowledged_by", "acknowledged_by"),
    )


class Assignment(SoftDeleted, Base):
    """A questionnaire (a scored entry schema) a client is asked to fill in every `every_days` days from
    `first_due`; `next_due` is the client's local date it is due next (moved on by an answer)."""

    __tablename__ = "questionnaire_assignments"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    schema_id: Mapped[str] = mapped_column(String(500))
    every_days: Mapped[int] = mapped_column(Integer)
    first_due: Mapped[datetime.date] = mapped_column(Date)
    next_due: Mapped[datetime.date] = mapped_column(Date)
    remindertime: Mapped[datetime.time] = mapped_column(Time)
    last_answered: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # Who assigned it (forgotten if that account is erased).
    creator_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_questionnaire_assignments_listing", "client_id", "created", "id",
              postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_questionnaire_assignments_sync", "client_id", "modified", "id"),
        Index("ix_questionnaire_assignments_due", "client_id", "schema_id", "next_due"),
        Index("ix_questionnaire_assignments_creator_id", "creator_id"),
    )
