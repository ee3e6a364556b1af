"""Read replicas (API.md §16): requests that only read take their data from a streaming replica, and a caller
never reads older data than its own last write.

`hyperdiary.database.replica_urls` (or HYPERDIARY_DATABASE_REPLICA_URLS), space separated, names the replicas
of the primary `sqlalchemy.url`; without it (and always on SQLite) nothing here runs and every request uses the
primary as before.

Read your writes, with no state a process would have to share (docs/decisions.md):
- after a write request commits, the WAL position it reached (`pg_current_wal_insert_lsn()`, which is past its
  commit record) is stored on the primary, on the caller's user row (`users.write_position`);
- a read request with an access token first asks the primary for the caller behind the token and that position,
  in one statement (so a revoked or expired token is refused at once, whatever a replica still holds), then
  takes its data from a replica that has replayed at least that far; when none has, from the primary;
- the replica's answer for the caller must then be the primary's: when it is not (a token issued by a sign-in or
  a refresh that the replica has not replayed yet), the request is read on the primary instead.
Anonymous reads (public documents, a secret calendar feed) need no position.

A replica is skipped while it is down or lags more than `hyperdiary.database.max_replica_lag` seconds
(default 5). Each process remembers, per replica, how far it has replayed (a position only grows), its lag as
last measured (measured again once `recheck` seconds old: one extra round trip to the replica now and then) and
when it last failed (then it is not tried again for `DOWN_FOR` seconds, so requests do not each pay a connect
attempt). These are facts about a replica cached for a moment, not state that processes must share: a process
that starts without them only measures again.

What writes stays on the primary: requests that may write (POST, PUT, PATCH, DELETE) use the primary in their
transaction as before; the audit events of reads go to the primary on their own pool (audit.py); an export
reads on the primary in one snapshot (clients/export.py); sign-in checks the password on the primary.
"""
import logging
import random
import select
import time

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url

from .models import closed_when_finished, get_engine, writes
from .models.meta import utcnow
from .security import token_hash

log = logging.getLogger(__name__)

SETTING = "hyperdiary.database.replica_urls"
LAG_SETTING = "hyperdiary.database.max_replica_lag"
DEFAULT_MAX_LAG = 5.0
# How long a replica that failed (refused a connection, lost one) is left alone.
DOWN_FOR = 5.0
# A replica's lag is measured again once the last measure is this old, or half of max_replica_lag if less.
RECHECK = 1.0

# Where the replica is (bigint: pg_lsn has no SQLAlchemy type, and a position compares as a number) and how far
# behind: zero when it has replayed all it received; else the age of the last transaction it replayed (an
# overestimate after the primary was idle, which only skips a replica sooner).
STATUS = text("""SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint,
  CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
       ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END""")
# Where the primary's WAL is once a write has committed: at or past the write's commit record.
RECORD_POSITION = text("UPDATE users SET write_position = (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint "
                       "WHERE id = :id")

# The request environ's key: the caller (id, role, username) as the primary knows it, when a request's data
# comes from a replica.
CALLER = "hyperdiary.replica_caller"
# The request environ's key: users whose access this write took away (access_changed).
ACCESS_CHANGED = "hyperdiary.access_changed"


def access_changed(request, user_id: str | None):
    """This write narrows what another user may see (a professional taken off a client's caseload, a relative's
    sharing changed or ended): their position is moved too, so that their next reads wait for a replica that has
    applied it, and never see what they lost on a lagging one. (Costs nothing without replicas.)"""
    if user_id is not None:
        request.environ.setdefault(ACCESS_CHANGED, []).append(user_id)


def urls(settings) -> list[str]:
    return (settings.get(SETTING) or "").split()


class Replica:
    def __init__(self, engine):
        self.engine = engine
        self.replayed = -1  # how far it had replayed when last asked (a WAL position, as a number)
        self.lag = None  # seconds, as last measured
        self.measured = 0.0  # when (time.monotonic())
        self.down_until = 0.0

    def fail(self, why):
        if time.monotonic() >= self.down_until:
            log.warning("Read replica %s skipped for %g s: %s", self.engine.url.render_as_string(), DOWN_FOR, why)
        self.down_until = time.monotonic() + DOWN_FOR

    def connect(self, position: int, max_lag: float, recheck: float):
        """A connection to this replica when it is up, has replayed `position` and lags at most `max_lag`; else
        None."""
        now = time.monotonic()
        if now < self.down_until:
            return None
        if self.lag is not None and self.lag > max_lag and now - self.measured < recheck:
            return None
        try:
            connection = self.engine.connect()
            if self.replayed < position or now - self.measured >= recheck:
                replayed, lag = connection.execute(STATUS).one()
                if replayed is None:  # not a replica (a primary named by mistake): never read from it
                    connection.close()
                    self.fail("it is not in recovery")
                    return None
                self.replayed, self.lag, self.measured = replayed, float(lag), time.monotonic()
        except exc.DBAPIError as error:
            if not (error.connection_invalidated or isinstance(error, (exc.OperationalError, exc.InterfaceError))):
                raise
            self.fail(error.orig)
            return None
        if self.replayed < position or self.lag > max_lag:
            connection.close()
            return None
        return connection


def _socket_closed_by_server(dbapi_connection, connection_record, connection_proxy):
    """A pooled connection to a replica that was stopped (or restarted) has the server's goodbye waiting on its
    socket: an idle connection in autocommit is sent nothing otherwise. Checked without a round trip, so that a
    stopped replica is noticed before a request's statement fails on it (the pool then connects anew, which a
    stopped server refuses at once, and the replica is skipped)."""
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        readable = True
    if readable:
        raise exc.DisconnectionError("the server closed the connection")


class Replicas:
    def __init__(self, settings, primary_read_engine):
        self.max_lag = float(settings.get(LAG_SETTING) or DEFAULT_MAX_LAG)
        self.recheck = min(RECHECK, self.max_lag / 2)
        self.primary = primary_read_engine
        self.replicas = []
        for url in urls(settings):
            if make_url(url).get_backend_name() != "postgresql":
                raise ValueError(f"{SETTING}: {url!r} is not a PostgreSQL URL (replicas are PostgreSQL's)")
            engine = get_engine(dict(settings, **{"sqlalchemy.url": url}), isolation_level="AUTOCOMMIT",
                                pool_reset_on_return=None)
            event.listen(engine.pool, "checkout", _socket_closed_by_server)
            replica = Replica(engine)
            # A replica whose connection breaks during a request is skipped from then on (that request answers
            # 503 like any lost database, faults.py).
            event.listen(engine, "handle_error",
                         lambda context, replica=replica: replica.fail(context.original_exception)
                         if context.is_disconnect else None)
            self.replicas.append(replica)

    def connect(self, position: int):
        """A connection to a replica that has replayed `position` and is fit to read from, or None (read on the
        primary). The replicas are tried from a random one on, so that a process spreads its reads."""
        start = random.randrange(len(self.replicas))
        for replica in self.replicas[start:] + self.replicas[:start]:
            connection = replica.connect(position, self.max_lag, self.recheck)
            if connection is not None:
                return connection
        return None

    def dispose(self):
        for replica in self.replicas:
            replica.engine.dispose()


def includeme(config):
    settings = config.get_settings()
    registry = config.registry
    if not urls(settings):
        return
    if registry["dbengine"].dialect.name != "postgresql":
        raise ValueError(f"{SETTING} needs PostgreSQL (sqlalchemy.url is {registry['dbengine'].dialect.name})")
    replicas = Replicas(settings, registry["read_dbengine"])
    registry["replicas"] = replicas
    primary_session = registry["request_dbsession"]
    primary_connection = registry["request_dbconnection"]
    # The caller behind the access token, with its last write's position (the accounts' statement).
    caller_position = registry["caller_position"]
    primary = registry["read_dbengine"]

    def record_position(request, committed):
        user = request.__dict__.get("user")  # (as the request found it: a sign-in sets it too)
        users = ([user.id] if user is not None else []) + request.environ.get(ACCESS_CHANGED, [])
        if committed and users:
            with primary.connect() as connection:
                connection.execute(RECORD_POSITION, [{"id": user_id} for user_id in users])

    def dbsession(request):
        """Requests that may write: the primary's session, as without replicas, and their position once they
        commit. Requests that only read: the session models.includeme makes on `request.dbconnection`."""
        if writes(request):
            request.tm.get().addAfterCommitHook(lambda committed: record_position(request, committed))
        return primary_session(request)

    def dbconnection(request):
        """A read's connection: a replica's when one is fit for this caller (see the module's doc), else the
        primary's read pool."""
        if writes(request):
            return primary_connection(request)
        position, caller = 0, None
        token = registry["request_token"](request)
        if token is not None:
            with primary.connect() as connection:
                row = connection.execute(caller_position, {"hash": token_hash(token), "now": utcnow()}).first()
            if row is None:  # a token that is no good: the primary says so (401), as without replicas
                return primary_connection(request)
            caller, position = tuple(row[:3]), row[3] or 0
        connection = replicas.connect(position)
        if connection is None:
            return primary_connection(request)
        request.environ[CALLER] = caller
        return closed_when_finished(request, connection)

    registry["request_dbsession"] = dbsession
    registry["request_dbconnection"] = dbconnection
    read_lineage = registry["lineage"]

    def lineage(request):
        found = read_lineage(request)
        if CALLER in request.environ and (tuple(found.identity) if found.identity else None) != \
                request.environ[CALLER]:
            # The replica does not know the caller as the primary does yet: read this request on the primary.
            del request.environ[CALLER]
            session = request.__dict__.pop("dbsession", None)
            if session is not None:
                session.close()
            request.dbconnection = primary_connection(request)
            found = read_lineage(request)
        return found

    registry["lineage"] = lineage
