"""Clients: the caseload listing and each client's own resource, the hub of its links."""
import colander
from pyramid.view import view_config
from sqlalchemy import select

from ..documented import Page, Shape, documented
from .. import hypermedia as hm
from .. import records
from ..accounts import Identity
from ..kinds import kind_links
from ..inputs import Paging, StrictString, body, query, valid_time_zone
from ..accounts.models import CaseloadAssignment, Role, User
from .models import Client
from ..accounts.resources import UserResource
from .resources import ClientResource, Clients
from ..paging import cursor, keyset_page
from ..security import Permissions


# A client's representation (hyperdiary/documented.py).
CLIENT = Shape("Client", "A client: links to its diary.", Client, ("name", "login", "time_zone"),
               represented={"login": {"type": "string", "description": "the username"},
                            "time_zone": {"type": "string", "description": "an IANA time zone"},
                            # The caseload's columns (add_caseload_column): in the `clients` listing only.
                            "attention": {"type": "integer", "minimum": 0, "description": "in the `clients` "
                                          "listing: flagged answers not yet acknowledged (questionnaires)"},
                            "latest_scores": {"type": "array", "description": "in the `clients` listing: the "
                                              "latest score of each scored type, newest first", "items": {
                                "type": "object", "required": ["schema", "title", "value", "band", "time"],
                                "additionalProperties": False, "properties": {
                                    "schema": {"type": "string"}, "title": {"type": "string"},
                                    "value": {"type": "integer"}, "band": {"type": ["string", "null"]},
                                    "time": {"type": "string", "format": "date-time"}}}}},
               optional=("attention", "latest_scores"))


def client_body(request, resource: ClientResource) -> dict:
    client = resource.client
    diary = resource["diary"]
    entries = diary["entries"]
    links = hm.links(
        hm.link(request, "diary", diary),
        hm.link(request, "diary.configuration", diary, "configuration"),
        hm.link(request, "diary.entries", entries, permission=Permissions.DIARY_WRITE),
        hm.link(request, "diary.entries.items", entries, "items"),
        hm.link(request, "diary.entries.schemas", entries, "schemas"),
        hm.link(request, "goals.ics.feeds", resource["calendarfeeds"], permission=Permissions.CALENDAR_FEEDS),
        hm.link(request, "notifications", resource["notifications"], permission=Permissions.NOTIFICATIONS),
        *kind_links(request, resource),
        hm.link(request, "reports", resource["reports"]),
        # API.md §9: who may see the client's data, everything of it at once, and who read or changed it.
        hm.link(request, "professionals", resource, "professionals"),
        hm.link(request, "export", resource, "export"),
        hm.link(request, "audit", resource["audit"]),
        hm.link(request, "charts", resource["charts"]),
        hm.link(request, "user", UserResource(request.root["users"], client.user_id, resource.owner)),
    )
    return hm.representation(
        request, resource, "client", links, record=client,
        name=client.name, login=resource.owner.username, time_zone=client.time_zone,
    )


class ClientFilter(Paging):
    login = colander.SchemaNode(StrictString(), missing=None, description="only the client with this username")


@documented('listClients', '/clients/', "The caller's caseload (every client, for admins)", link='clients',
            result=Page(CLIENT), errors=(403,), query=ClientFilter)
@view_config(context=Clients, request_method="GET", renderer="json", permission=Permissions.CLIENTS_LIST)
def list_clients(context, request):
    """A professional's caseload; every client for an admin. `login=<username>` narrows to one."""
    params = query(request, ClientFilter())
    # Each client with its owner's identity, in one query (client_body shows the login).
    stmt = select(Client.__table__, User.role, User.username).join(User, User.id == Client.user_id)
    if request.user.role != Role.ADMIN:
        stmt = stmt.join(CaseloadAssignment, CaseloadAssignment.client_id == Client.id).where(
            CaseloadAssignment.professional_id == request.user.id
        )
    if params["login"] is not None:
        stmt = stmt.where(User.username == params["login"].strip().lower())
    rows, more = keyset_page(request.dbsession, stmt, Client.name, Client.id, params["limit"], params["after"])
    # The ACL is asked about the caller only: a professional follows every client listed (the join above), an
    # admin none; so no client's caseload is read (a statement per client, when each link asked its ACL).
    following = [request.user.id] if request.user.role != Role.ADMIN else []
    items = [client_body(request, ClientResource(context, c.id, c, Identity(c.user_id, c.role, c.username),
                                                 following)) for c in rows]
    ids = [c.id for c in rows]
    for column in request.registry.get("caseload_columns", ()):
        for item, fields in zip(items, map(column(request, ids).get, ids)):
            item.update(fields or {})
    next_query = None
    if more:
        next_query = {"limit": params["limit"], "after": cursor(rows[-1].name, rows[-1].id)}
        if params["login"] is not None:
            next_query["login"] = params["login"]
    return hm.collection(request, context, "clients", items, next_query=next_query)


@documented('getClient', '/clients/{client_id}/', 'A client, with links to its diary', link='client',
            result=CLIENT, errors=(404,), etag=True)
@view_config(context=ClientResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_client(context, request):
    hm.set_etag(request, context.client)
    return client_body(request, context)


class ClientChange(colander.MappingSchema):
    name = colander.SchemaNode(StrictString(), missing=colander.drop, validator=colander.Length(1, 300))
    time_zone = colander.SchemaNode(StrictString(), missing=colander.drop, validator=valid_time_zone,
                                    description="an IANA time zone")


@documented('changeClient', '/clients/{client_id}/', "Change a client's name or time zone", link='client',
            body=ClientChange, result=CLIENT, errors=(404,), etag=True, if_match=True)
@view_config(context=ClientResource, request_method="PATCH", renderer="json", permission=Permissions.PROFILE_EDIT)
def patch_client(context, request):
    data = body(request, ClientChange())
    client = context.editable_client()
    hm.check_if_match(request, client)
    for name, value in data.items():
        setattr(client, name, value)
    records.bump(client)
    hm.set_etag(request, client)
    return client_body(request, context)


def add_caseload_column(config, column):
    """`config.add_caseload_column(fn)`: `fn(request, client_ids) -> {client_id: {field: value}}`, one query for a
    whole page of the `clients` listing; each client's representation there gets those fields."""
    config.registry.setdefault("caseload_columns", []).append(column)


def includeme(config):
    config.add_directive("add_caseload_column", add_caseload_column)
