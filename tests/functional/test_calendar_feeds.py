"""The goals calendar (API.md §11): secret feeds a calendar app subscribes to without any header, and a
calendar whose alarms, expanded as a calendar app expands them, fall at the instants `goals.reminders`
gives, in both seasons, in zones on both sides of the Atlantic."""
import datetime
import hashlib

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa

from hyperdiary.feeds.models import CalendarFeed
from tests.conftest import PASSWORD, link, link_names, pages, sign_in


@pytest.fixture
def feeds_url(client):
    return link(client.client(), "goals.ics.feeds")


def walk(**fields):
    return dict({"title": "Walk", "is_onetime": False, "frequency": "Daily", "startdate": "2024-04-01T07:00:00Z",
                 "targetdate": "2024-04-03T00:00:00Z"}, **fields)


def test_a_feed_serves_the_goals_calendar_to_anyone_with_its_url(client, feeds_url, testapp, app):
    client.post(link(client.client(), "goals"), json=walk(), status=201)
    created = client.post(feeds_url, json={"name": "phone"}, status=201)
    feed = created.json
    assert created.headers["Location"] == feed["@url"]
    assert feed["name"] == "phone" and feed["feed"].startswith("http://example.com/")
    # No header at all: what a calendar app sends.
    served = testapp.get(feed["feed"], headers={})
    assert served.content_type == "text/calendar"
    assert [str(todo["summary"]) for todo in icalendar.Calendar.from_ical(served.body).walk("VTODO")] == ["Walk"]
    assert served.body == client.get(link(client.client(), "goals.ics")).body
    # Listed and read without the secret; the database holds only its hash.
    secret = feed["feed"].split("/feeds/", 1)[1].split("/", 1)[0]
    listing = client.get(feeds_url)
    assert [item["@url"] for item in listing.json["@items"]] == [feed["@url"]]
    assert secret not in listing.text and secret not in client.get(feed["@url"]).text
    assert "feed" not in client.get(feed["@url"]).json
    with app.registry["dbengine"].connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM calendar_feeds")).mappings().all()
    assert [row["token_hash"] for row in rows] == [hashlib.sha256(secret.encode()).hexdigest()]
    assert not any(secret in str(value) for row in rows for value in row.values())
    # Ended: the secret URL is gone, the other feeds stay.
    other = client.post(feeds_url, status=201).json
    assert other["name"] is None
    client.delete(feed["@url"], status=204)
    testapp.get(feed["feed"], status=404)
    testapp.get(other["feed"])
    assert [item["@url"] for item in client.get(feeds_url).json["@items"]] == [other["@url"]]


def test_a_feed_reads_one_calendar_and_nothing_else(client, feeds_url, testapp):
    feed = client.post(feeds_url, status=201).json["feed"]
    testapp.post(feed, status=405)
    testapp.get(feed.rsplit("/", 1)[0] + "/", status=404)  # the secret alone names no resource
    testapp.get(feed.replace("/goals.ics", "/goals"), status=404)
    testapp.get(feed.rsplit("/", 2)[0] + "/" + "A" * 43 + "/goals.ics", status=404)
    testapp.get("/feeds/short/goals.ics", status=404)
    # A stale bearer token sent along (a browser's) does not get in the way.
    testapp.get(feed, headers={"Authorization": "Bearer stale"})


def test_feeds_are_the_clients_alone(client, professional, caseload, admin, testapp, anonymous, feeds_url):
    assert "goals.ics.feeds" not in link_names(professional.get(caseload).json)
    assert "goals.ics.feeds" not in link_names(admin.get(caseload).json)
    feed = client.post(feeds_url, status=201).json
    for other in (professional, admin):
        other.get(feeds_url, status=404)
        other.post(feeds_url, status=404)
        other.delete(feed["@url"], status=404)
    anonymous.get(feeds_url, status=401)
    anonymous.delete(feed["@url"], status=401)
    testapp.post_json(anonymous.url("auth.register"),
                      {"username": "eve", "email": "eve@example.org", "password": PASSWORD}, status=201)
    eve = sign_in(testapp, "eve")
    eve.get(feed["@url"], status=404)
    assert client.get(feed["@url"]).json["@url"] == feed["@url"]


def test_bad_feed_bodies_store_nothing(client, feeds_url):
    for body, name in (({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"name": 3}, "name"),
                       ({"name": "phone", "colour": "red"}, "colour")):
        assert [p["name"] for p in client.post(feeds_url, json=body, status=400).json["extra"]] == [name]
    client.post(feeds_url, json=[{"name": "x"}], status=400)
    assert client.get(feeds_url).json["@items"] == []


# --- the calendar against goals.reminders, across both DST changes -----------------------------------------

# Each goal's schedule crosses the spring and the autumn change of both zones (Europe: 31 March and
# 27 October 2024; America/New_York: 10 March and 3 November 2024).
GOALS = [
    walk(title="Daily walk", startdate="2024-02-20T07:00:00Z", targetdate="2024-11-20T00:00:00Z",
         reminder=True, remindertime="07:30"),
    # 23:30 UTC is already the next day in Amsterdam, and 22:30 UTC is in summer only: the local days and
    # weekdays move with the seasons.
    walk(title="Late swim", frequency="Weekly", days=["Monday", "Thursday"], startdate="2024-02-26T22:30:00Z",
         targetdate="2024-11-28T00:00:00Z", reminder=True, remindertime="21:00"),
    walk(title="Pay rent", frequency="Monthly", startdate="2024-01-31T12:00:00Z",
         targetdate="2024-12-31T00:00:00Z", reminder=True, remindertime="09:15"),
    # Reminders on the very days of the changes, at an hour that exists in both zones.
    walk(title="Change days", startdate="2024-03-09T15:00:00Z", targetdate="2024-03-11T00:00:00Z",
         reminder=True, remindertime="04:00"),
    walk(title="Dentist", is_onetime=True, targetdate="2024-10-28T14:00:00Z", reminder=True,
         remindertime="09:30", reminderdate="2024-10-27"),
    walk(title="No reminder", startdate="2024-03-25T07:00:00Z", targetdate="2024-04-05T00:00:00Z"),
]


def reminders(api, client_body) -> dict:
    found = {}
    for page in pages(api, link(client_body, "goals.reminders"), {"until": "2025-06-01T00:00:00Z", "limit": 500}):
        for item in page["@items"]:
            found.setdefault(item["title"], []).append(item["remind_at"])
    return {title: sorted(instants) for title, instants in found.items()}


def expanded_alarms(document: bytes) -> dict:
    calendar = icalendar.Calendar.from_ical(document)
    found = {}
    for todo in recurring_ical_events.of(calendar, components=["VALARM"]).between(
            datetime.datetime(2023, 1, 1), datetime.datetime(2026, 1, 1)):
        for alarm in todo.walk("VALARM"):
            moment = alarm.decoded("trigger").astimezone(datetime.UTC)
            found.setdefault(str(todo["summary"]), []).append(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return {title: sorted(instants) for title, instants in found.items()}


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/New_York"])
def test_alarms_fall_where_goals_reminders_says(client, feeds_url, testapp, zone):
    me = client.client()
    client.patch(me["@url"], json={"time_zone": zone})
    for body in GOALS:
        client.post(link(me, "goals"), json=body, status=201)
    expected = reminders(client, me)
    assert set(expected) == {"Daily walk", "Late swim", "Pay rent", "Change days", "Dentist"}
    # Due days are the client's calendar days: the targets 2024-11-20T00:00Z and 2024-12-31T00:00Z are still
    # the 19th and the 30th in New York.
    new_york = zone == "America/New_York"
    assert len(expected["Daily walk"]) == 275 - new_york and len(expected["Pay rent"]) == 12 - new_york
    document = testapp.get(client.post(feeds_url, status=201).json["feed"]).body
    assert expanded_alarms(document) == expected
    calendar = icalendar.Calendar.from_ical(document)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == [zone]
    for todo in calendar.walk("VTODO"):
        start = todo.get("dtstart") or todo.get("due")
        assert start.params["TZID"] == zone


def test_occurrences_keep_their_local_time_in_every_season(client):
    """A goal due at 07:00 UTC from February is at 08:00 in Amsterdam all year (at 09:00 summer time it
    would be an hour late for a person who keeps a habit by the clock); its local days are those of its
    tracking items."""
    me = client.client()
    client.patch(me["@url"], json={"time_zone": "Europe/Amsterdam"})
    body = client.post(link(me, "goals"), json=GOALS[0], status=201).json
    calendar = icalendar.Calendar.from_ical(client.get(link(me, "goals.ics")).body)
    starts = [todo.decoded("dtstart") for todo in recurring_ical_events.of(calendar, components=["VTODO"]).between(
        datetime.datetime(2024, 1, 1), datetime.datetime(2025, 1, 1))]
    assert {start.strftime("%H:%M") for start in starts} == {"08:00"}
    items = [item for page in pages(client, link(body, "tracking"), {"limit": 500}) for item in page["@items"]]
    assert [start.date().isoformat() for start in starts] == [item["duedate"][:10] for item in items]


def test_a_feed_ended_at_once_is_ended_once(live_server, client, feeds_url, testapp, errors):
    from tests.functional.test_concurrency import assert_no_server_errors, at_once
    feed = client.post(feeds_url, status=201).json
    testapp.get(feed["feed"])
    # The feed's URL on the live server (webtest's answer named its own host).
    answers = at_once("DELETE", feed["@url"].replace("http://example.com", live_server), [None] * 8,
                      token=client.access)
    assert_no_server_errors(answers, errors)
    assert sorted(answer.status for answer in answers) == [204] + [404] * 7
    testapp.get(feed["feed"], status=404)


def test_an_erased_client_leaves_no_feed(client, feeds_url, testapp, app):
    feed = client.post(feeds_url, json={"name": "phone"}, status=201).json
    client.delete(client.url("me"), json={"password": PASSWORD}, status=204)
    testapp.get(feed["feed"], status=404)
    with app.registry["dbengine"].connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM calendar_feeds")).scalar() == 0


# --- a feed lives no longer than its user's access (API.md §8), and reads through it are audited (§9) --------


def secret_feed(client, feeds_url):
    return client.post(feeds_url, json={"name": "phone"}, status=201).json


def test_a_new_own_password_ends_the_feeds(client, feeds_url, testapp):
    feed = secret_feed(client, feeds_url)
    testapp.get(feed["feed"], status=200)
    client.patch(client.url("me"), json={"password": "another horse battery staple", "current_password": PASSWORD})
    testapp.get(feed["feed"], status=404)


def test_an_admins_new_password_or_a_deactivation_ends_the_feeds(client, feeds_url, testapp, admin):
    me = client.me()["@url"]
    feed = secret_feed(client, feeds_url)
    admin.patch(me, json={"password": "a reset by the admin staple"})
    testapp.get(feed["feed"], status=404)

    client = sign_in(testapp, "carol", "a reset by the admin staple")
    feed = secret_feed(client, feeds_url)
    testapp.get(feed["feed"], status=200)
    admin.patch(me, json={"is_active": False})
    testapp.get(feed["feed"], status=404)
    # Reactivated, the user's old feed URLs stay dead: the client makes new ones.
    admin.patch(me, json={"is_active": True})
    testapp.get(feed["feed"], status=404)
    client = sign_in(testapp, "carol", "a reset by the admin staple")
    testapp.get(secret_feed(client, feeds_url)["feed"], status=200)


def test_a_change_of_name_or_email_keeps_the_feeds(client, feeds_url, testapp):
    feed = secret_feed(client, feeds_url)
    client.patch(client.url("me"), json={"first_name": "Caroline", "email": "caroline@example.org"})
    testapp.get(feed["feed"], status=200)


def test_erasure_ends_the_feeds(client, feeds_url, testapp, admin):
    feed = secret_feed(client, feeds_url)
    client.delete(client.url("me"), json={"password": PASSWORD}, status=204)
    testapp.get(feed["feed"], status=404)


def test_a_deactivated_users_feed_is_refused_even_if_its_row_survived(app, client, feeds_url, testapp):
    """The lookup itself asks for an active user: a feed created in a race with the deactivation."""
    feed = secret_feed(client, feeds_url)
    with app.registry["dbengine"].begin() as conn:
        conn.execute(sa.text("UPDATE users SET is_active = false WHERE username = 'carol'"))
    testapp.get(feed["feed"], status=404)


def test_reads_through_a_feed_are_audited_without_an_actor_or_the_secret(client, feeds_url, testapp):
    me = client.client()
    feed = secret_feed(client, feeds_url)
    secret = feed["feed"].split("/feeds/", 1)[1].split("/", 1)[0]
    testapp.get(feed["feed"], status=200)
    trail = client.get(link(me, "audit"))
    event = trail.json["@items"][0]
    assert (event["action"], event["actor"], event["actor_role"], event["resource"], event["status"]) == \
        ("read", None, None, feed["@url"], 200)
    assert secret not in trail.text
    # A refused secret reads nothing and leaves no event.
    testapp.get(feed["feed"].replace(secret, "A" * 43), status=404)
    assert client.get(link(me, "audit")).json["@items"][0] == event


def test_a_secret_names_its_client(client, feeds_url, testapp, app):
    """A feed's secret starts with its client's id, so that its lookup names the client (docs/scaling.md): a
    database distributed by client asks one node. A feed made before secrets did (43 characters alone) still
    works; the client's id with another client's random part is no feed."""
    feed = secret_feed(client, feeds_url)
    secret = feed["feed"].split("/feeds/", 1)[1].split("/", 1)[0]
    client_id = client.client()["@url"].rstrip("/").rsplit("/", 1)[1]
    assert secret.startswith(client_id) and len(secret) == 32 + 43
    testapp.get(feed["feed"], status=200)
    testapp.get(feed["feed"].replace(secret, "0" * 32 + secret[32:]), status=404)
    old = "B" * 43
    with app.registry["dbengine"].begin() as conn:
        conn.execute(sa.update(CalendarFeed).values(token_hash=hashlib.sha256(old.encode()).hexdigest()))
    testapp.get(feed["feed"].replace(secret, old), status=200)
    testapp.get(feed["feed"], status=404)
