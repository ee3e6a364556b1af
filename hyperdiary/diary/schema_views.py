"""Entry schemas: the list (shipped and uploaded), each descriptor, each JSON Schema document, uploads."""
from pyramid.httpexceptions import HTTPConflict
from pyramid.response import Response
from pyramid.view import view_config

from .. import hypermedia as hm
from ..errors import ValidationFailure, problem
from ..inputs import json_body
from .models import StoredSchema
from ..models.meta import utcnow
from ..records import insert_new
from ..rendering import dumps
from .schema_resources import SchemaResource, Schemas
from ..schemas import EntrySchema, SchemaProblem, schema_key
from ..security import Permissions


def schema_body(request, schema) -> dict:
    return hm.schema_descriptors(request, [schema])[0]


@view_config(context=Schemas, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_schemas(context, request):
    """Every schema: few enough (tens to hundreds) to answer in one page."""
    schemas = request.entry_schemas.all(request.dbsession)
    links = hm.links(hm.link(request, "add", context, permission=Permissions.SCHEMAS_ADD))
    return hm.collection(request, context, "schemas", hm.schema_descriptors(request, schemas), links_=links)


@view_config(context=Schemas, request_method="POST", renderer="json", permission=Permissions.SCHEMAS_ADD)
def add_schema(context, request):
    document = json_body(request)
    try:
        schema = EntrySchema(document)
    except SchemaProblem as error:
        raise ValidationFailure("Invalid entry schema", [problem(error.field or "body", error.message)]) from None
    # A shipped schema's $id is not in the table: asked of the registry first.
    stored = not request.entry_schemas.exists(request.dbsession, schema.id) and insert_new(
        request.dbsession, StoredSchema, {"id": schema.id, "key": schema_key(schema.id), "creator_id": request.user.id,
                                          "document": dumps(document).decode("utf-8"), "created": utcnow()})
    if not stored:
        raise HTTPConflict(f"A schema with the $id {schema.id!r} exists; a changed schema needs a new $id.")
    body = schema_body(request, schema)
    hm.written(request, body["@url"])
    return body


@view_config(context=SchemaResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_schema(context, request):
    return schema_body(request, context.schema)


@view_config(context=SchemaResource, name="jsonschema", request_method="GET", permission=Permissions.VIEW)
def get_json_schema(context, request):
    """The full JSON Schema document, as stored."""
    return Response(body=dumps(context.schema.document), content_type="application/schema+json", charset="UTF-8")
