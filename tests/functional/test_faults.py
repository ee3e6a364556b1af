"""API.md §8: every error in the contract's shape with charset=UTF-8, faults in tweens included; a
database that cannot be reached answers 503 with Retry-After; security headers on every response."""
import shutil

import pytest
import sqlalchemy as sa
import webtest

from hyperdiary import main
from hyperdiary.faults import RETRY_AFTER
from hyperdiary.models import dispose
from tests.conftest import link

JSON_UTF8 = "application/json; charset=UTF-8"


def assert_error(response, code):
    assert response.status_int == code
    assert response.headers["Content-Type"] == JSON_UTF8
    assert set(response.json) == {"code", "message", "extra"} and response.json["code"] == code
    return response


def test_errors_say_utf8(client, anonymous, testapp):
    assert_error(anonymous.get("http://example.com/nowhere/", status=404), 404)
    assert_error(client.get("http://example.com/users/", status=403), 403)
    assert_error(anonymous.get("http://example.com/users/", status=401), 401)
    assert_error(client.post(client.url("me"), json={}, status=405), 405)
    assert_error(anonymous.post(anonymous.url("auth.token"), json={"username": "x"}, status=400), 400)
    assert_error(testapp.post(anonymous.url("auth.token"), b"x" * (1024 * 1024 + 1),
                              headers={"Content-Type": "application/json"}, status=413), 413)


def test_security_headers_on_every_response(client, anonymous):
    for response in (anonymous.get("http://example.com/"), anonymous.get("http://example.com/nowhere/", status=404),
                     client.get(client.url("me")), client.post(client.url("me"), json={}, status=405)):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_a_fault_in_a_tween_has_the_error_shape(client, monkeypatch, errors):
    """pyramid_tm looks the caller up before any view runs (outside the exception views): a fault there
    was waitress's plain-text 500."""
    from hyperdiary import lineage

    def broken(self, request, root_class):
        raise RuntimeError("the identity lookup broke")

    monkeypatch.setattr(lineage.Lineage, "__init__", broken)
    response = client.patch("http://example.com/users/x/", json={}, status=500)
    assert_error(response, 500)
    assert response.json["message"] == "Internal server error."
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert any("the identity lookup broke" in line for line in errors)
    errors.clear()


@pytest.fixture
def unreachable_app(app_settings, tmp_path):
    """A second app whose database cannot be reached: PostgreSQL on a port where nothing listens; for
    SQLite, a database file whose folder is gone (a volume that went away)."""
    settings = dict(app_settings)
    if sa.engine.make_url(settings["sqlalchemy.url"]).get_backend_name() == "sqlite":
        folder = tmp_path / "gone"
        settings["sqlalchemy.url"] = f"sqlite:///{folder / 'hyperdiary.sqlite'}"
        app = main({}, **settings)
        shutil.rmtree(folder)
    else:
        url = sa.engine.make_url(settings["sqlalchemy.url"]).set(host="127.0.0.1", port=1)
        settings["sqlalchemy.url"] = url.render_as_string(hide_password=False)
        app = main({}, **settings)
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    dispose(app.registry)


def test_an_unreachable_database_is_a_503(unreachable_app, client, errors):
    headers = {"Authorization": f"Bearer {client.access}"}
    root = unreachable_app.get("http://example.com/")  # the anonymous root needs no database
    for response in (unreachable_app.get("http://example.com/", headers=headers, status=503),
                     unreachable_app.post_json(link(root.json, "auth.token"), {"username": "carol", "password": "x"},
                                               status=503),
                     unreachable_app.patch_json("http://example.com/users/0123/", {"first_name": "C"},
                                                headers=headers, status=503)):
        assert_error(response, 503)
        assert response.headers["Retry-After"] == str(RETRY_AFTER)
    assert errors == []  # logged as a warning: nothing in our code is at fault


def test_a_page_keeps_its_own_content_security_policy():
    from pyramid.response import Response

    from hyperdiary.securityheaders import security_headers

    page = Response("<p>hi</p>", content_type="text/html")
    page.headers["Content-Security-Policy"] = "default-src 'self'"
    answer = security_headers(lambda request: page, None)(None)
    assert answer.headers["Content-Security-Policy"] == "default-src 'self'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_sign_ins_beyond_the_hashing_bound_answer_503_at_once(app, client, anonymous):
    """Every slot of hashing.py taken (as by sign-ins hashing and waiting): the next sign-in is refused at
    once with Retry-After instead of taking a worker thread."""
    hasher = app.registry["password_hasher"]
    slots = hasher.concurrency + hasher.queue
    for _ in range(slots):
        assert hasher._admitted.acquire(blocking=False)
    try:
        response = anonymous.post(anonymous.url("auth.token"), json={"username": "carol", "password": "x" * 12},
                                  status=503)
        assert_error(response, 503)
        assert response.headers["Retry-After"] == "1"
    finally:
        for _ in range(slots):
            hasher._admitted.release()
    assert anonymous.post(anonymous.url("auth.token"), json={"username": "carol", "password": "x" * 12},
                          status=401)


def test_an_http_error_raised_outside_the_exception_views_keeps_its_status():
    from pyramid.httpexceptions import HTTPServiceUnavailable
    from pyramid.request import Request

    from hyperdiary.faults import fault_guard

    def tween(request):
        raise HTTPServiceUnavailable()

    answer = fault_guard(tween, None)(Request.blank("/"))
    assert answer.status_int == 503 and answer.headers["Content-Type"] == JSON_UTF8
    assert answer.json == {"code": 503, "message": "Service Unavailable", "extra": []}


# --- what waitress answers itself (API.md §8) -----------------------------------------------------------------


def raw_exchange(base_url: str, data: bytes) -> tuple[int, dict, bytes]:
    """Send `data` as it is to the live server; its answer's status, headers and body."""
    import socket
    from http.client import HTTPResponse

    host, port = base_url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(data)
        response = HTTPResponse(sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


@pytest.mark.parametrize("request_bytes, code", [
    # Header fields over waitress's max_request_header_size (256 KiB by default).
    (b"GET / HTTP/1.1\r\nHost: example.com\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n", 431),
    (b"POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: many\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: example.com\r\nX-Bad: \x00\r\n\r\n", 400),
])
def test_errors_raised_by_waitress_have_the_error_shape(live_server, request_bytes, code):
    import json

    status, headers, body = raw_exchange(live_server, request_bytes)
    assert status == code
    assert headers["content-type"] == JSON_UTF8
    answer = json.loads(body)
    assert set(answer) == {"code", "message", "extra"} and answer["code"] == code and answer["message"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
