"""The page of a representation: one template for every resource (templates/page.html), fed from the JSON
body the view answered, the resource it is of (for its forms and the client's time zone) and the caller."""
import collections
import itertools
import html
import datetime
import re
import threading
import zoneinfo

import orjson

from markupsafe import Markup
from pyramid.traversal import lineage

from .. import hypermedia as hm
from ..resources.root import Root
from . import forms, home, session, words
from .followable import followable
from . import scores as questionnaire_pages

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$")
UTC = datetime.UTC
ID = re.compile(r"[0-9a-f]{12,}")  # a step named by a record's id (a uuid's hex, a schema's key)


# Characters beyond Latin-1 are written as references: one such character makes Python hold the whole page in
# two bytes a character, and its UTF-8 encoding then costs several times more.
NONE = '<span class="none" aria-label="not set">&#8212;</span>'


TWO = tuple(f"{n:02d}" for n in range(100))
# Text a cell does not show as text: addresses (links) and images (pictures).
PASSED_ON = ("http://", "https://", "data:")


def special(text: str) -> bool:
    """Whether the text has a character HTML escapes: five `in` tests (each a memchr), several times cheaper
    than a regex's character class or html.escape's five replacements, for the many that have none."""
    return "&" in text or "<" in text or ">" in text or '"' in text or "'" in text


def esc(value) -> str:
    """A value as HTML text (and attribute value): &, <, >, " and ' escaped (the standard library's escape,
    the same characters as markupsafe's)."""
    text = value if type(value) is str else str(value)
    return html.escape(text, quote=True) if special(text) else text


def client_of(context):
    """The client whose records the page shows (its zone is the page's), or None."""
    for resource in lineage(context) if context is not None else ():
        if getattr(resource, "holds_client", False):
            return resource.client
    return None


class Shown:
    """How the template shows values: dates in the client's zone, choices by their titles, images as images."""

    def __init__(self, request, tz, titles: dict):
        self.request = request
        self.tz = tz
        self.zone_name = getattr(tz, "key", "UTC")
        self.titles = titles  # field name -> {value: title}
        self.row_link = "open"  # the words of a listing's link in each row (words.row_link)

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
        moment = moment.astimezone(self.tz)
        # (two-digit numbers from a table: half the cost of %-formatting, a third of isoformat's)
        return f"{moment.year}-{TWO[moment.month]}-{TWO[moment.day]} {TWO[moment.hour]}:{TWO[moment.minute]}"

    def title(self, field: str, value):
        """A choice's title, where the field has labelled choices."""
        choices = self.titles.get(field)
        if choices is not None and not isinstance(value, (dict, list)):
            return choices.get(value, value)
        return value

    # --- HTML of values: strings built with f-strings, every value passed through esc() -------------------
    # (markupsafe's escape is C; its Markup % formatting and a Jinja2 macro per cell cost several times the
    # JSON answer on a page of 50 entries.)

    def html(self, value, field: str = "") -> Markup:
        return Markup(self._html(value, field))

    def _html(self, value, field: str = "") -> str:
        if isinstance(value, datetime.datetime):  # a section's value read from the database (UTC), not JSON
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat().replace("+00:00", "Z")
        if field == "flags" and type(value) is list and all(isinstance(f, dict) and "label" in f for f in value):
            # A scored answer's flags (questionnaires): by their labels, not the fields that raised them.
            return esc("; ".join(str(f["label"]) for f in value)) or '<span class="none">none</span>'
        kind = self.kind(value)
        if kind == "none":
            return NONE
        if kind == "bool":
            return "yes" if value else "no"
        if kind in ("number", "text"):
            return esc(self.title(field, value))
        if kind == "datetime":
            return f'<time datetime="{esc(value)}">{esc(self.when(value))}</time>'
        if kind == "url":
            # An address is followed, not read: its link says what it leads to (the field's words).
            text = esc(words.LINK_TEXTS.get(field) or label(field) if field else "open")
            return f'<a href="{esc(value)}">{text}</a>' if followable(self.request, value) else text
        if kind == "image":
            return f'<img class="picture" src="{esc(value)}" alt="{esc(field or "image")}">'
        if kind == "list":
            return ", ".join(self._html(item, field) for item in value) if value else '<span class="none">none</span>'
        if kind == "dict":
            # A nested record (an export's): its fields in words, its own page linked, its API keys left out.
            return '<dl class="nested">' + "".join(
                f"<dt>{esc(label(key) if key != '@url' else 'Page')}</dt><dd>{self._html(item, key)}</dd>"
                for key, item in value.items() if not key.startswith("@") or key == "@url") + "</dl>"
        return self._table(value)

    def _cell(self, value, field: str = "") -> str:
        """A value in a table's cell: a list of records is named, not drawn (the item's own page shows it).
        The common values (text, numbers, times, nothing) take the short way: a page of 50 entries has
        hundreds of cells, and they were most of its cost."""
        kind = type(value)
        if kind is str:
            if not value.startswith(PASSED_ON):
                if len(value) >= 16 and value[4] == "-" and value[10] == "T" and value[13] == ":":
                    shown = self.when(value)  # (the same text back when it is no date-time after all)
                    if shown is not value:
                        return f'<time datetime="{esc(value)}">{esc(shown)}</time>'
                choices = self.titles.get(field)
                return esc(choices.get(value, value) if choices is not None else value)
        elif kind is int or kind is float:
            choices = self.titles.get(field)
            return esc(choices.get(value, value) if choices is not None else value)
        elif value is None:
            return NONE
        if field == "latest_scores" and type(value) is list:  # the caseload (questionnaires)
            return esc(questionnaire_pages.latest_scores_cell(value)) or '<span class="none">none</span>'
        if field == "flags":
            return self._html(value, field)
        if type(value) is list and value and all(isinstance(row, dict) for row in value):
            return esc(", ".join(str(row.get("title") or row.get("name") or row.get("@url") or n)
                                 for n, row in enumerate(value, 1)))
        return self._html(value, field)

    def cell(self, value, field: str = "") -> Markup:
        """A value as a table's cell shows it (a caseload's latest scores as a sentence)."""
        return Markup(self._cell(value, field))

    def table(self, rows: list) -> Markup:
        return Markup(self._table(rows))

    def _table(self, rows: list) -> str:
        cols = columns(rows)
        linked = bool(rows and rows[0].get("@url"))
        heads = {c: esc(label(c)) for c in cols}
        head = "".join(f'<th scope="col">{heads[c]}</th>' for c in cols)
        if linked:
            head += '<th scope="col"><span class="vh">link</span></th>'
        body = []
        for row in rows:
            cells = "".join(f'<td data-label="{heads[c]}">{self._cell(row.get(c), c)}</td>' for c in cols)
            if linked and row.get("@url"):
                cells += f'<td><a href="{esc(row["@url"])}">open</a></td>'
            body.append(f"<tr>{cells}</tr>")
        return f'<table class="nested-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'

    def items(self, items: list, cols: list, mixed: bool, field_titles: dict, type_titles: dict) -> Markup:
        """A listing's table: a row per item (a tombstone says when it was deleted); items of several types
        (entries of five schemas) have their shared fields as columns, the others, where set, in `details`.

        The cost of a page of 50 entries is mostly here (a dozen values a row), so the loop is planned: the
        items of one type have the same keys, and what a row of that shape needs (its type's cell, each
        detail's escaped words and choice titles) is worked out once per shape, not once per value; the
        common values (text that is no address, time or image; numbers) are written inline."""
        names = {}

        def name(key):  # a field's words, escaped
            found = names.get(key)
            if found is None:
                found = names[key] = esc(field_titles.get(key) or label(key))
            return found

        heads = [(c, f'<td data-label="{name(c)}">') for c in cols]
        head = '<th scope="col"><span class="vh">link</span></th>' + ('<th scope="col">Type</th>' if mixed else "")
        head += "".join(f'<th scope="col">{name(c)}</th>' for c in cols)
        head += '<th scope="col">Details</th>' if mixed else ""
        shared = set(cols)
        cell, titles, when = self._cell, self.titles, self.when
        plans, written = {}, {}
        rows = []
        for item in items:
            url = esc(item.get("@url", ""))
            if item.get("@deleted"):
                gone = item.get("@changes", {}).get("modification_time", "")  # (not `when`: the rows after use it)
                span = len(cols) + (2 if mixed else 0)
                rows.append(f'<tr class="deleted"><td><a href="{url}">deleted</a></td><td colspan="{span}">deleted '
                            f'<time datetime="{esc(gone)}">{esc(when(gone))}</time></td></tr>')
                continue
            cells = [f'<tr><td><a href="{url}">{self.row_link}</a></td>']
            if mixed:
                kind = item.get("@type", "")
                plan = plans.get(kind)
                if plan is None or plan[2] != item.keys():  # (one type's items have the same keys)
                    plan = plans[kind] = (
                        f'<td data-label="Type">{esc(type_titles.get(kind) or words.kind_label(kind))}</td>',
                        [(key, f"<span><b>{name(key)}</b>{after(name(key))} ", titles.get(key)) for key in item
                         if key not in shared and key[:1] != "@"], item.keys())
                cells.append(plan[0])
            # Each cell names its column (data-label): on a phone the rows stack, each cell under its name.
            for c, opening in heads:
                value = item.get(c)
                kind = type(value)
                if kind is str and len(value) >= 16 and value[10] == "T" and value[4] == "-" and value[13] == ":":
                    shown = when(value)  # (a date-time as fromisoformat read it has no character to escape)
                    if shown is not value:
                        cells.append(f'{opening}<time datetime="{value}">{shown}</time></td>')
                        continue
                elif kind is int and c not in titles:
                    cells.append(f"{opening}{value}</td>")
                    continue
                cells.append(f"{opening}{cell(value, c)}</td>")
            if mixed:
                details = []
                for key, opening, choices in plan[1]:
                    value = item[key]
                    if value is None:
                        continue
                    kind = type(value)
                    if kind is list or kind is dict:
                        details.append(f"{opening}{cell(value, key)}</span>")
                        continue
                    # A choice, a slider's number, a yes: the same few values come back row after row, and
                    # each is written once per page (only for this request: no record's values are kept).
                    seen = (key, value, kind)
                    span = written.get(seen)
                    if span is None:
                        if kind is str and not (len(value) >= 16 and value[10] == "T" and value[4] == "-") \
                                and not value.startswith(PASSED_ON):
                            text = esc(value if choices is None else choices.get(value, value))
                        elif (kind is int or kind is float) and choices is None:
                            text = str(value)
                        else:
                            text = cell(value, key)
                        span = written[seen] = f"{opening}{text}</span>"
                    details.append(span)
                cells.append('<td data-label="Details">' + "; ".join(details) + "</td>")
            cells.append("</tr>")
            rows.append("".join(cells))
        return Markup(f'<table class="items"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def after(words: str) -> str:
    """The colon after a field's words before its value, unless they end a sentence ("How do you feel?")."""
    return "" if words[-1:] in "?:.!" else ":"


def label(name: str) -> str:
    """A fixed field's words (words.py); an entry's fields have their schema's titles instead."""
    return words.field_label(name)


def columns(items: list) -> list[str]:
    """The table's columns: every field the items have, in the order they come, the @-keys left out."""
    seen = {}
    for item in items:
        if isinstance(item, dict):
            seen.update(dict.fromkeys(item))
    return [key for key in seen if key[:1] != "@" and key not in words.HIDDEN_FIELDS]


def item_columns(items: list) -> tuple[list[str], bool]:
    """The columns of a listing, and whether the rest goes into one `details` column: items of several types
    (entries of five schemas) have the fields they share as columns and the others, where set, in one cell."""
    live = [item for item in items if isinstance(item, dict) and not item.get("@deleted")]
    if len({item.get("@type") for item in live}) <= 1:
        return columns(live), False
    # How many items have each key (counted in C), in the order the keys come.
    counts = collections.Counter(itertools.chain.from_iterable(live))
    return [key for key, n in counts.items() if n == len(live) and key[:1] != "@"
            and key not in words.HIDDEN_FIELDS], True


def entry_descriptor(request, body: dict) -> dict | None:
    """The descriptor of the entry type a single entry's page shows (its @type is the $id of its schema), else
    None: a fixed kind's @type is the namespace and a name."""
    kind = body.get("@type")
    namespace = request.registry.settings["hyperdiary.namespace"]
    fixed = isinstance(kind, str) and kind.startswith(namespace) and "/" not in kind[len(namespace):]
    if isinstance(kind, str) and not fixed and "@items" not in body and not body.get("@schemas"):
        schema = request.entry_schemas.get(request.dbsession, kind)
        if schema is not None:
            return schema.descriptor
    return None


def choice_titles(descriptors) -> dict:
    """The titles of labelled choices of the entry types the page shows (its @schemas, or its entry's type)."""
    titles = {}
    for descriptor in descriptors:
        for field in descriptor.get("fields", ()):
            if field.get("choices"):
                titles[field["name"]] = {choice["value"]: choice["name"] for choice in field["choices"]
                                         if not isinstance(choice["value"], (dict, list))}
    return titles


def choice_descriptors(request, body: dict) -> list:
    """The descriptor of an entry's own type (its title names its score on the page)."""
    schema = request.entry_schemas.get(request.dbsession, body.get("@type")) if isinstance(body.get("@type"), str) \
        else None
    return [schema.descriptor] if schema is not None else []


def pages_of(registered, cls: type) -> tuple:
    """(view name, permission) of the GET views registered for a class or a base of it: worked out once per
    class (the registrations do not change after start-up) instead of a walk over every registered page for
    each step of each page's breadcrumbs (0.3 M instructions on a page of entries)."""
    found = registered.pages_by_class.get(cls)
    if found is None:
        found = registered.pages_by_class[cls] = tuple(
            (name, registered.page_permissions[(view_cls, name)]) for view_cls, name in registered.pages
            if issubclass(cls, view_cls))
    return found


def breadcrumbs(request, context) -> list[tuple[str, str | None]]:
    """The way from the start page to this one, in words; a step whose resource has no page of its own (a
    collection that is only posted to answers its GET with 405) links to its `items` listing where it has
    one (a diary's entries), else is named but not linked; so is a step whose page the caller may not see. pages.js goes to the last linked step after a
    delete."""
    if context is None:
        return []
    registered = forms.registered_views(request.registry)
    trail = []
    for resource in lineage(context):
        if isinstance(resource, Root):
            break
        # The steps with a page the caller may see (a client's trail passes the clients' listing, not hers).
        views = {name for name, permission in pages_of(registered, type(resource))
                 if permission is None or request.has_permission(permission, resource)}
        name = str(resource.__name__)
        title = getattr(resource, "title", None)  # a chart's, an entry type's: its title, not its id
        if isinstance(title, str) and title:
            shown = title
        elif len(name) >= 32 or ID.fullmatch(name):  # a record's id: the client's name where it is the client, else what it is
            client = getattr(resource, "client", None)
            own = getattr(client, "name", None) if getattr(resource, "holds_client", False) and \
                name == getattr(client, "id", None) else None
            shown = own or "Record"
        else:
            shown = words.link_label(name)
        trail.append((shown, hm.url(request, resource) if "" in views else
                      hm.url(request, resource, "items") if "items" in views else None))
    return list(reversed(trail))


def heading(body: dict, descriptor: dict | None, shown: "Shown") -> str:
    """A page's heading: a record's own title or name; an entry's type and when (`Emotion, 2024-04-01 10:00`,
    in the client's zone); else the words of its kind."""
    for key in ("title", "name", "username"):
        if isinstance(body.get(key), str) and body[key]:
            return body[key]
    if descriptor is not None:
        when = body.get("dt")
        return f"{descriptor.get('title') or 'Entry'}, {shown.when(when)}" if isinstance(when, str) else \
            descriptor.get("title") or "Entry"
    return words.kind_label(body.get("@type", ""))


def is_error(body, response) -> bool:
    return response.status_code >= 400 and isinstance(body, dict) and "code" in body and "message" in body


class FormCache:
    """Rendered forms, by what they are made of: the same entry type's form on the same listing renders the
    same HTML on every request (a new entry's time is filled in by the script), and five forms were half a
    page's time. Only forms of new records are kept (no record's values stay in memory); bounded, least
    recently used first out."""

    SIZE = 1024

    def __init__(self, env):
        self.macro = env.get_template("macros.html").module.form_of
        self.cache = collections.OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, form, n: int, zone: str) -> Markup:
        if form.values or form.etag:
            # A change form shows a record's values: rendered each time, never kept in memory.
            return Markup(str(self.macro(form, n, zone)))
        if form.source is not None:  # what its fields are made of, named (a form's fields are kilobytes)
            key = (form.source, form.title, form.method, form.action, form.show, n, zone)
        else:
            key = orjson.dumps([list(form), n, zone], default=str, option=orjson.OPT_NON_STR_KEYS)
        with self.lock:
            html = self.cache.get(key)
            if html is not None:
                self.cache.move_to_end(key)
                return html
        html = Markup(str(self.macro(form, n, zone)))
        with self.lock:
            self.cache[key] = html
            while len(self.cache) > self.SIZE:
                self.cache.popitem(last=False)
        return html


def static_urls(request):
    """request.static_url, remembered per host: Pyramid's route generation cost as much as a table row, three
    times a page."""
    known = request.registry.setdefault("page_static_urls", {})
    base = request.application_url

    def static(path: str) -> str:
        found = known.get((base, path))
        if found is None:
            found = request.static_url(path)
            if len(known) < 64:
                known[(base, path)] = found
        return found

    return static


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
    # An error page says what the JSON says and nothing more (API.md §8): no breadcrumbs, which walk what
    # traversal found, and so told a record the caller may not see (found, then refused) from a missing one.
    crumbs = [] if is_error(body, response) else breadcrumbs(request, context)
    common = {"user": user, "crumbs": crumbs, "static": static_urls(request),
              "session_url": auth_url + "session", "register_url": auth_url + "register",
              "root_url": request.base_url, "label": label, "csrf": session.page_csrf(request)}
    if is_error(body, response):
        return env.get_template("error.html").render(error=body, title=f"{body['code']} {body['message']}",
                                                     **common)
    if not isinstance(body, dict):  # a bare list (goals.batch answers the @urls)
        body = {"@url": request.url, "@type": "list", "@links": [], "value": body}
    descriptor = entry_descriptor(request, body)
    descriptors = list(body.get("@schemas") or ()) + ([descriptor] if descriptor is not None else [])
    shown = Shown(request, tz, choice_titles(descriptors))
    shown.row_link = esc(words.row_link(body.get("@type", "")))
    is_root = isinstance(context, Root) and not request.view_name
    etag = response.etag
    # The page of a write's answer (a preview shown in its form's page) offers no writes of its own.
    # The charts a page shows below its content (the charts domain's `page_charts`), if any.
    charts = request.registry.get("page_charts", lambda request, context, body: None)
    page_forms = forms.forms(request, context, request.view_name, body, tz, f'"{etag}"' if etag else None) \
        if request.method == "GET" else []
    if isinstance(body.get("fields"), list) and "@id" in body:
        # An entry type's descriptor (a schema, a preview): the form a client would get, to look at.
        page_forms.append(forms.Form("The form a client gets", "POST", "", body["fields"], {}, {}, None, "sample",
                                     body.get("description")))
    # Sections a domain adds to the page of its resources (the care team's chat, feedback, invitation code).
    sections = [found for found in (section(request, context, body, shown)
                                    for section in request.registry.get("page_sections", ())) if found]
    # (A section that shows some of the body's fields in its own way hides them from the fields' list.)
    hidden = {key for found in sections for key in found.get("hides", ())}
    if any(found["replaces_post"] for found in sections):
        page_forms = [form for form in page_forms if form.method != "POST"]
    # The links a person follows: in words, and none that only takes writes (its form is on the page).
    links = [dict(link, label=words.link_label(link["name"])) for link in body.get("@links", ())
             if link.get("name") != "next" and link.get("name") not in words.FOR_PROGRAMS
             and followable(request, link.get("url", ""))]
    next_link = next((link["url"] for link in body.get("@links", ()) if link.get("name") == "next"), None)
    items = body.get("@items")
    if items and type(context).__name__ == "Clients":  # the caseload: clients whose answers need attention first
        items = questionnaire_pages.by_attention(items)
    if any(found["replaces_items"] for found in sections):
        items = None
    score = questionnaire_pages.score_sentence(body, {d.get("@id"): d.get("title") for d in ([descriptor] if
        descriptor is not None else choice_descriptors(request, body))}) if "score" in body else None
    # The score in words says all its fields do (and its flags by their labels, not their fields' names).
    fields = {key: value for key, value in body.items()
              if not key.startswith("@") and key not in words.HIDDEN_FIELDS and key not in hidden
              and not (score and key == "score")}
    if isinstance(fields.get("fields"), list) and "@id" in body:
        # An entry type's fields are shown by their titles; their programming names are for its JSON.
        fields["fields"] = [{k: v for k, v in f.items() if k != "name"} if isinstance(f, dict) else f
                            for f in fields["fields"]]
    cols, mixed = item_columns(items) if items else ([], False)
    field_titles = {field["name"]: field["title"] for descriptor in descriptors
                    for field in descriptor.get("fields", ())}
    type_titles = {descriptor.get("@id"): descriptor.get("title") for descriptor in body.get("@schemas") or ()}
    return env.get_template("page.html").render(
        body=body, title=heading(body, descriptor, shown), kind_title=(descriptor or {}).get("title")
        or words.kind_label(body.get("@type", "")), fields=fields, links=links, next_link=next_link, items=items,
        item_columns=cols, mixed=mixed, field_titles=field_titles, type_titles=type_titles,
        descriptors=[{"title": d.get("title"), "description": d.get("description"), "url": d.get("@url"),
                      "fields": ", ".join(str(f.get("title")) for f in d.get("fields", ())),
                      "count": len(d.get("fields", ()))} for d in body.get("@schemas") or ()],
        forms_html=Markup("".join(request.registry["page_forms"](form, n, shown.zone_name)
                                  for n, form in enumerate(page_forms, 1))),
        changes=body.get("@changes"), forms=page_forms, show=shown, status=response.status_code,
        score=score,
        sections=[found["html"] for found in sections],
        charts=charts(request, context, body), is_root=is_root,
        home=home.home(request, body) if is_root and user is not None and request.method == "GET" else None,
        **common)
