"""Reading what callers send: JSON bodies (size-capped, objects only), colander-checked fixed bodies
and query strings, and the date-time formats of the contract. Every failure is a ValidationFailure
(400) or a 413 naming the offending field."""
import datetime
import urllib.parse

import colander
import orjson
from pyramid.httpexceptions import HTTPNotFound, HTTPRequestEntityTooLarge, HTTPUnsupportedMediaType

from . import localtime
from .errors import ValidationFailure, problem


def max_body_size(request) -> int:
    return int(request.registry.settings.get("hyperdiary.max_body_size", 1024 * 1024))


def is_json_type(media_type: str | None) -> bool:
    """`application/json` or another `+json` type (`application/schema+json`, `application/ld+json`)."""
    media_type = (media_type or "").strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def json_body(request):
    """The request's JSON document (any JSON value), read at most up to the size limit. A body sent as
    anything but JSON is a 415 (API.md §8): a form or text/plain body is what a cross-site form sends."""
    limit = max_body_size(request)
    if request.content_length is not None and request.content_length > limit:
        raise HTTPRequestEntityTooLarge(f"The request body is larger than {limit} bytes.")
    raw = request.body_file.read(limit + 1)
    if len(raw) > limit:
        raise HTTPRequestEntityTooLarge(f"The request body is larger than {limit} bytes.")
    if not raw.strip():
        raise ValidationFailure("Invalid JSON input", [problem("body", "A JSON body is required.")])
    if not is_json_type(request.content_type):
        raise HTTPUnsupportedMediaType("Send the body as application/json (Content-Type).")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValidationFailure("Invalid JSON input", [problem("body", f"Malformed JSON: {error}")]) from None
    found = _unstorable(value)
    if found is not None:
        raise ValidationFailure("Invalid JSON input", [found])
    return value


# PostgreSQL's text refuses the NUL character (SQLite stores it): refused everywhere, so that both
# databases answer alike, with a 400 rather than a database error.
NUL = "Text may not contain the NUL character (\\u0000)."


# orjson reads up to 1,024 levels of nesting, Python's recursion (of the checks below, jsonschema, repr in
# messages) fails well before that: a 500. No body of the contract needs more than a few levels, and an
# uploaded schema not more than a few dozen.
MAX_DEPTH = 64


def _unstorable(value):
    """The first problem of a JSON document that no view should see, or None: nesting deeper than
    MAX_DEPTH (named `body`), or a string (or key) holding a NUL character (named by its dotted path).
    Walks the document without recursion, in document order."""
    stack = [("", value, 0, False)]
    while stack:
        path, item, depth, nul_in_key = stack.pop()
        if nul_in_key:
            return problem(path, NUL)
        if isinstance(item, str):
            if "\x00" in item:
                return problem(path or "body", NUL)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                return problem("body", f"JSON nested deeper than {MAX_DEPTH} levels.")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend(reversed([(f"{path}.{key}" if path else str(key), inner, depth + 1,
                                    isinstance(key, str) and "\x00" in key) for key, inner in pairs]))
    return None


NOT_UTF8 = "Not UTF-8 text."


def _utf8(wsgi_text: str) -> str:
    """A WSGI string (the request's bytes, each as one latin-1 character) as the UTF-8 text it holds;
    UnicodeDecodeError when it holds none."""
    return wsgi_text.encode("latin-1").decode("utf-8")


def _query_problem(query_string: str):
    """The first problem of a query string, naming its parameter, or None. WebOb decodes the query as
    UTF-8 and fails on anything else, so this looks at the raw pairs first."""
    # latin-1 keeps each %XX byte as one character, so that _utf8 sees the bytes that were sent.
    for key, value in urllib.parse.parse_qsl(query_string, keep_blank_values=True, encoding="latin-1"):
        name = key.encode("latin-1").decode("utf-8", "replace").replace("\x00", "")
        try:
            key, value = _utf8(key), _utf8(value)
        except UnicodeDecodeError:
            return problem(name, NOT_UTF8)
        if "\x00" in key or "\x00" in value:
            return problem(name, NUL)
    return None


def input_guard(handler, registry):
    """A tween (under the exception views, so its errors take the contract's shape) for what no view
    should have to read: a path that is not UTF-8 or holds a NUL character names nothing (404); a query
    parameter that is not UTF-8 or holds one is a 400 naming it. WebOb would raise UnicodeDecodeError
    (a 500) on the first read of a path or query that is not UTF-8."""

    def guard(request):
        try:
            path = _utf8(request.environ.get("PATH_INFO", ""))
        except UnicodeDecodeError:
            raise HTTPNotFound() from None
        if "\x00" in path:
            raise HTTPNotFound()
        found = _query_problem(request.environ.get("QUERY_STRING", ""))
        if found is not None:
            raise ValidationFailure("Invalid query parameters", [found])
        return handler(request)

    return guard


def json_object(request) -> dict:
    body = json_body(request)
    if not isinstance(body, dict):
        raise ValidationFailure("Invalid JSON input", [problem("body", "Expected a JSON object.")])
    return body


# What every representation carries and no body writes.
REPRESENTATION_KEYS = frozenset({"@url", "@type", "@links", "@changes"})


def writable(data: dict, read_only=REPRESENTATION_KEYS) -> dict:
    """A body less the read-only keys of the resource's representation (`@url`, `@links` ...): a client
    may send a representation back unchanged, and those keys are ignored."""
    return {key: value for key, value in data.items() if key not in read_only}


def colander_problems(invalid: colander.Invalid, prefix="") -> list[dict]:
    return [problem(prefix + name if name else (prefix.rstrip(".") or "body"), message)
            for name, message in invalid.asdict().items()]


def deserialize(schema: colander.SchemaNode, data, message="Invalid JSON input"):
    """Run a colander schema; a 400 listing every problem when the data does not fit."""
    try:
        return schema.deserialize(data)
    except colander.Invalid as invalid:
        raise ValidationFailure(message, colander_problems(invalid)) from None


EMPTY = "Must not be empty."


def body(request, schema: colander.SchemaNode, read_only=REPRESENTATION_KEYS):
    """A JSON object checked by a colander mapping, under the one rule of API.md §8 for bodies: a key the
    mapping does not know is a 400 ("Unknown field."), as is an empty string for a text field that does
    not allow one (colander would read "" as "not given", so `{"name": ""}` changed nothing and answered
    200). The keys of `read_only` (a representation's `@url`, `@links` ...) are ignored, so a
    representation can be sent back. Every problem is reported at once."""
    data = json_object(request)
    known = {node.name: node for node in schema.children}
    found = [problem(key, "Unknown field.") for key in data if key not in known and key not in read_only]
    found += [problem(key, EMPTY) for key, value in data.items()
              if value == "" and key in known and isinstance(known[key].typ, colander.String)
              and not known[key].typ.allow_empty]
    try:
        value = schema.deserialize({key: item for key, item in data.items() if key in known})
    except colander.Invalid as invalid:
        named = {p["name"] for p in found}
        found += [p for p in colander_problems(invalid) if p["name"] not in named]
    if found:
        raise ValidationFailure("Invalid JSON input", found)
    return value


def query(request, schema: colander.SchemaNode):
    """The query string, checked by a colander mapping (unknown parameters are ignored). A known
    parameter given with an empty value (`?limit=`) is a 400 naming it: taking it as absent would answer
    something the caller did not ask for (all of a listing for an empty `modified_after`)."""
    names = {c.name for c in schema.children}
    params = {key: value for key, value in request.GET.items() if key in names}
    empty = [problem(key, "Must not be empty: give a value or leave the parameter out.")
             for key, value in params.items() if value == ""]
    if empty:
        raise ValidationFailure("Invalid query parameters", empty)
    return deserialize(schema, params, "Invalid query parameters")


# --- dates ----------------------------------------------------------------------------------------


def parse_datetime(value) -> datetime.datetime:
    """An ISO 8601 date-time (with a time part) to naive UTC; no offset means UTC."""
    if not isinstance(value, str) or "T" not in value.upper():
        raise ValueError("Expected an ISO 8601 date-time such as 2024-05-01T12:00:00Z.")
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("Expected an ISO 8601 date-time such as 2024-05-01T12:00:00Z.") from None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first instant Python knows
            raise ValueError("The date-time is out of range.") from None
    return parsed


class DateTime(colander.SchemaType):
    """colander type for the contract's date-times (naive UTC out)."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct == "":
            return colander.null
        try:
            return parse_datetime(cstruct)
        except ValueError as error:
            raise colander.Invalid(node, str(error)) from None

    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else appstruct.isoformat()


class StrictString(colander.String):
    """colander.String turns numbers into strings; a JSON API should refuse them."""

    def deserialize(self, node, cstruct):
        if cstruct is not colander.null and not isinstance(cstruct, str):
            raise colander.Invalid(node, "Expected a string.")
        return super().deserialize(node, cstruct)


class StrictBoolean(colander.SchemaType):
    """JSON true or false; colander.Boolean reads any text ("no" is true), a JSON API should refuse it."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, bool):
            raise colander.Invalid(node, "Expected true or false.")
        return cstruct

    def serialize(self, node, appstruct):
        return appstruct


def valid_time_zone(node, value):
    try:
        localtime.iana_zone(value)
    except ValueError as error:
        raise colander.Invalid(node, str(error)) from None


class DateOrDateTime(colander.SchemaType):
    """A query's date (`2024-05-01`: a local calendar day, read later in a time zone) or date-time
    (naive UTC, like every date-time of the contract)."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct == "":
            return colander.null
        if isinstance(cstruct, str) and len(cstruct) == 10:
            try:
                return datetime.date.fromisoformat(cstruct)
            except ValueError:
                raise colander.Invalid(node, "Expected a date (2024-05-01) or an ISO 8601 date-time.") from None
        try:
            return parse_datetime(cstruct)
        except ValueError:
            raise colander.Invalid(node, "Expected a date (2024-05-01) or an ISO 8601 date-time.") from None

    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else appstruct.isoformat()


# The words of the OpenAPI document's query parameters (openapi.query_parameters reads each node's).
FROMDATE = "a date (from the start of that local day) or a date-time"
TODATE = "a date (to the end of that local day, inclusive) or a date-time"
ZONE = "the IANA zone of the days (default: the client's)"


class DateRange(colander.MappingSchema):
    """`fromdate`, `todate` and the `time_zone` their dates are read in (RESOURCES.md)."""

    fromdate = colander.SchemaNode(DateOrDateTime(), missing=None, description=FROMDATE)
    todate = colander.SchemaNode(DateOrDateTime(), missing=None, description=TODATE)
    time_zone = colander.SchemaNode(StrictString(), missing=None, validator=valid_time_zone, description=ZONE)


def span(params: dict, default_zone: str) -> localtime.Span:
    """The instants a DateRange's parameters cover, [start, end) in naive UTC; a 400 naming `fromdate`
    when it comes after `todate`."""
    tz = localtime.zone(params["time_zone"] or default_zone)
    bounds = []
    for name, upper in (("fromdate", False), ("todate", True)):
        try:
            bounds.append(localtime.bound(params[name], tz, upper=upper))
        except OverflowError:  # a day at the very edge of the calendar (0001-01-01 west of UTC)
            raise ValidationFailure("Invalid query parameters", [problem(name, "Out of range.")]) from None
    start, end = bounds
    if start is not None and end is not None and start >= end:
        raise ValidationFailure("Invalid query parameters", [problem("fromdate", "fromdate comes after todate.")])
    return localtime.Span(start, end, tz)


class Paging(colander.MappingSchema):
    limit = colander.SchemaNode(colander.Integer(), missing=50, validator=colander.Range(1, 500))
    after = colander.SchemaNode(StrictString(), missing=None,
                                description="an opaque cursor: follow `next` links rather than building it")


class Listing(Paging):
    """A listing of soft-deleted records: a page of the live ones, or every change since an instant."""

    modified_after = colander.SchemaNode(
        DateTime(), missing=None, description="only records changed after this instant (oldest first, tombstones too)")


def includeme(config):
    config.add_tween("hyperdiary.inputs.input_guard", under="pyramid.tweens.excview_tween_factory")
