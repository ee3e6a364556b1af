"""Discovery documents: the OpenAPI description and the JSON-LD context."""
from pyramid.response import Response
from pyramid.view import view_config

from ..documented import documented
from .. import linkeddata, openapi
from ..rendering import dumps
from ..resources.root import Root
from ..security import Permissions


@documented('getOpenAPI', '/openapi.json', 'This document', link='openapi',
            result={'type': 'object', 'description': 'An OpenAPI 3.1 document'}, public=True)
@view_config(context=Root, name="openapi.json", request_method="GET", permission=Permissions.VIEW)
def openapi_document(context, request):
    return Response(body=dumps(openapi.document(request)), content_type="application/json", charset="UTF-8")


@documented('getJSONLDContext', '/context.jsonld', "The JSON-LD context every answer's Link header points at",
            link='context', result={'type': 'object', 'required': ['@context']}, public=True,
            media='application/ld+json')
@view_config(context=Root, name="context.jsonld", request_method="GET", permission=Permissions.VIEW)
def context_document(context, request):
    """The JSON-LD context of every representation, generated from the record kinds (linkeddata.py)."""
    return Response(body=dumps({"@context": linkeddata.context(request.registry)}),
                    content_type="application/ld+json", charset="UTF-8")
