"""The OpenAPI document is served, valid OpenAPI 3.1, and describes exactly the views that exist."""
from openapi_spec_validator import validate

from tests.conftest import link


def registered_operations(app):
    """(context class name, view name, method) of every view of a resource (not exception views)."""
    operations = set()
    for item in app.registry.introspector.get_category("views"):
        view = item["introspectable"]
        context = view["context"]
        if not isinstance(context, type) or issubclass(context, BaseException) or view["exception_only"]:
            continue
        methods = view["request_methods"]
        for method in (methods,) if isinstance(methods, str) else methods:
            operations.add((context.__name__, view["name"], method))
    return operations


def documented_operations(document):
    return {(op["x-view"]["context"], op["x-view"]["name"], op["x-view"]["method"])
            for path in document["paths"].values() for op in path.values()}


def test_served_and_valid(anonymous):
    response = anonymous.get(anonymous.url("openapi"))
    assert response.content_type == "application/json"
    document = response.json
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://example.com"}]
    validate(document)


def test_every_view_is_described_and_nothing_else(app, anonymous):
    document = anonymous.get(anonymous.url("openapi")).json
    registered = registered_operations(app)
    assert registered, "no views found"
    assert registered - documented_operations(document) == set(), "views missing from the OpenAPI document"
    assert documented_operations(document) - registered == set(), "the OpenAPI document describes missing views"


def test_link_names_are_those_of_the_contract(client, anonymous):
    document = anonymous.get(anonymous.url("openapi")).json
    named = {op["x-link"] for path in document["paths"].values() for op in path.values() if "x-link" in op}
    client_links = {entry["name"] for entry in client.client()["@links"]}
    assert {"diary", "diary.configuration", "diary.entries", "diary.entries.items", "diary.entries.schemas"} <= named
    assert named & client_links == client_links - {"user"}
    assert link(anonymous.root(), "openapi")
