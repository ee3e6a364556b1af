"""The page of a representation: one template for every resource (templates/page.html), fed from the JSON
body the view answered, the resource it is of (for its forms and the client's time zone) and the caller."""
import datetime
import re
import zoneinfo

from pyramid.traversal import lineage

from .. import hypermedia as hm
from ..resources.clients import ClientResource
from ..resources.root import Root
from . import charts, forms, session

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$")
UTC = datetime.UTC


def client_of(context):
    """The client whose records the page shows (its zone is the page's), or None."""
    for resource in lineage(context) if context is not None else ():
        if isinstance(resource, ClientResource):
            return resource.client
    return None


class Shown:
    """How the template shows values: dates in the client's zone, choices by their titles, images as images."""

    def __init__(self, tz, titles: dict):
        self.tz = tz
        self.zone_name = getattr(tz, "key", "UTC")
        self.titles = titles  # field name -> {value: title}

    def kind(self, value) -> str:
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, (int, float)):
            return "number"
        if isinstance(value, str):
            if value.startswith(("http://", "https://")):
                return "url"
            if value.startswith("data:image/"):
                return "image"
            if DATE_TIME.match(value):
                return "datetime"
            return "text"
        if isinstance(value, dict):
            return "dict"
        if isinstance(value, list):
            if value and all(isinstance(item, dict) for item in value):
                return "table"
            return "list"
        return "text"

    def when(self, value: str) -> str:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def title(self, field: str, value):
        """A choice's title, where the field has labelled choices."""
        choices = self.titles.get(field)
        if choices is not None and not isinstance(value, (dict, list)):
            return choices.get(value, value)
        return value


def label(name: str) -> str:
    return name.replace("_", " ").replace(".", " › ")


def columns(items: list) -> list[str]:
    """The table's columns: every field the items have, in the order they come, the @-keys left out."""
    seen = {}
    for item in items:
        if isinstance(item, dict):
            for key in item:
                if not key.startswith("@"):
                    seen.setdefault(key, None)
    return list(seen)


def choice_titles(request, body: dict) -> dict:
    """The titles of labelled choices, from the entry types the body names (its @schemas, or its own @type)."""
    descriptors = list(body.get("@schemas") or ())
    kind = body.get("@type")
    namespace = request.registry.settings["hyperdiary.namespace"]
    # A fixed kind's @type is the namespace and a name; an entry's the $id of its schema.
    fixed = isinstance(kind, str) and kind.startswith(namespace) and "/" not in kind[len(namespace):]
    if not descriptors and isinstance(kind, str) and not fixed and "@items" not in body:
        schema = request.entry_schemas.get(request.dbsession, kind)
        if schema is not None:
            descriptors = [schema.descriptor]
    titles = {}
    for descriptor in descriptors:
        for field in descriptor.get("fields", ()):
            if field.get("choices"):
                titles[field["name"]] = {choice["value"]: choice["name"] for choice in field["choices"]
                                         if not isinstance(choice["value"], (dict, list))}
    return titles


def breadcrumbs(request, context) -> list[tuple[str, str]]:
    if context is None:
        return []
    trail = []
    for resource in lineage(context):
        if isinstance(resource, Root):
            break
        trail.append((resource.__name__, hm.url(request, resource)))
    return list(reversed(trail))


def heading(body: dict) -> str:
    for key in ("title", "name", "username"):
        if isinstance(body.get(key), str) and body[key]:
            return body[key]
    kind = str(body.get("@type", "")).rstrip("/")
    return label(kind.rsplit("/", 1)[-1]).replace("-", " ") or "hyperdiary"


def is_error(body, response) -> bool:
    return response.status_code >= 400 and isinstance(body, dict) and "code" in body and "message" in body


def page(request, body, response) -> str:
    env = request.registry["page_templates"]
    context = getattr(request, "context", None)
    client = client_of(context)
    try:
        tz = zoneinfo.ZoneInfo(client.time_zone) if client is not None else UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = UTC
    user = request.user
    auth_url = hm.url(request, request.root["auth"])
    common = {"user": user, "crumbs": breadcrumbs(request, context), "static": request.static_url,
              "session_url": auth_url + "session", "register_url": auth_url + "register",
              "root_url": request.base_url, "label": label, "csrf": session.page_csrf(request)}
    if is_error(body, response):
        return env.get_template("error.html").render(error=body, title=f"{body['code']} {body['message']}",
                                                     **common)
    if not isinstance(body, dict):  # a bare list (goals.batch answers the @urls)
        body = {"@url": request.url, "@type": "list", "@links": [], "value": body}
    shown = Shown(tz, choice_titles(request, body))
    etag = response.etag
    # The page of a write's answer (a preview shown in its form's page) offers no writes of its own.
    page_forms = forms.forms(request, context, request.view_name, body, tz, f'"{etag}"' if etag else None) \
        if request.method == "GET" else []
    if isinstance(body.get("fields"), list) and "@id" in body:
        # An entry type's descriptor (a schema, a preview): the form a client would get, to look at.
        page_forms.append(forms.Form("The form a client gets", "POST", "", body["fields"], {}, {}, None, "sample",
                                     body.get("description")))
    links = [link for link in body.get("@links", ()) if link.get("name") != "next"]
    next_link = next((link["url"] for link in body.get("@links", ()) if link.get("name") == "next"), None)
    items = body.get("@items")
    fields = {key: value for key, value in body.items() if not key.startswith("@")}
    return env.get_template("page.html").render(
        body=body, title=heading(body), fields=fields, links=links, next_link=next_link, items=items,
        item_columns=columns(items) if items else [], descriptors=body.get("@schemas") or [],
        changes=body.get("@changes"), forms=page_forms, show=shown, status=response.status_code,
        charts=charts.on_page(request, context, body), is_root=isinstance(context, Root) and not request.view_name,
        **common)
