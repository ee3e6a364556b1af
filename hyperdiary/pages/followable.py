"""Which addresses a page may show as a link (API.md §15, no dead ends): those whose GET answers, not 405.

Worked out from what is registered, never from a list kept by hand: an address of this server is followable
when a route matches it (the app's files: the manifest, the service worker, /static/) or when traversal
finds a resource and view name for which a GET view is registered (forms.registered_views, the introspector's
views: the same source that says which forms a page has). A new domain's POST-only collection or action is
thus never linked, without anyone remembering to list it; its form (forms.py) is on the page instead.

Traversal reads the database (a client's id is looked up), so the answer is kept per address shape: the
address with each record id replaced by `*` (`clients/*/goals/batch`), one traversal per shape per process.
"""
import re

from pyramid.interfaces import IRoutesMapper
from pyramid.traversal import traverse

from . import forms

# A record's id (models.meta.new_id): 32 hex digits.
RECORD_ID = re.compile(r"^[0-9a-f]{32}$")
# Shapes kept per process: a server has a few hundred; an address typed into a text field (any path of this
# host) is still answered, just not kept, once the table is full.
MAX_SHAPES = 4096
CACHE = "page_followable"


def followable(request, url: str) -> bool:
    """Whether a GET of `url` reaches a view rather than a 405; an address of another server is followable."""
    base = request.application_url + "/"
    if not isinstance(url, str) or not url.startswith(base):
        return True
    path = url[len(base):].split("#", 1)[0].split("?", 1)[0]
    shape = "/".join("*" if RECORD_ID.match(segment) else segment for segment in path.split("/"))
    cache = request.registry.setdefault(CACHE, {})
    found = cache.get(shape)
    if found is None:
        found = _answers_get(request, path)
        if found is None:
            return True  # not found (a deleted record): a 404 page is no dead end of this kind
        if len(cache) < MAX_SHAPES:
            cache[shape] = found
    return found


def _answers_get(request, path: str) -> bool | None:
    """True when a GET view is registered for what `path` reaches, False when none is; None when traversal
    stopped early (a record that is not there), which says nothing about the shape."""
    mapper = request.registry.queryUtility(IRoutesMapper)
    if mapper is not None and any(route.match("/" + path) is not None for route in mapper.get_routes()):
        return True
    found = traverse(request.root, path)
    if found["subpath"]:
        return None
    context, name = found["context"], found["view_name"]
    if name and RECORD_ID.match(name):
        return None
    pages = forms.registered_views(request.registry).pages
    return any(view_name == name and isinstance(context, cls) for cls, view_name in pages)
