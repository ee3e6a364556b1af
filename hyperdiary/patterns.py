"""Every regular expression that comes from a JSON Schema is matched here, with one time budget.

A schema's author (a professional uploading an entry type, a deployment's subject-log types) writes
regular expressions that run on what other people send. Python's `re` has no time limit and holds the GIL
while it backtracks: `"patternProperties": {"^(b+)+$": ...}` and a 40-character key of `b`s plus a `!`
froze a whole server process, every other request included, until it was killed. Here they run on the
`regex` module with `timeout=` (the budget left) and `concurrent=True` (the GIL is released while it
matches, so other requests go on), and a match that runs out of time is a validation error at that
field ("took too long"): a 400 naming it, not a stuck worker.

jsonschema matches schema patterns with `re` in several places: the keywords `pattern` and
`patternProperties`, and inside `additionalProperties` and `unevaluatedProperties` (which ask which keys
some pattern of `patternProperties` matches; `propertyNames` descends into a `pattern`). Rather than
rewrite those keyword functions, KEYWORDS holds copies of jsonschema's own, whose module globals name
`re` as this module's matcher (`_BudgetedRe`): every path that jsonschema has for a schema's regular
expression goes through `search` below, and a new use of `re` in those two modules is covered too.
`format: regex` only compiles its text (nothing is matched); it is checked with the same `regex` module.
"""
import contextlib
import contextvars
import functools
import time
import types

import regex
from jsonschema import FormatChecker, _keywords, _utils
from jsonschema.exceptions import ValidationError

# Seconds that all the pattern matching of one validation (one body, one entry) may take together.
BUDGET = 0.25
_DEADLINE = contextvars.ContextVar("pattern_deadline", default=None)

TOO_LONG = "Checking this against the schema's pattern took too long."
UNUSABLE = "The schema's pattern cannot be used."


class PatternTimeout(Exception):
    """A schema's pattern ran out of the time budget of this validation."""


class PatternUnusable(Exception):
    """A schema's pattern that the `regex` module cannot compile."""


@contextlib.contextmanager
def budget(seconds: float = BUDGET):
    """One time budget for every match made inside the block (a validation); nested blocks share the
    outer one."""
    if _DEADLINE.get() is not None:
        yield
        return
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str):
    try:
        return regex.compile(pattern)
    except (regex.error, TypeError, ValueError, OverflowError, RecursionError) as error:
        raise PatternUnusable(pattern) from error


def search(pattern: str, text: str):
    """`regex.search` within what is left of the budget (all of it outside a `budget()` block), with
    the GIL released; PatternTimeout when it runs out, PatternUnusable for a pattern regex refuses."""
    deadline = _DEADLINE.get()
    left = BUDGET if deadline is None else deadline - time.monotonic()
    if left <= 0:
        # Spent (a match before ran out): `regex` checks its clock only now and then, and would overshoot
        # a tiny timeout by as much as a whole budget.
        raise PatternTimeout(pattern)
    try:
        return _compiled(pattern).search(text, timeout=left, concurrent=True)
    except TimeoutError:
        raise PatternTimeout(pattern) from None


class _BudgetedRe:
    """What jsonschema's keyword modules see as `re` (they only call `re.search`)."""

    search = staticmethod(search)
    error = regex.error


def _rebound(function, namespace: dict):
    copy = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                              function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    return copy


def _rebind_module(module, replacements: dict) -> dict:
    """The module's namespace with `replacements`, its own functions copied so that they look up names
    (`re`, each other) in the new namespace."""
    namespace = dict(vars(module), **replacements)
    for name, value in vars(module).items():
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            namespace[name] = _rebound(value, namespace)
    return namespace


_UTILS = _rebind_module(_utils, {"re": _BudgetedRe})
# _keywords imported some helpers from _utils by name: they are the rebound copies here.
_KEYWORDS = _rebind_module(_keywords, {"re": _BudgetedRe, **{
    name: _UTILS[name] for name, value in vars(_keywords).items()
    if isinstance(value, types.FunctionType) and value.__module__ == _utils.__name__}})


def _guarded(keyword):
    """A keyword function whose pattern trouble is an error at the instance it checks."""

    def check(validator, value, instance, schema):
        try:
            yield from keyword(validator, value, instance, schema)
        except PatternTimeout:
            yield ValidationError(TOO_LONG)
        except PatternUnusable:
            yield ValidationError(UNUSABLE)

    check.__name__ = keyword.__name__
    return check


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and search(pattern, instance) is None:
        shown = instance if len(instance) <= 100 else instance[:100] + "…"
        yield ValidationError(f"{shown!r} does not match {pattern!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    """jsonschema's patternProperties, naming the key whose match ran out of time."""
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            try:
                matched = search(pattern, key)
            except PatternTimeout:
                yield ValidationError(TOO_LONG, path=(key,))
                continue
            if matched:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


# The keywords that match a schema's patterns, for `validators.extend` (bodies.Validator).
KEYWORDS = {name: _guarded(_KEYWORDS[name]) for name in ("additionalProperties", "unevaluatedProperties")}
KEYWORDS["patternProperties"] = _guarded(_pattern_properties)
KEYWORDS["pattern"] = _guarded(_pattern)


def with_regex_format(checker: FormatChecker) -> FormatChecker:
    """A copy of `checker` whose `format: regex` compiles with the `regex` module, which is what will
    match it (nothing is matched: compiling takes no budget)."""
    copy = FormatChecker(())
    copy.checkers = dict(checker.checkers)

    @copy.checks("regex", raises=PatternUnusable)
    def _is_regex(value) -> bool:
        if isinstance(value, str):
            _compiled(value)
        return True

    return copy
