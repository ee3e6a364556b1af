"""Every error, whatever raised it, in the contract's shape: {"code", "message", "extra"}.

Views raise pyramid.httpexceptions (or ValidationFailure, which carries `extra`); the exception views
here turn each into the one body shape. An unexpected fault answers 500 without a traceback.
"""
import logging

from pyramid.exceptions import PredicateMismatch
from pyramid.httpexceptions import HTTPBadRequest, HTTPError, HTTPForbidden, HTTPNotFound
from pyramid.response import Response
from pyramid.view import exception_view_config

import orjson

from .security import Permissions, bearer_token

log = logging.getLogger(__name__)

JSON_TYPE = "application/json"


class ValidationFailure(HTTPBadRequest):
    """A 400 naming each offending field: `extra` is a list of {"name", "message"}."""

    def __init__(self, message="Invalid JSON input", extra=None):
        super().__init__(message)
        self.message = message
        self.extra = extra or []


class Refused(HTTPForbidden):
    """A 403 that says why: the caller may see the resource, but not change it this way (a client
    approving its own goal), and `extra` may name the field at fault. Pyramid's own permission failures
    keep the plain message."""

    def __init__(self, message, extra=None):
        super().__init__(message)
        self.message = message
        self.extra = extra


class Missing(HTTPNotFound):
    """A 404 that says what is missing, where the resource exists but what the request names inside it
    does not (a log's entry at a given time)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# API.md §8: a message quotes at most this many characters of an offending value (a 1 MB title was
# echoed back in a 1 MB error).
QUOTED = 100


def quoted(value) -> str:
    """`repr(value)`, cut to QUOTED characters of the value (…) when it is longer."""
    if isinstance(value, str) and len(value) > QUOTED:
        return repr(value[:QUOTED]) + "…"
    text = repr(value)
    return text if len(text) <= QUOTED else text[:QUOTED] + "…"


def _bounded(text: str, most: int) -> str:
    return text if not isinstance(text, str) or len(text) <= most else text[:most] + "…"


def problem(name, message) -> dict:
    """One offending field. Whatever built the message (a library quoting a value), neither part of it
    grows past a few hundred characters: a field's name may itself be what a caller sent (a key)."""
    return {"name": _bounded(name, 2 * QUOTED), "message": _bounded(message, 3 * QUOTED)}


def error_response(request, code: int, message: str, extra=None, headers=None) -> Response:
    """An error answer built without raising, for the few cases that must still commit (a refresh
    token presented twice revokes its session, and that revocation has to be stored)."""
    # API.md §2: every error has this body, `extra` included (empty when no field is at fault).
    body = {"code": code, "message": message, "extra": extra or []}
    # WebOb adds no charset to application/json by itself: API.md §8 wants it on every error.
    response = Response(body=orjson.dumps(body), status=code, content_type=f"{JSON_TYPE}; charset=UTF-8")
    response.headers.update(headers or {})
    if code == 401:
        # RFC 6750 §3.1: a token was presented and is no good (unknown, expired, revoked), so the caller
        # knows to refresh it or sign in again, rather than that it forgot to send one.
        invalid = bearer_token(request) is not None and request.user is None
        response.headers["WWW-Authenticate"] = (
            'Bearer realm="hyperdiary", error="invalid_token"' if invalid else 'Bearer realm="hyperdiary"')
    return response


def _message(exc) -> str:
    detail = getattr(exc, "message", None) or exc.detail
    return detail if isinstance(detail, str) and detail else exc.title


def _hidden(request):
    """An answer for a caller who may not see the resource at all: 401 without credentials (so that
    a signed-out caller learns nothing of what exists), else 404. None when the caller may see it."""
    context = getattr(request, "context", None)
    if context is not None and may_see(request, context, request.view_name):
        return None
    # A collection every signed-in caller knows of (reveal_forbidden: `clients`, `subjects`, `subjectlogs`)
    # is no secret: its other methods answer 405, as for a resource the caller may read.
    if request.user is not None and getattr(context, "reveal_forbidden", False):
        return None
    if request.user is None:
        return error_response(request, 401, "Sign in first: this needs a valid access token.")
    return None if context is None else error_response(request, 404, "Not found.")


@exception_view_config(HTTPForbidden)
def forbidden(exc, request):
    if request.user is None:
        return error_response(request, 401, "Sign in first: this needs a valid access token.")
    context = getattr(request, "context", None)
    if getattr(context, "reveal_forbidden", False) or request.has_permission(Permissions.VIEW, context):
        # A view that refuses by itself (Refused) says why, and may name the field at fault (`extra`).
        if isinstance(exc, Refused):
            return error_response(request, 403, exc.message, exc.extra)
        return error_response(request, 403, "You may not do this.")
    return error_response(request, 404, "Not found.")


@exception_view_config(HTTPNotFound)
def not_found(exc, request):
    if isinstance(exc, PredicateMismatch):
        # A view exists here, but not for this method: 405, once the caller may see the resource.
        hidden = _hidden(request)
        if hidden is not None:
            return hidden
        allowed = allowed_methods(request, request.context, request.view_name)
        return error_response(
            request, 405, f"Method {request.method} is not allowed here.", headers={"Allow": ", ".join(allowed)}
        )
    context = getattr(request, "context", None)
    if request.user is None and context is not None and not request.has_permission(Permissions.VIEW, context):
        return error_response(request, 401, "Sign in first: this needs a valid access token.")
    # Pyramid's own 404s carry the path as their detail: not worth echoing. A view's Missing says why.
    return error_response(request, 404, exc.message if isinstance(exc, Missing) else "Not found.")


@exception_view_config(HTTPError)
def http_error(exc, request):
    extra = getattr(exc, "extra", None)
    return error_response(request, exc.code, _message(exc), extra)


@exception_view_config(Exception)
def server_error(exc, request):
    log.exception("Unexpected error on %s %s", request.method, request.path_qs)
    return error_response(request, 500, "Internal server error.")


# --- 405's Allow header, and who may see a resource ---

def may_see(request, context, view_name) -> bool:
    """Whether the caller may see this resource: it has VIEW on it, or the permission of the resource's
    GET view (a professional lists `clients/` without VIEW on it, and so should learn its methods)."""
    if request.has_permission(Permissions.VIEW, context):
        return True
    permission = _read_permission(request, context, view_name)
    return permission is not None and bool(request.has_permission(permission, context))


def _read_permission(request, context, view_name):
    cache = request.registry.setdefault("hyperdiary.read_permissions", {})
    key = (type(context), view_name)
    if key not in cache:
        introspector = request.registry.introspector
        cache[key] = next((related["value"] for view in _views_of(request, context, view_name)
                           if "GET" in _methods(view) for related in introspector.related(view)
                           if related.category_name == "permissions"), None)
    return cache[key]


def _views_of(request, context, view_name):
    for item in request.registry.introspector.get_category("views"):
        view = item["introspectable"]
        view_context = view["context"]
        if view["name"] == view_name and isinstance(view_context, type) and isinstance(context, view_context):
            yield view


def _methods(view) -> tuple:
    accepted = view["request_methods"] or _ALL_METHODS
    return (accepted,) if isinstance(accepted, str) else tuple(accepted)


_ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request, context, view_name) -> list[str]:
    """The methods some view accepts for this context and view name, read from Pyramid's introspector."""
    cache = request.registry.setdefault("hyperdiary.allowed_methods", {})
    key = (type(context), view_name)
    if key not in cache:
        methods = set()
        for item in request.registry.introspector.get_category("views"):
            view = item["introspectable"]
            view_context = view["context"]
            if view["name"] != view_name or not isinstance(view_context, type):
                continue
            if isinstance(context, view_context):
                accepted = view["request_methods"] or _ALL_METHODS
                methods.update((accepted,) if isinstance(accepted, str) else accepted)
        cache[key] = sorted(methods)
    return cache[key]
