"""Validation problems of diary entries, named field by field (hyperdiary.diary.field_problems)."""
import pathlib

from hyperdiary.diary import field_problems
from hyperdiary.schemas import load_folder

SHIPPED = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "diary"
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


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


def _schema(**properties):
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.org/refs:1",
            "type": "object", "properties": properties}


def test_local_references_work():
    from hyperdiary.schemas import EntrySchema

    document = _schema(level={"$ref": "#/$defs/level", "title": "Level"})
    document["$defs"] = {"level": {"type": "integer", "minimum": 0, "maximum": 3}}
    schema = EntrySchema(document)
    assert field_problems(schema, {"level": 2}) == []
    assert [p["name"] for p in field_problems(schema, {"level": 9})] == ["level"]


def test_remote_and_dangling_references_are_refused_and_never_fetched(monkeypatch):
    import urllib.request

    from hyperdiary.schemas import check_document

    def no_network(*args, **kwargs):
        raise AssertionError("a $ref was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    for prop, where in (({"$ref": "http://127.0.0.1:9/secret.json"}, "properties.a"),
                        ({"$ref": "other.json#/x"}, "properties.a"),
                        ({"$ref": "#/$defs/missing"}, "properties.a"),
                        ({"$dynamicRef": "#meta"}, "properties.a")):
        problem = check_document(_schema(a=dict(prop, type="string")))
        assert problem is not None and problem.field == where, prop
