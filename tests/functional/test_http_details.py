"""The HTTP details of API.md §11: If-None-Match: *, 405 with Allow wherever the caller may look, the
invalid_token challenge, empty query parameters, and connections kept open after a 204 or a 304."""
import http.client
import urllib.parse

import pytest

from tests.conftest import Api, link, sign_in


def test_if_none_match_star_on_an_existing_resource_is_304(client, testapp):
    me = client.client()
    for url in (me["@url"], link(me, "goals"), "http://example.com/"):
        response = client.get(url, headers={"If-None-Match": "*"}, status=304)
        assert response.body == b""
        assert "Content-Type" not in response.headers
    # A resource that does not exist stays a 404, and a write is not a conditional GET.
    client.get(me["@url"] + "nothing/", headers={"If-None-Match": "*"}, status=404)
    client.get(me["@url"], headers={"If-None-Match": '"another"'}, status=200)


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
def test_405_with_allow_on_the_collections_a_caller_may_list(admin, professional, researcher, client, anonymous,
                                                             method):
    for api, name in ((professional, "clients"), (researcher, "subjects"), (researcher, "subjectlogs")):
        url = api.url(name)
        response = api.request(method, url, json={} if method == "PUT" else None, status=405)
        assert response.json["code"] == 405
        assert response.headers["Allow"] == "GET, POST" if name != "clients" else response.headers["Allow"] == "GET"
    # A record of them that the caller may not see stays hidden; signed out, a 401.
    for api in (client, anonymous):
        response = api.request(method, professional.url("clients") + "0123456789abcdef0123456789abcdef/",
                               json={} if method == "PUT" else None, status=404 if api is client else 401)
        assert "Allow" not in response.headers


def test_a_bad_token_is_an_invalid_token_challenge(client, testapp):
    for token in ("not-a-token", client.access + "x"):
        for url in ("http://example.com/", client.url("me")):
            response = testapp.get(url, headers={"Authorization": f"Bearer {token}"}, status=401)
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="hyperdiary", error="invalid_token"'
            assert response.json["code"] == 401
    # Without a token the challenge names no error (the caller only has to sign in).
    response = testapp.get(client.url("me"), status=401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hyperdiary"'


def test_a_revoked_token_is_an_invalid_token_challenge(client, testapp):
    refresh_url = client.url("auth.refresh")
    logout = client.url("auth.logout")
    # The auth endpoints authenticate by their body: a stale token sent along does not get in the way.
    client.post(logout, json={"refresh": client.refresh})
    response = testapp.get("/", headers=client.headers, status=401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    fresh = sign_in(testapp, "carol")
    stale = Api(testapp, client.access, fresh.refresh)
    stale.post(refresh_url, json={"refresh": fresh.refresh}, status=200)


@pytest.mark.parametrize("parameter", ["limit", "modified_after", "after"])
def test_an_empty_listing_parameter_is_400_naming_it(client, parameter):
    goals = link(client.client(), "goals")
    response = client.get(f"{goals}?{parameter}=", status=400)
    assert response.json["extra"] == [{"name": parameter, "message": response.json["extra"][0]["message"]}]
    assert "empty" in response.json["extra"][0]["message"]


@pytest.mark.parametrize("name, parameter", [("goals.reminders", "until"), ("goals.reminders", "since"),
                                             ("goals.tracker", "fromdate"), ("goals.tracker", "time_zone"),
                                             ("journals.stats", "todate"), ("moods.stats", "time_zone")])
def test_an_empty_date_parameter_is_400_naming_it(client, name, parameter):
    url = link(client.client(), name)
    response = client.get(f"{url}?{parameter}=", status=400)
    assert [p["name"] for p in response.json["extra"]] == [parameter]


def test_unknown_parameters_are_a_400_even_empty(client):
    """API.md §8 (revised): unknown query parameters are a 400 naming each, like unknown body fields."""
    response = client.get(link(client.client(), "goals") + "?whatever=", status=400)
    assert [p["name"] for p in response.json["extra"]] == ["whatever"]


def test_204_and_304_keep_the_connection_open(live_server, client, testapp):
    """Two requests on one connection: the first answers 204 (a DELETE) or 304, the second must be
    served on the same socket without the server closing it."""
    goals = link(client.client(), "goals")
    goal = client.post(goals, json={"title": "Walk", "is_onetime": True}, status=201)
    host = urllib.parse.urlsplit(live_server).netloc
    path = urllib.parse.urlsplit(goal.json["@url"]).path
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        headers = dict(client.headers)
        connection.request("GET", path, headers=dict(headers, **{"If-None-Match": goal.headers["ETag"]}))
        first = connection.getresponse()
        first.read()
        assert first.status == 304
        assert first.getheader("Connection") is None
        connection.request("DELETE", path, headers=headers)
        second = connection.getresponse()
        second.read()
        assert second.status == 204
        assert second.getheader("Connection") is None
        connection.request("GET", path, headers=headers)  # the same socket, still open
        third = connection.getresponse()
        third.read()
        assert third.status == 404
    finally:
        connection.close()
