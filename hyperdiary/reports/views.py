"""Reports for professionals: a client's report types, and the reports entriesSince, perWeek and
perSchema (RESOURCES.md). Who may read them is the client's ACL: the client, its professionals, admins."""
import colander
from pyramid.view import view_config
from sqlalchemy import select

from ..shapes import DATE_TIME, STRING, described, obj, page, ref, representation
from ..documented import Named, documented
from .. import hypermedia as hm
from .. import export, localtime
from .. import reports
from ..errors import ValidationFailure, problem
from ..inputs import ZONE, DateOrDateTime, Paging, StrictString, query, valid_time_zone
from ..paging import merged_page
from .resources import EntriesSinceReport, PerWeekReport, Reports
from ..security import Permissions


def report_types(request) -> list[str]:
    """The names of the report types, in the order the domains registered them."""
    return [name for (parent, name) in request.registry.kinds.children if parent is Reports]


# The schemas of what these views answer or read (hyperdiary/documented.py).
COUNT = {"type": "integer", "minimum": 0}
ISO_WEEK = {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$", "description": "an ISO week"}
REPORTS_SCHEMA = Named('Reports',
    representation("A client's report types: links `entriesSince`, `perWeek`, `perSchema`, `scores`.",
                              changes=False))
ENTRIES_SINCE_REPORT_SCHEMA = Named('EntriesSinceReport', described(page(
        {"anyOf": [ref("StoredEntry"), ref("Journal"), ref("Mood")]},
        counts=obj(("entries", "journals", "moods"), entries=COUNT, journals=COUNT, moods=COUNT),
        since=described(DATE_TIME, "the reference instant: the items are at or after it"),
        time_zone=described(STRING, "the IANA zone a reference date was read in"),
        **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor"),
                        "description": "the descriptors of the entry types present in @items"}}),
        "Diary entries, journals and mood logs at or after `since`, newest first, a page at a time; `counts` are "
        "of everything since then, not just this page."))
PER_WEEK_REPORT_SCHEMA = Named('PerWeekReport', representation(
        "Records per ISO week (from the local Monday), the 12 weeks ending with the reference date's, oldest first.",
        changes=False, time_zone=described(STRING, "the IANA zone of the weeks"),
        weeks={"type": "array", "minItems": 12, "maxItems": 12, "items": obj(
            ("week", "entries", "journals", "moods", "goals_completed"), week=ISO_WEEK, entries=COUNT,
            journals=COUNT, moods=COUNT, goals_completed=described(COUNT, "completed tracking items, by due date"))},
    ))


@documented('listReports', '/clients/{client_id}/reports/', 'The report types of a client, as links', link='reports',
            result=REPORTS_SCHEMA, errors=(404,))
@view_config(context=Reports, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_reports(context, request):
    """The report types, each a link by its name."""
    links = hm.links(*(hm.link(request, name, context[name]) for name in report_types(request)))
    return hm.representation(request, context, "reports", links)


# --- the query every report takes -----------------------------------------------------------------------------


class ReportQuery(colander.MappingSchema):
    """`reference_date`: a date (a local calendar day) or a date-time; default today. `time_zone`: the
    zone of the days and weeks, default the client's."""

    reference_date = colander.SchemaNode(
        DateOrDateTime(), missing=None,
        description="a date (that local day) or a date-time; default: today in the zone")
    time_zone = colander.SchemaNode(StrictString(), missing=None, validator=valid_time_zone, description=ZONE)


class EntriesSinceQuery(ReportQuery, Paging):
    pass


OUT_OF_CALENDAR = "Out of range: the report would reach beyond the calendar (years 1 to 9999)."


def out_of_calendar() -> ValidationFailure:
    return ValidationFailure("Invalid query parameters", [problem("reference_date", OUT_OF_CALENDAR)])


def report_body(request, kind: str, zone_name: str, **fields) -> dict:
    """A report's answer: its @url is the request's own (the query is part of what it shows)."""
    return {"@url": request.url, "@type": hm.type_iri(request, kind), "@links": [], "time_zone": zone_name, **fields}


# --- entriesSince ---------------------------------------------------------------------------------------------

@documented('getEntriesSinceReport', '/clients/{client_id}/reports/entriesSince/',
            'Entries, journals and mood logs since the reference date, newest first, with counts per kind',
            link='entriesSince', result=ENTRIES_SINCE_REPORT_SCHEMA, errors=(404,), query=EntriesSinceQuery)
@view_config(context=EntriesSinceReport, request_method="GET", renderer="json", permission=Permissions.VIEW)
def entries_since(context, request):
    """Diary entries, journals and mood logs (the kinds counted as `listed`) at or after the reference instant,
    newest first, each in its usual representation, paged over the merged stream; `counts` of each kind since
    then (not just this page); what each kind adds to a page of its own (entries: `@schemas` of their types)."""
    params = query(request, EntriesSinceQuery())
    zone_name = params["time_zone"] or context.client.time_zone
    try:
        since = reports.reference_instant(params["reference_date"], localtime.zone(zone_name))
    except OverflowError:
        raise out_of_calendar() from None
    client_id = context.client.id
    counts = reports.counts(request.registry)
    # What each kind's items read: plain rows, as the kinds' own listings read them.
    sources = {kind.name: (select(*kind.declaration.columns).where(*reports.live(kind, client_id, kind.time >= since)),
                           kind.time, kind.model.id) for kind in counts.listed}
    rows, after = merged_page(request.dbsession, sources, params["limit"], params["after"])

    client = context.client_resource
    # Each in its kind's representation, each kind's rows of the page in one go.
    represented, extras = {}, {}
    for kind in counts.listed:
        collection = export.holder(client, kind.declaration.parent)[kind.declaration.collection]
        of_kind = [row for name, row in rows if name == kind.name]
        own = kind.declaration.representations(request, collection, of_kind)
        represented.update(zip((row.id for row in of_kind), own))
        extras.update(kind.declaration.page_extras(request, own))
    items = [represented[row.id] for kind, row in rows]
    # The next page continues the same stream: the instant is fixed (today may end, a zone may change).
    next_query = None if after is None else dict(request.GET, limit=params["limit"], after=after,
                                                 reference_date=since.isoformat() + "Z")
    return hm.collection(request, context, "report-entries-since", items, next_query=next_query, **extras, **{
        "since": since, "time_zone": zone_name, "counts": counts.counts_since(request.dbsession, client_id, since)})


# --- perWeek and perSchema ------------------------------------------------------------------------------------


def report_weeks(request, context) -> tuple[str, list[reports.Week]]:
    """(zone name, the 12 ISO weeks ending with the reference date's week) of a report's query."""
    params = query(request, ReportQuery())
    zone_name = params["time_zone"] or context.client.time_zone
    tz = localtime.zone(zone_name)
    try:
        return zone_name, reports.weeks(reports.reference_day(params["reference_date"], tz), tz)
    except OverflowError:
        raise out_of_calendar() from None


@documented('getPerWeekReport', '/clients/{client_id}/reports/perWeek/',
            'Entries, journals, moods and completed goals per ISO week, 12 weeks', link='perWeek',
            result=PER_WEEK_REPORT_SCHEMA, errors=(404,), query=ReportQuery)
@view_config(context=PerWeekReport, request_method="GET", renderer="json", permission=Permissions.VIEW)
def per_week(context, request):
    """`weeks`: entries, journals, moods and completed goals per ISO week, oldest first, zeros included."""
    zone_name, weeks = report_weeks(request, context)
    return report_body(request, "report-per-week", zone_name,
                       weeks=reports.counts(request.registry).per_week(request.dbsession, context.client.id, weeks))
