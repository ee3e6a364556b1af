"""A client's conversation with its professionals (API.md §14): one conversation per client, the link
`messages` on the client. Messages are sent (POST), read (the listing, newest first), marked read per reader
(PATCH {"read": true}) and, by their author within five minutes, taken back (DELETE); they are never changed.

The `clients` listing shows, for each client, how many messages the caller has not read (`unread`, one query
for a page of clients: a caseload column), and a message waiting is a reminder source for the notification
worker (`WaitingMessages`), without its content."""
import datetime
from typing import NamedTuple

import colander
from sqlalchemy import and_, exists, func, select

from .. import hypermedia as hm
from .. import kinds
from ..errors import Refused, ValidationFailure, problem
from ..inputs import Listing
from ..records import bump, insert_new
from ..clients.models import Client
from ..clients.resources import ClientResource
from ..security import Permissions
from . import people
from .models import Message, MessageRead

# How long an author may take a message back.
DELETE_WINDOW = datetime.timedelta(minutes=5)
UNCHANGEABLE = "A message cannot be changed; only {\"read\": true} may be sent."


class MessageListing(Listing):
    unread = colander.SchemaNode(colander.Boolean(false_choices=("false",), true_choices=("true",)), missing=False)


def unread_condition(reader_id):
    """Messages the reader did not write and has not read (as SQL, over Message)."""
    return and_(Message.author_id.is_distinct_from(reader_id),
                ~exists().where(MessageRead.client_id == Message.client_id, MessageRead.message_id == Message.id,
                                   MessageRead.reader_id == reader_id))


class MessageKind(kinds.Kind):
    """A message in a client's conversation with its professionals: `text` (1–4,000 characters), its `author`
    (@url) and `author_name`, when it was `sent`, and whether the caller has `read` it (their own: yes)."""

    name, model, body = "message", Message, "message"
    parent, parent_column, collection = ClientResource, "client_id", "messages"
    fields = ("author", "author_name", "text", "sent", "read")
    represented = {"author": people.AUTHOR, "author_name": people.AUTHOR_NAME, "sent": people.SENT,
                   "read": {"type": ["boolean", "null"], "description": "whether the caller has read it (their own: "
                                                                       "yes; the operator's export: null)"}}
    read_only = frozenset({"author", "author_name", "sent"})
    parent_links = (("messages", "", Permissions.MESSAGES),)
    order = "created"
    listing = MessageListing
    view_permission = write_permission = Permissions.MESSAGES
    grants = ("owner", "professional")
    erase = {"text": None}
    example = {"text": "Could we talk about the evenings on Tuesday?"}
    change = {"read": True}

    def values(self, request, data, current=None, *, replace=False):
        fields = request.bodies.check(self.body, data)
        return {"text": people.checked_text(fields), "author_id": request.user.id}

    def create(self, request, context):
        people.check_member(request, context.__parent__)
        return super().create(request, context)

    def filter(self, request, context, stmt, params):
        """`unread=true`: only what the caller has not read (composed for its request: it names the caller)."""
        if params["unread"]:
            stmt = stmt.where(unread_condition(request.user.id))
        return stmt

    def represent_many(self, request, base_url, rows):
        """Each message with its author's name and whether the caller read it: one query for the page."""
        me = request.user.id if request.user is not None else None  # (the operator's export: no caller, no `read`)
        others = [row.id for row in rows if row.author_id != me] if me is not None else []
        # Which of the others' the caller read, with the authors' names: one round trip.
        named, read = people.names_and_read(request, (row.author_id for row in rows), me, others,
                                            rows[0].client_id if rows else None)
        return [{"author": people.user_url(request, row.author_id), "author_name": named.get(row.author_id),
                 "text": row.text, "sent": row.created,
                 "read": None if me is None else row.author_id == me or row.id in read}
                for row in rows]

    def update(self, request, item, *, replace: bool):
        """Only `{"read": true}`: the caller has read the message. A new version, so that the caller's cached
        copy (ETag) and a device's sync learn it."""
        data = self.checked_body(request)
        wrong = [problem(name, UNCHANGEABLE) for name in data if name != "read"]
        if "read" in data and data["read"] is not True:
            wrong.append(problem("read", "Only true: a message that was read stays read."))
        if wrong or not data:
            raise ValidationFailure("Invalid JSON input", wrong or [problem("read", "Required input is missing.")])
        record = item.record
        hm.check_if_match(request, record)
        if record.author_id != request.user.id:  # (read again: the row is there, nothing is inserted)
            insert_new(request.dbsession, MessageRead, {"message_id": record.id, "client_id": record.client_id,
                                                        "reader_id": request.user.id, "read": request.now})
        bump(record, request.now)

    def fhir(self, request, bodies, context):
        """Each message a FHIR Communication."""
        for body in bodies:
            yield people.communication(body, context.subject)

    def delete(self, request, item):
        """The author, within five minutes of sending; otherwise the message stays (403)."""
        record = item.record
        if record.author_id != request.user.id:
            raise Refused("Only its author may take a message back.")
        if request.now - record.created > DELETE_WINDOW:
            raise Refused("A message can be taken back within 5 minutes of sending only.")
        super().delete(request, item)


# --- the caseload column and the reminder source -----------------------------------------------------------


def unread_column(request, client_ids: list[str]) -> dict:
    """`unread` for each client of a page of the `clients` listing: the messages the caller has not read, in
    one grouped query."""
    if not client_ids:
        return {}
    me = request.user.id
    counted = dict(request.dbsession.execute(
        select(Message.client_id, func.count()).where(Message.client_id.in_(client_ids), Message.deleted.is_(None),
                                                      unread_condition(me))
        .group_by(Message.client_id)).all())
    return {client_id: {"unread": counted.get(client_id, 0)} for client_id in client_ids}


class MessageReminder(NamedTuple):
    """A reminder as the notification worker takes it (hyperdiary/reminders/worker.py's Reminder, lane
    hd21-reminders: the same fields, in the same order)."""

    source: str
    subject_id: str
    client_id: str
    at: datetime.datetime
    about: str
    title: str


class WaitingMessages:
    """The reminder source of the conversation (API.md §14, §12): a message from the care team that the client
    has not read reminds the client, once, without its content (`title` says only that a message is waiting;
    `about` is the client's conversation). Messages of the client to its professionals remind nobody yet: the
    worker's channels reach a client's devices and mailbox, not a professional's."""

    name = "messages"

    def due(self, connection, since, until, unsettled):
        rows = connection.execute(
            select(Message.id, Message.client_id, Message.created).join(Client, Client.id == Message.client_id)
            .where(Message.deleted.is_(None), Message.created >= since, Message.created <= until,
                   Message.author_id.is_distinct_from(Client.user_id),
                   ~exists().where(MessageRead.client_id == Message.client_id, MessageRead.message_id == Message.id,
                                   MessageRead.reader_id == Client.user_id),
                   unsettled(Message.id)))
        for row in rows:
            yield MessageReminder(self.name, row.id, row.client_id, row.created,
                                  f"clients/{row.client_id}/messages/", "A message from your care team")


def includeme(config):
    config.add_record_kind(MessageKind)
    config.add_caseload_column(unread_column)
    # The notification worker (API.md §12) takes reminder sources once it exists (lane hd21-reminders).
    if "add_reminder_source" in getattr(config.registry, "_directives", {}):
        config.add_reminder_source(WaitingMessages())
