"""The JSON Schemas of the fixed resource kinds (journal, tag, goal, mood ...): one file per kind in the
top of the `schemas/` folder, loaded and checked at start, each validator built once.

A deployment tightens or extends what a kind accepts by editing its file (a longer title, another
mood), without touching code. Views validate a body with `request.bodies.check(kind, data)`, which
raises one 400 naming every failing field, in the same words as diary entries' validation.
"""
import datetime
import json
import pathlib

import jsonschema_specifications
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

from . import images, patterns
from .errors import ValidationFailure, problem, quoted
from .inputs import parse_datetime

_CHOICE_VALIDATORS = frozenset({"oneOf", "enum", "const"})


def _join(path, name):
    return f"{path}.{name}" if path else str(name)


def problems(validator, data, order=()) -> list[dict]:
    """Every way `data` fails the validator's schema, one problem per field, named by dotted path
    (`title`, `reasons.2`, `details.weight.unit`), in the order of `order` (the schema's properties).
    When there is none, each image in `data` is replaced (in place) by its copy without metadata
    (images.py)."""
    found = []
    try:
        with patterns.budget(owner=validator), images.collecting() as cleaned:
            errors = list(validator.iter_errors(data))
    except patterns.PatternTimeout as trouble:
        # Wherever the pattern sat (inside `not` or `anyOf` too), the body is refused, naming the field.
        message = patterns.UNUSABLE if isinstance(trouble, patterns.PatternUnusable) else patterns.TOO_LONG
        return [problem(patterns.path_of(data, trouble.where), message)]
    for error in errors:
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "format" and error.validator_value == "regex":
            found.append(problem(path or "body", patterns.TOO_BIG if _too_big(error.instance)
                                 else f"{quoted(error.instance)} is not a usable regular expression."))
        elif error.validator == "required":
            found += [problem(_join(path, name), "Required input is missing.")
                      for name in error.validator_value if name not in error.instance]
        elif error.validator in ("additionalProperties", "unevaluatedProperties"):
            known = error.schema.get("properties", {})
            found += [problem(_join(path, name), "Unknown field.") for name in error.instance if name not in known]
        elif error.validator in _CHOICE_VALIDATORS:
            found.append(problem(path or "body", f"{quoted(error.instance)} is not one of the allowed choices."))
        else:
            # jsonschema quotes the whole value ("'xxx…' is too long"): at most QUOTED characters of it.
            found.append(problem(path or "body", error.message.replace(repr(error.instance), quoted(error.instance))))
    # jsonschema reports `required` once per missing property, each with the whole list: keep one of each.
    found = list({(p["name"], p["message"]): p for p in found}.values())
    position = {name: index for index, name in enumerate(order)}
    found.sort(key=lambda p: (position.get(p["name"].split(".")[0], len(position)), p["name"]))
    if not found:
        images.replace(data, cleaned)  # what is stored is each image without its metadata
    return found


def _too_big(pattern) -> bool:
    try:
        patterns.size(pattern)
    except patterns.PatternUnusable:
        return isinstance(pattern, str)
    return False


# --- the validator class -----------------------------------------------------------------------------------
# jsonschema checks `uniqueItems` by sorting the array and, when its items do not sort (objects, or numbers
# mixed with strings), by comparing every pair: 8,000 small objects in a 100 kB body held a worker for two
# minutes, a 1 MiB body for hours. Every schema here (resource kinds, entry types, uploads, subject-log
# types) is checked by Validator, which compares hashable canonical forms in one pass instead.


def _canonical(value):
    """A hashable form of a JSON value, equal for values JSON Schema calls equal: numbers by value (1 and
    1.0), objects whatever their key order, and true never equal to 1."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, dict):
        return ("object", frozenset((key, _canonical(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return ("array", tuple(_canonical(item) for item in value))
    return (type(value).__name__, value)


def _unique_items(validator, unique, instance, schema):
    if unique and validator.is_type(instance, "array"):
        seen = set()
        for item in instance:
            key = _canonical(item)
            if key in seen:
                yield ValidationError(f"{instance!r} has non-unique elements")
                return
            seen.add(key)


# Every pattern of a schema (`pattern`, `patternProperties`, and what `additionalProperties` and
# `unevaluatedProperties` match through them) runs in hyperdiary/patterns.py, under one time budget per
# validation and without holding the GIL.
# A field with `contentMediaType: image/...` takes an image, cleaned of its metadata (hyperdiary/images.py).
Validator = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items, **patterns.KEYWORDS,
                                                     "contentMediaType": images.content_media_type})


# --- formats ------------------------------------------------------------------------------------------
# Resource bodies follow the contract's reading of dates (docs/decisions.md): a date-time without an
# offset is UTC, so the schemas' "format": "date-time" accepts what the views will parse, no more and
# no less. (jsonschema's own checker wants RFC 3339, which requires the offset.)
FORMAT_CHECKER = patterns.with_regex_format(FormatChecker(()))


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if isinstance(value, str):
        parse_datetime(value)
    return True


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    if isinstance(value, str):
        if len(value) != 10:
            raise ValueError("Expected a date such as 2024-05-01.")
        datetime.date.fromisoformat(value)
    return True


@FORMAT_CHECKER.checks("time", raises=ValueError)
def _is_time(value) -> bool:
    if isinstance(value, str):
        datetime.time.fromisoformat(value)
    return True


# --- the schemas of the resource kinds ------------------------------------------------------------------


class BodySchema:
    """One resource kind's JSON Schema and its cached validator."""

    __slots__ = ("kind", "document", "validator", "properties", "limits")
    # What a file of this class is, in the message that stops start-up.
    what = "Resource schema"

    def __init__(self, kind: str, document):
        Draft202012Validator.check_schema(document, format_checker=patterns.with_regex_format(
            Draft202012Validator.FORMAT_CHECKER))
        if not isinstance(document, dict) or document.get("type") != "object":
            raise ValueError('The schema of a resource kind must have "type": "object".')
        self.kind = kind
        self.document = document
        self.properties = document.get("properties", {})
        # {field: the most characters its column holds}, whatever the file allows (set by includeme).
        self.limits = {}
        # An explicit registry: nothing is fetched over the network, whatever a $ref says.
        self.validator = Validator(document, registry=jsonschema_specifications.REGISTRY,
                                   format_checker=FORMAT_CHECKER)

    def problems(self, data) -> list[dict]:
        found = problems(self.validator, data, self.properties)
        if isinstance(data, dict):
            named = {p["name"] for p in found}
            found += [problem(name, f"At most {limit} characters.") for name, limit in self.limits.items()
                      if isinstance(data.get(name), str) and len(data[name]) > limit and name not in named]
        return found

    def check(self, data):
        """`data` itself when it fits; a 400 naming every failing field otherwise."""
        found = self.problems(data)
        if found:
            raise ValidationFailure("Invalid JSON input", found)
        return data


def load_kinds(folder, schema_class=BodySchema) -> dict[str, BodySchema]:
    """Every `*.json` directly in the folder, by file name (`journal.json` is the kind `journal`), each
    a `schema_class` (BodySchema or a subclass with checks of its own); raises ValueError naming the
    first file that is not a usable schema."""
    kinds = {}
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        try:
            kinds[path.stem] = schema_class(path.stem, json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, SchemaError) as error:
            message = error.message if isinstance(error, SchemaError) else str(error)
            raise ValueError(f"{schema_class.what} {path} is not usable: {message}") from error
    return kinds


class Bodies:
    """The resource kinds' schemas, by kind."""

    def __init__(self, kinds: dict[str, BodySchema]):
        self.kinds = kinds

    def __getitem__(self, kind) -> BodySchema:
        return self.kinds[kind]

    def check(self, kind: str, data):
        return self.kinds[kind].check(data)


def column_limits(model, names) -> dict[str, int]:
    """{name: length} of the model's columns among `names` that hold at most `length` characters."""
    columns = model.__table__.columns
    return {name: columns[name].type.length for name in names
            if name in columns and getattr(columns[name].type, "length", None)}


def includeme(config):
    bodies = Bodies(load_kinds(config.get_settings()["hyperdiary.schemas_dir"]))
    # A deployment may let a kind's file accept longer text than a column holds (or drop a maxLength):
    # PostgreSQL would refuse it with a 500 where SQLite stores it. The columns' lengths hold whatever
    # the file says, as a 400 naming the field.
    # (kinds.add_record_kind does it for a record kind's body; a body a hand-written view checks names its
    # table with `config.add_body_columns`.)
    config.registry["bodies"] = bodies
    config.add_directive("add_body_columns", add_body_columns)


def add_body_columns(config, body: str, model):
    """`config.add_body_columns("tagtype", TagType)`: a field of the body named like a column of `model` is
    stored in that column, and a text longer than the column holds is a 400."""
    bodies = config.registry["bodies"]
    if body in bodies.kinds:
        bodies.kinds[body].limits = column_limits(model, bodies.kinds[body].properties)
