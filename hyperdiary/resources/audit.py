"""The audit trail's places in the tree: the root's `audit` (admins, every event) and a client's
`audit` (the client and admins, the events that concern it). Both only read: there is no view that
changes or deletes an event, so every other method answers 405."""
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from ..security import ADMIN, Permissions, user_principal
from . import Resource


class Audit(Resource):
    """Every event, for admins."""

    reveal_forbidden = True
    __acl__ = ((Allow, ADMIN, ALL_PERMISSIONS), DENY_ALL)


class ClientAudit(Resource):
    """The events that concern one client: the client reads them, and admins; its professionals do not
    (they see nothing here: 404, as for anything they may not see)."""

    @property
    def client(self):
        return self.__parent__.client

    @property
    def __acl__(self):
        return ((Allow, ADMIN, ALL_PERMISSIONS), (Allow, user_principal(self.client.user_id), Permissions.VIEW),
                DENY_ALL)
