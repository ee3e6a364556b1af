"""Registering, signing in, refreshing and signing out."""
import colander
from pyramid.view import view_config

from ..shapes import STRING, described, obj, ref
from ..documented import Named, documented
from .. import accounts, ratelimit
from ..errors import error_response
from ..inputs import StrictString, body
from .resources import Auth
from ..security import Permissions
from .users import Registration, register_user, user_body, user_resource

INVALID_CREDENTIALS = "Unknown username or wrong password."


# The schemas of what these views answer or read (hyperdiary/documented.py).
TOKENS_SCHEMA = Named('Tokens', obj(("access", "refresh", "expires_in"), access=STRING, refresh=STRING,
                  expires_in=described({"type": "integer"}, "seconds until the access token expires"),
                  user=described(ref("User"), "on sign-in: the caller's profile")))
SIGNED_OUT_SCHEMA = Named('SignedOut', obj(("message",), message=STRING))


class Credentials(colander.MappingSchema):
    username = colander.SchemaNode(StrictString())
    password = colander.SchemaNode(StrictString())


class RefreshToken(colander.MappingSchema):
    refresh = colander.SchemaNode(StrictString())


@documented('register', '/auth/register', 'Register as a client', link='auth.register', body=Registration, ok=201,
            result='User', errors=(429,), public=True, etag=True)
@view_config(context=Auth, name="register", request_method="POST", renderer="json", permission=Permissions.VIEW)
def register(context, request):
    ratelimit.throttle(request).registration(request)
    return register_user(request, body(request, Registration()), role="client")


@documented('signIn', '/auth/token', 'Sign in: access and refresh tokens', link='auth.token', body=Credentials,
            result=TOKENS_SCHEMA, errors=(401, 429), public=True)
@view_config(context=Auth, name="token", request_method="POST", renderer="json", permission=Permissions.VIEW)
def token(context, request):
    data = body(request, Credentials())
    throttle = ratelimit.throttle(request)
    throttle.before_sign_in(request, data["username"])
    # The password is verified before this request's write transaction begins: on SQLite that transaction
    # holds the database's write lock, which every other write (and sign-in) would wait for during the hash.
    reader = request.registry["read_dbsession_factory"]()
    try:
        user = accounts.check_credentials(reader, request.registry["password_hasher"],
                                          data["username"], data["password"])
    finally:
        reader.close()
    if user is None:
        throttle.failed_sign_in(request, data["username"])
        return error_response(request, 401, INVALID_CREDENTIALS)
    # Into the request's session (a rehashed password, when the cost settings changed, is stored with it).
    user = request.dbsession.merge(user)
    tokens = accounts.sign_in(request.dbsession, user, request.registry["token_ttl"])
    # The caller has just proved who they are: show the profile as they will see it.
    request.user = accounts.identity(user)
    return dict(tokens, user=user_body(request, user_resource(request, user)))


@documented('refreshTokens', '/auth/refresh', 'Trade a refresh token for new tokens', link='auth.refresh',
            body=RefreshToken, result=TOKENS_SCHEMA, errors=(401, 429), public=True)
@view_config(context=Auth, name="refresh", request_method="POST", renderer="json", permission=Permissions.VIEW)
def refresh(context, request):
    data = body(request, RefreshToken())
    ratelimit.throttle(request).refresh(request)
    tokens = accounts.rotate(request.dbsession, data["refresh"], request.registry["token_ttl"])
    if tokens is None:
        # Returned, not raised: a reused token revokes its session, and that must be committed.
        return error_response(request, 401, "The refresh token is unknown, expired, used or revoked.")
    return tokens


@documented('signOut', '/auth/logout', 'Revoke a sign-in and every token issued from it', link='auth.logout',
            body=RefreshToken, result=SIGNED_OUT_SCHEMA, errors=(401,), public=True)
@view_config(context=Auth, name="logout", request_method="POST", renderer="json", permission=Permissions.VIEW)
def logout(context, request):
    data = body(request, RefreshToken())
    if not accounts.revoke_by_refresh(request.dbsession, data["refresh"]):
        return error_response(request, 401, "The refresh token is unknown, expired or revoked.")
    return {"message": "Signed out: the tokens of this sign-in no longer work."}
