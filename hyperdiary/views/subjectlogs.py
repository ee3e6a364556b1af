"""Subject logs: the listing (and each subject's `logs`), each log, its entries, and the log types."""
import colander
from pyramid.httpexceptions import HTTPConflict, HTTPNoContent
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import delete, select

from .. import hypermedia as hm
from .. import records
from .. import subjectlogs as logs_model
from ..errors import Refused, ValidationFailure, problem
from ..inputs import DateRange, Listing, Paging, StrictString, json_object, parse_datetime, query, span, writable
from ..models import Subject, SubjectLog, SubjectLogEntry
from ..models.meta import new_id, utcnow
from ..paging import cursor, keyset_page, records_page
from ..rendering import dumps
from ..resources.subjects import (
    SubjectLogResource,
    SubjectLogs,
    SubjectLogTypeResource,
    SubjectLogTypesResource,
    SubjectResource,
)
from ..security import Permissions
from .subjects import READ_ONLY_KEYS, locked, member_subject_ids, subject_resources, user_url

KIND = "subjectlog"
INVALID = "Invalid JSON input"
QUERY_INVALID = "Invalid query parameters"


def log_url(logs_url: str, log: SubjectLog) -> str:
    """The same URL as resource_url(SubjectLogResource), without traversing to build it."""
    return f"{logs_url}{log.id}/"


def entry_times(log_type, row) -> tuple:
    """The names of an entry's times: its type's, or (a type whose file was taken away) what the row holds."""
    if log_type is not None:
        return log_type.times
    return logs_model.SHAPES["instant" if row.end_instant is None else "interval"]


def log_body(request, resource: SubjectLogResource, entries) -> dict:
    log = resource.log
    log_type = request.subjectlog_types.get(log.type)
    types = request.root["subjectlogs"]["types"]
    write = Permissions.SUBJECT_WRITE
    links = hm.links(
        hm.link(request, "subject", resource.subject),
        hm.link(request, "type", SubjectLogTypeResource(types, log.type, log_type)) if log_type else None,
        hm.link(request, "entries", resource, "entries"),
        hm.link(request, "add_entry", resource, "add_entry", permission=write),
        hm.link(request, "change_entry", resource, "change_entry", permission=write),
        hm.link(request, "remove_entry", resource, "remove_entry", permission=write),
    )
    return hm.representation(
        request, resource, KIND, links, record=log, id=log.id, type=log.type, description=log.description,
        subject=hm.url(request, resource.subject), user=user_url(request, log.user_id),
        entries=[logs_model.entry_body(entry_times(log_type, row), row) for row in entries],
    )


def log_answer(request, resource: SubjectLogResource) -> dict:
    """A log with every entry and its ETag: what GET and every write answer."""
    hm.set_etag(request, resource.log)
    entries = logs_model.entries_of(request.dbsession, [resource.log.id])[resource.log.id]
    return log_body(request, resource, entries)


# --- listings ----------------------------------------------------------------------------------------------


class LogFilter(Listing):
    subject = colander.SchemaNode(StrictString(), missing=None)
    type = colander.SchemaNode(StrictString(), missing=None)


def checked_type(request, name: str, message=INVALID):
    log_type = request.subjectlog_types.get(name)
    if log_type is None:
        known = ", ".join(t.kind for t in request.subjectlog_types)
        raise ValidationFailure(message, [problem("type", f"{name!r} is not a subject-log type; the types are: {known}.")])
    return log_type


def logs_page(request, context, view_name, stmt, params, subjects: dict[str, SubjectResource]) -> dict:
    """A page of logs (newest first; with `modified_after`, every change since, tombstones included).
    `subjects` holds the SubjectResources known already; the others are loaded here."""
    if params["type"] is not None:
        checked_type(request, params["type"], QUERY_INVALID)
        stmt = stmt.where(SubjectLog.type == params["type"])
    rows, next_query = records_page(request, stmt, SubjectLog, SubjectLog.created, params)
    missing = {row.subject_id for row in rows} - set(subjects)
    if missing:
        subjects = {**subjects, **subject_resources(request, missing)}
    entries = logs_model.entries_of(request.dbsession, [row.id for row in rows if row.deleted is None])
    container = request.root["subjectlogs"]
    logs_url = hm.url(request, container)
    items = []
    for log in rows:
        if log.deleted is not None:
            items.append(hm.tombstone(request, log_url(logs_url, log), hm.type_iri(request, KIND), log))
        else:
            resource = SubjectLogResource(container, log.id, log, subjects[log.subject_id])
            items.append(log_body(request, resource, entries[log.id]))
    return hm.collection(request, context, "subjectlogs", items, next_query=next_query, view_name=view_name)


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


@view_config(context=SubjectLogs, request_method="GET", renderer="json", permission=Permissions.SUBJECTS_LIST)
def list_logs(context, request):
    """The logs of the caller's subjects; `subject=` narrows to one subject (any the caller may see, public
    ones included), `type=` to one type."""
    params = query(request, LogFilter())
    stmt = select(SubjectLog)
    if params["subject"] is not None:
        subject = visible_subject(request, params["subject"], QUERY_INVALID)
        stmt = stmt.where(SubjectLog.subject_id == subject.subject.id)
        subjects = {subject.subject.id: subject}
    else:
        stmt = stmt.where(SubjectLog.subject_id.in_(member_subject_ids(request.user.id)))
        subjects = {}
    body = logs_page(request, context, "", stmt, params, subjects)
    body["@links"].append(hm.link(request, "types", context["types"]))
    return body


class SubjectLogFilter(Listing):
    type = colander.SchemaNode(StrictString(), missing=None)


@view_config(context=SubjectResource, name="logs", request_method="GET", renderer="json",
             permission=Permissions.VIEW)
def list_subject_logs(context, request):
    """The logs of one subject: for whoever may see the subject (anyone, for a public one)."""
    params = query(request, SubjectLogFilter())
    stmt = select(SubjectLog).where(SubjectLog.subject_id == context.subject.id)
    return logs_page(request, context, "logs", stmt, params, {context.subject.id: context})


# --- one log --------------------------------------------------------------------------------------------------


@view_config(context=SubjectLogs, request_method="POST", renderer="json", permission=Permissions.SUBJECTS_ADD)
def create_log(context, request):
    data = request.bodies.check(KIND, writable(json_object(request), READ_ONLY_KEYS))
    checked_type(request, data["type"])
    subject = visible_subject(request, data["subject"])
    if not request.has_permission(Permissions.SUBJECT_WRITE, subject):
        raise Refused("Only the members of a subject write its logs.",
                      [problem("subject", "You are not a member of this subject.")])
    now = utcnow()
    log = SubjectLog(id=new_id(), subject_id=subject.subject.id, type=data["type"], user_id=request.user.id,
                     description=data.get("description"), created=now, modified=now)
    request.dbsession.add(log)
    resource = SubjectLogResource(context, log.id, log, subject)
    hm.written(request, hm.url(request, resource), log)
    return log_body(request, resource, [])


@view_config(context=SubjectLogResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_log(context, request):
    return log_answer(request, context)


@view_config(context=SubjectLogResource, request_method="PATCH", renderer="json",
             permission=Permissions.SUBJECT_WRITE)
def patch_log(context, request):
    """Changes the description; `type` and `subject` may be sent back unchanged, not changed."""
    data = writable(json_object(request), READ_ONLY_KEYS)
    log = locked(request, context.log)
    hm.check_if_match(request, log)
    merged = request.bodies.check(KIND, {"type": log.type, "subject": log.subject_id,
                                         "description": log.description, **data})
    found = []
    if merged["type"] != log.type:
        found.append(problem("type", "The type of a log is set when it is created; create a new log instead."))
    if hm.reference_id(request, request.root["subjects"], merged["subject"]) != log.subject_id:
        found.append(problem("subject", "A log stays with its subject; create a new log instead."))
    if found:
        raise ValidationFailure(INVALID, found)
    log.description = merged.get("description")
    records.bump(log)
    return log_answer(request, context)


@view_config(context=SubjectLogResource, request_method="DELETE", permission=Permissions.SUBJECT_WRITE)
def delete_log(context, request):
    """Soft delete: the entries and the description are erased, a tombstone stays for sync."""
    log = locked(request, context.log)
    hm.check_if_match(request, log)
    request.dbsession.execute(delete(SubjectLogEntry).where(SubjectLogEntry.log_id == log.id))
    records.soft_delete(log, description=None)
    return HTTPNoContent()


# --- entries ------------------------------------------------------------------------------------------------


def write_entry(request, context: SubjectLogResource, change) -> dict:
    """Write one entry of the log with `change` (add, change or remove), then answer the whole log. The
    log is locked first, so that writers of one log take turns and its ETag counts every change."""
    data = json_object(request)
    log = locked(request, context.log)
    hm.check_if_match(request, log)
    log_type = request.subjectlog_types.get(log.type)
    if log_type is None:
        raise HTTPConflict(f"The subject-log type {log.type!r} is not installed: its entries cannot change.")
    change(request.dbsession, log.id, log_type, data)
    records.bump(log)
    return log_answer(request, context)


@view_config(context=SubjectLogResource, name="add_entry", request_method="PATCH", renderer="json",
             permission=Permissions.SUBJECT_WRITE)
def add_entry(context, request):
    return write_entry(request, context, logs_model.add_entry)


@view_config(context=SubjectLogResource, name="change_entry", request_method="PATCH", renderer="json",
             permission=Permissions.SUBJECT_WRITE)
def change_entry(context, request):
    return write_entry(request, context, logs_model.change_entry)


@view_config(context=SubjectLogResource, name="remove_entry", request_method="PATCH", renderer="json",
             permission=Permissions.SUBJECT_WRITE)
def remove_entry(context, request):
    return write_entry(request, context, logs_model.remove_entry)


class EntryRange(Paging, DateRange):
    pass


@view_config(context=SubjectLogResource, name="entries", request_method="GET", renderer="json",
             permission=Permissions.VIEW)
def list_entries(context, request):
    """The log's entries, oldest first, a page at a time; `fromdate`/`todate` (UTC days unless `time_zone`
    says otherwise) keep those whose time (an interval's start) falls in the range."""
    params = query(request, EntryRange())
    within = span(params, "UTC")
    log = context.log
    stmt = select(SubjectLogEntry).where(SubjectLogEntry.log_id == log.id, *within.covering(SubjectLogEntry.instant))
    # The instant is unique within a log; the log id (the same for every row) completes the cursor.
    rows, more = keyset_page(request.dbsession, stmt, SubjectLogEntry.instant, SubjectLogEntry.log_id,
                             params["limit"], params["after"], parse=parse_datetime)
    times = entry_times(request.subjectlog_types.get(log.type), rows[0]) if rows else ()
    items = [logs_model.entry_body(times, row) for row in rows]
    next_query = dict(request.GET, limit=params["limit"], after=cursor(rows[-1].instant, log.id)) if more else None
    body = hm.collection(request, context, "subjectlog-entries", items, next_query=next_query, view_name="entries",
                         links_=hm.links(hm.link(request, "log", context)))
    return body


# --- types --------------------------------------------------------------------------------------------------


def type_body(request, resource: SubjectLogTypeResource) -> dict:
    body = hm.representation(request, resource, "subjectlog-type",
                             [hm.link(request, "jsonschema", resource, "jsonschema", permission=None)])
    body.update(resource.log_type.descriptor)
    return body


@view_config(context=SubjectLogTypesResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_types(context, request):
    """Every subject-log type (a few dozen at most: one page)."""
    items = [type_body(request, SubjectLogTypeResource(context, t.kind, t)) for t in request.subjectlog_types]
    return hm.collection(request, context, "subjectlog-types", items)


@view_config(context=SubjectLogTypeResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_type(context, request):
    return type_body(request, context)


@view_config(context=SubjectLogTypeResource, name="jsonschema", request_method="GET", permission=Permissions.VIEW)
def get_type_schema(context, request):
    """The JSON Schema of the type's `details`, as shipped."""
    return Response(body=dumps(context.log_type.document), content_type="application/schema+json", charset="UTF-8")
