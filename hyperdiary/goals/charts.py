"""The goals' chart: completed tracking items per ISO week (hyperdiary/charts/)."""
import datetime

from .. import reports
from ..charts import Range


def data(request, chart, bounds: Range) -> dict:
    """The reports' perWeek: completed tracking items per ISO week (by due date), the weeks the range touches."""
    weeks = {}
    day = bounds.todate
    while True:
        block = reports.weeks(day, bounds.tz)
        for row in reports.counts(request.registry).per_week(request.dbsession, chart.client.id, block):
            weeks[row["week"]] = row["goals_completed"]
        if block[0].start <= bounds.span.start:
            break
        day -= datetime.timedelta(weeks=reports.WEEKS)
    wanted = sorted({reports.iso_week(each) for each in bounds.days})
    return {"type": "bar", "x_label": "ISO week", "y_label": "completed", "categories": wanted,
            "series": [{"name": "goals completed", "values": [weeks.get(week, 0) for week in wanted]}]}
