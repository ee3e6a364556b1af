"""What a page reads besides its own resource (a picker's records, a home's today), read through the API itself:
a GET subrequest with the caller's own credentials, so that a page shows exactly what the caller may see and
nothing the API would not answer them."""
from urllib.parse import urlsplit


def get_json(request, url: str, query: str = "") -> dict | None:
    """The JSON answer of `GET url` for the caller, or None when it is not a 200 (not theirs, not there)."""
    if not url or not url.startswith(request.application_url):
        return None
    parts = urlsplit(url)
    headers = {"Accept": "application/json"}
    for name in ("Authorization", "Cookie"):
        if name in request.headers:
            headers[name] = request.headers[name]
    sub = type(request).blank(parts.path or "/", base_url=request.application_url, headers=headers,
                              query_string="&".join(q for q in (parts.query, query) if q))
    response = request.invoke_subrequest(sub, use_tweens=False)
    if response.status_int != 200 or response.content_type != "application/json":
        return None
    return response.json_body


def link(body: dict | None, name: str) -> str | None:
    return next((entry["url"] for entry in (body or {}).get("@links", ()) if entry.get("name") == name), None)
