"""Entry schemas over HTTP (API.md §5): listing, descriptors, JSON Schema documents, uploads."""
import copy

import pytest

from tests.conftest import link, link_names

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"

UPLOAD = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://clinic.example.org/schemas/gratitude:1",
    "title": "Gratitude",
    "type": "object",
    "required": ["grateful_for"],
    "additionalProperties": False,
    "properties": {
        "grateful_for": {"type": "string", "title": "What are you grateful for?", "maxLength": 500},
        "strength": {"type": "integer", "title": "How strongly?", "minimum": 1, "maximum": 3, "x-widget": "slider"},
    },
}


def test_list_schemas_is_public(anonymous):
    body = anonymous.get(anonymous.url("schemas")).json
    ids = [s["@id"] for s in body["@items"]]
    assert EMOTION in ids and len(ids) >= 5
    assert "add" not in link_names(body)


def test_schema_resource_and_document(anonymous):
    listing = anonymous.get(anonymous.url("schemas")).json
    descriptor = next(s for s in listing["@items"] if s["@id"] == EMOTION)
    assert anonymous.get(descriptor["@url"]).json == descriptor
    document = anonymous.get(link(descriptor, "jsonschema"))
    assert document.content_type == "application/schema+json"
    assert document.json["$id"] == EMOTION
    emotion_field = next(f for f in descriptor["fields"] if f["name"] == "emotion")
    assert emotion_field["type"] == "choice" and emotion_field["required"] is True
    assert {"name", "value", "icon"} <= set(emotion_field["choices"][0])


def test_professional_uploads_a_schema(professional, client, caseload, anonymous):
    url = professional.url("schemas")
    assert "add" in link_names(professional.get(url).json)
    response = professional.post(url, json=UPLOAD, status=201)
    body = response.json
    assert response.location == body["@url"]
    assert body["@id"] == UPLOAD["$id"] and body["title"] == "Gratitude"
    assert body["fields"] == [
        {"name": "grateful_for", "title": "What are you grateful for?", "type": "text", "required": True, "max": 500},
        {"name": "strength", "title": "How strongly?", "type": "integer", "required": False, "min": 1, "max": 3,
         "widget": "slider"},
    ]
    assert anonymous.get(link(body, "jsonschema")).json == UPLOAD
    assert UPLOAD["$id"] in [s["@id"] for s in anonymous.get(url).json["@items"]]

    # Configure the client's diary with it, and write an entry of the new type.
    config_url = link(professional.get(caseload).json, "diary.configuration")
    professional.put(config_url, json={"schemas": [EMOTION, UPLOAD["$id"]]})
    entries = link(client.client(), "diary.entries")
    entry = client.post(entries, json={"@type": UPLOAD["$id"], "dt": "2024-05-01T20:00:00Z",
                                       "grateful_for": "sunshine"}, status=201).json
    assert entry["strength"] is None
    bad = client.post(entries, json={"@type": UPLOAD["$id"], "dt": "2024-05-01T20:00:00Z", "strength": 7},
                      status=400).json
    assert [p["name"] for p in bad["extra"]] == ["grateful_for", "strength"]
    items = client.get(link(client.client(), "diary.entries.items")).json
    assert [s["@id"] for s in items["@schemas"]] == [UPLOAD["$id"]]


def test_upload_is_immutable(professional, admin):
    url = professional.url("schemas")
    professional.post(url, json=UPLOAD, status=201)
    changed = copy.deepcopy(UPLOAD)
    changed["title"] = "Changed"
    assert admin.post(url, json=changed, status=409).json["code"] == 409
    shipped = copy.deepcopy(UPLOAD)
    shipped["$id"] = EMOTION
    admin.post(url, json=shipped, status=409)


def test_clients_may_not_upload(client, anonymous):
    url = client.url("schemas")
    assert client.post(url, json=UPLOAD, status=403).json["code"] == 403
    anonymous.post(url, json=UPLOAD, status=401)


def _with(**changes):
    document = copy.deepcopy(UPLOAD)
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


@pytest.mark.parametrize("document, field", [
    ([UPLOAD], "body"),
    ("a schema", "body"),
    (_with(**{"$id": None}), "$id"),
    (_with(**{"$id": "relative"}), "$id"),
    # Longer than the columns that hold an $id: PostgreSQL refused it with a 500, SQLite stored it.
    (_with(**{"$id": "https://example.org/" + "x" * 500}), "$id"),
    (_with(**{"$schema": "http://json-schema.org/draft-07/schema#"}), "$schema"),
    (_with(type="array"), "type"),
    (_with(type=5), "type"),
    (_with(properties=None), "properties"),
    (_with(properties={"dt": {"type": "string"}}), "properties.dt"),
    (_with(properties={"@type": {"type": "string"}}), "properties.@type"),
    (_with(properties={"nested": {"type": "object"}}), "properties.nested"),
    (_with(required="grateful_for"), "required"),
    (_with(properties={"a": {"type": "string", "$ref": "http://127.0.0.1:9/x.json"}}), "properties.a"),
    (_with(properties={"a": {"$ref": "#/$defs/nowhere"}}), "properties.a"),
    # What the descriptor would show must fit its documented shape (arrays, strings).
    (_with(**{"x-charts": 5}), "x-charts"),
    (_with(**{"x-resources": {"a": 1}}), "x-resources"),
    (_with(properties={"a": {"type": "integer", "x-widget": 5}}), "properties.a"),
    (_with(properties={"a": {"oneOf": [{"const": 1, "title": "One", "x-icon": 5}]}}), "properties.a"),
])
def test_bad_uploads(professional, anonymous, document, field):
    url = professional.url("schemas")
    before = len(anonymous.get(url).json["@items"])
    response = professional.post(url, json=document, status=400)
    assert response.json["code"] == 400
    assert [p["name"] for p in response.json["extra"]] == [field]
    assert len(anonymous.get(url).json["@items"]) == before
