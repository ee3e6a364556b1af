"""Unit tests of hyperdiary.schemas: the shipped entry schemas, the derivation of Minddistrict-style field
descriptors, the checks on a schema document, loading a folder, the cached validators and the registry.

Self-contained: no fixtures but pytest's own `tmp_path`, and no database (the registry is only asked for
shipped schemas, or handed a stub session that finds nothing)."""
import json
import pathlib
import re

import pytest
from jsonschema import Draft202012Validator

from hyperdiary.bodies import Validator
from hyperdiary.diary.models import StoredSchema
from hyperdiary.diary.schema_store import SchemaRegistry
from hyperdiary.schemas import (
    FIELD_TYPES,
    EntrySchema,
    SchemaProblem,
    check_document,
    default_diary_schemas,
    field_descriptors,
    field_type,
    load_folder,
    schema_key,
    shipped_schemas,
)

REPO = pathlib.Path(__file__).resolve().parents[2]
SHIPPED = REPO / "schemas" / "diary"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ENTRY = "https://ns.hyperdiary.org/diary/schema/entry/"
EMOTION, MOMENT, THOUGHTS, SLEEP, ACTIVITY = (
    f"{ENTRY}{name}:1" for name in ("emotion", "moment", "thought_record", "sleep", "activity"))
# The scored questionnaires (API.md §13).
PHQ9, GAD7, WHO5 = (f"{ENTRY}{name}:1" for name in ("phq-9", "gad-7", "who-5"))
SHIPPED_IDS = {EMOTION, MOMENT, THOUGHTS, SLEEP, ACTIVITY, PHQ9, GAD7, WHO5}


def document(properties=None, **top):
    """A minimal usable entry schema (with these `properties`, or a single text field), with `top` replacing
    top-level keys or, given as None, removing them; `schema_`, `id_` and `properties_` stand for `$schema`,
    `$id` and `properties`."""
    doc = {"$schema": DRAFT, "$id": "https://example.org/schemas/test:1", "type": "object",
           "properties": {"a": {"type": "string"}} if properties is None else properties}
    for key, value in top.items():
        key = {"schema_": "$schema", "id_": "$id", "properties_": "properties"}.get(key, key)
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def descriptor_of(prop, required=False):
    doc = document({"f": prop}, required=["f"] if required else None)
    (field,) = field_descriptors(doc)
    return field


def shipped():
    return load_folder(SHIPPED)


def errors(entry_schema, entry):
    """(path, validator keyword) of every error the cached validator finds, sorted."""
    return sorted(("/".join(map(str, e.absolute_path)), e.validator) for e in entry_schema.validator.iter_errors(entry))


class StubSession:
    """A database session that holds no uploaded schemas, and records what it was asked."""

    def __init__(self):
        self.asked = []

    def get(self, model, ident):
        self.asked.append(("get", model, ident))
        return None

    def scalar(self, statement):
        self.asked.append(("scalar", statement))
        return None


# -- the shipped schemas ------------------------------------------------------------------------------------

def test_every_shipped_file_loads_and_has_fields():
    files = sorted(SHIPPED.glob("*.json"))
    assert {f.stem for f in files} == {"emotion", "moment", "thought_record", "sleep", "activity", "phq-9", "gad-7",
                                       "who-5"}
    schemas = shipped()
    assert set(schemas) == SHIPPED_IDS
    # Loaded in file-name order, each marked as shipped, each describable.
    assert [s.id.removeprefix(ENTRY).split(":")[0] for s in schemas.values()] == [f.stem for f in files]
    for entry_schema in schemas.values():
        assert entry_schema.source == "shipped"
        assert entry_schema.fields and entry_schema.field_names
        assert entry_schema.descriptor["title"] and entry_schema.descriptor["description"]
        assert isinstance(entry_schema.validator, Validator)  # Draft 2020-12, uniqueItems in one pass


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.json")), ids=lambda p: p.stem)
def test_shipped_file_follows_the_house_rules(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert check_document(doc) is None
    assert doc["$schema"] == DRAFT and doc["type"] == "object" and doc["additionalProperties"] is False
    assert doc["$id"] == f"{ENTRY}{path.stem}:1" and "#" not in doc["$id"]
    assert doc["title"].strip() and doc["description"].strip()
    assert isinstance(doc.get("x-charts", []), list) and isinstance(doc.get("x-resources", []), list)
    assert set(doc.get("required", [])) <= set(doc["properties"])
    for name, prop in doc["properties"].items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name) and name != "dt", name
        assert prop["title"].strip(), name
        prop = dict(doc.get("$defs", {}).get(prop.get("$ref", "").removeprefix("#/$defs/"), {}), **prop)
        options = prop.get("oneOf") or prop.get("items", {}).get("oneOf") or []
        for option in options:
            # A word, or a questionnaire's integer answer (API.md §13).
            assert (isinstance(option["const"], int) or re.fullmatch(r"[a-z][a-z0-9_]*", option["const"])), (name, option)
            assert option["title"].strip(), (name, option)
    # Every chart plots fields the schema has; every icon a choice names is among the resources.
    for chart in doc.get("x-charts", []):
        assert {s["field"] for s in chart["series"]} <= set(doc["properties"])
    resources = {r["name"] for r in doc.get("x-resources", [])}
    icons = {o["x-icon"] for p in doc["properties"].values() for o in p.get("oneOf", []) if "x-icon" in o}
    assert icons <= resources
    assert all(r["url"].startswith("https://") for r in doc.get("x-resources", []))


def test_emotion_descriptor_is_the_minddistrict_structure():
    emotion = shipped()[EMOTION]
    icons = ("angry", "happy", "sad", "scared")
    assert emotion.descriptor == {
        "@id": EMOTION,
        "title": "Emotion",
        "description": "How you feel, how strongly, and in which situation.",
        "fields": [
            {"name": "emotion", "title": "How do you feel?", "type": "choice", "required": True, "choices": [
                {"name": "Happy", "value": "happy", "icon": "resources/happy.png"},
                {"name": "Angry", "value": "angry", "icon": "resources/angry.png"},
                {"name": "Sad", "value": "sad", "icon": "resources/sad.png"},
                {"name": "Scared", "value": "scared", "icon": "resources/scared.png"},
            ]},
            {"name": "intensity", "title": "How strong is this emotion?", "type": "integer", "required": True,
             "min": 1, "max": 5, "default": 1, "widget": "slider"},
            {"name": "situation", "title": "Situation", "type": "text", "required": False,
             "description": "In which situation are you?"},
            {"name": "picture", "title": "Picture", "type": "image", "required": False},
        ],
        "charts": [{"title": "Emotions per day", "type": "bar", "buckets": "day",
                    "series": [{"field": "emotion", "bucket-function": "tally"}]}],
        "resources": [{"name": f"resources/{icon}.png",
                       "url": f"https://ns.hyperdiary.org/diary/resources/emotion/1/{icon}.png"} for icon in icons],
    }
    assert emotion.required == frozenset({"emotion", "intensity"})
    assert emotion.field_names == ("emotion", "intensity", "situation", "picture")


def test_moment_has_text_and_picture_neither_required():
    moment = shipped()[MOMENT]
    assert [(f["name"], f["type"], f["required"]) for f in moment.fields] == [
        ("text", "text", False), ("picture", "image", False)]
    assert moment.required == frozenset()
    assert moment.descriptor["charts"] == [] and moment.descriptor["resources"] == []


# name → (type, required, the descriptor keys min/max/widget that must hold these values)
EXPECTED_FIELDS = {
    THOUGHTS: {
        "situation": ("text", True, {}),
        "automatic_thought": ("text", True, {}),
        "emotion": ("choice", False, {}),
        "emotion_intensity": ("integer", False, {"min": 0, "max": 100, "widget": "slider"}),
        "distortions": ("multichoice", False, {}),
        "alternative_thought": ("text", False, {}),
        "outcome_intensity": ("integer", False, {"min": 0, "max": 100, "widget": "slider"}),
    },
    SLEEP: {
        "bedtime": ("datetime", False, {}),
        "wake_time": ("datetime", False, {}),
        "hours": ("number", False, {"min": 0, "max": 24}),
        "sleep_quality": ("integer", True, {"min": 1, "max": 5, "widget": "slider"}),
        "awakenings": ("integer", False, {"min": 0}),
        "naps": ("boolean", False, {}),
        "notes": ("text", False, {}),
    },
    ACTIVITY: {
        "activity": ("text", True, {}),
        "category": ("choice", False, {}),
        "date": ("date", False, {}),
        "duration_minutes": ("integer", False, {"min": 0, "max": 1440}),
        "pleasure": ("integer", False, {"min": 0, "max": 10, "widget": "slider"}),
        "mastery": ("integer", False, {"min": 0, "max": 10, "widget": "slider"}),
        "with_others": ("boolean", False, {}),
    },
}


@pytest.mark.parametrize("schema_id", list(EXPECTED_FIELDS), ids=lambda i: i.removeprefix(ENTRY))
def test_fields_of_the_other_shipped_schemas(schema_id):
    fields = {f["name"]: f for f in shipped()[schema_id].fields}
    assert set(fields) == set(EXPECTED_FIELDS[schema_id])
    for name, (kind, required, extra) in EXPECTED_FIELDS[schema_id].items():
        field = fields[name]
        assert (field["type"], field["required"]) == (kind, required), name
        assert {k: field.get(k) for k in extra} == extra, name
        assert field["title"] != name  # a human title, not the fallback


def test_thought_record_offers_the_common_distortions_and_emotions():
    fields = {f["name"]: f for f in shipped()[THOUGHTS].fields}
    distortions = [c["value"] for c in fields["distortions"]["choices"]]
    assert {"all_or_nothing", "catastrophizing", "mind_reading", "overgeneralization",
            "should_statements", "personalization"} <= set(distortions)
    assert len(distortions) == len(set(distortions))
    assert all(c["icon"] is None and c["name"] for c in fields["distortions"]["choices"])
    assert {"sad", "angry", "anxious"} <= {c["value"] for c in fields["emotion"]["choices"]}


def test_shipped_keys_are_distinct():
    keys = {s.key for s in shipped().values()}
    assert len(keys) == len(SHIPPED_IDS)


# -- deriving field descriptors -----------------------------------------------------------------------------

@pytest.mark.parametrize("prop, kind", [
    ({"type": "string"}, "text"),
    ({"type": ["string", "null"]}, "text"),
    ({"type": "string", "format": "email"}, "text"),
    ({"type": "integer"}, "integer"),
    ({"type": ["integer", "null"]}, "integer"),
    ({"type": ["null", "integer"]}, "integer"),
    ({"type": "number"}, "number"),
    ({"type": ["number", "null"]}, "number"),
    ({"type": "boolean"}, "boolean"),
    ({"type": ["boolean", "null"]}, "boolean"),
    ({"type": "string", "format": "date"}, "date"),
    ({"type": ["string", "null"], "format": "date"}, "date"),
    ({"type": "string", "format": "date-time"}, "datetime"),
    ({"type": ["string", "null"], "format": "date-time"}, "datetime"),
    ({"type": ["string", "null"], "contentMediaType": "image/*"}, "image"),
    ({"type": "string", "contentMediaType": "image/jpeg"}, "image"),
    ({"type": "string", "oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]}, "choice"),
    ({"oneOf": [{"const": 1}, {"const": 2}]}, "choice"),
    ({"type": "string", "enum": ["x", "y"]}, "choice"),
    ({"type": "array", "items": {"oneOf": [{"const": "a", "title": "A"}]}, "uniqueItems": True}, "multichoice"),
    ({"type": ["array", "null"], "items": {"enum": ["x", "y"]}}, "multichoice"),
])
def test_field_types_are_derived(prop, kind):
    assert kind in FIELD_TYPES
    assert descriptor_of(prop)["type"] == kind
    assert field_type(prop)[0] == kind


def test_labelled_choices_keep_titles_values_and_icons():
    field = descriptor_of({"type": "string", "oneOf": [
        {"const": "up", "title": "Better", "x-icon": "resources/up.png"},
        {"const": "down", "title": "Worse"},
        {"const": "same"},
    ]})
    assert field["choices"] == [
        {"name": "Better", "value": "up", "icon": "resources/up.png"},
        {"name": "Worse", "value": "down", "icon": None},
        {"name": "same", "value": "same", "icon": None},
    ]


def test_plain_enum_choices_are_named_by_value_and_skip_null():
    field = descriptor_of({"type": ["integer", "null"], "enum": [1, 2, None]})
    assert field["type"] == "choice"
    assert field["choices"] == [{"name": "1", "value": 1, "icon": None}, {"name": "2", "value": 2, "icon": None}]


def test_multichoice_takes_its_choices_and_bounds_from_the_items():
    field = descriptor_of({"type": "array", "title": "Tags", "minItems": 1, "maxItems": 3, "uniqueItems": True,
                           "items": {"oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]}},
                          required=True)
    assert field == {"name": "f", "title": "Tags", "type": "multichoice", "required": True, "min": 1, "max": 3,
                     "choices": [{"name": "A", "value": "a", "icon": None}, {"name": "B", "value": "b", "icon": None}]}


def test_bounds_default_description_and_widget():
    assert descriptor_of({"type": ["number", "null"], "title": "Hours", "minimum": 0, "maximum": 24, "default": 8,
                          "description": "How long?", "x-widget": "slider"}) == {
        "name": "f", "title": "Hours", "type": "number", "required": False, "min": 0, "max": 24, "default": 8,
        "description": "How long?", "widget": "slider"}
    text = descriptor_of({"type": "string", "minLength": 2, "maxLength": 10})
    assert (text["min"], text["max"]) == (2, 10)
    # Lengths are bounds of text and items only: on a number they mean nothing to a form.
    assert "min" not in descriptor_of({"type": "integer", "minLength": 2})
    assert "max" not in descriptor_of({"type": "integer", "maxItems": 2})


def test_title_falls_back_to_the_name_and_fields_keep_schema_order():
    doc = document({"zeta": {"type": "string"}, "alpha": {"type": "integer", "title": "Alpha"}}, required=["zeta"])
    assert [(f["name"], f["title"], f["required"]) for f in field_descriptors(doc)] == [
        ("zeta", "zeta", True), ("alpha", "Alpha", False)]


@pytest.mark.parametrize("prop", [
    {"type": "object"},
    {"type": "array"},
    {"type": "array", "items": {"type": "string"}},
    {"type": ["string", "integer"]},
    {"type": "null"},
    {"title": "No type"},
])
def test_unsupported_properties_raise_naming_the_field(prop):
    with pytest.raises(SchemaProblem) as raised:
        field_descriptors(document({"ok": {"type": "string"}, "bad": prop}))
    assert raised.value.field == "bad"
    assert raised.value.message


# -- checking a document ------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc, field", [
    pytest.param("not an object", None, id="string"),
    pytest.param(["a", "list"], None, id="list"),
    pytest.param(None, None, id="null"),
    pytest.param(document(schema_="http://json-schema.org/draft-07/schema#"), "$schema", id="draft-07"),
    pytest.param(document(type=5), "type", id="type-5"),
    pytest.param(document({"a": {"type": "strung"}}), "properties.a.type", id="metaschema-nested"),
    pytest.param(document({"a": {"type": "string", "minLength": -1}}), "properties.a.minLength", id="minLength"),
    pytest.param(document(id_=None), "$id", id="no-$id"),
    pytest.param(document(id_="schemas/test"), "$id", id="relative-$id"),
    pytest.param(document(id_="https://ns.hyperdiary.org/diary/schema/entry#emotion:1"), "$id", id="fragment-$id"),
    pytest.param(document(type=None), "type", id="no-type"),
    pytest.param(document(type="array"), "type", id="type-array"),
    pytest.param(document(properties_=None), "properties", id="no-properties"),
    pytest.param(document({}), "properties", id="empty-properties"),
    pytest.param(document({"dt": {"type": "string"}}), "properties.dt", id="dt"),
    pytest.param(document({"@type": {"type": "string"}}), "properties.@type", id="@type"),
    pytest.param(document({"@url": {"type": "string"}}), "properties.@url", id="@url"),
    pytest.param(document({"nested": {"type": "object"}}), "properties.nested", id="object-field"),
    pytest.param(document({"tags": {"type": "array", "items": {"type": "string"}}}), "properties.tags",
                 id="array-without-choices"),
])
def test_check_document_refuses(doc, field):
    problem = check_document(doc)
    assert isinstance(problem, SchemaProblem) and isinstance(problem, ValueError)
    assert problem.message and str(problem) == problem.message
    assert problem.field == field


def test_check_document_messages_say_why():
    assert "2020-12" in check_document(document(schema_="http://json-schema.org/draft-07/schema#")).message
    assert "reserved" in check_document(document({"dt": {"type": "string"}})).message
    assert "$id" in check_document(document(id_="relative")).message
    assert "object" in check_document(document(type="array")).message


def test_check_document_accepts_a_minimal_schema_with_or_without_the_schema_keyword():
    assert check_document(document()) is None
    assert check_document(document(schema_=None)) is None
    assert check_document(document(id_="urn:example:schema:1")) is None


def test_entry_schema_raises_the_problem_check_document_finds():
    with pytest.raises(SchemaProblem) as raised:
        EntrySchema(document({"nested": {"type": "object"}}))
    assert raised.value.field == "properties.nested"
    upload = EntrySchema(document())
    assert upload.source == "upload" and upload.key == schema_key(upload.id)


# -- loading a folder ---------------------------------------------------------------------------------------

def test_load_folder_stops_at_invalid_json_naming_the_file(tmp_path):
    (tmp_path / "moment.json").write_text((SHIPPED / "moment.json").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.json"):
        load_folder(tmp_path)


def test_load_folder_stops_at_an_unusable_schema_naming_the_file_and_the_problem(tmp_path):
    (tmp_path / "reserved.json").write_text(json.dumps(document({"dt": {"type": "string"}})), encoding="utf-8")
    with pytest.raises(ValueError, match=r"reserved\.json") as raised:
        load_folder(tmp_path)
    assert "'dt' is reserved" in str(raised.value)


def test_load_folder_refuses_a_repeated_id(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(document()), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(document({"other": {"type": "integer"}})), encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.json") as raised:
        load_folder(tmp_path)
    assert "https://example.org/schemas/test:1" in str(raised.value)


def test_load_folder_reads_only_json_files_in_name_order(tmp_path):
    assert load_folder(tmp_path) == {}
    (tmp_path / "README.md").write_text("not a schema", encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(document(id_="https://example.org/b:1")), encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps(document(id_="https://example.org/a:1")), encoding="utf-8")
    assert list(load_folder(tmp_path)) == ["https://example.org/a:1", "https://example.org/b:1"]


def test_shipped_schemas_reads_the_diary_folder_of_the_setting():
    assert set(shipped_schemas({"hyperdiary.schemas_dir": str(REPO / "schemas")})) == SHIPPED_IDS


def test_default_diary_schemas():
    schemas = shipped()
    # Every shipped schema but the scored questionnaires, which a professional assigns.
    assert default_diary_schemas({}, schemas) == [i for i in schemas if i not in (PHQ9, GAD7, WHO5)]
    assert len(default_diary_schemas({}, schemas)) == 5
    assert default_diary_schemas({"hyperdiary.diary.default_schemas": f"{MOMENT}\n{EMOTION}"}, schemas) == [
        MOMENT, EMOTION]
    with pytest.raises(ValueError, match="https://example.org/nope:1"):
        default_diary_schemas({"hyperdiary.diary.default_schemas": f"{EMOTION} https://example.org/nope:1"}, schemas)


# -- validating entries -------------------------------------------------------------------------------------

def test_format_checking_of_date_time_is_available():
    # Without rfc3339-validator installed, jsonschema silently accepts any string as a date-time.
    assert "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers
    assert "date" in Draft202012Validator.FORMAT_CHECKER.checkers


def test_validator_is_built_once():
    registry = SchemaRegistry(shipped())
    first = registry.get(None, EMOTION)
    again = registry.get(None, EMOTION)
    assert again is first and again.validator is first.validator
    assert registry.by_key(None, first.key).validator is first.validator


def test_valid_entries_pass():
    schemas = shipped()
    entries = {
        EMOTION: [{"emotion": "happy", "intensity": 1},
                  {"emotion": "scared", "intensity": 5, "situation": "On the train", "picture": None}],
        MOMENT: [{}, {"text": "I am flying!", "picture": None}],
        THOUGHTS: [{"situation": "Meeting", "automatic_thought": "They think I'm a fool", "emotion": "anxious",
                    "emotion_intensity": 80, "distortions": ["mind_reading", "catastrophizing"],
                    "alternative_thought": "Nobody said so", "outcome_intensity": 30}],
        SLEEP: [{"sleep_quality": 3},
                {"sleep_quality": 5, "bedtime": "2024-03-01T23:10:00Z", "wake_time": "2024-03-02T07:00:00+01:00",
                 "hours": 7.5, "awakenings": 0, "naps": False, "notes": None}],
        ACTIVITY: [{"activity": "Walk", "category": "physical", "date": "2024-02-29", "duration_minutes": 45,
                    "pleasure": 7, "mastery": 4, "with_others": True}],
    }
    for schema_id, examples in entries.items():
        for entry in examples:
            assert errors(schemas[schema_id], entry) == [], (schema_id, entry)


def test_missing_required_fields_are_reported():
    schemas = shipped()
    missing = list(schemas[EMOTION].validator.iter_errors({}))
    assert [e.validator for e in missing] == ["required", "required"]
    assert {"'emotion' is a required property", "'intensity' is a required property"} == {e.message for e in missing}
    assert errors(schemas[THOUGHTS], {"situation": "Meeting"}) == [("", "required")]
    assert errors(schemas[ACTIVITY], {"with_others": True}) == [("", "required")]


@pytest.mark.parametrize("schema_id, entry, path, keyword", [
    (EMOTION, {"emotion": "happy", "intensity": 6}, "intensity", "maximum"),
    (EMOTION, {"emotion": "happy", "intensity": 0}, "intensity", "minimum"),
    (EMOTION, {"emotion": "happy", "intensity": 2.5}, "intensity", "type"),
    (EMOTION, {"emotion": "bored", "intensity": 2}, "emotion", "oneOf"),
    (THOUGHTS, {"situation": "s", "automatic_thought": "t", "emotion_intensity": 101}, "emotion_intensity", "maximum"),
    (THOUGHTS, {"situation": "s", "automatic_thought": "t", "distortions": ["labeling", "labeling"]},
     "distortions", "uniqueItems"),
    (THOUGHTS, {"situation": "s", "automatic_thought": "t", "distortions": ["wishful"]}, "distortions/0", "oneOf"),
    (SLEEP, {"sleep_quality": 3, "hours": 25}, "hours", "maximum"),
    (SLEEP, {"sleep_quality": 3, "awakenings": -1}, "awakenings", "minimum"),
    (ACTIVITY, {"activity": "Walk", "duration_minutes": 1441}, "duration_minutes", "maximum"),
    (ACTIVITY, {"activity": "Walk", "pleasure": 11}, "pleasure", "maximum"),
    (ACTIVITY, {"activity": "Walk", "with_others": "yes"}, "with_others", "type"),
])
def test_out_of_range_and_wrong_values_are_reported(schema_id, entry, path, keyword):
    assert errors(shipped()[schema_id], entry) == [(path, keyword)]


@pytest.mark.parametrize("value", [
    "2024-13-01T10:00:00Z",   # no 13th month
    "2024-03-01T25:00:00Z",   # no 25th hour
    "2024-03-01T23:00:00",    # RFC 3339 needs an offset
    "2024-03-01",             # a date is not a date-time
    "yesterday evening",
])
def test_bad_date_times_are_reported(value):
    assert errors(shipped()[SLEEP], {"sleep_quality": 3, "bedtime": value}) == [("bedtime", "format")]


@pytest.mark.parametrize("value", ["2023-02-29", "2024-1-5", "2024-03-01T10:00:00Z", "soon"])
def test_bad_dates_are_reported(value):
    assert errors(shipped()[ACTIVITY], {"activity": "Walk", "date": value}) == [("date", "format")]


def test_unknown_fields_are_reported():
    found = list(shipped()[EMOTION].validator.iter_errors({"emotion": "sad", "intensity": 2, "colour": "blue"}))
    assert [e.validator for e in found] == ["additionalProperties"]
    assert "'colour'" in found[0].message
    assert errors(shipped()[MOMENT], {"text": "hi", "dt": "2024-03-01T10:00:00Z"}) == [("", "additionalProperties")]


# -- the registry -------------------------------------------------------------------------------------------

def test_registry_finds_shipped_schemas_by_id_and_by_key_without_the_database():
    schemas = shipped()
    registry = SchemaRegistry(schemas)
    assert registry.shipped is schemas
    for schema_id, entry_schema in schemas.items():
        assert registry.get(None, schema_id) is entry_schema
        assert registry.by_key(None, schema_key(schema_id)) is entry_schema
        assert registry.exists(None, schema_id)
    assert registry.get_many(None, [SLEEP, EMOTION]) == [schemas[SLEEP], schemas[EMOTION]]


def test_registry_answers_none_for_what_nobody_shipped_or_uploaded():
    registry = SchemaRegistry(shipped())
    session = StubSession()
    assert registry.get(session, "https://example.org/unknown:1") is None
    assert registry.by_key(session, schema_key("https://example.org/unknown:1")) is None
    assert not registry.exists(session, "https://example.org/unknown:1")
    # Unknown ones are looked up (shipped ones never were), and nothing was remembered for them.
    assert session.asked[0] == ("get", StoredSchema, "https://example.org/unknown:1")
    assert [a[0] for a in session.asked] == ["get", "scalar", "get"]
    assert registry.get(session, EMOTION) is registry.shipped[EMOTION] and len(session.asked) == 3


def test_schema_key_is_short_stable_and_url_safe():
    key = schema_key(EMOTION)
    assert key == schema_key(EMOTION)
    assert re.fullmatch(r"[0-9a-f]{24}", key)
    assert key != schema_key(MOMENT)
    assert shipped()[EMOTION].key == key
