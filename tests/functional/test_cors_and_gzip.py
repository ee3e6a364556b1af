"""CORS for the origins a deployment lists, and gzip above 1 KiB (API.md §11)."""
import gzip

import pytest
import webtest
from webob import Request

from hyperdiary import main
from hyperdiary.models import dispose

from tests.conftest import PASSWORD, empty_tables, link

ORIGIN = "https://app.example.org"


@pytest.fixture(scope="module")
def cors_app(app_settings):
    app = main({}, **dict(app_settings, **{"hyperdiary.cors.origins": f"{ORIGIN} https://other.example.org"}))
    yield app
    dispose(app.registry)


@pytest.fixture
def cors(cors_app):
    yield webtest.TestApp(cors_app, extra_environ={"HTTP_HOST": "example.com"})
    empty_tables(cors_app.registry["dbengine"])


def preflight(testapp, url, origin=ORIGIN, method="PATCH"):
    return testapp.options(url, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": "authorization, content-type"},
                           status="*")


def test_preflight_on_any_url_is_204_without_authentication(cors):
    for url in ("/", "/clients/", "/clients/0123456789abcdef0123456789abcdef/goals/", "/no/such/thing"):
        response = preflight(cors, url)
        assert response.status_int == 204
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
        assert set(response.headers["Access-Control-Allow-Headers"].split(", ")) == {
            "Authorization", "Content-Type", "If-Match", "If-None-Match"}
        assert "Origin" in response.headers["Vary"]


def test_listed_origins_read_every_answer_and_its_headers(cors):
    cors.post_json("/auth/register", {"username": "carol", "email": "c@example.org", "password": PASSWORD},
                   headers={"Origin": ORIGIN}, status=201)
    token = cors.post_json("/auth/token", {"username": "carol", "password": PASSWORD}).json["access"]
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {token}"}
    me = cors.get(link(cors.get("/", headers=headers).json, "me"), headers=headers)
    assert me.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert set(me.headers["Access-Control-Expose-Headers"].split(", ")) == {"ETag", "Location", "Link"}
    # Errors too: a browser can only show the message of an answer it may read.
    missing = cors.get("/clients/", headers={"Origin": ORIGIN}, status=401)
    assert missing.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_other_origins_get_nothing(cors, testapp):
    response = preflight(cors, "/", origin="https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers
    assert "Access-Control-Allow-Origin" not in cors.get("/", headers={"Origin": "https://evil.example.net"}).headers


def test_cors_is_off_when_no_origin_is_listed(testapp):
    """The shipped settings list none: no CORS header, and OPTIONS is what it always was (405)."""
    assert "Access-Control-Allow-Origin" not in testapp.get("/", headers={"Origin": ORIGIN}).headers
    response = preflight(testapp, "/")
    assert response.status_int == 405
    assert "Access-Control-Allow-Origin" not in response.headers


def test_environment_sets_the_origins(monkeypatch):
    from hyperdiary import apply_environment
    monkeypatch.setenv("HYPERDIARY_CORS_ORIGINS", ORIGIN)
    assert apply_environment({})["hyperdiary.cors.origins"] == ORIGIN


def raw(app, path, **headers):
    """The answer as it goes on the wire (webtest would decode gzip for us)."""
    return Request.blank(path, headers=headers, environ={"HTTP_HOST": "example.com"}).get_response(app)


def test_answers_over_1_kib_are_gzipped_when_accepted(app, testapp):
    plain = raw(app, "/openapi.json")
    assert plain.content_encoding is None and plain.content_length > 1024
    assert "Accept-Encoding" in plain.headers["Vary"]
    packed = raw(app, "/openapi.json", **{"Accept-Encoding": "br, gzip;q=0.8"})
    assert packed.content_encoding == "gzip"
    assert packed.content_length < plain.content_length / 5
    assert gzip.decompress(packed.body) == plain.body
    assert "Accept-Encoding" in packed.headers["Vary"]
    refused = raw(app, "/openapi.json", **{"Accept-Encoding": "gzip;q=0, br"})
    assert refused.content_encoding is None


def test_small_answers_stay_plain(app, testapp):
    small = raw(app, "/", **{"Accept-Encoding": "gzip"})
    assert small.content_length <= 1024
    assert small.content_encoding is None


def test_a_gzipped_page_keeps_its_etag_and_304(client, app):
    goals = link(client.client(), "goals")
    goal = client.post(goals, json={"title": "x" * 200, "description": "y" * 2000, "is_onetime": True}, status=201)
    path = goal.json["@url"].replace("http://example.com", "")
    headers = {"Accept-Encoding": "gzip", "Authorization": f"Bearer {client.access}"}
    packed = raw(app, path, **headers)
    assert packed.content_encoding == "gzip"
    assert packed.headers["ETag"] == goal.headers["ETag"]
    again = raw(app, path, **dict(headers, **{"If-None-Match": packed.headers["ETag"]}))
    assert again.status_int == 304 and again.body == b""
