"""The forms of a page: one for each write the caller may make on the page's resource, its fields from the
write's JSON Schema.

Which writes: the views Pyramid registered for the context's class (its introspector: request methods, view
name, permission), those whose permission the caller holds — no list per kind. Which fields: the request
body's JSON Schema, which `body_schema` takes from the OpenAPI document (every operation names its view in
`x-view`); diary entries take theirs from the diary's configured entry schemas (their descriptors).
"""
import datetime
import re
from typing import NamedTuple

from .. import hypermedia as hm
from .. import openapi
from . import pickers, words
from ..schemas import SchemaProblem, _dereferenced, _non_null_type, field_type

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Keys of a representation that a body may carry back but that are never written.
REPRESENTATION_KEYS = frozenset({"@url", "@type", "@links", "@changes", "@schemas", "@items"})
VERBS = {"POST": "Create", "PUT": "Replace", "PATCH": "Change", "DELETE": "Delete"}


class Write(NamedTuple):
    context: type
    name: str
    method: str
    permission: str | None


class Views(NamedTuple):
    writes: tuple[Write, ...]
    pages: frozenset  # (context class, view name) of every GET view
    page_permissions: dict  # (context class, view name): the permission its GET view asks for (or None)
    pages_by_class: dict  # context class: its ((view name, permission), ...) (render.pages_of)


def registered_views(registry) -> Views:
    """Every view registration, read once from Pyramid's introspector (after the configuration is done)."""
    views = registry.get("page_views")
    if views is not None:
        return views
    writes, pages, page_permissions = [], set(), {}
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        context = view["context"]
        if not isinstance(context, type) or view["route_name"] is not None:
            continue
        methods = view["request_methods"] or ()
        methods = (methods,) if isinstance(methods, str) else methods
        permissions = [related["value"] for related in entry["related"] if related.category_name == "permissions"]
        permission = permissions[0] if permissions else None
        for method in methods:
            if method in WRITE_METHODS:
                writes.append(Write(context, view["name"] or "", method, permission))
            elif method == "GET":
                pages.add((context, view["name"] or ""))
                page_permissions[(context, view["name"] or "")] = permission
    views = Views(tuple(writes), frozenset(pages), page_permissions, {})
    registry["page_views"] = views
    return views


def _writes_of(registry, cls: type) -> tuple[tuple[Write, bool], ...]:
    """The writes registered for a class (or a base of it), each with whether a GET view of its name exists;
    worked out once per class."""
    cache = registry.setdefault("page_writes_by_class", {})
    found = cache.get(cls)
    if found is None:
        views = registered_views(registry)
        found = []
        for write in views.writes:
            if issubclass(cls, write.context) and write not in (w for w, _ in found):
                found.append((write, any(issubclass(cls, c) and n == write.name for c, n in views.pages)))
        found = cache[cls] = tuple(found)
    return found


def writes_for(request, context, view_name: str) -> list[Write]:
    """The writes the caller may make that belong on this page. A write belongs on the page of the GET
    view with its name (PUT `configuration` on the `configuration` page); a write without a page of its
    own (POST of a collection without a GET of its own, a goal's `reminder`) on every page of its context."""
    if context is None:
        return []
    return [write for write, has_page in _writes_of(request.registry, type(context))
            if (write.name == view_name or not has_page)
            and (write.permission is None or request.has_permission(write.permission, context))]


# --- the body's JSON Schema -------------------------------------------------------------------------------


def _document(request) -> dict:
    """The OpenAPI document, built once per process (its request bodies do not change while it runs)."""
    document = request.registry.get("page_openapi")
    if document is None:
        document = openapi.document(request)
        request.registry["page_openapi"] = document
    return document


def _inline(node, components, depth=0):
    """A schema with its `#/components/schemas/...` references replaced by what they name."""
    if depth > 12:
        return node
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            target = components.get(ref.rsplit("/", 1)[1], {})
            merged = dict(_inline(target, components, depth + 1))
            merged.update({k: _inline(v, components, depth + 1) for k, v in node.items() if k != "$ref"})
            return merged
        return {k: _inline(v, components, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, components, depth + 1) for v in node]
    return node


def body_schema(request, context, name: str, method: str) -> dict | None:
    """THE one place that knows where a write's body schema comes from: the OpenAPI operation whose
    `x-view` is this view (the context's class or one it derives from, the view name, the method)."""
    cache = request.registry.setdefault("page_body_schemas", {})
    key = (type(context), name, method)
    if key not in cache:  # (a walk over every operation of the document: once per class, name and method)
        cache[key] = _body_schema(request, context, name, method)
    return cache[key]


def _body_schema(request, context, name: str, method: str) -> dict | None:
    document = _document(request)
    classes = {cls.__name__ for cls in type(context).__mro__}
    for operations in document["paths"].values():
        for operation in operations.values():
            view = operation.get("x-view", {})
            if view.get("context") in classes and view.get("name") == name and view.get("method") == method:
                body = operation.get("requestBody")
                if body is None:
                    return None
                schema = body["content"][openapi.JSON]["schema"]
                return _inline(schema, document["components"]["schemas"])
    return None


# --- fields ---------------------------------------------------------------------------------------------


def _property_field(name: str, prop: dict, required: bool) -> dict | None:
    """A descriptor-shaped field (schemas.field_descriptors' keys) for one property of a body schema, or
    None for a key that is only ever read (documented as read-only)."""
    if prop.get("readOnly") or str(prop.get("description", "")).startswith("read-only"):
        return None
    field = {"name": name, "title": words.for_people(prop.get("title")) or words.field_label(name), "required": required}
    if prop.get("format") == "time":
        field["type"] = "time"
    else:
        try:
            kind, choices = field_type(prop)
        except SchemaProblem:
            kind, choices = None, None
        if kind is None:
            items = prop.get("items")
            kind = "list" if _non_null_type(prop) == "array" and isinstance(items, dict) and \
                _non_null_type(items) == "string" else "json"
        field["type"] = kind
        if choices is not None:
            field["choices"] = choices
    for key, target in (("minimum", "min"), ("maximum", "max"), ("default", "default"), ("const", "const"),
                        ("x-widget", "widget")):
        if key in prop:
            field[target] = prop[key]
    if words.for_people(prop.get("description")):
        field["description"] = prop["description"]
    if field["type"] == "text" and ("password" in name):
        field["type"] = "password"
    return field


def schema_fields(schema: dict, prefix: tuple = (), root: dict | None = None, required_here=True) -> list[dict] | None:
    """The fields of an object body; None when the body is not an object with properties (an array: the
    form takes JSON as it is). An object inside (a subject-log entry's `details`, a quantity's value and
    unit) gives fields of its own, named by their dotted path (`details.weight.unit`, as a 400 names them)."""
    if not isinstance(schema, dict) or _non_null_type(schema) not in ("object", None) or \
            not isinstance(schema.get("properties"), dict):
        return None
    root = schema if root is None or "$defs" in schema else root
    required = set(schema.get("required", ())) if required_here else set()
    fields = []
    for name, prop in schema["properties"].items():
        if name in REPRESENTATION_KEYS or not isinstance(prop, dict):
            continue
        prop = _dereferenced(root, prop)
        path = prefix + (name,)
        inner = schema_fields(prop, path, root, name in required) if len(path) < 4 and \
            _non_null_type(prop) == "object" else None
        if inner:
            title = prop.get("title") or words.field_label(name)
            fields += [dict(f, title=f"{title}: {f['title']}") if len(f["path"]) == len(path) + 1 else f
                       for f in inner]
            continue
        field = _property_field(".".join(path), prop, name in required)
        if field is not None:
            field["path"] = list(path)
            if "title" not in prop:
                field["title"] = words.field_label(name)
            fields.append(field)
    return fields


def subjectlog_entry_schema(request, context, write) -> dict | None:
    """A subject-log entry's body: its times, notes, and `details` from the JSON Schema of the log's type."""
    log = getattr(context, "log", None)
    log_type = request.subjectlog_types.get(getattr(log, "type", None)) if log is not None else None
    if log_type is None or write.name not in ("add_entry", "change_entry"):
        return None
    times = {name: {"type": "string", "format": "date-time", "title": words.field_label(name)}
             for name in log_type.times}
    details = dict(log_type.document, title="Details")
    return {"type": "object", "required": list(log_type.times) + (["details"] if write.name == "add_entry" else []),
            "properties": {**times, "notes": {"type": ["string", "null"], "title": "Notes"}, "details": details}}


class Form(NamedTuple):
    title: str
    method: str
    action: str
    fields: list | None  # None: the body is JSON typed into one text area
    hidden: dict  # constant members of the body (an entry's @type)
    values: dict  # what the fields show at first (a change starts from the current representation)
    etag: str | None  # sent as If-Match by a change
    # "html": the answer is shown in the page (a schema preview) instead of following it
    show: str = "follow"
    description: str | None = None
    button: str | None = None  # the submit button's words, when not "Save"
    # What the fields are made from, where that names them more cheaply than the fields themselves (an entry
    # type's form: its schema's $id): the rendered form's key in the FormCache.
    source: tuple | None = None
    anchor: str | None = None  # the form's id, where a link leads straight to it (form_anchor)


def form_anchor(entry_type: str) -> str:
    """The id of the entries page's form of a new entry of this type (`…/phq-9:1` → `new-phq-9-1`): where the
    home's "Fill in PHQ-9" leads."""
    return "new-" + re.sub(r"[^A-Za-z0-9_-]+", "-", str(entry_type).rstrip("/").rsplit("/", 1)[-1]).strip("-")


def in_zone(value, tz) -> datetime.datetime | None:
    """A date-time of the API (UTC; one without a zone is UTC too) in the zone `tz`, or None if it is none."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(tz)


def _local_input(value, tz) -> str | None:
    """A stored UTC date-time as a `datetime-local` input's value in the client's zone."""
    moment = in_zone(value, tz)
    return moment.strftime("%Y-%m-%dT%H:%M") if moment is not None else None


def input_values(fields, body: dict, tz) -> dict:
    """What each field of a change form starts with: the resource's current value, as the input wants it."""
    values = {}
    for field in fields or ():
        value = body.get(field["name"])
        if value is None:
            continue
        kind = field["type"]
        if kind == "datetime":
            value = _local_input(value, tz)
        elif kind == "time" and isinstance(value, str):
            value = value[:5]
        values[field["name"]] = value
    return values


def with_icons(request, descriptor: dict) -> list[dict]:
    """The descriptor's fields, each choice's `x-icon` resolved through the schema's `x-resources` to an
    `icon_url` where the page may load it: inline (`data:image/...`) or from this server. The pages load
    nothing from another host (their CSP says so), so an icon elsewhere is left out; the title stays.
    Worked out once per entry type and host (a schema's $id names one document for good); read-only."""
    cache = request.registry.setdefault("page_fields_with_icons", {})
    key = (descriptor.get("@id"), request.base_url)
    found = cache.get(key) if key[0] else None
    if found is None:
        found = _with_icons(request, descriptor)
        if key[0] and len(cache) < 1024:
            cache[key] = found
    return found


def _with_icons(request, descriptor: dict) -> list[dict]:
    urls = {r.get("name"): r.get("url") for r in descriptor.get("resources", ()) if isinstance(r, dict)}
    fields = []
    for field in descriptor["fields"]:
        if any(choice.get("icon") for choice in field.get("choices", ())):
            choices = []
            for choice in field["choices"]:
                url = urls.get(choice.get("icon"))
                loadable = isinstance(url, str) and url.startswith(("data:image/", request.base_url))
                choices.append(dict(choice, icon_url=url) if loadable else choice)
            field = dict(field, choices=choices)
        fields.append(field)
    return fields


def forms(request, context, view_name: str, body: dict, tz, etag: str | None) -> list[Form]:
    """Every form of the page."""
    shown = []
    for write in writes_for(request, context, view_name):
        kind = getattr(context, "kind", None)  # a record kind's collection or record: its own forms, if any
        own = kind.page_forms(request, context, write, body, tz, etag) if kind is not None else None
        if own is not None:
            shown += own
            continue
        action = hm.url(request, context, *([write.name] if write.name else []))
        label = f"{VERBS[write.method]}{': ' + write.name.replace('_', ' ') if write.name else ''}"
        if write.method == "DELETE":
            shown.append(Form(label, "DELETE", action, [], {}, {}, etag))
            continue
        schema = subjectlog_entry_schema(request, context, write) or \
            body_schema(request, context, write.name, write.method)
        if schema is not None and _non_null_type(schema) == "array":
            # A list of what another form of the page makes one at a time (goals.batch): a program's write, no
            # person's; the page offers the one-at-a-time form instead of a box of JSON.
            continue
        fields = schema_fields(schema) if schema is not None else None
        # Fields the caller may not set (a client approving their own goal answers 403) are not offered.
        guarded = getattr(kind, "field_permissions", None) or {}
        if fields and guarded:
            fields = [f for f in fields if f["name"] not in guarded or request.has_permission(guarded[f["name"]], context)]
        if write.method in ("POST", "PATCH", "PUT"):
            fields = pickers.picked(request, kind or context, fields)  # a kind's references, or the resource's
        omits = getattr(kind or context, "page_form_omits", ())  # a reference no list can offer: another way
        if fields and omits:
            fields = [f for f in fields if f["name"] not in omits]
        # A change starts from what the resource holds now; a new record from nothing.
        values = input_values(fields, body, tz) if write.method in ("PATCH", "PUT") and not write.name else {}
        show = "html" if write.name == "preview" else "follow"
        # A member that can hold one value only is sent, never asked for; a write of such members alone is
        # one button (an attention's {"acknowledged": true}: "Mark as acknowledged"), nothing to explain.
        constants = {f["name"]: f["const"] for f in fields or () if "const" in f}
        fields = [f for f in fields if "const" not in f] if fields is not None else None
        button = description = None
        if constants and not fields:
            button = "Mark as " + " and ".join(words.field_label(name).lower() for name in constants)
        else:
            description = words.for_people((schema or {}).get("description"))
        shown.append(Form(label, write.method, action, fields, constants, values,
                          etag if write.method != "POST" else None, show, description, button))
    return shown
