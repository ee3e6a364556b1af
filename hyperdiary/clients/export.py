"""A client's `export` (API.md §9): everything stored for it as one JSON document, or with
`Accept: application/fhir+json` as a FHIR R4 Bundle; both streamed (hyperdiary/export.py, fhir.py).
The client, its professionals and admins may export; each export is audited (action `export`)."""
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from ..documented import Named, documented
from .. import export, fhir
from .. import hypermedia as hm
from ..accounts.models import User
from ..fhir import text, without_none
from ..rendering import preferred
from .resources import ClientResource
from ..security import Permissions
from .views import client_body
from ..diary.views import configuration_body
from ..reminders.views import settings_body, stored_settings

OFFERS = ("application/json", fhir.CONTENT_TYPE)


# The schemas of what these views answer or read (hyperdiary/documented.py).
EXPORT_SCHEMA = Named('Export',
    {"type": "object", "required": ["@type", "exported", "client", "configuration", "schemas"],
               "description": "Everything stored for a client (with Accept: application/fhir+json a FHIR R4 "
                              "Bundle of type collection instead): the client, its diary configuration, the "
                              "schemas its entries use, and its records of every kind, each in its API "
                              "representation."})
FHIR_BUNDLE_SCHEMA = Named('FHIRBundle', {"type": "object", "required": ["resourceType", "type"],
                   "properties": {"resourceType": {"const": "Bundle"}, "type": {"const": "collection"}},
                   "description": "A FHIR R4 Bundle of type collection (the export tests check it with FHIR's own "
                                  "models)"})


def head(request, client_resource) -> dict:
    """What the document starts with: the client and its diary configuration, as the API shows them."""
    configuration = configuration_body(request, client_resource["diary"])
    notifications = client_resource["notifications"]
    return {"client": client_body(request, client_resource), "configuration": configuration,
            "notifications": settings_body(request, notifications,
                                           stored_settings(request.dbsession, client_resource.client.id))}


def patient(request, connection, client_resource) -> dict:
    """The client as the FHIR Bundle's Patient (hyperdiary/fhir.py), read on the export's snapshot."""
    client = client_resource.client
    user = connection.execute(select(User.first_name, User.last_name).where(User.id == client.user_id)).one()
    name = without_none({"text": text(client.name), "family": text(user.last_name),
                         "given": [text(user.first_name)] if text(user.first_name) else None})
    return without_none({
        "resourceType": "Patient", "id": client.id, "meta": {"lastUpdated": client.modified},
        "identifier": [{"system": hm.url(request, request.root["clients"]), "value": client.id}],
        "name": [name] if name else None,
    })


def wants_fhir(request) -> bool:
    return preferred(request, OFFERS) == fhir.CONTENT_TYPE


@documented('exportClient', '/clients/{client_id}/export',
            'Everything stored for the client, as one JSON document or (Accept: application/fhir+json) a FHIR R4 '
            'Bundle; streamed',
            link='export', result=EXPORT_SCHEMA, errors=(404,),
            alternatives={'application/fhir+json': {'$ref': '#/components/schemas/FHIRBundle'}})
@view_config(context=ClientResource, name="export", request_method="GET", permission=Permissions.VIEW)
def export_client(context, request):
    engine = request.registry["dbengine"]
    if wants_fhir(request):
        body, content_type = fhir.bundle(request, engine, context, patient), fhir.CONTENT_TYPE
    else:
        body, content_type = export.document(request, engine, context, head(request, context)), "application/json"
    response = Response(app_iter=body, content_type=content_type, charset="UTF-8")
    # Saved by the person, not by a cache: a name for the download.
    response.content_disposition = f'attachment; filename="hyperdiary-{context.client.id}.json"'
    return response
