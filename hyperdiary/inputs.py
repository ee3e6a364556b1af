"""Reading what callers send: JSON bodies (size-capped, objects only), colander-checked fixed bodies
and query strings, and the date-time formats of the contract. Every failure is a ValidationFailure
(400) or a 413 naming the offending field."""
import datetime
import json
import urllib.parse

import colander
import orjson
from pyramid.httpexceptions import HTTPNotFound, HTTPRequestEntityTooLarge, HTTPUnsupportedMediaType

from . import localtime
from .errors import ValidationFailure, problem
from .rendering import HTML, negotiated


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
    if not _is_utf8(request.headers.get("Content-Type", "")):
        # JSON is UTF-8 (RFC 8259): reading latin-1 as UTF-8 would store other text than was meant.
        raise HTTPUnsupportedMediaType("Send the body as UTF-8 (charset=UTF-8, or no charset).")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValidationFailure("Invalid JSON input", [problem("body", f"Malformed JSON: {error}")]) from None
    found = _repeated_key(raw, value) or _unstorable(value)
    if found is not None:
        raise ValidationFailure("Invalid JSON input", [found])
    return value


def _is_utf8(content_type: str) -> bool:
    """Does a Content-Type header say UTF-8, or nothing about its charset?"""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


class _RepeatedKey(Exception):
    pass


def _pairs_once(pairs):
    keys = set()
    for key, _ in pairs:
        if key in keys:
            raise _RepeatedKey(key)
        keys.add(key)
    return None  # nothing is kept: this parse only looks for repeated keys


_KEY_CHECKER = json.JSONDecoder(object_pairs_hook=_pairs_once)


def _repeated_key(raw: bytes, value):
    """A problem naming a key given twice in one object, or None. orjson keeps the last silently (so do
    most parsers), so that `{"title": "a", "title": "b"}` means what the sender may not have meant: the
    standard library's parser, which hands over each object's pairs, reads the body a second time; only
    for a document that holds objects (orjson has accepted it: it is valid JSON)."""
    if not isinstance(value, dict) and not (isinstance(value, list) and b"{" in raw):
        return None
    try:
        _KEY_CHECKER.decode(raw.decode("utf-8"))
    except _RepeatedKey as repeated:
        return problem(str(repeated.args[0])[:100], "This key is given twice in one object.")
    except (ValueError, RecursionError):  # orjson's reading stands (and _unstorable bounds the nesting)
        return None
    return None


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


READ_ONLY = "Read-only: this field is not written through a body."


def writable(data: dict, read_only=frozenset(), ignored=REPRESENTATION_KEYS) -> dict:
    """A body less the keys every representation carries (`@url`, `@links` ...: a client may send a
    representation back, and they are ignored). A field of `read_only` (one the server keeps, such as a
    journal's `tags`) is a 400 naming each (API.md §8): dropping it silently lets a client believe it
    wrote what it did not."""
    found = [problem(key, READ_ONLY) for key in data if key in read_only]
    if found:
        raise ValidationFailure("Invalid JSON input", found)
    return {key: value for key, value in data.items() if key not in ignored}


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


UNKNOWN_PARAMETER = "Unknown query parameter."


def unknown_parameters(request, names=frozenset()) -> list[dict]:
    """A problem for each parameter of the query string not among `names`, in the order sent."""
    return [problem(key, UNKNOWN_PARAMETER) for key in dict.fromkeys(request.GET) if key not in names]


def query(request, schema: colander.SchemaNode):
    """The query string, checked by a colander mapping. A parameter the mapping does not know is a 400
    naming it (API.md §8): ignoring it answered what the caller did not ask for (`goals?status=Active`
    listed every goal, a typo in `modified_after` synced everything). So is a known parameter given
    with an empty value (`?limit=`): taking it as absent would be the same surprise."""
    request.environ[QUERY_READ] = True
    names = {c.name for c in schema.children}
    params = {key: value for key, value in request.GET.items() if key in names}
    found = unknown_parameters(request, names)
    found += [problem(key, "Must not be empty: give a value or leave the parameter out.")
              for key, value in params.items() if value == ""]
    if found:
        raise ValidationFailure("Invalid query parameters", found)
    return deserialize(schema, params, "Invalid query parameters")


PAGE_PARAMETERS = frozenset({"fromdate", "todate", "time_zone"})
# Set by `query`: the view read its query string, and checked every parameter of it.
QUERY_READ = "hyperdiary.query_read"


def strict_query(view, info):
    """A view deriver: a view that takes no query parameters (it never called `query`) answers a query
    string with a 400 naming each parameter, like a view that takes some answers an unknown one. Checked
    after the view ran: a view reads its parameters where it needs them, and pyramid_tm aborts what it
    wrote when the error is raised (the exception view sets `request.exception`)."""
    if info.exception_only:
        return view

    def checked(context, request):
        response = view(context, request)
        if request.environ.get("QUERY_STRING") and QUERY_READ not in request.environ \
                and getattr(request, "exception", None) is None:
            # A page (HTML, made after the view by pages/negotiation.py) shows a record with its charts,
            # whose days these choose (pages/charts.py reads them then).
            found = unknown_parameters(request, PAGE_PARAMETERS if negotiated(request) == HTML else ())
            if found:
                raise ValidationFailure("Invalid query parameters", found)
        return response

    return checked


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
    config.add_view_deriver(strict_query)
