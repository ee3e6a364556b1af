"""The root of the tree: the API's entry point."""
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


def includeme(config):
    config.add_child(Root, "audit", Audit)
