"""Entry schemas: JSON Schema (Draft 2020-12) documents that define the types of diary entries.

The shipped ones are read from the `schemas/diary/` folder at start (a bad file stops start-up, naming
the file); uploaded ones live in the database. Either way a schema is immutable, so each process may
cache what it built from it (the validator, the field descriptor) for as long as it runs.
"""
import hashlib
import json
import pathlib
from urllib.parse import unquote

import jsonschema_specifications
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .bodies import Validator
from .patterns import with_regex_format
from .scoring import ScoringProblem, scoring_of

FIELD_TYPES = ("text", "integer", "number", "boolean", "choice", "multichoice", "image", "date", "datetime")
# Names an entry's own envelope uses; a schema may not define fields with these names.
RESERVED_FIELDS = frozenset({"dt"})
# What the columns that hold an $id take (stored schemas, entries' types): PostgreSQL refuses longer.
# The longest $id: the length of the column that holds uploaded schemas' $ids (diary/models.py: StoredSchema).
ID_LENGTH = 500


class SchemaProblem(ValueError):
    """Why a document is not a usable entry schema; `field` names the property at fault, if one is."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def schema_key(schema_id: str) -> str:
    """A short, URL-safe, stable name for a schema's resource ($ids hold '#', ':' and '/')."""
    return hashlib.sha256(schema_id.encode("utf-8")).hexdigest()[:24]


def _non_null_type(prop):
    types = prop.get("type")
    if isinstance(types, list):
        types = [t for t in types if t != "null"]
        return types[0] if len(types) == 1 else None
    return types


def _choices(prop):
    """Labelled choices: `oneOf` of {const, title[, x-icon]} (or a plain `enum`), else None."""
    if "oneOf" in prop and all(isinstance(o, dict) and "const" in o for o in prop["oneOf"]):
        return [
            {"name": o.get("title", str(o["const"])), "value": o["const"], "icon": o.get("x-icon")}
            for o in prop["oneOf"]
        ]
    if isinstance(prop.get("enum"), list):
        return [{"name": str(v), "value": v, "icon": None} for v in prop["enum"] if v is not None]
    return None


def field_type(prop) -> tuple[str, list | None]:
    """The descriptor type of a schema property, and its choices where it has them."""
    media = prop.get("contentMediaType")
    if isinstance(media, str) and media.startswith("image/"):
        return "image", None
    choices = _choices(prop)
    if choices is not None:
        return "choice", choices
    json_type = _non_null_type(prop)
    if json_type == "array":
        items = prop.get("items")
        item_choices = _choices(items) if isinstance(items, dict) else None
        if item_choices is not None:
            return "multichoice", item_choices
        raise SchemaProblem("An array field must have labelled choices as its items.")
    if json_type == "string":
        return {"date": "date", "date-time": "datetime"}.get(prop.get("format"), "text"), None
    if json_type in ("integer", "number", "boolean"):
        return json_type, None
    raise SchemaProblem(f"Unsupported field type {prop.get('type')!r}; use one of: {', '.join(FIELD_TYPES)}.")


def field_descriptors(document) -> list[dict]:
    """The Minddistrict-style `fields` of a schema (API.md §5), in the order of its properties."""
    required = set(document.get("required", ()))
    fields = []
    for name, prop in document.get("properties", {}).items():
        if not isinstance(prop, dict):
            raise SchemaProblem("A field must be described by an object.", name)
        prop = _dereferenced(document, prop)
        if isinstance(prop.get("items"), dict):
            prop = dict(prop, items=_dereferenced(document, prop["items"]))
        try:
            kind, choices = field_type(prop)
        except SchemaProblem as problem:
            raise SchemaProblem(problem.message, name) from None
        field = {"name": name, "title": prop.get("title", name), "type": kind, "required": name in required}
        # What a descriptor shows must have the shape the OpenAPI document gives it (Field).
        if "x-widget" in prop and not isinstance(prop["x-widget"], str):
            raise SchemaProblem("x-widget must be a string (such as \"slider\").", name)
        if any(not isinstance(choice["icon"], (str, type(None))) for choice in choices or ()):
            raise SchemaProblem("x-icon must be a string.", name)
        if choices is not None:
            field["choices"] = choices
        for key, target in (("minimum", "min"), ("maximum", "max")):
            if key in prop:
                field[target] = prop[key]
        if kind == "multichoice":
            if "minItems" in prop:
                field["min"] = prop["minItems"]
            if "maxItems" in prop:
                field["max"] = prop["maxItems"]
        if kind == "text":
            if "minLength" in prop:
                field["min"] = prop["minLength"]
            if "maxLength" in prop:
                field["max"] = prop["maxLength"]
        for key, target in (("default", "default"), ("description", "description"), ("x-widget", "widget")):
            if key in prop:
                field[target] = prop[key]
        fields.append(field)
    return fields


# The standard formats, with `format: regex` compiled by the module that matches patterns (patterns.py).
ENTRY_FORMATS = with_regex_format(Draft202012Validator.FORMAT_CHECKER)


class EntrySchema:
    """One entry type: its document, its cached validator and its descriptor (less the request-bound links)."""

    __slots__ = ("id", "key", "document", "validator", "fields", "field_names", "required", "descriptor", "source",
                 "scoring")

    def __init__(self, document, source="upload"):
        problem = check_document(document)
        if problem is not None:
            raise problem
        self.id = document["$id"]
        self.key = schema_key(self.id)
        self.document = document
        self.source = source
        # An explicit registry: without one, jsonschema still fetches remote $refs over the network
        # (deprecated behaviour), which would let a schema's author make the server call any URL.
        self.validator = Validator(document, registry=jsonschema_specifications.REGISTRY,
                                   format_checker=ENTRY_FORMATS)
        self.fields = field_descriptors(document)
        self.field_names = tuple(f["name"] for f in self.fields)
        self.required = frozenset(document.get("required", ()))
        # How its entries are scored (API.md §13), or None: scoring.py.
        self.scoring = scoring_of(document, _properties(document))
        self.descriptor = {
            "@id": self.id,
            "title": document.get("title", self.id),
            "description": document.get("description"),
            "fields": self.fields,
            "charts": document.get("x-charts", []),
            "resources": document.get("x-resources", []),
        }


def check_document(document) -> SchemaProblem | None:
    """Is this a Draft 2020-12 schema of an object whose fields we can describe?"""
    if not isinstance(document, dict):
        return SchemaProblem("A schema must be a JSON object.")
    declared = document.get("$schema", Draft202012Validator.META_SCHEMA["$id"])
    if declared != Draft202012Validator.META_SCHEMA["$id"]:
        return SchemaProblem(f"$schema must be {Draft202012Validator.META_SCHEMA['$id']!r}.", "$schema")
    try:
        # Its patterns compiled by the module that will match them (patterns.py), not by `re`.
        Draft202012Validator.check_schema(document, format_checker=ENTRY_FORMATS)
    except SchemaError as error:
        path = ".".join(str(p) for p in error.path) or None
        return SchemaProblem(f"Not a valid Draft 2020-12 schema: {error.message}", path)
    schema_id = document.get("$id")
    if not isinstance(schema_id, str) or ":" not in schema_id:
        return SchemaProblem("A schema needs an absolute IRI as its $id.", "$id")
    if len(schema_id) > ID_LENGTH:
        return SchemaProblem(f"A schema's $id has at most {ID_LENGTH} characters.", "$id")
    if document.get("type") != "object":
        return SchemaProblem('An entry schema must have "type": "object".', "type")
    properties = document.get("properties")
    if not isinstance(properties, dict) or not properties:
        return SchemaProblem("An entry schema must define its fields in `properties`.", "properties")
    for name in properties:
        if name in RESERVED_FIELDS or name.startswith("@"):
            return SchemaProblem(f"The field name {name!r} is reserved.", f"properties.{name}")
    for key in ("x-charts", "x-resources"):
        if not isinstance(document.get(key, []), list):
            return SchemaProblem(f"{key} must be an array.", key)
    problem = reference_problem(document)
    if problem is not None:
        return problem
    try:
        field_descriptors(document)
    except SchemaProblem as problem:
        return SchemaProblem(problem.message, f"properties.{problem.field}" if problem.field else None)
    try:
        scoring_of(document, _properties(document))
    except ScoringProblem as problem:
        return SchemaProblem(str(problem), "x-scoring")
    return None


def _properties(document) -> dict:
    """The schema's properties, each with its local `$ref` merged in."""
    return {name: _dereferenced(document, prop) for name, prop in document.get("properties", {}).items()}


def _dereferenced(document, prop, depth=0):
    """A property with its local `$ref` merged in (its own keywords win), so that fields defined
    in `$defs` are described like any other."""
    ref = prop.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#") or depth > 8:
        return prop
    target = _resolved(document, ref[1:])
    if not isinstance(target, dict):
        return prop
    merged = dict(_dereferenced(document, target, depth + 1))
    merged.update({key: value for key, value in prop.items() if key != "$ref"})
    return merged


def _references(node, path=()):
    """(path, keyword, value) of every $ref and $dynamicRef in a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef"):
                yield path, key, value
            yield from _references(value, path + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, path + (str(index),))


_MISSING = object()


def _resolved(document, pointer: str):
    """What a JSON pointer (RFC 6901) names inside the document, or _MISSING."""
    node = document
    for token in pointer.lstrip("/").split("/") if pointer.strip("/") else ():
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _MISSING
    return node


def reference_problem(document) -> SchemaProblem | None:
    """A schema may refer only inside itself (`#/$defs/...`): nothing is ever fetched, and a reference
    that does not resolve is refused now rather than failing each validation later."""
    for path, keyword, value in _references(document):
        where = ".".join(path) or None
        if keyword == "$dynamicRef":
            return SchemaProblem("$dynamicRef is not supported in entry schemas.", where)
        if not isinstance(value, str) or not value.startswith("#"):
            return SchemaProblem(f"$ref {value!r} points outside the schema; only local references "
                                 "(#/$defs/...) are allowed.", where)
        if _resolved(document, value[1:]) is _MISSING:
            return SchemaProblem(f"$ref {value!r} does not resolve inside the schema.", where)
    return None


def load_folder(folder) -> dict[str, EntrySchema]:
    """Every `*.json` in the folder, checked; raises ValueError naming the first bad file."""
    schemas = {}
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            schema = EntrySchema(document, source="shipped")
        except (ValueError, SchemaProblem) as error:
            raise ValueError(f"Entry schema {path} is not usable: {error}") from error
        if schema.id in schemas:
            raise ValueError(f"Entry schema {path} repeats the $id {schema.id!r}.")
        schemas[schema.id] = schema
    return schemas


def shipped_schemas(settings) -> dict[str, EntrySchema]:
    return load_folder(pathlib.Path(settings["hyperdiary.schemas_dir"]) / "diary")


def default_diary_schemas(settings, shipped) -> list[str]:
    """The $ids a new diary starts with: the setting, or else every shipped diary schema but the scored
    questionnaires, which a professional assigns (docs/decisions.md, "Questionnaires")."""
    defaults = settings.get("hyperdiary.diary.default_schemas", "").split()
    unknown = [i for i in defaults if i not in shipped]
    if unknown:
        raise ValueError(f"hyperdiary.diary.default_schemas names unknown schemas: {', '.join(unknown)}")
    return defaults or [schema_id for schema_id, schema in shipped.items() if schema.scoring is None]
