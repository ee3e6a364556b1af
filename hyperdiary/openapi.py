"""The OpenAPI 3.1 description of every operation.

Paths are traversal paths with their ids templated; clients should still follow links (`x-link` names
the link that leads to each operation, where one does). Every operation names the view that serves it
in `x-view`; tests/functional/test_openapi.py checks both ways that the views and the document agree,
and that real answers fit the documented responses.

The document is data: component schemas, one table of operations (OPERATIONS), and `_operation`, which
adds what follows from an operation's traits (a body can be malformed or too large: 400 and 413; a
signed-in caller is needed: 401 and `security`; If-Match is honoured: 412) so the table stays short.
"""
from typing import NamedTuple

from .accounts import MIN_PASSWORD_LENGTH
from .models import Role

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"


# --- schema helpers -----------------------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required=(), **properties) -> dict:
    """A closed object: what a fixed request body may hold."""
    return {"type": "object", "required": list(required), "properties": properties, "additionalProperties": False}


def representation(what: str, /, **fields) -> dict:
    """A resource: the hypermedia keys of Representation, then its own fields."""
    return {"allOf": [ref("Representation")], "properties": fields, "description": what}


def page(items: dict) -> dict:
    """One page of a collection of `items`."""
    return {"allOf": [ref("Collection")], "properties": {"@items": {"type": "array", "items": items}}}


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
SUBJECT_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
LOG_DESCRIPTION = {"type": ["string", "null"], "maxLength": 500}


# --- components/schemas ---------------------------------------------------------------------------------

SCHEMAS = {
    # The hypermedia shapes every answer is built from (API.md §1).
    "Link": obj(("name", "url"), name=described(STRING, "the contract's link name"), url=URI),
    "Changes": obj(("creation_time", "modification_time"), creation_time=DATE_TIME, modification_time=DATE_TIME),
    "Representation": {
        "type": "object",
        "required": ["@url", "@type", "@links"],
        "properties": {
            "@url": URI,
            "@type": described(STRING, "an IRI naming what this is"),
            "@links": {"type": "array", "items": ref("Link"),
                       "description": "present only when the caller may use them"},
            "@changes": ref("Changes"),
        },
        "description": "Every resource; its own fields follow the hypermedia keys.",
    },
    "Collection": {
        "allOf": [ref("Representation")],
        "required": ["@items"],
        "properties": {
            "@items": {"type": "array", "items": {"type": "object"}},
            "@schemas": {"type": "array", "items": ref("SchemaDescriptor"),
                         "description": "the descriptors of the entry types present in @items"},
        },
        "description": "One page; a `next` link in @links leads to the following page.",
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
        **{"@id": described(STRING, "the schema's $id: the @type of its entries"),
           "title": STRING,
           "description": {"type": ["string", "null"]},
           "fields": {"type": "array", "items": ref("Field")},
           "charts": {"type": "array", "description": "the schema's x-charts"},
           "resources": {"type": "array", "description": "the schema's x-resources"}},
    ) | {"required": ["@id", "title", "fields", "charts", "resources"]},
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
                "type": "object", "required": ["name", "value"],
                "properties": {"name": STRING, "value": {}, "icon": {"type": ["string", "null"]}}}},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "default": {},
            "description": STRING,
            "widget": STRING,
        },
    },
    "SchemaSet": representation("The entry schemas of a diary (configured, or in use).",
                                **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor")}}),
    "JSONSchema": {"type": "object", "description": "A Draft 2020-12 JSON Schema of an object, with an absolute $id "
                                                    "of at most 500 characters."},
    # Resources.
    "Root": representation("The entry point: its links lead everywhere the caller may go.", title=STRING),
    "User": representation("A user's profile (`me`).", username=STRING, email=STRING, role=ROLE,
                           first_name=STRING, last_name=STRING,
                           is_active=described(BOOLEAN, "false: deactivated by an admin, cannot sign in")),
    "Client": representation("A client: links to its diary.", name=STRING, login=described(STRING, "the username"),
                             time_zone=described(STRING, "an IANA time zone")),
    "Assignment": representation("A client in a professional's caseload.",
                                 client=described(URI, "the client's @url"), name=STRING),
    "Diary": representation("A diary: links to its configuration and entries."),
    "StoredEntry": {
        "allOf": [ref("Representation")],
        "required": ["dt"],
        "properties": {"dt": DATE_TIME},
        "additionalProperties": described(ENTRY_FIELDS, "the fields of the entry's JSON Schema (null when not set)"),
        "description": "An entry; @type is the $id of its schema.",
    },
    # Journals (RESOURCES.md); their request bodies are the files in schemas/ (`...Body`, added in document()).
    "Journal": representation(
        "A self-reflection note, with its live tags.",
        title={"type": ["string", "null"]}, description={"type": ["string", "null"]},
        journal_timestamp=DATE_TIME, session={"type": ["string", "null"]},
        tags={"type": "array", "items": ref("Tag")}) | {"required": ["title", "description", "journal_timestamp",
                                                                     "session", "tags"]},
    "Tag": representation("A tag on a journal.", tagtype=described(URI, "the tag type's @url"),
                          name=described(STRING, "the tag type's name"), description={"type": ["string", "null"]}),
    "TagType": representation("A kind of tag, shared by every journal.", name=STRING,
                              description={"type": ["string", "null"]}),
    "JournalStats": representation("Journals per local calendar day.", journalstats={"type": "array", "items": obj(
        ("journaldate", "count"), journaldate={"type": "string", "format": "date"},
        count={"type": "integer", "minimum": 1})}) | {"required": ["journalstats"]},
    # Research (RESOURCES.md, "Subjects and subject logs").
    "Subject": representation("A research subject: links to its logs and (for members) its members.", id=ID,
                              name=STRING, description=NULLABLE_TEXT, is_public=BOOLEAN,
                              user=described(NULLABLE_URI, "the creator's @url")),
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
    "SubjectLog": representation(
        "A subject log; its entry links take PATCH with an entry (add_entry, change_entry) or its time "
        "(remove_entry) and answer the whole log.",
        id=ID, type=described(STRING, "the name of its subject-log type"), description=NULLABLE_TEXT,
        subject=described(URI, "the subject's @url"), user=described(NULLABLE_URI, "the creator's @url"),
        entries={"type": "array", "items": ref("SubjectLogEntry"), "description": "sorted by time"}),
    "SubjectLogType": representation(
        "A subject-log type; its `jsonschema` link leads to the JSON Schema of its entries' details.",
        name=STRING, title=STRING, description=NULLABLE_TEXT,
        entries={"enum": ["instant", "interval"]}, **{"@id": described(STRING, "the schema's $id")}),
    "Tokens": obj(("access", "refresh", "expires_in"), access=STRING, refresh=STRING,
                  expires_in=described({"type": "integer"}, "seconds until the access token expires"),
                  user=described(ref("User"), "on sign-in: the caller's profile")),
    "SignedOut": obj(("message",), message=STRING),
    # Goals and moods (RESOURCES.md); their request bodies are the deployment's schemas/<kind>.json (document()).
    "Goal": representation(
        "A goal; `tracking` lists its items, `reminder` changes its reminder.",
        title=STRING, description=nullable(STRING), status=nullable(STRING), is_onetime={"type": "boolean"},
        frequency={"enum": ["One Time", "Daily", "Weekly", "Monthly"]},
        days={"type": "array", "items": STRING}, criticality=nullable(STRING), startdate=DATE_TIME,
        targetdate=nullable(DATE_TIME), reminder={"type": "boolean"}, remindertime=nullable(TIME),
        reminderdate=nullable(DATE), is_therapist_approved={"type": "boolean"},
    ) | {"required": ["title", "is_onetime", "frequency", "startdate", "is_therapist_approved"]},
    "TrackingItem": representation(
        "One due date of a goal; its `goal` link leads back.",
        duedate=DATE_TIME, iscompleted={"type": "boolean"}, reminderdate=nullable(DATE),
        remindertime=nullable(TIME), status=nullable(STRING),
    ) | {"required": ["duedate", "iscompleted"]},
    "GoalReminder": {
        "allOf": [ref("TrackingItem")],
        "required": ["goal", "title", "remind_at"],
        "properties": {"goal": described(URI, "the goal's @url"), "title": STRING,
                       "remind_at": described(DATE_TIME, "when it reminds (UTC)")},
        "description": "A tracking item whose reminder is due.",
    },
    "GoalTracker": representation(
        "Tracking items grouped by the local day of their due date.",
        time_zone=described(STRING, "the IANA zone of the days"),
        goaltracker={"type": "array", "items": {
            "type": "object", "required": ["date", "goals"],
            "properties": {"date": DATE, "goals": {"type": "array", "items": {
                "type": "object", "required": ["goal", "title", "tracking", "duedate", "iscompleted"],
                "properties": {"goal": URI, "title": STRING, "tracking": described(URI, "the item's @url"),
                               "duedate": DATE_TIME, "iscompleted": {"type": "boolean"},
                               "remindertime": nullable(TIME)}}}}}},
    ) | {"required": ["goaltracker"]},
    # Pages and charts (API.md §10).
    "Chart": representation(
        "A chart's data for a date range (with Accept: image/svg+xml, its drawing as SVG).",
        title=STRING, kind={"enum": ["entries", "moods", "journals", "goals"]}, fromdate=DATE, todate=DATE,
        time_zone=STRING, type={"enum": ["bar", "line"]}, x_label=STRING, y_label=STRING,
        categories={"type": "array", "items": STRING},
        series={"type": "array", "items": {"type": "object", "required": ["name", "values"], "properties": {
            "name": STRING, "values": {"type": "array", "items": {"type": ["number", "null"]}}}}},
    ) | {"required": ["title", "kind", "fromdate", "todate", "categories", "series"]},
    "ChartLink": obj(("@url", "title", "kind"), **{"@url": URI, "title": STRING, "kind": STRING}),
    "PageSession": obj(("user", "expires_in"), user=ref("User"), expires_in={"type": "integer"}),
    "GoalURLs": {"type": "array", "items": URI, "description": "The goals' @urls, in the order of the batch."},
    "Mood": representation("A mood log.", logdate=DATE_TIME, mood=STRING, reasons={"type": "array", "items": STRING})
    | {"required": ["logdate", "mood", "reasons"]},
    "MoodStats": representation(
        "Mood logs counted per local day and mood.",
        time_zone=described(STRING, "the IANA zone of the days"),
        moodstats={"type": "array", "items": {
            "type": "object", "required": ["logdate", "mood", "count", "reasons"],
            "properties": {"logdate": DATE, "mood": STRING, "count": {"type": "integer", "minimum": 1},
                           "reasons": {"type": "array", "items": STRING}}}},
    ) | {"required": ["moodstats"]},
    "Calendar": described(STRING, "An iCalendar (RFC 5545) document: one VTODO per goal"),
    # Reports for professionals (RESOURCES.md).
    "Reports": representation("A client's report types: links `entriesSince`, `perWeek`, `perSchema`."),
    "EntriesSinceReport": {
        "allOf": [ref("Collection")],
        "required": ["counts", "since", "time_zone"],
        "properties": {
            "@items": {"type": "array", "items": {"anyOf": [ref("StoredEntry"), ref("Journal"), ref("Mood")]}},
            "counts": obj(("entries", "journals", "moods"), entries=COUNT, journals=COUNT, moods=COUNT),
            "since": described(DATE_TIME, "the reference instant: the items are at or after it"),
            "time_zone": described(STRING, "the IANA zone a reference date was read in"),
        },
        "description": "Diary entries, journals and mood logs at or after `since`, newest first, a page at a time; "
                       "`counts` are of everything since then, not just this page.",
    },
    "PerWeekReport": representation(
        "Records per ISO week (from the local Monday), the 12 weeks ending with the reference date's, oldest first.",
        time_zone=described(STRING, "the IANA zone of the weeks"),
        weeks={"type": "array", "minItems": 12, "maxItems": 12, "items": obj(
            ("week", "entries", "journals", "moods", "goals_completed"), week=ISO_WEEK, entries=COUNT,
            journals=COUNT, moods=COUNT, goals_completed=described(COUNT, "completed tracking items, by due date"))},
    ) | {"required": ["time_zone", "weeks"]},
    "PerSchemaReport": representation(
        "Diary entries per ISO week and entry type over the 12 weeks ending with the reference date's; no zero rows.",
        time_zone=described(STRING, "the IANA zone of the weeks"),
        rows={"type": "array", "items": obj(("week", "@type", "count"), week=ISO_WEEK, count={
            "type": "integer", "minimum": 1}, **{"@type": described(STRING, "the $id of the entry schema")})},
        **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor"),
                        "description": "the descriptors of the entry types in `rows`"}},
    ) | {"required": ["time_zone", "rows", "@schemas"]},
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
    "NewSubject": obj(("name",), name=SUBJECT_NAME, description=NULLABLE_TEXT, is_public=BOOLEAN),
    "SubjectChange": obj((), name=SUBJECT_NAME, description=NULLABLE_TEXT, is_public=BOOLEAN),
    "NewMember": described(obj((), user=described(STRING, "the researcher's @url (or id)"),
                               username=described(STRING, "or else their username")),
                           "Exactly one of `user` and `username`."),
    "NewSubjectLog": obj(("type", "subject"), type=described(STRING, "the name of a subject-log type"),
                         subject=described(STRING, "the subject's @url (or id)"), description=LOG_DESCRIPTION),
    "SubjectLogChange": described(obj((), description=LOG_DESCRIPTION),
                                  "Only the description changes; `type` and `subject` may be sent back as they are."),
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

PATH_PARAMETERS = {"user_id": ID, "client_id": ID, "entry_id": ID, "journal_id": ID, "tag_id": ID, "tagtype_id": ID,
                   "goal_id": ID, "tracking_id": ID, "mood_id": ID, "subject_id": ID, "log_id": ID,
                   "schema_key": described(STRING, "from the schema's @url"),
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
LOG = "/subjectlogs/{log_id}/"
LOG_TYPE = "/subjectlogs/types/{type_name}/"
CHARTS = CLIENT + "charts/"
LOGS_PAGE = page({"anyOf": [ref("SubjectLog"), ref("Tombstone")]})

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
    Op("changeUser", "patch", USER, "UserResource", "", "Change names, email or password", "me", "ProfileChange",
       result="User", errors=(404,), etag=True, if_match=True),
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
    Op("addEntry", "post", ENTRIES, "Entries", "", "Write an entry", "diary.entries", "Entry", 201,
       "StoredEntry", errors=(403, 404), etag=True,
       also={200: "An identical entry exists: it is answered, and nothing is stored"}),
    Op("listEntries", "get", ENTRIES + "items", "Entries", "items",
       "Entries, newest dt first; or every change since modified_after, oldest first", "diary.entries.items",
       result=page({"anyOf": [ref("StoredEntry"), ref("Tombstone")]}), errors=(404,),
       query=("limit", "after", "modified_after")),
    Op("listEntrySchemasInUse", "get", ENTRIES + "schemas", "Entries", "schemas",
       "The schemas of the entry types in use in this diary", "diary.entries.schemas", result="SchemaSet",
       errors=(404,)),
    Op("getEntry", "get", ENTRIES + "{entry_id}/", "EntryResource", "", "An entry (every field, null when not set)",
       result="StoredEntry", errors=(404,), etag=True, if_none_match=True),
    Op("changeEntry", "patch", ENTRIES + "{entry_id}/", "EntryResource", "",
       "Change an entry's fields (merged, revalidated)", body="Entry", result="StoredEntry", errors=(403, 404, 409),
       etag=True, if_match=True),
    Op("deleteEntry", "delete", ENTRIES + "{entry_id}/", "EntryResource", "",
       "Delete an entry (a tombstone stays for sync)", ok=204, errors=(403, 404), if_match=True),
    # Journals, tags and tag types (RESOURCES.md).
    Op("listJournals", "get", JOURNALS, "Journals", "",
       "Journals, most recent first, with their tags; or every change since modified_after", "journals",
       result=page({"anyOf": [ref("Journal"), ref("Tombstone")]}), errors=(404,),
       query=("limit", "after", "modified_after", *RANGE, "session", "tag")),
    Op("addJournal", "post", JOURNALS, "Journals", "", "Write a journal", "journals", "JournalBody", 201, "Journal",
       errors=(403, 404), etag=True, also={200: "An identical journal exists: it is answered, and nothing is stored"}),
    Op("getJournalStats", "get", JOURNALS + "stats", "Journals", "stats", "Journals per local calendar day",
       "journals.stats", result="JournalStats", errors=(404,), query=RANGE),
    Op("getJournal", "get", JOURNAL, "JournalResource", "", "A journal with its tags", result="Journal",
       errors=(404,), etag=True, if_none_match=True),
    Op("changeJournal", "patch", JOURNAL, "JournalResource", "", "Change a journal's fields (null clears one)",
       body="JournalBody", result="Journal", errors=(403, 404, 409), etag=True, if_match=True),
    Op("replaceJournal", "put", JOURNAL, "JournalResource", "", "Replace a journal's fields",
       body="JournalBody", result="Journal", errors=(403, 404, 409), etag=True, if_match=True),
    Op("deleteJournal", "delete", JOURNAL, "JournalResource", "", "Delete a journal and its tags (a tombstone stays)",
       ok=204, errors=(403, 404), if_match=True),
    Op("listTags", "get", TAGS, "JournalTags", "", "A journal's tags, oldest first", "tags",
       result=page({"anyOf": [ref("Tag"), ref("Tombstone")]}), errors=(404,), query=("limit", "after", "modified_after")),
    Op("addTag", "post", TAGS, "JournalTags", "", "Tag a journal", "tags", "TagBody", 201, "Tag", errors=(403, 404),
       etag=True),
    Op("getTag", "get", TAG, "TagResource", "", "A tag", result="Tag", errors=(404,), etag=True, if_none_match=True),
    Op("changeTag", "patch", TAG, "TagResource", "", "Change a tag", body="TagChange", result="Tag",
       errors=(403, 404), etag=True, if_match=True),
    Op("replaceTag", "put", TAG, "TagResource", "", "Replace a tag", body="TagBody", result="Tag",
       errors=(403, 404), etag=True, if_match=True),
    Op("deleteTag", "delete", TAG, "TagResource", "", "Delete a tag", ok=204, errors=(403, 404), if_match=True),
    Op("listTagTypes", "get", TAGTYPES, "TagTypes", "", "Every tag type, by name", "tagtypes",
       result=page(ref("TagType")), query=("limit", "after")),
    Op("addTagType", "post", TAGTYPES, "TagTypes", "", "Add a tag type (professionals, admins)", "tagtypes",
       "TagTypeBody", 201, "TagType", errors=(403, 409), etag=True),
    Op("getTagType", "get", TAGTYPES + "{tagtype_id}/", "TagTypeResource", "", "A tag type", result="TagType",
       errors=(404,), etag=True, if_none_match=True),
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
    Op("listGoals", "get", GOALS, "Goals", "", "Goals, newest first; or every change since modified_after", "goals",
       result=page({"anyOf": [ref("Goal"), ref("Tombstone")]}), errors=(404,), query=SYNC),
    Op("addGoal", "post", GOALS, "Goals", "", "Set a goal: its tracking items are generated", "goals", "GoalBody",
       201, "Goal", errors=(403, 404), etag=True),
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
    Op("getGoal", "get", GOAL, "GoalResource", "", "A goal", "goal", result="Goal", errors=(404,), etag=True,
       if_none_match=True),
    Op("changeGoal", "patch", GOAL, "GoalResource", "",
       "Change a goal (merged, revalidated); a schedule change regenerates the items due after today",
       body="GoalChange", result="Goal", errors=(403, 404), etag=True, if_match=True),
    Op("deleteGoal", "delete", GOAL, "GoalResource", "", "Delete a goal and its tracking (tombstones stay)",
       ok=204, errors=(403, 404), if_match=True),
    Op("setGoalReminder", "patch", GOAL + "reminder", "GoalResource", "reminder",
       "Turn the reminder on or off and set its time, on the goal and every tracking item", "reminder",
       "GoalReminderChange", result="Goal", errors=(403, 404), etag=True, if_match=True),
    Op("listGoalTracking", "get", TRACKING, "Tracking", "", "A goal's tracking items, oldest due date first",
       "tracking", result=page({"anyOf": [ref("TrackingItem"), ref("Tombstone")]}), errors=(404,), query=SYNC),
    Op("getTrackingItem", "get", TRACKING + "{tracking_id}/", "TrackingResource", "", "A tracking item",
       result="TrackingItem", errors=(404,), etag=True, if_none_match=True),
    Op("tickTrackingItem", "patch", TRACKING + "{tracking_id}/", "TrackingResource", "",
       "Tick a tracking item (iscompleted); the goal's status follows", body="TrackingChange",
       result="TrackingItem", errors=(403, 404), etag=True, if_match=True),
    # Moods.
    Op("listMoods", "get", MOODS, "Moods", "", "Mood logs, newest first; or every change since modified_after",
       "moods", result=page({"anyOf": [ref("Mood"), ref("Tombstone")]}), errors=(404,), query=SYNC),
    Op("addMood", "post", MOODS, "Moods", "", "Log a mood", "moods", "MoodBody", 201, "Mood", errors=(403, 404),
       etag=True),
    Op("getMoodStats", "get", MOODS + "stats", "Moods", "stats", "Mood logs counted per local day and mood",
       "moods.stats", result="MoodStats", errors=(404,), query=RANGE),
    Op("getMood", "get", MOOD, "MoodResource", "", "A mood log", result="Mood", errors=(404,), etag=True,
       if_none_match=True),
    Op("changeMood", "patch", MOOD, "MoodResource", "", "Change a mood log (merged, revalidated)", body="MoodChange",
       result="Mood", errors=(403, 404), etag=True, if_match=True),
    Op("deleteMood", "delete", MOOD, "MoodResource", "", "Delete a mood log (a tombstone stays for sync)", ok=204,
       errors=(403, 404), if_match=True),
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
    Op("listSubjects", "get", "/subjects/", "Subjects", "", "The subjects the caller is a member of (researchers)",
       "subjects", result=page(ref("Subject")), errors=(403,), query=("limit", "after")),
    Op("addSubject", "post", "/subjects/", "Subjects", "", "Create a subject (researchers); the creator is its "
       "first member", "subjects", "NewSubject", 201, "Subject", errors=(403,), etag=True),
    Op("getSubject", "get", SUBJECT, "SubjectResource", "", "A subject (members; anyone for a public one)",
       result="Subject", errors=(404,), etag=True),
    Op("changeSubject", "patch", SUBJECT, "SubjectResource", "", "Change a subject (members)", body="SubjectChange",
       result="Subject", errors=(403, 404), etag=True, if_match=True),
    Op("listSubjectLogsOfSubject", "get", SUBJECT + "logs", "SubjectResource", "logs",
       "A subject's logs, newest first; or every change since modified_after", "logs", result=LOGS_PAGE,
       errors=(404,), query=("limit", "after", "modified_after", "type")),
    Op("listMembers", "get", MEMBERS, "Members", "", "A subject's members (members)", "members",
       result=page(ref("Member")), errors=(403, 404), query=("limit", "after")),
    Op("addMember", "post", MEMBERS, "Members", "", "Share the subject with a researcher (members)", "members",
       "NewMember", 201, "Member", errors=(403, 404), also={200: "A member already: the membership is answered"}),
    Op("getMember", "get", MEMBERS + "{user_id}/", "MemberResource", "", "One membership (members)",
       result="Member", errors=(403, 404)),
    Op("removeMember", "delete", MEMBERS + "{user_id}/", "MemberResource", "",
       "End a membership (members; the creator stays)", ok=204, errors=(403, 404, 409)),
    # Research: subject logs and their entries.
    Op("listSubjectLogs", "get", "/subjectlogs/", "SubjectLogs", "", "The logs of the caller's subjects (or of one "
       "visible subject), newest first; or every change since modified_after", "subjectlogs", result=LOGS_PAGE,
       errors=(403,), query=("limit", "after", "modified_after", "subject", "type")),
    Op("addSubjectLog", "post", "/subjectlogs/", "SubjectLogs", "", "Create a log of a subject (its members)",
       "subjectlogs", "NewSubjectLog", 201, "SubjectLog", errors=(403,), etag=True),
    Op("getSubjectLog", "get", LOG, "SubjectLogResource", "", "A log with all its entries", result="SubjectLog",
       errors=(404,), etag=True),
    Op("changeSubjectLog", "patch", LOG, "SubjectLogResource", "", "Change a log's description (members)",
       body="SubjectLogChange", result="SubjectLog", errors=(403, 404), etag=True, if_match=True),
    Op("deleteSubjectLog", "delete", LOG, "SubjectLogResource", "", "Delete a log and its entries (a tombstone "
       "stays for sync)", ok=204, errors=(403, 404), if_match=True),
    Op("listSubjectLogEntries", "get", LOG + "entries", "SubjectLogResource", "entries",
       "A log's entries, oldest first, a page at a time", "entries", result=page(ref("SubjectLogEntry")),
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
       "Bundle; streamed", "export", result="Export", errors=(404,)),
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
    """The request bodies of the fixed resource kinds: the deployment's own schemas/<kind>.json, so the
    document says what this server accepts. A PATCH merges, so its body requires nothing."""
    def schema(kind, description, **changes):
        document = {k: v for k, v in bodies[kind].document.items() if k != "$schema"}
        # The columns' lengths hold whatever the file says (bodies.includeme): say so.
        properties = dict(document.get("properties", {}))
        for name, limit in bodies[kind].limits.items():
            field = properties.get(name)
            if isinstance(field, dict):
                properties[name] = dict(field, maxLength=min(field.get("maxLength", limit), limit))
        return dict(document, properties=properties, description=description, **changes)

    read_only = {"@url": URI, "@type": STRING, "@links": {"type": "array"}, "@changes": {"type": "object"}}

    def sent_back(document):
        # The read-only keys of a representation may be sent back unchanged; they are ignored.
        return dict(document, properties=dict(read_only, **document["properties"]))

    goal = sent_back(schema("goal", "A new goal (schemas/goal.json)"))
    # Read-only fields of their representations, ignored when sent back.
    journal = sent_back(schema("journal", "A journal (schemas/journal.json); PATCH merges, PUT replaces"))
    journal["properties"]["tags"] = {"type": "array", "description": "read-only, ignored"}
    tag = sent_back(schema("tag", "A tag (schemas/tag.json)"))
    tag["properties"]["name"] = {"type": "string", "description": "read-only (the tag type's name), ignored"}
    return {
        "GoalBody": goal,
        "GoalChange": dict(goal, required=[], description="Fields to change; null clears one"),
        "GoalBatch": {"type": "array", "maxItems": 100, "items": dict(
            goal, required=[], description="A new goal, or (with the @url of one) the fields to change")},
        "GoalReminderChange": schema("goalreminder", "The reminder (schemas/goalreminder.json)"),
        "TrackingChange": sent_back(schema("goaltracking", "What to change of a tracking item")),
        "MoodBody": sent_back(schema("mood", "A new mood log (schemas/mood.json)")),
        "MoodChange": sent_back(schema("mood", "Fields to change; null clears one", required=[])),
        "JournalBody": journal,
        "TagBody": tag,
        "TagChange": dict(tag, required=[], description="Fields to change; null clears one"),
        "TagTypeBody": sent_back(schema("tagtype", "A tag type (schemas/tagtype.json)")),
    }

SUCCESS = {200: "OK", 201: "Created", 204: "No content"}


def _parameters(op: Op) -> list[dict]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": schema}
                  for name, schema in PATH_PARAMETERS.items() if "{" + name + "}" in op.path]
    parameters += [{"name": name, "in": "query", "required": False, "schema": QUERY[name]} for name in op.query]
    if op.if_match:
        parameters.append({"$ref": "#/components/parameters/If-Match"})
    if op.if_none_match:
        parameters.append({"$ref": "#/components/parameters/If-None-Match"})
    return parameters


def _success(op: Op, description: str) -> dict:
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
    return response


def _operation(op: Op) -> dict:
    description = {"operationId": op.id, "summary": op.summary}
    if op.link:
        description["x-link"] = op.link
    description["x-view"] = {"context": op.context, "name": op.name, "method": op.method.upper()}
    parameters = _parameters(op)
    if parameters:
        description["parameters"] = parameters
    if op.body:
        description["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(op.body)}}}
    responses = {str(op.ok): _success(op, SUCCESS[op.ok])}
    for status, text in op.also.items():
        responses[str(status)] = _success(op, text)
    if op.if_none_match:
        responses["304"] = {"description": "Not modified: If-None-Match holds the current ETag"}
    errors = set(op.errors)
    if op.body or op.query:
        errors.add(400)
    if op.body:
        errors.update((413, 415))
    # Any operation may find the database out of reach (faults.py).
    errors.add(503)
    if not op.public:
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
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
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
        "servers": [{"url": request.application_url}],
        "paths": paths,
        "components": {
            "schemas": dict(SCHEMAS, **body_schemas(request.bodies)),
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
