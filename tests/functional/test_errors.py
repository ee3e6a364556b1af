"""Every error in the contract's shape (API.md §2): 404, 405, 413, malformed bodies, and a fault."""
import base64
import json

import pytest
import webtest
from pyramid.config import Configurator

from hyperdiary import main
from hyperdiary.models import dispose

from tests.conftest import link

SHAPE = {"code", "message", "extra"}


def assert_error(response, code):
    assert response.status_int == code
    assert response.content_type == "application/json"
    assert set(response.json) == SHAPE and response.json["code"] == code
    assert isinstance(response.json["extra"], list)
    assert "Traceback" not in response.text


def test_unknown_path_is_404(anonymous, testapp):
    for path in ("/nothing/here", "/schemas/nope/"):
        response = testapp.get(path, status=404)
        assert_error(response, 404)
        assert response.json["message"] == "Not found."  # not the path back (Pyramid's detail)


def test_unknown_client_for_a_signed_in_caller_is_404(admin):
    assert_error(admin.get("http://example.com/clients/nope/", status=404), 404)


def test_method_not_allowed(client, testapp):
    response = testapp.delete("/", status=405)
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    entries = link(client.client(), "diary.entries")
    response = client.get(entries, status=405)
    assert_error(response, 405)
    assert response.headers["Allow"] == "POST"
    assert_error(client.put(link(client.root(), "auth.token"), json={}, status=405), 405)


def test_405_does_not_reveal_hidden_resources(client, professional):
    entries = link(client.client(), "diary.entries")
    assert_error(professional.get(entries, status=404), 404)


@pytest.mark.parametrize("raw", ["{", "[1, 2", "nul", "\"unterminated", "{\"a\": }", ""])
def test_malformed_json_bodies(anonymous, testapp, raw):
    url = anonymous.url("auth.register")
    assert_error(testapp.post(url, raw, headers={"Content-Type": "application/json"}, status=400), 400)


def test_array_where_object_expected(anonymous):
    response = anonymous.post(anonymous.url("auth.token"), json=[{"username": "x", "password": "y"}], status=400)
    assert_error(response, 400)
    assert response.json["extra"] == [{"name": "body", "message": "Expected a JSON object."}]


def test_large_body_is_413_before_reading(anonymous, testapp):
    url = anonymous.url("auth.register")
    assert_error(testapp.post(url, b"{" + b" " * (1024 * 1024 + 10) + b"}", headers={
        "Content-Type": "application/json"}, status=413), 413)


def test_json_ld_context(testapp):
    response = testapp.get("/")
    rel = 'rel="http://www.w3.org/ns/json-ld#context"'
    header = response.headers["Link"]
    assert rel in header
    context_url = header.split(">")[0].lstrip("<")
    assert link(response.json, "context") == context_url
    document = testapp.get(context_url)
    assert document.content_type == "application/ld+json"
    assert "@vocab" in document.json["@context"]


def test_responses_are_not_cached(testapp):
    assert "no-store" in testapp.get("/").headers["Cache-Control"]


def test_unexpected_fault_is_a_500_in_the_error_shape(app_settings):
    """A view that fails answers 500 in the error shape, with no traceback."""

    def failing_main():
        app = main({}, **app_settings)
        config = Configurator(registry=app.registry)
        config.add_view(lambda request: 1 / 0, name="boom", context="hyperdiary.resources.root.Root")
        config.commit()
        return app

    app = failing_main()
    try:
        response = webtest.TestApp(app).get("/boom", status=500)
        assert_error(response, 500)
        assert "ZeroDivision" not in response.text
    finally:
        dispose(app.registry)


def test_nul_characters_are_refused_alike_on_both_databases(client, anonymous):
    """PostgreSQL's text cannot hold NUL; SQLite's can. Both answer a 400 naming the field (or 404 for
    a path), and nothing is stored."""
    journals = link(client.client(), "journals")
    response = client.post(journals, json={"title": "a\u0000b"}, status=400)
    assert response.json["extra"] == [{"name": "title", "message": "Text may not contain the NUL character (\\u0000)."}]
    response = client.post(journals, json={"title": "ok", "nested": [{"x\u0000": 1}]}, status=400)
    assert [p["name"] for p in response.json["extra"]] == ["nested.0.x\u0000"]
    assert client.get(journals).json["@items"] == []
    me = client.url("me")
    assert [p["name"] for p in client.patch(me, json={"first_name": "\u0000"}, status=400).json["extra"]] == ["first_name"]
    token = anonymous.post(anonymous.url("auth.token"), json={"username": "carol\u0000", "password": "x"}, status=400)
    assert [p["name"] for p in token.json["extra"]] == ["username"]
    assert [p["name"] for p in client.get(journals + "?session=%00", status=400).json["extra"]] == ["session"]
    assert anonymous.get("http://example.com/schemas/%00/", status=404).json["code"] == 404
    assert client.get(journals + "%00/", status=404).json["code"] == 404


def test_query_strings_and_paths_that_are_not_utf8(client, anonymous, errors):
    """WebOb fails (500) on the first read of a query or path that is not UTF-8: a query parameter that
    is not is a 400 naming it, a path a 404, and nothing is logged as a fault."""
    journals = link(client.client(), "journals")
    response = client.get(journals + "?limit=5&after=%FF", status=400)
    assert_error(response, 400)
    assert response.json["extra"] == [{"name": "after", "message": "Not UTF-8 text."}]
    # A name that is not UTF-8 is named as well as it can be.
    assert [p["name"] for p in client.get(journals + "?ok%FF=1", status=400).json["extra"]] == ["ok\ufffd"]
    # A lone surrogate encoded as UTF-8 is no UTF-8 either.
    assert client.get(journals + "?session=%ED%A0%80", status=400).json["extra"][0]["name"] == "session"
    assert_error(client.get(journals + "%FF/", status=404), 404)
    assert_error(anonymous.get("http://example.com/%ED%A0%80/", status=404), 404)
    # UTF-8 is fine, in a path and in a query.
    assert_error(client.get(journals + "%C3%A9/", status=404), 404)
    assert client.get(journals + "?session=%C3%A9t%C3%A9").json["@items"] == []
    assert not errors


def test_a_cursor_holding_a_nul_character_is_a_400(client, admin, researcher):
    """`after` is base64 of JSON, so a NUL inside it passes the query's own check and used to reach
    PostgreSQL as a text parameter (a 500 there, a page on SQLite): refused alike on both."""
    def after(values):
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    listings = [
        (admin, admin.url("users"), ["\u0000", "x"]),
        (admin, admin.url("users"), ["carol", "\u0000"]),
        (client, link(client.client(), "journals"), ["2024-01-01T00:00:00", "\u0000"]),
        (researcher, researcher.url("subjects"), ["a\u0000", "x"]),
    ]
    for api, url, values in listings:
        response = api.get(url, params={"after": after(values)}, status=400)
        assert_error(response, 400)
        assert [p["name"] for p in response.json["extra"]] == ["after"]


def test_deeply_nested_json_is_a_400(client, errors):
    """orjson reads 1,024 levels of nesting; the checks after it recursed, and a body nested about 1,000
    levels deep was a RecursionError (500). Deeper than 64 levels is refused as a whole."""
    journals = link(client.client(), "journals")
    headers = dict(client.headers, **{"Content-Type": "application/json"})
    for depth in (65, 1000, 1023):
        raw = b'{"title": ' + b"[" * depth + b"]" * depth + b"}"
        response = client.testapp.post(journals, raw, headers=headers, status=400)
        assert_error(response, 400)
        assert response.json["extra"] == [{"name": "body", "message": "JSON nested deeper than 64 levels."}]
    # 64 levels are read (and this title is no string).
    raw = b'{"title": ' + b"[" * 63 + b"]" * 63 + b"}"
    assert client.testapp.post(journals, raw, headers=headers, status=400).json["extra"][0]["name"] == "title"
    # A NUL is still named by its path, in document order.
    body = {"title": "ok", "nested": [{"a": 1, "b\u0000": 2}, "c\u0000"]}
    assert client.post(journals, json=body, status=400).json["extra"][0]["name"] == "nested.0.b\u0000"
    assert client.get(journals).json["@items"] == []
    assert not errors
