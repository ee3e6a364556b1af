"""Faults in the contract's error shape, wherever they happen, and 503 when the database is unreachable.

The exception views of errors.py answer what goes wrong inside a view. Some faults happen in tweens
outside them: pyramid_tm asks who the caller is (an identity lookup, a query) before the view runs and
commits after it, so while PostgreSQL restarted half the failed requests got waitress's plain-text 500.
`fault_guard`, the outermost tween but for the security headers, turns any exception into the error
shape; and a database that cannot be reached (refused connection, a restart in progress, a vanished
SQLite file, a pool with no connection left) is a 503 with Retry-After, both there and in the views;
so is a sign-in that would wait too long for a password hash (hashing.py).
"""
import logging

from pyramid.httpexceptions import HTTPException
from pyramid.view import exception_view_config
from sqlalchemy import exc as sa_exc

from . import hashing
from .errors import error_response

log = logging.getLogger(__name__)

# Seconds a client should wait before trying again: about what a database restart takes.
RETRY_AFTER = 5
UNREACHABLE = "The database cannot be reached right now; try again shortly."


def unreachable(error: BaseException) -> bool:
    """Is this the database being out of reach (rather than a fault in a query)? Connection-level
    errors only: OperationalError is what drivers raise when they cannot connect or lose the connection
    (psycopg: refused, terminated by a restart; sqlite3: cannot open the file, locked past the timeout)."""
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError))
    return isinstance(error, (sa_exc.TimeoutError, sa_exc.DisconnectionError))


def unavailable(request):
    return error_response(request, 503, UNREACHABLE, headers={"Retry-After": str(RETRY_AFTER)})


@exception_view_config(sa_exc.SQLAlchemyError)
def database_error(exc, request):
    """Inside the views: a database out of reach is a 503; any other database fault a 500."""
    if unreachable(exc):
        log.warning("Database unreachable on %s %s: %s", request.method, request.path_qs, exc)
        return unavailable(request)
    log.error("Database fault on %s %s", request.method, request.path_qs, exc_info=exc)
    return error_response(request, 500, "Internal server error.")


@exception_view_config(hashing.HashingBusy)
def busy(exc, request):
    """More sign-ins wait for a password hash than a process lets wait (hashing.py): come back shortly."""
    return error_response(request, 503, "Too many sign-ins at once; try again in a moment.",
                          headers={"Retry-After": str(hashing.RETRY_AFTER)})


def fault_guard(handler, registry):
    """Outside every other tween: whatever escapes them (pyramid_tm's identity lookup or commit, a tween
    of our own) is answered in the error shape, never as waitress's plain-text 500."""

    def guard(request):
        try:
            return handler(request)
        except HTTPException as error:
            # An HTTP answer raised outside the exception views (a tween's own): its status, our shape.
            if error.code < 400:
                return error
            return error_response(request, error.code, error.title, getattr(error, "extra", None))
        except Exception as error:  # noqa: BLE001 - this is the last place that can answer
            if unreachable(error):
                log.warning("Database unreachable on %s %s: %s", request.method, request.path_qs, error)
                return unavailable(request)
            log.exception("Unexpected error on %s %s", request.method, request.path_qs)
            return error_response(request, 500, "Internal server error.")

    return guard


def includeme(config):
    config.add_tween("hyperdiary.faults.fault_guard", under="hyperdiary.securityheaders.security_headers")
    config.scan(".faults")
