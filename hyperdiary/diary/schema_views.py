"""Entry schemas: the list (shipped and uploaded), each descriptor, each JSON Schema document, uploads."""
from pyramid.httpexceptions import HTTPConflict
from pyramid.response import Response
from pyramid.view import view_config

from ..shapes import NULLABLE_TEXT, STRING, described, ref, representation
from ..documented import Named, Page, documented
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


# The schemas of what these views answer or read (hyperdiary/documented.py).
SCHEMA_DESCRIPTOR_SCHEMA = Named('SchemaDescriptor', representation(
        "An entry type, described for building forms; its `jsonschema` link leads to the full document.",
        changes=False,
        **{"@id": described(STRING, "the schema's $id: the @type of its entries"),
           "title": STRING,
           "description": NULLABLE_TEXT,
           "fields": {"type": "array", "items": ref("Field")},
           "charts": {"type": "array", "description": "the schema's x-charts"},
           "resources": {"type": "array", "description": "the schema's x-resources"}},
    ))
FIELD_SCHEMA = Named('Field', {
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
    })
JSON_SCHEMA = Named('JSONSchema',
    {"type": "object", "description": "A Draft 2020-12 JSON Schema of an object, with an absolute $id "
                                                    "of at most 500 characters."})


def schema_body(request, schema) -> dict:
    return hm.schema_descriptors(request, [schema])[0]


@documented('listSchemas', '/schemas/', 'Every entry schema, shipped and uploaded', link='schemas',
            result=Page(SCHEMA_DESCRIPTOR_SCHEMA), public=True)
@view_config(context=Schemas, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_schemas(context, request):
    """Every schema: few enough (tens to hundreds) to answer in one page."""
    schemas = request.entry_schemas.all(request.dbsession)
    links = hm.links(hm.link(request, "add", context, permission=Permissions.SCHEMAS_ADD))
    return hm.collection(request, context, "schemas", hm.schema_descriptors(request, schemas), links_=links)


@documented('addSchema', '/schemas/', 'Upload an entry schema (professionals, admins)', link='schemas',
            body=JSON_SCHEMA, ok=201, result=SCHEMA_DESCRIPTOR_SCHEMA, errors=(403, 409))
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


@documented('getSchema', '/schemas/{schema_key}/', "An entry schema's descriptor", result=SCHEMA_DESCRIPTOR_SCHEMA,
            errors=(404,), public=True,
            parameters={"schema_key": "from the schema's @url"})
@view_config(context=SchemaResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_schema(context, request):
    return schema_body(request, context.schema)


@documented('getJSONSchema', '/schemas/{schema_key}/jsonschema', 'The JSON Schema document', link='jsonschema',
            result=JSON_SCHEMA, errors=(404,), public=True, media='application/schema+json')
@view_config(context=SchemaResource, name="jsonschema", request_method="GET", permission=Permissions.VIEW)
def get_json_schema(context, request):
    """The full JSON Schema document, as stored."""
    return Response(body=dumps(context.schema.document), content_type="application/schema+json", charset="UTF-8")
