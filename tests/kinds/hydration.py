"""A record kind declared only in the test suite: all that a contributor writes to add one (besides its
schema file, tests/kinds/hydration.json, and its migration, which `create_table` stands in for here).
docs/architecture.md walks through it. The contract suite (tests/functional/test_kinds.py) proves that this
declaration alone gets the traversal node, the CRUD views, paging, sync, ETags, the parent's link, OpenAPI."""
import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hyperdiary import kinds
from hyperdiary.inputs import parse_datetime
from hyperdiary.clients.models import Client
from hyperdiary.models.meta import NAMING_CONVENTION, SoftDeleted
from hyperdiary.clients.resources import ClientResource


class Base(DeclarativeBase):
    """Not the app's Base: the app's migrations know nothing of this table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Hydration(SoftDeleted, Base):
    """How much a client drank, and when."""

    __tablename__ = "test_hydration"

    client_id: Mapped[str] = mapped_column(ForeignKey(Client.__table__.c.id, ondelete="CASCADE"))
    drank_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    amount_ml: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_test_hydration_listing", "client_id", "drank_at", "id"),)


class HydrationKind(kinds.Kind):
    name, model = "hydration", Hydration
    parent, parent_column, collection = ClientResource, "client_id", "hydration"
    fields = ("drank_at", "amount_ml", "note")
    parent_links = (("hydration", "", "resource:view"),)
    order = "drank_at"
    dedupe = ("drank_at", "amount_ml")
    put = True
    write_permission, grants = "hydration:write", ("owner",)
    erase = {"note": None}
    example = {"drank_at": "2024-05-01T09:00:00Z", "amount_ml": 250, "note": "with breakfast"}
    change = {"note": "with lunch"}

    def values(self, request, data, current=None, *, replace=False):
        fields = super().values(request, data, current, replace=replace)
        return dict(fields, drank_at=parse_datetime(fields["drank_at"]), note=fields.get("note"))


def includeme(config):
    config.add_record_kind(HydrationKind)


def create_table(engine):
    Base.metadata.create_all(engine)


def drop_table(engine):
    Base.metadata.drop_all(engine)
