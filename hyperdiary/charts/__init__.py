"""Charts: what a client's `charts` link lists, each drawn as SVG by the server for a date range.

Each chart is data first (`data`: categories, series, axis labels) and a drawing second (svg.py), so the
JSON form of a chart (`Accept: application/json`) and its SVG (`Accept: image/svg+xml`) agree; its page
shows the SVG with a date-range control. The numbers come from the existing statistics where there are
some (moods.stats for moods, reports.per_week for completed goals); entries' `x-charts` and journals are
counted per local day like journals.stats does.
"""
import datetime
from collections import defaultdict

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import func, select

from ..shapes import DATE, STRING, URI, obj, representation
from ..documented import Named, Page, documented
from .. import hypermedia as hm
from .. import localtime
from .. import moods as moods_model
from .. import reports
from ..errors import ValidationFailure, problem
from ..inputs import DateRange, query
from ..diary.models import Entry
from ..journals.models import Journal
from .resources import ChartResource, Charts
from ..clients.resources import ClientResource
from ..diary.resources import Diary
from ..security import Permissions
from ..pages import svg

DEFAULT_DAYS = 28
MAX_DAYS = 400  # as goals.tracker: one drawing stays readable and one answer small
SVG = "image/svg+xml"


# The schemas of what these views answer or read (hyperdiary/documented.py).
CHART_SCHEMA = Named('Chart', representation(
        "A chart's data for a date range (with Accept: image/svg+xml, its drawing as SVG).", changes=False,
        optional=("time_zone", "type", "x_label", "y_label"),
        title=STRING, kind={"enum": ["entries", "moods", "journals", "goals"]}, fromdate=DATE, todate=DATE,
        time_zone=STRING, type={"enum": ["bar", "line"]}, x_label=STRING, y_label=STRING,
        categories={"type": "array", "items": STRING},
        series={"type": "array", "items": obj(("name", "values"), name=STRING, values={
            "type": "array", "items": {"type": ["number", "null"]}})}))
CHART_LINK_SCHEMA = Named('ChartLink', obj(("@url", "title", "kind"), **{"@url": URI, "title": STRING, "kind": STRING}))


class Range:
    """The days a chart covers: `fromdate`..`todate` (dates, both inclusive) in `time_zone` (default the
    client's); by default the 28 days that end today."""

    def __init__(self, request, client):
        params = query(request, DateRange())
        zone_name = params["time_zone"] or client.time_zone
        self.tz = localtime.zone(zone_name)
        self.zone_name = zone_name
        today = datetime.datetime.now(self.tz).date()
        as_day = (lambda value: value.astimezone(self.tz).date() if isinstance(value, datetime.datetime)
                  else value)
        todate = as_day(params["todate"]) if params["todate"] is not None else None
        fromdate = as_day(params["fromdate"]) if params["fromdate"] is not None else None
        if todate is None:
            todate = max(today, fromdate) if fromdate is not None and fromdate > today else today
        if fromdate is None:
            fromdate = todate - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if fromdate > todate:
            raise ValidationFailure("Invalid query parameters", [problem("fromdate", "fromdate comes after todate.")])
        if (todate - fromdate).days + 1 > MAX_DAYS:
            raise ValidationFailure("Invalid query parameters",
                                    [problem("todate", f"A chart covers at most {MAX_DAYS} days.")])
        if not (localtime.reckonable(fromdate) and localtime.reckonable(todate + datetime.timedelta(days=1))):
            raise ValidationFailure("Invalid query parameters", [problem("fromdate", "Out of range.")])
        self.fromdate, self.todate = fromdate, todate
        self.days = [fromdate + datetime.timedelta(days=n) for n in range((todate - fromdate).days + 1)]
        self.span = localtime.Span(localtime.day_start(fromdate, self.tz),
                                   localtime.day_start(todate + datetime.timedelta(days=1), self.tz), self.tz)

    def query(self) -> dict:
        return {"fromdate": self.fromdate.isoformat(), "todate": self.todate.isoformat(), "time_zone": self.zone_name}


def _day_labels(days) -> list[str]:
    return [day.isoformat() for day in days]


def _entries(request, chart: ChartResource, bounds: Range) -> dict:
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
            "categories": _day_labels(bounds.days), "series": series}


def _moods(request, chart, bounds: Range) -> dict:
    """moods.stats: mood logs per local day and mood."""
    index = {day.isoformat(): n for n, day in enumerate(bounds.days)}
    counts = defaultdict(lambda: [0] * len(bounds.days))
    for row in moods_model.stats(request.dbsession, chart.client.id, bounds.span):
        if row["logdate"] in index:
            counts[row["mood"]][index[row["logdate"]]] += row["count"]
    return {"type": "bar", "x_label": "day", "y_label": "mood logs", "categories": _day_labels(bounds.days),
            "series": [{"name": mood, "values": values} for mood, values in sorted(counts.items())]}


def _journals(request, chart, bounds: Range) -> dict:
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
    return {"type": "bar", "x_label": "day", "y_label": "journals", "categories": _day_labels(bounds.days),
            "series": [{"name": "journals", "values": values}]}


def _goals(request, chart, bounds: Range) -> dict:
    """reports.per_week: completed tracking items per ISO week (by due date), the weeks the range touches."""
    weeks = {}
    day = bounds.todate
    while True:
        block = reports.weeks(day, bounds.tz)
        for row in reports.per_week(request.dbsession, chart.client.id, block):
            weeks[row["week"]] = row["goals_completed"]
        if block[0].start <= bounds.span.start:
            break
        day -= datetime.timedelta(weeks=reports.WEEKS)
    wanted = sorted({reports.iso_week(each) for each in bounds.days})
    return {"type": "bar", "x_label": "ISO week", "y_label": "completed", "categories": wanted,
            "series": [{"name": "goals completed", "values": [weeks.get(week, 0) for week in wanted]}]}


DATA = {"entries": _entries, "moods": _moods, "journals": _journals, "goals": _goals}


def data(request, chart: ChartResource, bounds: Range) -> dict:
    return DATA[chart.kind](request, chart, bounds)


def chart_item(request, chart: ChartResource) -> dict:
    return {"@url": hm.url(request, chart), "title": chart.title, "kind": chart.kind}


@documented('listCharts', '/clients/{client_id}/charts/', "A client's charts", link='charts',
            result=Page(CHART_LINK_SCHEMA), errors=(404,))
@view_config(context=Charts, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_charts(context, request):
    """Every chart of the client, in one page (a handful)."""
    items = [chart_item(request, context[name]) for name in context.specs()]
    return hm.collection(request, context, "charts", items)


def wants_svg(request) -> bool:
    offers = request.accept.acceptable_offers(("application/json", SVG))
    return bool(offers) and offers[0][0] == SVG


@documented('getChart', '/clients/{client_id}/charts/{chart_name}/',
            'A chart for a range of local days (default: the last 28); SVG for Accept: image/svg+xml',
            result=CHART_SCHEMA, errors=(404,), query=DateRange,
            parameters={"chart_name": "from the chart's @url"})
@view_config(context=ChartResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_chart(context, request):
    """SVG for `Accept: image/svg+xml` (what a browser's <img> asks for); else the chart's data as JSON
    (and so, for a browser's page request, the page with the drawing and its range control)."""
    bounds = Range(request, context.client)
    drawn = data(request, context, bounds)
    if wants_svg(request):
        response = Response(svg.draw(request, context.title, drawn, bounds), content_type=SVG, charset="UTF-8")
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        response.vary = ("Accept",)
        return response
    body = hm.representation(request, context, "chart", [], title=context.title)
    body.update(kind=context.kind, **bounds.query(), **drawn)
    body["@url"] = request.url
    return body


# --- charts on the pages of a client, its diary and a chart -------------------------------------------


def on_page(request, context, body: dict) -> dict | None:
    """The charts a page shows, with the range its query asks for: every chart of the client on the
    client's and the diary's page (when the body links `charts` or the diary's client has it), the one
    chart on its own page."""
    if isinstance(context, ChartResource):
        charts = [context]
    elif isinstance(context, (ClientResource, Diary)) and not request.view_name:
        resource = context if isinstance(context, ClientResource) else context.__parent__
        container = resource["charts"]
        if not request.has_permission(Permissions.VIEW, container):
            return None
        charts = [container[name] for name in container.specs()]
    else:
        return None
    try:
        bounds = Range(request, charts[0].client)
    except ValidationFailure:
        return None
    shown = []
    for chart in charts:
        # One URL: the <img> asks for image/svg+xml and gets the drawing, a click asks for a page.
        url = hm.url(request, chart, query=bounds.query())
        shown.append({"title": chart.title, "page": url, "svg": url})
    return {"fromdate": bounds.fromdate.isoformat(), "todate": bounds.todate.isoformat(), "charts": shown}


def includeme(config):
    config.add_child(ClientResource, "charts", Charts)
    config.scan(__name__)
