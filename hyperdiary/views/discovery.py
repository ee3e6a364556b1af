"""Discovery documents: the OpenAPI description and the JSON-LD context."""
from pyramid.response import Response
from pyramid.view import view_config

from .. import openapi
from ..rendering import dumps
from ..resources.root import Root
from ..security import Permissions


@view_config(context=Root, name="openapi.json", request_method="GET", permission=Permissions.VIEW)
def openapi_document(context, request):
    return Response(body=dumps(openapi.document(request)), content_type="application/json", charset="UTF-8")


def jsonld_context(request) -> dict:
    """Maps the plain fields of every representation into the namespace, so a JSON-LD processor can
    expand them. (The `@`-keys of the contract are JSON-LD look-alikes, not JSON-LD keywords; a
    processor ignores them.)"""
    ns = request.registry.settings["hyperdiary.namespace"]
    xsd = "http://www.w3.org/2001/XMLSchema#"
    date_time = {"@type": xsd + "dateTime"}
    return {
        "@context": {
            "@vocab": ns + "terms#",
            "hd": ns,
            "xsd": xsd,
            "dt": dict(date_time, **{"@id": "hd:terms#dt"}),
            "creation_time": dict(date_time, **{"@id": "hd:terms#creation_time"}),
            "modification_time": dict(date_time, **{"@id": "hd:terms#modification_time"}),
            "client": {"@id": "hd:terms#client", "@type": "@id"},
            # Subject logs: the subject and the creator are @urls, entries have date-times.
            "subject": {"@id": "hd:terms#subject", "@type": "@id"},
            "user": {"@id": "hd:terms#user", "@type": "@id"},
            "date_time": dict(date_time, **{"@id": "hd:terms#date_time"}),
            "start_date_time": dict(date_time, **{"@id": "hd:terms#start_date_time"}),
            "end_date_time": dict(date_time, **{"@id": "hd:terms#end_date_time"}),
            "url": {"@id": "hd:terms#url", "@type": "@id"},
        }
    }


@view_config(context=Root, name="context.jsonld", request_method="GET", permission=Permissions.VIEW)
def context_document(context, request):
    return Response(body=dumps(jsonld_context(request)), content_type="application/ld+json", charset="UTF-8")
