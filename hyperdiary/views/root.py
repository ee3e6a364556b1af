"""The entry point: every URL a client needs starts from the links here."""
from pyramid.view import view_config

from ..shapes import STRING, representation
from ..documented import Named, documented
from .. import hypermedia as hm
from ..accounts.resources import UserResource
from ..resources.root import Root
from ..security import Permissions


# The schemas of what these views answer or read (hyperdiary/documented.py).
ROOT_SCHEMA = Named('Root',
    representation("The entry point: its links lead everywhere the caller may go.", changes=False,
                           title=STRING))


@documented('getRoot', '/', 'The entry point: links to everything', result=ROOT_SCHEMA, public=True)
@view_config(context=Root, request_method="GET", renderer="json", permission=Permissions.VIEW)
def root(context, request):
    auth = context["auth"]
    user = request.user
    links = [
        hm.link(request, "auth.register", auth, "register"),
        hm.link(request, "auth.token", auth, "token"),
        hm.link(request, "auth.refresh", auth, "refresh"),
        hm.link(request, "auth.logout", auth, "logout"),
        hm.link(request, "schemas", context["schemas"]),
        hm.link(request, "schemas.preview", context["schemas"], "preview", permission=Permissions.SCHEMAS_ADD),
        hm.link(request, "openapi", context, "openapi.json"),
        hm.link(request, "context", context, "context.jsonld"),
    ]
    if user is not None:
        links += [
            # The caller's own user resource, made from the identity: no need to load the user.
            hm.link(request, "me", UserResource(context["users"], user.id, user)),
            hm.link(request, "clients", context["clients"], permission=Permissions.CLIENTS_LIST),
            hm.link(request, "users", context["users"], permission=Permissions.USERS_LIST),
            hm.link(request, "tagtypes", context["tagtypes"]),
            hm.link(request, "subjects", context["subjects"], permission=Permissions.SUBJECTS_LIST),
            hm.link(request, "subjectlogs", context["subjectlogs"], permission=Permissions.SUBJECTS_LIST),
            hm.link(request, "audit", context["audit"]),
            hm.link(request, "invitations", context["invitations"], permission=Permissions.INVITATIONS),
        ]
    return hm.representation(request, context, "root", hm.links(*links), title="hyperdiary")
