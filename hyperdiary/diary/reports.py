"""The diary's report: perSchema, diary entries per ISO week and entry type over the reports' 12 weeks
(hyperdiary/reports/: the weeks, the query, the answer's shape)."""
from pyramid.view import view_config

from .. import hypermedia as hm
from .. import reports
from ..reports.resources import Report
from ..reports.views import report_body, report_weeks
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


@view_config(context=PerSchemaReport, request_method="GET", renderer="json", permission=Permissions.VIEW)
def per_schema_report(context, request):
    """`rows`: diary entries per ISO week and entry type (no zero rows), with `@schemas` of those types."""
    zone_name, weeks = report_weeks(request, context)
    rows = per_schema(request.dbsession, context.client.id, weeks)
    schemas = request.entry_schemas.get_many(request.dbsession, sorted({row["@type"] for row in rows}))
    return report_body(request, "report-per-schema", zone_name, rows=rows,
                       **{"@schemas": hm.schema_descriptors(request, schemas)})
