"""A client's mood statistics per local day (the CRUD of mood logs comes from their kind, hyperdiary/moods.py)."""
from pyramid.view import view_config

from .. import hypermedia as hm
from .. import moods as moods_model
from ..inputs import DateRange, query, span
from .resources import Moods
from ..security import Permissions


@view_config(context=Moods, name="stats", request_method="GET", renderer="json", permission=Permissions.VIEW)
def mood_stats(context, request):
    """`{"moodstats": [{logdate, mood, count, reasons}]}`: one row per local day and mood."""
    params = query(request, DateRange())
    bounds = span(params, context.client.time_zone)
    rows = moods_model.stats(request.dbsession, context.client.id, bounds)
    return {"@url": request.url, "@type": hm.type_iri(request, "mood-stats"), "@links": [],
            "time_zone": params["time_zone"] or context.client.time_zone, "moodstats": rows}
