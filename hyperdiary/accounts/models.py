"""Users, their sign-in sessions and tokens, and professionals' caseloads."""
import datetime
import enum

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models.meta import Base, Record, new_id, utcnow


class Role(enum.StrEnum):
    CLIENT = "client"
    FRIEND = "friend"
    PROFESSIONAL = "professional"
    RESEARCHER = "researcher"
    ADMIN = "admin"

    @property
    def keeps_diary(self) -> bool:
        return self in (Role.CLIENT, Role.FRIEND)


class User(Record, Base):
    __tablename__ = "users"

    # Stored lower-cased: "Alice" and "alice" are one account.
    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    # False: an admin deactivated the account; it cannot sign in and its tokens were revoked.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # With read replicas: where the primary's WAL was once the user's last write committed, as a number
    # (hyperdiary/replicas.py); the user's reads go to a replica only once it has replayed that far.
    write_position: Mapped[int | None] = mapped_column(BigInteger)

    client = relationship("Client", back_populates="user", uselist=False, lazy="raise")


class AuthSession(Base):
    """One sign-in: the chain of refresh tokens rotated from one `auth.token` call, and the access
    tokens issued along it. Revoking the session (logout, or a retired refresh token presented
    again) stops every token of the chain at once, in every process, because the check is a join."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    revoked: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class Token(Base):
    """A bearer token, stored only as the SHA-256 of its random value (tokens carry 256 bits of
    entropy, so a fast hash is enough; a stolen table yields no usable token)."""

    __tablename__ = "tokens"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "access" or "refresh"
    expires: Mapped[datetime.datetime] = mapped_column(DateTime)
    # Set when a refresh token is exchanged; presenting it again means it leaked.
    rotated: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class CaseloadAssignment(Base):
    """A professional follows a client."""

    __tablename__ = "caseload"

    professional_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_caseload_client_id", "client_id"),)
