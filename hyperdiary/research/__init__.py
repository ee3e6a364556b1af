"""Research: the subject-log kind's declaration, and what views of subjects and logs share (who is a member,
which subject a reference names). Subject-log types and entries are in subjectlogs.py."""
import colander
from sqlalchemy import delete, select

from .. import hypermedia as hm
from .. import kinds
from . import subjectlogs as logs_model
from ..errors import Refused, ValidationFailure, problem
from ..inputs import Listing, StrictString
from .models import Subject, SubjectLog, SubjectLogEntry, SubjectMember
from ..resources.root import Root
from ..resources import NOT_READ
from .resources import SubjectLogResource, SubjectLogs, SubjectLogTypeResource, SubjectResource
from ..security import Permissions

INVALID = "Invalid JSON input"
QUERY_INVALID = "Invalid query parameters"
# Fields of a subject's representation that the server keeps: in a body, a 400 naming each.
READ_ONLY_KEYS = frozenset({"id", "user", "entries"})


def user_url(request, user_id: str | None) -> str | None:
    """A user's @url (as resource_url(UserResource) gives it), without loading the user."""
    return None if user_id is None else f"{hm.url(request, request.root['users'])}{user_id}/"


def member_subject_ids(user_id: str):
    """The ids of the subjects this user is a member of, as a subquery."""
    return select(SubjectMember.subject_id).where(SubjectMember.user_id == user_id)


def subject_resources(request, subject_ids, is_member=None) -> dict[str, SubjectResource]:
    """SubjectResources of these ids (`is_member` when the caller's membership is known): those the request's
    lineage read (a log's subject), the rest loaded in one query."""
    container = request.root["subjects"]
    found, missing = {}, []
    for subject_id in subject_ids:
        subject = request.lineage.record(Subject, subject_id)
        if subject is NOT_READ or subject is None:
            missing.append(subject_id)
        else:
            found[subject_id] = SubjectResource(container, subject_id, subject, is_member=is_member)
    if missing:
        for subject in request.dbsession.scalars(select(Subject).where(Subject.id.in_(missing))):
            found[subject.id] = SubjectResource(container, subject.id, subject, is_member=is_member)
    return found


def visible_subject(request, reference, message=INVALID) -> SubjectResource:
    """The subject a body or query names by @url or id, if the caller may see it; a 400 naming `subject`
    otherwise (whether it exists or not: the caller learns nothing of what they may not see)."""
    subject_id = hm.reference_id(request, request.root["subjects"], reference)
    subject = request.dbsession.get(Subject, subject_id) if subject_id is not None else None
    if subject is not None:
        resource = SubjectResource(request.root["subjects"], subject.id, subject)
        if request.has_permission(Permissions.VIEW, resource):
            return resource
    raise ValidationFailure(message, [problem("subject", "No subject you may see has this @url or id.")])


def checked_type(request, name: str, message=INVALID):
    log_type = request.subjectlog_types.get(name)
    if log_type is None:
        known = ", ".join(t.kind for t in request.subjectlog_types)
        raise ValidationFailure(message, [problem("type", f"{name!r} is not a subject-log type; the types are: {known}.")])
    return log_type


def entry_times(log_type, row) -> tuple:
    """The names of an entry's times: its type's, or (a type whose file was taken away) what the row holds."""
    if log_type is not None:
        return log_type.times
    return logs_model.SHAPES["instant" if row.end_instant is None else "interval"]


class LogFilter(Listing):
    subject = colander.SchemaNode(StrictString(), missing=None,
                                  description="only the logs of this subject (its @url or id)")
    type = colander.SchemaNode(StrictString(), missing=None, description="only the logs of this subject-log type")


class SubjectLogKind(kinds.Kind):
    """A log of one type about one subject. The logs collection is the researchers' (at the root); each log's
    subject decides who reads and writes it."""

    name, model, body = "subjectlog", SubjectLog, "subjectlog"
    parent, parent_column, collection = Root, "subject_id", "subjectlogs"
    collection_class, item_class = SubjectLogs, SubjectLogResource
    fields = ("id", "type", "description", "subject", "user", "entries")
    read_only = frozenset({"id", "user", "entries"})
    order = "created"
    listing = LogFilter
    list_permission, create_permission = Permissions.SUBJECTS_LIST, Permissions.SUBJECTS_ADD
    write_permission = Permissions.SUBJECT_WRITE
    erase = {"description": None}
    example = {"type": "Weighing", "subject": "<the @url of a subject>", "description": "weekly"}
    change = {"description": "every Monday"}
    references = {"subject": ("subjects", {"name": "Mouse 1"})}
    represented = {"id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                   "type": {"type": "string", "description": "the name of its subject-log type"},
                   "subject": {"type": "string", "format": "uri", "description": "the subject's @url"},
                   "user": {"type": ["string", "null"], "format": "uri", "description": "the creator's @url"},
                   "entries": {"type": "array", "items": {"$ref": "#/components/schemas/LoggedEntry"},
                               "description": "sorted by time"}}
    summaries = {"list": "The logs of the caller's subjects (or of one visible subject), newest first; or every "
                         "change since modified_after",
                 "create": "Create a log of a subject (its members)", "get": "A log with all its entries",
                 "patch": "Change a log's description (members)",
                 "delete": "Delete a log and its entries (a tombstone stays for sync)"}
    tag, api_name = "subject logs", "SubjectLog"

    def scope(self, request, context, params):
        """The logs of the caller's subjects, or with `subject=` of one subject the caller may see (public
        ones included)."""
        stmt = select(*self.columns)
        if params.get("subject") is not None:
            subject = visible_subject(request, params["subject"], QUERY_INVALID)
            return stmt.where(SubjectLog.subject_id == subject.subject.id)
        return stmt.where(SubjectLog.subject_id.in_(member_subject_ids(request.user.id)))

    def owns(self, collection, record) -> bool:
        return True  # the log's own ACL (its subject's) decides

    def filter(self, request, context, stmt, params):
        if params["type"] is not None:
            checked_type(request, params["type"], QUERY_INVALID)
            stmt = stmt.where(SubjectLog.type == params["type"])
        return stmt

    def page_links(self, request, context) -> list:
        return hm.links(hm.link(request, "types", context["types"]))

    def values(self, request, data, current=None, *, replace=False):
        if current is None:
            data = request.bodies.check(self.name, data)
            checked_type(request, data["type"])
            subject = visible_subject(request, data["subject"])
            if not request.has_permission(Permissions.SUBJECT_WRITE, subject):
                raise Refused("Only the members of a subject write its logs.",
                              [problem("subject", "You are not a member of this subject.")])
            return {"subject_id": subject.subject.id, "type": data["type"], "user_id": request.user.id,
                    "description": data.get("description")}
        # A change: the description; `type` and `subject` may be sent back unchanged, not changed.
        merged = request.bodies.check(self.name, {"type": current.type, "subject": current.subject_id,
                                                  "description": current.description, **data})
        found = []
        if merged["type"] != current.type:
            found.append(problem("type", "The type of a log is set when it is created; create a new log instead."))
        if hm.reference_id(request, request.root["subjects"], merged["subject"]) != current.subject_id:
            found.append(problem("subject", "A log stays with its subject; create a new log instead."))
        if found:
            raise ValidationFailure(INVALID, found)
        return {"description": merged.get("description")}

    def represent_many(self, request, base_url, rows):
        """Each log with its entries (one query for the page) and its links; the write links only for the
        members of its subject (the subjects of a page are loaded at once)."""
        entries = logs_model.entries_of(request.dbsession, [row.id for row in rows])
        subjects = subject_resources(request, {row.subject_id for row in rows}) if rows else {}
        logs = request.root["subjectlogs"]
        types = logs["types"]
        represented = []
        for row in rows:
            log_type = request.subjectlog_types.get(row.type)
            resource = SubjectLogResource(logs, row.id, row, subjects[row.subject_id])
            write = Permissions.SUBJECT_WRITE
            links = hm.links(
                hm.link(request, "subject", resource.subject),
                hm.link(request, "type", SubjectLogTypeResource(types, row.type, log_type)) if log_type else None,
                hm.link(request, "entries", resource, "entries"),
                hm.link(request, "add_entry", resource, "add_entry", permission=write),
                hm.link(request, "change_entry", resource, "change_entry", permission=write),
                hm.link(request, "remove_entry", resource, "remove_entry", permission=write),
            )
            represented.append({
                "@links": links, "id": row.id, "type": row.type, "description": row.description,
                "subject": hm.url(request, resource.subject), "user": user_url(request, row.user_id),
                "entries": [logs_model.entry_body(entry_times(log_type, entry), entry) for entry in entries[row.id]]})
        return represented

    def deleting(self, request, record):
        """The entries go at once (health data nobody should read again); the tombstone stays."""
        request.dbsession.execute(delete(SubjectLogEntry).where(SubjectLogEntry.log_id == record.id))


def includeme(config):
    from ..resources.root import Root
    from .resources import Subjects

    config.add_child(Root, "subjects", Subjects)
    config.add_root_link("subjects", "subjects", permission=Permissions.SUBJECTS_LIST, signed_in=True)
    config.add_root_link("subjectlogs", "subjectlogs", permission=Permissions.SUBJECTS_LIST, signed_in=True)
    config.add_body_columns("subject", Subject)
    config.add_record_kind(SubjectLogKind)
    config.include(".subjectlogs")
    config.scan(".subjects")
    config.scan(".subjectlog_views")
