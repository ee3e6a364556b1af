"""Unit tests of hyperdiary.subjectlogs: the shipped subject-log types follow the table of RESOURCES.md, a
bad type file stops start-up naming the file, and one entry validator per type names every problem."""
import json
import pathlib
import shutil

import pytest
from pyramid.paster import get_appsettings

from hyperdiary import main
from hyperdiary.errors import ValidationFailure
from hyperdiary.research.subjectlogs import SubjectLogType, checked_entry, load_types

REPO = pathlib.Path(__file__).resolve().parents[2]
SHIPPED = REPO / "schemas" / "subjectlog"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
MASS, VOLUME, FORCE = ["kg", "g", "mg", "µg"], ["L", "mL", "µL", "nL", "pL"], ["mg", "g", "kg"]
DURATION = ["µs", "ms", "s", "min", "h"]

# RESOURCES.md: type -> (entry shape, required details, quantities and their units).
TABLE = {
    "FoodConsumption": ("instant", {"foodAmount"}, {"foodAmount": MASS}),
    "WaterConsumption": ("instant", {"waterAmount"}, {"waterAmount": VOLUME}),
    "Weighing": ("instant", {"weight"}, {"weight": MASS}),
    "Wellness": ("instant", {"wellness"}, {}),
    "GenericObservation": ("instant", {"observationType", "observation"}, {}),
    "VonFreyTest": ("instant", {"stimulusLocation", "stimulusForce", "responseScore"}, {"stimulusForce": FORCE}),
    "HargreavesTest": ("instant", {"stimulusLocation", "latency", "responseScore"},
                       {"latency": DURATION, "cutoffLatency": DURATION}),
    "Genotyping": ("instant", {"sample", "result"}, {}),
    "Housing": ("interval", set(), {}),
    "FoodDeprivation": ("interval", {"responsiblePerson"}, {}),
    "WaterDeprivation": ("interval", {"responsiblePerson"}, {}),
    "Habituation": ("interval", set(), {}),
    "Handling": ("interval", set(), {}),
    "TrainingSession": ("interval", set(), {}),
}


def document(**top):
    """A usable type document, with `top` replacing (or, given as None, removing) top-level keys."""
    doc = {"$schema": DRAFT, "$id": "https://example.org/subjectlog/Thing:1", "x-entries": "instant",
           "type": "object", "additionalProperties": False, "required": ["size"],
           "properties": {"size": {"$ref": "#/$defs/length"}, "colour": {"type": "string", "default": "grey"}},
           "$defs": {"length": {"type": "object", "additionalProperties": False, "required": ["value", "unit"],
                                "properties": {"value": {"type": "number"}, "unit": {"enum": ["mm", "cm"]}}}}}
    for key, value in top.items():
        key = {"id_": "$id", "schema_": "$schema", "x_entries": "x-entries", "additional": "additionalProperties"}.get(
            key, key)
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def test_the_shipped_types_are_those_of_the_table():
    types = load_types(SHIPPED)
    assert {t.kind for t in types} == set(TABLE)
    assert len({t.id for t in types}) == len(TABLE)
    for log_type in types:
        shape, required, quantities = TABLE[log_type.kind]
        doc = log_type.document
        assert log_type.shape == shape, log_type.kind
        assert set(doc.get("required", [])) == required, log_type.kind
        assert doc["$schema"] == DRAFT and doc["additionalProperties"] is False
        assert doc["$id"] == f"https://ns.hyperdiary.org/subjectlog/schema/{log_type.kind}:1"
        assert doc["title"] and doc["description"]
        for field, units in quantities.items():
            quantity = doc["$defs"][doc["properties"][field]["$ref"].split("/")[-1]]
            assert quantity["required"] == ["value", "unit"] and quantity["additionalProperties"] is False
            assert quantity["properties"]["unit"]["enum"] == units, (log_type.kind, field)


@pytest.mark.parametrize("type_name, field, choices", [
    ("GenericObservation", "observationType", ["Pain score", "Grooming", "Exploration", "Freezing",
                                               "Facial expression", "Unusual behavior", "Other"]),
    ("Genotyping", "qcConfidence", ["high", "medium", "low", "ambiguous", "failed"]),
])
def test_choices_of_the_table(type_name, field, choices):
    doc = load_types(SHIPPED).get(type_name).document
    assert doc["properties"][field]["enum"] == choices


@pytest.mark.parametrize("type_name", ["VonFreyTest", "HargreavesTest"])
def test_stimulus_locations_and_scores(type_name):
    log_type = load_types(SHIPPED).get(type_name)
    location = log_type.document["$defs"]["location"]["enum"]
    assert location == ["left hind paw", "right hind paw", "left forepaw", "right forepaw", "face left",
                        "face right", "tail", "other"]
    score = log_type.document["properties"]["responseScore"]
    assert (score["type"], score["minimum"], score["maximum"]) == ("integer", 0, 3)
    assert log_type.defaults == {"repetitions": {"VonFreyTest": 10, "HargreavesTest": 3}[type_name]}


def test_a_usable_document_is_a_type():
    log_type = SubjectLogType("Thing", document())
    assert (log_type.kind, log_type.shape, log_type.key, log_type.defaults) == ("Thing", "instant", "date_time",
                                                                                {"colour": "grey"})
    assert SubjectLogType("Thing", document(x_entries="interval")).times == ("start_date_time", "end_date_time")


@pytest.mark.parametrize("doc, message", [
    (document(x_entries=None), '"x-entries" must be one of instant, interval'),
    (document(x_entries="period"), '"x-entries" must be one of'),
    (document(id_=None), "absolute IRI"),
    (document(id_="thing"), "absolute IRI"),
    (document(id_="https://example.org/thing#1"), "does not match"),  # the metaschema says so
    (document(id_="https://example.org/thing#"), "without a fragment"),
    (document(additional=None), '"additionalProperties": false'),
    (document(schema_="http://json-schema.org/draft-07/schema#"), "$schema must be"),
    (document(type="array"), '"type": "object"'),
    (document(properties={"size": {"$ref": "https://example.org/remote.json"}}), "points outside the schema"),
    (document(properties={"size": {"$ref": "#/$defs/width"}}), "does not resolve"),
    (document(properties={"size": {"type": "strin"}}), "is not valid"),
])
def test_a_bad_file_stops_start_up_naming_it(tmp_path, doc, message):
    (tmp_path / "Thing.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="Thing.json") as error:
        load_types(tmp_path)
    assert str(error.value).startswith("Subject-log type ")
    assert message in str(error.value)


@pytest.mark.parametrize("file_name", ["my-thing.json", "2things.json"])
def test_the_file_name_is_the_type_s_name(tmp_path, file_name):
    (tmp_path / file_name).write_text(json.dumps(document()))
    with pytest.raises(ValueError, match=file_name):
        load_types(tmp_path)


def test_not_json_stops_start_up(tmp_path):
    (tmp_path / "Broken.json").write_text("{")
    with pytest.raises(ValueError, match="Broken.json"):
        load_types(tmp_path)


def test_a_repeated_id_stops_start_up(tmp_path):
    (tmp_path / "A.json").write_text(json.dumps(document()))
    (tmp_path / "B.json").write_text(json.dumps(document()))
    with pytest.raises(ValueError, match=r"B\.json repeats the \$id"):
        load_types(tmp_path)


def test_a_type_is_added_by_dropping_a_file_in_the_folder(tmp_path):
    shutil.copytree(SHIPPED, tmp_path / "subjectlog")
    (tmp_path / "subjectlog" / "Thing.json").write_text(json.dumps(document()))
    assert load_types(tmp_path / "subjectlog").get("Thing").id == "https://example.org/subjectlog/Thing:1"


def test_the_app_does_not_start_with_a_bad_type(tmp_path):
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    (tmp_path / "schemas" / "subjectlog" / "Weighing.json").write_text(json.dumps(document(x_entries=None)))
    settings = dict(get_appsettings(str(REPO / "testing.ini")))
    settings.update({"hyperdiary.schemas_dir": str(tmp_path / "schemas"),
                     "sqlalchemy.url": f"sqlite:///{tmp_path / 'unused.sqlite'}"})
    with pytest.raises(ValueError, match=r"subjectlog/Weighing\.json is not usable"):
        main({}, **settings)


# --- one validator per type ---------------------------------------------------------------------------------


def test_the_entry_validator_is_built_once():
    log_type = SubjectLogType("Thing", document())
    assert log_type.entry_validator is log_type.entry_validator
    assert log_type.entry_order == ("date_time", "notes", "details")


def test_checked_entry_fills_defaults_and_reads_null_as_not_set():
    log_type = SubjectLogType("Thing", document())
    instant, end, notes, details = checked_entry(log_type, {
        "date_time": "2024-05-01T10:00:00+02:00", "notes": None,
        "details": {"size": {"value": 3, "unit": "mm"}, "colour": None}})
    assert (instant.isoformat(), end, notes) == ("2024-05-01T08:00:00", None, None)
    assert details == {"size": {"value": 3, "unit": "mm"}, "colour": "grey"}


def test_checked_entry_names_every_problem_in_entry_order():
    log_type = SubjectLogType("Thing", document())
    with pytest.raises(ValidationFailure) as failure:
        checked_entry(log_type, {"when": "now", "notes": 1, "details": {"size": {"value": "3", "unit": "in"}}})
    assert [p["name"] for p in failure.value.extra] == [
        "date_time", "notes", "details.size.unit", "details.size.value", "when"]


def test_an_interval_may_not_end_before_it_starts():
    log_type = SubjectLogType("Thing", document(x_entries="interval", required=[]))
    with pytest.raises(ValidationFailure) as failure:
        checked_entry(log_type, {"start_date_time": "2024-05-02T00:00:00Z", "end_date_time": "2024-05-01T00:00:00Z"})
    assert [p["name"] for p in failure.value.extra] == ["end_date_time"]
    start, end, _, _ = checked_entry(log_type, {"start_date_time": "2024-05-01T00:00:00Z",
                                                "end_date_time": "2024-05-01T00:00:00Z"})
    assert start == end
