"""The pages as an installable app (API.md §15): a web app manifest, a service worker at the root (its scope is
every page: served from /static/ it could only control /static/), and a favicon where browsers look for one."""
import pathlib

import orjson
from pyramid.response import Response

from ..security import Permissions

STATIC = pathlib.Path(__file__).resolve().parent / "static"


def manifest(context, request):
    icon = request.static_url("hyperdiary.pages:static/icon.svg")
    body = {"name": "hyperdiary", "short_name": "hyperdiary", "description": "Your diary, with your care team.",
            "start_url": request.application_url + "/", "scope": request.application_url + "/",
            "display": "standalone", "background_color": "#ffffff", "theme_color": "#14304f",
            "icons": [{"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
                      {"src": icon, "sizes": "512x512", "type": "image/svg+xml", "purpose": "any"}]}
    response = Response(orjson.dumps(body), content_type="application/manifest+json", charset="utf-8")
    response.cache_control.max_age = 3600
    return response


def service_worker(context, request):
    response = Response((STATIC / "sw.js").read_bytes(), content_type="text/javascript", charset="utf-8")
    # A browser checks for a new worker on each visit; no cache stands between.
    response.cache_control.no_cache = True
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    return response


def favicon(context, request):
    response = Response((STATIC / "icon.svg").read_bytes(), content_type="image/svg+xml")
    response.cache_control.max_age = 86400
    return response


def includeme(config):
    # Routes, as the static files are: files of the pages, not resources of the API (no OpenAPI operation).
    for name, view in (("manifest.webmanifest", manifest), ("sw.js", service_worker), ("favicon.ico", favicon)):
        config.add_route(f"pages:{name}", f"/{name}", request_method=("GET", "HEAD"))
        config.add_view(view, route_name=f"pages:{name}", permission=Permissions.VIEW)
