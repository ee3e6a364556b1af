"""Relatives who look along (API.md §14). A client invites someone (`relatives`: POST {"can_see"}) and passes
the invitation's code on; a signed-in user redeems it (the root's `invitations`: POST {"code"}) and from then
on finds the client in their `shared_with_me`, with exactly the links the client chose, read-only.

A code is random, stored only as its SHA-256 hash (as tokens are), works once, and for 7 days. What a relative
may see is decided where everything else is: the client resource (clients/resources.py) asks `shared_with`
on every request which of its links the caller may follow as a relative, gives those children an ACL that
lets the relative read (VIEW, nothing else: every write is a 403), and hides everything else below the client
(404, as if missing): messages, feedback (careteam.feedback), audit, export, notifications. A narrowed or
revoked relation holds from the next request: nothing is remembered between requests."""
import datetime
import secrets

import colander
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated
from pyramid.view import view_config
from sqlalchemy import select

from .. import accounts, audit, kinds, replicas
from .. import hypermedia as hm
from ..documented import Page, Shape, documented
from ..errors import ValidationFailure, problem
from ..inputs import Paging, StrictString, body, parse_datetime, query
from ..clients.models import Client
from ..paging import cursor, keyset_page
from ..records import bump
from ..resources import Resource, is_id
from ..accounts.resources import UserResource
from ..clients.resources import ClientResource
from ..resources.root import Root
from ..security import ADMIN, Permissions, user_principal
from . import people
from .models import Relative

LINK_NAMES = ("goals", "moods", "charts", "journals", "diary")  # schemas/relative.json lists them too
VALID_FOR = datetime.timedelta(days=7)
UNUSABLE = "No invitation has this code, or it was used already, or it has expired."
INVITATION = "hyperdiary.careteam.invitation"  # the code of the invitation this request made (shown once)


class ClientOnly:
    """The client's alone (and an admin's, who may do anything): hidden from its professionals too (404), who
    otherwise read everything below the client."""

    @property
    def __acl__(self):
        return ((Allow, ADMIN, ALL_PERMISSIONS),
                (Allow, user_principal(self.client.user_id), (Permissions.VIEW, Permissions.RELATIVES)), DENY_ALL)


class Relatives(ClientOnly, kinds.Collection):
    pass


class RelativeResource(ClientOnly, kinds.Item):
    pass


class RelativeKind(kinds.Kind):
    """Someone the client lets look along: what they may see (`can_see`, among the client's links goals, moods,
    charts, journals, diary), the invitation's `expires`, and once redeemed, the `relative` (@url),
    `relative_name` and when they `accepted`. `invitation`, the code to pass on, is shown once: in the answer
    to the POST that made it (only its hash is stored)."""

    name, model, body = "relative", Relative, "relative"
    parent, parent_column, collection = ClientResource, "client_id", "relatives"
    collection_class, item_class = Relatives, RelativeResource
    fields = ("can_see", "invitation", "expires", "relative", "relative_name", "accepted")
    represented = {"can_see": {"type": "array", "items": {"enum": list(LINK_NAMES)}},
                   "invitation": {"type": ["string", "null"], "description": "the code to pass on: shown once"},
                   "relative": {"type": ["string", "null"], "format": "uri", "description": "the relative's @url"},
                   "relative_name": {"type": ["string", "null"]}}
    read_only = frozenset({"invitation", "expires", "relative", "relative_name", "accepted"})
    parent_links = (("relatives", "", Permissions.RELATIVES),)
    order = "created"
    view_permission = write_permission = Permissions.RELATIVES
    grants = ("owner",)
    erase = {"can_see": [], "code_hash": None}
    example = {"can_see": ["goals", "moods"]}
    change = {"can_see": ["moods"]}

    def values(self, request, data, current=None, *, replace=False):
        if current is not None:
            data = {"can_see": current.can_see, **data}
        return {"can_see": list(request.bodies.check(self.body, data)["can_see"])}

    def create(self, request, context):
        fields = self.values(request, self.checked_body(request))
        code = secrets.token_urlsafe(12)
        request.environ[INVITATION] = code
        return self.insert(request, context, dict(fields, code_hash=accounts.token_hash(code),
                                                  expires=request.now + VALID_FOR))

    def changed(self, request, context, record):
        super().changed(request, context, record)
        replicas.access_changed(request, record.user_id)

    def represent_many(self, request, base_url, rows):
        named = people.names(request, (row.user_id for row in rows))
        made = request.environ.get(INVITATION)
        return [{"can_see": row.can_see, "invitation": made if made and row.user_id is None and row.version == 1
                 and row.code_hash is not None else None,
                 "expires": row.expires, "relative": people.user_url(request, row.user_id),
                 "relative_name": named.get(row.user_id), "accepted": row.accepted} for row in rows]


def shared_with(request, client_id: str, user_id: str) -> frozenset | None:
    """What `user_id` may see below the client as its relative (the union of their live relations' `can_see`),
    or None when they are not its relative. One query, on every request a relative makes."""
    found = request.dbsession.execute(
        select(Relative.can_see).where(Relative.client_id == client_id, Relative.user_id == user_id,
                                       Relative.deleted.is_(None))).scalars().all()
    if not found:
        return None
    return frozenset(name for can_see in found for name in can_see)


# --- redeeming a code: the root's `invitations` ------------------------------------------------------------


class Invitations(Resource):
    """POST a code (any signed-in user)."""

    reveal_forbidden = True
    __acl__ = ((Allow, Authenticated, Permissions.INVITATIONS),)


class Redeem(colander.MappingSchema):
    code = colander.SchemaNode(StrictString(), validator=colander.Length(1, 100))


# A client who shares with the caller, as `shared_with_me` shows it (hyperdiary/documented.py).
SHARED_CLIENT = Shape("SharedClient", "A client who lets the caller look along: exactly the links it chose, read-only.",
                      Relative, ("name", "can_see", "since"), {
                          "name": {"type": "string", "description": "the client's name"},
                          "can_see": {"type": "array", "items": {"enum": list(LINK_NAMES)}},
                          "since": {"type": "string", "format": "date-time",
                                    "description": "when the invitation was redeemed"}})


@documented("redeemInvitation", "/invitations/", "Redeem a client's invitation code", link="invitations",
            body=Redeem, ok=201, result=SHARED_CLIENT, errors=(403,), etag=True, tag="care team")
@view_config(context=Invitations, request_method="POST", renderer="json", permission=Permissions.INVITATIONS)
def redeem_invitation(context, request):
    """Redeem an invitation's code: from now on the client is in the caller's `shared_with_me`, with the links
    it chose. A code that is unknown, used or expired is a 400 (the same for each: nothing is revealed)."""
    data = body(request, Redeem())
    relation = request.dbsession.execute(
        select(Relative).where(Relative.code_hash == accounts.token_hash(data["code"]), Relative.deleted.is_(None))
        .with_for_update()).scalar_one_or_none()
    if relation is None or relation.accepted is not None or relation.expires <= request.now:
        raise ValidationFailure("Invalid JSON input", [problem("code", UNUSABLE)])
    client = request.dbsession.get(Client, relation.client_id)
    if client.user_id == request.user.id:
        raise ValidationFailure("Invalid JSON input", [problem("code", "This is your own invitation: pass it on.")])
    relation.user_id, relation.accepted, relation.code_hash = request.user.id, request.now, None
    bump(relation, request.now)
    request.dbsession.flush()
    # A change of who may see the client: the client's event (API.md §9).
    audit.note(request, client_id=client.id, resource=f"clients/{client.id}/relatives/{relation.id}/")
    mine = SharedWithMe(UserResource(request.root["users"], request.user.id, request.user), "shared_with_me")
    shared = shared_body(request, mine, relation, client.name)
    hm.written(request, shared["@url"], relation)
    return shared


# --- `shared_with_me` on a user --------------------------------------------------------------------------


class SharedWithMe(Resource):
    """The clients who let this user look along."""

    @property
    def user_id(self) -> str:
        return self.__parent__.__name__

    def __getitem__(self, name):
        found = None
        if is_id(name):
            found = self.request.dbsession.execute(
                select(Relative, Client.name).join(Client, Client.id == Relative.client_id)
                .where(Relative.id == name, Relative.user_id == self.user_id, Relative.deleted.is_(None))).first()
        if found is None:
            raise KeyError(name)
        return SharedClient(self, name, *found)


class SharedClient(Resource):
    def __init__(self, parent, name, relation, client_name):
        super().__init__(parent, name)
        self.relation, self.client_name = relation, client_name


def shared_body(request, shared_with_me: SharedWithMe, relation, client_name: str) -> dict:
    """A client who shares with the caller: its name and exactly the links it chose (to its own resources)."""
    client = f"{request.base_url}clients/{relation.client_id}/"
    links = [{"name": name, "url": f"{client}{name}/"} for name in LINK_NAMES if name in relation.can_see]
    return hm.representation(request, SharedClient(shared_with_me, relation.id, relation, client_name),
                             "shared-client", links, record=relation, name=client_name,
                             can_see=[name for name in LINK_NAMES if name in relation.can_see],
                             since=relation.accepted)


@documented("listSharedWithMe", "/users/{user_id}/shared_with_me/", "The clients who let this user look along",
            link="shared_with_me", result=Page(SHARED_CLIENT), errors=(404,), query=Paging, tag="care team")
@view_config(context=SharedWithMe, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_shared_with_me(context, request):
    """The clients who let this user look along, each with the links it chose, longest shared first."""
    params = query(request, Paging())
    stmt = (select(Relative.__table__, Client.name.label("client_name")).join(Client, Client.id == Relative.client_id)
            .where(Relative.user_id == context.user_id, Relative.deleted.is_(None)))
    rows, more = keyset_page(request.dbsession, stmt, Relative.created, Relative.id, params["limit"], params["after"],
                             parse=parse_datetime)
    items = [shared_body(request, context, row, row.client_name) for row in rows]
    next_query = {"limit": params["limit"], "after": cursor(rows[-1].created, rows[-1].id)} if more else None
    return hm.collection(request, context, "shared-clients", items, next_query=next_query)


@documented("getSharedClient", "/users/{user_id}/shared_with_me/{relation_id}/",
            "A client who lets this user look along", result=SHARED_CLIENT, errors=(404,), etag=True,
            tag="care team")
@view_config(context=SharedClient, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_shared_client(context, request):
    """The client's name and exactly the links it chose."""
    hm.set_etag(request, context.relation)
    return shared_body(request, context.__parent__, context.relation, context.client_name)


def includeme(config):
    config.add_record_kind(RelativeKind)
    config.registry["shared_with"] = shared_with
    # Fixed children of resources that find theirs in the registry of collections (resources.child_collection).
    config.add_child(Root, "invitations", Invitations)
    config.add_root_link("invitations", "invitations", permission=Permissions.INVITATIONS, signed_in=True)
    config.add_child(UserResource, "shared_with_me", SharedWithMe)
    config.scan(".relatives")
