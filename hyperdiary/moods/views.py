"""A client's mood statistics per local day (the CRUD of mood logs comes from their kind, hyperdiary/moods/__init__.py)."""
from pyramid.view import view_config

from ..shapes import DATE, STRING, described, obj, representation
from ..documented import Named, documented
from .. import hypermedia as hm
from .. import moods as moods_model
from ..inputs import DateRange, query, span
from .resources import Moods
from ..security import Permissions


# The schemas of what these views answer or read (hyperdiary/documented.py).
MOOD_STATS_SCHEMA = Named('MoodStats', representation(
        "Mood logs counted per local day and mood.", changes=False,
        time_zone=described(STRING, "the IANA zone of the days"),
        moodstats={"type": "array", "items": obj(
            ("logdate", "mood", "count", "reasons"), logdate=DATE, mood=STRING,
            count={"type": "integer", "minimum": 1}, reasons={"type": "array", "items": STRING})}))


@documented('getMoodStats', '/clients/{client_id}/moods/stats', 'Mood logs counted per local day and mood',
            link='moods.stats', result=MOOD_STATS_SCHEMA, errors=(404,), query=DateRange)
@view_config(context=Moods, name="stats", request_method="GET", renderer="json", permission=Permissions.VIEW)
def mood_stats(context, request):
    """`{"moodstats": [{logdate, mood, count, reasons}]}`: one row per local day and mood."""
    params = query(request, DateRange())
    bounds = span(params, context.client.time_zone)
    rows = moods_model.stats(request.dbsession, context.client.id, bounds)
    return {"@url": request.url, "@type": hm.type_iri(request, "mood-stats"), "@links": [],
            "time_zone": params["time_zone"] or context.client.time_zone, "moodstats": rows}
