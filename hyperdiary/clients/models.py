"""Clients: the person behind a diary, whose records every client-owned kind holds; and ClientOwned, the
base of those kinds' models."""
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..models.meta import LIVE, Base, Record, SoftDeleted


class Client(Record, Base):
    __tablename__ = "clients"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The diary configuration: the $ids of the entry schemas this diary may hold, in order.
    diary_schemas: Mapped[list] = mapped_column(JSON, default=list)

    # Loaded on use: the owner is in the identity map already (the token lookup loaded it).
    user = relationship("User", back_populates="client")


class ClientOwned(SoftDeleted):
    """The model of a record kind kept right below a client: a soft-deleted record with

    - `client_id`, the client's id, its rows deleted with the client's (ON DELETE CASCADE: erasure), and the
      primary key (client_id, id): what a table distributed by client needs (hyperdiary/distribution.py);
    - the listing's index `ix_<table>_listing` (client_id, <listing_order>, id) over the live records (the
      kind's keyset-paged listing, newest first) and the sync index `ix_<table>_sync` (client_id, modified,
      id: `modified_after`, tombstones included);
    - when the model has a `dedupe_key` column (its kind declares `dedupe`), `(client_id, dedupe_key)` unique
      (`uq_<table>_client_id_dedupe_key`): identical records of one client are one; two clients may each
      have theirs.

    A model says `listing_order` (the column its kind lists by, Kind.order) and may add `table_args` of
    its own (more indexes). Its table's migration creates exactly these (docs/architecture.md)."""

    listing_order: str = None
    table_args: tuple = ()

    @declared_attr
    def client_id(cls) -> Mapped[str]:
        # The column itself, not "clients.id": a model on a metadata of its own (a test's kind) refers to it too.
        # In the primary key: a table distributed by client keys its rows by client (hyperdiary/distribution.py).
        return mapped_column(ForeignKey(Client.__table__.c.id, ondelete="CASCADE"), primary_key=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        name = cls.__tablename__
        found = [Index(f"ix_{name}_listing", "client_id", cls.listing_order, "id",
                       postgresql_where=LIVE, sqlite_where=LIVE),
                 Index(f"ix_{name}_sync", "client_id", "modified", "id")]
        if any("dedupe_key" in vars(base).get("__annotations__", {}) for base in cls.__mro__):
            found.insert(0, UniqueConstraint("client_id", "dedupe_key", name=f"uq_{name}_client_id_dedupe_key"))
        return (*found, *cls.table_args)
