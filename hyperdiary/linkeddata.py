"""The JSON-LD form of every representation (`Accept: application/ld+json`, API.md §11) and the context
document it refers to.

The JSON form's `@url`, `@links`, `@changes`, `@items` look like JSON-LD keywords but are not: a JSON-LD 1.1
processor drops them. So the JSON-LD form is the same representation said in JSON-LD, written by one
transformation (`document`) for every resource:

- `@url` becomes `@id`; `@type` stays; each link becomes a property named by its link name whose value is
  `{"@id": url}`; `@changes` becomes `changes`, `@items` an ordered `items` list, `@schemas` a `schemas` list,
  `@deleted` `deleted`, a schema descriptor's `@id` (the schema's `$id`) `schema`;
- every JSON array becomes an ordered list (`@list`), so that its order survives expansion;
- an entry's own fields are named by IRIs derived from its schema's `$id` (`<$id>#<field>`), so that two
  schemas' fields of one name stay apart;
- `null` (not set) is left out, as JSON-LD leaves it out.

The context (`context`) is generated from the record kinds' declarations (the column types of their fields:
date-times and dates typed `xsd:dateTime`, `xsd:date`; their references to other resources as `@id`) and a small
table for the fields of the hand-written views; every other term falls under `@vocab` (the namespace's
`terms#`), so that no term is ever dropped.
"""
import re

from sqlalchemy import Date, DateTime, Time

MEDIA_TYPE = "application/ld+json"
XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN = re.compile(r"^[a-z0-9-]+$")
COLUMN_TYPES = ((DateTime, XSD + "dateTime"), (Date, XSD + "date"), (Time, XSD + "time"))

# Fields of representations that no kind declares (hand-written views, fixed resources): their types.
DATE_TIMES = ("dt", "creation_time", "modification_time", "date_time", "start_date_time", "end_date_time",
              "since", "remind_at", "expires", "time")
DATES = ("date", "journaldate")
REFERENCES = ("url", "client", "subject", "user", "goal", "tracking", "tagtype", "actor", "resource", "feed")


def _kind_terms(kinds) -> dict:
    """{field: its term definition} for the fields of every declared kind whose column is typed, and for the
    references kinds declare."""
    terms = {}
    for kind in kinds.values():
        columns = kind.model.__table__.columns
        for name in kind.fields:
            column = columns.get(name)
            if column is None:
                continue
            for column_type, xsd_type in COLUMN_TYPES:
                if isinstance(column.type, column_type):
                    terms.setdefault(name, {"@type": xsd_type})
                    break
        for name in getattr(kind, "references", ()):
            terms[name] = {"@type": "@id"}
    return terms


def context(registry) -> dict:
    """The context document's `@context`."""
    ns = registry.settings["hyperdiary.namespace"]
    terms = {"@version": 1.1, "@vocab": ns + "terms#", "hd": ns, "xsd": XSD}
    definitions = {name: {"@type": XSD + "dateTime"} for name in DATE_TIMES}
    definitions.update({name: {"@type": XSD + "date"} for name in DATES})
    definitions.update({name: {"@type": "@id"} for name in REFERENCES})
    definitions.update(_kind_terms(registry.kinds))
    for name, definition in sorted(definitions.items()):
        terms[name] = {"@id": f"hd:terms#{name}", **definition}
    return terms


def context_url(request) -> str:
    return request.application_url + "/context.jsonld"


def document(request, value) -> dict:
    """The JSON-LD form of a representation (or of a view's list answer)."""
    ns = request.registry.settings["hyperdiary.namespace"]
    if isinstance(value, dict):
        body = _node(value, ns)
    else:
        body = {"items": _value(value, ns)}
    return {"@context": context_url(request), **body}


# Keys of the JSON form and what they are called in the JSON-LD form.
RENAMED = {"@changes": "changes", "@items": "items", "@schemas": "schemas", "@deleted": "deleted",
           "@id": "schema"}


def _node(body: dict, ns: str) -> dict:
    node = {}
    # An entry: its @type is its schema's $id (any IRI but a fixed kind's, the namespace plus a plain name), and
    # its own fields are named under it.
    own_type = body.get("@type")
    fixed = isinstance(own_type, str) and own_type.startswith(ns) and _PLAIN.match(own_type[len(ns):])
    entry_vocab = own_type + "#" if isinstance(own_type, str) and not fixed and "dt" in body else None
    for key, value in body.items():
        if value is None:
            continue
        if key == "@url":
            node["@id"] = value
        elif key == "@type":
            node["@type"] = value
        elif key == "@links":
            for link in value:
                _add(node, link["name"], {"@id": link["url"]})
        elif key == "@id":
            _add(node, "schema", {"@id": value})
        elif key in RENAMED:
            _add(node, RENAMED[key], _value(value, ns))
        elif entry_vocab is not None and key != "dt":
            _add(node, entry_vocab + key, _value(value, ns))
        else:
            _add(node, key, _value(value, ns))
    return node


def _add(node: dict, key: str, value):
    """A property's value; a link and a field of one name (a tag's `tagtype`, a log's `type`) both stay."""
    if key not in node:
        node[key] = value
    elif isinstance(node[key], list):
        node[key].append(value)
    else:
        node[key] = [node[key], value]


def _value(value, ns: str):
    if isinstance(value, dict):
        return _node(value, ns)
    if isinstance(value, list):
        return {"@list": [_value(item, ns) for item in value if item is not None]}
    return value
