"""Accounts: password hashing, creating users (and the client record behind a diary), and tokens."""
import datetime
import secrets

import argon2
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from .. import hashing
from . import passwords
from .models import AuthSession, Role, Token, User
from ..clients.models import Client
from ..feeds.models import CalendarFeed
from ..models.meta import utcnow
from ..security import Identity, token_hash  # noqa: F401 (where the accounts' users find them)

CLIENT_NAME_LENGTH = Client.__table__.c.name.type.length

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


class UsernameTaken(Exception):
    pass


def password_hasher(settings) -> argon2.PasswordHasher:
    """argon2id with argon2-cffi's defaults unless the settings lower them (the test suite does), with a
    bounded number of hashes at once (hashing.py)."""
    kwargs = {}
    for name in ("time_cost", "memory_cost", "parallelism"):
        value = settings.get(f"hyperdiary.argon2.{name}")
        if value:
            kwargs[name] = int(value)
    return hashing.bounded(argon2.PasswordHasher(type=argon2.Type.ID, **kwargs), settings)


def password_problem(password: str, username: str = "", email: str = "", first_name: str = "",
                     last_name: str = "") -> str | None:
    """Why a password is too weak (passwords.py), or None."""
    return passwords.weakness(password, username, email, first_name, last_name)


def normalize_username(username: str) -> str:
    return username.strip().lower()


def create_user(
    dbsession, hasher, *, username, password, email, role, first_name="", last_name="", diary_schemas=()
) -> User:
    """A new user; clients and friends get their client record (and so a diary) with it.
    Raises UsernameTaken, also when another request takes the name at the same moment."""
    now = utcnow()
    user = User(
        created=now,
        modified=now,
        username=normalize_username(username),
        email=email,
        password_hash=hasher.hash(password),
        role=str(Role(role)),
        first_name=first_name or "",
        last_name=last_name or "",
    )
    try:
        with dbsession.begin_nested():
            dbsession.add(user)
            dbsession.flush()
    except IntegrityError:
        raise UsernameTaken(username) from None
    if Role(role).keeps_diary:
        name = " ".join(part for part in (user.first_name, user.last_name) if part) or user.username
        # 150 + 1 + 150 characters would not fit the column (a 500 on PostgreSQL): the client may rename.
        name = name[:CLIENT_NAME_LENGTH]
        dbsession.add(Client(user_id=user.id, name=name, diary_schemas=list(diary_schemas), created=now, modified=now))
        dbsession.flush()
    return user


def set_password(dbsession, user: User, hasher, password: str):
    """A new password ends every sign-in of the user: whoever had a token (a stolen one is why
    passwords get changed) signs in again."""
    user.password_hash = hasher.hash(password)
    revoke_user(dbsession, user.id)


def set_active(dbsession, user: User, active: bool):
    """Deactivating ends every sign-in of the user and refuses new ones; reactivating allows them again."""
    if user.is_active and not active:
        revoke_user(dbsession, user.id)
    user.is_active = active


def last_active_admin(dbsession, user_id: str) -> bool:
    """Is this user the only active admin (API.md §8: the last one may not deactivate or erase their own
    account, or nobody could ever manage the server again)? The active admins' rows are locked for the rest of
    the transaction (FOR UPDATE on PostgreSQL; SQLite's write transactions take turns anyway), so that two
    admins leaving at the same moment cannot both see the other one stay."""
    admins = dbsession.scalars(select(User.id).where(User.role == str(Role.ADMIN), User.is_active.is_(True))
                               .with_for_update()).all()
    return admins == [user_id]


# A hash of a password nobody has, verified when the username is unknown, so that an unknown user
# costs as much time as a wrong password and the answer cannot tell them apart.
_DUMMY_HASHES = {}


def check_credentials(dbsession, hasher, username: str, password: str) -> User | None:
    user = dbsession.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        if key not in _DUMMY_HASHES:
            _DUMMY_HASHES[key] = hasher.hash(secrets.token_hex(16))
        try:
            hasher.verify(_DUMMY_HASHES[key], password)
        except argon2.exceptions.VerifyMismatchError:
            pass
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (argon2.exceptions.VerifyMismatchError, argon2.exceptions.InvalidHashError):
        return None
    if not user.is_active:
        # Verified all the same: a deactivated account answers like a wrong password, in the same time.
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


# --- tokens ---------------------------------------------------------------------------------------


class TokenTTL:
    def __init__(self, settings):
        self.access = int(settings.get("hyperdiary.token.access_ttl", 3600))
        self.refresh = int(settings.get("hyperdiary.token.refresh_ttl", 30 * 86400))
        # The absolute end of a sign-in: no rotation of its refresh token lives past it (API.md §8).
        self.session_max_age = int(settings.get("hyperdiary.token.session_max_age", 30 * 86400))


def _issue_pair(dbsession, session: AuthSession, ttl: TokenTTL) -> dict:
    """A new access and refresh token of the session, neither outliving the session's absolute end
    (`session_max_age` after the sign-in), whatever the rotations before."""
    now = utcnow()
    end = session.created + datetime.timedelta(seconds=ttl.session_max_age)
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    access_expires = min(now + datetime.timedelta(seconds=ttl.access), end)
    dbsession.add_all(
        [
            Token(hash=token_hash(access), session_id=session.id, kind="access", expires=access_expires),
            Token(hash=token_hash(refresh), session_id=session.id, kind="refresh",
                  expires=min(now + datetime.timedelta(seconds=ttl.refresh), end)),
        ]
    )
    return {"access": access, "refresh": refresh, "expires_in": max(0, int((access_expires - now).total_seconds()))}


def sign_in(dbsession, user: User, ttl: TokenTTL) -> dict:
    session = AuthSession(user_id=user.id, created=utcnow())
    dbsession.add(session)
    dbsession.flush()
    return _issue_pair(dbsession, session, ttl)


def _live_refresh_token(dbsession, refresh: str):
    """The refresh token row and its session, when the token exists, has not expired and its session
    was not revoked; else None."""
    row = dbsession.execute(
        select(Token, AuthSession)
        .join(AuthSession, Token.session_id == AuthSession.id)
        .where(Token.hash == token_hash(refresh), Token.kind == "refresh")
    ).first()
    if row is None:
        return None
    token, session = row
    if session.revoked is not None or token.expires <= utcnow():
        return None
    return token, session


def rotate(dbsession, refresh: str, ttl: TokenTTL) -> dict | None:
    """Exchange a refresh token for a new pair. A retired refresh token presented again revokes the
    whole session (it was copied by someone); the exchange is one conditional UPDATE, so two requests
    racing with the same token cannot both win."""
    found = _live_refresh_token(dbsession, refresh)
    if found is None:
        return None
    token, session = found
    won = dbsession.execute(
        update(Token)
        .where(Token.hash == token.hash, Token.rotated.is_(None))
        .values(rotated=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        revoke(dbsession, session.id)
        return None
    return _issue_pair(dbsession, session, ttl)


def revoke_by_refresh(dbsession, refresh: str) -> bool:
    found = _live_refresh_token(dbsession, refresh)
    if found is None:
        return False
    revoke(dbsession, found[1].id)
    return True


def revoke(dbsession, session_id: str):
    dbsession.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked.is_(None))
        .values(revoked=utcnow())
        .execution_options(synchronize_session=False)
    )


def revoke_user(dbsession, user_id: str):
    """Every sign-in of the user ends: each access and refresh token stops working at once, in every
    process (a changed password, a deactivated account). So does every secret calendar feed of the user's
    client (API.md §8): a feed URL is a key as much as a token is, and whoever is locked out by a new password
    or a deactivation must not keep reading through one. The feeds are deleted (their URLs answer 404 for
    good, reactivation included): the client makes new ones."""
    dbsession.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked.is_(None))
        .values(revoked=utcnow())
        .execution_options(synchronize_session=False)
    )
    dbsession.execute(
        delete(CalendarFeed)
        .where(CalendarFeed.client_id.in_(select(Client.id).where(Client.user_id == user_id).scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def identity(user: User) -> Identity:
    return Identity(user.id, user.role, user.username)


# The live user behind an access token (bind parameters `hash` and `now`), built once: composing the
# statement costs more than running it. hyperdiary/lineage.py reads it with a request's records.
CALLER = (
    select(User.id, User.role, User.username)
    .join(AuthSession, AuthSession.user_id == User.id)
    .join(Token, Token.session_id == AuthSession.id)
    .where(
        Token.hash == bindparam("hash"),
        Token.kind == "access",
        Token.expires > bindparam("now"),
        AuthSession.revoked.is_(None),
        # Deactivation revokes the sessions too; this also covers a sign-in racing the deactivation.
        User.is_active.is_(True),
    )
)


_IDENTITY_OF_USER = select(User.id, User.role, User.username).where(User.id == bindparam("id"))


def identity_of(dbsession, user_id: str) -> Identity:
    return Identity(*dbsession.connection().execute(_IDENTITY_OF_USER, {"id": user_id}).one())


def includeme(config):
    """Users, their tokens and sign-in sessions, registration and erasure."""
    settings = config.get_settings()
    config.registry["password_hasher"] = password_hasher(settings)
    config.registry["token_ttl"] = TokenTTL(settings)
    # The caller behind an access token, which hyperdiary/lineage.py reads with every request's records.
    config.registry["caller"] = CALLER
    # The same with the position of the user's last write, which hyperdiary/replicas.py asks the primary for.
    config.registry["caller_position"] = CALLER.add_columns(User.write_position)
    from ..resources.root import Root
    from ..security import Permissions
    from .resources import Auth, UserResource, Users

    config.add_child(Root, "auth", Auth)
    config.add_child(Root, "users", Users)
    for name, view in (("auth.register", "register"), ("auth.token", "token"), ("auth.refresh", "refresh"),
                       ("auth.logout", "logout")):
        config.add_root_link(name, "auth", view)
    # The caller's own user resource, made from the identity: no need to load the user.
    config.add_root_link("me", signed_in=True, resource=lambda request, root: UserResource(
        root["users"], request.user.id, request.user))
    config.add_root_link("users", "users", permission=Permissions.USERS_LIST, signed_in=True)
    config.scan(".users")
    config.scan(".auth")
    config.scan(".erasure")
    config.scan(".session")
