"""Every way a schema's regular expression reaches a match runs under the one time budget of
hyperdiary/patterns.py: `pattern`, `patternProperties`, `additionalProperties` and
`unevaluatedProperties` (which match keys against `patternProperties`), `propertyNames` (a `pattern`
on keys). Each case below takes exponential time with Python's `re` (hours at these lengths)."""
import threading
import time

import pytest

from hyperdiary import patterns
from hyperdiary.bodies import Validator, problems

EVIL = "^(b|b)+$"  # the `regex` module backtracks on this one too (it handles ^(b+)+$)
KEY = "b" * 40 + "!"

CASES = {
    "pattern": ({"properties": {"code": {"type": "string", "pattern": EVIL}}}, {"code": KEY}, "code"),
    "patternProperties": ({"patternProperties": {EVIL: {"type": "string"}}}, {KEY: "x"}, KEY),
    "additionalProperties": ({"patternProperties": {EVIL: {}}, "additionalProperties": False}, {KEY: "x"}, "body"),
    "unevaluatedProperties": ({"patternProperties": {EVIL: {}}, "unevaluatedProperties": False}, {KEY: "x"}, "body"),
    "propertyNames": ({"propertyNames": {"pattern": EVIL}}, {KEY: "x"}, "body"),
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
