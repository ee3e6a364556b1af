"""What a hand-written view says of itself for the OpenAPI document, beside its `view_config` (cornice's
`@view(schema=..., response_schemas=...)` and warehouse's `api/echo.py` are the models):

    @documented("getMoodStats", "/clients/{client_id}/moods/stats", "Mood logs counted per local day and mood",
                link="moods.stats", result="MoodStats", errors=(404,), query=DateRange)
    @view_config(context=Moods, name="stats", request_method="GET", ...)
    def mood_stats(context, request):
        \"\"\"The description (the docstring).\"\"\"

The operation's method, context and view name are the view's registration; its query parameters come from
the colander schema the view parses its query with (`query`), its request body from a file of schemas/ (a
component name) or from the colander schema the view reads it with (`body`); its description is the view's
docstring. hyperdiary/openapi.py reads this when it builds the document; a registered view without it is
left out of the document, and tests/functional/test_openapi.py names it. Nothing here runs per request.
"""
from typing import NamedTuple

JSON = "application/json"


class Doc(NamedTuple):
    id: str  # operationId
    path: str  # the path template (ends with the view's name)
    summary: str
    link: str | None = None  # x-link: the link that leads to the operation
    body: object = None  # a component schema name, or a colander schema (class) the view reads the body with
    ok: int = 200
    result: str | dict | None = None  # a component schema name, or a schema
    errors: tuple = ()  # 403, 404, 409, 429; 400, 401, 412, 413, 415 and 503 follow from the traits below
    query: type | None = None  # the colander schema (class) the view parses its query string with
    public: bool = False  # no sign-in needed
    etag: bool = False  # answers an ETag
    if_match: bool = False  # honours If-Match (412)
    if_none_match: bool = False  # honours If-None-Match (304)
    also: dict = {}  # other successful answers: status -> description (same body)
    media: str = JSON
    tag: str | None = None  # default: the tag of the path (openapi.tag_of)
    description: str | None = None  # default: the view's docstring ("": none)
    alternatives: dict = {}  # other media types of the success answer: media type -> schema
    body_required: bool = True  # False: the body may be left out (every field has a default)
    parameters: dict = {}  # {path parameter: what it is}, for one that is no record's id (`<kind>_id`); said
                           # once, on any operation of the path, it holds for all


def documented(operation_id: str, path: str, summary: str, **traits):
    """Attach the view's documentation to it (the same function, unchanged: nothing per request)."""
    doc = Doc(operation_id, path, summary, **traits)

    def attach(view):
        view.__openapi__ = doc
        return view

    return attach


class Page:
    """The result of a listing: one page of `items` (component names; several: any of them)."""

    def __init__(self, *items: str):
        self.items = items


class Shape:
    """A representation declared beside the views that render it, as a kind's is: the hypermedia keys, then
    `fields`, each typed by the column of that name of `model` (openapi.column_schema), or by `represented`
    (a field that is no column, or says more). `changes`: it carries @changes (a stored record's)."""

    def __init__(self, name: str, description: str, model=None, fields=(), represented=None, changes=True,
                 optional=()):
        self.name, self.description, self.model = name, description, model
        self.fields, self.represented, self.changes = tuple(fields), dict(represented or {}), changes
        self.optional = tuple(optional)  # fields some answers leave out (the caseload's columns)


class File:
    """A request body checked by schemas/<name>.json, read from the deployment's own file when the document
    is built, as the component `component`. `read_only`: the fields of a representation a body may send back
    unchanged (ignored), besides its hypermedia keys (None: a body that is no representation); `change`: a
    PATCH that merges what it sends (every field optional)."""

    def __init__(self, name: str, component: str, read_only=None, change=False):
        self.name, self.component, self.read_only, self.change = name, component, read_only, change


class Named:
    """A component schema declared beside the views that answer or read it (the words of hyperdiary/shapes.py
    build it): any Named or Shape at the top of a module holding a documented view is in the document."""

    def __init__(self, name: str, schema: dict):
        self.name, self.schema = name, schema
