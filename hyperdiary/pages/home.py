"""The signed-in start page is the person's home (API.md §15): a client's today (items due today, each with a
tick button; the questionnaires due; the unread messages of the care team; the latest entries; the charts), a
professional's caseload (flagged clients first; per client the last activity, latest scores with their bands,
attention and unread messages), a researcher's subjects, an admin's users. Everything is read through the API
with the caller's own credentials (subrequests.py): a home shows nothing the API would not. Times are shown in
the client's own zone, on the client's home and in each row of the caseload."""
import datetime
import zoneinfo

from pyramid.traversal import find_resource

from . import words
from .forms import form_anchor, in_zone
from .subrequests import get_json, link

LATEST = 5
UNREAD_SHOWN = 3
CASELOAD_PAGE = 100
UTC = zoneinfo.ZoneInfo("UTC")


def zone(name) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def local(value, tz) -> dict | None:
    """A date-time of the API (UTC) as the home shows it: `{"iso", "text"}`, the text in the zone `tz`."""
    moment = in_zone(value, tz)
    return {"iso": value, "text": moment.strftime("%Y-%m-%d %H:%M")} if moment is not None else None


def _items(listing: dict | None) -> list:
    return [item for item in (listing or {}).get("@items", ()) if not item.get("@deleted")]


def _messages(request, client: dict, tz) -> dict | None:
    """The conversation with the care team: the unread messages, newest first (the first few of them shown),
    and where to read and answer them."""
    url = link(client, "messages")
    if url is None:
        return None
    unread = get_json(request, url, f"unread=true&limit={UNREAD_SHOWN}")
    items = _items(unread)
    return {"url": url, "count": len(items), "more": link(unread, "next") is not None,
            "unread": [{"author": m.get("author_name") or "Your care team", "text": m.get("text") or "",
                        "sent": local(m.get("sent"), tz)} for m in items]}


def _client_home(request, me: dict) -> dict | None:
    client_url = link(me, "client")
    client = get_json(request, client_url)
    if client is None:
        return None
    tz = zone(client.get("time_zone"))
    today = datetime.datetime.now(tz).date().isoformat()
    tracker = get_json(request, link(client, "goals.tracker"), f"fromdate={today}&todate={today}") or {}
    due = [item for day in tracker.get("goaltracker", ()) if day.get("date") == today for item in day["goals"]]
    entries = get_json(request, link(client, "diary.entries.items"), f"limit={LATEST}") or {}
    titles = {d.get("@id"): d.get("title") for d in entries.get("@schemas") or ()}
    latest = [{"url": item["@url"], "title": titles.get(item.get("@type")) or words.kind_label(item.get("@type", "")),
               "dt": local(item.get("dt"), tz)} for item in _items(entries)]
    due_url = link(client, "questionnaires.due")
    entries_url = link(client, "diary.entries.items")
    # Each leads to its own form on the entries page.
    questionnaires = [{"title": q.get("title") or "Questionnaire",
                       "url": f"{entries_url}#{form_anchor(q['schema'])}" if q.get("schema") else entries_url}
                      for q in _items(get_json(request, due_url))] if due_url else []
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
    return {"kind": "client", "client": client, "today": today, "due": due, "latest": latest,
            "questionnaires": questionnaires, "messages": _messages(request, client, tz), "charts": charts,
            "entries_url": entries_url, "goals_url": link(client, "goals"),
            "client_url": client_url, "zone": getattr(tz, "key", "UTC"), "push_key": None}


def _caseload_row(item: dict) -> dict:
    """A client of the caseload as its row shows it: the columns the `clients` listing carries
    (config.add_caseload_column: last_activity, latest_scores with their bands, attention, unread), with the
    last activity in the client's own zone."""
    tz = zone(item.get("time_zone"))
    return {"name": item.get("name") or item.get("login") or "Client", "url": item["@url"],
            "last_activity": local(item.get("last_activity"), tz), "latest_scores": item.get("latest_scores"),
            "attention": item.get("attention"), "attention_url": link(item, "attention"),
            "unread": item.get("unread"), "messages_url": link(item, "messages")}


def _caseload_home(request, root: dict) -> dict | None:
    # The root's `clients`: a professional's caseload, a page of it in a few statements (its columns are one
    # statement each for the whole page), never one request per client.
    url = link(root, "clients")
    listing = get_json(request, url, f"limit={CASELOAD_PAGE}") if url else None
    if listing is None:
        return None
    clients = _items(listing)
    # Flagged first (most waiting first), then by name.
    clients.sort(key=lambda c: (-(c.get("attention") or 0), str(c.get("name") or "").lower()))
    shown = {key for key in ("last_activity", "latest_scores", "attention", "unread") if any(key in c for c in clients)}
    return {"kind": "professional", "clients": [_caseload_row(c) for c in clients], "shown": shown, "url": url,
            "more": link(listing, "next")}


def _listing_home(request, root: dict, name: str, kind: str) -> dict | None:
    url = link(root, name)
    listing = get_json(request, url, "limit=50") if url else None
    if listing is None:
        return None
    return {"kind": kind, "items": _items(listing), "url": url, "title": words.link_label(name),
            "more": link(listing, "next")}


def home(request, root: dict) -> dict | None:
    """What the signed-in person's home shows, or None (not signed in, or nothing to show)."""
    user = request.user
    if user is None:
        return None
    me = get_json(request, link(root, "me"))
    if me is None:
        return None
    role = getattr(user, "role", None)
    found = _home_of(request, root, me, role)
    if found is not None:
        # Welcomed by name where the account has one (the identity behind a request knows only the username).
        found["name"] = str(me.get("first_name") or "").strip() or user.username
    return found


def _home_of(request, root: dict, me: dict, role) -> dict | None:
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
