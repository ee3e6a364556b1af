"""The journals' chart: journals per local day (hyperdiary/charts/)."""
from sqlalchemy import func, select

from ..charts import Range, day_labels
from .models import Journal


def data(request, chart, bounds: Range) -> dict:
    """Journals per local day, counted by the database as journals.stats counts them."""
    conditions = [Journal.client_id == chart.client.id, Journal.deleted.is_(None),
                  *bounds.span.covering(Journal.journal_timestamp)]
    values = [0] * len(bounds.days)
    day = bounds.span.local_date_of(request.dbsession, Journal.journal_timestamp, conditions)
    if day is not None:
        day = day.label("day")  # one label, grouped by its name (PostgreSQL wants the same expression)
        index = {each.isoformat(): n for n, each in enumerate(bounds.days)}
        for row in request.dbsession.execute(select(day, func.count().label("count"))
                                             .where(*conditions).group_by(day)):
            if row.day in index:
                values[index[row.day]] = row.count
    return {"type": "bar", "x_label": "day", "y_label": "journals", "categories": day_labels(bounds.days),
            "series": [{"name": "journals", "values": values}]}
