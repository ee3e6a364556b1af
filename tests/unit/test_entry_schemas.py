"""The entry schema registry and the derivation of Minddistrict-style field descriptors."""
import json
import pathlib

import pytest

from hyperdiary.diary import field_problems
from hyperdiary.schemas import (
    EntrySchema,
    SchemaProblem,
    SchemaRegistry,
    check_document,
    field_descriptors,
    load_folder,
    schema_key,
)

SHIPPED = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "diary"
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schema(**properties):
    return {"$schema": DRAFT, "$id": "https://example.org/s:1", "type": "object", "properties": properties}


def only_field(prop):
    return field_descriptors(schema(f=prop))[0]


def test_every_shipped_schema_loads():
    schemas = load_folder(SHIPPED)
    assert len(schemas) == len(list(SHIPPED.glob("*.json"))) >= 5
    for entry_schema in schemas.values():
        assert entry_schema.fields and entry_schema.descriptor["title"]


def test_emotion_descriptor_is_minddistrict_shaped():
    descriptor = load_folder(SHIPPED)[EMOTION].descriptor
    assert descriptor["@id"] == EMOTION and descriptor["title"] == "Emotion"
    emotion, intensity, situation, picture = descriptor["fields"]
    assert emotion == {
        "name": "emotion", "title": "How do you feel?", "type": "choice", "required": True,
        "choices": [
            {"name": "Happy", "value": "happy", "icon": "resources/happy.png"},
            {"name": "Angry", "value": "angry", "icon": "resources/angry.png"},
            {"name": "Sad", "value": "sad", "icon": "resources/sad.png"},
            {"name": "Scared", "value": "scared", "icon": "resources/scared.png"},
        ],
    }
    assert intensity == {"name": "intensity", "title": "How strong is this emotion?", "type": "integer",
                         "required": True, "min": 1, "max": 5, "default": 1, "widget": "slider"}
    assert situation == {"name": "situation", "title": "Situation", "type": "text", "required": False,
                         "description": "In which situation are you?"}
    assert picture == {"name": "picture", "title": "Picture", "type": "image", "required": False}
    assert descriptor["charts"][0]["series"] == [{"field": "emotion", "bucket-function": "tally"}]
    assert {r["name"] for r in descriptor["resources"]} == {f"resources/{e}.png" for e in ("happy", "angry", "sad", "scared")}


@pytest.mark.parametrize("prop, kind", [
    ({"type": "string"}, "text"),
    ({"type": ["string", "null"]}, "text"),
    ({"type": "integer"}, "integer"),
    ({"type": ["integer", "null"]}, "integer"),
    ({"type": "number"}, "number"),
    ({"type": "boolean"}, "boolean"),
    ({"type": "string", "format": "date"}, "date"),
    ({"type": ["string", "null"], "format": "date-time"}, "datetime"),
    ({"type": ["string", "null"], "contentMediaType": "image/*"}, "image"),
    ({"type": "string", "contentMediaType": "image/png"}, "image"),
    ({"oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]}, "choice"),
    ({"enum": ["a", "b"]}, "choice"),
    ({"type": "array", "items": {"oneOf": [{"const": 1, "title": "One"}]}}, "multichoice"),
    ({"type": "array", "items": {"enum": ["x", "y"]}}, "multichoice"),
])
def test_field_types(prop, kind):
    assert only_field(prop)["type"] == kind


def test_choices_of_a_plain_enum():
    assert only_field({"enum": ["x", None]})["choices"] == [{"name": "x", "value": "x", "icon": None}]


def test_bounds_and_presentation():
    field = only_field({"type": "number", "title": "Hours", "minimum": 0, "maximum": 24, "default": 8,
                        "description": "How long?", "x-widget": "slider"})
    assert field == {"name": "f", "title": "Hours", "type": "number", "required": False, "min": 0, "max": 24,
                     "default": 8, "description": "How long?", "widget": "slider"}
    assert only_field({"type": "string", "maxLength": 10})["max"] == 10
    many = only_field({"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 1, "maxItems": 2})
    assert (many["min"], many["max"]) == (1, 2)


def test_title_defaults_to_name_and_required_comes_from_the_schema():
    document = schema(a={"type": "string"}, b={"type": "string"})
    document["required"] = ["b"]
    assert [(f["title"], f["required"]) for f in field_descriptors(document)] == [("a", False), ("b", True)]


@pytest.mark.parametrize("document, field", [
    ("not an object", None),
    (dict(schema(a={"type": "string"}), **{"$schema": "http://json-schema.org/draft-07/schema#"}), "$schema"),
    (dict(schema(a={"type": "string"}), type=5), "type"),
    (dict(schema(a={"type": "string"}), **{"$id": None}), "$id"),
    (dict(schema(a={"type": "string"}), **{"$id": "relative/path"}), "$id"),
    (dict(schema(a={"type": "string"}), type="array"), "type"),
    (schema(), "properties"),
    (schema(dt={"type": "string"}), "properties.dt"),
    (schema(**{"@type": {"type": "string"}}), "properties.@type"),
    (schema(nested={"type": "object"}), "properties.nested"),
    (schema(tags={"type": "array", "items": {"type": "string"}}), "properties.tags"),
])
def test_check_document_refuses(document, field):
    if isinstance(document, dict) and document.get("$id") is None:
        document.pop("$id", None)
    problem = check_document(document)
    assert isinstance(problem, SchemaProblem) and problem.message
    assert problem.field == field


def test_entry_schema_raises_what_check_document_finds():
    with pytest.raises(SchemaProblem):
        EntrySchema(schema())


def test_a_bad_file_stops_loading_naming_the_file(tmp_path):
    (tmp_path / "good.json").write_text((SHIPPED / "moment.json").read_text())
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match="broken.json"):
        load_folder(tmp_path)
    (tmp_path / "broken.json").write_text(json.dumps(schema(dt={"type": "string"})))
    with pytest.raises(ValueError, match="broken.json"):
        load_folder(tmp_path)


def test_a_repeated_id_stops_loading(tmp_path):
    for name in ("one.json", "two.json"):
        (tmp_path / name).write_text((SHIPPED / "moment.json").read_text())
    with pytest.raises(ValueError, match="repeats"):
        load_folder(tmp_path)


def test_registry_finds_shipped_schemas_without_the_database():
    registry = SchemaRegistry(load_folder(SHIPPED))
    emotion = registry.get(None, EMOTION)
    assert emotion is registry.get(None, EMOTION)
    assert emotion.validator is registry.get(None, EMOTION).validator  # built once, at load
    assert registry.by_key(None, schema_key(EMOTION)) is emotion
    assert registry.get_many(None, [EMOTION]) == [emotion]


def test_schema_key_is_short_stable_and_url_safe():
    key = schema_key(EMOTION)
    assert key == schema_key(EMOTION) and len(key) == 24 and key.isalnum()
    assert key != schema_key(EMOTION + "x")


def test_validation_problems_name_each_field():
    emotion = load_folder(SHIPPED)[EMOTION]
    problems = field_problems(emotion, {"intensity": 7, "colour": "blue"})
    assert problems == [
        {"name": "emotion", "message": "Required input is missing."},
        {"name": "intensity", "message": "7 is greater than the maximum of 5"},
        {"name": "colour", "message": "Unknown field."},
    ]
    assert field_problems(emotion, {"emotion": "happy", "intensity": 1}) == []


def test_formats_are_checked():
    sleep = load_folder(SHIPPED)["https://ns.hyperdiary.org/diary/schema/entry/sleep:1"]
    assert [p["name"] for p in field_problems(sleep, {"sleep_quality": 3, "bedtime": "2024-13-01T25:00:00Z"})] == ["bedtime"]
    assert field_problems(sleep, {"sleep_quality": 3, "bedtime": "2024-03-01T23:00:00Z"}) == []
