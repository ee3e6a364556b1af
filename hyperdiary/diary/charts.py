"""The diary's charts: one per `x-charts` entry of the client's configured entry schemas (hyperdiary/charts/)."""
from collections import defaultdict

from sqlalchemy import select

from .. import localtime
from ..charts import Range, day_labels
from ..charts.resources import ChartResource
from .models import Entry


def sources(charts) -> dict:
    """The client's own charts: name -> (title, "entries", entry schema, its x-charts entry)."""
    found = {}
    schemas = charts.request.entry_schemas.get_many(charts.dbsession, charts.client.diary_schemas)
    for schema in schemas:
        for index, chart in enumerate(schema.descriptor["charts"]):
            if isinstance(chart, dict) and isinstance(chart.get("series"), list):
                title = chart.get("title") if isinstance(chart.get("title"), str) else schema.descriptor["title"]
                found[f"{schema.key}-{index}"] = (title, "entries", schema, chart)
    return found


def data(request, chart: ChartResource, bounds: Range) -> dict:
    """An `x-charts` entry: per local day, each series' field tallied (a count per choice), averaged
    (`mean`), summed (`sum`) or counted (`count`)."""
    rows = request.dbsession.execute(
        select(Entry.dt, Entry.fields).where(Entry.client_id == chart.client.id, Entry.schema_id == chart.schema.id,
                                            Entry.deleted.is_(None), *bounds.span.covering(Entry.dt))).all()
    index = {day: n for n, day in enumerate(bounds.days)}
    fields = {field["name"]: field for field in chart.schema.fields}
    series = []
    for spec in chart.chart["series"]:
        if not isinstance(spec, dict) or spec.get("field") not in fields:
            continue
        field = fields[spec["field"]]
        function = spec.get("bucket-function", "count")
        if function == "tally":
            counts = defaultdict(lambda: [0] * len(bounds.days))
            titles = {c["value"]: c["name"] for c in field.get("choices", ())
                      if not isinstance(c["value"], (dict, list))}
            for title in titles.values():
                counts[title]  # every choice is a series, also one without entries
            for row in rows:
                value = row.fields.get(field["name"])
                for each in value if isinstance(value, list) else [value]:
                    if each is not None and not isinstance(each, (dict, list)):
                        counts[titles.get(each, str(each))][index[localtime.local_day(row.dt, bounds.tz)]] += 1
            series += [{"name": name, "values": values} for name, values in counts.items()]
            continue
        buckets = [[] for _ in bounds.days]
        for row in rows:
            value = row.fields.get(field["name"])
            if function == "count" and value is not None:
                value = 1
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                buckets[index[localtime.local_day(row.dt, bounds.tz)]].append(value)
        if function == "mean":
            values = [round(sum(b) / len(b), 2) if b else None for b in buckets]
        else:
            values = [sum(b) if b else (0 if function == "count" else None) for b in buckets]
        series.append({"name": f"{field['title']} ({function})", "values": values})
    y_label = "entries" if all(s.get("bucket-function") in ("tally", "count") for s in chart.chart["series"]
                               if isinstance(s, dict)) else "value"
    return {"type": "line" if chart.chart.get("type") == "line" else "bar", "x_label": "day", "y_label": y_label,
            "categories": day_labels(bounds.days), "series": series}
