"""The pages' sign-in and sign-out: `POST auth/session` answers with the tokens in cookies, `DELETE
auth/session` revokes the sign-in (hyperdiary/pages/session.py: how a browser stays signed in)."""
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config

import time

from .. import accounts, ratelimit
from ..documented import Named, documented
from ..errors import error_response
from ..pages.session import ACCESS_COOKIE, MARKER_COOKIE, REFRESH_COOKIE, csrf_token
from ..shapes import obj, ref
from ..security import Permissions
from . import auth as auth_views
from .resources import Auth

PAGE_SESSION_SCHEMA = Named('PageSession',
    obj(("user", "expires_in"), user=ref("User"), expires_in={"type": "integer"}))
PAGE_RENEWAL_SCHEMA = Named('PageRenewal',
    obj(("expires_in", "csrf"), expires_in={"type": "integer"},
        csrf={"type": "string", "description": "the X-CSRF-Token of the new access token"}))


def _set(response, request, name, value, max_age, path="/", httponly=True):
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=httponly, samesite="Lax",
                        secure=request.scheme == "https")


def _keep(request, tokens: dict):
    """The tokens in their cookies, and beside them the one a script may read: when the access token ends
    (no secret), so that the pages renew it in time (pages.js)."""
    ttl = request.registry["token_ttl"]
    _set(request.response, request, ACCESS_COOKIE, tokens["access"], tokens["expires_in"])
    _set(request.response, request, REFRESH_COOKIE, tokens["refresh"], ttl.refresh, path=request.path)
    _set(request.response, request, MARKER_COOKIE, str(int(time.time()) + tokens["expires_in"]), ttl.refresh,
         httponly=False)


@documented('signInPages', '/auth/session',
            "The pages' sign-in: as auth.token, but the tokens are kept in HttpOnly cookies",
            body=auth_views.Credentials,
            result=PAGE_SESSION_SCHEMA, errors=(401, 429), public=True)
@view_config(context=Auth, name="session", request_method="POST", renderer="json", permission=Permissions.VIEW)
def sign_in(context, request):
    """auth.token's sign-in (the same checks, the same 401 and 400s), its tokens kept in cookies."""
    answer = auth_views.token(context, request)
    if not isinstance(answer, dict):
        return answer
    _keep(request, answer)
    return {"user": answer["user"], "expires_in": answer["expires_in"]}


@documented('renewPageSession', '/auth/session',
            "The pages' renewal: the refresh cookie traded for new tokens (as auth.refresh), kept in the cookies",
            result=PAGE_RENEWAL_SCHEMA, errors=(401, 429), public=True)
@view_config(context=Auth, name="session", request_method="PUT", renderer="json", permission=Permissions.VIEW)
def renew(context, request):
    """A browser sign-in lasts (API.md §15): the pages trade the refresh cookie for new tokens before the
    access token ends, and again when a write was refused for want of one, until `session_max_age`. No
    CSRF header is asked: another site that makes a browser renew gains nothing it can read (SameSite=Lax
    keeps the cookie from its requests anyway)."""
    ratelimit.throttle(request).refresh(request)
    refresh = request.cookies.get(REFRESH_COOKIE)
    tokens = accounts.rotate(request.dbsession, refresh, request.registry["token_ttl"]) if refresh else None
    if tokens is None or tokens["expires_in"] <= 0:
        # Returned, not raised: a reused token revokes its session, and that must be committed.
        response = error_response(request, 401, "The sign-in has ended: sign in again.")
        for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, request.path), (MARKER_COOKIE, "/")):
            response.delete_cookie(name, path=path)
        return response
    _keep(request, tokens)
    return {"expires_in": tokens["expires_in"], "csrf": csrf_token(tokens["access"])}


@documented('signOutPages', '/auth/session',
            "The pages' sign-out: revokes the sign-in the cookies hold and clears them", ok=204, public=True)
@view_config(context=Auth, name="session", request_method="DELETE", permission=Permissions.VIEW)
def sign_out(context, request):
    """Revokes the sign-in the cookies hold (every token of it, in every process) and forgets them."""
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        accounts.revoke_by_refresh(request.dbsession, refresh)
    response = HTTPNoContent()
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path=request.path)
    response.delete_cookie(MARKER_COOKIE, path="/")
    return response
