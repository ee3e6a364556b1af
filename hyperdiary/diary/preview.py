"""`schemas.preview`: what an upload of this schema would answer, without storing it."""
from pyramid.view import view_config

from ..documented import documented
from ..errors import ValidationFailure, problem
from ..inputs import json_body
from .schema_resources import Schemas
from ..schemas import EntrySchema, SchemaProblem
from ..security import Permissions
from .schema_views import schema_body


@documented('previewSchema', '/schemas/preview',
            'The descriptor an upload of this schema would get, or its 400; nothing is stored',
            link='schemas.preview', body='JSONSchema', result='SchemaDescriptor', errors=(403,))
@view_config(context=Schemas, name="preview", request_method="POST", renderer="json",
             permission=Permissions.SCHEMAS_ADD)
def preview_schema(context, request):
    """200 with the descriptor the schema would get (its @url is where it would live), or the 400 an
    upload would get: the same checks as `POST schemas` (diary/schema_views.add_schema), nothing stored. A
    taken $id is not refused here: the preview shows the form whatever the upload would then say."""
    try:
        schema = EntrySchema(json_body(request))
    except SchemaProblem as error:
        raise ValidationFailure("Invalid entry schema", [problem(error.field or "body", error.message)]) from None
    return schema_body(request, schema)
