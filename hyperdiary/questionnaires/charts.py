"""A chart per scored type (API.md §13): the score over the range's local days (the day's latest score), with the
schema's bands, shaded in the drawing (pages/svg.py) and listed in the JSON."""
from sqlalchemy import select

from .. import localtime
from .models import Score

def specs(schema) -> dict:
    """The charts a configured schema adds to a client's: its score's, when it is scored."""
    if schema.scoring is None:
        return {}
    title = schema.descriptor["title"]
    return {f"{schema.key}-score": (f"{title} score", "scores", schema, None)}


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
