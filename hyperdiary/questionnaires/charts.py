"""A chart per scored type (API.md §13): the score over the range's local days (the day's latest score), with the
schema's bands, shaded in the drawing (pages/svg.py) and listed in the JSON."""
from sqlalchemy import select

from .. import localtime
from .models import Score

def sources(charts) -> dict:
    """The client's score charts (charts.add_chart_source): one per scored schema of its diary's configuration,
    name -> (title, "scores", the schema, None)."""
    found = {}
    for schema in charts.request.entry_schemas.get_many(charts.dbsession, charts.client.diary_schemas):
        if schema.scoring is not None:
            found[f"{schema.key}-score"] = (f"{schema.descriptor['title']} score", "scores", schema, None)
    return found


def score_chart(request, chart, bounds) -> dict:
    rows = request.dbsession.execute(
        select(Score.dt, Score.value).where(Score.client_id == chart.client.id, Score.schema_id == chart.schema.id,
                                            *bounds.span.covering(Score.dt)).order_by(Score.dt)).all()
    index = {day: n for n, day in enumerate(bounds.days)}
    values = [None] * len(bounds.days)
    for row in rows:  # oldest first: a day shows its latest score
        values[index[localtime.local_day(row.dt, bounds.tz)]] = row.value
    scoring = chart.schema.scoring
    return {"type": "line", "x_label": "day", "y_label": "score", "categories": [d.isoformat() for d in bounds.days],
            "series": [{"name": chart.title, "values": values}],
            "bands": [{"min": low, "max": high, "label": label} for low, high, label in scoring.bands]}
