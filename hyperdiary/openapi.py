"""The OpenAPI 3.1 description of every operation, generated once per application from what it registered.

Paths are traversal paths with their ids templated; clients should still follow links (`x-link` names
the link that leads to each operation, where one does). Every operation names the view that serves it
in `x-view` (and its permission in `x-permission`), and carries one tag: its kind's, or its group's.

Where it comes from:
- the set of operations is the set of views Pyramid registered for resource classes (its introspector):
  the document never describes a view that does not exist; tests/functional/test_openapi.py checks that
  no view lacks a description;
- each record kind declared with config.add_record_kind (hyperdiary/kinds.py) is described from its
  declaration (record_kind, then kind_operations and kind_schemas); every hand-written view from the
  documentation beside its view_config (hyperdiary/documented.py: `@documented(...)`, its docstring the
  description); a registered view with neither is left out, and `undocumented` names it (a test asserts
  there is none);
- query parameters are the nodes of the colander schema a view or a kind's listing parses its query with
  (`node_schema`: a node's type, validators, default and description);
- a representation's fields are typed by their model's columns (`column_schema`), the rest declared by the
  kind (`represented`) or, for a hand-written view, by the Shape beside it; the colander schemas the views
  read their bodies with are described by `node_schema` too;
- every request body with a file in schemas/ is read from the deployment's own file when the document
  is built, never copied;
- representations are closed (representation(): every field required, no other allowed), so a field a
  view drops or renames no longer fits; tests/conformance.py checks every answer of the test suite.

`_operation` adds what follows from an operation's traits (a body can be malformed or too large: 400 and
413; a signed-in caller is needed: 401 and `security`; If-Match is honoured: 412; a GET with an ETag
answers 304; a create links to the GET of what it made) so the documentation beside each view stays short.
"""
import copy
import datetime
import inspect
import re
from typing import NamedTuple

import colander

from . import localtime
from .documented import File, Named, Page, Shape
from .inputs import DateOrDateTime, DateTime, Listing, StrictBoolean, valid_time_zone
from .kinds import Kind
from .security import Permissions
from .shapes import (BOOLEAN, DATE, DATE_TIME, HYPERMEDIA, ID, STRING, TIME, URI, described, nullable, obj, page, ref,
                     representation)

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
LINKED_DATA = "application/ld+json"


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
    # What the server checks of zones, said where JSON Schema can (API.md §8: the document and the server
    # agree): a zone is one of localtime.IANA_NAMES.
    "TimeZone": {"type": "string", "enum": sorted(localtime.IANA_NAMES), "description": "an IANA time zone"},
    # Any JSON value (what a body may send back in a representation's hypermedia keys, ignored).
    "JSONValue": {"anyOf": [{"type": ["null", "boolean", "number"]}, {"type": "string"},
                            {"type": "array", "items": ref("JSONValue")},
                            {"type": "object", "additionalProperties": ref("JSONValue")}]},
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
}


# --- parameters, headers, errors ------------------------------------------------------------------------


def query_parameters(schema) -> list[dict]:
    """The query parameters of a colander schema (class): what the view really parses its query with."""
    if schema is None:
        return []
    # A parameter given empty is a 400 like a wrong one (inputs.query): a string one has at least a character.
    return [{"name": node.name, "in": "query", "required": False, "schema": _not_empty(node_schema(node))}
            for node in schema().children]


def _not_empty(schema: dict) -> dict:
    return dict(schema, minLength=schema.get("minLength", 1)) if schema.get("type") == "string" else schema


def node_schema(node) -> dict:
    """The JSON Schema of a colander node: its type, the bounds of its validators, its default and its
    `description`; a node's `openapi` attribute (colander keeps any keyword a SchemaNode is given) adds what
    colander cannot say. A type it does not know is described as what a query or body carries most: a string."""
    typ = node.typ
    if isinstance(typ, colander.Mapping):
        schema = {"type": "object", "required": [child.name for child in node.children if child.required],
                  "properties": {child.name: node_schema(child) for child in node.children},
                  "additionalProperties": False}
    elif isinstance(typ, colander.Sequence):
        schema = {"type": "array", "items": node_schema(node.children[0])}
    elif isinstance(typ, colander.Integer):
        schema = {"type": "integer"}
    elif isinstance(typ, (colander.Boolean, StrictBoolean)):
        schema = {"type": "boolean"}
    elif isinstance(typ, DateTime):
        schema = dict(DATE_TIME)
    elif isinstance(typ, DateOrDateTime):
        schema = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
    else:
        schema = {"type": "string"}
        # body() refuses an empty string for a text field that does not allow one (inputs.body), given or not.
        if isinstance(typ, colander.String) and not typ.allow_empty:
            schema["minLength"] = 1
    for validator in _validators(node.validator):
        if isinstance(validator, colander.Range):
            schema.update({key: value for key, value in (("minimum", validator.min), ("maximum", validator.max))
                           if isinstance(value, (int, float))})
        elif isinstance(validator, colander.Length):
            schema.update({key: value for key, value in (("minLength", validator.min), ("maxLength", validator.max))
                           if value is not None})
        elif isinstance(validator, colander.Email):
            schema["format"] = "email"
        elif isinstance(validator, colander.Regex):
            schema["pattern"] = validator.match_object.pattern
        elif isinstance(validator, colander.OneOf):
            schema = {"enum": list(validator.choices)}
        elif validator is valid_time_zone:
            schema = ref("TimeZone")
    if node.missing not in (colander.required, colander.drop, colander.null, None, ""):
        schema["default"] = node.missing
    if node.description:
        schema["description"] = node.description
    schema.update(getattr(node, "openapi", {}))
    return schema


def _validators(validator) -> list:
    if validator is None:
        return []
    if isinstance(validator, colander.All):
        return [inner for one in validator.validators for inner in _validators(one)]
    return [validator]


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
    query: type | None = None  # the colander schema the view reads its query string with
    public: bool = False
    etag: bool = False  # answers an ETag
    if_match: bool = False  # honours If-Match (412)
    if_none_match: bool = False  # honours If-None-Match (304)
    also: dict = {}  # other successful answers: status -> description (same body)
    media: str = JSON
    tag: str | None = None  # default: tag_of
    description: str | None = None  # default: the view's docstring ("": none)
    alternatives: dict = {}  # other media types of the success answer: media type -> schema
    parameters: dict = {}  # {path parameter: its description}
    body_required: bool = True  # False: the body may be left out


# The tags of the operations that are no kind's (a kind's tag is its declaration's, its description the
# kind's docstring), in the order a reader meets them.
TAGS_DESCRIBED = {
    "discovery": "The entry point and the documents that describe the API",
    "accounts": "Registration, sign-in, users and professionals' caseloads",
    "clients": "Clients and their diaries' configuration",
    "entry schemas": "The entry types: JSON Schemas, shipped and uploaded",
    "tag types": "The kinds of tag, shared by every journal",
    "calendar feeds": "Secret URLs of a client's goals calendar, for calendar apps that send no header",
    "notifications": "How reminders reach a client (the client alone), and the server's VAPID key",
    "reports": "Reports on a client for professionals",
    "audit": "Who read or changed a client's data: the audit trail",
    "charts": "A client's charts: data for a range of days, or (Accept: image/svg+xml) their drawing",
    "subjects": "Research subjects and their members",
}
# The tag of an operation below no kind's collection: that of the longest of these prefixes of its path.
CLIENT = "/clients/{client_id}/"
PATH_TAGS = {"/": "discovery", "/auth/": "accounts", "/users/": "accounts", "/clients/": "clients",
             "/schemas/": "entry schemas", "/tagtypes/": "tag types", CLIENT + "reports/": "reports",
             CLIENT + "charts/": "charts", "/subjects/": "subjects", "/audit/": "audit", CLIENT + "audit/": "audit",
             CLIENT + "calendarfeeds/": "calendar feeds", "/feeds/": "calendar feeds",
             CLIENT + "notifications/": "notifications", "/push-key": "notifications"}


def tag_of(op: Op, kinds=()) -> str:
    """The operation's own tag; else that of the kind whose collection its path is below (a kind's
    statistics are under the kind's tag); else its path's (PATH_TAGS)."""
    if op.tag:
        return op.tag
    below = [kind for kind in kinds if op.path.startswith(kind.collection)]
    if below:
        return max(below, key=lambda kind: len(kind.collection)).tag
    return PATH_TAGS[max((prefix for prefix in PATH_TAGS if op.path.startswith(prefix)), key=len)]


# --- record kinds ---------------------------------------------------------------------------------------
# Everything the document says of a record kind follows from one RecordKind: its operations
# (kind_operations) and its schemas (kind_schemas: the representation, and the request bodies read from the
# deployment's own schemas/<body>.json). This is the seam for the kind declarations of issue 11: a declared
# kind maps onto one RecordKind, and document() loops over them.

# The keys of a representation that a body may send back (inputs.writable drops them, whatever they hold).
READ_ONLY = {key: described(ref("JSONValue"), "ignored") for key in ("@url", "@type", "@links", "@changes")}


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
    query: type = Listing  # the colander schema of the listing's query
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


# The fields of body files whose dates the server keeps within the years every zone reckons (goals.parse,
# moods, journals): a date outside them is a 400 ("Choose a date from 1900 to 2199."), said by a pattern.
RECKONED_FIELDS = {"goal": ("startdate", "targetdate", "reminderdate"), "goalreminder": ("reminderdate",),
                   "mood": ("logdate",), "journal": ("journal_timestamp",)}
RECKONED = {"type": "string", "pattern": "^(19|20|21)[0-9]{2}-[^\\u0000]*$",
            "description": f"from {localtime.EARLIEST.year} to {localtime.LATEST.year - 1}"}


def file_body(bodies, name: str, read_only=None, **changes) -> dict:
    """The deployment's own schemas/<name>.json as a request body, read when the document is built (so a
    deployment that tightens the file gets a document that says so), with the read-only keys a body may
    send back and the columns' length limits that hold whatever the file says (bodies.includeme)."""
    loaded = bodies[name]
    document = {key: value for key, value in loaded.document.items() if key != "$schema"}
    properties = dict(read_only or {}, **document.get("properties", {}))
    for field in RECKONED_FIELDS.get(name, ()):
        if isinstance(properties.get(field), dict):
            properties[field] = dict(properties[field], pattern=RECKONED["pattern"])
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
    """The keys a body of a kind may send back (ignored): the hypermedia keys. Its read-only fields (`names`)
    are not among them: a body with one is a 400 naming it (API.md §8)."""
    return dict(READ_ONLY)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def column_schema(column) -> dict:
    """What a column holds, as a representation shows it: its type (a date-time, a wall-clock time ...), its
    length, and null when the column allows it. A JSON column says nothing of its shape: the kind's
    `represented` does."""
    python = _python_type(column.type)
    schema = dict({
        datetime.datetime: DATE_TIME, datetime.date: DATE, datetime.time: TIME, bool: BOOLEAN,
        int: {"type": "integer"}, float: {"type": "number"}, str: STRING,
    }.get(python, {}))
    length = getattr(column.type, "length", None)
    if python is str and length:
        schema["maxLength"] = length
    return nullable_type(schema) if column.nullable and schema else schema


def _python_type(column_type):
    try:
        return column_type.python_type
    except NotImplementedError:  # a JSON column
        return None


def nullable_type(schema: dict) -> dict:
    """`schema`, or null."""
    if isinstance(schema.get("type"), str):
        return dict(schema, type=[schema["type"], "null"])
    return nullable(schema)


def kind_representation(kind, bodies, about: str) -> dict:
    """The closed representation of a declared kind: the hypermedia keys, then each of its fields, typed by
    its column (column_schema) or by the declaration's `represented`, titled as in its body file."""
    own = bodies[kind.body].properties if kind.body else {}
    columns = kind.model.__table__.c
    fields = {}
    for name in list(kind.fields) + [name for name in kind.represented if name not in kind.fields]:
        schema = kind.represented.get(name)
        if schema is None:
            schema = column_schema(columns[name]) if name in columns else {}
        # The body file's title names the field; its description speaks of what a body may send.
        title = own.get(name, {}).get("title")
        fields[name] = dict({"title": title} if title else {}, **schema)
    shape = representation(about, **fields)
    if kind.others is not None:
        shape["additionalProperties"] = kind.others
    return shape


def context_paths(views) -> dict:
    """{resource class name: its path template}, from the documented views (a view's path is its context's
    path and its view name): where the collections of kinds below resources that are no record hang."""
    return {op.context: op.path[:len(op.path) - len(op.name)] for op in documented_operations(views)}


def _item_path(kind, declared, above_paths) -> str | None:
    """The path template of one record of a declared kind (None when its parent's path is unknown)."""
    parent = next((other for other in declared.values() if other.item_class is kind.parent), None)
    above = _item_path(parent, declared, above_paths) if parent is not None else above_paths.get(kind.parent.__name__)
    if above is None:
        return None
    return f"{above}{kind.collection}/{{{kind.name.replace('-', '_')}_id}}/"


def record_kind(kind, declared, bodies, namespace: str, above_paths: dict) -> RecordKind | None:
    """The document's description of a declared kind (kinds.Kind, registered by config.add_record_kind)."""
    item = _item_path(kind, declared, above_paths)
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
    links.update(kind.link_names)
    what = kind.name.replace("-", " ")
    operations = {"list": f"The {kind.collection}, a page at a time; or every change since modified_after"}
    if kind.creatable:
        operations["create"] = f"Add a {what}"
    operations["get"] = f"A {what}"
    if kind.changeable:
        operations["patch"] = f"Change a {what} (merged, checked)"
    if kind.put:
        operations["put"] = f"Replace a {what}'s fields"
    if kind.deletable:
        operations["delete"] = f"Delete a {what} (a tombstone stays for sync)"
    operations = {op: kind.summaries.get(op, summary) for op, summary in operations.items()}
    about = inspect.cleandoc(type(kind).__doc__) if type(kind).__doc__ else what  # its own, not Kind's
    name = kind.api_name or _camel(kind.name)
    # The collection's name in operationIds: the kind's plural (subjectlogs: SubjectLogs), or its own.
    plural = name + "s" if kind.collection == kind.name + "s" else _camel(kind.collection)
    return RecordKind(
        name, plural, kind.tag or kind.collection, kind_representation(kind, bodies, about),
        kind.body or None, collection, item, (kind.collection_class.__name__, kind.item_class.__name__), operations,
        schema=kind.component, links=links, list_view=kind.listing_view,
        query=kind.listing,
        dedupe=f"An identical {what} exists: it is answered, and nothing is stored" if kind.dedupe else None,
        errors=dict({"patch": (409,), "put": (409,)} if kind.dedupe else {}, **kind.statuses,
                    # A root collection that not everyone signed in may list: 403 (below a record: 404).
                    **({"list": (403,)} if kind.list_permission != Permissions.VIEW and "{" not in collection
                       else {})),
        read_only=read_only_keys(*sorted(kind.read_only)), list_extra=kind.page_fields,
        body_component=None if kind.body else "Entry", about=about,
        # A kind whose records' @type is its own IRI (an entry's is its schema's $id).
        types=(namespace + kind.name if type(kind).type_of is Kind.type_of else None,
               namespace + kind.collection_type))


def record_kinds(registry) -> list[RecordKind]:
    """Every record kind of the application: each declared one (the registry, in declaration order)."""
    declared = getattr(registry, "kinds", {})
    namespace = registry.settings["hyperdiary.namespace"]
    above = context_paths(registered_views(registry))
    found = [record_kind(kind, declared, registry["bodies"], namespace, above) for kind in declared.values()]
    return [kind for kind in found if kind is not None]


def body_schemas(bodies) -> dict:
    """The request bodies that are not a kind's create or change, read from the deployment's schemas/ files."""
    goal = file_body(bodies, "goal", READ_ONLY)
    return {
        "GoalBatch": {"type": "array", "maxItems": 100, "items": dict(
            goal, required=[], description="A new goal, or (with the @url of one) the fields to change")},
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


def path_parameter(name: str, described_as: dict) -> dict:
    """A record's id (`<kind>_id`), or a parameter some view's documentation describes (else plain text)."""
    if name.endswith("_id"):
        return ID
    return described(STRING, described_as[name]) if name in described_as else STRING


def _parameters(op: Op, described_as: dict) -> list[dict]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": path_parameter(name, described_as)}
                  for name in path_names(op.path)]
    parameters += query_parameters(op.query)
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


def documented_operations(views) -> list[Op]:
    """The operations of the hand-written views, each from the documentation beside its view_config
    (hyperdiary/documented.py); a view without any is left out (`undocumented` names it)."""
    found = []
    for (context, name, method), view in views.items():
        doc = getattr(view["callable"], "__openapi__", None)
        if doc is None:
            continue
        body = doc.body if doc.body is None or isinstance(doc.body, str) else _body_name(doc.body)
        result = doc.result.name if isinstance(doc.result, (Shape, Named)) else doc.result
        if isinstance(doc.result, Page):
            items = [ref(item if isinstance(item, str) else item.name) for item in doc.result.items]
            result = page({"anyOf": items} if len(items) > 1 else items[0])
        found.append(Op(doc.id, method.lower(), doc.path, context, name, doc.summary, doc.link, body, doc.ok,
                        result, doc.errors, doc.query, doc.public, doc.etag, doc.if_match, doc.if_none_match,
                        doc.also, doc.media, doc.tag, doc.description, doc.alternatives, doc.parameters,
                        doc.body_required))
    return found


def all_operations(kinds, views) -> list[Op]:
    """The hand-written views' operations, then each kind's."""
    return documented_operations(views) + [op for kind in kinds for op in kind_operations(kind)]


def _body_name(body) -> str:
    if isinstance(body, (File, Named)):
        return body.component if isinstance(body, File) else body.name
    return body.__name__


def documented_schemas(views, bodies) -> dict:
    """{name: schema} of what the hand-written views' documentation names: the request bodies they read
    with a colander schema (generated from it, so the document says what is checked) or with a file of
    schemas/ (read from the deployment's file), and the representations they declare (Shape)."""
    found = {}
    for view in views.values():
        doc = getattr(view["callable"], "__openapi__", None)
        if doc is None:
            continue
        body = doc.body
        if isinstance(body, File):
            schema = file_body(bodies, body.name, None if body.read_only is None else read_only_keys(*body.read_only))
            if body.change:
                schema = dict(schema, required=[], description=schema["description"] + "; a PATCH sends the fields "
                              "to change (null clears one), merged and checked")
            found[_body_name(body)] = schema
        elif body is not None and not isinstance(body, (str, Named)):
            schema = node_schema(body())
            if body.__doc__:
                schema["description"] = inspect.cleandoc(body.__doc__)
            found[body.__name__] = schema
        # What the view's module declares beside its views (what they answer, and what that refers to).
        for declared in vars(inspect.getmodule(view["callable"])).values():
            if isinstance(declared, Shape):
                found[declared.name] = shape_schema(declared)
            elif isinstance(declared, Named):
                found[declared.name] = declared.schema
    return found


def shape_schema(shape: Shape) -> dict:
    """A representation declared beside its views: its fields typed as a kind's are."""
    columns = shape.model.__table__.c if shape.model is not None else {}
    fields = {name: shape.represented.get(name) or column_schema(columns[name])
              for name in list(shape.fields) + [name for name in shape.represented if name not in shape.fields]}
    return representation(shape.description, optional=shape.optional, changes=shape.changes, **fields)


def undocumented(registry) -> list[tuple]:
    """(context, view name, METHOD) of every registered view the document does not describe: a view that
    forgot its documentation (tests/functional/test_openapi.py fails naming it)."""
    described = {(op.context, op.name, op.method.upper()) for op in all_operations(record_kinds(registry),
                                                                                  registered_views(registry))}
    return sorted(set(registered_views(registry)) - described)


def _operation(op: Op, view, links, kinds=(), described_as=None) -> dict:
    description = {"operationId": op.id, "summary": op.summary, "tags": [tag_of(op, kinds)]}
    explained = op.description if op.description is not None else inspect.getdoc(view["callable"])
    if explained:
        description["description"] = explained
    if op.link:
        description["x-link"] = op.link
    description["x-view"] = {"context": op.context, "name": op.name, "method": op.method.upper()}
    if view["permission"] is not None:
        description["x-permission"] = str(view["permission"])
    parameters = _parameters(op, described_as or {})
    if parameters:
        description["parameters"] = parameters
    if op.body:
        description["requestBody"] = {"required": op.body_required, "content": {JSON: {"schema": ref(op.body)}}}
    responses = {str(op.ok): _success(op, SUCCESS[op.ok], links)}
    for status, text in op.also.items():
        responses[str(status)] = _success(op, text)
    if _revalidates(op):
        responses["304"] = {"description": "Not modified: If-None-Match holds the current ETag, or `*`"}
    # Any operation refuses a query parameter it does not take (API.md §8: inputs.strict_query).
    errors = set(op.errors) | {400}
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


# What API.md §8 says of every input (hyperdiary/inputs.py), declared wherever the document has a string: no
# string holds the NUL character (PostgreSQL's text cannot; nor do answers), nor does a key of an open object.
NO_NUL = "^[^\\u0000]*$"


def _declare_input_rules(node):
    if isinstance(node, list):
        for item in node:
            _declare_input_rules(item)
        return
    if not isinstance(node, dict):
        return
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    if "string" in types and not {"pattern", "const", "enum"} & set(node):
        node["pattern"] = NO_NUL
    if "object" in types and node.get("additionalProperties", True) is not False and "propertyNames" not in node:
        node["propertyNames"] = {"pattern": NO_NUL}
    for key, value in node.items():
        if key not in ("pattern", "propertyNames"):
            _declare_input_rules(value)


def _build(registry) -> dict:
    built = copy.deepcopy(_built(registry))  # (the tables' dicts are shared between places)
    # An error names an offending key as it was sent, NUL included.
    error = built["components"]["schemas"].pop("Error")
    _declare_input_rules(built)
    built["components"]["schemas"]["Error"] = error
    return built


def _built(registry) -> dict:
    views = registered_views(registry)
    kinds = record_kinds(registry)
    operations = all_operations(kinds, views)
    links = created_links(operations)
    described_as = {name: words for op in operations for name, words in op.parameters.items()}
    paths = {}
    for op in operations:
        view = views.get((op.context, op.name, op.method.upper()))
        if view is None:  # the document never describes a view that does not exist
            continue
        paths.setdefault(op.path, {})[op.method] = _operation(op, view, links.get(op.id), kinds, described_as)
    bodies = registry["bodies"]
    schemas = dict(SCHEMAS)
    for kind in kinds:
        schemas.update(kind_schemas(kind, bodies))
    schemas.update(body_schemas(bodies))
    schemas.update(documented_schemas(views, bodies))
    used = list(dict.fromkeys(operation["tags"][0] for methods in paths.values() for operation in methods.values()))
    kind_tags = {kind.tag: kind.about for kind in kinds if kind.about}
    # The groups' tags, then the kinds' in declaration order (then any other a view names).
    ordered = list(TAGS_DESCRIBED) + [kind.tag for kind in kinds]
    tags = [name for name in ordered if name in used] + [name for name in used if name not in ordered]
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
