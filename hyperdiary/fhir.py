"""The export as a FHIR R4 Bundle (`type: collection`), for an EHR to import (API.md §9).

What each record becomes is its kind's (kinds.Kind.fhir, beside the kind: diary/fhir.py, moods/fhir.py,
goals/fhir.py, journals/fhir.py); the client is a Patient (the clients domain's, clients/export.py). A kind
without the hook is in the JSON export only.

Every resource's `id` is the record's id, its `fullUrl` the `urn:uuid:` of that id (the records' own
@urls are not FHIR REST URLs, so a receiver must not try to resolve them), and references point at
those fullUrls. The Bundle is streamed like the JSON export, from the same readers and representations."""
import datetime
import uuid
from typing import Any, Iterator, NamedTuple

from . import export
from .kinds import Kind

CONTENT_TYPE = "application/fhir+json"


def urn(record_id: str) -> str:
    return f"urn:uuid:{uuid.UUID(hex=record_id)}"


def entry(resource: dict) -> dict:
    return {"fullUrl": urn(resource["id"]), "resource": resource}


def text(value) -> str | None:
    """A FHIR string: never empty."""
    if value is None:
        return None
    value = str(value)
    return value if value.strip() else None


def meta(representation: dict) -> dict:
    return {"lastUpdated": representation["@changes"]["modification_time"]}


def without_none(resource: dict) -> dict:
    return {key: value for key, value in resource.items() if value is not None and value != []}


# --- helpers for the kinds' mappings --------------------------------------------------------------


def record_id(body: dict) -> str:
    return body["@url"].rstrip("/").rsplit("/", 1)[-1]


# --- the bundle --------------------------------------------------------------------------------------


class Export(NamedTuple):
    """What a kind's `fhir` hook gets besides its records: the export's snapshot, the client's id and the
    Patient's reference (every resource's `subject`)."""

    connection: Any
    client_id: str
    subject: dict


def resources(request, connection, client_resource, patient) -> Iterator[dict]:
    """The Bundle's entries: the Patient (`patient(request, connection, client_resource)`, the clients domain's),
    then each kind's records as its `fhir` hook maps them (kinds.Kind.fhir). A kind without one is left out of
    the Bundle (it is in the JSON export)."""
    client_id = client_resource.client.id
    context = Export(connection, client_id, {"reference": urn(client_id)})
    yield entry(patient(request, connection, client_resource))
    kinds = request.registry.kinds
    for section in export.sections(request, connection, client_resource):
        kind = kinds[section.kind]
        below = [other for other in export.nested_kinds(request, kind) if type(other).fhir is not Kind.fhir]
        if not below:
            yield from kind.fhir(request, section.items, context)
            continue
        # Kinds below each record (feedback on a mood) map theirs too, after the section's own, each child body
        # told which record it is on (`@parent`): kept until the section ends (a few per record).
        nested = []
        bodies = _noting(section.items, below, nested)
        yield from kind.fhir(request, bodies, context)
        for _ in bodies:  # (a kind without a FHIR mapping of its own did not read them)
            pass
        for other in below:
            yield from other.fhir(request, (child for owner, child in nested if owner is other), context)


def _noting(bodies, below, nested: list):
    for body in bodies:
        for other in below:
            nested.extend((other, dict(child, **{"@parent": body["@url"]})) for child in body.get(other.collection, ()))
        yield body


def bundle(request, engine, client_resource, patient) -> Iterator[bytes]:
    connection = export.snapshot(engine)
    try:
        with export.reading(request, connection):
            parts = [("resourceType", "Bundle"), ("id", uuid.uuid4().hex), ("type", "collection"),
                     ("timestamp", datetime.datetime.now(datetime.UTC)),
                     ("entry", resources(request, connection, client_resource, patient))]
            yield from export.pieces(export.json_object(parts))
    finally:
        connection.close()
