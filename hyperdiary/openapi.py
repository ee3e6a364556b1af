"""The OpenAPI 3.1 description of every operation.

Paths are traversal paths with their ids templated; clients should still follow links (`x-link` names
the link that leads to each operation). Every operation names the view that serves it in `x-view`, and
tests/functional/test_openapi.py checks both ways that the two agree.
"""
from typing import NamedTuple

JSON = "application/json"

ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
DATE_TIME = {"type": "string", "format": "date-time"}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required=(), **properties):
    return {"type": "object", "required": list(required), "properties": properties, "additionalProperties": False}


STRING = {"type": "string"}
NAME = {"type": "string", "maxLength": 150}
EMAIL = {"type": "string", "format": "email"}

COMPONENTS = {
    "Link": obj(("name", "url"), name=STRING, url={"type": "string", "format": "uri"}),
    "Changes": obj(("creation_time", "modification_time"), creation_time=DATE_TIME, modification_time=DATE_TIME),
    "Representation": {
        "type": "object",
        "required": ["@url", "@type", "@links"],
        "properties": {
            "@url": {"type": "string", "format": "uri"},
            "@type": {"type": "string", "format": "iri"},
            "@links": {"type": "array", "items": ref("Link")},
            "@changes": ref("Changes"),
        },
        "description": "Every resource; its own fields follow the hypermedia keys.",
    },
    "Collection": {
        "allOf": [ref("Representation")],
        "properties": {
            "@items": {"type": "array", "items": {"type": "object"}},
            "@schemas": {"type": "array", "items": ref("SchemaDescriptor")},
        },
        "description": "A page; a `next` link in @links leads to the following page.",
    },
    "Tombstone": obj(("@url", "@type", "@deleted", "@changes"), **{
        "@url": STRING, "@type": STRING, "@deleted": {"const": True}, "@changes": ref("Changes")}),
    "SchemaDescriptor": {
        "type": "object",
        "required": ["@id", "title", "fields", "charts", "resources", "@links"],
        "properties": {
            "@id": STRING,
            "title": STRING,
            "fields": {"type": "array", "items": ref("Field")},
            "charts": {"type": "array"},
            "resources": {"type": "array"},
            "@links": {"type": "array", "items": ref("Link")},
        },
    },
    "Field": {
        "type": "object",
        "required": ["name", "title", "type", "required"],
        "properties": {
            "name": STRING,
            "title": STRING,
            "type": {"enum": ["text", "integer", "number", "boolean", "choice", "multichoice", "image", "date",
                              "datetime"]},
            "required": {"type": "boolean"},
            "choices": {"type": "array", "items": {"type": "object", "properties": {
                "name": STRING, "value": {}, "icon": {"type": ["string", "null"]}}}},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "default": {},
            "description": STRING,
            "widget": STRING,
        },
    },
    "Error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "integer"},
            "message": STRING,
            "extra": {"type": "array", "items": obj(("name", "message"), name=STRING, message=STRING)},
        },
    },
    "Tokens": obj(("access", "refresh", "expires_in"), access=STRING, refresh=STRING,
                  expires_in={"type": "integer"}, user=ref("Representation")),
    "Registration": obj(("username", "email", "password"), username=NAME, email=EMAIL, password=STRING,
                        first_name=NAME, last_name=NAME),
    "NewUser": obj(("username", "email", "password", "role"), username=NAME, email=EMAIL, password=STRING,
                   role={"enum": ["client", "friend", "professional", "researcher", "admin"]},
                   first_name=NAME, last_name=NAME),
    "Credentials": obj(("username", "password"), username=STRING, password=STRING),
    "RefreshToken": obj(("refresh",), refresh=STRING),
    "ProfileChange": obj((), email=EMAIL, first_name=NAME, last_name=NAME, password=STRING,
                         current_password={**STRING, "description": "needed to change one's own password"}),
    "Assignment": obj(("client",), client={**STRING, "description": "the client's @url"}),
    "ClientChange": obj((), name={"type": "string", "maxLength": 300},
                        time_zone={**STRING, "description": "an IANA time zone"}),
    "Configuration": obj(("schemas",), schemas={"type": "array", "items": {**STRING, "description": "a schema $id"}}),
    "Entry": {
        "type": "object",
        "properties": {"@type": {**STRING, "description": "the $id of the entry's schema"}, "dt": DATE_TIME},
        "additionalProperties": {"description": "the fields of the entry's JSON Schema"},
        "description": "POST needs @type and dt; PATCH merges the fields given (null clears one).",
    },
    "JSONSchema": {"type": "object", "description": "A Draft 2020-12 JSON Schema of an object, with an absolute $id."},
}

ERRORS = {
    400: "Bad input: `extra` names each offending field",
    401: "No valid access token",
    403: "Visible, but not yours to change",
    404: "Unknown, or not visible to the caller",
    405: "Method not allowed here (see Allow)",
    409: "Conflict with a stored record",
    412: "If-Match does not match: the resource changed",
    413: "Body larger than the configured limit",
}

QUERY = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
    "after": {"type": "string", "description": "opaque cursor from a `next` link"},
    "modified_after": {**DATE_TIME, "description": "only records changed after this instant, tombstones included"},
    "login": {"type": "string", "description": "a client's username"},
}


class Op(NamedTuple):
    path: str
    method: str
    context: str
    name: str
    summary: str
    link: str | None = None
    body: str | None = None
    ok: int = 200
    result: str | None = "Representation"
    errors: tuple = ()
    query: tuple = ()
    public: bool = False


WRITE = (400, 401, 404, 413)

OPERATIONS = (
    Op("/", "get", "Root", "", "The entry point: links to everything", public=True),
    Op("/openapi.json", "get", "Root", "openapi.json", "This document", "openapi", result=None, public=True),
    Op("/context.jsonld", "get", "Root", "context.jsonld", "The JSON-LD context", "context", result=None, public=True),
    Op("/auth/register", "post", "Auth", "register", "Register as a client", "auth.register", "Registration",
       201, errors=(400, 413), public=True),
    Op("/auth/token", "post", "Auth", "token", "Sign in", "auth.token", "Credentials", result="Tokens",
       errors=(400, 401), public=True),
    Op("/auth/refresh", "post", "Auth", "refresh", "Exchange a refresh token for new tokens", "auth.refresh",
       "RefreshToken", result="Tokens", errors=(400, 401), public=True),
    Op("/auth/logout", "post", "Auth", "logout", "Revoke a sign-in", "auth.logout", "RefreshToken", result=None,
       errors=(400, 401), public=True),
    Op("/users/", "get", "Users", "", "All users (admins)", "users", result="Collection", errors=(400, 401, 403),
       query=("limit", "after")),
    Op("/users/", "post", "Users", "", "Create a user of any role (admins)", "users", "NewUser", 201,
       errors=(400, 401, 403, 413)),
    Op("/users/{user_id}/", "get", "UserResource", "", "A user's profile", "me", errors=(401, 404)),
    Op("/users/{user_id}/", "patch", "UserResource", "", "Change names, email or password", "me", "ProfileChange",
       errors=WRITE + (412,)),
    Op("/users/{user_id}/caseload/", "get", "Caseload", "", "A professional's caseload", "caseload",
       result="Collection", errors=(400, 401, 404), query=("limit", "after")),
    Op("/users/{user_id}/caseload/", "post", "Caseload", "", "Assign a client (admins)", "caseload", "Assignment", 201,
       errors=WRITE + (403,)),
    Op("/users/{user_id}/caseload/{client_id}/", "get", "Assignment", "", "One assignment", errors=(401, 404)),
    Op("/users/{user_id}/caseload/{client_id}/", "delete", "Assignment", "", "End an assignment (admins)", ok=204,
       result=None, errors=(401, 403, 404)),
    Op("/clients/", "get", "Clients", "", "The caller's caseload (every client for admins)", "clients",
       result="Collection", errors=(400, 401, 403), query=("limit", "after", "login")),
    Op("/clients/{client_id}/", "get", "ClientResource", "", "A client, with links to its diary", "client",
       errors=(401, 404)),
    Op("/clients/{client_id}/", "patch", "ClientResource", "", "Change a client's name or time zone", "client",
       "ClientChange", errors=WRITE + (412,)),
    Op("/clients/{client_id}/diary/", "get", "Diary", "", "A diary's links", "diary", errors=(401, 404)),
    Op("/clients/{client_id}/diary/configuration", "get", "Diary", "configuration",
       "The entry schemas this diary may hold", "diary.configuration", errors=(401, 404)),
    Op("/clients/{client_id}/diary/configuration", "put", "Diary", "configuration",
       "Set the entry schemas (professionals, admins)", "diary.configuration", "Configuration",
       errors=WRITE + (403, 412)),
    Op("/clients/{client_id}/diary/entries/", "post", "Entries", "", "Write an entry (200: an identical one exists)",
       "diary.entries", "Entry", 201, errors=WRITE + (403,)),
    Op("/clients/{client_id}/diary/entries/items", "get", "Entries", "items",
       "Entries, newest dt first; or changes since modified_after, oldest first", "diary.entries.items",
       result="Collection", errors=(400, 401, 404), query=("limit", "after", "modified_after")),
    Op("/clients/{client_id}/diary/entries/schemas", "get", "Entries", "schemas",
       "The schemas of the entry types in use", "diary.entries.schemas", errors=(401, 404)),
    Op("/clients/{client_id}/diary/entries/{entry_id}/", "get", "EntryResource", "", "An entry",
       errors=(401, 404)),
    Op("/clients/{client_id}/diary/entries/{entry_id}/", "patch", "EntryResource", "",
       "Change an entry's fields (merged, revalidated)", body="Entry", errors=WRITE + (403, 409, 412)),
    Op("/clients/{client_id}/diary/entries/{entry_id}/", "delete", "EntryResource", "",
       "Delete an entry (a tombstone stays for sync)", ok=204, result=None, errors=(401, 403, 404, 412)),
    Op("/schemas/", "get", "Schemas", "", "Every entry schema, shipped and uploaded", "schemas",
       result="Collection", public=True),
    Op("/schemas/", "post", "Schemas", "", "Upload an entry schema (professionals, admins)", "schemas",
       "JSONSchema", 201, result="SchemaDescriptor", errors=WRITE + (403, 409)),
    Op("/schemas/{schema_key}/", "get", "SchemaResource", "", "An entry schema's descriptor",
       result="SchemaDescriptor", errors=(404,), public=True),
    Op("/schemas/{schema_key}/jsonschema", "get", "SchemaResource", "jsonschema", "The JSON Schema document",
       "jsonschema", result="JSONSchema", errors=(404,), public=True),
)

MEDIA_TYPES = {"/openapi.json": JSON, "/context.jsonld": "application/ld+json",
               "/schemas/{schema_key}/jsonschema": "application/schema+json"}
PATH_PARAMETERS = {"user_id": ID, "client_id": ID, "entry_id": ID, "schema_key": {"type": "string"}}


def _operation(op: Op) -> dict:
    description = {"operationId": f"{op.method}_{op.context}_{op.name or 'default'}".replace(".", "_"),
                   "summary": op.summary,
                   "x-view": {"context": op.context, "name": op.name, "method": op.method.upper()}}
    if op.link:
        description["x-link"] = op.link
    parameters = [{"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
                  for name in PATH_PARAMETERS if "{" + name + "}" in op.path]
    parameters += [{"name": name, "in": "query", "required": False, "schema": QUERY[name]} for name in op.query]
    if parameters:
        description["parameters"] = parameters
    if op.body:
        description["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(op.body)}}}
    success = {"description": "OK" if op.ok == 200 else {201: "Created", 204: "No content"}[op.ok]}
    if op.ok != 204:
        media = MEDIA_TYPES.get(op.path, JSON)
        success["content"] = {media: {"schema": ref(op.result) if op.result else {"type": "object"}}}
    responses = {str(op.ok): success}
    if op.method == "post" and op.ok == 201 and op.body == "Entry":
        responses["200"] = {"description": "An identical entry exists: it is answered, nothing is stored",
                            "content": {JSON: {"schema": ref("Representation")}}}
    for code in sorted(set(op.errors) | {405}):
        responses[str(code)] = {"description": ERRORS[code], "content": {JSON: {"schema": ref("Error")}}}
    description["responses"] = responses
    if not op.public:
        description["security"] = [{"bearer": []}]
    return description


def document(request) -> dict:
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "hyperdiary", "version": "0.1.0",
                 "description": "Hypermedia API for self-monitoring. Find URLs by following `@links` from `/`; "
                                "the paths below show today's shapes, which may change."},
        "servers": [{"url": request.application_url}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Also accepted as `Authorization: md-token <access>`."}},
        },
    }
