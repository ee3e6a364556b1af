"""The audit trail (API.md §9): every write by anyone, and every read of a client's data by anyone but
that client, is recorded as an event.

One tween does it for every view, so no view has to remember to. It sits inside pyramid_tm's transaction
(under the transaction manager, over the exception views), after the view has answered:
- a write's event is one more INSERT in the write's own transaction: it commits with the write or not at
  all (a write that fails stored nothing, and leaves no event either);
- a read's event is one prebuilt INSERT in a transaction of its own, after the view. On PostgreSQL it is
  one statement in autocommit on a connection of a small pool of its own, which sets `synchronous_commit`
  off for its own transaction only (`set_config(..., true)` in the statement: a session's SET would stay on
  a server connection that PgBouncer hands to other clients, making their writes asynchronous too): the
  INSERT returns without waiting for the WAL to reach the disk, which was
  most of its cost (about 7 ms at p50 on the measuring machine, docs/performance.md). The price: a
  database server that crashes may lose the read events of its last few hundred milliseconds (never a
  write's event, nor data). On SQLite the read session's transaction only reads, and turning it into a
  writer could fail at once ("database is locked") when another writer committed meanwhile, so the event
  is written in a short transaction that begins IMMEDIATE (waiting its turn like any writer; in WAL mode
  with synchronous=NORMAL a commit does not wait for the disk either).

Which client a request concerns is found generically: the client's resource in the context's lineage.
Requests that fail (4xx, 5xx) are not recorded: they read and stored nothing. A view may correct what the
tween would record with `note()` (the erasure does: its event is an `erase` without content)."""
import logging

from pyramid.settings import asbool
from pyramid.tweens import EXCVIEW
import functools

from sqlalchemy import bindparam, create_engine, func, insert, select, true

from . import dbtimeout
from .errors import error_response
from .models.audit import AuditEvent
from .models import connect_args, direct, writer, writes
from .models.meta import new_id, utcnow

log = logging.getLogger(__name__)

ACTIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
# The action of a GET by the name of its view: the export is its own action.
READ_ACTIONS = {"export": "export"}

# Built once: composing a statement costs more than running it.
INSERT = insert(AuditEvent.__table__)

NOTE = "hyperdiary.audit"
# Connections a server process keeps for read events on PostgreSQL (and as many more at a peak).
READ_EVENT_POOL = 5


def note(request, **fields):
    """What this request's event should say instead of what the tween finds: `action`, `client_id`,
    `actor_id`, `resource` (None: no content)."""
    request.environ.setdefault(NOTE, {}).update(fields)


def client_of(context):
    """The client's resource in the context's lineage (`holds_client`), or None: which client a request
    concerns."""
    while context is not None:
        if getattr(context, "holds_client", False):
            return context
        context = getattr(context, "__parent__", None)
    return None


def path_below_root(request, url: str) -> str | None:
    """An @url as the trail keeps it: its path below the application's root."""
    base = request.base_url
    return url[len(base):] if url.startswith(base) else None


def _path(request, response) -> str:
    """The URL acted on, below the application's root: a create's Location, else the request's path."""
    location = response.location if response.status_code in (200, 201) and request.method == "POST" else None
    return (location and path_below_root(request, location)) or request.path_info.lstrip("/")


def event(request, response) -> dict | None:
    """The event this request makes, or None when it makes none."""
    if response.status_code >= 400:
        return None
    user = request.user
    client = client_of(getattr(request, "context", None))
    noted = request.environ.get(NOTE, {})
    if writes(request):
        action = ACTIONS.get(request.method)
        if action is None:  # OPTIONS and the like read nothing
            return None
    else:
        # A read concerns a client when its resource is in the client's lineage, or when its view says so
        # (a secret calendar feed, an admin's read of the client's user).
        if client is None and noted.get("client_id") is None:
            return None
        action = READ_ACTIONS.get(request.view_name, "read")
        # A client's own reads are not recorded; its own exports are (each export is).
        if action == "read" and user is not None and client is not None and user.id == client.client.user_id:
            return None
    values = {
        "id": new_id(), "time": utcnow(), "actor_id": user.id if user is not None else None,
        "actor_role": user.role if user is not None else None,
        "client_id": client.client.id if client is not None else None,
        "action": action, "resource": _path(request, response), "status": response.status_code,
    }
    values.update(noted)
    return values


def operator_export(client_id: str, resource: str) -> dict:
    """The event of an export by the `hyperdiary export` command: by no user."""
    return {"id": new_id(), "time": utcnow(), "actor_id": None, "actor_role": None, "client_id": client_id,
            "action": "export", "resource": resource, "status": 200}


def record(connection, values: dict):
    direct.rows(connection, INSERT, values)


def record_asynchronously(connection, values: dict):
    """A read's event on PostgreSQL, committed without waiting for the disk (see the module's doc)."""
    direct.rows(connection, _asynchronous_insert(tuple(values)), values)


@functools.cache
def _asynchronous_insert(keys: tuple):
    """INSERT ... SELECT <the values> WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL: a
    volatile condition, evaluated before the row is inserted, whose setting lasts until the statement's own
    transaction commits (asynchronously) and then ends."""
    table = AuditEvent.__table__
    row = select(*(bindparam(key, type_=table.c[key].type) for key in keys)).where(
        func.set_config("synchronous_commit", "off", true()).is_not(None))
    return insert(table).from_select(list(keys), row)


def read_events_engine(registry):
    """Where read events are written: on SQLite the app's engine, its transactions beginning IMMEDIATE; on
    PostgreSQL a small pool of autocommit connections with asynchronous commit (see the module's doc)."""
    engine = registry["dbengine"]
    if engine.dialect.name != "postgresql":
        return writer(engine)
    events = dbtimeout.bound(create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=READ_EVENT_POOL,
                                           max_overflow=READ_EVENT_POOL, connect_args=connect_args(registry.settings),
                                           **dbtimeout.pool_options(registry.settings)),
                             registry.settings)
    registry["audit_engine"] = events
    return events


def audit_tween_factory(handler, registry):
    read_events = read_events_engine(registry)
    own_snapshot_ends = registry["dbengine"].dialect.name == "sqlite"
    # Reads are audited unless a benchmark turns it off to measure what auditing costs (the contract
    # requires it: never turn it off in a deployment).
    audit_reads = asbool(registry.settings.get("hyperdiary.audit.reads", True))

    def audit_tween(request):
        response = handler(request)
        values = event(request, response)
        if values is None:
            return response
        try:
            if writes(request):
                record(request.dbsession.connection(), values)
            elif audit_reads:
                if own_snapshot_ends:
                    # The read's snapshot ends first (the answer is rendered): a commit while a reader holds an
                    # older snapshot cannot complete SQLite's automatic checkpoint, and tries again, copying and
                    # syncing pages, at every commit: 12 ms an event instead of a tenth of one.
                    session = request.__dict__.get("dbsession")
                    if session is not None:
                        session.close()
                with read_events.begin() as connection:
                    (record if own_snapshot_ends else record_asynchronously)(connection, values)
        except Exception:
            # No event, no answer: a write is undone (its transaction is doomed, so pyramid_tm aborts
            # it), and a read's data is not handed out unrecorded. Above the exception views, so the
            # error is answered here, in the one shape.
            log.exception("Recording the audit event of %s %s failed", request.method, request.path_qs)
            if writes(request):
                request.tm.doom()
            return error_response(request, 500, "Internal server error.")
        return response

    return audit_tween


def includeme(config):
    config.add_tween("hyperdiary.audit.audit_tween_factory", under="pyramid_tm.tm_tween_factory", over=EXCVIEW)
