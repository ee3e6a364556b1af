"""How a browser stays signed in: the access token in a cookie that scripts cannot read.

A page is reached by following links, and a followed link carries no `Authorization` header; so the pages'
sign-in (`POST auth/session`, the same credentials as `auth.token`) answers with the tokens in two cookies,
HttpOnly (no script, injected or not, reads them), SameSite=Lax, Secure over https: `hd_access` (the access
token, for an hour like any) and `hd_refresh` (sent only to `auth/session`, so that signing out with
`DELETE auth/session` revokes the whole sign-in, as `auth.logout` does).

A request with an `Authorization` header never looks at the cookie: the JSON API keeps its Bearer tokens.
Writes (anything but GET, HEAD, OPTIONS) authenticated by the cookie must also carry `X-CSRF-Token`, a hash of
the access token that only a page of this server can know (each page holds it in a <meta>): another site can
make a browser send the cookie, but not read the page, so it cannot forge the header. A write without it is
treated as signed out (401).
"""
import hashlib

from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config

from ..shapes import obj, ref
from ..documented import Named, documented
from .. import accounts
from ..accounts.resources import Auth
from ..security import Permissions, bearer_token
from ..accounts import auth as auth_views

ACCESS_COOKIE = "hd_access"
REFRESH_COOKIE = "hd_refresh"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# The schemas of what these views answer or read (hyperdiary/documented.py).
PAGE_SESSION_SCHEMA = Named('PageSession',
    obj(("user", "expires_in"), user=ref("User"), expires_in={"type": "integer"}))


def csrf_token(access: str) -> str:
    return hashlib.sha256(b"hyperdiary csrf\0" + access.encode("utf-8")).hexdigest()[:40]


def cookie_token(request) -> str | None:
    """The access token the request's cookie holds, when no Authorization header is sent."""
    if bearer_token(request) is not None or request.headers.get("Authorization"):
        return None
    return request.cookies.get(ACCESS_COOKIE) or None


def page_csrf(request) -> str | None:
    """What a page's script sends as X-CSRF-Token (None when the caller did not sign in by cookie)."""
    token = cookie_token(request)
    return csrf_token(token) if token and request.user is not None else None


def with_cookie(bearer):
    """The access token a request presents: the Bearer token's, else the cookie's (with the CSRF check for
    writes: without it, the caller is signed out)."""

    def token(request):
        cookie = cookie_token(request)
        if cookie is None:
            return bearer(request)
        if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != csrf_token(cookie):
            return None
        return cookie

    return token


def _set(response, request, name, value, max_age, path="/"):
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="Lax",
                        secure=request.scheme == "https")


@documented('signInPages', '/auth/session',
            "The pages' sign-in: as auth.token, but the tokens are kept in HttpOnly cookies",
            body=auth_views.Credentials,
            result=PAGE_SESSION_SCHEMA, errors=(401,), public=True)
@view_config(context=Auth, name="session", request_method="POST", renderer="json", permission=Permissions.VIEW)
def sign_in(context, request):
    """auth.token's sign-in (the same checks, the same 401 and 400s), its tokens kept in cookies."""
    answer = auth_views.token(context, request)
    if not isinstance(answer, dict):
        return answer
    ttl = request.registry["token_ttl"]
    _set(request.response, request, ACCESS_COOKIE, answer["access"], answer["expires_in"])
    _set(request.response, request, REFRESH_COOKIE, answer["refresh"], ttl.refresh,
         path=request.path)
    return {"user": answer["user"], "expires_in": answer["expires_in"]}


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
    return response


def includeme(config):
    config.registry["request_token"] = with_cookie(config.registry["request_token"])
    config.scan(__name__)
