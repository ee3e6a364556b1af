"""Erasing a user (API.md §9): `DELETE me` with the user's password, or an admin's `DELETE <user @url>`.
204; everything of that user goes (hyperdiary/erasure.py)."""
import colander
from pyramid.httpexceptions import HTTPNoContent, HTTPUnauthorized
from pyramid.view import view_config
from sqlalchemy import select

from ..documented import documented
from .. import accounts, audit, erasure, replicas
from .. import hypermedia as hm
from ..errors import ValidationFailure
from ..inputs import StrictString, body
from .changes import LAST_ADMIN
from .models import Role
from .resources import UserResource
from ..clients.models import Client
from ..security import Permissions
from .models import CaseloadAssignment, User
from ..models.meta import Base


def erase(dbsession, user_id: str, all_metadata) -> str | None:
    """Erase the user and everything of theirs (hyperdiary/erasure.py walks the foreign keys from the user's
    row), and the audit's mentions of them; the id of its client record (None when it kept no diary)."""
    client_id = dbsession.scalar(select(Client.id).where(Client.user_id == user_id))
    followed = dbsession.scalars(select(CaseloadAssignment.client_id)
                                 .where(CaseloadAssignment.professional_id == user_id)).all()
    erasure.erase(dbsession, User.__table__, user_id, all_metadata)
    erasure.anonymize_audit(dbsession.connection(), user_id, client_id, followed)
    return client_id


def who_could_see(dbsession, user_id: str) -> list[str]:
    """The professionals following the user's client, and its relatives: they lose it with the erasure
    (replicas.access_changed). The relatives' table is the care team's, found by name."""
    tables = Base.metadata.tables
    client = select(Client.id).where(Client.user_id == user_id).scalar_subquery()
    stmt = select(CaseloadAssignment.professional_id).where(CaseloadAssignment.client_id == client)
    if "relatives" in tables:
        relatives = tables["relatives"]
        stmt = stmt.union(select(relatives.c.user_id).where(relatives.c.client_id == client,
                                                            relatives.c.user_id.is_not(None)))
    return list(dbsession.scalars(stmt))


class OwnErasure(colander.MappingSchema):
    password = colander.SchemaNode(StrictString(), description="the user's own password (not needed by admins)")


@documented('eraseUser', '/users/{user_id}/',
            "Erase a user and everything of theirs: one's own account with one's password (`me`), or any user "
            "(admins, no body)",
            link='me', body=OwnErasure, ok=204, errors=(403, 404), if_match=True)
@view_config(context=UserResource, request_method="DELETE", permission=Permissions.PROFILE_EDIT)
def erase_user(context, request):
    """PROFILE_EDIT: the user itself, and admins. The user itself must give its password (a stolen access
    token must not be enough to erase an account); an admin need not."""
    user = context.user
    own = request.user.id == user.id
    if own:
        password = body(request, OwnErasure())["password"]
        if accounts.check_credentials(request.dbsession, request.registry["password_hasher"], user.username,
                                      password) is None:
            raise HTTPUnauthorized("The password is wrong: nothing was erased.")
        if user.role == Role.ADMIN and accounts.last_active_admin(request.dbsession, user.id):
            raise ValidationFailure(LAST_ADMIN)
    hm.check_if_match(request, user)
    if request.registry.get("replicas") is not None:
        for user_id in who_could_see(request.dbsession, user.id):
            replicas.access_changed(request, user_id)
    erase(request.dbsession, user.id, erasure.metadatas(request.registry))
    # The audit keeps that an erasure happened: by whom (no one, once the actor is the erased user), not
    # of whom or what.
    audit.note(request, action="erase", resource=None, client_id=None, actor_id=None if own else request.user.id)
    engine = request.registry["dbengine"]
    request.tm.get().addAfterCommitHook(lambda committed: committed and erasure.checkpoint(engine))
    return HTTPNoContent()
