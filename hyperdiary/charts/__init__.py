"""Charts: what a client's `charts` link lists, each drawn as SVG by the server for a date range; which
charts, and their data, the domains register (ChartKinds: entries, moods, journals, goals).

Each chart is data first (`data`: categories, series, axis labels) and a drawing second (svg.py), so the
JSON form of a chart (`Accept: application/json`) and its SVG (`Accept: image/svg+xml`) agree; its page
shows the SVG with a date-range control. The numbers come from the existing statistics where there are
some (moods.stats for moods, reports' perWeek for completed goals); entries' `x-charts` and journals are
counted per local day like journals.stats does.
"""
import datetime

from pyramid.response import Response
from pyramid.view import view_config

from ..shapes import DATE, STRING, URI, described, obj, representation
from ..documented import Named, Page, documented
from .. import hypermedia as hm
from .. import localtime
from ..errors import ValidationFailure, problem
from ..inputs import DateRange, query
from .resources import ChartResource, Charts
from ..clients.resources import ClientResource
from ..security import Permissions
from ..pages import svg

DEFAULT_DAYS = 28
MAX_DAYS = 400  # as goals.tracker: one drawing stays readable and one answer small
SVG = "image/svg+xml"


# The schemas of what these views answer or read (hyperdiary/documented.py).
CHART_SCHEMA = Named('Chart', representation(
        "A chart's data for a date range (with Accept: image/svg+xml, its drawing as SVG).", changes=False,
        optional=("time_zone", "type", "x_label", "y_label", "bands"),
        title=STRING, kind={"enum": ["entries", "moods", "journals", "goals", "scores"]},
        bands=described({"type": "array", "items": obj(("min", "max", "label"), min={"type": "integer"},
                                                       max={"type": "integer"}, label=STRING)},
                        "a score chart's bands (x-scoring), shaded in its drawing"), fromdate=DATE, todate=DATE,
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


def day_labels(days) -> list[str]:
    return [day.isoformat() for day in days]


class ChartKinds:
    """What the domains register: the data of each kind of chart, {kind: data(request, chart, bounds)}; the charts
    every client has, {name: (title, kind)}; and the sources of a client's own charts (`source(charts)` ->
    {name: (title, kind, entry schema or None, its x-charts entry or None)}), listed first."""

    def __init__(self):
        self.data, self.fixed, self.sources, self.places = {}, {}, [], {}
        self.pages = (ClientResource,)  # the pages that show every chart of the client (and below a client)


def add_chart(config, kind: str, data, name: str | None = None, title: str | None = None, place: int = 0):
    """`config.add_chart("moods", moods_per_day, name="moods", title="Moods per day", place=1)`: how to draw a
    kind of chart (its `data`: categories, series, axis labels), and with a `name`, a chart every client has,
    listed by `place` (RESOURCES.md's order: moods, journals, goals)."""
    charts = config.registry["charts"]
    charts.data[kind] = data
    if name is not None:
        charts.fixed[name] = (title, kind)
        charts.fixed = dict(sorted(charts.fixed.items(), key=lambda item: charts.places.setdefault(item[0], place)))


def add_chart_source(config, source, page: type | None = None):
    """`config.add_chart_source(source)`: charts a client has of its own (entries: its diary's `x-charts`); a
    `page`, a resource class below a client whose page shows every chart of the client too (the diary)."""
    charts = config.registry["charts"]
    charts.sources.append(source)
    if page is not None:
        charts.pages += (page,)


def data(request, chart: ChartResource, bounds: Range) -> dict:
    return request.registry["charts"].data[chart.kind](request, chart, bounds)


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
    elif isinstance(context, request.registry["charts"].pages) and not request.view_name:
        resource = context
        while not resource.holds_client:  # the client's resource, whose charts these are
            resource = resource.__parent__
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
    config.registry["charts"] = ChartKinds()
    config.add_directive("add_chart", add_chart)
    config.add_directive("add_chart_source", add_chart_source)
    config.registry["page_charts"] = on_page
    config.add_child(ClientResource, "charts", Charts)
    config.include(".pages")
    config.scan(__name__)
