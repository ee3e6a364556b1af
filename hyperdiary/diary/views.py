"""A client's diary: its configuration (which entry types it holds) and the entry types in use (the CRUD of
entries comes from their kind, hyperdiary/diary/__init__.py)."""
import colander
from pyramid.view import view_config
from sqlalchemy import select

from ..shapes import DATE_TIME, STRING, described, ref, representation
from ..documented import Named, documented
from .. import hypermedia as hm
from .. import records
from ..errors import ValidationFailure, problem
from ..inputs import StrictString, body
from ..kinds import kind_links
from .models import Entry
from .resources import Diary, Entries
from ..security import Permissions

# --- the diary and its configuration ----------------------------------------------------------------


# The schemas of what these views answer or read (hyperdiary/documented.py).
DIARY_SCHEMA = Named('Diary', representation("A diary: links to its configuration and entries.", changes=False))
SCHEMA_SET = Named('SchemaSet',
    representation("The entry schemas of a diary (configured, or in use).", changes=False,
                                **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor")}}))
ENTRY_SCHEMA = Named('Entry', {
        "type": "object",
        "properties": {"@type": described(STRING, "the $id of one of the diary's configured schemas"),
                       "dt": described(DATE_TIME, "when it happened (UTC)")},
        "additionalProperties": {"description": "the fields of the entry's JSON Schema"},
        "description": "POST needs @type and dt; PATCH merges the fields given (null clears one) and revalidates.",
    })


@documented('getDiary', '/clients/{client_id}/diary/', "A diary's links", link='diary', result=DIARY_SCHEMA,
            errors=(404,))
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


@documented('getDiaryConfiguration', '/clients/{client_id}/diary/configuration',
            'The entry schemas this diary may hold', link='diary.configuration', result=SCHEMA_SET, errors=(404,),
            etag=True)
@view_config(context=Diary, name="configuration", request_method="GET", renderer="json",
             permission=Permissions.VIEW)
def get_configuration(context, request):
    return configuration_body(request, context)


class Configuration(colander.MappingSchema):
    schemas = colander.SchemaNode(colander.Sequence(), colander.SchemaNode(StrictString(), description="a schema $id"))


@documented('setDiaryConfiguration', '/clients/{client_id}/diary/configuration',
            'Set the entry schemas this diary may hold (professionals, admins)', link='diary.configuration',
            body=Configuration, result=SCHEMA_SET, errors=(403, 404), etag=True, if_match=True)
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


@documented('listEntrySchemasInUse', '/clients/{client_id}/diary/entries/schemas',
            'The schemas of the entry types in use in this diary', link='diary.entries.schemas', result=SCHEMA_SET,
            errors=(404,))
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
