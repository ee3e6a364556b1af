"""The audit trail's listings (API.md §9): a client's `audit` and the root's `audit`, newest first,
keyset-paged, filtered by `fromdate`, `todate` and `actor`. Only GET: events cannot be changed or
deleted through the API (any other method answers 405)."""
import colander
from pyramid.view import view_config
from sqlalchemy import select

from ..shapes import DATE_TIME, NULLABLE_URI, URI, described, obj
from ..documented import Named, Page, documented
from .. import hypermedia as hm
from ..errors import ValidationFailure, problem
from ..inputs import (FROMDATE, TODATE, ZONE, DateOrDateTime, Paging, StrictString, parse_datetime, query, span,
                      valid_time_zone)
from ..models.audit import AuditEvent
from ..paging import cursor, keyset_page
from ..resources.audit import Audit, ClientAudit
from ..security import Permissions

EVENTS = AuditEvent.__table__


# The schemas of what these views answer or read (hyperdiary/documented.py).
AUDIT_EVENT_SCHEMA = Named('AuditEvent',
    obj(("@type", "time", "actor", "actor_role", "action", "resource", "status", "client"), **{
        "@type": URI, "time": DATE_TIME,
        "actor": described(NULLABLE_URI, "the @url of the user who acted (null: anonymous, or erased)"),
        "actor_role": {"type": ["string", "null"]},
        "action": {"enum": ["read", "create", "update", "delete", "export", "erase"]},
        "resource": described(NULLABLE_URI, "the @url acted on (null once its client is erased)"),
        "status": {"type": "integer", "description": "the HTTP status of the answer"},
        "client": described(NULLABLE_URI, "the @url of the client whose data it was"),
    }))


class AuditQuery(Paging):
    fromdate = colander.SchemaNode(DateOrDateTime(), missing=None, description=FROMDATE)
    todate = colander.SchemaNode(DateOrDateTime(), missing=None, description=TODATE)
    time_zone = colander.SchemaNode(StrictString(), missing=None, validator=valid_time_zone, description=ZONE)
    actor = colander.SchemaNode(StrictString(), missing=None,
                                description="only the events of this user (its @url or id)")


def event_body(request, row, users_url: str, clients_url: str) -> dict:
    base = request.base_url
    return {
        "@type": hm.type_iri(request, "audit-event"),
        "time": row.time,
        "actor": f"{users_url}{row.actor_id}/" if row.actor_id else None,
        "actor_role": row.actor_role,
        "action": row.action,
        "resource": base + row.resource if row.resource is not None else None,
        "status": row.status,
        "client": f"{clients_url}{row.client_id}/" if row.client_id else None,
    }


def _exists(collection, name: str) -> bool:
    try:
        collection[name]
    except KeyError:
        return False
    return True


def actor_id(request, reference: str) -> str:
    """The id of the user an `actor` filter names (its @url or id); a 400 naming `actor` otherwise."""
    users = request.root["users"]
    user_id = hm.reference_id(request, users, reference)
    if user_id is None or not _exists(users, user_id):
        raise ValidationFailure("Invalid query parameters", [problem("actor", "No user has this @url.")])
    return user_id


def audit_page(context, request, stmt, default_zone: str) -> dict:
    params = query(request, AuditQuery())
    when = span(params, default_zone)
    if when.start is not None:
        stmt = stmt.where(EVENTS.c.time >= when.start)
    if when.end is not None:
        stmt = stmt.where(EVENTS.c.time < when.end)
    if params["actor"] is not None:
        stmt = stmt.where(EVENTS.c.actor_id == actor_id(request, params["actor"]))
    rows, more = keyset_page(request.dbsession, stmt, EVENTS.c.time, EVENTS.c.id, params["limit"], params["after"],
                             descending=True, parse=parse_datetime)
    users_url, clients_url = hm.url(request, request.root["users"]), hm.url(request, request.root["clients"])
    items = [event_body(request, row, users_url, clients_url) for row in rows]
    next_query = dict(request.GET, limit=params["limit"], after=cursor(rows[-1].time, rows[-1].id)) if more else None
    return hm.collection(request, context, "audit", items, next_query=next_query)


@documented('listClientAudit', '/clients/{client_id}/audit/',
            "Who read or changed the client's data, newest first (the client, admins)", link='audit',
            result=Page(AUDIT_EVENT_SCHEMA), errors=(404,), query=AuditQuery)
@view_config(context=ClientAudit, request_method="GET", renderer="json", permission=Permissions.VIEW)
def client_audit(context, request):
    stmt = select(EVENTS).where(EVENTS.c.client_id == context.client.id)
    return audit_page(context, request, stmt, context.client.time_zone)


@documented('listAudit', '/audit/', 'Every audit event, newest first (admins)', link='audit',
            result=Page(AUDIT_EVENT_SCHEMA), errors=(403,), query=AuditQuery)
@view_config(context=Audit, request_method="GET", renderer="json", permission=Permissions.VIEW)
def every_event(context, request):
    return audit_page(context, request, select(EVENTS), "UTC")
