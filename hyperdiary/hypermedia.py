"""The shape of every representation: @url, @type, @links, @changes, @schemas, paging, ETags.

Views describe *what* to show; this module is the one place that knows *how* it looks.
"""
import base64
import binascii
import re

import orjson
from pyramid.encode import urlencode
from pyramid.traversal import quote_path_segment
from pyramid.httpexceptions import HTTPPreconditionFailed

from .resources import is_id
from .security import Permissions, allowed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def type_iri(request, name: str) -> str:
    """The @type of a fixed resource kind: the configured namespace plus its name."""
    return request.registry.settings["hyperdiary.namespace"] + name


_PLAIN = re.compile(r"^[A-Za-z0-9._~-]+$")


def _segment(name: str) -> str:
    return name if _PLAIN.match(name) else quote_path_segment(name)


def url(request, resource, *elements, query=None) -> str:
    """The resource's absolute URL, as request.resource_url gives it (ending with a slash), then
    `elements` and a query string. Built from the names along the resource's lineage: resource_url's
    generality (virtual roots, URL adapters, which hyperdiary does not use) cost a fifth of a simple
    request when every link of a representation paid for it."""
    names = []
    while resource.__parent__ is not None:
        names.append(_segment(resource.__name__))
        resource = resource.__parent__
    names.reverse()
    text = request.base_url + ("/".join(names) + "/" if names else "")
    if elements:
        text += "/".join(_segment(element) for element in elements)
    if query:
        text += "?" + urlencode(query, doseq=True)
    return text


def link(request, name, resource, *elements, permission=Permissions.VIEW, query=None):
    """A link the caller may use, or None: a link is present only when its target is allowed."""
    if permission is not None and not allowed(request, permission, resource):
        return None
    return {"name": name, "url": url(request, resource, *elements, query=query)}


def links(*candidates) -> list[dict]:
    return [candidate for candidate in candidates if candidate is not None]


def reference_id(request, container, reference) -> str | None:
    """The id that a reference in a body or query names: the @url of a record right below `container`
    (what its links give), or the bare id. None when it is neither."""
    if not isinstance(reference, str):
        return None
    base = url(request, container)
    name = reference[len(base):] if reference.startswith(base) else reference
    name = name[:-1] if name.endswith("/") else name
    return name if is_id(name) else None


def changes(record) -> dict:
    return {"creation_time": record.created, "modification_time": record.modified}


def representation(request, resource, kind, links_=(), record=None, **fields) -> dict:
    """A resource's body: the hypermedia keys first, then its own fields."""
    body = {"@url": url(request, resource), "@type": kind if ":" in kind else type_iri(request, kind)}
    body["@links"] = list(links_)
    if record is not None:
        body["@changes"] = changes(record)
    body.update(fields)
    return body


def tombstone(request, resource_url: str, kind: str, record) -> dict:
    return {"@url": resource_url, "@type": kind, "@deleted": True, "@changes": changes(record)}


def collection(request, resource, kind, items, links_=(), next_query=None, view_name="", **extra) -> dict:
    """A page of a collection; `next_query` (the query string of the following page) adds a `next` link."""
    all_links = list(links_)
    if next_query is not None:
        all_links.append({"name": "next", "url": url(request, resource, view_name, query=next_query)})
    body = {"@url": request.url, "@type": type_iri(request, kind), "@links": all_links, "@items": items}
    body.update(extra)
    return body


def schema_descriptors(request, schemas) -> list[dict]:
    """The @schemas block: each descriptor with its resource URL and a `jsonschema` link."""
    container = request.root["schemas"]
    descriptors = []
    for schema in schemas:
        schema_url = f"{url(request, container)}{schema.key}/"  # as resource_url(SchemaResource)
        descriptor = {"@url": schema_url, "@type": type_iri(request, "schema")}
        descriptor.update(schema.descriptor)
        descriptor["@links"] = [{"name": "jsonschema", "url": schema_url + "jsonschema"}]
        descriptors.append(descriptor)
    return descriptors


# --- ETags ----------------------------------------------------------------------------------------


def etag(record) -> str:
    """Strong validator of a stored record: its version counter, bumped by every write."""
    return f"{record.id}.{record.version}"


def set_etag(request, record):
    """The record's ETag on the answer; a GET whose If-None-Match matches answers 304."""
    request.response.etag = (etag(record), True)
    request.response.conditional_response = True


def written(request, location: str, record=None, created=True):
    """The answer to a POST that stored (201) or found (200, dedupe) a record: its Location, and its
    ETag when it has one."""
    request.response.status_code = 201 if created else 200
    request.response.location = location
    if record is not None:
        set_etag(request, record)


def check_if_match(request, record):
    """`If-Match` on a write: 412 when the caller's copy is stale."""
    # WebOb answers "matches anything" when the header is absent or "*".
    if etag(record) not in request.if_match:
        raise HTTPPreconditionFailed("The resource was changed since you read it (If-Match does not match).")


# --- keyset paging cursors ------------------------------------------------------------------------


def encode_cursor(values) -> str:
    """An opaque position in a listing: the sort key of the last item served."""
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode("ascii").rstrip("=")


def decode_cursor(cursor: str):
    """The sort key inside a cursor, or ValueError."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as error:
        raise ValueError("Not a cursor from a `next` link.") from error
    # A NUL inside would reach PostgreSQL as a text parameter, which it refuses (a 500): no link makes one.
    if not isinstance(values, list) or len(values) != 2 or not all(isinstance(v, str) and "\x00" not in v
                                                                   for v in values):
        raise ValueError("Not a cursor from a `next` link.")
    return values
