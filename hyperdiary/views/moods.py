"""A client's mood logs: create, list (with sync), change, delete, and the statistics per local day."""
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config
from sqlalchemy import select

from .. import hypermedia as hm
from .. import localtime
from .. import moods as moods_model
from ..errors import ValidationFailure, problem
from ..goals import OUT_OF_RANGE
from ..inputs import DateRange, Listing, json_object, parse_datetime, query, span, writable
from ..models import Mood
from ..paging import records_page
from ..resources.moods import MoodResource, Moods
from ..security import Permissions


def mood_body(request, url: str, mood) -> dict:
    body = {"@url": url, "@type": hm.type_iri(request, "mood"), "@links": [], "@changes": hm.changes(mood)}
    for name in moods_model.FIELDS:
        body[name] = getattr(mood, name)
    return body


def checked(request, data: dict, current: Mood | None = None) -> dict:
    """The fields, merged onto `current` (a PATCH; a null logdate there keeps the stored one), valid."""
    if current is not None:
        if "logdate" in data and data["logdate"] is None:
            del data["logdate"]
        data = dict(moods_model.stored_fields(current), **data)
    fields = request.bodies.check("mood", data)
    if fields.get("logdate") and not localtime.reckonable(parse_datetime(fields["logdate"])):
        raise ValidationFailure("Invalid JSON input", [problem("logdate", OUT_OF_RANGE)])
    return fields


@view_config(context=Moods, request_method="POST", renderer="json", permission=Permissions.MOODS_WRITE)
def create_mood(context, request):
    fields = checked(request, writable(json_object(request)))
    mood = moods_model.create_mood(request.dbsession, context.client.id, fields)
    url = f"{hm.url(request, context)}{mood.id}/"
    hm.written(request, url, mood)
    return mood_body(request, url, mood)


@view_config(context=Moods, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_moods(context, request):
    """Most recent logdate first; with `modified_after`, every change since then (tombstones included)."""
    params = query(request, Listing())
    rows, next_query = records_page(request, select(Mood).where(Mood.client_id == context.client.id), Mood,
                                    Mood.logdate, params)
    moods_url = hm.url(request, context)
    items = hm.records(request, rows, moods_url, hm.type_iri(request, "mood"),
                       lambda mood: mood_body(request, f"{moods_url}{mood.id}/", mood))
    return hm.collection(request, context, "moods", items, next_query=next_query)


@view_config(context=Moods, name="stats", request_method="GET", renderer="json", permission=Permissions.VIEW)
def mood_stats(context, request):
    """`{"moodstats": [{logdate, mood, count, reasons}]}`: one row per local day and mood."""
    params = query(request, DateRange())
    bounds = span(params, context.client.time_zone)
    rows = moods_model.stats(request.dbsession, context.client.id, bounds)
    return {"@url": request.url, "@type": hm.type_iri(request, "mood-stats"), "@links": [],
            "time_zone": params["time_zone"] or context.client.time_zone, "moodstats": rows}


@view_config(context=MoodResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_mood(context, request):
    hm.set_etag(request, context.mood)
    return mood_body(request, hm.url(request, context), context.mood)


@view_config(context=MoodResource, request_method="PATCH", renderer="json", permission=Permissions.MOODS_WRITE)
def patch_mood(context, request):
    """Merges the fields given (null clears one) and revalidates."""
    data = writable(json_object(request))
    mood = context.mood
    hm.check_if_match(request, mood)
    moods_model.update_mood(mood, checked(request, data, mood))
    hm.set_etag(request, mood)
    return mood_body(request, hm.url(request, context), mood)


@view_config(context=MoodResource, request_method="DELETE", permission=Permissions.MOODS_WRITE)
def delete_mood(context, request):
    hm.check_if_match(request, context.mood)
    moods_model.delete_mood(context.mood)
    return HTTPNoContent()
