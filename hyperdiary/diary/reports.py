"""The diary's report: perSchema, diary entries per ISO week and entry type over the reports' 12 weeks
(hyperdiary/reports/: the weeks, the query, the answer's shape)."""
from pyramid.view import view_config

from .. import hypermedia as hm
from .. import reports
from ..documented import Named, documented
from ..reports.resources import Report
from ..reports.views import ISO_WEEK, ReportQuery, report_body, report_weeks
from ..shapes import STRING, described, obj, ref, representation
from ..security import Permissions
from .models import Entry


class PerSchemaReport(Report):
    """Diary entries per ISO week and entry type, over 12 weeks."""


def _per_schema():
    """Built once: composing the statement costs more than running it."""
    entries = reports.Kind("entries", Entry, Entry.dt, None, None, True)
    return reports._weekly(entries, by=(Entry.schema_id,)).order_by("week", Entry.schema_id)


PER_SCHEMA = _per_schema()


def per_schema(dbsession, client_id: str, weeks_: list[reports.Week]) -> list[dict]:
    """Diary entries per week and entry type ($id), by week (oldest first) and then $id; no zero rows."""
    return [{"week": weeks_[row.week].label, "@type": row.schema_id, "count": row.count}
            for row in dbsession.execute(PER_SCHEMA, reports._parameters(client_id, weeks_))]


PER_SCHEMA_REPORT_SCHEMA = Named('PerSchemaReport', representation(
        "Diary entries per ISO week and entry type over the 12 weeks ending with the reference date's; no zero rows.",
        changes=False, time_zone=described(STRING, "the IANA zone of the weeks"),
        rows={"type": "array", "items": obj(("week", "@type", "count"), week=ISO_WEEK, count={
            "type": "integer", "minimum": 1}, **{"@type": described(STRING, "the $id of the entry schema")})},
        **{"@schemas": {"type": "array", "items": ref("SchemaDescriptor"),
                        "description": "the descriptors of the entry types in `rows`"}},
    ))


@documented('getPerSchemaReport', '/clients/{client_id}/reports/perSchema/',
            'Diary entries per ISO week and entry type, 12 weeks', link='perSchema', result=PER_SCHEMA_REPORT_SCHEMA,
            errors=(404,), query=ReportQuery)
@view_config(context=PerSchemaReport, request_method="GET", renderer="json", permission=Permissions.VIEW)
def per_schema_report(context, request):
    """`rows`: diary entries per ISO week and entry type (no zero rows), with `@schemas` of those types."""
    zone_name, weeks = report_weeks(request, context)
    rows = per_schema(request.dbsession, context.client.id, weeks)
    schemas = request.entry_schemas.get_many(request.dbsession, sorted({row["@type"] for row in rows}))
    return report_body(request, "report-per-schema", zone_name, rows=rows,
                       **{"@schemas": hm.schema_descriptors(request, schemas)})
