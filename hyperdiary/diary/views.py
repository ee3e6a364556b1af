"""A client's diary: its configuration (which entry types it holds) and the entry types in use (the CRUD of
entries comes from their kind, hyperdiary/diary.py)."""
import colander
from pyramid.view import view_config
from sqlalchemy import select

from .. import hypermedia as hm
from .. import records
from ..errors import ValidationFailure, problem
from ..inputs import StrictString, body
from ..kinds import kind_links
from .models import Entry
from .resources import Diary, Entries
from ..security import Permissions

# --- the diary and its configuration ----------------------------------------------------------------


@view_config(context=Diary, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_diary(context, request):
    links = hm.links(hm.link(request, "configuration", context, "configuration"), *kind_links(request, context))
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
    client = context.__parent__.editable_client()
    client.diary_schemas = list(dict.fromkeys(wanted))  # in order, each once
    records.bump(client)
    return configuration_body(request, context)


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
