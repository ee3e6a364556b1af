"""A database that stops answering costs a request at most `hyperdiary.database.timeout` seconds (API.md §8).

A database that refuses connections fails fast by itself; one that hangs (a frozen server, a network path that
drops packets, a proxy that stops forwarding) does not: the kernel keeps the TCP connection open, a query waits
for an answer that never comes, and every worker thread ended up waiting with it (GET / took 39.6 s while
PostgreSQL was frozen for 40). Each wait is bounded here:

- PostgreSQL: every wait of a connection for the server (a statement, its results, COMMIT, ROLLBACK) goes
  through psycopg's `Connection.wait`; `BoundedConnection` gives it the time-out. When it runs out the
  connection is closed (its state is unknown: a query may still be running) and an OperationalError raised,
  which SQLAlchemy sees as a disconnection (the pool drops the connection) and faults.py answers 503 with
  Retry-After. Opening a connection is bounded by libpq's `connect_timeout` (at least 2 s: libpq's minimum),
  waiting for a pooled connection by `pool_timeout`. The bound is on the client's side: the server's own
  `statement_timeout` cannot help when the server, or the path to it, is what hangs. Nothing else is needed for
  service to resume: the next request opens a new connection, and succeeds once the database answers again.
- SQLite: the only wait is for another writer's lock; the time-out is sqlite3's busy timeout, after which
  "database is locked" is the same 503.
"""
import math

import psycopg
from sqlalchemy import event

SETTING = "hyperdiary.database.timeout"
DEFAULT = 5.0
# Migrations wait for a lock as long as they did before the bound (models.get_engine(bounded=False)).
UNBOUNDED_SQLITE_BUSY_TIMEOUT = 30
# libpq waits at least this long to connect, whatever connect_timeout says.
LIBPQ_MIN_CONNECT_TIMEOUT = 2


def timeout(settings) -> float:
    value = settings.get(SETTING)
    return float(value) if value not in (None, "") else DEFAULT


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after `timeout` seconds."""

    timeout: float | None = None

    def wait(self, gen, *args, timeout=None, **kwargs):
        try:
            return super().wait(gen, *args, timeout=self.timeout if timeout is None else timeout, **kwargs)
        except psycopg.errors._WaitTimeout:  # psycopg's own exception for a wait that ran out (documented in wait)
            self.close()
            raise psycopg.OperationalError(
                f"The database did not answer within {self.timeout:g} s; the connection was closed.") from None


def bound(engine, settings):
    """Bound every wait of `engine`'s connections for the database (see the module's doc); the pool's wait
    for a free connection is create_engine's `pool_timeout` (pool_options)."""
    seconds = timeout(settings)
    if engine.dialect.name != "postgresql":
        return engine

    @event.listens_for(engine, "do_connect")
    def connect(dialect, connection_record, cargs, cparams):
        cparams.setdefault("connect_timeout", max(LIBPQ_MIN_CONNECT_TIMEOUT, math.ceil(seconds)))
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.timeout = seconds
        return connection

    return engine


def pool_options(settings) -> dict:
    return {"pool_timeout": timeout(settings)}


def sqlite_busy_timeout(settings) -> float:
    return timeout(settings)
