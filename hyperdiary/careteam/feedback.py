"""Feedback on every record of a client's kinds (API.md §14): entries, journals, goals, moods, and any kind
declared later (a deployment's own too). Declared once, as an extension of the kind machinery
(config.add_kind_extension): for each kind whose records are the client's, a feedback kind whose collection
`feedback` hangs below each of its records, a `feedback` link on each record, and `feedback_count` in each
record's representation, counted for a whole page in one query.

Feedback is kept with the record (`record_id`) and the client (`client_id`): it is in the export inside the
record it is about (kinds below a record are), goes with the client's erasure, and with the record's delete.
Adding feedback changes the record's version: its representation (`feedback_count`) changed, so its ETag and
sync say so, and a record still at version 1 has no feedback (no query for it)."""
from pyramid.authorization import DENY_ALL
from sqlalchemy import func, select, update

from .. import kinds
from ..audit import client_of
from ..errors import Refused
from ..kinds import Collection
from ..records import bump
from ..clients.resources import ClientResource
from ..security import Permissions
from . import people
from .models import Feedback

COUNT_SCHEMA = {"type": ["integer", "null"], "minimum": 0,
                "description": "how many remarks its `feedback` holds (null for a caller who may not read them)"}


def annotated(kind, children) -> bool:
    """Whether a kind's records are a client's records one gives feedback on: records the care team reads (by
    the client's plain VIEW: not messages, relatives, push subscriptions, deliveries, which have permissions of
    their own), kept right below the client or a fixed resource of it (the diary), not those below another
    record (a journal's tags, a goal's tracking items: feedback goes on the journal, the goal). Records only the
    client's professionals write (questionnaire assignments) are the care team's own: no feedback on them."""
    if kind.view_permission != Permissions.VIEW or isinstance(kind, FeedbackKind):
        return False
    if kind.grants and "owner" not in kind.grants:
        return False
    parent = kind.parent
    registry_children = [child for (above, _), child in children.items() if above is ClientResource]
    return issubclass(ClientResource, parent) or any(issubclass(child, parent) for child in registry_children)


class FeedbackCollection(Collection):
    """The feedback on one record. Hidden from relatives, who may see the record (careteam.relatives) but never
    what the client and the care team say about it: missing (404), not forbidden."""

    @property
    def __acl__(self):
        return (DENY_ALL,) if _shared_with_relative(self) else ()


def _shared_with_relative(resource) -> bool:
    """Whether the caller reached `resource` as a relative of its client (clients/resources.py)."""
    while resource is not None:
        if getattr(resource, "shared_with_relative", False):
            return True
        resource = resource.__parent__
    return False


class FeedbackKind(kinds.Kind):
    """A remark on a client's record by the client or one of its professionals: `text` (1–4,000 characters),
    its `author` (@url) and `author_name`, when it was `sent`; listed oldest first. Its author may correct
    (PATCH) or delete it."""

    model, body, type_name = Feedback, "feedback", "feedback"  # one @type, whatever record it is on
    parent_column, collection, collection_type = "record_id", "feedback", "feedback"
    fields = ("author", "author_name", "text", "sent")
    represented = {"author": people.AUTHOR, "author_name": people.AUTHOR_NAME, "sent": people.SENT}
    read_only = frozenset({"author", "author_name", "sent"})
    order, ascending = "created", True
    view_permission = write_permission = Permissions.FEEDBACK
    grants = ("owner", "professional")
    erase = {"text": None}
    example = {"text": "Well noticed: what helped that evening?"}
    change = {"text": "Well noticed! What helped that evening?"}

    def values(self, request, data, current=None, *, replace=False):
        if current is not None:
            data = {"text": current.text, **data}
        return {"text": people.checked_text(request.bodies.check(self.body, data))}

    def create(self, request, context):
        client_resource = client_of(context)
        people.check_member(request, client_resource)
        fields = self.values(request, self.checked_body(request))
        return self.insert(request, context, dict(fields, author_id=request.user.id,
                                                  client_id=client_resource.client.id))

    def represent_many(self, request, base_url, rows):
        named = people.names(request, (row.author_id for row in rows))
        return [{"author": people.user_url(request, row.author_id), "author_name": named.get(row.author_id),
                 "text": row.text, "sent": row.created} for row in rows]

    def update(self, request, item, *, replace: bool):
        _own(request, item.record)
        super().update(request, item, replace=replace)

    def delete(self, request, item):
        _own(request, item.record)
        super().delete(request, item)

    def fhir(self, request, bodies, context):
        """Each remark a Communication `about` the record it is on (fhir.resources tells it which: `@parent`)."""
        for body in bodies:
            yield people.communication(body, context.subject, about=body.get("@parent"))

    def changed(self, request, context, record):
        """The record it is about changed too (its feedback_count, its ETag)."""
        annotated_item = context.__parent__ if isinstance(context, Collection) else context.__parent__.__parent__
        bump(annotated_item.record, request.now)


def _own(request, record):
    if record.author_id != request.user.id:
        raise Refused("Only its author may change or delete a remark.")


def count_feedback(request, collection, rows) -> dict:
    """`feedback_count` of a page of records (null for a relative, who may not read feedback): one grouped
    query, and none when no record of the page was ever changed (feedback changes its record's version)."""
    if not rows:
        return {}
    if _shared_with_relative(collection):
        return {row.id: {"feedback_count": None} for row in rows}
    touched = [row.id for row in rows if getattr(row, "version", 2) > 1]
    counted = {}
    if touched:
        counted = dict(request.dbsession.execute(
            select(Feedback.record_id, func.count()).where(Feedback.client_id == collection.client_id,
                                                           Feedback.record_id.in_(touched), Feedback.deleted.is_(None))
            .group_by(Feedback.record_id)).all())
    return {row.id: {"feedback_count": counted.get(row.id, 0)} for row in rows}


def erase_feedback(request, record):
    """A record's delete takes its feedback with it, the words erased (as the record's own are)."""
    request.dbsession.execute(
        update(Feedback).where(Feedback.client_id == record.client_id, Feedback.record_id == record.id,
                               Feedback.deleted.is_(None))
        .values(deleted=request.now, modified=request.now, version=Feedback.version + 1, text=None))


def feedback_on(config, kind):
    """The extension: feedback on the records of `kind`, when they are a client's records."""
    if not annotated(kind, config.registry.kinds.children):
        return
    camel = kinds._class_name(kind.name)
    config.add_record_kind(type(f"{camel}FeedbackKind", (FeedbackKind,), {
        "__doc__": FeedbackKind.__doc__,
        "name": f"{kind.name}-feedback", "parent": kind.item_class, "tag": f"feedback on {kind.collection}",
        "collection_class": type(f"{camel}Feedback", (FeedbackCollection,), {}),
        "item_class": type(f"{camel}FeedbackResource", (kinds.Item,), {}),
    }))
    kind.links = tuple(kind.links) + (kinds.Link("feedback", "feedback", permission=Permissions.FEEDBACK),)
    kind.annotations.append(count_feedback)
    kind.annotation_fields["feedback_count"] = COUNT_SCHEMA
    kind.on_delete.append(erase_feedback)


def includeme(config):
    config.add_kind_extension(feedback_on)
