"""The moods' chart: mood logs per local day and mood (hyperdiary/charts/)."""
from collections import defaultdict

from .. import moods
from ..charts import Range, day_labels


def data(request, chart, bounds: Range) -> dict:
    """moods.stats: mood logs per local day and mood."""
    index = {day.isoformat(): n for n, day in enumerate(bounds.days)}
    counts = defaultdict(lambda: [0] * len(bounds.days))
    for row in moods.stats(request.dbsession, chart.client.id, bounds.span):
        if row["logdate"] in index:
            counts[row["mood"]][index[row["logdate"]]] += row["count"]
    return {"type": "bar", "x_label": "day", "y_label": "mood logs", "categories": day_labels(bounds.days),
            "series": [{"name": mood, "values": values} for mood, values in sorted(counts.items())]}
