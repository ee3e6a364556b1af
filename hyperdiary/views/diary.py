"""A client's diary: its configuration (which entry types it holds) and its entries."""
import colander
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config
from sqlalchemy import select

from .. import diary as entries_model
from .. import hypermedia as hm
from .. import records
from ..errors import ValidationFailure, problem
from ..inputs import Listing, StrictString, body, json_object, parse_datetime, query, writable
from ..models import Entry
from ..paging import records_page
from ..resources.clients import Diary, Entries, EntryResource
from ..security import Permissions

# --- the diary and its configuration ----------------------------------------------------------------


@view_config(context=Diary, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_diary(context, request):
    entries = context["entries"]
    links = hm.links(
        hm.link(request, "configuration", context, "configuration"),
        hm.link(request, "entries", entries, permission=Permissions.DIARY_WRITE),
        hm.link(request, "entries.items", entries, "items"),
        hm.link(request, "entries.schemas", entries, "schemas"),
    )
    return hm.representation(request, context, "diary", links)


def configuration_body(request, diary: Diary) -> dict:
    schemas = request.entry_schemas.get_many(request.dbsession, diary.client.diary_schemas)
    body = hm.representation(request, diary, "diary-configuration", [])
    body["@url"] = hm.url(request, diary, "configuration")
    body["@schemas"] = hm.schema_descriptors(request, schemas)
    # The configuration is part of the client's record: its ETag guards a PUT.
    hm.set_etag(request, diary.client)
    return body


@view_config(context=Diary, name="configuration", request_method="GET", renderer="json",
             permission=Permissions.VIEW)
def get_configuration(context, request):
    return configuration_body(request, context)


class Configuration(colander.MappingSchema):
    schemas = colander.SchemaNode(colander.Sequence(), colander.SchemaNode(StrictString()))


@view_config(context=Diary, name="configuration", request_method="PUT", renderer="json",
             permission=Permissions.DIARY_CONFIGURE)
def put_configuration(context, request):
    wanted = body(request, Configuration())["schemas"]
    hm.check_if_match(request, context.client)
    registry = request.entry_schemas
    unknown = [problem(f"schemas.{index}", f"No entry schema has the $id {schema_id!r}.")
               for index, schema_id in enumerate(wanted) if not registry.exists(request.dbsession, schema_id)]
    if unknown:
        raise ValidationFailure("Invalid JSON input", unknown)
    context.client.diary_schemas = list(dict.fromkeys(wanted))  # in order, each once
    records.bump(context.client)
    return configuration_body(request, context)


# --- entries ----------------------------------------------------------------------------------------


def entry_body(request, entry_url: str, entry: Entry, schema) -> dict:
    """An entry: every field of its schema, `null` where not set."""
    body = {"@url": entry_url, "@type": entry.schema_id, "@links": [], "@changes": hm.changes(entry), "dt": entry.dt}
    fields = entry.fields
    for name in schema.field_names:
        body[name] = fields.get(name)
    return body


def parse_entry(request, data: dict, schema_ids, current: Entry | None = None):
    """(schema, dt, fields) from a POST body or (merged onto `current`) a PATCH body; a 400 with one
    problem per bad field otherwise."""
    problems = []
    data = writable(data, entries_model.READ_ONLY_KEYS)
    type_id = data.pop("@type", None if current is None else current.schema_id)
    raw_dt = data.pop("dt", None if current is None else current.dt)
    problems += [problem(k, "Unknown field.") for k in data if k.startswith("@")]
    schema = None
    if current is not None and type_id != current.schema_id:
        problems.append(problem("@type", "The type of an entry cannot change; write a new entry instead."))
    elif not isinstance(type_id, str):
        problems.append(problem("@type", "Required input is missing: the $id of the entry's schema."))
    elif current is None and type_id not in schema_ids:
        problems.append(problem("@type", f"{type_id!r} is not one of this diary's entry types."))
    else:
        schema = request.entry_schemas.get(request.dbsession, type_id)
    dt = None
    if raw_dt is None:
        problems.append(problem("dt", "Required input is missing."))
    elif current is not None and raw_dt is current.dt:
        dt = raw_dt
    else:
        try:
            dt = parse_datetime(raw_dt)
        except ValueError as error:
            problems.append(problem("dt", str(error)))
    fields = {k: v for k, v in data.items() if not k.startswith("@")}
    if current is not None:
        fields = {**current.fields, **fields}
    fields = entries_model.without_nulls(fields)
    if schema is not None:
        problems += entries_model.field_problems(schema, fields)
    if problems:
        raise ValidationFailure("Invalid JSON input", problems)
    return schema, dt, fields


def entry_url(entries_url: str, entry) -> str:
    """The same URL as resource_url(EntryResource), without traversing to build it."""
    return f"{entries_url}{entry.id}/"


# What a listing reads of an entry: plain rows, not ORM objects (a third of a page's time went into
# building 50 tracked objects that nobody changes).
LISTED = (Entry.id, Entry.schema_id, Entry.dt, Entry.fields, Entry.created, Entry.modified, Entry.deleted)


@view_config(context=Entries, request_method="POST", renderer="json", permission=Permissions.DIARY_WRITE)
def create_entry(context, request):
    schema, dt, fields = parse_entry(request, json_object(request), context.client.diary_schemas)
    entry, created = entries_model.create_entry(request.dbsession, context.client.id, schema, dt, fields)
    url = entry_url(hm.url(request, context), entry)
    hm.written(request, url, entry, created)
    return entry_body(request, url, entry, schema)


@view_config(context=Entries, name="items", request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_entries(context, request):
    """Newest `dt` first; with `modified_after`, every change since then (tombstones included)."""
    params = query(request, Listing())
    stmt = select(*LISTED).where(Entry.client_id == context.client.id)
    rows, next_query = records_page(request, stmt, Entry, Entry.dt, params)
    schemas = {s.id: s for s in request.entry_schemas.get_many(request.dbsession, list({r.schema_id: 0 for r in rows}))}
    items = []
    entries_url = hm.url(request, context)
    for entry in rows:
        url = entry_url(entries_url, entry)
        if entry.deleted is not None:
            items.append(hm.tombstone(request, url, entry.schema_id, entry))
        else:
            items.append(entry_body(request, url, entry, schemas[entry.schema_id]))
    live_types = [s for s in schemas.values() if any(e.schema_id == s.id and e.deleted is None for e in rows)]
    return hm.collection(request, context, "diary-entries", items, next_query=next_query, view_name="items",
                         **{"@schemas": hm.schema_descriptors(request, live_types)})


@view_config(context=Entries, name="schemas", request_method="GET", renderer="json", permission=Permissions.VIEW)
def entry_schemas_in_use(context, request):
    used = request.dbsession.scalars(
        select(Entry.schema_id).distinct().where(Entry.client_id == context.client.id, Entry.deleted.is_(None))
    ).all()
    schemas = request.entry_schemas.get_many(request.dbsession, sorted(used))
    body = hm.representation(request, context, "diary-entry-schemas", [])
    body["@url"] = hm.url(request, context, "schemas")
    body["@schemas"] = hm.schema_descriptors(request, schemas)
    return body


@view_config(context=EntryResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_entry(context, request):
    entry = context.entry
    hm.set_etag(request, entry)
    return entry_body(request, hm.url(request, context), entry, request.entry_schemas.get(request.dbsession, entry.schema_id))


@view_config(context=EntryResource, request_method="PATCH", renderer="json", permission=Permissions.DIARY_WRITE)
def patch_entry(context, request):
    entry = context.entry
    data = json_object(request)
    hm.check_if_match(request, entry)
    schema, dt, fields = parse_entry(request, data, (), current=entry)
    entries_model.update_entry(request.dbsession, entry, schema, dt, fields)
    hm.set_etag(request, entry)
    return entry_body(request, hm.url(request, context), entry, schema)


@view_config(context=EntryResource, request_method="DELETE", permission=Permissions.DIARY_WRITE)
def delete_entry(context, request):
    hm.check_if_match(request, context.entry)
    entries_model.delete_entry(context.entry)
    return HTTPNoContent()
