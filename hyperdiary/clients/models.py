"""Clients: the person behind a diary, whose records every client-owned kind holds."""
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models.meta import Base, Record


class Client(Record, Base):
    __tablename__ = "clients"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The diary configuration: the $ids of the entry schemas this diary may hold, in order.
    diary_schemas: Mapped[list] = mapped_column(JSON, default=list)

    # Loaded on use: the owner is in the identity map already (the token lookup loaded it).
    user = relationship("User", back_populates="client")
