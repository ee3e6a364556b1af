"""The root of the tree: the API's entry point."""
from collections.abc import Callable
from typing import NamedTuple

from pyramid.authorization import Allow, Everyone

from ..security import Permissions
from . import Resource, child_collection
from .audit import Audit


class Root(Resource):
    __name__ = ""
    __parent__ = None
    __acl__ = ((Allow, Everyone, Permissions.VIEW),)

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        """What the domains hang below the root (`config.add_child(Root, "clients", Clients)` ...) and the
        collections of the record kinds declared there."""
        return child_collection(self, name)


def root_factory(request):
    return Root(request)


class RootLink(NamedTuple):
    """A link of the root's representation (views/root.py), in the order registered; the signed-in ones last."""

    name: str
    child: str | None  # the root's child it leads to (None: the root itself)
    view: str
    permission: str | None  # what the caller needs on the target (hypermedia.link)
    signed_in: bool  # shown only to a caller who signed in
    resource: Callable | None  # (request, root) -> the resource it leads to, when that is not a child


def add_root_link(config, name: str, child: str | None = None, view: str = "", permission=Permissions.VIEW, *,
                  signed_in: bool = False, resource: Callable | None = None):
    """`config.add_root_link("clients", "clients", permission=..., signed_in=True)`: how a domain's entry
    points get onto the root, where every client starts."""
    config.registry.root_links.append(RootLink(name, child, view, permission, signed_in, resource))


def includeme(config):
    config.registry.root_links = []
    config.add_directive("add_root_link", add_root_link)
    config.add_child(Root, "audit", Audit)
    config.add_root_link("openapi", None, "openapi.json")
    config.add_root_link("context", None, "context.jsonld")
    config.add_root_link("audit", "audit", signed_in=True)
