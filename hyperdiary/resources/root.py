"""The root of the tree: the API's entry point."""
from pyramid.authorization import Allow, Everyone

from ..security import Permissions
from . import Resource, child_collection
from .accounts import Auth, Users
from .audit import Audit
from .clients import Clients
from .journals import TagTypes
from .feeds import SecretFeeds
from .schemas import Schemas
from .subjects import Subjects


class Root(Resource):
    __name__ = ""
    __parent__ = None
    __acl__ = ((Allow, Everyone, Permissions.VIEW),)

    children = {"auth": Auth, "users": Users, "clients": Clients, "schemas": Schemas, "tagtypes": TagTypes,
                "subjects": Subjects, "audit": Audit, "feeds": SecretFeeds}

    def __init__(self, request):
        self.request = request

    @classmethod
    def child_step(cls, registry, name):
        child = cls.children.get(name)
        return (child, None) if child is not None else super().child_step(registry, name)

    def __getitem__(self, name):
        child = self.children.get(name)
        return child(self, name) if child is not None else child_collection(self, name)


def root_factory(request):
    return Root(request)
