"""Diary entries: the kind's declaration, validation against the entry's schema, dedupe. The diary and its
configuration are in views.py."""
from .. import hypermedia as hm
from sqlalchemy import select

from .. import kinds
from ..bodies import problems
from ..errors import ValidationFailure, problem
from ..inputs import json_object, parse_datetime, writable
from . import charts, fhir, pages, reports
from ..reports.resources import Reports
from .models import Entry
from ..clients.resources import ClientResource
from ..resources.root import Root
from .schema_resources import Schemas
from .resources import Diary, Entries, EntryResource
from ..security import Permissions

# Keys of a representation that a client may send back unchanged; they are not fields.
READ_ONLY_KEYS = frozenset({"@url", "@links", "@changes", "@schemas"})


def field_problems(schema, fields: dict) -> list[dict]:
    """Every way `fields` fails the entry's schema, one problem per field, named by dotted path."""
    found = problems(schema.validator, fields, schema.document.get("properties", {}))
    if not found and not schema.required and not fields:
        found.append(problem("body", "Fill in at least one field."))
    return found


class EntryChanged:
    """Handed to each of `registry["entry_changed"]` after an entry was created, changed or deleted: what
    depends on entries (questionnaires: scores, flags, due dates) follows so. (Not a Pyramid event: with any
    subscriber registered, Pyramid notifies five events on every request; security.Traverser.)"""

    def __init__(self, request, entry):
        self.request, self.entry = request, entry


def without_nulls(fields: dict) -> dict:
    """`null` means "not set": it is what a read shows for an unset field, so sending it back is fine."""
    return {name: value for name, value in fields.items() if value is not None}


class EntryKind(kinds.Kind):
    """A diary entry: `@type` (the $id of one of the diary's configured schemas), `dt`, and the fields of
    its schema. A POST identical to an entry (type, dt and fields) answers that entry."""

    name, model, body = "entry", Entry, False
    parent, parent_column, collection, collection_type = Diary, "client_id", "entries", "diary-entries"
    collection_class, item_class = Entries, EntryResource
    parent_links = (("entries", "", Permissions.DIARY_WRITE), ("entries.items", "items", Permissions.VIEW),
                    ("entries.schemas", "schemas", Permissions.VIEW))
    order, listing_view = "dt", "items"
    dedupe = ("schema_id", "dt", "fields")
    identical = "An identical entry exists already in this diary."
    write_permission = Permissions.DIARY_WRITE
    erase = {"fields": {}}
    # What a listing reads of an entry: plain rows of these columns (a third of a page's time went into
    # building 50 tracked objects that nobody changes).
    columns = (Entry.id, Entry.schema_id, Entry.dt, Entry.fields, Entry.created, Entry.modified, Entry.deleted,
               Entry.version)  # (version: whether it may have feedback, careteam.feedback)
    example = {"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", "dt": "2024-05-01T09:00:00Z",
               "emotion": "happy", "intensity": 5}
    change = {"intensity": 3}
    counted = (kinds.Counted("dt"),)
    represented = {"dt": {"type": "string", "format": "date-time"}}
    others = {"description": "the fields of the entry's JSON Schema (null when not set)"}
    page_fields = {"@schemas": {"type": "array", "items": {"$ref": "#/components/schemas/SchemaDescriptor"},
                                "description": "the descriptors of the entry types present in @items"}}
    summaries = {"create": "Write an entry",
                 "list": "Entries, newest dt first; or every change since modified_after, oldest first",
                 "get": "An entry (every field, null when not set)",
                 "patch": "Change an entry's fields (merged, revalidated)",
                 "delete": "Delete an entry (a tombstone stays for sync)"}
    tag, component = "diary entries", "StoredEntry"
    # The client's names for the links to the entries (its diary's are entries, entries.items).
    link_names = {"create": "diary.entries", "list": "diary.entries.items"}

    def checked_body(self, request) -> dict:
        return writable(json_object(request), ignored=READ_ONLY_KEYS)

    def values(self, request, data, current=None, *, replace=False):
        """{schema_id, dt, fields} from a POST body or (merged onto `current`) a PATCH body; a 400 with one
        problem per bad field otherwise."""
        found = []
        type_id = data.pop("@type", None if current is None else current.schema_id)
        raw_dt = data.pop("dt", None if current is None else current.dt)
        found += [problem(k, "Unknown field.") for k in data if k.startswith("@")]
        schema = None
        if current is not None and type_id != current.schema_id:
            found.append(problem("@type", "The type of an entry cannot change; write a new entry instead."))
        elif not isinstance(type_id, str):
            found.append(problem("@type", "Required input is missing: the $id of the entry's schema."))
        elif current is None and type_id not in request.context.client.diary_schemas:
            found.append(problem("@type", f"{type_id!r} is not one of this diary's entry types."))
        else:
            schema = request.entry_schemas.get(request.dbsession, type_id)
        dt = None
        if raw_dt is None:
            found.append(problem("dt", "Required input is missing."))
        elif current is not None and raw_dt is current.dt:
            dt = raw_dt
        else:
            try:
                dt = parse_datetime(raw_dt)
            except ValueError as error:
                found.append(problem("dt", str(error)))
        fields = {k: v for k, v in data.items() if not k.startswith("@")}
        if current is not None:
            fields = {**current.fields, **fields}
        fields = without_nulls(fields)
        if schema is not None and schema.scoring is not None and "score" in data:
            found.append(problem("score", "The score is read-only: the server computes it from the answers."))
            fields.pop("score", None)
        if schema is not None:
            found += field_problems(schema, fields)
        if found:
            raise ValidationFailure("Invalid JSON input", found)
        return {"schema_id": schema.id, "dt": dt, "fields": fields}

    def type_of(self, request, row) -> str:
        return row.schema_id

    def schemas_of(self, request, type_ids) -> dict:
        """{$id: schema} of these entry types (each asked once). The request's session only when one is not in
        memory: opening and closing one for nothing cost a tenth of GET one entry."""
        ids, registry = list(dict.fromkeys(type_ids)), request.entry_schemas
        found = registry.in_memory(ids)
        return {s.id: s for s in (found if found is not None else registry.get_many(request.dbsession, ids))}

    def represent_many(self, request, base_url, rows):
        """Every field of the entry's schema, `null` where not set; its @type is its schema's $id."""
        types = [row.schema_id for row in rows]
        schemas = self.schemas_of(request, types)
        represented = []
        for row, type_id in zip(rows, types):
            fields = row.fields
            body = {"@type": type_id, "dt": row.dt}
            schema = schemas[type_id]
            for name in schema.field_names:
                body[name] = fields.get(name)
            if schema.scoring is not None:
                body["score"] = schema.scoring.score(fields)  # API.md §13: read-only, from the answers
            represented.append(body)
        return represented

    def changed(self, request, context, record):
        for follow in request.registry.get("entry_changed", ()):
            follow(EntryChanged(request, record))

    def page_extras(self, request, items) -> dict:
        """The descriptors of the types of the live entries of the page."""
        schemas = self.schemas_of(request, (item["@type"] for item in items if "@deleted" not in item))
        return {"@schemas": hm.schema_descriptors(request, schemas.values())}

    def schemas_in_use(self, request, connection, client_id: str) -> list:
        """The EntrySchemas of the client's live entries, read on `connection`."""
        ids = connection.execute(select(Entry.schema_id).where(Entry.client_id == client_id, Entry.deleted.is_(None))
                                 .group_by(Entry.schema_id).order_by(Entry.schema_id)).scalars().all()
        return request.entry_schemas.get_many(request.dbsession, ids)

    def page_forms(self, request, context, write, body, tz, etag):
        return pages.entry_forms(request, context, write, body, tz, etag)

    def export_parts(self, request, connection, client_id):
        """The export holds the documents of the entry schemas its entries use."""
        schemas = self.schemas_in_use(request, connection, client_id)
        return [("schemas", [dict(descriptor, jsonschema=schema.document) for schema, descriptor in
                             zip(schemas, hm.schema_descriptors(request, schemas))])]

    def fhir(self, request, bodies, context):
        """The Questionnaires of the entry schemas in use, then a QuestionnaireResponse per entry."""
        schemas = {schema.id: schema for schema in self.schemas_in_use(request, context.connection, context.client_id)}
        return fhir.resources(request, bodies, context, schemas)


def includeme(config):
    config.include(".schema_store")
    config.add_child(Root, "schemas", Schemas)
    config.add_root_link("schemas", "schemas")
    config.add_root_link("schemas.preview", "schemas", "preview", permission=Permissions.SCHEMAS_ADD)
    config.add_child(ClientResource, "diary", Diary)
    config.add_child(Reports, "perSchema", reports.PerSchemaReport)
    config.add_chart_source(charts.sources, page=Diary)
    config.add_chart("entries", charts.data)
    config.add_record_kind(EntryKind)
    config.scan(".views")
    config.scan(".schema_views")
    config.scan(".preview")
    config.scan(".reports")
