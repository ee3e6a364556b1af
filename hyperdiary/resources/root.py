"""The root of the tree: the API's entry point."""
from pyramid.authorization import Allow, Everyone

from ..security import Permissions
from . import Resource
from .accounts import Auth, Users
from .audit import Audit
from .clients import Clients
from .journals import TagTypes
from .schemas import Schemas
from .subjects import SubjectLogs, Subjects


class Root(Resource):
    __name__ = ""
    __parent__ = None
    __acl__ = ((Allow, Everyone, Permissions.VIEW),)

    children = {"auth": Auth, "users": Users, "clients": Clients, "schemas": Schemas, "tagtypes": TagTypes,
                "subjects": Subjects, "subjectlogs": SubjectLogs, "audit": Audit}

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        return self.children[name](self, name)


def root_factory(request):
    return Root(request)
