"""The resource kinds' schemas (hyperdiary.bodies): loading, start-up failures, problems by field,
and the contract's date formats."""
import json

import pytest

from hyperdiary.bodies import Bodies, BodySchema, load_kinds
from hyperdiary.errors import ValidationFailure

NOTE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "maxLength": 5},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "time"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "colour": {"enum": ["red", "green"]},
    },
}


def test_problems_name_each_field_in_property_order():
    schema = BodySchema("note", NOTE)
    found = schema.problems({"colour": "blue", "tags": ["a", 3], "extra": 1, "when": "soon"})
    assert found == [
        {"name": "title", "message": "Required input is missing."},
        {"name": "when", "message": "'soon' is not a 'date-time'"},
        {"name": "tags.1", "message": "3 is not of type 'string'"},
        {"name": "colour", "message": "'blue' is not one of the allowed choices."},
        {"name": "extra", "message": "Unknown field."},
    ]


def test_check_raises_one_400_with_every_problem():
    bodies = Bodies({"note": BodySchema("note", NOTE)})
    assert bodies.check("note", {"title": "ok"}) == {"title": "ok"}
    with pytest.raises(ValidationFailure) as failure:
        bodies.check("note", {"title": "too long", "day": "2024-02-30"})
    assert [p["name"] for p in failure.value.extra] == ["title", "day"]


@pytest.mark.parametrize("value, valid", [
    ("2024-05-01T12:00:00Z", True),
    ("2024-05-01T12:00:00", True),  # no offset: UTC, as everywhere in the contract
    ("2024-05-01T12:00:00.123+02:00", True),
    ("2024-05-01", False),  # a date-time needs its time
    ("2024-05-01T25:00:00Z", False),
    ("0001-01-01T00:00:00+01:00", False),  # before year 1 in UTC
    ("yesterday", False),
    (None, True),  # null passes the format; the type decides
])
def test_date_time_format(value, valid):
    found = BodySchema("note", NOTE).problems({"title": "x", "when": value})
    assert (found == []) is valid, found


@pytest.mark.parametrize("field, value, valid", [
    ("day", "2024-02-29", True), ("day", "2023-02-29", False), ("day", "2024-2-1", False),
    ("at", "08:30", True), ("at", "08:30:15", True), ("at", "24:00", False), ("at", "half past", False),
])
def test_date_and_time_formats(field, value, valid):
    found = BodySchema("note", NOTE).problems({"title": "x", field: value})
    assert (found == []) is valid, found


def test_load_kinds_by_file_name(tmp_path):
    (tmp_path / "note.json").write_text(json.dumps(NOTE))
    (tmp_path / "diary").mkdir()
    (tmp_path / "diary" / "ignored.json").write_text("not even JSON")
    assert list(load_kinds(tmp_path)) == ["note"]


@pytest.mark.parametrize("content, message", [
    ("{", "Expecting"),
    (json.dumps({"type": "object", "properties": {"x": {"type": "strin"}}}), "is not valid"),
    (json.dumps({"type": "array"}), '"type": "object"'),
])
def test_a_bad_file_stops_start_up_naming_it(tmp_path, content, message):
    (tmp_path / "broken.json").write_text(content)
    with pytest.raises(ValueError, match="broken.json") as error:
        load_kinds(tmp_path)
    assert message in str(error.value)


def test_unique_items_in_one_pass(monkeypatch):
    """jsonschema compares every pair of an array's items when they do not sort (objects, or numbers mixed
    with strings): a 100 kB body of small objects took two minutes. Validator hashes canonical forms."""
    import jsonschema._utils

    def pairwise(*args):
        raise AssertionError("uniqueItems compared items pairwise")

    monkeypatch.setattr(jsonschema._utils, "equal", pairwise)
    schema = BodySchema("list", {"type": "object", "properties": {"days": {"type": "array", "uniqueItems": True}}})
    assert schema.problems({"days": [{"a": index} for index in range(50_000)]}) == []
    assert schema.problems({"days": [index if index % 2 else str(index) for index in range(50_000)]}) == []
    # Equal as JSON Schema defines it: numbers by value, objects whatever their key order, true is not 1.
    for same in ([1, 1.0], [{"a": 1, "b": [2]}, {"b": [2.0], "a": 1}], [[1, {"x": None}], [1, {"x": None}]]):
        assert [p["name"] for p in schema.problems({"days": same})] == ["days"], same
    for different in ([True, 1], [False, 0], [[1, 2], [2, 1]], [{"a": 1}, {"a": "1"}], [None, False], ["1", 1]):
        assert schema.problems({"days": different}) == [], different


def test_a_pattern_that_backtracks_forever_is_cut_short():
    """^(a|a)*$ takes exponential time on 'aaa...b' with Python's re (hours at 35 characters); the
    `regex` module with the validation's time budget answers a problem instead."""
    import time

    from hyperdiary.bodies import Validator, problems
    from hyperdiary.patterns import BUDGET as PATTERN_BUDGET, TOO_LONG

    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a|a)*$"},
                                               "other": {"type": "string", "pattern": "^(a|a)*$"}}}
    validator = Validator(schema)
    started = time.monotonic()
    found = problems(validator, {"code": "a" * 40 + "b", "other": "a" * 40 + "b"})
    assert time.monotonic() - started < PATTERN_BUDGET + 2  # both fields share one budget (re: hours)
    # The first time-out ends the validation (wherever it sat, it refuses the body), naming its field.
    assert found == [{"name": "code", "message": TOO_LONG}]
    # Patterns still work as patterns.
    assert problems(validator, {"code": "aaaa"}) == []
    assert problems(validator, {"code": "ab"})[0]["message"] == "'ab' does not match '^(a|a)*$'"
