"""CORS (API.md §11): web front ends on other origins may call the API from a browser.

The origins are listed in the setting `hyperdiary.cors.origins` (environment `HYPERDIARY_CORS_ORIGINS`),
space separated; `*` allows any origin; empty (the default) turns CORS off and this tween away. No
credentials mode: the API authenticates with a bearer token in `Authorization`, never a cookie, so a
page of another origin can only act with a token it was given."""
from pyramid.response import Response
from pyramid.tweens import INGRESS

SETTING = "hyperdiary.cors.origins"
# What a preflight allows: every method of the API (per resource, a 405 says which apply), the request
# headers a client of this API sends, and the response headers it must read (a created record's
# Location, the ETag to send back in If-Match, the JSON-LD context Link).
ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match"
EXPOSE_HEADERS = "ETag, Location, Link"
# Browsers cache a preflight's answer this long (seconds; Chromium caps it at 7,200).
MAX_AGE = "600"


def origins(settings) -> frozenset[str]:
    return frozenset((settings.get(SETTING) or "").split())


def cors_tween(handler, registry):
    allowed = origins(registry.settings)
    if not allowed:
        return handler
    any_origin = "*" in allowed

    def cors(request):
        origin = request.headers.get("Origin")
        if (request.method == "OPTIONS" and origin is not None
                and "Access-Control-Request-Method" in request.headers):
            # A preflight: the browser asks before the real request, without its Authorization header,
            # so it is answered here, before authentication and traversal (and needs no database).
            response = Response(status=204)
            if any_origin or origin in allowed:
                response.headers.update({
                    "Access-Control-Allow-Methods": ALLOW_METHODS,
                    "Access-Control-Allow-Headers": ALLOW_HEADERS,
                    "Access-Control-Max-Age": MAX_AGE,
                })
        else:
            response = handler(request)
        if origin is not None and (any_origin or origin in allowed):
            response.headers["Access-Control-Allow-Origin"] = "*" if any_origin else origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        if not any_origin:
            # The answer depends on the Origin header: a cache must not hand one origin's answer to another.
            response.vary = tuple(dict.fromkeys((*(response.vary or ()), "Origin")))
        return response

    return cors


def includeme(config):
    config.add_tween("hyperdiary.cors.cors_tween", under=INGRESS)
