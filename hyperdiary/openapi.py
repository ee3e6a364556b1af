"""The OpenAPI 3.1 description of every operation, generated once per application from what it registered.

Paths are traversal paths with their ids templated; clients should still follow links (`x-link` names
the link that leads to each operation, where one does). Every operation names the view that serves it
in `x-view` (and its permission in `x-permission`), and carries one tag: its kind's, or its group's.

Where it comes from:
- the set of operations is the set of views Pyramid registered for resource classes (its introspector):
  the document never describes a view that does not exist; tests/functional/test_openapi.py checks that
  no view lacks a description;
- each record kind declared with config.add_record_kind (hyperdiary/kinds.py) is described from its
  declaration (record_kind, then kind_operations and kind_schemas); the kinds not declared yet, and the
  operations that are not a kind's (OPERATIONS), from the tables here;
- every request body with a file in schemas/ is read from the deployment's own file when the document
  is built, never copied;
- representations are closed (representation(): every field required, no other allowed), so a field a
  view drops or renames no longer fits; tests/conformance.py checks every answer of the test suite.

`_operation` adds what follows from an operation's traits (a body can be malformed or too large: 400 and
413; a signed-in caller is needed: 401 and `security`; If-Match is honoured: 412; a GET with an ETag
answers 304; a create links to the GET of what it made) so the tables stay short.
"""
import inspect
import re
from typing import NamedTuple

from .accounts import MIN_PASSWORD_LENGTH
from .kinds import Kind
from .accounts.models import Role
from .security import Permissions

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
LINKED_DATA = "application/ld+json"


# --- schema helpers -----------------------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required=(), **properties) -> dict:
    """A closed object: what a fixed request body may hold."""
    return {"type": "object", "required": list(required), "properties": properties, "additionalProperties": False}


# The hypermedia keys of every representation (API.md §1); @changes only on a stored record's.
HYPERMEDIA = {
    "@url": {"type": "string", "format": "uri"},
    "@type": {"type": "string", "description": "an IRI naming what this is"},
    "@links": {"type": "array", "items": ref("Link"), "description": "present only when the caller may use them"},
}


def representation(what: str, /, optional=(), changes=True, **fields) -> dict:
    """A closed resource shape: the hypermedia keys (with @changes when `changes`, a stored record's),
    then its own fields; every key is required unless named in `optional`, and no other key may appear,
    so a dropped or renamed field fails validation."""
    properties = dict(HYPERMEDIA, **({"@changes": ref("Changes")} if changes else {}), **fields)
    return {"type": "object", "description": what, "required": [name for name in properties if name not in optional],
            "properties": properties, "additionalProperties": False}


def page(items: dict, optional=(), **extra) -> dict:
    """One page of a collection of `items` (closed: `extra` names the fields a listing adds); a `next` link in
    @links leads to the following page."""
    return representation("One page; a `next` link in @links leads to the following page.", optional, False,
                          **{"@items": {"type": "array", "items": items}}, **extra)


def described(schema: dict, description: str) -> dict:
    return {**schema, "description": description}


STRING = {"type": "string"}
URI = {"type": "string", "format": "uri"}
DATE_TIME = {"type": "string", "format": "date-time"}
NAME = {"type": "string", "maxLength": 150}
EMAIL = {"type": "string", "format": "email", "maxLength": 254}
PASSWORD = described({"type": "string", "minLength": MIN_PASSWORD_LENGTH},
                     "not a weak one: zxcvbn scores it 3 or more, counting the username, email and names as guessable")
ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
ROLE = {"enum": [str(role) for role in Role]}
ENTRY_FIELDS = {"description": "the fields of the entry's JSON Schema"}
DATE = {"type": "string", "format": "date"}
COUNT = {"type": "integer", "minimum": 0}
ISO_WEEK = {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$", "description": "an ISO week"}
# Wall-clock times: the jsonschema "time" format wants an offset, which these never carry.
TIME = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}:[0-9]{2}$"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}
BOOLEAN = {"type": "boolean"}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_URI = {"type": ["string", "null"], "format": "uri"}


# A tracking item's own fields: its representation's, and a reminder's.
TRACKING_FIELDS = {"duedate": DATE_TIME, "iscompleted": BOOLEAN, "reminderdate": nullable(DATE),
                   "remindertime": nullable(TIME), "status": NULLABLE_TEXT}


# --- components/schemas ---------------------------------------------------------------------------------

SCHEMAS = {
    # The hypermedia shapes every answer is built from (API.md §1).
    "Link": obj(("name", "url"), name=described(STRING, "the contract's link name"), url=URI),
    "Changes": obj(("creation_time", "modification_time"), creation_time=DATE_TIME, modification_time=DATE_TIME),
    "Representation": {
        "type": "object", "required": ["@url", "@type", "@links"],
        "properties": dict(HYPERMEDIA, **{"@changes": ref("Changes")}),
        "description": "The hypermedia keys every resource's representation starts with (each representation "
                       "below lists them with its own fields, closed); @changes on a stored record's.",
    },
    "LinkedData": {
        "type": "object", "required": ["@context"],
        "properties": {"@context": described(URI, "the context document (link `context`)"), "@id": URI},
        "description": "The same answer in JSON-LD (`Accept: application/ld+json`): `@url` is `@id`, each link a "
                       "property named by its link name, `@changes`, `@items`, `@schemas` are `changes`, "
                       "`items`, `schemas`, arrays are ordered lists, and unset fields are left out.",
    },
    "Tombstone": obj(("@url", "@type", "@deleted", "@changes"), **{
        "@url": URI, "@type": STRING, "@deleted": {"const": True}, "@changes": ref("Changes")}),
    "Error": {
        "type": "object",
        "required": ["code", "message", "extra"],
        "properties": {
            "code": described({"type": "integer"}, "the HTTP status"),
            "message": STRING,
            "extra": {"type": "array", "items": obj(("name", "message"), name=described(
                STRING, "the offending field: a dotted path, `@type`, `dt`, `body` or a query parameter"),
                message=STRING)},
        },
    },
    # Entry schemas (API.md §5).
    "SchemaDescriptor": representation(
        "An entry type, described for building forms; its `jsonschema` link leads to the full document.",
        changes=False,
        **{"@id": described(STRING, "the schema's $id: the @type of its entries"),
           "title": STRING,
           "description": NULLABLE_TEXT,
           "fields": {"type": "array", "items": ref("Field")},
           "charts": {"type": "array", "description": "the schema's x-charts"},
           "resources": {"type": "array", "description": "the schema's x-resources"}},
    ),
    "Field": {
        "type": "object",
        "required": ["name", "title", "type", "required"],
        "properties": {
            "name": STRING,
            "title": STRING,
            "type": {"enum": ["text", "integer", "number", "boolean", "choice", "multichoice", "image", "date",
                              "datetime"]},
            "required": {"type": "boolean"},
            "choices": {"type": "array", "items": {
                "type": "object", "required": ["name", "value"], "additionalProperties": False,
                "properties": {"name": STRING, "value": {}, "icon": {"type": ["string", "null"]}}}},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "default": {},
            "description": STRING,
            "widget": STRING,
        },
        "additionalProperties": False,
    },
    "SchemaSet": representation("The entry schemas of a diary (configured, or in use).", changes=False,
                                **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor")}}),
    "JSONSchema": {"type": "object", "description": "A Draft 2020-12 JSON Schema of an object, with an absolute $id "
                                                    "of at most 500 characters."},
    # Resources.
    "Root": representation("The entry point: its links lead everywhere the caller may go.", changes=False,
                           title=STRING),
    "User": representation("A user's profile (`me`).", username=STRING, email=STRING, role=ROLE,
                           first_name=NULLABLE_TEXT, last_name=NULLABLE_TEXT,
                           is_active=described(BOOLEAN, "false: deactivated by an admin, cannot sign in")),
    "Client": representation("A client: links to its diary.", name=STRING, login=described(STRING, "the username"),
                             time_zone=described(STRING, "an IANA time zone")),
    "Assignment": representation("A client in a professional's caseload.",
                                 client=described(URI, "the client's @url"), name=STRING),
    "Diary": representation("A diary: links to its configuration and entries.", changes=False),
    "JournalStats": representation("Journals per local calendar day.", changes=False, journalstats={
        "type": "array", "items": obj(("journaldate", "count"), journaldate={"type": "string", "format": "date"},
                                      count={"type": "integer", "minimum": 1})}),
    # Research (RESOURCES.md, "Subjects and subject logs").
    "Member": representation("A member of a subject: reads and writes it and its logs.",
                             user=described(URI, "the member's @url"), username=STRING, is_creator=BOOLEAN),
    "SubjectLogEntry": {
        "type": "object",
        "properties": {"date_time": DATE_TIME, "start_date_time": DATE_TIME, "end_date_time": DATE_TIME,
                       "notes": NULLABLE_TEXT,
                       "details": described({"type": "object"}, "checked by the JSON Schema of the log's type")},
        "description": "Instant types: `date_time`; interval types: `start_date_time` and `end_date_time` (not "
                       "before the start). `details` fits the type's `jsonschema`. Two entries of a log are "
                       "never at the same instant.",
    },
    "LoggedEntry": {
        "oneOf": [obj(("date_time", "notes", "details"), date_time=DATE_TIME, notes=NULLABLE_TEXT,
                      details={"type": "object"}),
                  obj(("start_date_time", "end_date_time", "notes", "details"), start_date_time=DATE_TIME,
                      end_date_time=nullable(DATE_TIME), notes=NULLABLE_TEXT, details={"type": "object"})],
        "description": "An entry of a log, as the log shows it: an instant type's, or an interval type's.",
    },
    "SubjectLogType": representation(
        "A subject-log type; its `jsonschema` link leads to the JSON Schema of its entries' details.", changes=False,
        name=STRING, title=STRING, description=NULLABLE_TEXT,
        entries={"enum": ["instant", "interval"]}, **{"@id": described(STRING, "the schema's $id")}),
    "Tokens": obj(("access", "refresh", "expires_in"), access=STRING, refresh=STRING,
                  expires_in=described({"type": "integer"}, "seconds until the access token expires"),
                  user=described(ref("User"), "on sign-in: the caller's profile")),
    "SignedOut": obj(("message",), message=STRING),
    # Goals and moods (RESOURCES.md): the representations of the kinds are in REPRESENTATIONS.
    "GoalReminder": representation(
        "A tracking item whose reminder is due.",
        **TRACKING_FIELDS, goal=described(URI, "the goal's @url"), title=STRING,
        remind_at=described(DATE_TIME, "when it reminds (UTC)")),
    "GoalTracker": representation(
        "Tracking items grouped by the local day of their due date.", changes=False,
        time_zone=described(STRING, "the IANA zone of the days"),
        goaltracker={"type": "array", "items": obj(("date", "goals"), date=DATE, goals={"type": "array", "items": obj(
            ("goal", "title", "tracking", "duedate", "iscompleted", "remindertime"), goal=URI, title=STRING,
            tracking=described(URI, "the item's @url"), duedate=DATE_TIME, iscompleted={"type": "boolean"},
            remindertime=nullable(TIME))})}),
    # Pages and charts.
    "Chart": representation(
        "A chart's data for a date range (with Accept: image/svg+xml, its drawing as SVG).", changes=False,
        optional=("time_zone", "type", "x_label", "y_label"),
        title=STRING, kind={"enum": ["entries", "moods", "journals", "goals"]}, fromdate=DATE, todate=DATE,
        time_zone=STRING, type={"enum": ["bar", "line"]}, x_label=STRING, y_label=STRING,
        categories={"type": "array", "items": STRING},
        series={"type": "array", "items": obj(("name", "values"), name=STRING, values={
            "type": "array", "items": {"type": ["number", "null"]}})}),
    "ChartLink": obj(("@url", "title", "kind"), **{"@url": URI, "title": STRING, "kind": STRING}),
    "PageSession": obj(("user", "expires_in"), user=ref("User"), expires_in={"type": "integer"}),
    "GoalURLs": {"type": "array", "items": URI, "description": "The goals' @urls, in the order of the batch."},
    "MoodStats": representation(
        "Mood logs counted per local day and mood.", changes=False,
        time_zone=described(STRING, "the IANA zone of the days"),
        moodstats={"type": "array", "items": obj(
            ("logdate", "mood", "count", "reasons"), logdate=DATE, mood=STRING,
            count={"type": "integer", "minimum": 1}, reasons={"type": "array", "items": STRING})}),
    "Calendar": described(STRING, "An iCalendar (RFC 5545) document: one VTODO per goal"),
    # Secret calendar feeds (API.md §11).
    "CalendarFeed": representation(
        "A secret calendar feed of a client's goals; its secret URL only in the answer that created it.",
        optional=("feed",), name=NULLABLE_TEXT,
        feed=described(URI, "the secret URL of the calendar: shown this once, kept only as a hash")),
    "CalendarFeedBody": obj((), name=described(NULLABLE_TEXT, "a label of one's own (at most 100 characters)")),
    # Reports for professionals (RESOURCES.md).
    "Reports": representation("A client's report types: links `entriesSince`, `perWeek`, `perSchema`.",
                              changes=False),
    "EntriesSinceReport": described(page(
        {"anyOf": [ref("StoredEntry"), ref("Journal"), ref("Mood")]},
        counts=obj(("entries", "journals", "moods"), entries=COUNT, journals=COUNT, moods=COUNT),
        since=described(DATE_TIME, "the reference instant: the items are at or after it"),
        time_zone=described(STRING, "the IANA zone a reference date was read in"),
        **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor"),
                        "description": "the descriptors of the entry types present in @items"}}),
        "Diary entries, journals and mood logs at or after `since`, newest first, a page at a time; `counts` are "
        "of everything since then, not just this page."),
    "PerWeekReport": representation(
        "Records per ISO week (from the local Monday), the 12 weeks ending with the reference date's, oldest first.",
        changes=False, time_zone=described(STRING, "the IANA zone of the weeks"),
        weeks={"type": "array", "minItems": 12, "maxItems": 12, "items": obj(
            ("week", "entries", "journals", "moods", "goals_completed"), week=ISO_WEEK, entries=COUNT,
            journals=COUNT, moods=COUNT, goals_completed=described(COUNT, "completed tracking items, by due date"))},
    ),
    "PerSchemaReport": representation(
        "Diary entries per ISO week and entry type over the 12 weeks ending with the reference date's; no zero rows.",
        changes=False, time_zone=described(STRING, "the IANA zone of the weeks"),
        rows={"type": "array", "items": obj(("week", "@type", "count"), week=ISO_WEEK, count={
            "type": "integer", "minimum": 1}, **{"@type": described(STRING, "the $id of the entry schema")})},
        **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor"),
                        "description": "the descriptors of the entry types in `rows`"}},
    ),
    # Health-data duties (API.md §9): the audit trail, who may see a client, the export.
    "AuditEvent": obj(("@type", "time", "actor", "actor_role", "action", "resource", "status", "client"), **{
        "@type": URI, "time": DATE_TIME,
        "actor": described(NULLABLE_URI, "the @url of the user who acted (null: anonymous, or erased)"),
        "actor_role": {"type": ["string", "null"]},
        "action": {"enum": ["read", "create", "update", "delete", "export", "erase"]},
        "resource": described(NULLABLE_URI, "the @url acted on (null once its client is erased)"),
        "status": {"type": "integer", "description": "the HTTP status of the answer"},
        "client": described(NULLABLE_URI, "the @url of the client whose data it was"),
    }),
    "Professional": obj(("@url", "@type", "username", "first_name", "last_name", "since"), **{
        "@url": URI, "@type": URI, "username": STRING, "first_name": STRING, "last_name": STRING,
        "since": described(DATE_TIME, "when the client was put in their caseload")}),
    "Export": {"type": "object", "required": ["@type", "exported", "client", "configuration", "schemas"],
               "description": "Everything stored for a client (with Accept: application/fhir+json a FHIR R4 "
                              "Bundle of type collection instead): the client, its diary configuration, the "
                              "schemas its entries use, and its records of every kind, each in its API "
                              "representation."},
    "FHIRBundle": {"type": "object", "required": ["resourceType", "type"],
                   "properties": {"resourceType": {"const": "Bundle"}, "type": {"const": "collection"}},
                   "description": "A FHIR R4 Bundle of type collection (the export tests check it with FHIR's own "
                                  "models)"},
    "Erasure": obj(("password",), password=described(STRING, "the user's own password (not needed by admins)")),
    # Request bodies.
    "Registration": obj(("username", "email", "password"),
                        username={"type": "string", "pattern": "^[A-Za-z0-9_.@+-]{3,150}$"},
                        email=EMAIL, password=PASSWORD, first_name=NAME, last_name=NAME),
    "NewUser": obj(("username", "email", "password", "role"),
                   username={"type": "string", "pattern": "^[A-Za-z0-9_.@+-]{3,150}$"},
                   email=EMAIL, password=PASSWORD, role=ROLE, first_name=NAME, last_name=NAME),
    "Credentials": obj(("username", "password"), username=STRING, password=STRING),
    "RefreshToken": obj(("refresh",), refresh=STRING),
    "ProfileChange": obj((), email=EMAIL, first_name=NAME, last_name=NAME, password=PASSWORD,
                         current_password=described(STRING, "needed to change one's own password"),
                         is_active=described(BOOLEAN, "admins: false deactivates (every token stops working)"),
                         username=described(STRING, "read-only: only the current value"),
                         role=described(ROLE, "read-only: only the current value")),
    "NewAssignment": obj(("client",), client=described(STRING, "the client's @url")),
    "ClientChange": obj((), name={"type": "string", "minLength": 1, "maxLength": 300},
                        time_zone=described(STRING, "an IANA time zone")),
    "Configuration": obj(("schemas",), schemas={"type": "array", "items": described(STRING, "a schema $id")}),
    "SubjectLogEntryTime": {
        "type": "object",
        "properties": {"date_time": DATE_TIME, "start_date_time": DATE_TIME},
        "description": "The time of the entry to remove: `date_time`, or `start_date_time` for interval types.",
    },
    "Entry": {
        "type": "object",
        "properties": {"@type": described(STRING, "the $id of one of the diary's configured schemas"),
                       "dt": described(DATE_TIME, "when it happened (UTC)")},
        "additionalProperties": ENTRY_FIELDS,
        "description": "POST needs @type and dt; PATCH merges the fields given (null clears one) and revalidates.",
    },
}


# --- parameters, headers, errors ------------------------------------------------------------------------

# Path parameters that are not a record's id (a record's, `<kind>_id`, is ID).
PATH_PARAMETERS = {"schema_key": described(STRING, "from the schema's @url"),
                   "feed_secret": described(STRING, "the secret of a feed, from its `feed` URL"),
                   "type_name": described(STRING, "a subject-log type's name"),
                   "chart_name": described(STRING, "from the chart's @url")}

QUERY = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
    "after": described(STRING, "an opaque cursor: follow `next` links rather than building it"),
    "modified_after": described(DATE_TIME, "only records changed after this instant (oldest first, tombstones too)"),
    "login": described(STRING, "only the client with this username"),
    "fromdate": described(STRING, "a date (from the start of that local day) or a date-time"),
    "todate": described(STRING, "a date (to the end of that local day, inclusive) or a date-time"),
    "time_zone": described(STRING, "the IANA zone of the days (default: the client's)"),
    "until": described(DATE_TIME, "reminders before this instant (default: now)"),
    "since": described(DATE_TIME, "reminders at or after this instant"),
    "session": described(STRING, "only journals of this session"),
    "tag": described(STRING, "only journals with a tag of this type (its @url or id)"),
    "subject": described(STRING, "only the logs of this subject (its @url or id)"),
    "type": described(STRING, "only the logs of this subject-log type"),
    "reference_date": described(STRING, "a date (that local day) or a date-time; default: today in the zone"),
    "actor": described(STRING, "only the events of this user (its @url or id)"),
    "unread": described(BOOLEAN, "only the messages the caller has not read"),
}

HEADERS = {
    "ETag": {"description": "The record's strong validator, for If-Match", "schema": STRING},
    "Location": {"description": "The written resource's @url", "schema": URI},
    "WWW-Authenticate": {"description": "Bearer", "schema": STRING},
}

ERRORS = {
    400: "Bad input: `extra` names each offending field",
    401: "No valid access token",
    403: "Visible, but not the caller's to change",
    404: "Unknown, or not visible to the caller",
    409: "Conflict with a stored record",
    412: "If-Match does not match: the resource changed since it was read",
    413: "Body larger than the configured limit",
    415: "Body not sent as application/json (or another +json type)",
    429: "Too many attempts: wait Retry-After seconds",
    503: "The database cannot be reached, or too many sign-ins wait for a password hash: retry after Retry-After seconds",
}


def error(code: int) -> dict:
    response = {"description": ERRORS[code], "content": {JSON: {"schema": ref("Error")}}}
    if code == 401:
        response["headers"] = {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
    return response


# --- the operations ---------------------------------------------------------------------------------


class Op(NamedTuple):
    id: str  # operationId
    method: str
    path: str
    context: str  # x-view: the view's context class, view name and method
    name: str
    summary: str
    link: str | None = None  # x-link
    body: str | None = None  # a component schema
    ok: int = 200
    result: str | dict | None = None  # a component schema name, or a schema
    errors: tuple = ()  # 403, 404, 409; 400, 401, 412 and 413 follow from the traits below
    query: tuple = ()
    public: bool = False
    etag: bool = False  # answers an ETag
    if_match: bool = False  # honours If-Match (412)
    if_none_match: bool = False  # honours If-None-Match (304)
    also: dict = {}  # other successful answers: status -> description (same body)
    media: str = JSON
    tag: str | None = None  # default: the tag of the longest PATH_TAGS prefix of the path
    description: str | None = None  # default: the view's docstring ("": none)
    alternatives: dict = {}  # other media types of the success answer: media type -> schema


USER = "/users/{user_id}/"
CLIENT = "/clients/{client_id}/"
DIARY = CLIENT + "diary/"
ENTRIES = DIARY + "entries/"
SCHEMA = "/schemas/{schema_key}/"
JOURNALS = CLIENT + "journals/"
JOURNAL = JOURNALS + "{journal_id}/"
TAGS = JOURNAL + "tags/"
TAG = TAGS + "{tag_id}/"
TAGTYPES = "/tagtypes/"
GOALS = CLIENT + "goals/"
GOAL = GOALS + "{goal_id}/"
TRACKING = GOAL + "tracking/"
MOODS = CLIENT + "moods/"
MOOD = MOODS + "{mood_id}/"
SYNC = ("limit", "after", "modified_after")
RANGE = ("fromdate", "todate", "time_zone")
REPORTS = CLIENT + "reports/"
REPORT = ("reference_date", "time_zone")
SUBJECT = "/subjects/{subject_id}/"
MEMBERS = SUBJECT + "members/"
LOGS = "/subjectlogs/"
LOG = LOGS + "{subjectlog_id}/"
LOG_TYPE = "/subjectlogs/types/{type_name}/"
CHARTS = CLIENT + "charts/"
LOGS_PAGE = page({"anyOf": [ref("SubjectLog"), ref("Tombstone")]})

# The tags, one per kind (and per group of other operations), in the order a reader meets them.
TAGS_DESCRIBED = {
    "discovery": "The entry point and the documents that describe the API",
    "accounts": "Registration, sign-in, users and professionals' caseloads",
    "clients": "Clients and their diaries' configuration",
    "diary entries": "A client's diary entries, each of an entry type",
    "entry schemas": "The entry types: JSON Schemas, shipped and uploaded",
    "journals": "A client's self-reflection notes",
    "tags": "The tags on a journal",
    "tag types": "The kinds of tag, shared by every journal",
    "goals": "A client's goals",
    "tracking": "The due dates of a goal",
    "calendar feeds": "Secret URLs of a client's goals calendar, for calendar apps that send no header",
    "moods": "A client's mood logs",
    "reports": "Reports on a client for professionals",
    "audit": "Who read or changed a client's data: the audit trail",
    "charts": "A client's charts: data for a range of days, or (Accept: image/svg+xml) their drawing",
    "subjects": "Research subjects and their members",
    "subject logs": "Logs of a subject, their entries and their types",
}
# An operation's tag when it names none: the tag of the longest of these prefixes its path starts with.
PATH_TAGS = {"/": "discovery", "/auth/": "accounts", "/users/": "accounts", "/clients/": "clients",
             ENTRIES: "diary entries", "/schemas/": "entry schemas", JOURNALS: "journals", TAGS: "tags",
             TAGTYPES: "tag types", GOALS: "goals", TRACKING: "tracking", MOODS: "moods", REPORTS: "reports",
             CHARTS: "charts", "/subjects/": "subjects", SUBJECT + "logs": "subject logs", LOGS: "subject logs",
             "/audit/": "audit", CLIENT + "audit/": "audit", CLIENT + "calendarfeeds/": "calendar feeds",
             "/feeds/": "calendar feeds"}


def tag_of(op: Op) -> str:
    return op.tag or PATH_TAGS[max((prefix for prefix in PATH_TAGS if op.path.startswith(prefix)), key=len)]


# --- record kinds ---------------------------------------------------------------------------------------
# Everything the document says of a record kind follows from one RecordKind: its operations
# (kind_operations) and its schemas (kind_schemas: the representation, and the request bodies read from the
# deployment's own schemas/<body>.json). This is the seam for the kind declarations of issue 11: a declared
# kind maps onto one RecordKind, and document() loops over them.

# The keys of a representation that a body may send back unchanged (inputs.writable drops them).
READ_ONLY = {"@url": URI, "@type": STRING, "@links": {"type": "array"}, "@changes": {"type": "object"}}


class RecordKind(NamedTuple):
    name: str  # operationIds add<name>, get<name>, change<name>, replace<name>, delete<name>
    plural: str  # operationId list<plural>
    tag: str  # the tag of all its operations
    representation: dict  # the closed schema of one record (components/schemas/<schema>)
    body: str | None  # its file in schemas/ (the bodies registry): <schema>Body for POST and PUT, <schema>Change
    collection: str  # path templates: the collection, one record
    item: str
    contexts: tuple  # (collection resource class, item resource class), as the views are registered
    operations: dict  # {"list" | "create" | "get" | "patch" | "put" | "delete": summary}
    schema: str | None = None  # the representation's component name (default: name)
    links: dict = {}  # {operation: the name of the link that leads to it}
    list_view: str = ""  # the listing's view name on the collection ("" is the collection's own GET)
    query: tuple = SYNC  # the listing's query parameters
    tombstones: bool = True  # listings show deleted records as tombstones (sync)
    if_none_match: bool = True  # GET honours If-None-Match
    dedupe: str | None = None  # create answers 200 with an identical record: what it says
    errors: dict = {}  # {operation: statuses beyond the usual ones}
    read_only: dict = READ_ONLY  # keys a body may send back, ignored
    list_extra: dict = {}  # fields a listing page carries besides @items
    body_component: str | None = None  # the bodies' component schema when there is no file (diary entries)
    about: str | None = None  # what the kind is: its tag's description
    types: tuple = (None, None)  # the @type (an IRI) of its records and of its listing's pages, when fixed


def _typed(shape: dict, type_iri: str | None) -> dict:
    """A representation's shape whose @type can only be `type_iri` (a renamed kind no longer fits)."""
    if type_iri is None:
        return shape
    return dict(shape, properties=dict(shape["properties"], **{"@type": {"const": type_iri}}))


def kind_operations(kind: RecordKind) -> list[Op]:
    """The operations of a kind, named, described and given their errors by rule."""
    schema = kind.schema or kind.name
    parent = (404,) if "{" in kind.collection else ()  # a collection below a record the caller may not see
    create_body, change_body = ((kind.body_component, kind.body_component) if kind.body is None
                                else (schema + "Body", schema + "Change"))
    items = {"anyOf": [ref(schema), ref("Tombstone")]} if kind.tombstones else ref(schema)
    listing, item = kind.contexts
    listed = _typed(page(items, **kind.list_extra), kind.types[1])
    made = {
        "list": lambda: Op("list" + kind.plural, "get", kind.collection + kind.list_view, listing, kind.list_view,
                           summary, result=listed, errors=parent, query=kind.query),
        "create": lambda: Op("add" + kind.name, "post", kind.collection, listing, "", summary, body=create_body,
                             ok=201, result=schema, errors=(403,) + parent, etag=True,
                             also={200: kind.dedupe} if kind.dedupe else {}),
        "get": lambda: Op("get" + kind.name, "get", kind.item, item, "", summary, result=schema, errors=(404,),
                          etag=True, if_none_match=kind.if_none_match),
        "patch": lambda: Op("change" + kind.name, "patch", kind.item, item, "", summary, body=change_body,
                            result=schema, errors=(403, 404), etag=True, if_match=True),
        "put": lambda: Op("replace" + kind.name, "put", kind.item, item, "", summary, body=create_body,
                          result=schema, errors=(403, 404), etag=True, if_match=True),
        "delete": lambda: Op("delete" + kind.name, "delete", kind.item, item, "", summary, ok=204,
                             errors=(403, 404), if_match=True),
    }
    found = []
    for operation, summary in kind.operations.items():
        op = made[operation]()
        # The generic views' docstrings speak of every kind: the kind's own words are its tag's description.
        found.append(op._replace(link=kind.links.get(operation), tag=kind.tag, description="",
                                 errors=tuple(sorted(set(op.errors) | set(kind.errors.get(operation, ()))))))
    return found


def file_body(bodies, name: str, read_only=None, **changes) -> dict:
    """The deployment's own schemas/<name>.json as a request body, read when the document is built (so a
    deployment that tightens the file gets a document that says so), with the read-only keys a body may
    send back and the columns' length limits that hold whatever the file says (bodies.includeme)."""
    loaded = bodies[name]
    document = {key: value for key, value in loaded.document.items() if key != "$schema"}
    properties = dict(read_only or {}, **document.get("properties", {}))
    for field, limit in loaded.limits.items():
        if isinstance(properties.get(field), dict):
            properties[field] = dict(properties[field], maxLength=min(properties[field].get("maxLength", limit), limit))
    description = f"{document.get('description', document.get('title', name))} (schemas/{name}.json)"
    return dict(document, properties=properties, description=description, **changes)


def kind_schemas(kind: RecordKind, bodies) -> dict:
    """The component schemas of a kind: its representation, and its bodies read from its file."""
    schema = kind.schema or kind.name
    schemas = {schema: _typed(kind.representation, kind.types[0])}
    if kind.body is not None:
        body = file_body(bodies, kind.body, kind.read_only)
        if {"create", "put"} & kind.operations.keys():
            schemas[schema + "Body"] = body
        if "patch" in kind.operations:
            schemas[schema + "Change"] = dict(body, required=[], description=body["description"] + "; a PATCH "
                                              "sends the fields to change (null clears one), merged and checked")
    return schemas


def read_only_keys(*names) -> dict:
    """The read-only keys a body of a kind may send back: the hypermedia keys, and `names` of its fields."""
    return dict(READ_ONLY, **{name: {"description": "read-only, ignored"} for name in names})


# What the declarations (kinds.Kind) do not say, by kind name. A kind missing here still gets a document:
# its representation's fields take their schemas from its body file, its tag is its collection's name, and
# its operations are summed up by rule.
REPRESENTATIONS = {
    "entry": {
        "type": "object", "description": "An entry; @type is the $id of its schema.",
        "required": ["@url", "@type", "@links", "@changes", "dt"],
        "properties": dict(HYPERMEDIA, **{"@changes": ref("Changes")}, dt=DATE_TIME),
        "additionalProperties": described(ENTRY_FIELDS, "the fields of the entry's JSON Schema (null when not set)"),
    },
    "journal": representation(
        "A self-reflection note, with its live tags.", title=NULLABLE_TEXT, description=NULLABLE_TEXT,
        journal_timestamp=DATE_TIME, session=NULLABLE_TEXT, tags={"type": "array", "items": ref("Tag")}),
    "tag": representation("A tag on a journal.", tagtype=described(URI, "the tag type's @url"),
                          name=described(STRING, "the tag type's name"), description=NULLABLE_TEXT),
    "tagtype": representation("A kind of tag, shared by every journal.", name=STRING, description=NULLABLE_TEXT),
    "goal": representation(
        "A goal; `tracking` lists its items, `reminder` changes its reminder.",
        title=STRING, description=NULLABLE_TEXT, status=NULLABLE_TEXT, is_onetime=BOOLEAN,
        frequency={"enum": ["One Time", "Daily", "Weekly", "Monthly"]},
        days=nullable({"type": "array", "items": STRING}), criticality=NULLABLE_TEXT, startdate=DATE_TIME,
        targetdate=nullable(DATE_TIME), reminder=BOOLEAN, remindertime=nullable(TIME),
        reminderdate=nullable(DATE), is_therapist_approved=BOOLEAN),
    "goal-tracking": representation("One due date of a goal; its `goal` link leads back.", **TRACKING_FIELDS),
    "mood": representation("A mood log.", logdate=DATE_TIME, mood=STRING,
                           reasons=nullable({"type": "array", "items": STRING})),
    "subject": representation(
        "A research subject: links to its logs and (for members) its members.", id=ID, name=STRING,
        description=NULLABLE_TEXT, is_public=BOOLEAN, user=described(NULLABLE_URI, "the creator's @url")),
    "subjectlog": representation(
        "A subject log; its entry links take PATCH with an entry (add_entry, change_entry) or its time "
        "(remove_entry) and answer the whole log.",
        id=ID, type=described(STRING, "the name of its subject-log type"), description=NULLABLE_TEXT,
        subject=described(URI, "the subject's @url"), user=described(NULLABLE_URI, "the creator's @url"),
        entries={"type": "array", "items": ref("LoggedEntry"), "description": "sorted by time"}),
}
SUMMARIES = {
    "entry": {"create": "Write an entry",
              "list": "Entries, newest dt first; or every change since modified_after, oldest first",
              "get": "An entry (every field, null when not set)",
              "patch": "Change an entry's fields (merged, revalidated)",
              "delete": "Delete an entry (a tombstone stays for sync)"},
    "journal": {"list": "Journals, most recent first, with their tags; or every change since modified_after",
                "create": "Write a journal", "get": "A journal with its tags",
                "patch": "Change a journal's fields (null clears one)", "put": "Replace a journal's fields",
                "delete": "Delete a journal and its tags (a tombstone stays)"},
    "tag": {"list": "A journal's tags, oldest first", "create": "Tag a journal", "get": "A tag",
            "patch": "Change a tag", "put": "Replace a tag", "delete": "Delete a tag"},
    "goal": {"list": "Goals, newest first; or every change since modified_after",
             "create": "Set a goal: its tracking items are generated", "get": "A goal",
             "patch": "Change a goal (merged, revalidated); a schedule change regenerates the items due after today",
             "delete": "Delete a goal and its tracking (tombstones stay)"},
    "goal-tracking": {"list": "A goal's tracking items, oldest due date first", "get": "A tracking item",
                      "patch": "Tick a tracking item (iscompleted); the goal's status follows"},
    "mood": {"list": "Mood logs, newest first; or every change since modified_after", "create": "Log a mood",
             "get": "A mood log", "patch": "Change a mood log (merged, revalidated)",
             "delete": "Delete a mood log (a tombstone stays for sync)"},
    "subjectlog": {"list": "The logs of the caller's subjects (or of one visible subject), newest first; or every "
                           "change since modified_after",
                   "create": "Create a log of a subject (its members)", "get": "A log with all its entries",
                   "patch": "Change a log's description (members)",
                   "delete": "Delete a log and its entries (a tombstone stays for sync)"},
}
# Component names and tags that are not the rule's (the kind's name in CamelCase; its collection's name).
COMPONENTS = {"entry": "StoredEntry", "goal-tracking": "TrackingItem"}
KIND_TAGS = {"entry": "diary entries", "goal-tracking": "tracking", "tagtype": "tag types", "subject": "subjects",
             "subjectlog": "subject logs"}
# The client's names for the links to the entries (its diary's are entries, entries.items).
KIND_LINKS = {"entry": {"create": "diary.entries", "list": "diary.entries.items"}}
LIST_EXTRAS = {"entry": {"@schemas": {"type": "array", "items": ref("SchemaDescriptor"),
                                      "description": "the descriptors of the entry types present in @items"}}}
# Where the collections of kinds below these (not record) resources hang.
PARENT_PATHS = {"Root": "/", "ClientResource": CLIENT, "Diary": DIARY}


# Names that are one word in a kind's name but two in CamelCase.
WORDS = {"subjectlog": "SubjectLog", "subjectlogs": "SubjectLogs", "tagtype": "TagType", "tagtypes": "TagTypes"}


def _camel(name: str) -> str:
    return "".join(WORDS.get(part, part.capitalize()) for part in name.replace("-", "_").split("_"))


def _item_path(kind, declared) -> str | None:
    """The path template of one record of a declared kind (None when its parent's path is unknown)."""
    parent = next((other for other in declared.values() if other.item_class is kind.parent), None)
    above = _item_path(parent, declared) if parent is not None else PARENT_PATHS.get(kind.parent.__name__)
    if above is None:
        return None
    return f"{above}{kind.collection}/{{{kind.name.replace('-', '_')}_id}}/"


def record_kind(kind, declared, bodies, namespace: str) -> RecordKind | None:
    """The document's description of a declared kind (kinds.Kind, registered by config.add_record_kind)."""
    item = _item_path(kind, declared)
    if item is None:
        return None
    collection = item[:item.rindex("{")]
    links = {}
    for name, view, _ in kind.parent_links:
        if view == kind.listing_view:
            links["list"] = name
        if view == "" and kind.creatable:
            links["create"] = name
    parent = next((other for other in declared.values() if other.item_class is kind.parent), None)
    for link in parent.links if parent is not None else ():
        if link.path == kind.collection + "/":
            links.setdefault("list", link.name)
            if kind.creatable:
                links.setdefault("create", link.name)
    for child in declared.values():
        if child.parent is kind.item_class and child.parent_link:
            links["get"] = child.parent_link
    # A collection's traversal name is also its parent's link name, unless the kind says otherwise.
    if not kind.listing_view:
        links.setdefault("list", kind.collection)
    if kind.creatable:
        links.setdefault("create", kind.collection)
    links.update(KIND_LINKS.get(kind.name, {}))
    what = kind.name.replace("-", " ")
    summaries = SUMMARIES.get(kind.name, {})
    operations = {"list": f"The {kind.collection}, a page at a time; or every change since modified_after"}
    if kind.creatable:
        operations["create"] = f"Add a {what}"
    operations.update(get=f"A {what}", patch=f"Change a {what} (merged, checked)")
    if kind.put:
        operations["put"] = f"Replace a {what}'s fields"
    if kind.deletable:
        operations["delete"] = f"Delete a {what} (a tombstone stays for sync)"
    operations = {op: summaries.get(op, summary) for op, summary in operations.items()}
    about = inspect.cleandoc(type(kind).__doc__) if type(kind).__doc__ else None  # its own, not Kind's
    representation_ = REPRESENTATIONS.get(kind.name)
    if representation_ is None:
        own = bodies[kind.body].properties if kind.body else {}
        representation_ = representation((about or what).split("\n")[0],
                                          **{name: own.get(name, {}) for name in kind.fields})
    if kind.annotation_fields:  # fields other declarations add to its records (config.add_kind_extension)
        representation_ = dict(representation_, properties=dict(representation_["properties"], **kind.annotation_fields),
                               required=representation_["required"] + list(kind.annotation_fields))
    # Kinds that share a collection's name (the feedback below each kind's records) are told apart by their own.
    shared_name = sum(other.collection == kind.collection for other in declared.values()) > 1
    return RecordKind(
        _camel(kind.name), _camel(kind.name if shared_name else kind.collection),
        KIND_TAGS.get(kind.name, kind.name.replace("-", " ") if shared_name else kind.collection), representation_,
        kind.body or None, collection, item, (kind.collection_class.__name__, kind.item_class.__name__), operations,
        schema=COMPONENTS.get(kind.name), links=links, list_view=kind.listing_view,
        query=tuple(node.name for node in kind.listing().children),
        dedupe=f"An identical {what} exists: it is answered, and nothing is stored" if kind.dedupe else None,
        errors=dict({"patch": (409,), "put": (409,)} if kind.dedupe else {},
                    # A root collection that not everyone signed in may list: 403 (below a record: 404).
                    **({"list": (403,)} if kind.list_permission != Permissions.VIEW and "{" not in collection
                       else {})),
        read_only=read_only_keys(*sorted(kind.read_only | kind.annotation_fields.keys())), list_extra=LIST_EXTRAS.get(kind.name, {}),
        body_component=None if kind.body else "Entry", about=about,
        # A kind whose records' @type is its own IRI (an entry's is its schema's $id).
        types=(namespace + kind.type_name if type(kind).type_of is Kind.type_of else None,
               namespace + kind.collection_type))


# The kinds that are not declared (yet): described here by hand, until a declaration takes their place.
UNDECLARED = (
    RecordKind(
        "TagType", "TagTypes", "tag types", REPRESENTATIONS["tagtype"], body="tagtype", collection=TAGTYPES,
        item=TAGTYPES + "{tagtype_id}/", contexts=("TagTypes", "TagTypeResource"),
        operations={"list": "Every tag type, by name", "create": "Add a tag type (professionals, admins)",
                    "get": "A tag type"},
        links={"list": "tagtypes", "create": "tagtypes"}, query=("limit", "after"), tombstones=False,
        errors={"create": (409,)}),
    RecordKind(
        "Subject", "Subjects", "subjects", REPRESENTATIONS["subject"], body="subject", collection="/subjects/",
        item=SUBJECT, contexts=("Subjects", "SubjectResource"),
        operations={"list": "The subjects the caller is a member of (researchers)",
                    "create": "Create a subject (researchers); the creator is its first member",
                    "get": "A subject (members; anyone for a public one)", "patch": "Change a subject (members)"},
        links={"list": "subjects", "create": "subjects"}, query=("limit", "after"), tombstones=False,
        if_none_match=False, errors={"list": (403,)}, read_only=read_only_keys("id", "user", "entries")),
)


def record_kinds(registry) -> list[RecordKind]:
    """Every record kind of the application: each declared one (the registry, in declaration order), then
    the undeclared ones that no declaration has taken the place of."""
    declared = getattr(registry, "kinds", {})
    namespace = registry.settings["hyperdiary.namespace"]
    found = [record_kind(kind, declared, registry["bodies"], namespace) for kind in declared.values()]
    found = [kind for kind in found if kind is not None]
    taken = {kind.contexts for kind in found}
    return found + [kind for kind in UNDECLARED if kind.contexts not in taken]


# Operations that are not a record kind's (those follow from record_kinds()): one entry per view.
OPERATIONS = (
    Op("getRoot", "get", "/", "Root", "", "The entry point: links to everything", result="Root", public=True),
    Op("getOpenAPI", "get", "/openapi.json", "Root", "openapi.json", "This document", "openapi",
       result={"type": "object", "description": "An OpenAPI 3.1 document"}, public=True),
    Op("getJSONLDContext", "get", "/context.jsonld", "Root", "context.jsonld",
       "The JSON-LD context every answer's Link header points at", "context",
       result={"type": "object", "required": ["@context"]}, public=True, media="application/ld+json"),
    # Accounts (API.md §3).
    Op("register", "post", "/auth/register", "Auth", "register", "Register as a client", "auth.register",
       "Registration", 201, "User", public=True, etag=True, errors=(429,)),
    Op("signIn", "post", "/auth/token", "Auth", "token", "Sign in: access and refresh tokens", "auth.token",
       "Credentials", result="Tokens", errors=(401, 429), public=True),
    Op("refreshTokens", "post", "/auth/refresh", "Auth", "refresh", "Trade a refresh token for new tokens",
       "auth.refresh", "RefreshToken", result="Tokens", errors=(401, 429), public=True),
    Op("signOut", "post", "/auth/logout", "Auth", "logout", "Revoke a sign-in and every token issued from it",
       "auth.logout", "RefreshToken", result="SignedOut", errors=(401,), public=True),
    Op("listUsers", "get", "/users/", "Users", "", "Every user (admins)", "users", result=page(ref("User")),
       errors=(403,), query=("limit", "after")),
    Op("addUser", "post", "/users/", "Users", "", "Create a user of any role (admins)", "users", "NewUser", 201,
       "User", errors=(403,), etag=True),
    Op("getUser", "get", USER, "UserResource", "", "A user's profile", "me", result="User", errors=(404,),
       etag=True),
    Op("changeUser", "patch", USER, "UserResource", "", "Change names, email, password; admins: is_active", "me", "ProfileChange",
       result="User", errors=(403, 404), etag=True, if_match=True),
    Op("listCaseload", "get", USER + "caseload/", "Caseload", "", "A professional's caseload", "caseload",
       result=page(ref("Assignment")), errors=(404,), query=("limit", "after")),
    Op("assignClient", "post", USER + "caseload/", "Caseload", "", "Assign a client (admins)", "caseload",
       "NewAssignment", 201, "Assignment", errors=(403, 404), also={200: "The client was assigned already"}),
    Op("getAssignment", "get", USER + "caseload/{client_id}/", "Assignment", "", "One assignment",
       result="Assignment", errors=(404,)),
    Op("unassignClient", "delete", USER + "caseload/{client_id}/", "Assignment", "", "End an assignment (admins)",
       ok=204, errors=(403, 404)),
    # Clients and diaries (API.md §4).
    Op("listClients", "get", "/clients/", "Clients", "", "The caller's caseload (every client, for admins)",
       "clients", result=page(ref("Client")), errors=(403,), query=("limit", "after", "login")),
    Op("getClient", "get", CLIENT, "ClientResource", "", "A client, with links to its diary", "client",
       result="Client", errors=(404,), etag=True),
    Op("changeClient", "patch", CLIENT, "ClientResource", "", "Change a client's name or time zone", "client",
       "ClientChange", result="Client", errors=(404,), etag=True, if_match=True),
    Op("getDiary", "get", DIARY, "Diary", "", "A diary's links", "diary", result="Diary", errors=(404,)),
    Op("getDiaryConfiguration", "get", DIARY + "configuration", "Diary", "configuration",
       "The entry schemas this diary may hold", "diary.configuration", result="SchemaSet", errors=(404,),
       etag=True),
    Op("setDiaryConfiguration", "put", DIARY + "configuration", "Diary", "configuration",
       "Set the entry schemas this diary may hold (professionals, admins)", "diary.configuration",
       "Configuration", result="SchemaSet", errors=(403, 404), etag=True, if_match=True),
    Op("listEntrySchemasInUse", "get", ENTRIES + "schemas", "Entries", "schemas",
       "The schemas of the entry types in use in this diary", "diary.entries.schemas", result="SchemaSet",
       errors=(404,)),
    # Journals, tags and tag types (RESOURCES.md).
    Op("getJournalStats", "get", JOURNALS + "stats", "Journals", "stats", "Journals per local calendar day",
       "journals.stats", result="JournalStats", errors=(404,), query=RANGE),
    # Entry schemas (API.md §5).
    Op("listSchemas", "get", "/schemas/", "Schemas", "", "Every entry schema, shipped and uploaded", "schemas",
       result=page(ref("SchemaDescriptor")), public=True),
    Op("addSchema", "post", "/schemas/", "Schemas", "", "Upload an entry schema (professionals, admins)", "schemas",
       "JSONSchema", 201, "SchemaDescriptor", errors=(403, 409)),
    Op("getSchema", "get", SCHEMA, "SchemaResource", "", "An entry schema's descriptor", result="SchemaDescriptor",
       errors=(404,), public=True),
    Op("getJSONSchema", "get", SCHEMA + "jsonschema", "SchemaResource", "jsonschema", "The JSON Schema document",
       "jsonschema", result="JSONSchema", errors=(404,), public=True, media="application/schema+json"),
    # Goals and goal tracking (RESOURCES.md).
    Op("batchGoals", "post", GOALS + "batch", "Goals", "batch",
       "Create or update (items with an @url) a list of goals, all or nothing", "goals.batch", "GoalBatch",
       result="GoalURLs", errors=(403, 404)),
    Op("getGoalTracker", "get", GOALS + "tracker", "Goals", "tracker",
       "Tracking items by local day (default: this week; at most 400 days)",
       "goals.tracker", result="GoalTracker", errors=(404,), query=RANGE),
    Op("listPendingGoals", "get", GOALS + "pending", "Goals", "pending",
       "Approved goals not yet started, with their first due date as startdate", "goals.pending",
       result=page(ref("Goal")), errors=(404,), query=("limit", "after")),
    Op("listGoalReminders", "get", GOALS + "reminders", "Goals", "reminders",
       "Incomplete tracking items whose reminder is due before `until`", "goals.reminders",
       result=page(ref("GoalReminder")), errors=(404,), query=("until", "since", "limit", "after")),
    Op("getGoalsCalendar", "get", GOALS + "ics", "Goals", "ics", "The goals as an iCalendar feed", "goals.ics",
       result="Calendar", errors=(404,), media="text/calendar"),
    # Secret calendar feeds of the goals (API.md §11).
    Op("listCalendarFeeds", "get", CLIENT + "calendarfeeds/", "CalendarFeeds", "",
       "The client's secret calendar feeds, oldest first, without their secrets (the client)", "goals.ics.feeds",
       result=page(ref("CalendarFeed")), errors=(404,), query=("limit", "after")),
    Op("addCalendarFeed", "post", CLIENT + "calendarfeeds/", "CalendarFeeds", "",
       "A new secret URL of the goals calendar, for a calendar app (the client)", "goals.ics.feeds",
       "CalendarFeedBody", 201, "CalendarFeed", errors=(404,), etag=True),
    Op("getCalendarFeed", "get", CLIENT + "calendarfeeds/{feed_id}/", "CalendarFeedResource", "",
       "A secret calendar feed (the client)", result="CalendarFeed", errors=(404,), etag=True, if_none_match=True),
    Op("endCalendarFeed", "delete", CLIENT + "calendarfeeds/{feed_id}/", "CalendarFeedResource", "",
       "End a feed: its secret URL answers 404 from now on", ok=204, errors=(404,), if_match=True),
    Op("getSecretCalendar", "get", "/feeds/{feed_secret}/goals.ics", "SecretFeed", "goals.ics",
       "The goals calendar, to anyone with the secret URL (no header needed)", result="Calendar", errors=(404,),
       public=True, media="text/calendar"),
    Op("setGoalReminder", "patch", GOAL + "reminder", "GoalResource", "reminder",
       "Turn the reminder on or off and set its time, on the goal and every tracking item", "reminder",
       "GoalReminderChange", result="Goal", errors=(403, 404), etag=True, if_match=True),
    # Moods.
    Op("getMoodStats", "get", MOODS + "stats", "Moods", "stats", "Mood logs counted per local day and mood",
       "moods.stats", result="MoodStats", errors=(404,), query=RANGE),
    # Reports for professionals.
    Op("listReports", "get", REPORTS, "Reports", "", "The report types of a client, as links", "reports",
       result="Reports", errors=(404,)),
    Op("getEntriesSinceReport", "get", REPORTS + "entriesSince/", "EntriesSinceReport", "",
       "Entries, journals and mood logs since the reference date, newest first, with counts per kind",
       "entriesSince", result="EntriesSinceReport", errors=(404,), query=REPORT + ("limit", "after")),
    Op("getPerWeekReport", "get", REPORTS + "perWeek/", "PerWeekReport", "",
       "Entries, journals, moods and completed goals per ISO week, 12 weeks", "perWeek", result="PerWeekReport",
       errors=(404,), query=REPORT),
    Op("getPerSchemaReport", "get", REPORTS + "perSchema/", "PerSchemaReport", "",
       "Diary entries per ISO week and entry type, 12 weeks", "perSchema", result="PerSchemaReport",
       errors=(404,), query=REPORT),
    # Research: subjects and their members (RESOURCES.md).
    Op("listSubjectLogsOfSubject", "get", SUBJECT + "logs", "SubjectResource", "logs",
       "A subject's logs, newest first; or every change since modified_after", "logs", result=LOGS_PAGE,
       errors=(404,), query=("limit", "after", "modified_after", "type")),
    Op("listMembers", "get", MEMBERS, "Members", "", "A subject's members (members)", "members",
       result=page(ref("Member")), errors=(403, 404), query=("limit", "after")),
    Op("addMember", "post", MEMBERS, "Members", "", "Share the subject with a researcher (members)", "members",
       "SubjectMemberBody", 201, "Member", errors=(403, 404),
       also={200: "A member already: the membership is answered"}),
    Op("getMember", "get", MEMBERS + "{user_id}/", "MemberResource", "", "One membership (members)",
       result="Member", errors=(403, 404)),
    Op("removeMember", "delete", MEMBERS + "{user_id}/", "MemberResource", "",
       "End a membership (members; the creator stays)", ok=204, errors=(403, 404, 409)),
    # Research: subject logs and their entries.
    Op("listSubjectLogEntries", "get", LOG + "entries", "SubjectLogResource", "entries",
       "A log's entries, oldest first, a page at a time", "entries", result=page(ref("LoggedEntry")),
       errors=(404,), query=("limit", "after", "fromdate", "todate", "time_zone")),
    Op("addSubjectLogEntry", "patch", LOG + "add_entry", "SubjectLogResource", "add_entry",
       "Add an entry (members); answers the whole log", "add_entry", "SubjectLogEntry", result="SubjectLog",
       errors=(403, 404, 409), etag=True, if_match=True),
    Op("changeSubjectLogEntry", "patch", LOG + "change_entry", "SubjectLogResource", "change_entry",
       "Change the entry at the body's time (members): merged, then checked; answers the whole log",
       "change_entry", "SubjectLogEntry", result="SubjectLog", errors=(403, 404, 409), etag=True, if_match=True),
    Op("removeSubjectLogEntry", "patch", LOG + "remove_entry", "SubjectLogResource", "remove_entry",
       "Remove the entry at the body's time (members); answers the whole log", "remove_entry",
       "SubjectLogEntryTime", result="SubjectLog", errors=(403, 404, 409), etag=True, if_match=True),
    Op("listSubjectLogTypes", "get", "/subjectlogs/types/", "SubjectLogTypesResource", "", "Every subject-log type",
       "types", result=page(ref("SubjectLogType")), public=True),
    Op("getSubjectLogType", "get", LOG_TYPE, "SubjectLogTypeResource", "", "A subject-log type", "type",
       result="SubjectLogType", errors=(404,), public=True),
    Op("getSubjectLogTypeJSONSchema", "get", LOG_TYPE + "jsonschema", "SubjectLogTypeResource", "jsonschema",
       "The JSON Schema of a type's entry details", "jsonschema", result="JSONSchema", errors=(404,), public=True,
       media="application/schema+json"),
    # Health-data duties (API.md §9): audit trail, erasure, who may see a client, the export.
    Op("listAudit", "get", "/audit/", "Audit", "", "Every audit event, newest first (admins)", "audit",
       result=page(ref("AuditEvent")), errors=(403,), query=("limit", "after", "fromdate", "todate", "time_zone", "actor")),
    Op("listClientAudit", "get", CLIENT + "audit/", "ClientAudit", "",
       "Who read or changed the client's data, newest first (the client, admins)", "audit",
       result=page(ref("AuditEvent")), errors=(404,), query=("limit", "after", "fromdate", "todate", "time_zone", "actor")),
    Op("listClientProfessionals", "get", CLIENT + "professionals", "ClientResource", "professionals",
       "The professionals whose caseload holds the client, and since when", "professionals",
       result=page(ref("Professional")), errors=(404,), query=("limit", "after")),
    Op("exportClient", "get", CLIENT + "export", "ClientResource", "export",
       "Everything stored for the client, as one JSON document or (Accept: application/fhir+json) a FHIR R4 "
       "Bundle; streamed", "export", result="Export", errors=(404,),
       alternatives={"application/fhir+json": ref("FHIRBundle")}),
    Op("eraseUser", "delete", USER, "UserResource", "", "Erase a user and everything of theirs: one's own account "
       "with one's password (`me`), or any user (admins, no body)", "me", "Erasure", ok=204, errors=(403, 404),
       if_match=True),
    # For people (API.md §10): the pages' sign-in, charts, the schema preview. Any GET also answers an HTML
    # page to a request that prefers text/html; not listed per operation.
    Op("signInPages", "post", "/auth/session", "Auth", "session",
       "The pages' sign-in: as auth.token, but the tokens are kept in HttpOnly cookies", body="Credentials",
       result="PageSession", errors=(401,), public=True),
    Op("signOutPages", "delete", "/auth/session", "Auth", "session",
       "The pages' sign-out: revokes the sign-in the cookies hold and clears them", ok=204, public=True),
    Op("previewSchema", "post", "/schemas/preview", "Schemas", "preview",
       "The descriptor an upload of this schema would get, or its 400; nothing is stored", "schemas.preview",
       "JSONSchema", result="SchemaDescriptor", errors=(403,)),
    Op("listCharts", "get", CHARTS, "Charts", "", "A client's charts", "charts", result=page(ref("ChartLink")),
       errors=(404,)),
    Op("getChart", "get", CHARTS + "{chart_name}/", "ChartResource", "",
       "A chart for a range of local days (default: the last 28); SVG for Accept: image/svg+xml",
       result="Chart", errors=(404,), query=RANGE),
)


def body_schemas(bodies) -> dict:
    """The request bodies that are not a kind's create or change, read from the deployment's schemas/ files."""
    goal = file_body(bodies, "goal", READ_ONLY)
    return {
        "GoalBatch": {"type": "array", "maxItems": 100, "items": dict(
            goal, required=[], description="A new goal, or (with the @url of one) the fields to change")},
        "GoalReminderChange": file_body(bodies, "goalreminder"),
        "SubjectMemberBody": file_body(bodies, "subject_member"),
    }


SUCCESS = {200: "OK", 201: "Created", 204: "No content"}


# Paths whose operations ignore an Authorization header (resources with `ignores_bearer_token`).
TOKENLESS = ("/auth/", "/feeds/")


def _revalidates(op: Op) -> bool:
    """A GET that answers an ETag honours If-None-Match (hypermedia.set_etag makes the answer conditional),
    and every GET answers `If-None-Match: *` with a 304 (conditional.py): whatever it answers exists."""
    return op.if_none_match or op.method == "get"


def path_names(path: str) -> list[str]:
    """The names of a path template's parameters, in order."""
    return re.findall(r"\{(\w+)\}", path)


def _parameters(op: Op) -> list[dict]:
    # A record's id unless PATH_PARAMETERS says otherwise (a kind's item path names its own).
    parameters = [{"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS.get(name, ID)}
                  for name in path_names(op.path)]
    parameters += [{"name": name, "in": "query", "required": False, "schema": QUERY[name]} for name in op.query]
    if op.if_match:
        parameters.append({"$ref": "#/components/parameters/If-Match"})
    if _revalidates(op):
        parameters.append({"$ref": "#/components/parameters/If-None-Match"})
    return parameters


def _success(op: Op, description: str, links=None) -> dict:
    response = {"description": description}
    headers = {}
    if op.etag:
        headers["ETag"] = {"$ref": "#/components/headers/ETag"}
    if op.ok == 201:
        headers["Location"] = {"$ref": "#/components/headers/Location"}
    if headers:
        response["headers"] = headers
    if op.result is not None:
        schema = ref(op.result) if isinstance(op.result, str) else op.result
        response["content"] = {op.media: {"schema": schema}}
        response["content"].update({media: {"schema": other} for media, other in op.alternatives.items()})
        if op.media == JSON and (isinstance(op.result, str) or "@items" in op.result.get("properties", {})):
            # What the views render (a representation, a page), they also render as JSON-LD (linkeddata.py).
            response["content"][LINKED_DATA] = {"schema": ref("LinkedData")}
    if links:
        response["links"] = links
    return response


def created_links(operations) -> dict:
    """{operationId of a create: its OpenAPI links}: to the GET of what it created. That GET answers the same
    schema at the path one templated step below the create's (or, failing that, is the one GET of it)."""
    gets = [op for op in operations if op.method == "get" and isinstance(op.result, str)]
    found = {}
    for op in operations:
        if op.ok != 201 or not isinstance(op.result, str):
            continue
        same = [get for get in gets if get.result == op.result]
        below = [get for get in same if get.path.startswith(op.path) and get.path[len(op.path):].count("/") == 1
                 and get.path[len(op.path)] == "{"]
        target = (below or (same if len(same) == 1 else [None]))[0]
        if target is None:
            continue
        carried = {name: f"$request.path.{name}" for name in path_names(op.path)}
        new = [name for name in path_names(target.path) if name not in carried]
        found[op.id] = {"created": {
            "operationId": target.id, "parameters": carried,
            "x-url": "$response.header.Location",
            "description": "The created resource: GET the `Location` header's URL (the body's `@url`)"
                           + (f", whose last step is the `{new[0]}`" if new else "") + "."}}
    return found


def registered_views(registry) -> dict:
    """{(context class name, view name, METHOD): {callable, permission}} of every view of a resource class
    (not exception views), from Pyramid's introspector; read once per application."""
    views = registry.get("openapi.views")
    if views is None:
        views = {}
        for item in registry.introspector.get_category("views"):
            view = item["introspectable"]
            context = view["context"]
            if not isinstance(context, type) or issubclass(context, BaseException) or view["exception_only"]:
                continue
            methods = view["request_methods"] or ()
            permissions = [related["value"] for related in item["related"] if related.category_name == "permissions"]
            described = {"callable": view["callable"], "permission": permissions[0] if permissions else None}
            for method in (methods,) if isinstance(methods, str) else methods:
                views[(context.__name__, view["name"], method)] = described
        registry["openapi.views"] = views
    return views


def all_operations(kinds) -> list[Op]:
    """The table's operations, then each kind's."""
    return list(OPERATIONS) + [op for kind in kinds for op in kind_operations(kind)]


def _operation(op: Op, view, links) -> dict:
    description = {"operationId": op.id, "summary": op.summary, "tags": [tag_of(op)]}
    explained = op.description if op.description is not None else inspect.getdoc(view["callable"])
    if explained:
        description["description"] = explained
    if op.link:
        description["x-link"] = op.link
    description["x-view"] = {"context": op.context, "name": op.name, "method": op.method.upper()}
    if view["permission"] is not None:
        description["x-permission"] = str(view["permission"])
    parameters = _parameters(op)
    if parameters:
        description["parameters"] = parameters
    if op.body:
        description["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(op.body)}}}
    responses = {str(op.ok): _success(op, SUCCESS[op.ok], links)}
    for status, text in op.also.items():
        responses[str(status)] = _success(op, text)
    if _revalidates(op):
        responses["304"] = {"description": "Not modified: If-None-Match holds the current ETag, or `*`"}
    errors = set(op.errors)
    if op.body or op.query:
        errors.add(400)
    if op.body:
        errors.update((413, 415))
    # Any operation may find the database out of reach (faults.py).
    errors.add(503)
    # A token that is no good is a 401 (error="invalid_token") on public operations too (security.py), but
    # for those that ignore an Authorization header: the auth endpoints and the secret calendar feeds.
    if not op.public or not op.path.startswith(TOKENLESS):
        errors.add(401)
    if op.if_match:
        errors.add(412)
    for code in sorted(errors):
        responses[str(code)] = error(code)
    description["responses"] = dict(sorted(responses.items()))
    if not op.public:
        description["security"] = [{"bearer": []}]
    return description


def document(request) -> dict:
    """The document of this application: built once (it depends on the views, the kinds and the deployment's
    schema files, none of which change while it runs), with this request's server URL."""
    built = request.registry.get("openapi.document")
    if built is None:
        built = request.registry["openapi.document"] = _build(request.registry)
    return dict(built, servers=[{"url": request.application_url}])


def _build(registry) -> dict:
    views = registered_views(registry)
    kinds = record_kinds(registry)
    # What a package describes of its own views and shapes (careteam), and of the clients listing's columns.
    operations = all_operations(kinds) + list(registry.get("openapi.operations", ()))
    links = created_links(operations)
    paths = {}
    for op in operations:
        view = views.get((op.context, op.name, op.method.upper()))
        if view is None:  # the document never describes a view that does not exist
            continue
        paths.setdefault(op.path, {})[op.method] = _operation(op, view, links.get(op.id))
    bodies = registry["bodies"]
    schemas = dict(SCHEMAS)
    for kind in kinds:
        schemas.update(kind_schemas(kind, bodies))
    schemas.update(body_schemas(bodies))
    schemas.update(registry.get("openapi.schemas", {}))
    client_fields = registry.get("openapi.client_fields")
    if client_fields:
        schemas["Client"] = dict(schemas["Client"], properties=dict(schemas["Client"]["properties"], **client_fields))
    used = list(dict.fromkeys(operation["tags"][0] for methods in paths.values() for operation in methods.values()))
    kind_tags = {kind.tag: kind.about for kind in kinds if kind.about}
    tags = [name for name in TAGS_DESCRIBED if name in used] + [name for name in used if name not in TAGS_DESCRIBED]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "hyperdiary",
            "version": "0.1.0",
            "description": "Hypermedia API for self-monitoring in mental-health care and research. Find URLs by "
                           "following `@links` from `/`: the paths below show today's shapes, which may change, "
                           "and `x-link` names the link that leads to each operation. Every error has the body "
                           "`Error`; a method a path does not list answers 405 with an `Allow` header.",
        },
        "servers": [],
        "tags": [{"name": name, "description": kind_tags.get(name) or TAGS_DESCRIBED.get(name, name)} for name in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": {
                "If-Match": {"name": "If-Match", "in": "header", "required": False, "schema": STRING,
                             "description": "The ETag read last: the write answers 412 if the record changed"},
                "If-None-Match": {"name": "If-None-Match", "in": "header", "required": False, "schema": STRING,
                                  "description": "The ETag read last: 304 if the record is unchanged"},
            },
            "headers": HEADERS,
            "responses": {
                "MethodNotAllowed": {
                    "description": "The path exists, but not for this method (any method a path does not list)",
                    "headers": {"Allow": {"schema": STRING, "description": "The methods the path answers"}},
                    "content": {JSON: {"schema": ref("Error")}},
                },
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Also accepted as `Authorization: md-token <access>`."}},
        },
    }
