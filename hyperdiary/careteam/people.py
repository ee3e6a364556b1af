"""Who speaks in a client's conversation and feedback: the client and the professionals who follow it, their
@urls and names, read for a whole page at once."""
from sqlalchemy import bindparam, null, select, union_all

from ..errors import Refused, ValidationFailure, problem
from ..accounts.models import User
from .models import MessageRead

# How the author and the time of a message or a remark are described (OpenAPI).
AUTHOR = {"type": ["string", "null"], "format": "uri", "description": "the author's @url (null once erased)"}
AUTHOR_NAME = {"type": ["string", "null"], "description": "the author's name (null once erased)"}
SENT = {"type": "string", "format": "date-time"}

NOT_A_MEMBER = "Only the client and the professionals of its caseload write here."


def check_member(request, client_resource):
    """A 403 unless the caller is the client or one of its professionals (an admin may read, not speak)."""
    user = request.user
    if user.id != client_resource.client.user_id and user.id not in client_resource.professional_ids:
        raise Refused(NOT_A_MEMBER)


def checked_text(fields: dict) -> str:
    """The body's `text` (the schema file checked its type and length): not blank."""
    text = fields["text"]
    if not text.strip():
        raise ValidationFailure("Invalid JSON input", [problem("text", "Must not be empty.")])
    return text


def user_url(request, user_id: str | None) -> str | None:
    return None if user_id is None else f"{request.base_url}users/{user_id}/"


def full_name(first: str, last: str, username: str) -> str:
    return " ".join(part for part in (first, last) if part) or username


# Built once (composing a statement and its cache key costs more than running it): the names of some users, and
# with them, in the same round trip, which of some messages a reader has read.
NAMES = select(User.id, User.first_name, User.last_name, User.username).where(
    User.id.in_(bindparam("users", expanding=True)))
NAMES_AND_READ = union_all(NAMES, select(MessageRead.message_id, null(), null(), null()).where(
    MessageRead.client_id == bindparam("client"), MessageRead.reader_id == bindparam("reader"),
    MessageRead.message_id.in_(bindparam("messages", expanding=True))))


def names(request, user_ids) -> dict:
    """{user id: the name to show} for these users, in one query (an erased author: None)."""
    return names_and_read(request, user_ids, None, (), None)[0]


def names_and_read(request, user_ids, reader: str | None, message_ids, client_id: str | None) -> tuple[dict, set]:
    """`names`, and which of `message_ids` (of the client `client_id`) `reader` has read, in one round trip:
    (names, those ids)."""
    wanted = list({user_id for user_id in user_ids if user_id is not None})
    if not wanted and not message_ids:
        return {}, set()
    if message_ids:
        rows = request.dbsession.connection().execute(NAMES_AND_READ, {
            "users": wanted, "reader": reader, "messages": list(message_ids), "client": client_id}).all()
    else:
        rows = request.dbsession.connection().execute(NAMES, {"users": wanted}).all()
    named = {row[0]: full_name(row[1], row[2], row[3]) for row in rows if row[3] is not None}
    return named, {row[0] for row in rows if row[3] is None}


def communication(body: dict, subject: dict, about: str | None = None) -> dict:
    """A message or a remark as a Bundle entry of a FHIR R4 Communication: sent, by whom (by name: a
    professional is no resource of the export), its text, and for a remark the record it is about (its @url)."""
    from .. import fhir

    return fhir.entry(fhir.without_none({
        "resourceType": "Communication", "id": fhir.record_id(body), "meta": fhir.meta(body), "status": "completed",
        "subject": subject, "sent": body["sent"],
        "sender": {"display": body["author_name"]} if body.get("author_name") else None,
        "about": [{"reference": fhir.urn(fhir.record_id({"@url": about}))}] if about is not None else None,
        "payload": [{"contentString": body["text"]}],
    }))
