"""The caseload's `last_activity` column (API.md §15: a professional's home shows each client's last activity):
when the client last wrote anything (an entry, a goal ticked, a message), or null. It is read from the audit,
the one place that knows who wrote what, when (every write is an event; the client's own reads are not, so
each event of the client as actor is something the client did): one statement for a page of the listing, each
client's newest such event found by the audit's index (client_id, time)."""
from sqlalchemy import bindparam, func, select

from ..models.audit import AuditEvent
from .models import Client

_newest = (select(func.max(AuditEvent.time))
           .where(AuditEvent.client_id == Client.id, AuditEvent.actor_id == Client.user_id)
           .correlate(Client).scalar_subquery())
# A correlated max per client, not one GROUP BY over the clients' events: a client with years of entries has
# a million events, and the subquery reads one index entry (newest first) where the GROUP BY would read all.
LAST_ACTIVITY = select(Client.id, _newest.label("last_activity")).where(
    Client.id.in_(bindparam("client_ids", expanding=True)))

DESCRIBED = {"type": ["string", "null"], "format": "date-time",
             "description": "in the clients listing: when the client last wrote anything (null: not since the "
                            "audit began)"}


def last_activity(request, client_ids: list[str]) -> dict[str, dict]:
    if not client_ids:
        return {}
    found = dict(request.dbsession.execute(LAST_ACTIVITY, {"client_ids": client_ids}).all())
    return {client_id: {"last_activity": found.get(client_id)} for client_id in client_ids}


def includeme(config):
    config.add_caseload_column(last_activity)
    config.registry.setdefault("openapi.client_fields", {})["last_activity"] = DESCRIBED
