"""Accounts: sign-in endpoints, users, and professionals' caseloads."""
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Everyone

from .models import CaseloadAssignment, Role, User
from ..clients.models import Client
from ..security import ADMIN, Permissions, user_principal
from ..resources import Resource, child_collection, is_id


class Auth(Resource):
    """register, token, refresh and logout: views by name, open to everyone."""

    reveal_forbidden = True
    __acl__ = ((Allow, Everyone, Permissions.VIEW),)
    # Sign-in, refresh and logout authenticate by their body: a stale access token sent along (as
    # generic HTTP clients do) must not stop a caller from getting a new one.
    ignores_bearer_token = True


class Users(Resource):
    reveal_forbidden = True
    # DENY_ALL: nothing below is public, whatever the root allows everyone.
    __acl__ = ((Allow, ADMIN, ALL_PERMISSIONS), DENY_ALL)

    @classmethod
    def child_step(cls, registry, name):
        return (UserResource, User) if is_id(name) else None

    def __getitem__(self, name):
        user = self.find(User, name)
        if user is None:
            raise KeyError(name)
        return UserResource(self, name, user)


class UserResource(Resource):
    lineage_on_writes = False  # its views change it in place (an ORM object)

    def __init__(self, parent, name, user: User):
        super().__init__(parent, name)
        self.user = user

    @property
    def __acl__(self):
        me = user_principal(self.user.id)
        acl = [(Allow, me, (Permissions.VIEW, Permissions.PROFILE_EDIT))]
        if self.user.role == Role.PROFESSIONAL:
            acl.append((Allow, me, Permissions.CASELOAD_VIEW))
        return acl

    def __getitem__(self, name):
        if name == "caseload" and self.user.role == Role.PROFESSIONAL:
            return Caseload(self, name)
        return child_collection(self, name)

    @property
    def client(self):
        """The user's own client record (clients and friends have one)."""
        if not Role(self.user.role).keeps_diary:
            return None
        return self.dbsession.query(Client).filter_by(user_id=self.user.id).one_or_none()


class Caseload(Resource):
    """The clients a professional follows; admins assign and unassign."""

    # The assignment's `client` is the @url of a client of the root's `clients` listing: its page's form offers
    # them as a choice (pages/pickers.py), as a record kind's references are.
    references = {"client": ("clients",)}

    @property
    def professional(self) -> User:
        return self.__parent__.user

    def __getitem__(self, name):
        assignment = self.link_row(CaseloadAssignment, (self.professional.id, name), name)
        if assignment is None:
            raise KeyError(name)
        return Assignment(self, name, assignment)


class Assignment(Resource):
    __acl__ = ()

    def __init__(self, parent, name, assignment):
        super().__init__(parent, name)
        self.assignment = assignment
