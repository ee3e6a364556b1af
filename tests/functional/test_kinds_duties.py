"""The health-data duties over every declared record kind (API.md §9), run like the kinds' contract suite
(tests/functional/test_kinds.py, whose fixtures and helpers this reuses) over every kind in the registry and
the kind declared only in the test suite (tests/kinds/hydration.py): the export holds every record of each
kind as the API lists it, erasure leaves none, and the audit records writes of each."""
import sqlalchemy as sa

from hyperdiary import erasure
from hyperdiary.models import Client
from tests.conftest import PASSWORD, every_item, link
from tests.functional.test_kinds import (api, example, kind, kinds_app, owner, parent_kind,  # noqa: F401 (fixtures)
                                         urls)


def made(api_, kinds_app_, kind_, owner_, count=3):
    url, listing = urls(owner_, kinds_app_, kind_)
    for n in range(count):
        owner_.post(url, json=example(api_, kinds_app_, kind_, n), status=201)
    return listing


def test_the_export_holds_every_record_of_the_kind(kinds_app, api, owner, kind):
    listing = made(api, kinds_app, kind, owner)
    listed = every_item(owner, listing + "?limit=2")
    assert len(listed) == 3
    document = owner.get(link(owner.client(), "export")).json
    parent = parent_kind(kinds_app, kind)
    if parent is None:
        exported = document[kind.collection]
    else:  # inside each record of its parent kind
        exported = [item for record in document[parent.collection] for item in record[kind.collection]]
    key = lambda body: body["@url"]  # noqa: E731
    assert sorted(exported, key=key) == sorted(listed, key=key)


def test_erasure_walks_to_the_kind_and_leaves_no_record_of_it(kinds_app, api, owner, kind):
    tables = [table for metadata in erasure.metadatas(kinds_app.registry) for table in metadata.sorted_tables]
    reached, frontier = set(), [Client.__table__]
    while frontier:  # the tables the erasure's walk reaches from a client
        table = frontier.pop()
        for child, fk in erasure.referrers(table, tables):
            if child not in reached and fk.ondelete != "SET NULL":
                reached.add(child)
                frontier.append(child)
    assert kind.model.__table__ in reached
    made(api, kinds_app, kind, owner)
    owner.delete(owner.url("me"), json={"password": PASSWORD}, status=204)
    with kinds_app.registry["dbengine"].connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(kind.model.__table__)).scalar() == 0


def test_writes_of_the_kind_are_audited(kinds_app, api, owner, kind):
    listing = made(api, kinds_app, kind, owner, count=1)
    record = owner.get(listing).json["@items"][0]
    owner.patch(record["@url"], json=kind.change)
    owner.delete(record["@url"], status=204)
    events = owner.get(link(owner.client(), "audit")).json["@items"]
    assert [(e["action"], e["resource"]) for e in events[:3]] == [
        ("delete", record["@url"]), ("update", record["@url"]), ("create", record["@url"])]
