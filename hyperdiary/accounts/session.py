"""The pages' sign-in and sign-out: `POST auth/session` answers with the tokens in cookies, `DELETE
auth/session` revokes the sign-in (hyperdiary/pages/session.py: how a browser stays signed in)."""
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config

from .. import accounts
from ..documented import Named, documented
from ..pages.session import ACCESS_COOKIE, REFRESH_COOKIE
from ..shapes import obj, ref
from ..security import Permissions
from . import auth as auth_views
from .resources import Auth

PAGE_SESSION_SCHEMA = Named('PageSession',
    obj(("user", "expires_in"), user=ref("User"), expires_in={"type": "integer"}))


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
