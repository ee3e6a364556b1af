"""The entry point: every URL a client needs starts from the links here."""
from pyramid.view import view_config

from ..shapes import STRING, representation
from ..documented import Named, documented
from .. import hypermedia as hm
from ..resources.root import Root
from ..security import Permissions


# The schemas of what these views answer or read (hyperdiary/documented.py).
ROOT_SCHEMA = Named('Root',
    representation("The entry point: its links lead everywhere the caller may go.", changes=False,
                           title=STRING))


@documented('getRoot', '/', 'The entry point: links to everything', result=ROOT_SCHEMA, public=True)
@view_config(context=Root, request_method="GET", renderer="json", permission=Permissions.VIEW)
def root(context, request):
    """The links the domains put on the root (`config.add_root_link`), each for the callers who may use it."""
    user = request.user
    shown = [each for each in request.registry.root_links if user is not None or not each.signed_in]
    shown.sort(key=lambda each: each.signed_in)
    links = [hm.link(request, each.name,
                     each.resource(request, context) if each.resource is not None else
                     context[each.child] if each.child is not None else context,
                     *([each.view] if each.view else []), permission=each.permission)
             for each in shown]
    return hm.representation(request, context, "root", hm.links(*links), title="hyperdiary")
