"""The signed-in start page is the person's home (API.md §15): a client's today (items due today, each with a
tick button; questionnaires due and unread messages, where the server has them; the latest entries; the
charts), a professional's caseload (flagged clients first, with whatever the caseload's columns add: latest
scores with their bands, attention, unread), a researcher's subjects, an admin's users. Everything is read
through the API with the caller's own credentials (subrequests.py): a home shows nothing the API would not."""
import datetime
import zoneinfo

from pyramid.traversal import find_resource

from . import words
from .subrequests import get_json, link

LATEST = 5


def _client_home(request, me: dict) -> dict | None:
    client_url = link(me, "client")
    client = get_json(request, client_url)
    if client is None:
        return None
    try:
        tz = zoneinfo.ZoneInfo(client.get("time_zone") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    today = datetime.datetime.now(tz).date().isoformat()
    tracker = get_json(request, link(client, "goals.tracker"), f"fromdate={today}&todate={today}") or {}
    due = [item for day in tracker.get("goaltracker", ()) if day.get("date") == today for item in day["goals"]]
    entries = get_json(request, link(client, "diary.entries.items"), f"limit={LATEST}") or {}
    titles = {d.get("@id"): d.get("title") for d in entries.get("@schemas") or ()}
    latest = [{"url": item["@url"], "title": titles.get(item.get("@type")) or words.kind_label(item.get("@type", "")),
               "dt": item.get("dt")} for item in entries.get("@items", ()) if not item.get("@deleted")]
    # What other domains add, when the server has them (questionnaires due, messages): a count and a link.
    more = []
    for name in ("questionnaires.due", "messages", "feedback"):
        url = link(client, name)
        listing = get_json(request, url) if url else None
        if listing is not None:
            items = [i for i in listing.get("@items", ()) if not i.get("@deleted")]
            unread = [i for i in items if i.get("read") is False or i.get("unread") is True]
            more.append({"name": words.link_label(name), "url": url,
                         "count": len(unread) if name != "questionnaires.due" else len(items),
                         "what": "unread" if name != "questionnaires.due" else "to fill in",
                         # A questionnaire due is answered with its form on the entries page.
                         "titles": [i.get("title") for i in items if i.get("title")]
                         if name == "questionnaires.due" else []})
    charts = None
    page_charts = request.registry.get("page_charts")
    if page_charts is not None:
        try:
            resource = find_resource(request.root, client_url[len(request.application_url):])
        except KeyError:
            resource = None
        shown = page_charts(request, resource, client) if resource is not None else None
        if shown:
            charts = dict(shown, charts=shown["charts"][:2])
    return {"kind": "client", "client": client, "today": today, "due": due, "latest": latest, "more": more,
            "charts": charts, "entries_url": link(client, "diary.entries.items"), "goals_url": link(client, "goals"),
            "client_url": client_url, "push_key": None}


def _caseload_home(request, root: dict) -> dict | None:
    # The root's `clients`: a professional's caseload, with the columns other domains add (latest_scores,
    # attention, unread: config.add_caseload_column).
    url = link(root, "clients")
    listing = get_json(request, url, "limit=100") if url else None
    if listing is None:
        return None
    clients = [item for item in listing.get("@items", ()) if not item.get("@deleted")]
    # Flagged first (the caseload's `attention`, when the questionnaires are there), then by name.
    clients.sort(key=lambda c: (not c.get("attention"), str(c.get("name") or "").lower()))
    extra = [key for key in ("latest_scores", "attention", "unread", "last_activity")
             if any(key in c for c in clients)]
    return {"kind": "professional", "clients": clients, "columns": extra, "url": url}


def _listing_home(request, root: dict, name: str, kind: str) -> dict | None:
    url = link(root, name)
    listing = get_json(request, url, "limit=50") if url else None
    if listing is None:
        return None
    return {"kind": kind, "items": [i for i in listing.get("@items", ()) if not i.get("@deleted")], "url": url,
            "title": words.link_label(name)}


def home(request, root: dict) -> dict | None:
    """What the signed-in person's home shows, or None (not signed in, or nothing to show)."""
    user = request.user
    if user is None:
        return None
    me = get_json(request, link(root, "me"))
    if me is None:
        return None
    role = getattr(user, "role", None)
    if role == "client":
        found = _client_home(request, me)
        if found is not None:
            found["push_key"] = link(root, "push.key")
            found["notifications"] = link(found["client"], "notifications")
        return found
    if role == "professional":
        return _caseload_home(request, root)
    if role == "researcher":
        return _listing_home(request, root, "subjects", "researcher")
    if role == "admin":
        return _listing_home(request, root, "users", "admin")
    return None


