"""The JSON Schema words of the OpenAPI document (hyperdiary/openapi.py), shared by the schemas declared beside
the views (hyperdiary/documented.py) and the generator: plain dicts, nothing per request."""


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required=(), **properties) -> dict:
    """A closed object: what a fixed request body may hold."""
    return {"type": "object", "required": list(required), "properties": properties, "additionalProperties": False}


# The hypermedia keys of every representation (API.md §1); @changes only on a stored record's.
HYPERMEDIA = {
    "@url": {"type": "string", "format": "uri"},
    "@type": {"type": "string", "description": "an IRI naming what this is"},
    "@links": {"type": "array", "items": ref("Link"), "description": "present only when the caller may use them"},
}


def representation(what: str, /, optional=(), changes=True, **fields) -> dict:
    """A closed resource shape: the hypermedia keys (with @changes when `changes`, a stored record's),
    then its own fields; every key is required unless named in `optional`, and no other key may appear,
    so a dropped or renamed field fails validation."""
    properties = dict(HYPERMEDIA, **({"@changes": ref("Changes")} if changes else {}), **fields)
    return {"type": "object", "description": what, "required": [name for name in properties if name not in optional],
            "properties": properties, "additionalProperties": False}


def page(items: dict, optional=(), **extra) -> dict:
    """One page of a collection of `items` (closed: `extra` names the fields a listing adds); a `next` link in
    @links leads to the following page."""
    return representation("One page; a `next` link in @links leads to the following page.", optional, False,
                          **{"@items": {"type": "array", "items": items}}, **extra)


def described(schema: dict, description: str) -> dict:
    return {**schema, "description": description}


STRING = {"type": "string"}
URI = {"type": "string", "format": "uri"}
DATE_TIME = {"type": "string", "format": "date-time"}
ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
DATE = {"type": "string", "format": "date"}
# Wall-clock times: the jsonschema "time" format wants an offset, which these never carry.
TIME = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}:[0-9]{2}$"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


BOOLEAN = {"type": "boolean"}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_URI = {"type": ["string", "null"], "format": "uri"}
