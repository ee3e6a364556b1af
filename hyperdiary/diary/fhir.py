"""Diary entries in the FHIR export (hyperdiary/fhir.py): each entry schema in use a Questionnaire (`url` = the
schema's $id), its items derived from the schema's fields (text → text, integer → integer, number → decimal,
boolean → boolean, choice → choice with an answerOption per `oneOf` const, multichoice → the same, repeating,
date → date, datetime → dateTime, image → attachment); each entry a QuestionnaireResponse whose `questionnaire`
is its schema's $id, authored at `dt`."""
import base64
import hashlib
import uuid

from ..questionnaires.fhir import score_observation
from ..fhir import entry, meta, text, without_none
from ..inputs import parse_datetime

ITEM_TYPES = {"text": "text", "integer": "integer", "number": "decimal", "boolean": "boolean", "choice": "choice",
              "multichoice": "choice", "date": "date", "datetime": "dateTime", "image": "attachment"}


def questionnaire_id(schema_id: str) -> str:
    return hashlib.sha256(schema_id.encode("utf-8")).hexdigest()[:32]


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


def resources(request, bodies, context, schemas) -> list:
    """The Questionnaires of the schemas in use, then a QuestionnaireResponse per entry."""
    yield from ({"fullUrl": f"urn:uuid:{uuid.UUID(hex=questionnaire_id(schema.id))}", "resource": questionnaire(schema)}
                for schema in schemas.values())
    for body in bodies:
        made = entry(questionnaire_response(body, schemas[body["@type"]], context.subject))
        yield made
        if body.get("score"):  # a scored entry: its score as an Observation too (API.md §13)
            yield entry(score_observation(body, schemas[body["@type"]], context.subject, made["fullUrl"]))
