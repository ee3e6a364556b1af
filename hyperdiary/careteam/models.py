"""What the care team and a client say to each other, and who looks along: the tables of the careteam
package (API.md §14). Every row is the client's data: it goes with the client (`client_id`, ON DELETE
CASCADE, hyperdiary/erasure.py walks it), and a row that names another person forgets them when that
person is erased (`SET NULL`): the conversation stays with the client."""
import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models.meta import LIVE, Base, SoftDeleted

TEXT_LENGTH = 4000


class Message(SoftDeleted, Base):
    """One message of a client's conversation with its professionals; `created` is when it was sent."""

    __tablename__ = "messages"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # NULL once deleted (a tombstone keeps no content).
    text: Mapped[str | None] = mapped_column(String(TEXT_LENGTH))

    __table_args__ = (
        Index("ix_messages_listing", "client_id", "created", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_messages_sync", "client_id", "modified", "id"),
    )


class MessageRead(Base):
    """A reader has read a message (unread state is per reader; an author's own messages need no row).
    `client_id` repeats the message's (hyperdiary/distribution.py)."""

    __tablename__ = "message_reads"

    message_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, index=True)
    reader_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read: Mapped[datetime.datetime] = mapped_column(DateTime)

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "message_id"], ["messages.client_id", "messages.id"], ondelete="CASCADE"),
        Index("ix_message_reads_reader_id", "reader_id"),
    )


class Feedback(SoftDeleted, Base):
    """A remark on one record of a client's kinds (an entry, a journal, a goal, a mood ...). `record_id` names
    that record in whichever table its kind keeps (ids are random and unique across tables), so it has no
    foreign key: the feedback goes with the client, and with the record's delete (careteam.feedback)."""

    __tablename__ = "feedback"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, index=True)
    record_id: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str | None] = mapped_column(String(TEXT_LENGTH))

    __table_args__ = (
        Index("ix_feedback_listing", "record_id", "created", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_feedback_sync", "record_id", "modified", "id"),
    )


class Relative(SoftDeleted, Base):
    """Someone a client lets look along: first an invitation (its code stored only as a SHA-256 hash, like a
    token), then, once a signed-in user redeemed the code, that user (`user_id`) and what they may see."""

    __tablename__ = "relatives"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    can_see: Mapped[list] = mapped_column(JSON, default=list)
    # NULL once redeemed or deleted: a code works once.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    expires: Mapped[datetime.datetime] = mapped_column(DateTime)
    accepted: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # Unique with the client (a distributed table's keys hold it), the code first: a redeemed code is looked
        # up by itself (docs/scaling.md).
        UniqueConstraint("code_hash", "client_id", name="uq_relatives_code_hash"),
        Index("ix_relatives_listing", "client_id", "created", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_relatives_sync", "client_id", "modified", "id"),
    )
