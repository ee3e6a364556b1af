"""Who the caller is (a bearer token) and what they may do (ACLs on the resources)."""
import enum
import hashlib
from typing import NamedTuple

from pyramid.authorization import ACLHelper, Allow, Authenticated, Everyone
from pyramid.httpexceptions import HTTPUnauthorized
from pyramid.location import lineage
from pyramid.traversal import ResourceTreeTraverser



class Identity(NamedTuple):
    """Who a request comes from: what authorization needs, read without building an ORM object
    (the accounts' `caller` statement reads it: hyperdiary/lineage.py)."""

    id: str
    role: str
    username: str


def token_hash(token: str) -> str:
    """What is stored of a token (an access or refresh token, a feed's secret): its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Permissions(enum.StrEnum):
    """Every permission a view or link asks for. ACLs on the resources grant them."""

    VIEW = "resource:view"
    # A user's own profile, a client's name and time zone.
    PROFILE_EDIT = "profile:edit"
    USERS_LIST = "users:list"
    USERS_ADD = "users:add"
    CASELOAD_VIEW = "caseload:view"
    CASELOAD_MANAGE = "caseload:manage"
    CLIENTS_LIST = "clients:list"
    DIARY_CONFIGURE = "diary:configure"
    # Create, change and delete diary entries.
    DIARY_WRITE = "diary:write"
    SCHEMAS_ADD = "schemas:add"
    # Create, change and delete journals and their tags.
    JOURNAL_WRITE = "journal:write"
    TAGTYPES_ADD = "tagtypes:add"
    # Create, change and delete a client's goals (the client and the professionals of its caseload).
    GOALS_WRITE = "goals:write"
    # Set a goal's `is_therapist_approved` (the professionals of the client's caseload).
    GOALS_APPROVE = "goals:approve"
    # Tick a goal's tracking items (the client).
    GOALS_TRACK = "goals:track"
    # Create, change and delete mood logs (the client).
    MOODS_WRITE = "moods:write"
    # The research collections (`subjects`, `subjectlogs`): list them, create subjects and logs.
    SUBJECTS_LIST = "subjects:list"
    SUBJECTS_ADD = "subjects:add"
    # A subject's members: change the subject, write its logs and their entries.
    SUBJECT_WRITE = "subject:write"
    # A subject's members: see and change who the members are.
    SUBJECT_MEMBERS = "subject:members"
    # A client's secret calendar feeds: create, list and end them (the client alone).
    CALENDAR_FEEDS = "calendar:feeds"
    # A client's conversation with its professionals: read and write it (the client and its professionals).
    MESSAGES = "messages:use"
    # Feedback on a client's records: read and write it (the client and its professionals).
    FEEDBACK = "feedback:use"
    # Who may look along with a client: invite, narrow, revoke (the client alone).
    RELATIVES = "relatives:manage"
    # Redeem an invitation code (any signed-in user).
    INVITATIONS = "invitations:redeem"
    # A client's notification settings, push subscriptions and deliveries (the client alone).
    NOTIFICATIONS = "notifications"
    # Deliveries are written by `hyperdiary deliver`; no one is granted this through the API.
    DELIVERIES_WRITE = "deliveries:write"


def user_principal(user_id: str) -> str:
    return f"user:{user_id}"


def role_principal(role: str) -> str:
    return f"role:{role}"


ADMIN = role_principal("admin")
PROFESSIONAL = role_principal("professional")
RESEARCHER = role_principal("researcher")

AUTH_SCHEMES = ("bearer", "md-token")


def bearer_token(request) -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() not in AUTH_SCHEMES or not value.strip():
        return None
    return value.strip()


class SecurityPolicy:
    """Bearer (or Minddistrict's `md-token`) access tokens, checked against the database on every
    request: one indexed lookup of the token's hash. Nothing is kept in process memory, so a token
    revoked through one server process is refused by all."""

    def __init__(self):
        self.acl = ACLHelper()

    def identity(self, request):
        # Pyramid caches nothing here; reify on the request does (see includeme).
        return request.user

    def authenticated_userid(self, request):
        user = request.user
        return user.id if user is not None else None

    def effective_principals(self, request):
        principals = [Everyone]
        user = request.user
        if user is not None:
            principals += [Authenticated, user_principal(user.id), role_principal(user.role)]
        return principals

    def permits(self, request, context, permission):
        return self.acl.permits(context, self.effective_principals(request), permission)


def allowed(request, permission, context) -> bool:
    """Whether the caller has `permission` on `context`, by the rule of Pyramid's ACLHelper.permits (the first
    ACE along the lineage that names one of the caller's principals and the permission decides; none: denied),
    without what a link does not need: the caller's principals built again and an ACLAllowed/ACLDenied that
    explains the answer. A representation asks it for each of its links (a caseload page of 50 clients: 1,400
    times, half of the listing's time with `request.has_permission`). Views are still secured by Pyramid."""
    user, principals = request.__dict__.get("principals", (None, None))
    if principals is None or user is not request.user:  # (signing in changes the caller: auth.sign_in)
        principals = frozenset(SecurityPolicy.effective_principals(None, request))
        request.__dict__["principals"] = (request.user, principals)
    while context is not None:
        acl = getattr(context, "__acl__", None)
        if acl:
            for action, principal, permissions in (acl() if callable(acl) else acl):
                if principal in principals and (
                        permission == permissions if isinstance(permissions, str) else permission in permissions):
                    return action == Allow
        context = getattr(context, "__parent__", None)
    return False

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


def _request_user(request) -> Identity | None:
    """The caller's identity (id, role, username), or None for an anonymous caller: read with the records
    the request's path names, in one statement (hyperdiary/lineage.py)."""
    return request.lineage.identity


INVALID_TOKEN = "The access token is not valid (unknown, expired or revoked): refresh it or sign in again."


def refuse_invalid_token(request):
    """A request that presents a token that is no good answers 401 (RFC 6750 §3.1), also where an
    anonymous caller would be served: otherwise an expired token silently yields the anonymous view of
    the root (no `me` link), and a client never learns to refresh it. The auth endpoints excepted."""
    if bearer_token(request) is None or request.user is not None:
        return
    if any(getattr(resource, "ignores_bearer_token", False) for resource in lineage(request.context)):
        return
    raise HTTPUnauthorized(INVALID_TOKEN)


class Traverser(ResourceTreeTraverser):
    """Pyramid's traversal, then `refuse_invalid_token` on the context found, with the request as a ContextFound
    subscriber would see it. Not a subscriber: with any subscriber registered, Pyramid notifies five events on
    every request (a twentieth of GET one record, most of it zope's lookup of who listens)."""

    def __call__(self, request):
        found = super().__call__(request)
        request.__dict__.update(found)  # request.context and the rest, as the router sets them next
        refuse_invalid_token(request)
        return found


def includeme(config):
    config.set_security_policy(SecurityPolicy())
    config.registry["request_identity"] = _request_user
    # The access token a request presents (pages/session.py adds the sign-in cookie's).
    config.registry["request_token"] = bearer_token
    config.add_traverser(Traverser)
