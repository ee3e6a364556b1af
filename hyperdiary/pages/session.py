"""How a browser stays signed in: the access token in a cookie that scripts cannot read.

The sign-in and sign-out views are the accounts' (accounts/session.py). A page is reached by following links, and a followed link carries no `Authorization` header; so the pages'
sign-in (`POST auth/session`, the same credentials as `auth.token`) answers with the tokens in two cookies,
HttpOnly (no script, injected or not, reads them), SameSite=Lax, Secure over https: `hd_access` (the access
token, for an hour like any) and `hd_refresh` (sent only to `auth/session`, so that signing out with
`DELETE auth/session` revokes the whole sign-in, as `auth.logout` does).

A request with an `Authorization` header never looks at the cookie: the JSON API keeps its Bearer tokens.
Writes (anything but GET, HEAD, OPTIONS) authenticated by the cookie must also carry `X-CSRF-Token`, a hash of
the access token that only a page of this server can know (each page holds it in a <meta>): another site can
make a browser send the cookie, but not read the page, so it cannot forge the header. A write without it is
treated as signed out (401).

A sign-in lasts until `session_max_age` (API.md §15): `PUT auth/session` trades the refresh cookie for new
tokens; pages.js does so before the access token ends (it reads when from `hd_session_ends`), when a page
was served signed out while the sign-in lives on, and when a write was refused with a 401, which it then
sends again: a form sent after the access token expired is saved.
"""
import hashlib

from ..security import bearer_token

ACCESS_COOKIE = "hd_access"
REFRESH_COOKIE = "hd_refresh"
# Not a secret: when the access token ends (Unix seconds), for the pages' script to renew it in time with
# `PUT auth/session` (the refresh cookie); readable by scripts, unlike the two above.
MARKER_COOKIE = "hd_session_ends"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def includeme(config):
    config.registry["request_token"] = with_cookie(config.registry["request_token"])
