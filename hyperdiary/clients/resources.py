"""Clients: the root's `clients` collection and each client, below which the domains hang their resources."""
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow
from pyramid.decorator import reify
from sqlalchemy import exists, select

from ..accounts import Identity, identity_of
from ..accounts.models import CaseloadAssignment
from .models import Client
from ..security import ADMIN, PROFESSIONAL, Permissions, user_principal
from ..resources import NOT_READ, Resource, child_collection, is_id


class Clients(Resource):
    """Professionals list their caseload here; admins every client."""

    reveal_forbidden = True
    # DENY_ALL: nothing below is public, whatever the root allows everyone.
    __acl__ = ((Allow, ADMIN, ALL_PERMISSIONS), (Allow, PROFESSIONAL, Permissions.CLIENTS_LIST), DENY_ALL)

    @classmethod
    def child_step(cls, registry, name):
        return (ClientResource, Client) if is_id(name) else None

    def __getitem__(self, name):
        client = self.find(Client, name)
        if client is None:
            raise KeyError(name)
        return ClientResource(self, name, client)


# What the owner and the professionals may do besides the write permissions record kinds grant (kinds.Kind.grants).
OWNER_PERMISSIONS = (Permissions.VIEW, Permissions.PROFILE_EDIT, Permissions.DIARY_WRITE,
                     Permissions.GOALS_WRITE, Permissions.GOALS_TRACK)
PROFESSIONAL_PERMISSIONS = (Permissions.VIEW, Permissions.PROFILE_EDIT, Permissions.DIARY_CONFIGURE,
                            Permissions.GOALS_WRITE, Permissions.GOALS_APPROVE)


class ClientResource(Resource):
    holds_client = True
    # What other domains want read with a client by the request's lineage, {name: f(the client's id column) ->
    # SQL expression} (`config.add_client_fact`; questionnaires: whether it has live assignments, which every
    # entry write asks).
    facts: dict = {}

    def __init__(self, parent, name, client: Client, owner: Identity | None = None, professional_ids=None):
        super().__init__(parent, name)
        self.client = client
        if owner is not None:
            self.owner = owner  # known already (a listing joined it): reify's cache
        if professional_ids is not None:
            self.professional_ids = professional_ids  # known already (the caseload listing): reify's cache

    @reify
    def owner(self) -> Identity:
        """The identity of the user whose client record this is (for its `login` and `user` link)."""
        return identity_of(self.dbsession, self.client.user_id)

    @property
    def __acl__(self):
        """The client writes its diary; the professionals of its caseload read it and configure it;
        admins (inherited from Clients) may do anything. A generator, so that the caseload is asked
        for only when the owner's entry did not already decide."""
        granted = self.request.registry.kinds.grants
        yield (Allow, user_principal(self.client.user_id), OWNER_PERMISSIONS + granted.get("owner", ()))
        for professional_id in self.professional_ids:
            yield (Allow, user_principal(professional_id), PROFESSIONAL_PERMISSIONS + granted.get("professional", ()))

    @classmethod
    def caller_facts(cls, record_id, caller_id) -> dict:
        return {"follows": exists().where(CaseloadAssignment.client_id == record_id,
                                          CaseloadAssignment.professional_id == caller_id),
                **{name: fact(record_id) for name, fact in cls.facts.items()}}

    @reify
    def professional_ids(self) -> list[str]:
        """The professionals the ACL names: those who follow the client; when the request's lineage read
        whether the caller is one of them, just the caller or nobody (the ACL is asked about the caller only)."""
        follows = self.request.lineage.fact(Client, self.__name__, "follows")
        if follows is not NOT_READ:
            return [self.request.user.id] if follows else []
        return self.dbsession.scalars(
            select(CaseloadAssignment.professional_id).where(CaseloadAssignment.client_id == self.client.id)
        ).all()

    @property
    def record(self) -> Client:
        return self.client

    def editable_client(self) -> Client:
        """The client as an ORM object, for a view that changes it (what traversal found is a plain row, read
        with the caller: hyperdiary/lineage.py); the resource holds it from then on, so that what the view
        answers shows the change. Not locked, as before: changes are guarded by If-Match."""
        self.client = self.dbsession.get(Client, self.client.id)
        return self.client

    def __getitem__(self, name):
        """What the domains hang below a client (`config.add_child(ClientResource, ...)`: the diary, reports ...)
        and the collections of the record kinds declared below it."""
        found = child_collection(self, name)
        shown = self.shared_with_caller
        if shown is not None:
            # A relative (careteam.relatives) sees the links the client chose, read-only, and nothing else:
            # whatever else is below the client is missing for them (404), not forbidden.
            if name not in shown:
                raise KeyError(name)
            found.__acl__ = ((Allow, user_principal(self.request.user.id), Permissions.VIEW),)
            found.shared_with_relative = True
        return found

    @reify
    def shared_with_caller(self) -> frozenset | None:
        """The names of what the caller may see below this client as its relative, or None when the caller is
        not looking along as a relative (anonymous, the client, an admin, one of its professionals, a stranger).
        Asked on every request: a narrowed or revoked relation holds at once."""
        user = self.request.user
        shared = self.request.registry.get("shared_with")  # careteam.relatives
        if (shared is None or user is None or user.id == self.client.user_id or user.role == "admin"
                or user.id in self.professional_ids):
            return None
        return shared(self.request, self.client.id, user.id)
