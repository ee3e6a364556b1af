"""Records are chosen from lists, never typed as URLs (API.md §15): a form field that holds the @url of a
record elsewhere (a kind's `references`: a tag's tag type, a subject log's subject) becomes a choice among the
records the caller may see there, read through the API itself (a subrequest of the root link's listing with
the caller's own credentials), so that what is offered is exactly what the write will accept."""

from .. import hypermedia as hm
from . import subrequests

LIMIT = 100  # a picker of more than a page of records would need a search; the first page is offered


def _listing_url(request, where: str) -> str | None:
    link = next((each for each in request.registry.root_links if each.name == where), None)
    if link is None or link.child is None:
        return None
    return hm.url(request, request.root[link.child], *([link.view] if link.view else []))


def options(request, where: str) -> list[dict] | None:
    """[{"value": @url, "name": its title}] of the records at the root link `where`, or None (nothing to
    list: the field stays a text field)."""
    url = _listing_url(request, where)
    if url is None:
        return None
    body = subrequests.get_json(request, url, f"limit={LIMIT}")
    if body is None:
        return None
    items = [item for item in body.get("@items", ()) if not item.get("@deleted")]
    return [{"value": item["@url"], "name": str(item.get("title") or item.get("name") or item["@url"])}
            for item in items]


def picked(request, kind, fields: list | None) -> list | None:
    """The form's fields with each reference field made a choice among its records."""
    references = getattr(kind, "references", None) or {}
    if not fields or not references:
        return fields
    shown = []
    for field in fields:
        where = references.get(field["name"], (None,))[0]
        choices = options(request, where) if where else None
        if choices is not None:
            field = dict(field, type="choice", choices=choices,
                         description=None if choices else "None yet: make one first.")
        shown.append(field)
    return shown
