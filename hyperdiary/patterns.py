"""Every regular expression that comes from a JSON Schema or a body is compiled and matched here, under a
size budget (compiling) and a time budget (matching).

A schema's author (a professional uploading an entry type, a deployment's subject-log types) writes
regular expressions that run on what other people send, and a `format: "regex"` field takes a regular
expression from the body itself. Two ways they stalled a server:

- Matching. Python's `re` has no time limit and holds the GIL while it backtracks:
  `"patternProperties": {"^(b+)+$": ...}` and a 40-character key of `b`s plus a `!` froze a whole server
  process. Here matches run on the `regex` module with `timeout=` (the budget left) and `concurrent=True`
  (the GIL is released while it matches, so other requests go on).
- Compiling. `regex` (like `re`) writes out a counted repeat: `(?:(?:a{1000}){2000})`, 21 characters,
  compiles to two million nodes, holding the GIL, and every distinct pattern stayed in a cache of compiled
  patterns (ours, and `regex`'s own): five POSTs took a server from 104 to 1,707 MB. Before anything is
  compiled, `size` parses the pattern (Python's own parser, which writes nothing out) and counts the nodes
  it would compile to; more than MAX_UNITS (or a text longer than MAX_LENGTH) is refused as unusable. What
  is left compiles in at most a few tens of milliseconds and about a megabyte.

Nothing a body controls is cached: `regex`'s own cache is bypassed (`cache_pattern=False`), a `format:
regex` value is compiled, checked and dropped, and a schema's compiled patterns are kept only with the
validator of that schema (`budget(owner=...)`, at most CACHE_UNITS of them), so they go when it goes.

A pattern that runs out of time, or cannot be used, raises out of the whole validation (PatternTimeout,
PatternUnusable), through `not`, `anyOf`, `if` and every other keyword alike: inside `not` a time-out
counted as "no match", so the value the schema refuses was accepted and stored. `bodies.problems` turns it
into a 400 naming the field (the instance that was being matched).

jsonschema matches schema patterns with `re` in several places: the keywords `pattern` and
`patternProperties`, and inside `additionalProperties` and `unevaluatedProperties` (which ask which keys
some pattern of `patternProperties` matches; `propertyNames` descends into a `pattern`). Rather than
rewrite those keyword functions, KEYWORDS holds copies of jsonschema's own, whose module globals name
`re` as this module's matcher (`_BudgetedRe`): every path that jsonschema has for a schema's regular
expression goes through `search` below, and a new use of `re` in those two modules is covered too.
"""
import contextlib
import contextvars
import re
import time
import types
import weakref
from re import _constants as sre
from re import _parser as sre_parse

import regex
from jsonschema import FormatChecker, _keywords, _utils
from jsonschema.exceptions import ValidationError

# Seconds that all the pattern matching of one validation (one body, one entry) may take together.
BUDGET = 0.25
# The most characters a pattern may have, and the most nodes it may compile to (a literal, a class, a
# group; a counted repeat counts its item as often as `regex` writes it out). 5,000 nodes compile in
# about 0.05 s (0.25 s for character classes) into about 0.7 MB (1.3 MB at the peak), measured.
MAX_LENGTH = 1000
MAX_UNITS = 5000
# The most nodes of compiled patterns one schema's validator keeps (beyond that it compiles each time).
CACHE_UNITS = 20000

TOO_LONG = "Checking this against the schema's pattern took too long."
UNUSABLE = "The schema's pattern cannot be used."
TOO_BIG = (f"A regular expression here may have at most {MAX_LENGTH} characters and compile to at most "
           f"{MAX_UNITS} parts (a counted repeat such as a{{1000}} counts as often as it repeats).")


class PatternTimeout(Exception):
    """A pattern ran out of the time budget of this validation. `where` is (the instance being checked,
    the key of it that was matched or None), for naming the field."""

    def __init__(self, pattern, text=None):
        super().__init__(pattern)
        self.text = text
        self.where = None

    def locate(self, instance):
        if self.where is None:
            key = self.text if isinstance(instance, dict) and self.text in instance else None
            self.where = (instance, key)


class PatternUnusable(PatternTimeout):
    """A pattern that is too big to compile within the budget, or that `regex` cannot compile."""


_STATE = contextvars.ContextVar("pattern_budget", default=None)  # (deadline, cache or None)
# {id(owner): {pattern: compiled}}: each schema validator's compiled patterns, dropped with it.
_CACHES: dict[int, dict] = {}


def _cache_of(owner) -> dict:
    key = id(owner)
    cache = _CACHES.get(key)
    if cache is None:
        cache = _CACHES[key] = {}
        weakref.finalize(owner, _CACHES.pop, key, None)
    return cache


@contextlib.contextmanager
def budget(seconds: float = BUDGET, owner=None):
    """One time budget for every match made inside the block (a validation); nested blocks share the
    outer one. `owner` (a schema's validator) keeps the compiled patterns of its schema."""
    if _STATE.get() is not None:
        yield
        return
    token = _STATE.set((time.monotonic() + seconds, None if owner is None else _cache_of(owner)))
    try:
        yield
    finally:
        _STATE.reset(token)


# What Python's parser does not read of the syntax that `regex` (and ECMA-262) have, written as something
# of the same size for counting: a Unicode property, a named group without the P.
_FOR_COUNTING = ((re.compile(r"\\[pP]\{[^}]*\}"), "x"), (re.compile(r"\(\?<(?![=!])"), "(?P<"))
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def _units(items) -> int:
    """The nodes a parsed pattern compiles to (stops counting past MAX_UNITS)."""
    total = 0
    for op, av in items:
        if op in _REPEATS:
            low, high, item = av
            # regex writes out `low` copies of the item, and one more for the rest of the range.
            total += (max(low, 1) + (high != low)) * _units(item)
        elif op is sre.SUBPATTERN:
            total += 1 + _units(av[3])
        elif op is sre.BRANCH:
            total += 1 + sum(_units(branch) for branch in av[1])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            total += 1 + _units(av[1])
        elif op is sre.ATOMIC_GROUP:
            total += 1 + _units(av)
        elif op is sre.GROUPREF_EXISTS:
            total += 1 + _units(av[1]) + (_units(av[2]) if av[2] else 0)
        else:
            total += 1
        if total > MAX_UNITS:
            return total
    return total


def size(pattern) -> int:
    """The nodes `pattern` would compile to; PatternUnusable when it is not a string, too long, too big,
    or not a pattern Python's parser reads."""
    if not isinstance(pattern, str) or len(pattern) > MAX_LENGTH:
        raise PatternUnusable(pattern)
    counted = pattern
    for finder, replacement in _FOR_COUNTING:
        counted = finder.sub(replacement, counted)
    try:
        units = _units(sre_parse.parse(counted))
    except (re.error, TypeError, ValueError, OverflowError, RecursionError, IndexError, AssertionError):
        raise PatternUnusable(pattern) from None
    if units > MAX_UNITS:
        raise PatternUnusable(pattern)
    return units


def compiled(pattern: str):
    """`pattern` compiled by `regex`, within the size budget, cached nowhere."""
    size(pattern)
    try:
        return regex.compile(pattern, cache_pattern=False)
    except (regex.error, TypeError, ValueError, OverflowError, RecursionError) as error:
        raise PatternUnusable(pattern) from error


def _compiled_for_schema(pattern: str, cache: dict | None):
    if cache is None:
        return compiled(pattern)
    found = cache.get(pattern)
    if found is None:
        found = compiled(pattern)
        if cache.get("", 0) + size(pattern) <= CACHE_UNITS:
            cache[pattern] = found
            cache[""] = cache.get("", 0) + size(pattern)  # ("" is not a pattern that is ever compiled)
    return found


def search(pattern: str, text: str):
    """`regex.search` within what is left of the budget (all of it outside a `budget()` block), with
    the GIL released; PatternTimeout when it runs out, PatternUnusable for a pattern that cannot be used."""
    state = _STATE.get()
    deadline, cache = (time.monotonic() + BUDGET, None) if state is None else state
    if deadline - time.monotonic() <= 0:
        # Spent (a match before ran out): `regex` checks its clock only now and then, and would overshoot
        # a tiny timeout by as much as a whole budget.
        raise PatternTimeout(pattern, text)
    found = _compiled_for_schema(pattern, cache)
    left = deadline - time.monotonic()
    if left <= 0:
        raise PatternTimeout(pattern, text)
    try:
        return found.search(text, timeout=left, concurrent=True)
    except TimeoutError:
        raise PatternTimeout(pattern, text) from None


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
    """A keyword function whose pattern trouble leaves the whole validation, saying which instance it was
    checking (an error yielded here would be "no match" inside `not`, a pass)."""

    def check(validator, value, instance, schema):
        try:
            yield from keyword(validator, value, instance, schema)
        except PatternTimeout as trouble:
            trouble.locate(instance)
            raise

    check.__name__ = keyword.__name__
    return check


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and search(pattern, instance) is None:
        shown = instance if len(instance) <= 100 else instance[:100] + "…"
        yield ValidationError(f"{shown!r} does not match {pattern!r}")


# The keywords that match a schema's patterns, for `validators.extend` (bodies.Validator).
KEYWORDS = {name: _guarded(_KEYWORDS[name])
            for name in ("additionalProperties", "unevaluatedProperties", "patternProperties")}
KEYWORDS["pattern"] = _guarded(_pattern)


def path_of(data, where) -> str:
    """The dotted path (as bodies.problems names fields) of the instance a PatternTimeout was checking:
    found by identity in `data` (a key's match is named by the key), "body" when it is the whole body."""
    target, key = where if where is not None else (None, None)
    stack = [("", data)]
    while stack:
        path, item = stack.pop()
        if item is target:
            return ".".join(p for p in (path, None if key is None else str(key)) if p) or "body"
        if isinstance(item, dict):
            for name in item:
                if name is target:  # propertyNames: the key itself was matched
                    return f"{path}.{name}" if path else str(name)
        if isinstance(item, (dict, list)):
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            # In document order: equal strings may be one object (the first is named).
            stack.extend(reversed([(f"{path}.{name}" if path else str(name), inner) for name, inner in pairs]))
    return "body"


def with_regex_format(checker: FormatChecker) -> FormatChecker:
    """A copy of `checker` whose `format: regex` compiles with the `regex` module, which is what would
    match it, within the size budget, and keeps nothing (the value comes from a body)."""
    copy = FormatChecker(())
    copy.checkers = dict(checker.checkers)

    @copy.checks("regex", raises=PatternUnusable)
    def _is_regex(value) -> bool:
        if isinstance(value, str):
            compiled(value)
        return True

    return copy
