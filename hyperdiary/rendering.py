"""JSON out: orjson (several times faster than the standard library, and it writes datetimes itself,
as RFC 3339 UTC with a `Z`), plus the headers every response carries."""
import orjson

from . import linkeddata

JSON_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z
CONTENT_TYPE = "application/json"


HTML = "text/html"
# What a representation can be: JSON (the default: what `*/*`, no Accept and every tie get), its JSON-LD form
# (linkeddata.py), its page (pages/).
OFFERS = (CONTENT_TYPE, linkeddata.MEDIA_TYPE, HTML)


def preferred(request, offers) -> str:
    """The one of `offers` the request's Accept header ranks first; the first offer on a tie or when none
    is acceptable."""
    found = request.accept.acceptable_offers(offers)
    return found[0][0] if found else offers[0]


def negotiated(request) -> str:
    """The media type of the representation the request prefers (one of OFFERS). A header that names neither
    a `text/` type nor the JSON-LD type prefers JSON: webob is not asked (its parse cost every API request,
    curl's `*/*` included, some 40 K instructions)."""
    accept = request.headers.get("Accept", "")
    if "text/" not in accept and linkeddata.MEDIA_TYPE not in accept:
        return CONTENT_TYPE
    # A browser sends the same header with every request: what it prefers is worked out once per process
    # and header (webob's parse cost some 0.2 M instructions a page), a bounded table of header -> media type.
    found = PREFERRED.get(accept)
    if found is None:
        found = preferred(request, OFFERS)
        if len(PREFERRED) < PREFERRED_SIZE:
            PREFERRED[accept] = found
    return found


# Accept header -> the one of OFFERS it prefers: a function of the header alone. Bounded (headers are the
# callers'): once full, a new header is parsed each time.
PREFERRED: dict[str, str] = {}
PREFERRED_SIZE = 256


def add_vary(response):
    """`Vary: Accept`: the JSON, JSON-LD and HTML forms of one URL are not one another's cache entries."""
    vary = response.vary or ()
    if "Accept" not in vary:
        response.vary = tuple(vary) + ("Accept",)


class OrjsonRenderer:
    """A view's dict as JSON, or in the JSON-LD form a request asks for (linkeddata.py)."""

    def __init__(self, info):
        pass

    def __call__(self, value, system):
        request = system.get("request")
        if request is not None:
            response = request.response
            add_vary(response)
            if response.content_type == response.default_content_type:
                media_type = negotiated(request)
                if media_type == HTML:  # the pages' tween makes the page of the JSON
                    media_type = CONTENT_TYPE
                response.content_type = media_type
                response.charset = "UTF-8"
                if media_type == linkeddata.MEDIA_TYPE:
                    value = linkeddata.document(request, value)
        return orjson.dumps(value, option=JSON_OPTIONS)


def dumps(value) -> bytes:
    return orjson.dumps(value, option=JSON_OPTIONS)


CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


NO_STORE = "max-age=0, no-cache, no-store, must-revalidate"


def add_headers(request, response):
    """Health data must not linger in shared caches; and every answer points at the JSON-LD context
    that lets a JSON-LD processor expand it. A response callback of every request (request.Request), so
    after every tween, as a NewResponse subscriber would be (no subscriber: see security.Traverser)."""
    headers = response.headerlist
    if not any(name.lower() == "cache-control" for name, _ in headers):
        headers.append(("Cache-Control", NO_STORE))
    headers.append(("Link", f'<{request.base_url}context.jsonld>; rel="{CONTEXT_REL}"'))


def includeme(config):
    config.add_renderer("json", OrjsonRenderer)
