"""A record kind declared only in the test suite, laid out as a contributor adds one (docs/architecture.md, "A
new kind"): this package holds the model and the declaration; its body schema is hydration.json here (in
hyperdiary: schemas/hydration.json); its migration is what `create_table` stands in for (the app's migrations
know nothing of a test table); its include line is the `hyperdiary.includes` setting the tests give (in
hyperdiary: its line in DOMAINS). The contract suite (tests/functional/test_kinds.py) and the duties
(test_kinds_duties.py) prove that this alone gets the traversal node, the CRUD views, paging, sync, ETags, the
parent's link, OpenAPI, export (JSON, and FHIR: it has the hook), audit and erasure."""
import datetime
import pathlib

from sqlalchemy import DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hyperdiary import fhir, kinds
from hyperdiary.clients.models import ClientOwned
from hyperdiary.clients.resources import ClientResource
from hyperdiary.inputs import parse_datetime
from hyperdiary.models.meta import NAMING_CONVENTION

SCHEMA = pathlib.Path(__file__).with_name("hydration.json")


class Base(DeclarativeBase):
    """Not the app's Base: the app's migrations know nothing of this table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Hydration(ClientOwned, Base):
    """How much a client drank, and when. ClientOwned gives the client's id, `(client_id, dedupe_key)` unique,
    and the listing's and sync's indexes."""

    __tablename__ = "test_hydration"
    listing_order = "drank_at"

    drank_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    amount_ml: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    dedupe_key: Mapped[str | None] = mapped_column(String(64))


class HydrationKind(kinds.Kind):
    name, model = "hydration", Hydration
    parent, parent_column, collection = ClientResource, "client_id", "hydration"
    fields = ("drank_at", "amount_ml", "note")
    parent_links = (("hydration", "", "resource:view"),)
    dedupe = ("drank_at", "amount_ml")
    put = True
    write_permission, grants = "hydration:write", ("owner",)
    erase = {"note": None}
    example = {"drank_at": "2024-05-01T09:00:00Z", "amount_ml": 250, "note": "with breakfast"}
    change = {"note": "with lunch"}

    def values(self, request, data, current=None, *, replace=False):
        fields = super().values(request, data, current, replace=replace)
        return dict(fields, drank_at=parse_datetime(fields["drank_at"]), note=fields.get("note"))

    def fhir(self, request, bodies, context):
        """Each an Observation of how much the client drank, in millilitres."""
        for body in bodies:
            yield fhir.entry(fhir.without_none({
                "resourceType": "Observation", "id": fhir.record_id(body), "meta": fhir.meta(body),
                "status": "final", "subject": context.subject, "effectiveDateTime": body["drank_at"],
                "code": {"coding": [{"system": self.type_iri(request), "code": "amount_ml"}], "text": "Fluid intake"},
                "valueQuantity": {"value": body["amount_ml"], "unit": "mL", "system": "http://unitsofmeasure.org",
                                  "code": "mL"},
                "note": [{"text": fhir.text(body["note"])}] if fhir.text(body.get("note")) else None,
            }))


def includeme(config):
    config.add_record_kind(HydrationKind)


def create_table(engine):
    Base.metadata.create_all(engine)


def drop_table(engine):
    Base.metadata.drop_all(engine)
