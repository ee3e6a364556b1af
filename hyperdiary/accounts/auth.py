"""Registering, signing in, refreshing and signing out."""
import colander
from pyramid.view import view_config

from .. import accounts, ratelimit
from ..errors import error_response
from ..inputs import StrictString, body
from .resources import Auth
from ..security import Permissions
from .users import Registration, register_user, user_body, user_resource

INVALID_CREDENTIALS = "Unknown username or wrong password."


class Credentials(colander.MappingSchema):
    username = colander.SchemaNode(StrictString())
    password = colander.SchemaNode(StrictString())


class RefreshToken(colander.MappingSchema):
    refresh = colander.SchemaNode(StrictString())


@view_config(context=Auth, name="register", request_method="POST", renderer="json", permission=Permissions.VIEW)
def register(context, request):
    ratelimit.throttle(request).registration(request)
    return register_user(request, body(request, Registration()), role="client")


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


@view_config(context=Auth, name="refresh", request_method="POST", renderer="json", permission=Permissions.VIEW)
def refresh(context, request):
    data = body(request, RefreshToken())
    ratelimit.throttle(request).refresh(request)
    tokens = accounts.rotate(request.dbsession, data["refresh"], request.registry["token_ttl"])
    if tokens is None:
        # Returned, not raised: a reused token revokes its session, and that must be committed.
        return error_response(request, 401, "The refresh token is unknown, expired, used or revoked.")
    return tokens


@view_config(context=Auth, name="logout", request_method="POST", renderer="json", permission=Permissions.VIEW)
def logout(context, request):
    data = body(request, RefreshToken())
    if not accounts.revoke_by_refresh(request.dbsession, data["refresh"]):
        return error_response(request, 401, "The refresh token is unknown, expired or revoked.")
    return {"message": "Signed out: the tokens of this sign-in no longer work."}
