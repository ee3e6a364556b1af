"""The health-data duties over every declared record kind (API.md §9), run like the kinds' contract suite
(tests/functional/test_kinds.py, whose fixtures and helpers this reuses) over every kind in the registry and
the kind declared only in the test suite (tests/kinds/hydration/): the export holds every record of each
kind as the API lists it, erasure leaves none, and the audit records writes of each."""
import sqlalchemy as sa
from fhir.resources.R4B import get_fhir_model_class

from hyperdiary import erasure
from hyperdiary.clients.models import Client
import pytest

from hyperdiary.accounts.models import User
from hyperdiary.kinds import Kind
from tests.conftest import PASSWORD, create_user, every_item, link, sign_in
from tests.functional.test_kinds import (api, example, kind, kinds_app, owner, parent_kind,  # noqa: F401 (fixtures)
                                         research, urls)


def made(api_, kinds_app_, kind_, owner_, count=3):
    """The listing's URL of `count` records of the kind (a kind whose records are generated, a goal's
    tracking items, has those its parent record got)."""
    url, listing = urls(owner_, kinds_app_, kind_)
    if kind_.creatable:
        for n in range(count):
            owner_.post(url, json=example(api_, kinds_app_, kind_, n), status=201)
    return listing


def test_the_export_holds_every_record_of_the_kind(kinds_app, api, owner, kind):
    if research(kind):
        pytest.skip("a research kind's records are no client's data: no client's export holds them")
    listing = made(api, kinds_app, kind, owner)
    listed = every_item(owner, listing + "?limit=2")
    assert len(listed) >= 1 if not kind.creatable else len(listed) == 3
    document = owner.get(link(owner.client(), "export")).json
    parent = parent_kind(kinds_app, kind)
    if parent is None:
        exported = document[kind.collection]
    else:  # inside each record of its parent kind
        exported = [item for record in document[parent.collection] for item in record[kind.collection]]
    # The records of the kinds below these (a goal's tracking items) are inside each: their own case checks them.
    nested = {other.collection for other in kinds_app.registry.kinds.values() if issubclass(other.parent, kind.item_class)}
    exported = [{key: value for key, value in body.items() if key not in nested or key in listed[0]} for body in exported]
    by_url = lambda body: body["@url"]  # noqa: E731
    assert sorted(exported, key=by_url) == sorted(listed, key=by_url)


def test_the_fhir_export_maps_each_record_of_a_kind_with_the_hook(kinds_app, api, owner, kind):
    """A kind that provides the `fhir` hook (the test kind does) has one valid FHIR resource per record in the
    Bundle, each referring to the Patient; a kind without it (the kinds.Kind default) adds nothing to it."""
    if research(kind):
        pytest.skip("a research kind's records are no client's data: no client's export holds them")
    listing = made(api, kinds_app, kind, owner)
    listed = every_item(owner, listing + "?limit=2")
    bundle = owner.get(link(owner.client(), "export"), headers={"Accept": "application/fhir+json"}).json
    patient = bundle["entry"][0]["fullUrl"]
    ids = {body["@url"].rstrip("/").rsplit("/", 1)[-1] for body in listed}
    mapped = [entry["resource"] for entry in bundle["entry"] if entry["resource"].get("id") in ids]
    if type(kind).fhir is Kind.fhir:
        assert mapped == []
        return
    assert len(mapped) == len(listed)
    for resource in mapped:
        get_fhir_model_class(resource["resourceType"]).parse_obj(resource)
        assert resource["subject"] == {"reference": patient}


def test_erasure_walks_to_the_kind_and_leaves_no_record_of_it(kinds_app, api, owner, kind):
    tables = [table for metadata in erasure.metadatas(kinds_app.registry) for table in metadata.sorted_tables]
    # A client's records are reached from its row; a research kind's go with the subject they are about, when
    # the erased researcher was its last member (the subjects' `owned_through`).
    reached, frontier = set(), [User.__table__ if research(kind) else Client.__table__]
    while frontier:  # the tables the erasure's walk reaches from a client
        table = frontier.pop()
        for child, fk in erasure.referrers(table, tables):
            if child not in reached and fk.ondelete != "SET NULL":
                reached.add(child)
                frontier.append(child)
    if research(kind):
        assert any(fk.column.table.info.get("owned_through") for fk in kind.model.__table__.foreign_keys)
    else:
        assert kind.model.__table__ in reached
    made(api, kinds_app, kind, owner)
    owner.delete(owner.url("me"), json={"password": PASSWORD}, status=204)
    with kinds_app.registry["dbengine"].connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(kind.model.__table__)).scalar() == 0


def test_writes_of_the_kind_are_audited(kinds_app, api, owner, kind):
    listing = made(api, kinds_app, kind, owner, count=1)
    record = owner.get(listing).json["@items"][0]
    owner.patch(record["@url"], json=kind.change)
    expected = [("update", record["@url"])]
    if kind.deletable:
        owner.delete(record["@url"], status=204)
        expected.insert(0, ("delete", record["@url"]))
    if kind.creatable:
        expected.append(("create", record["@url"]))
    if research(kind):  # no client's: in the root's audit, which admins read
        create_user(kinds_app, "auditor", "admin")
        auditor = sign_in(api, "auditor")
        events = auditor.get(auditor.url("audit")).json["@items"]
    else:
        events = owner.get(link(owner.client(), "audit")).json["@items"]
    assert [(e["action"], e["resource"]) for e in events if e["resource"] == record["@url"]] == expected
