"""The export as a FHIR R4 Bundle (`type: collection`), for an EHR to import (API.md §9).

What each record becomes:
- the client: a Patient;
- each entry schema in use: a Questionnaire (`url` = the schema's $id), its items derived from the
  schema's fields: text → text, integer → integer, number → decimal, boolean → boolean, choice →
  choice with an answerOption per `oneOf` const, multichoice → the same, repeating, date → date,
  datetime → dateTime, image → attachment;
- each diary entry: a QuestionnaireResponse whose `questionnaire` is its schema's $id, authored at `dt`;
- each mood log: an Observation (category survey) whose value is the mood, its reasons as components;
- each goal: a Goal, with its target date, lifecycleStatus (proposed until a professional approves it,
  active, completed) and achievementStatus (in-progress or achieved);
- each journal: a DocumentReference, its text as a text/plain attachment, its tags as categories. A
  journal is a document the patient wrote, not a measurement, and DocumentReference is FHIR's resource
  for a document with a title, a date and free text; an Observation would need a code for what was
  observed, and a journal has none.

Every resource's `id` is the record's id, its `fullUrl` the `urn:uuid:` of that id (the records' own
@urls are not FHIR REST URLs, so a receiver must not try to resolve them), and references point at
those fullUrls. The Bundle is streamed like the JSON export, from the same readers and representations."""
import base64
import datetime
import hashlib
import uuid
from typing import Iterator

from sqlalchemy import select

from . import export
from . import hypermedia as hm
from .inputs import parse_datetime
from .accounts.models import User

CONTENT_TYPE = "application/fhir+json"
ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

ITEM_TYPES = {"text": "text", "integer": "integer", "number": "decimal", "boolean": "boolean", "choice": "choice",
              "multichoice": "choice", "date": "date", "datetime": "dateTime", "image": "attachment"}


def urn(record_id: str) -> str:
    return f"urn:uuid:{uuid.UUID(hex=record_id)}"


def questionnaire_id(schema_id: str) -> str:
    return hashlib.sha256(schema_id.encode("utf-8")).hexdigest()[:32]


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


# --- the patient -------------------------------------------------------------------------------------


def patient(request, connection, client_resource) -> dict:
    client = client_resource.client
    user = connection.execute(select(User.first_name, User.last_name).where(User.id == client.user_id)).one()
    name = without_none({"text": text(client.name), "family": text(user.last_name),
                         "given": [text(user.first_name)] if text(user.first_name) else None})
    return without_none({
        "resourceType": "Patient", "id": client.id, "meta": {"lastUpdated": client.modified},
        "identifier": [{"system": hm.url(request, request.root["clients"]), "value": client.id}],
        "name": [name] if name else None,
    })


# --- entry schemas and entries ---------------------------------------------------------------------


def coding(schema_id: str, field: str, value, display=None) -> dict:
    return without_none({"system": f"{schema_id}#{field}", "code": str(value), "display": text(display)})


def questionnaire(schema) -> dict:
    descriptor = schema.descriptor
    items = []
    for field in descriptor["fields"]:
        item = {"linkId": field["name"], "text": text(field.get("title")) or field["name"],
                "type": ITEM_TYPES[field["type"]], "required": bool(field.get("required"))}
        if field["type"] == "multichoice":
            item["repeats"] = True
        if field["type"] in ("choice", "multichoice"):
            options = [{"valueCoding": coding(schema.id, field["name"], choice["value"], choice.get("name"))}
                       for choice in field.get("choices") or () if text(choice.get("value")) is not None]
            if options:
                item["answerOption"] = options
        items.append(without_none(item))
    return without_none({
        "resourceType": "Questionnaire", "id": questionnaire_id(schema.id), "url": schema.id,
        "name": None, "title": text(descriptor.get("title")), "status": "active",
        "description": text(descriptor.get("description")), "subjectType": ["Patient"], "item": items,
    })


def attachment(value) -> dict | None:
    """An image field's value: a `data:` URL becomes inline data, anything else a URL."""
    value = text(value)
    if value is None:
        return None
    if value.startswith("data:") and "," in value:
        header, data = value[5:].split(",", 1)
        content_type = header.split(";")[0] or "application/octet-stream"
        if ";base64" not in header:
            data = base64.b64encode(data.encode("utf-8")).decode("ascii")
        return {"contentType": content_type, "data": data} if data else {"contentType": content_type}
    return {"url": value}


def answers(schema_id: str, field: dict, value) -> list[dict]:
    """The answers of one field's value (none when it is not set)."""
    kind, name = field["type"], field["name"]
    if value is None:
        return []
    if kind == "multichoice":
        return [{"valueCoding": coding(schema_id, name, v)} for v in value if text(v) is not None] \
            if isinstance(value, list) else []
    if kind == "choice":
        return [{"valueCoding": coding(schema_id, name, value)}] if text(value) is not None else []
    if kind == "boolean" and isinstance(value, bool):
        return [{"valueBoolean": value}]
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return [{"valueInteger": value}]
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return [{"valueDecimal": value}]
    if kind == "date" and text(value):
        return [{"valueDate": str(value)}]
    if kind == "datetime":
        try:
            return [{"valueDateTime": parse_datetime(value)}]
        except ValueError:
            pass
    if kind == "image":
        found = attachment(value)
        return [{"valueAttachment": found}] if found else []
    return [{"valueString": text(value)}] if text(value) is not None else []


def questionnaire_response(body: dict, schema, subject: dict) -> dict:
    items = []
    for field in schema.descriptor["fields"]:
        found = answers(schema.id, field, body.get(field["name"]))
        if found:
            items.append({"linkId": field["name"], "text": text(field.get("title")) or field["name"],
                          "answer": found})
    return without_none({
        "resourceType": "QuestionnaireResponse", "id": body["@url"].rstrip("/").rsplit("/", 1)[-1],
        "meta": meta(body), "questionnaire": schema.id, "status": "completed", "subject": subject,
        "authored": body["dt"], "author": subject, "item": items,
    })


# --- moods, goals, journals --------------------------------------------------------------------------


def record_id(body: dict) -> str:
    return body["@url"].rstrip("/").rsplit("/", 1)[-1]


def observation(request, body: dict, subject: dict) -> dict:
    moods = hm.type_iri(request, "mood")
    return without_none({
        "resourceType": "Observation", "id": record_id(body), "meta": meta(body), "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": moods, "code": "mood", "display": "Mood"}], "text": "Mood"},
        "subject": subject, "effectiveDateTime": body["logdate"],
        "valueCodeableConcept": {"coding": [{"system": moods + "s", "code": body["mood"]}], "text": body["mood"]},
        "component": [{"code": {"text": "reason"}, "valueString": text(reason)}
                      for reason in body.get("reasons") or () if text(reason) is not None],
    })


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def goal(body: dict, subject: dict) -> dict:
    completed = body.get("status") == "Completed"
    lifecycle = "completed" if completed else ("active" if body.get("is_therapist_approved") else "proposed")
    return without_none({
        "resourceType": "Goal", "id": record_id(body), "meta": meta(body), "lifecycleStatus": lifecycle,
        "achievementStatus": {"coding": [{"system": ACHIEVEMENT, "code": "achieved" if completed else "in-progress"}]},
        "description": {"text": text(body["title"]) or "Goal"}, "subject": subject,
        "startDate": _day(body.get("startdate")),
        "target": [{"dueDate": _day(body["targetdate"])}] if body.get("targetdate") else None,
        "note": [{"text": text(body["description"])}] if text(body.get("description")) else None,
    })


def document_reference(body: dict, subject: dict) -> dict:
    content = {"contentType": "text/plain; charset=utf-8", "title": text(body.get("title")),
               "creation": body["journal_timestamp"]}
    if text(body.get("description")):
        content["data"] = base64.b64encode(body["description"].encode("utf-8")).decode("ascii")
    categories = [without_none({"coding": [without_none({"system": tag["tagtype"].rsplit("/", 2)[0] + "/",
                                                         "code": tag["tagtype"].rstrip("/").rsplit("/", 1)[-1],
                                                         "display": text(tag["name"])})],
                                "text": text(tag.get("description")) or text(tag["name"])})
                  for tag in body.get("tags") or ()]
    return without_none({
        "resourceType": "DocumentReference", "id": record_id(body), "meta": meta(body), "status": "current",
        "docStatus": "final", "type": {"text": "Journal"}, "category": categories, "subject": subject,
        "date": body["journal_timestamp"], "author": [subject], "description": text(body.get("title")),
        "content": [{"attachment": without_none(content)}],
    })


# --- the bundle --------------------------------------------------------------------------------------


def resources(request, connection, client_resource) -> Iterator[dict]:
    client_id = client_resource.client.id
    subject = {"reference": urn(client_id)}
    yield entry(patient(request, connection, client_resource))
    schemas = {schema.id: schema for schema in export.schemas_in_use(request, connection, client_id)}
    for schema in schemas.values():
        yield {"fullUrl": f"urn:uuid:{uuid.UUID(hex=questionnaire_id(schema.id))}", "resource": questionnaire(schema)}
    mappings = {
        "entry": lambda body: questionnaire_response(body, schemas[body["@type"]], subject),
        "mood": lambda body: observation(request, body, subject),
        "goal": lambda body: goal(body, subject),
        "journal": lambda body: document_reference(body, subject),
    }
    # A kind with no FHIR resource of its own yet is left out of the Bundle (it is in the JSON export). A kind
    # may map its records itself (`fhir_resources(request, body, subject, parent)`: messages, feedback), also
    # when they are nested in another kind's records (feedback on an entry).
    kinds = request.registry.kinds
    for section in export.sections(request, connection, client_resource):
        kind = kinds[section.kind]
        mapping = mappings.get(section.kind)
        own = getattr(kind, "fhir_resources", None)
        below = [other for other in export.nested_kinds(request, kind) if hasattr(other, "fhir_resources")]
        if mapping is None and own is None and not below:
            continue
        for body in section.items:
            if mapping is not None:
                yield entry(mapping(body))
            if own is not None:
                yield from map(entry, own(request, body, subject, None))
            for other in below:
                for child in body.get(other.collection, ()):
                    yield from map(entry, other.fhir_resources(request, child, subject, body))


def bundle(request, engine, client_resource) -> Iterator[bytes]:
    connection = export.snapshot(engine)
    try:
        with export.reading(request, connection):
            parts = [("resourceType", "Bundle"), ("id", uuid.uuid4().hex), ("type", "collection"),
                     ("timestamp", datetime.datetime.now(datetime.UTC)),
                     ("entry", resources(request, connection, client_resource))]
            yield from export.pieces(export.json_object(parts))
    finally:
        connection.close()
