"""JSON out: orjson (several times faster than the standard library, and it writes datetimes itself,
as RFC 3339 UTC with a `Z`), plus the headers every response carries."""
import orjson
from pyramid.events import NewResponse

from . import linkeddata

JSON_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z
CONTENT_TYPE = "application/json"


# What a representation can be rendered as, the default first (what `*/*` and no Accept get).
OFFERS = (CONTENT_TYPE, linkeddata.MEDIA_TYPE)


def negotiated(request) -> str:
    """The media type of the representation the request prefers."""
    # Only a header that names the JSON-LD type can prefer it: webob is not asked otherwise (curl's */*).
    if linkeddata.MEDIA_TYPE not in request.headers.get("Accept", ""):
        return CONTENT_TYPE
    offers = request.accept.acceptable_offers(OFFERS)
    return offers[0][0] if offers else CONTENT_TYPE


class OrjsonRenderer:
    """A view's dict as JSON, or in the JSON-LD form a request asks for (linkeddata.py)."""

    def __init__(self, info):
        pass

    def __call__(self, value, system):
        request = system.get("request")
        if request is not None:
            response = request.response
            response.vary = tuple(dict.fromkeys((*(response.vary or ()), "Accept")))
            if response.content_type == response.default_content_type:
                media_type = negotiated(request)
                response.content_type = media_type
                response.charset = "UTF-8"
                if media_type == linkeddata.MEDIA_TYPE:
                    value = linkeddata.document(request, value)
        return orjson.dumps(value, option=JSON_OPTIONS)


def dumps(value) -> bytes:
    return orjson.dumps(value, option=JSON_OPTIONS)


CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def add_headers(event: NewResponse):
    """Health data must not linger in shared caches; and every answer points at the JSON-LD context
    that lets a JSON-LD processor expand it."""
    response = event.response
    response.headers.setdefault("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate")
    context_url = event.request.application_url + "/context.jsonld"
    response.headers.add("Link", f'<{context_url}>; rel="{CONTEXT_REL}"')


def includeme(config):
    config.add_renderer("json", OrjsonRenderer)
    config.add_subscriber(add_headers, NewResponse)
