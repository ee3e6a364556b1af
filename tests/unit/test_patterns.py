"""Every way a schema's regular expression reaches a match runs under the one time budget of
hyperdiary/patterns.py: `pattern`, `patternProperties`, `additionalProperties` and
`unevaluatedProperties` (which match keys against `patternProperties`), `propertyNames` (a `pattern`
on keys). Each case below takes exponential time with Python's `re` (hours at these lengths)."""
import gc
import threading
import time
import tracemalloc

import pytest

from hyperdiary import patterns
from hyperdiary.bodies import Validator, problems

EVIL = "^(b|b)+$"  # the `regex` module backtracks on this one too (it handles ^(b+)+$)
KEY = "b" * 40 + "!"

CASES = {
    "pattern": ({"properties": {"code": {"type": "string", "pattern": EVIL}}}, {"code": KEY}, "code"),
    "patternProperties": ({"patternProperties": {EVIL: {"type": "string"}}}, {KEY: "x"}, KEY),
    "additionalProperties": ({"patternProperties": {EVIL: {}}, "additionalProperties": False}, {KEY: "x"}, KEY),
    "unevaluatedProperties": ({"patternProperties": {EVIL: {}}, "unevaluatedProperties": False}, {KEY: "x"}, KEY),
    "propertyNames": ({"propertyNames": {"pattern": EVIL}}, {KEY: "x"}, KEY),
    "nested": ({"properties": {"details": {"type": "object", "patternProperties": {EVIL: {}}}}},
               {"details": {KEY: 1}}, f"details.{KEY}"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_pattern_path_runs_out_of_time_as_a_problem(case):
    schema, instance, name = CASES[case]
    validator = Validator(dict(schema, type="object"))
    started = time.monotonic()
    found = problems(validator, instance)
    assert time.monotonic() - started < patterns.BUDGET + 2  # with re: hours
    assert {"name": name, "message": patterns.TOO_LONG} in found, found


@pytest.mark.parametrize("case", sorted(CASES))
def test_patterns_still_match_as_patterns(case):
    schema, instance, name = CASES[case]
    validator = Validator(dict(schema, type="object"))
    fine = {key.replace("!", "") if key != "code" else key: value.replace("!", "") if isinstance(value, str) else value
            for key, value in instance.items()}
    if case == "nested":
        fine = {"details": {"b" * 40: 1}}
    assert problems(validator, fine) == []


def test_a_match_lets_other_threads_run():
    """regex's concurrent=True releases the GIL: a thread counting meanwhile gets its turns."""
    counted = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counted.append(1)
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        with pytest.raises(patterns.PatternTimeout), patterns.budget(0.3):
            patterns.search(EVIL, KEY)
    finally:
        stop.set()
        counter.join()
    assert len(counted) > 20


def test_format_regex_is_compiled_by_the_regex_module():
    validator = Validator({"type": "object", "properties": {"r": {"format": "regex"}}},
                          format_checker=patterns.with_regex_format(Validator.FORMAT_CHECKER))
    assert problems(validator, {"r": "^a+$"}) == []
    assert [p["name"] for p in problems(validator, {"r": "(unclosed"})] == ["r"]


# API.md §8: a time-out is a 400 wherever the pattern sits. Inside `not` it counted as "no match": the value
# the schema refuses was accepted.
WRAPPED = {
    "not": {"not": {"pattern": EVIL}},
    "anyOf": {"anyOf": [{"pattern": EVIL}, {"type": "integer"}]},
    "oneOf": {"oneOf": [{"pattern": EVIL}, {"maxLength": 1}]},
    "if": {"if": {"pattern": EVIL}, "then": {"maxLength": 1}},
    "not-not": {"not": {"not": {"pattern": EVIL}}},
    "contains": {"type": "array", "contains": {"pattern": EVIL}},
}


@pytest.mark.parametrize("case", sorted(WRAPPED))
def test_a_time_out_inside_a_combinator_is_a_problem_never_a_pass(case):
    validator = Validator({"type": "object", "properties": {"code": WRAPPED[case]}})
    value = [KEY] if case == "contains" else KEY
    assert problems(validator, {"code": value}) == [
        {"name": "code.0" if case == "contains" else "code", "message": patterns.TOO_LONG}]


def test_patterns_in_combinators_still_match():
    validator = Validator({"type": "object", "properties": {"code": {"not": {"pattern": "^b+$"}}}})
    assert problems(validator, {"code": "bbb!"}) == []
    assert [p["name"] for p in problems(validator, {"code": "bbb"})] == ["code"]


# The issue's measurement: 21 characters that `regex` would write out into two million nodes, holding the
# GIL, each distinct one kept in a cache of compiled patterns.
HUGE = "(?:(?:a{1000}){2000})"


@pytest.mark.parametrize("pattern", [HUGE, "a{100000}", "(?:ab){3000}", "[a-z]" * 201, "x" * 1001,
                                     "(?:(?:(?:a{20}){20}){20})"])
def test_a_pattern_too_big_to_compile_is_refused_before_compiling(pattern):
    """Measured in memory, which the machine's load does not change: compiling the first one takes about
    430 MB and seconds holding the GIL."""
    tracemalloc.start()
    try:
        with pytest.raises(patterns.PatternUnusable):
            patterns.compiled(pattern)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 500_000, peak


@pytest.mark.parametrize("pattern", ["^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$", r"\S", ".{0,100000}", "(?:[a-z]{1,64}\\.){1,150}",
                                     r"^\p{L}+$", "(?<year>[0-9]{4})-(?P=year)", "a{4000}", "(?=x)(?!y)(?<=z)"])
def test_ordinary_patterns_compile(pattern):
    assert patterns.size(pattern) <= patterns.MAX_UNITS
    patterns.compiled(pattern)


def test_a_format_regex_value_too_big_is_a_problem_and_leaves_nothing_cached():
    validator = Validator({"type": "object", "properties": {"r": {"type": "string", "format": "regex"}}},
                          format_checker=patterns.with_regex_format(Validator.FORMAT_CHECKER))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for count in range(5):
            value = f"(?:(?:a{{1000}}){{{2000 + count}}})"
            assert problems(validator, {"r": value}) == [{"name": "r", "message": patterns.TOO_BIG}]
        # ordinary values are compiled and dropped: neither our cache nor regex's own keeps them
        for count in range(50):
            assert problems(validator, {"r": f"a{{{count + 4000}}}"}) == []
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 1_000_000, kept  # 50 patterns of 4,000 nodes compiled: about 25 MB if kept


def test_a_schemas_compiled_patterns_go_with_its_validator():
    validator = Validator({"type": "object", "properties": {"code": {"type": "string", "pattern": "^a+$"}}})
    assert problems(validator, {"code": "aaa"}) == []
    assert patterns._CACHES[id(validator)]["^a+$"].search("a")
    key = id(validator)
    del validator
    gc.collect()
    assert key not in patterns._CACHES


def test_an_upload_with_a_huge_pattern_is_refused_by_the_meta_schema_check():
    from jsonschema.exceptions import SchemaError
    from hyperdiary.schemas import check_document
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.org/x:1",
                "type": "object", "properties": {"code": {"type": "string", "pattern": HUGE}}}
    tracemalloc.start()
    try:
        found = check_document(document)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, peak  # compiling it: about 430 MB
    assert found is not None and found.field == "properties.code.pattern", found
