"""The report `scores` (API.md §13): every score of the client's scored questionnaires over the 12 ISO weeks that
end with the reference date's (as the other reports), oldest first, and per type its first and latest score
and the change between them."""
from pyramid.view import view_config
from sqlalchemy import select

from ... import hypermedia as hm
from ...reports.resources import Report
from ...documented import Named, documented
from ...reports.views import ReportQuery, report_body, report_weeks
from ...shapes import DATE_TIME, STRING, URI, described, nullable, obj, representation
from ...security import Permissions
from ..models import Score


class ScoresReport(Report):
    """Scored questionnaires' scores over 12 weeks, per type."""


SCORES_REPORT_SCHEMA = Named("ScoresReport", representation(
    "The scores of the client's scored questionnaires over the 12 weeks ending with the reference date's.",
    changes=False, time_zone=described(STRING, "the IANA zone of the weeks"),
    rows={"type": "array", "items": obj(("schema", "title", "entry", "time", "value", "band"), schema=STRING,
                                        title=STRING, entry=URI, time=DATE_TIME, value={"type": "integer"},
                                        band=nullable(STRING))},
    summary={"type": "array", "items": obj(("schema", "title", "count", "first", "latest", "change", "band"),
                                           schema=STRING, title=STRING, count={"type": "integer", "minimum": 1},
                                           first={"type": "integer"}, latest={"type": "integer"},
                                           change={"type": "integer"}, band=nullable(STRING))}))


@documented("getScoresReport", "/clients/{client_id}/reports/scores/", "Scores of the scored questionnaires, 12 weeks",
            link="scores", result=SCORES_REPORT_SCHEMA, errors=(404,), query=ReportQuery)
@view_config(context=ScoresReport, request_method="GET", renderer="json", permission=Permissions.VIEW)
def scores_report(context, request):
    """`rows`: each score in the 12 weeks, oldest first; `summary`: per scored type, its count, first and
    latest score, their change, and the latest band."""
    zone_name, weeks = report_weeks(request, context)
    found = request.dbsession.execute(
        select(Score.entry_id, Score.schema_id, Score.dt, Score.value, Score.band)
        .where(Score.client_id == context.client.id, Score.dt >= weeks[0].start, Score.dt < weeks[-1].end)
        .order_by(Score.dt, Score.entry_id)).all()
    schemas = {s.id: s for s in request.entry_schemas.get_many(
        request.dbsession, list(dict.fromkeys(row.schema_id for row in found)))}
    entries = hm.url(request, context.client_resource) + "diary/entries/"
    rows, summary = [], {}
    for row in found:
        title = schemas[row.schema_id].descriptor["title"] if row.schema_id in schemas else row.schema_id
        rows.append({"schema": row.schema_id, "title": title, "entry": f"{entries}{row.entry_id}/", "time": row.dt,
                     "value": row.value, "band": row.band})
        kept = summary.setdefault(row.schema_id, {"schema": row.schema_id, "title": title, "count": 0,
                                                  "first": row.value})
        kept.update(count=kept["count"] + 1, latest=row.value, change=row.value - kept["first"], band=row.band)
    return report_body(request, "report-scores", zone_name, rows=rows, summary=list(summary.values()))
