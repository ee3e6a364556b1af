"""Users (admins list and add them), each user's profile (`me`), and professionals' caseloads."""
import colander
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config
from sqlalchemy import select

from ..documented import Page, Shape, documented
from . import changes as account_changes
from .. import accounts, audit
from .. import hypermedia as hm
from .. import records, replicas
from ..errors import ValidationFailure, problem
from ..inputs import Paging, StrictBoolean, StrictString, body, query
from .models import CaseloadAssignment, Role, User
from ..clients.models import Client
from ..models import writes
from ..models.meta import utcnow
from ..paging import cursor, keyset_page
from .resources import Assignment, Caseload, UserResource, Users
from ..clients.resources import ClientResource
from ..security import Permissions


def user_resource(request, user: User) -> UserResource:
    return UserResource(request.root["users"], user.id, user)


def validated_password(password, username="", email="", first_name="", last_name=""):
    reason = accounts.password_problem(password, username, email, first_name, last_name)
    if reason is not None:
        raise ValidationFailure("Invalid JSON input", [problem("password", reason)])


def user_body(request, resource: UserResource) -> dict:
    user = resource.user
    client = resource.client
    links = [hm.link(request, "caseload", resource["caseload"], permission=Permissions.CASELOAD_VIEW)
             if user.role == Role.PROFESSIONAL else None]
    if client is not None:
        links.append(hm.link(request, "client", ClientResource(request.root["clients"], client.id, client)))
    links.append(hm.link(request, "shared_with_me", resource["shared_with_me"]))
    return hm.representation(
        request, resource, "user", hm.links(*links), record=user,
        username=user.username, email=user.email, role=user.role,
        first_name=user.first_name, last_name=user.last_name, is_active=user.is_active,
    )


# An address fits the column (RFC 5321's 254 characters): PostgreSQL refuses a longer one (a 500), SQLite stores it.
EMAIL = colander.All(colander.Email(), colander.Length(max=User.__table__.c.email.type.length))


# What validated_password asks of a password (zxcvbn decides, not colander): said in the OpenAPI document.
STRONG = {"minLength": accounts.MIN_PASSWORD_LENGTH, "description": "not a weak one: zxcvbn scores it 3 or more, "
          "counting the username, email and names as guessable"}
ROLES = [str(role) for role in Role]

# A user's representation (`me`), and an assignment's (hyperdiary/documented.py).
USER = Shape("User", "A user's profile (`me`).", User,
             ("username", "email", "role", "first_name", "last_name", "is_active"),
             represented={"role": {"enum": ROLES},
                          "is_active": {"type": "boolean",
                                        "description": "false: deactivated by an admin, cannot sign in"}})
ASSIGNMENT = Shape("Assignment", "A client in a professional's caseload.",
                   represented={"client": {"type": "string", "format": "uri", "description": "the client's @url"},
                                "name": {"type": "string"}})


class Registration(colander.MappingSchema):
    username = colander.SchemaNode(
        StrictString(), validator=colander.Regex(r"^[A-Za-z0-9_.@+-]{3,150}$", "3 to 150 letters, digits or _ . @ + -")
    )
    email = colander.SchemaNode(StrictString(), validator=EMAIL)
    password = colander.SchemaNode(StrictString(), openapi=STRONG)
    first_name = colander.SchemaNode(StrictString(allow_empty=True), missing="", validator=colander.Length(max=150))
    last_name = colander.SchemaNode(StrictString(allow_empty=True), missing="", validator=colander.Length(max=150))


class NewUser(Registration):
    role = colander.SchemaNode(StrictString(), validator=colander.OneOf(ROLES))


def register_user(request, data, role):
    """The one way to make a user over HTTP (self-registration and admins' `POST users`): 201."""
    validated_password(data["password"], data["username"], data["email"], data["first_name"], data["last_name"])
    try:
        user = accounts.create_user(
            request.dbsession, request.registry["password_hasher"], role=role,
            diary_schemas=request.registry["default_diary_schemas"], **data,
        )
    except accounts.UsernameTaken:
        raise ValidationFailure("Invalid JSON input", [problem("username", "This username is taken.")]) from None
    resource = user_resource(request, user)
    hm.written(request, hm.url(request, resource), user)
    return user_body(request, resource)


@documented('listUsers', '/users/', 'Every user (admins)', link='users', result=Page(USER), errors=(403,),
            query=Paging)
@view_config(context=Users, request_method="GET", renderer="json", permission=Permissions.USERS_LIST)
def list_users(context, request):
    paging = query(request, Paging())
    rows, more = keyset_page(request.dbsession, select(User), User.username, User.id, paging["limit"], paging["after"])
    items = [user_body(request, UserResource(context, u.id, u)) for u in rows]
    next_query = {"limit": paging["limit"], "after": cursor(rows[-1].username, rows[-1].id)} if more else None
    return hm.collection(request, context, "users", items, next_query=next_query)


@documented('addUser', '/users/', 'Create a user of any role (admins)', link='users', body=NewUser, ok=201,
            result=USER, errors=(403,), etag=True)
@view_config(context=Users, request_method="POST", renderer="json", permission=Permissions.USERS_ADD)
def add_user(context, request):
    data = body(request, NewUser())
    role = data.pop("role")
    return register_user(request, data, role=role)


def concerns_client(request, context: UserResource):
    """A client's user (names, email, whether it may sign in) is the client's data: someone else's read of
    it, and any change of it, go into the client's audit trail (API.md §9), not only into the root's."""
    if Role(context.user.role).keeps_diary and (writes(request) or request.user.id != context.user.id):
        client = context.client
        if client is not None:
            audit.note(request, client_id=client.id)


@documented('getUser', '/users/{user_id}/', "A user's profile", link='me', result=USER, errors=(404,), etag=True)
@view_config(context=UserResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_user(context, request):
    concerns_client(request, context)
    hm.set_etag(request, context.user)
    return user_body(request, context)


class ProfileChange(colander.MappingSchema):
    email = colander.SchemaNode(StrictString(), missing=colander.drop, validator=EMAIL)
    first_name = colander.SchemaNode(StrictString(allow_empty=True), missing=colander.drop,
                                     validator=colander.Length(max=150))
    last_name = colander.SchemaNode(StrictString(allow_empty=True), missing=colander.drop,
                                    validator=colander.Length(max=150))
    password = colander.SchemaNode(StrictString(), missing=colander.drop, openapi=STRONG)
    current_password = colander.SchemaNode(StrictString(), missing=colander.drop,
                                           description="needed to change one's own password")
    # Admins only (account_changes.py); anyone may send the representation's value back.
    is_active = colander.SchemaNode(StrictBoolean(), missing=colander.drop,
                                    description="admins: false deactivates (every token stops working)")
    # Fixed for good: a different value is a 400 saying so (account_changes.py).
    username = colander.SchemaNode(StrictString(), missing=colander.drop,
                                   description="read-only: only the current value")
    role = colander.SchemaNode(StrictString(), missing=colander.drop, description="read-only: only the current value",
                               openapi={"enum": ROLES})


@documented('changeUser', '/users/{user_id}/', 'Change names, email, password; admins: is_active', link='me',
            body=ProfileChange, result=USER, errors=(403, 404), etag=True, if_match=True)
@view_config(context=UserResource, request_method="PATCH", renderer="json", permission=Permissions.PROFILE_EDIT)
def patch_user(context, request):
    user = context.user
    data = body(request, ProfileChange())
    hm.check_if_match(request, user)
    account_changes.check(request, user, data)
    concerns_client(request, context)
    hasher = request.registry["password_hasher"]
    if "password" in data:
        validated_password(data["password"], user.username, data.get("email", user.email),
                           data.get("first_name", user.first_name), data.get("last_name", user.last_name))
        # Changing one's own password needs the current one: a stolen token must not be enough.
        if request.user.id == user.id:
            current = data.get("current_password")
            if current is None or accounts.check_credentials(request.dbsession, hasher, user.username, current) is None:
                raise ValidationFailure("Invalid JSON input",
                                        [problem("current_password", "Give your current password to change it.")])
        accounts.set_password(request.dbsession, user, hasher, data["password"])
    if "is_active" in data:
        accounts.set_active(request.dbsession, user, data["is_active"])
    for name in ("email", "first_name", "last_name"):
        if name in data:
            setattr(user, name, data[name])
    records.bump(user)
    hm.set_etag(request, user)
    return user_body(request, context)


# --- caseload --------------------------------------------------------------------------------------


def assignment_body(request, caseload: Caseload, assignment: CaseloadAssignment, client: Client) -> dict:
    client_resource = ClientResource(request.root["clients"], client.id, client)
    resource = Assignment(caseload, client.id, assignment)
    body = hm.representation(
        request, resource, "caseload-assignment",
        hm.links(hm.link(request, "client", client_resource, permission=None)),
        client=hm.url(request, client_resource), name=client.name,
    )
    body["@changes"] = {"creation_time": assignment.created, "modification_time": assignment.created}
    return body


class NewAssignment(colander.MappingSchema):
    client = colander.SchemaNode(StrictString(), description="the client's @url")


def client_from_reference(request, reference: str) -> Client | None:
    """A client named by its @url (or its id)."""
    client_id = hm.reference_id(request, request.root["clients"], reference)
    return request.dbsession.get(Client, client_id) if client_id is not None else None


@documented('listCaseload', '/users/{user_id}/caseload/', "A professional's caseload", link='caseload',
            result=Page(ASSIGNMENT), errors=(404,), query=Paging)
@view_config(context=Caseload, request_method="GET", renderer="json", permission=Permissions.CASELOAD_VIEW)
def list_caseload(context, request):
    paging = query(request, Paging())
    stmt = select(CaseloadAssignment).where(CaseloadAssignment.professional_id == context.professional.id)
    rows, more = keyset_page(request.dbsession, stmt, CaseloadAssignment.client_id, CaseloadAssignment.client_id,
                             paging["limit"], paging["after"])
    clients = {c.id: c for c in request.dbsession.scalars(select(Client).where(Client.id.in_([r.client_id for r in rows])))}
    items = [assignment_body(request, context, row, clients[row.client_id]) for row in rows]
    next_query = {"limit": paging["limit"], "after": cursor(rows[-1].client_id, rows[-1].client_id)} if more else None
    return hm.collection(request, context, "caseload", items, next_query=next_query)


@documented('assignClient', '/users/{user_id}/caseload/', 'Assign a client (admins)', link='caseload',
            body=NewAssignment, ok=201, result=ASSIGNMENT, errors=(403, 404),
            also={200: 'The client was assigned already'})
@view_config(context=Caseload, request_method="POST", renderer="json", permission=Permissions.CASELOAD_MANAGE)
def assign(context, request):
    data = body(request, NewAssignment())
    client = client_from_reference(request, data["client"])
    if client is None:
        raise ValidationFailure("Invalid JSON input", [problem("client", "No client has this @url.")])
    key = (context.professional.id, client.id)
    assignment, created = records.insert_unless_exists(
        request.dbsession, CaseloadAssignment, {"professional_id": key[0], "client_id": key[1], "created": utcnow()},
        lambda: request.dbsession.get(CaseloadAssignment, key))
    hm.written(request, hm.url(request, Assignment(context, client.id, assignment)), created=created)
    # Who may see the client changed: an event in the client's trail (API.md §9), so the client sees it.
    audit.note(request, client_id=client.id)
    return assignment_body(request, context, assignment, client)


@documented('getAssignment', '/users/{user_id}/caseload/{client_id}/', 'One assignment', result=ASSIGNMENT,
            errors=(404,))
@view_config(context=Assignment, request_method="GET", renderer="json", permission=Permissions.CASELOAD_VIEW)
def get_assignment(context, request):
    client = request.dbsession.get(Client, context.assignment.client_id)
    return assignment_body(request, context.__parent__, context.assignment, client)


@documented('unassignClient', '/users/{user_id}/caseload/{client_id}/', 'End an assignment (admins)', ok=204,
            errors=(403, 404))
@view_config(context=Assignment, request_method="DELETE", permission=Permissions.CASELOAD_MANAGE)
def unassign(context, request):
    audit.note(request, client_id=context.assignment.client_id)
    # (The professional's reads must not go on finding the client in a replica's older caseload.)
    replicas.access_changed(request, context.assignment.professional_id)
    request.dbsession.delete(context.assignment)
    return HTTPNoContent()
