"""Sixteen requests at once against a real server: dedupe, usernames and refresh tokens stay right
when requests race (on SQLite and on PostgreSQL)."""
import json
import threading
import urllib.error
import urllib.request

import pytest

from tests.conftest import PASSWORD, link

THREADS = 16
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def call(method, url, body=None, token=None):
    """(status, parsed body, Location) of one request; never raises for an HTTP status."""
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers.get("Location")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null"), None


def at_once(requests):
    """Run the calls (method, url, body, token) together, released by one barrier; their answers in order."""
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def run(index, args):
        barrier.wait(timeout=30)
        answers[index] = call(*args)

    threads = [threading.Thread(target=run, args=(i, args)) for i, args in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def live(url, server):
    """The same link on the live server (the fixtures' links name example.com)."""
    return url.replace("http://example.com", server)


@pytest.fixture
def entries(client, live_server):
    body = client.client()
    return live(link(body, "diary.entries"), live_server), live(link(body, "diary.entries.items"), live_server)


def test_identical_posts_make_one_entry(client, entries):
    entries_url, items_url = entries
    entry = {"@type": EMOTION, "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5}
    answers = at_once([("POST", entries_url, entry, client.access)] * THREADS)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * (THREADS - 1) + [201]
    assert len({body["@url"] for _, body, _ in answers}) == 1
    assert len({location for _, _, location in answers}) == 1
    status, listing, _ = call("GET", items_url, token=client.access)
    assert status == 200 and len(listing["@items"]) == 1


def test_different_posts_all_land(client, entries):
    entries_url, items_url = entries
    answers = at_once([("POST", entries_url, {"@type": EMOTION, "dt": f"2024-04-11T11:41:{i:02d}Z",
                                              "emotion": "sad", "intensity": 2}, client.access)
                       for i in range(THREADS)])
    assert [status for status, _, _ in answers] == [201] * THREADS
    status, listing, _ = call("GET", items_url, token=client.access)
    assert len(listing["@items"]) == THREADS


def test_one_username_one_account(anonymous, live_server):
    url = live(anonymous.url("auth.register"), live_server)
    body = {"username": "racer", "email": "racer@example.org", "password": PASSWORD}
    answers = at_once([("POST", url, body, None)] * THREADS)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [201] + [400] * (THREADS - 1)
    assert all(b["extra"] == [{"name": "username", "message": "This username is taken."}]
               for status, b, _ in answers if status == 400)
    token_url = live(anonymous.url("auth.token"), live_server)
    assert call("POST", token_url, {"username": "racer", "password": PASSWORD})[0] == 200


def test_one_refresh_token_refreshes_once(client, live_server):
    """Racing refreshes with one token: one may win, and the losers present a token that is already
    retired, which revokes the whole sign-in, the winner's new tokens included."""
    url = live(client.url("auth.refresh"), live_server)
    me_url = live(client.url("me"), live_server)
    answers = at_once([("POST", url, {"refresh": client.refresh}, None)] * THREADS)
    statuses = [status for status, _, _ in answers]
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 401}
    for status, body, _ in answers:
        if status == 200:
            assert call("POST", url, {"refresh": body["refresh"]})[0] == 401
            assert call("GET", me_url, token=body["access"])[0] == 401
    assert call("GET", me_url, token=client.access)[0] == 401
