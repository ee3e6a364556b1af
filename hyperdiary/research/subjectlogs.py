"""Subject-log types and the entries of subject logs (RESOURCES.md, "Subjects and subject logs").

Each type is one JSON Schema file in `schemas/subjectlog/`; the file name is the type's name
(`Weighing.json` is the type `Weighing`). The schema describes an entry's `details`, and its keyword
`x-entries` says whether the type's entries are instants (`{date_time, notes, details}`) or intervals
(`{start_date_time, end_date_time, notes, details}`). The files are loaded at start like the resource
kinds of hyperdiary.bodies (a bad file stops start-up, naming the file).

An entry is checked in one pass, by a validator built once per type: the entry's envelope (its times
and notes, nothing else) with `details` referring to the type's schema through an explicit registry
(so nothing is ever fetched). Every problem is thus named by its dotted path (`details.weight.unit`).
"""
import datetime
import pathlib
import re

import jsonschema_specifications
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from ..bodies import FORMAT_CHECKER, BodySchema, Validator, load_kinds, problems
from ..errors import Missing, ValidationFailure, problem
from ..inputs import parse_datetime
from .models import SubjectLogEntry
from ..records import insert_new
from ..schemas import reference_problem

# The entry shapes, by the value of `x-entries`: the times each entry has (the first one identifies it).
SHAPES = {"instant": ("date_time",), "interval": ("start_date_time", "end_date_time")}

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DATE_TIME = {"type": "string", "format": "date-time"}
_NOTES = {"type": ["string", "null"]}

INVALID = "Invalid JSON input"


class SubjectLogType(BodySchema):
    """One subject-log type: the JSON Schema of its entries' `details`, and the validator of a whole entry."""

    __slots__ = ("id", "shape", "times", "key", "entry_validator", "entry_order", "defaults")
    what = "Subject-log type"

    def __init__(self, name: str, document):
        super().__init__(name, document)
        if not _NAME.match(name):
            raise ValueError("The file name is the type's name: letters, digits and _, starting with a letter.")
        declared = document.get("$schema", Draft202012Validator.META_SCHEMA["$id"])
        if declared != Draft202012Validator.META_SCHEMA["$id"]:
            raise ValueError(f"$schema must be {Draft202012Validator.META_SCHEMA['$id']!r}.")
        self.id = document.get("$id")
        if not isinstance(self.id, str) or ":" not in self.id or "#" in self.id:
            raise ValueError("A type needs an absolute IRI without a fragment as its $id (with a version: `…/Weighing:1`).")
        if document.get("additionalProperties") is not False:
            raise ValueError('A type must say "additionalProperties": false, so that no unknown detail is stored.')
        self.shape = document.get("x-entries")
        if self.shape not in SHAPES:
            raise ValueError(f'"x-entries" must be one of {", ".join(SHAPES)}: the shape of the type\'s entries.')
        found = reference_problem(document)
        if found is not None:
            raise ValueError(found.message)
        self.times = SHAPES[self.shape]
        self.key = self.times[0]
        envelope = {
            "type": "object",
            "additionalProperties": False,
            "required": list(self.times),
            "properties": {**{name: _DATE_TIME for name in self.times}, "notes": _NOTES, "details": {"$ref": self.id}},
        }
        registry = jsonschema_specifications.REGISTRY.with_resource(self.id, DRAFT202012.create_resource(document))
        self.entry_validator = Validator(envelope, registry=registry, format_checker=FORMAT_CHECKER)
        self.entry_order = tuple(envelope["properties"])
        self.defaults = {name: prop["default"] for name, prop in self.properties.items()
                         if isinstance(prop, dict) and "default" in prop}

    @property
    def descriptor(self) -> dict:
        """What a client needs to write entries of this type (the links are the view's business)."""
        return {"name": self.kind, "@id": self.id, "title": self.document.get("title", self.kind),
                "description": self.document.get("description"), "entries": self.shape}


class SubjectLogTypes:
    """The shipped (and dropped-in) types, by name, in file-name order."""

    def __init__(self, types: dict[str, SubjectLogType]):
        self.types = types

    def get(self, name) -> SubjectLogType | None:
        return self.types.get(name) if isinstance(name, str) else None

    def __iter__(self):
        return iter(self.types.values())


def load_types(folder) -> SubjectLogTypes:
    """Every `*.json` in the folder; raises ValueError naming the first file that is not a usable type."""
    types = load_kinds(folder, SubjectLogType)
    seen = {}
    for log_type in types.values():
        if log_type.id in seen:
            raise ValueError(f"Subject-log type {pathlib.Path(folder) / (log_type.kind + '.json')} repeats the $id "
                             f"{log_type.id!r} of {seen[log_type.id]}.json.")
        seen[log_type.id] = log_type.kind
    return SubjectLogTypes(types)


def includeme(config):
    types = load_types(pathlib.Path(config.get_settings()["hyperdiary.schemas_dir"]) / "subjectlog")
    config.registry["subjectlog_types"] = types


# --- entries ----------------------------------------------------------------------------------------


def entry_body(times: tuple[str, ...], row: SubjectLogEntry) -> dict:
    """An entry as the log shows it, its times named `times` (a type's `times`); date-times stay datetimes,
    which the renderer writes in UTC."""
    body = dict(zip(times, (row.instant, row.end_instant)))
    body.update(notes=row.notes, details=row.details)
    return body


def _as_sent(body: dict) -> dict:
    """An entry body with its date-times written as a client sends them (for merging with a change)."""
    return {name: value.isoformat() if isinstance(value, datetime.datetime) else value for name, value in body.items()}


def checked_entry(log_type: SubjectLogType, data: dict) -> tuple:
    """(instant, end_instant, notes, details) of an entry body that fits the type, details completed with
    the schema's defaults; a 400 naming every problem otherwise. `null` in `details` means "not set"."""
    data = dict(data)
    details = data.get("details")
    if details is None:
        details = {}
    if isinstance(details, dict):
        details = {**log_type.defaults, **{name: value for name, value in details.items() if value is not None}}
    data["details"] = details
    found = problems(log_type.entry_validator, data, log_type.entry_order)
    times = ()
    if not found:
        times = tuple(parse_datetime(data[name]) for name in log_type.times)
        if len(times) == 2 and times[1] < times[0]:
            found.append(problem("end_date_time", "The interval ends before it starts."))
    if found:
        raise ValidationFailure(INVALID, found)
    instant, end = (times + (None,))[:2]
    return instant, end, data.get("notes"), details


def entry_instant(log_type: SubjectLogType, data: dict) -> datetime.datetime:
    """The time that names an entry to change or remove: its `date_time` (or `start_date_time`)."""
    value = data.get(log_type.key)
    if value is None:
        raise ValidationFailure(INVALID, [problem(log_type.key, "Required input is missing: the time of the entry.")])
    try:
        return parse_datetime(value)
    except ValueError as error:
        raise ValidationFailure(INVALID, [problem(log_type.key, str(error))]) from None


def _existing(dbsession, log_id: str, log_type: SubjectLogType, instant) -> SubjectLogEntry:
    row = dbsession.get(SubjectLogEntry, (log_id, instant))
    if row is None:
        raise Missing(f"This log has no entry with this {log_type.key}.")
    return row


def add_entry(dbsession, log_id: str, log_type: SubjectLogType, data: dict):
    """Store a new entry; a 400 naming its time when the log has an entry at that instant already. The
    primary key (log, instant) decides also between writers that add the same instant at once."""
    instant, end, notes, details = checked_entry(log_type, data)
    taken = ValidationFailure(INVALID, [problem(log_type.key, "This log has an entry at this instant already.")])
    if insert_new(dbsession, SubjectLogEntry, {"log_id": log_id, "instant": instant, "end_instant": end,
                                               "notes": notes, "details": details}) is None:
        raise taken


def change_entry(dbsession, log_id: str, log_type: SubjectLogType, data: dict):
    """Change the entry at the body's time: fields not given keep their values (`details` too, field by
    field; `null` clears one), and the merged entry is checked as a whole. The time itself names the
    entry and does not change: to move an entry, remove it and add it anew."""
    row = _existing(dbsession, log_id, log_type, entry_instant(log_type, data))
    current = _as_sent(entry_body(log_type.times, row))
    merged = {**current, **data}
    if isinstance(data.get("details"), dict):
        merged["details"] = {**current["details"], **data["details"]}
    _, row.end_instant, row.notes, row.details = checked_entry(log_type, merged)


def remove_entry(dbsession, log_id: str, log_type: SubjectLogType, data: dict):
    """Remove the entry at the body's time (the values of its other fields are not looked at, but a field
    no entry has is a 400, as in every body: API.md §8)."""
    unknown = [problem(name, "Unknown field.") for name in data if name not in log_type.entry_order]
    if unknown:
        raise ValidationFailure(INVALID, unknown)
    dbsession.delete(_existing(dbsession, log_id, log_type, entry_instant(log_type, data)))


def entries_of(dbsession, log_ids) -> dict[str, list[SubjectLogEntry]]:
    """The entries of these logs, each log's sorted by time, in one query."""
    found = {log_id: [] for log_id in log_ids}
    if found:
        stmt = select(SubjectLogEntry).where(SubjectLogEntry.log_id.in_(list(found))).order_by(
            SubjectLogEntry.log_id, SubjectLogEntry.instant)
        for row in dbsession.scalars(stmt):
            found[row.log_id].append(row)
    return found
