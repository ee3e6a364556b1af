"""A browser sign-in lasts (API.md §15): `PUT auth/session` trades the refresh cookie for new tokens in the
cookies until `session_max_age`; a write sent after the access token ended is saved once renewed."""
import datetime

import transaction
from sqlalchemy import update

from hyperdiary.accounts.models import AuthSession
from hyperdiary.models.meta import utcnow
from tests.conftest import PASSWORD, Api, link

SESSION = "http://example.com/auth/session"
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def signed_in_by_cookie(testapp) -> Api:
    browser = Api(testapp)
    browser.post(SESSION, json={"username": "carol", "password": PASSWORD})
    return browser


def test_renewal_keeps_a_sign_in_past_its_access_token(testapp, client):
    browser = signed_in_by_cookie(testapp)
    ends = int(testapp.cookies["hd_session_ends"])
    assert ends > 0
    own = browser.get(link(browser.get(browser.url("me")).json, "client")).json
    # The access token has ended (its cookie is gone): the write is refused, renewal brings a new one, and
    # the same write with the new CSRF token is saved.
    del testapp.cookies["hd_access"]
    entry = {"@type": EMOTION, "dt": "2024-04-01T10:00:00Z", "emotion": "sad", "intensity": 2}
    browser.post(link(own, "diary.entries"), json=entry, status=401)
    renewed = browser.put(SESSION).json
    assert renewed["expires_in"] > 0 and testapp.cookies["hd_access"]
    browser.post(link(own, "diary.entries"), json=entry, headers={"X-CSRF-Token": renewed["csrf"]}, status=201)
    assert len(client.get(link(own, "diary.entries.items")).json["@items"]) == 1


def test_renewal_ends_with_the_sign_in(app, testapp, client):
    browser = signed_in_by_cookie(testapp)
    max_age = app.registry["token_ttl"].session_max_age
    with transaction.manager:
        dbsession = app.registry["dbsession_factory"]()
        dbsession.execute(update(AuthSession).values(created=utcnow() - datetime.timedelta(seconds=max_age + 1)))
    answer = browser.put(SESSION, status=401).json
    assert answer["code"] == 401 and "sign in again" in answer["message"]
    assert "hd_session_ends" not in testapp.cookies and "hd_access" not in testapp.cookies


def test_renewal_without_a_sign_in_is_a_401(testapp, client):
    Api(testapp).put(SESSION, status=401)
    testapp.set_cookie("hd_refresh", "made-up")
    Api(testapp).put(SESSION, status=401)


def test_a_refresh_cookie_renews_once(testapp, client):
    """A copied refresh cookie, used after the browser renewed, ends the sign-in (as auth.refresh does)."""
    browser = signed_in_by_cookie(testapp)
    old = testapp.cookies["hd_refresh"]
    browser.put(SESSION)
    testapp.set_cookie("hd_refresh", old)
    browser.put(SESSION, status=401)
