"""Subject logs: each subject's `logs`, the entries of a log, and the log types (the CRUD of logs comes from
their kind, hyperdiary/research/__init__.py)."""
import colander
from pyramid.httpexceptions import HTTPConflict
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from ..shapes import DATE_TIME, NULLABLE_TEXT, STRING, described, nullable, obj, representation
from ..documented import Named, Page, documented
from .. import hypermedia as hm
from .. import records
from . import subjectlogs as logs_model
from ..inputs import DateRange, Listing, Paging, StrictString, json_object, parse_datetime, query, span
from .models import SubjectLog, SubjectLogEntry
from ..paging import cursor, keyset_page, records_page
from ..rendering import dumps
from . import SubjectLogKind, entry_times
from .resources import SubjectLogResource, SubjectLogTypeResource, SubjectLogTypesResource, SubjectResource
from ..security import Permissions


# The schemas of what these views answer or read (hyperdiary/documented.py).
SUBJECT_LOG_ENTRY_SCHEMA = Named('SubjectLogEntry', {
        "type": "object",
        "properties": {"date_time": DATE_TIME, "start_date_time": DATE_TIME, "end_date_time": DATE_TIME,
                       "notes": NULLABLE_TEXT,
                       "details": described({"type": "object"}, "checked by the JSON Schema of the log's type")},
        "description": "Instant types: `date_time`; interval types: `start_date_time` and `end_date_time` (not "
                       "before the start). `details` fits the type's `jsonschema`. Two entries of a log are "
                       "never at the same instant.",
    })
LOGGED_ENTRY_SCHEMA = Named('LoggedEntry', {
        "oneOf": [obj(("date_time", "notes", "details"), date_time=DATE_TIME, notes=NULLABLE_TEXT,
                      details={"type": "object"}),
                  obj(("start_date_time", "end_date_time", "notes", "details"), start_date_time=DATE_TIME,
                      end_date_time=nullable(DATE_TIME), notes=NULLABLE_TEXT, details={"type": "object"})],
        "description": "An entry of a log, as the log shows it: an instant type's, or an interval type's.",
    })
SUBJECT_LOG_TYPE_SCHEMA = Named('SubjectLogType', representation(
        "A subject-log type; its `jsonschema` link leads to the JSON Schema of its entries' details.", changes=False,
        name=STRING, title=STRING, description=NULLABLE_TEXT,
        entries={"enum": ["instant", "interval"]}, **{"@id": described(STRING, "the schema's $id")}))
SUBJECT_LOG_ENTRY_TIME_SCHEMA = Named('SubjectLogEntryTime', {
        "type": "object",
        "properties": {"date_time": DATE_TIME, "start_date_time": DATE_TIME},
        "description": "The time of the entry to remove: `date_time`, or `start_date_time` for interval types.",
    })


def log_answer(request, resource: SubjectLogResource) -> dict:
    """A log with every entry and its ETag: what every entry write answers."""
    hm.set_etag(request, resource.log)
    return SubjectLogKind.of(request).representation(request, resource)


class SubjectLogFilter(Listing):
    type = colander.SchemaNode(StrictString(), missing=None, description="only the logs of this subject-log type")


@documented('listSubjectLogsOfSubject', '/subjects/{subject_id}/logs',
            "A subject's logs, newest first; or every change since modified_after", link='logs',
            result=Page('SubjectLog', 'Tombstone'), errors=(404,), query=SubjectLogFilter, tag='subject logs')
@view_config(context=SubjectResource, name="logs", request_method="GET", renderer="json",
             permission=Permissions.VIEW)
def list_subject_logs(context, request):
    """The logs of one subject: for whoever may see the subject (anyone, for a public one); in their kind's
    representation, at their own URLs (below `subjectlogs`)."""
    params = query(request, SubjectLogFilter())
    kind = SubjectLogKind.of(request)
    stmt = kind.filter(request, context, select(*kind.columns).where(SubjectLog.subject_id == context.subject.id),
                       params)
    rows, next_query = records_page(request, stmt, SubjectLog, SubjectLog.created, params)
    items = kind.representations(request, request.root["subjectlogs"], rows)
    return hm.collection(request, context, "subjectlogs", items, next_query=next_query, view_name="logs")


# --- entries ------------------------------------------------------------------------------------------------


def write_entry(request, context: SubjectLogResource, change) -> dict:
    """Write one entry of the log with `change` (add, change or remove), then answer the whole log. The
    log was locked as traversal read it, so that writers of one log take turns and its ETag counts every
    change; a log deleted by the writer this one waited for is a 404."""
    data = json_object(request)
    log = context.log  # locked by traversal (Resource.find), so writers of one log take turns
    hm.check_if_match(request, log)
    log_type = request.subjectlog_types.get(log.type)
    if log_type is None:
        raise HTTPConflict(f"The subject-log type {log.type!r} is not installed: its entries cannot change.")
    change(request.dbsession, log.id, log_type, data)
    records.bump(log, request.now)
    return log_answer(request, context)


@documented('addSubjectLogEntry', '/subjectlogs/{subjectlog_id}/add_entry',
            'Add an entry (members); answers the whole log', link='add_entry', body=SUBJECT_LOG_ENTRY_SCHEMA,
            result='SubjectLog', errors=(403, 404, 409), etag=True, if_match=True)
@view_config(context=SubjectLogResource, name="add_entry", request_method="PATCH", renderer="json",
             permission=Permissions.SUBJECT_WRITE)
def add_entry(context, request):
    return write_entry(request, context, logs_model.add_entry)


@documented('changeSubjectLogEntry', '/subjectlogs/{subjectlog_id}/change_entry',
            "Change the entry at the body's time (members): merged, then checked; answers the whole log",
            link='change_entry', body=SUBJECT_LOG_ENTRY_SCHEMA, result='SubjectLog', errors=(403, 404, 409), etag=True,
            if_match=True)
@view_config(context=SubjectLogResource, name="change_entry", request_method="PATCH", renderer="json",
             permission=Permissions.SUBJECT_WRITE)
def change_entry(context, request):
    return write_entry(request, context, logs_model.change_entry)


@documented('removeSubjectLogEntry', '/subjectlogs/{subjectlog_id}/remove_entry',
            "Remove the entry at the body's time (members); answers the whole log", link='remove_entry',
            body=SUBJECT_LOG_ENTRY_TIME_SCHEMA, result='SubjectLog', errors=(403, 404, 409), etag=True, if_match=True)
@view_config(context=SubjectLogResource, name="remove_entry", request_method="PATCH", renderer="json",
             permission=Permissions.SUBJECT_WRITE)
def remove_entry(context, request):
    return write_entry(request, context, logs_model.remove_entry)


class EntryRange(Paging, DateRange):
    pass


@documented('listSubjectLogEntries', '/subjectlogs/{subjectlog_id}/entries',
            "A log's entries, oldest first, a page at a time", link='entries', result=Page(LOGGED_ENTRY_SCHEMA),
            errors=(404,), query=EntryRange)
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


@documented('listSubjectLogTypes', '/subjectlogs/types/', 'Every subject-log type', link='types',
            result=Page(SUBJECT_LOG_TYPE_SCHEMA), public=True)
@view_config(context=SubjectLogTypesResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_types(context, request):
    """Every subject-log type (a few dozen at most: one page)."""
    items = [type_body(request, SubjectLogTypeResource(context, t.kind, t)) for t in request.subjectlog_types]
    return hm.collection(request, context, "subjectlog-types", items)


@documented('getSubjectLogType', '/subjectlogs/types/{type_name}/', 'A subject-log type', link='type',
            result=SUBJECT_LOG_TYPE_SCHEMA, errors=(404,), public=True,
            parameters={"type_name": "a subject-log type's name"})
@view_config(context=SubjectLogTypeResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_type(context, request):
    return type_body(request, context)


@documented('getSubjectLogTypeJSONSchema', '/subjectlogs/types/{type_name}/jsonschema',
            "The JSON Schema of a type's entry details", link='jsonschema', result='JSONSchema', errors=(404,),
            public=True, media='application/schema+json')
@view_config(context=SubjectLogTypeResource, name="jsonschema", request_method="GET", permission=Permissions.VIEW)
def get_type_schema(context, request):
    """The JSON Schema of the type's `details`, as shipped."""
    return Response(body=dumps(context.log_type.document), content_type="application/schema+json", charset="UTF-8")
