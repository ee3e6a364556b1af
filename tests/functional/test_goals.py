"""Goals and goal tracking (RESOURCES.md): schedules and their tracking items (leap days, month ends,
weekdays), validation, changes that cross today, ticking and the goal's status, reminders, the batch,
the tracker in zones on both sides of UTC, pending goals, the iCalendar feed, and who may do what."""
import datetime
import zoneinfo

import icalendar
import pytest
import sqlalchemy as sa
from dateutil import rrule

from hyperdiary import goals as goals_model
from hyperdiary import rendering
from hyperdiary.goals.models import Goal
from tests.conftest import PASSWORD, create_user, link, link_names, pages, sign_in

GOAL_LINKS = {"goals", "goals.batch", "goals.tracker", "goals.pending", "goals.reminders", "goals.ics"}


def goal(**fields):
    body = {"title": "Morning walk", "is_onetime": False, "frequency": "Daily",
            "startdate": "2024-02-27T09:00:00Z", "targetdate": "2024-03-02T00:00:00Z"}
    body.update(fields)
    return {name: value for name, value in body.items() if value is not ...}


@pytest.fixture
def goals_url(client):
    return link(client.client(), "goals")


@pytest.fixture
def clock(monkeypatch):
    """Today is 2024-03-10 (UTC), noon: goals' "now", "today" and the default `until` of reminders."""
    moments = {"now": datetime.datetime(2024, 3, 10, 12, 0)}
    monkeypatch.setattr(goals_model, "now", lambda: moments["now"])
    return moments


def names(response):
    return [p["name"] for p in response.json["extra"]]


def tracking(api, goal_body, **params):
    """Every tracking item of a goal, following `next` links."""
    return [item for page in pages(api, link(goal_body, "tracking"), dict({"limit": 500}, **params))
            for item in page["@items"]]


def due_dates(api, goal_body):
    return [item["duedate"] for item in tracking(api, goal_body)]


def stored_goals(api, goals_url):
    return api.get(goals_url).json["@items"]


# --- links, create, the schedules -----------------------------------------------------------------------


def test_client_links(client, professional, caseload):
    assert GOAL_LINKS | {"moods", "moods.stats"} <= link_names(client.client())
    assert GOAL_LINKS | {"moods", "moods.stats"} <= link_names(professional.get(caseload).json)


def test_create_a_daily_goal_through_a_leap_day(client, goals_url):
    response = client.post(goals_url, json=goal(), status=201)
    body = response.json
    assert response.location == body["@url"] and response.headers["ETag"]
    assert body["@type"] == "https://ns.hyperdiary.org/goal"
    assert {"tracking", "reminder"} <= link_names(body)
    assert body["frequency"] == "Daily" and body["status"] is None and body["is_therapist_approved"] is False
    assert body["startdate"] == "2024-02-27T09:00:00Z" and body["targetdate"] == "2024-03-02T00:00:00Z"
    assert set(body["@changes"]) == {"creation_time", "modification_time"}
    assert due_dates(client, body) == ["2024-02-27T09:00:00Z", "2024-02-28T09:00:00Z", "2024-02-29T09:00:00Z",
                                       "2024-03-01T09:00:00Z", "2024-03-02T09:00:00Z"]
    item = tracking(client, body)[0]
    assert item["@type"] == "https://ns.hyperdiary.org/goal-tracking"
    assert item["iscompleted"] is False and item["reminderdate"] is None and item["status"] is None
    assert link(item, "goal") == body["@url"]
    assert client.get(body["@url"]).json == body
    assert client.get(item["@url"]).json == item


def test_weekly_on_named_days(client, goals_url):
    # 2024-01-02 is a Tuesday.
    body = client.post(goals_url, json=goal(frequency="Weekly", days=["Friday", "Monday", "Wednesday"],
                                            startdate="2024-01-02T07:00:00", targetdate="2024-01-12T00:00:00"),
                       status=201).json
    assert [d[:10] for d in due_dates(client, body)] == ["2024-01-03", "2024-01-05", "2024-01-08", "2024-01-10",
                                                         "2024-01-12"]
    # No days: the start date's weekday.
    body = client.post(goals_url, json=goal(frequency="Weekly", startdate="2024-01-02T07:00:00",
                                            targetdate="2024-01-23T00:00:00"), status=201).json
    assert [d[:10] for d in due_dates(client, body)] == ["2024-01-02", "2024-01-09", "2024-01-16", "2024-01-23"]


@pytest.mark.parametrize("start, target, expected", [
    ("2024-01-31", "2024-07-31", ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30",
                                  "2024-07-31"]),
    ("2023-01-31", "2023-03-30", ["2023-01-31", "2023-02-28"]),
    ("2024-01-30", "2024-03-30", ["2024-01-30", "2024-02-29", "2024-03-30"]),
    ("2023-12-29", "2024-03-29", ["2023-12-29", "2024-01-29", "2024-02-29", "2024-03-29"]),
    ("2024-02-29", "2025-03-01", ["2024-02-29", "2024-03-29", "2024-04-29", "2024-05-29", "2024-06-29", "2024-07-29",
                                  "2024-08-29", "2024-09-29", "2024-10-29", "2024-11-29", "2024-12-29", "2025-01-29",
                                  "2025-02-28"]),
    ("2024-01-15", "2024-03-14", ["2024-01-15", "2024-02-15"]),
])
def test_monthly_clamps_to_the_month_end(client, goals_url, start, target, expected):
    body = client.post(goals_url, json=goal(frequency="Monthly", startdate=start + "T18:45:00Z",
                                            targetdate=target + "T00:00:00Z"), status=201).json
    assert due_dates(client, body) == [day + "T18:45:00Z" for day in expected]


def test_one_time_goals(client, goals_url, clock):
    body = client.post(goals_url, json=goal(is_onetime=True, frequency="Daily", targetdate="2024-04-01T17:00:00Z"),
                       status=201).json
    assert body["frequency"] == "One Time"
    assert due_dates(client, body) == ["2024-04-01T17:00:00Z"]
    # No start date: now; no target date: due at the start.
    body = client.post(goals_url, json={"title": "Call mum", "is_onetime": True}, status=201).json
    assert body["startdate"] == "2024-03-10T12:00:00Z" and body["targetdate"] is None
    assert due_dates(client, body) == ["2024-03-10T12:00:00Z"]


def test_the_cap_on_tracking_items(client, goals_url):
    start = datetime.date(2024, 1, 1)
    last = (start + datetime.timedelta(days=goals_model.MAX_ITEMS - 1)).isoformat()
    body = client.post(goals_url, json=goal(startdate="2024-01-01T06:00:00Z", targetdate=last + "T06:00:00Z"),
                       status=201).json
    items = tracking(client, body)
    assert len(items) == goals_model.MAX_ITEMS and items[-1]["duedate"] == last + "T06:00:00Z"
    over = (start + datetime.timedelta(days=goals_model.MAX_ITEMS)).isoformat()
    response = client.post(goals_url, json=goal(startdate="2024-01-01T06:00:00Z", targetdate=over + "T06:00:00Z"),
                           status=400)
    assert names(response) == ["targetdate"]
    assert len(stored_goals(client, goals_url)) == 1


# --- bad input: a 400 naming the field, and nothing stored ------------------------------------------------


@pytest.mark.parametrize("fields, expected", [
    ({"is_onetime": ...}, ["is_onetime"]),
    ({"is_onetime": "no"}, ["is_onetime"]),
    ({"title": ...}, ["title"]),
    ({"title": "x" * 256}, ["title"]),
    ({"targetdate": ...}, ["targetdate"]),
    ({"targetdate": None}, ["targetdate"]),
    ({"frequency": "Fortnightly"}, ["frequency"]),
    ({"frequency": ...}, ["frequency"]),
    ({"frequency": "One Time"}, ["frequency"]),
    ({"frequency": "Weekly", "days": ["Monday", "Caturday"]}, ["days.1"]),
    ({"frequency": "Weekly", "days": "Monday"}, ["days"]),
    ({"frequency": "Weekly", "days": ["Monday", "Monday"]}, ["days"]),
    ({"startdate": "2024-03-03T00:00:00Z"}, ["startdate"]),
    ({"startdate": "soon"}, ["startdate"]),
    ({"startdate": "0001-01-01T00:00:00Z"}, ["startdate"]),
    ({"targetdate": "9999-12-31T23:59:59Z"}, ["targetdate"]),
    ({"is_onetime": True, "reminderdate": "0001-01-01"}, ["reminderdate"]),
    ({"targetdate": "2024-03-02"}, ["targetdate"]),
    ({"targetdate": "2035-03-02T00:00:00Z"}, ["targetdate"]),
    ({"frequency": "Weekly", "days": ["Sunday"], "startdate": "2024-01-01T00:00:00Z",
      "targetdate": "2024-01-06T00:00:00Z"}, ["days"]),
    ({"reminder": True}, ["remindertime"]),
    ({"reminder": True, "remindertime": "08:00:00Z"}, ["remindertime"]),
    ({"remindertime": "25:00"}, ["remindertime"]),
    ({"reminderdate": "2024-02-30"}, ["reminderdate"]),
    ({"status": "Sleeping"}, ["status"]),
    ({"colour": "blue"}, ["colour"]),
    ({"@bogus": 1}, ["@bogus"]),
])
def test_bad_goals(client, goals_url, fields, expected):
    response = client.post(goals_url, json=goal(**fields), status=400)
    assert response.json["code"] == 400 and response.json["message"]
    assert names(response) == expected
    assert stored_goals(client, goals_url) == []


def test_bodies_that_are_not_goals(client, goals_url):
    assert names(client.post(goals_url, json=[goal()], status=400)) == ["body"]
    headers = dict(client.headers, **{"Content-Type": "application/json"})
    assert names(client.testapp.post(goals_url, "{not json", headers=headers, status=400)) == ["body"]
    assert client.post(goals_url, json=goal(description="x" * (1024 * 1024)), status=413).json["code"] == 413
    assert stored_goals(client, goals_url) == []


# --- change, delete -----------------------------------------------------------------------------------------


def test_a_schedule_change_regenerates_only_the_future(client, goals_url, clock):
    body = client.post(goals_url, json=goal(startdate="2024-03-05T08:00:00Z", targetdate="2024-03-15T00:00:00Z"),
                       status=201).json
    items = {item["duedate"][:10]: item for item in tracking(client, body)}
    assert len(items) == 11
    for day in ("2024-03-06", "2024-03-10", "2024-03-12"):
        client.patch(items[day]["@url"], json={"iscompleted": True})
    since = client.get(body["@url"]).json["@changes"]["modification_time"]

    changed = client.patch(body["@url"], json={"frequency": "Weekly", "days": ["Tuesday", "Thursday"],
                                               "targetdate": "2024-03-21T00:00:00Z"}).json
    assert changed["frequency"] == "Weekly" and changed["days"] == ["Tuesday", "Thursday"]
    after = tracking(client, changed)
    # The past and today stay as they were (with their ticks); after today, the new schedule.
    assert [(i["duedate"][:10], i["iscompleted"]) for i in after] == [
        ("2024-03-05", False), ("2024-03-06", True), ("2024-03-07", False), ("2024-03-08", False),
        ("2024-03-09", False), ("2024-03-10", True),
        ("2024-03-12", False), ("2024-03-14", False), ("2024-03-19", False), ("2024-03-21", False)]
    assert [i["@url"] for i in after[:6]] == [items[d]["@url"] for d in sorted(items)[:6]]
    # The old future items are gone, and sync reports them as tombstones.
    client.get(items["2024-03-12"]["@url"], status=404)
    synced = tracking(client, changed, modified_after=since)
    gone = {i["@url"] for i in synced if i.get("@deleted")}
    assert gone == {items[d]["@url"] for d in sorted(items)[6:]}

    # A change that is not one of the schedule leaves the items alone.
    client.patch(changed["@url"], json={"title": "Walk", "description": "around the block"})
    assert [i["@url"] for i in tracking(client, changed)] == [i["@url"] for i in after]


def test_a_change_is_revalidated_as_a_whole(client, goals_url):
    body = client.post(goals_url, json=goal(), status=201).json
    assert names(client.patch(body["@url"], json={"targetdate": None}, status=400)) == ["targetdate"]
    assert names(client.patch(body["@url"], json={"startdate": "2024-03-05T00:00:00Z"}, status=400)) == ["startdate"]
    assert names(client.patch(body["@url"], json={"title": None}, status=400)) == ["title"]
    assert names(client.patch(body["@url"], json=["x"], status=400)) == ["body"]
    assert client.get(body["@url"]).json == body
    # A representation sent back unchanged is fine.
    resent = {k: v for k, v in body.items() if k not in ("@links",)}
    assert client.patch(body["@url"], json=resent).json["title"] == body["title"]


def test_if_match_and_etags(client, goals_url):
    response = client.post(goals_url, json=goal(), status=201)
    url, etag = response.location, response.headers["ETag"]
    changed = client.patch(url, json={"title": "Evening walk"}, headers={"If-Match": etag})
    assert changed.headers["ETag"] != etag
    client.patch(url, json={"title": "Night walk"}, headers={"If-Match": etag}, status=412)
    client.patch(link(changed.json, "reminder"), json={"reminder": False}, headers={"If-Match": etag}, status=412)
    client.delete(url, headers={"If-Match": etag}, status=412)
    item = tracking(client, changed.json)[0]
    item_etag = client.get(item["@url"]).headers["ETag"]
    client.patch(item["@url"], json={"iscompleted": True}, headers={"If-Match": item_etag})
    client.patch(item["@url"], json={"iscompleted": False}, headers={"If-Match": item_etag}, status=412)
    client.delete(url, headers={"If-Match": changed.headers["ETag"]}, status=204)


def test_unsupported_methods(client, goals_url):
    body = client.post(goals_url, json=goal(), status=201).json
    response = client.put(body["@url"], json=goal(), status=405)
    assert response.headers["Allow"] == "DELETE, GET, PATCH"
    assert client.delete(goals_url, status=405).json["code"] == 405


def test_delete_a_goal_with_its_tracking(client, goals_url, clock):
    keep = client.post(goals_url, json=goal(title="Keep"), status=201).json
    body = client.post(goals_url, json=goal(), status=201).json
    items = tracking(client, body)
    client.delete(body["@url"], status=204)
    client.get(body["@url"], status=404)
    client.delete(body["@url"], status=404)
    client.get(items[0]["@url"], status=404)
    client.get(link(body, "tracking"), status=404)
    assert [g["@url"] for g in stored_goals(client, goals_url)] == [keep["@url"]]
    synced = client.get(goals_url, params={"modified_after": "2000-01-01T00:00:00Z"}).json["@items"]
    assert synced[-1] == {"@url": body["@url"], "@type": body["@type"], "@deleted": True,
                          "@changes": synced[-1]["@changes"]}
    tracker = client.get(link(client.client(), "goals.tracker"),
                         params={"fromdate": "2024-02-01", "todate": "2024-03-31"}).json
    assert {g["goal"] for day in tracker["goaltracker"] for g in day["goals"]} == {keep["@url"]}


def test_listing_pages_newest_first(client, goals_url):
    made = [client.post(goals_url, json=goal(title=f"Goal {n}"), status=201).json["@url"] for n in range(5)]
    seen = []
    for page in pages(client, goals_url, {"limit": 2}):
        assert len(page["@items"]) <= 2
        seen += [g["@url"] for g in page["@items"]]
    assert sorted(seen) == sorted(made) and len(seen) == 5


# --- ticking, status, reminders ------------------------------------------------------------------------------


def test_ticking_every_item_completes_the_goal(client, goals_url):
    body = client.post(goals_url, json=goal(startdate="2024-03-01T08:00:00Z", targetdate="2024-03-02T00:00:00Z"),
                       status=201).json
    first, second = tracking(client, body)
    assert client.patch(first["@url"], json={"iscompleted": True}).json["iscompleted"] is True
    assert client.get(body["@url"]).json["status"] is None
    client.patch(second["@url"], json={"iscompleted": True})
    completed = client.get(body["@url"])
    assert completed.json["status"] == "Completed"
    client.patch(first["@url"], json={"iscompleted": False})
    again = client.get(body["@url"])
    assert again.json["status"] is None and again.headers["ETag"] != completed.headers["ETag"]
    assert names(client.patch(first["@url"], json={"iscompleted": "yes"}, status=400)) == ["iscompleted"]
    assert names(client.patch(first["@url"], json={"duedate": "2024-01-01T00:00:00Z"}, status=400)) == ["duedate"]


def test_the_reminder_reaches_every_item(client, goals_url):
    body = client.post(goals_url, json=goal(), status=201).json
    changed = client.patch(link(body, "reminder"), json={"reminder": True, "remindertime": "07:30"}).json
    assert changed["reminder"] is True and changed["remindertime"] == "07:30:00"
    assert {item["remindertime"] for item in tracking(client, body)} == {"07:30:00"}
    assert names(client.patch(link(body, "reminder"), json={"remindertime": "07:30"}, status=400)) == ["reminder"]
    assert set(names(client.patch(link(body, "reminder"), json={"reminder": True, "remindertime": "7.30"},
                                  status=400))) == {"remindertime"}
    off = client.patch(link(body, "reminder"), json={"reminder": False, "remindertime": None}).json
    assert off["reminder"] is False and off["remindertime"] is None
    assert {item["remindertime"] for item in tracking(client, body)} == {None}
    # A goal's own PATCH of its time carries it too.
    client.patch(body["@url"], json={"reminder": True, "remindertime": "21:00"})
    assert {item["remindertime"] for item in tracking(client, body)} == {"21:00:00"}
    client.get(link(body, "reminder"), status=405)


@pytest.mark.parametrize("zone, until, expected", [
    # Kolkata is UTC+05:30: 08:00 there is 02:30 UTC on the due day.
    ("Asia/Kolkata", "2024-01-11T03:00:00Z", [("2024-01-10", "2024-01-10T02:30:00Z"),
                                              ("2024-01-11", "2024-01-11T02:30:00Z")]),
    ("Asia/Kolkata", "2024-01-11T02:30:00Z", [("2024-01-10", "2024-01-10T02:30:00Z")]),
    # Los Angeles is UTC-08:00 in January: 08:00 there is 16:00 UTC.
    ("America/Los_Angeles", "2024-01-11T03:00:00Z", [("2024-01-10", "2024-01-10T16:00:00Z")]),
    ("America/Los_Angeles", "2024-01-11T16:00:01Z", [("2024-01-10", "2024-01-10T16:00:00Z"),
                                                     ("2024-01-11", "2024-01-11T16:00:00Z")]),
    # Auckland is UTC+13:00 in January: a due date of 12:00 UTC is 01:00 the next local day.
    ("Pacific/Auckland", "2024-01-11T03:00:00Z", [("2024-01-10", "2024-01-10T19:00:00Z")]),
])
def test_reminders_due_before_until(client, goals_url, caseload, zone, until, expected):
    client.patch(caseload, json={"time_zone": zone})
    client.post(goals_url, json=goal(startdate="2024-01-10T12:00:00Z", targetdate="2024-01-12T00:00:00Z",
                                     reminder=True, remindertime="08:00"), status=201)
    client.post(goals_url, json=goal(title="No reminder", startdate="2024-01-10T12:00:00Z",
                                     targetdate="2024-01-12T00:00:00Z", remindertime="08:00"), status=201)
    answer = client.get(link(client.client(), "goals.reminders"), params={"until": until}).json
    assert [(item["duedate"][:10], item["remind_at"]) for item in answer["@items"]] == expected
    assert {item["title"] for item in answer["@items"]} == {"Morning walk"}
    # Ticked: no longer reminded.
    client.patch(answer["@items"][0]["@url"], json={"iscompleted": True})
    again = client.get(link(client.client(), "goals.reminders"), params={"until": until}).json["@items"]
    assert [item["duedate"][:10] for item in again] == [day for day, _ in expected[1:]]


def test_reminders_by_reminder_date_since_and_now(client, goals_url, clock):
    body = client.post(goals_url, json=goal(is_onetime=True, targetdate="2024-03-20T12:00:00Z", reminder=True,
                                            remindertime="09:00", reminderdate="2024-03-08"), status=201).json
    reminders = link(client.client(), "goals.reminders")
    # Without `until`: now (2024-03-10 noon); reminded on 2024-03-08, before its due date.
    assert [i["remind_at"] for i in client.get(reminders).json["@items"]] == ["2024-03-08T09:00:00Z"]
    assert client.get(reminders, params={"since": "2024-03-09T00:00:00Z"}).json["@items"] == []
    assert client.get(reminders, params={"until": "2024-03-08T09:00:00Z"}).json["@items"] == []
    assert names(client.get(reminders, params={"until": "tomorrow"}, status=400)) == ["until"]
    assert names(client.get(reminders, params={"until": "9999-12-31T23:59:59Z"}, status=400)) == ["until"]
    assert names(client.get(reminders, params={"since": "0001-01-01T00:00:00Z"}, status=400)) == ["since"]
    item = tracking(client, body)[0]
    assert item["reminderdate"] == "2024-03-08" and item["remindertime"] == "09:00:00"
    # An item's own reminder date keeps to the goals' years too: stored, year 1 made goals.reminders a 500
    # in every zone east of UTC.
    for day in ("0001-01-01", "1899-12-31", "9999-12-31"):
        assert names(client.patch(item["@url"], json={"reminderdate": day}, status=400)) == ["reminderdate"]
    assert tracking(client, body)[0]["reminderdate"] == "2024-03-08"
    assert client.get(reminders, params={"until": "2199-12-31T00:00:00Z"}).json["@items"]


def test_reminders_page(client, goals_url):
    client.post(goals_url, json=goal(startdate="2024-01-01T12:00:00Z", targetdate="2024-01-07T00:00:00Z",
                                     reminder=True, remindertime="08:00"), status=201)
    reminders = link(client.client(), "goals.reminders")
    seen = [item["@url"] for page in pages(client, reminders, {"limit": 3, "until": "2024-02-01T00:00:00Z"})
            for item in page["@items"]]
    assert len(seen) == len(set(seen)) == 7


# --- batch ----------------------------------------------------------------------------------------------------


def test_batch_creates_and_updates_in_order(client, goals_url):
    batch = link(client.client(), "goals.batch")
    existing = client.post(goals_url, json=goal(), status=201).json
    urls = client.post(batch, json=[goal(title="Read"), {"@url": existing["@url"], "title": "Walk the dog"},
                                    goal(title="Call", is_onetime=True, targetdate="2024-05-01T10:00:00Z")]).json
    assert len(urls) == 3 and urls[1] == existing["@url"]
    assert [client.get(url).json["title"] for url in urls] == ["Read", "Walk the dog", "Call"]
    assert len(stored_goals(client, goals_url)) == 3


@pytest.mark.parametrize("items, expected", [
    ([goal(title="Fine"), goal(title=None)], ["1.title"]),
    ([goal(is_onetime=...), goal(frequency="Weekly", days=["Moonday"])], ["0.is_onetime", "1.days.0"]),
    ([goal(), goal(targetdate=None)], ["1.targetdate"]),
    ([goal(), "goal"], ["1"]),
    ([{"@url": "http://example.com/clients/x/goals/nope/", "title": "x"}], ["0.@url"]),
])
def test_a_bad_batch_stores_nothing(client, goals_url, items, expected):
    existing = client.post(goals_url, json=goal(title="Before"), status=201).json
    batch = link(client.client(), "goals.batch")
    items = [dict(item, **{"@url": existing["@url"]}) if item == goal() else item for item in items]
    assert names(client.post(batch, json=items, status=400)) == expected
    assert [g["title"] for g in stored_goals(client, goals_url)] == ["Before"]
    assert due_dates(client, existing) == due_dates(client, client.get(existing["@url"]).json)


def test_batch_is_a_list(client):
    batch = link(client.client(), "goals.batch")
    assert names(client.post(batch, json=goal(), status=400)) == ["body"]
    assert names(client.post(batch, json=[goal()] * 101, status=400)) == ["body"]
    assert client.post(batch, json=[]).json == []


# --- the tracker --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone, expected", [
    ("Asia/Tokyo", [("2024-03-02", "2024-03-01T23:30:00Z"), ("2024-03-03", "2024-03-02T23:30:00Z")]),
    ("America/New_York", [("2024-03-02", "2024-03-02T23:30:00Z"), ("2024-03-03", "2024-03-03T23:30:00Z")]),
    ("Asia/Kolkata", [("2024-03-02", "2024-03-01T23:30:00Z"), ("2024-03-03", "2024-03-02T23:30:00Z")]),
    ("UTC", [("2024-03-02", "2024-03-02T23:30:00Z"), ("2024-03-03", "2024-03-03T23:30:00Z")]),
])
def test_tracker_groups_by_local_day(client, goals_url, zone, expected):
    walk = client.post(goals_url, json=goal(startdate="2024-02-29T23:30:00Z", targetdate="2024-03-04T00:00:00Z"),
                       status=201).json
    tracker = link(client.client(), "goals.tracker")
    answer = client.get(tracker, params={"fromdate": "2024-03-02", "todate": "2024-03-03", "time_zone": zone}).json
    assert answer["@type"] == "https://ns.hyperdiary.org/goal-tracker" and answer["time_zone"] == zone
    assert [(day["date"], day["goals"][0]["duedate"]) for day in answer["goaltracker"]] == expected
    entry = answer["goaltracker"][0]["goals"][0]
    assert entry["goal"] == walk["@url"] and entry["title"] == "Morning walk" and entry["iscompleted"] is False
    assert client.get(entry["tracking"]).json["duedate"] == expected[0][1]


# Due times (UTC) that land on either side of local midnight as the offset changes: 22:00 and 23:00 are midnight
# in Amsterdam in summer and in winter, 04:00 and 05:00 in New York; 22:59:59 is the last second of a winter day
# in Amsterdam (due dates are whole seconds). Titles that JSON must escape, ticked items and reminder times with
# seconds, so that every kind of value of the answer is compared.
BOUNDARY_GOALS = [
    ("Walk \"early\" \\ \u00e9t\u00e9 \U0001f6b6", "2024-01-01T22:00:00Z", "07:30:15"),
    ("Read\tat night\u2028", "2024-01-01T22:30:00Z", None),
    ("Sleep\u0001", "2024-01-01T22:59:59Z", "22:00"),
    ("Stretch", "2024-01-01T23:00:00Z", "06:00:59"),
    ("Call </script>", "2024-01-01T04:00:00Z", None),
    ("Water", "2024-01-01T04:30:00Z", "12:00"),
    ("Tea", "2024-01-01T05:00:00Z", "00:00:01"),
]


def tracker_by_hand(client, goal_bodies, zone, fromdate, todate):
    """What the tracker must answer, made from the goals' tracking listings: each item on the local day of its due
    date (zoneinfo, item by item), days in order, each day's items by due date and id."""
    tz, days = zoneinfo.ZoneInfo(zone), {}
    first, last = datetime.date.fromisoformat(fromdate), datetime.date.fromisoformat(todate)
    for body in goal_bodies:
        for item in tracking(client, body):
            due = datetime.datetime.fromisoformat(item["duedate"])
            day = due.astimezone(tz).date()
            if first <= day <= last:
                item_id = item["@url"].rstrip("/").rsplit("/", 1)[1]
                days.setdefault(day, []).append(((due, item_id), {
                    "goal": body["@url"], "title": body["title"], "tracking": item["@url"], "duedate": item["duedate"],
                    "iscompleted": item["iscompleted"], "remindertime": item["remindertime"]}))
    return [{"date": day.isoformat(), "goals": [entry for _, entry in sorted(days[day], key=lambda e: e[0])]}
            for day in sorted(days)]


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/New_York"])
def test_tracker_answers_byte_for_byte_across_dst(client, goals_url, zone):
    """The whole answer over a range that crosses both DST changes, to the byte, against a grouping done item by
    item in the test; and the days around each change, spelled out."""
    bodies = []
    for title, start, remindertime in BOUNDARY_GOALS:
        fields = {"title": title, "startdate": start, "targetdate": "2024-11-10T00:00:00Z"}
        if remindertime:
            fields.update(reminder=True, remindertime=remindertime)
        bodies.append(client.post(goals_url, json=goal(**fields), status=201).json)
    for item in tracking(client, bodies[0])[::3]:
        client.patch(item["@url"], json={"iscompleted": True})
    for item in tracking(client, bodies[1])[::5]:
        client.patch(item["@url"], json={"remindertime": "21:15:30"})
    # A shorter schedule leaves the later items of a goal deleted (tombstones), a deleted goal all of its items.
    client.patch(bodies[6]["@url"], json={"targetdate": "2024-10-01T00:00:00Z"})
    gone = client.post(goals_url, json=goal(title="Gone", startdate="2024-01-01T12:00:00Z"), status=201).json
    client.delete(gone["@url"], status=204)
    tracker = link(client.client(), "goals.tracker")
    query = {"fromdate": "2024-02-01", "todate": "2024-11-30", "time_zone": zone}
    response = client.get(tracker, params=query)
    expected = tracker_by_hand(client, bodies, zone, query["fromdate"], query["todate"])
    assert response.body == rendering.dumps({
        "@url": response.json["@url"], "@type": "https://ns.hyperdiary.org/goal-tracker", "@links": [],
        "time_zone": zone, "goaltracker": expected})
    # The days before, of and after each change, spelled out: their items' due dates (UTC, "MM-DD hh:mm:ss").
    days = {day["date"][5:]: [entry["duedate"][5:-1].replace("T", " ") for entry in day["goals"]]
            for day in response.json["goaltracker"]}
    assert {day: days[day] for day in DST_DAYS[zone]} == DST_DAYS[zone]


def test_tracker_leaves_out_items_whose_goal_is_not_live(app, client, goals_url):
    """Items of a goal that is not among the client's live goals (deleted without them, which the API never does;
    or created while the tracker reads) are left out, and no day is listed for them alone."""
    keep = client.post(goals_url, json=goal(title="Keep", startdate="2024-03-01T09:00:00Z",
                                            targetdate="2024-03-01T00:00:00Z"), status=201).json
    gone = client.post(goals_url, json=goal(title="Gone", startdate="2024-03-01T09:00:00Z",
                                            targetdate="2024-03-03T00:00:00Z"), status=201).json
    with app.registry["dbengine"].begin() as conn:
        conn.execute(sa.update(Goal).where(Goal.id == gone["@url"].rstrip("/").rsplit("/", 1)[1])
                     .values(deleted=datetime.datetime(2024, 3, 1)))
    answer = client.get(link(client.client(), "goals.tracker"),
                        params={"fromdate": "2024-03-01", "todate": "2024-03-05", "time_zone": "UTC"}).json
    # 2024-03-02 and 03-03 have only items of the goal left out: no days at all, not empty ones.
    assert [(day["date"], [g["goal"] for g in day["goals"]]) for day in answer["goaltracker"]] == [
        ("2024-03-01", [keep["@url"]])]


# Amsterdam: a winter day runs from 23:00 UTC, a summer day from 22:00 UTC; the spring change's day lasts 23 hours
# (its 22:xx items belong to the next day), the autumn change's 25 (it takes two days' 22:xx items). New York: a
# winter day runs from 05:00 UTC, a summer day from 04:00 UTC.
DST_DAYS = {
    "Europe/Amsterdam": {
        "03-30": ["03-29 23:00:00", "03-30 04:00:00", "03-30 04:30:00", "03-30 05:00:00", "03-30 22:00:00",
                  "03-30 22:30:00", "03-30 22:59:59"],
        "03-31": ["03-30 23:00:00", "03-31 04:00:00", "03-31 04:30:00", "03-31 05:00:00"],
        "04-01": ["03-31 22:00:00", "03-31 22:30:00", "03-31 22:59:59", "03-31 23:00:00", "04-01 04:00:00",
                  "04-01 04:30:00", "04-01 05:00:00"],
        "10-26": ["10-25 22:00:00", "10-25 22:30:00", "10-25 22:59:59", "10-25 23:00:00", "10-26 04:00:00",
                  "10-26 04:30:00", "10-26 05:00:00"],
        "10-27": ["10-26 22:00:00", "10-26 22:30:00", "10-26 22:59:59", "10-26 23:00:00", "10-27 04:00:00",
                  "10-27 04:30:00", "10-27 05:00:00", "10-27 22:00:00", "10-27 22:30:00", "10-27 22:59:59"],
        "10-28": ["10-27 23:00:00", "10-28 04:00:00", "10-28 04:30:00", "10-28 05:00:00", "10-28 22:00:00",
                  "10-28 22:30:00", "10-28 22:59:59"],
    },
    "America/New_York": {
        "03-09": ["03-09 05:00:00", "03-09 22:00:00", "03-09 22:30:00", "03-09 22:59:59", "03-09 23:00:00",
                  "03-10 04:00:00", "03-10 04:30:00"],
        "03-10": ["03-10 05:00:00", "03-10 22:00:00", "03-10 22:30:00", "03-10 22:59:59", "03-10 23:00:00"],
        "03-11": ["03-11 04:00:00", "03-11 04:30:00", "03-11 05:00:00", "03-11 22:00:00", "03-11 22:30:00",
                  "03-11 22:59:59", "03-11 23:00:00"],
        "11-02": ["11-02 04:00:00", "11-02 04:30:00", "11-02 05:00:00", "11-02 22:00:00", "11-02 22:30:00",
                  "11-02 22:59:59", "11-02 23:00:00"],
        "11-03": ["11-03 04:00:00", "11-03 04:30:00", "11-03 05:00:00", "11-03 22:00:00", "11-03 22:30:00",
                  "11-03 22:59:59", "11-03 23:00:00", "11-04 04:00:00", "11-04 04:30:00"],
        "11-04": ["11-04 05:00:00", "11-04 22:00:00", "11-04 22:30:00", "11-04 22:59:59", "11-04 23:00:00",
                  "11-05 04:00:00", "11-05 04:30:00"],
    },
}


def test_tracker_in_the_clients_zone_and_bad_queries(client, goals_url, caseload):
    client.post(goals_url, json=goal(startdate="2024-02-29T23:30:00Z", targetdate="2024-03-04T00:00:00Z"), status=201)
    client.post(goals_url, json=goal(title="Read", startdate="2024-03-02T10:00:00Z"), status=201)
    client.patch(caseload, json={"time_zone": "Asia/Tokyo"})
    tracker = link(client.client(), "goals.tracker")
    answer = client.get(tracker, params={"fromdate": "2024-03-02", "todate": "2024-03-02"}).json
    assert answer["time_zone"] == "Asia/Tokyo"
    assert [[g["title"] for g in day["goals"]] for day in answer["goaltracker"]] == [["Morning walk", "Read"]]
    assert client.get(tracker, params={"fromdate": "2030-01-01", "todate": "2030-01-02"}).json["goaltracker"] == []
    assert names(client.get(tracker, params={"time_zone": "Mars/Olympus_Mons"}, status=400)) == ["time_zone"]
    assert names(client.get(tracker, params={"fromdate": "2024-03-03", "todate": "2024-03-02"}, status=400)) == [
        "fromdate"]
    assert names(client.get(tracker, params={"fromdate": "March"}, status=400)) == ["fromdate"]
    # Days at the edge of the calendar that the zone cannot reach: a 400, not a fault.
    assert names(client.get(tracker, params={"todate": "9999-12-31"}, status=400)) == ["todate"]


# --- pending goals, approval --------------------------------------------------------------------------------


def test_only_professionals_approve(client, professional, caseload, goals_url):
    response = client.post(goals_url, json=goal(is_therapist_approved=True), status=403)
    assert response.json == {"code": 403, "message": "Only a professional of the client's caseload may set "
                                                     "is_therapist_approved.", "extra": []}
    assert client.post(link(client.client(), "goals.batch"), json=[goal(is_therapist_approved=True)],
                       status=403).json["code"] == 403
    assert stored_goals(client, goals_url) == []
    mine = client.post(goals_url, json=goal(is_therapist_approved=False), status=201).json
    client.patch(mine["@url"], json={"is_therapist_approved": True}, status=403)
    approved = professional.patch(mine["@url"], json={"is_therapist_approved": True}).json
    assert approved["is_therapist_approved"] is True
    # Sending the current value back is no change; taking it away is.
    client.patch(mine["@url"], json={"is_therapist_approved": True, "title": "Mine"})
    client.patch(mine["@url"], json={"is_therapist_approved": False}, status=403)


def test_pending_goals(client, professional, caseload):
    goals_url = link(professional.get(caseload).json, "goals")
    # 2024-01-02 is a Tuesday: the first due date is the Friday.
    weekly = professional.post(goals_url, json=goal(frequency="Weekly", days=["Friday"], is_therapist_approved=True,
                                                    startdate="2024-01-02T07:00:00Z",
                                                    targetdate="2024-02-01T00:00:00Z"), status=201).json
    started = professional.post(goals_url, json=goal(title="Started", is_therapist_approved=True), status=201).json
    client.patch(started["@url"], json={"status": "Active"})
    client.post(goals_url, json=goal(title="Not approved"), status=201)
    pending = client.get(link(client.client(), "goals.pending")).json
    assert [g["@url"] for g in pending["@items"]] == [weekly["@url"]]
    assert pending["@items"][0]["startdate"] == "2024-01-05T07:00:00Z"
    assert client.get(weekly["@url"]).json["startdate"] == "2024-01-02T07:00:00Z"


# --- the calendar -------------------------------------------------------------------------------------------


def test_ics_feed_parses_and_expands_to_the_tracking(client, goals_url, caseload):
    client.patch(caseload, json={"time_zone": "Europe/Amsterdam"})
    monthly = client.post(goals_url, json=goal(title="Pay rent", frequency="Monthly", startdate="2024-01-31T09:00:00Z",
                                               targetdate="2024-06-30T00:00:00Z", reminder=True, remindertime="08:00",
                                               description="Before noon"), status=201).json
    weekly = client.post(goals_url, json=goal(title="Swim", frequency="Weekly", days=["Monday", "Thursday"],
                                              startdate="2024-01-02T17:00:00Z", targetdate="2024-02-01T00:00:00Z"),
                         status=201).json
    once = client.post(goals_url, json=goal(title="Dentist", is_onetime=True, targetdate="2024-03-05T14:00:00Z",
                                            reminder=True, remindertime="09:30", reminderdate="2024-03-04"),
                       status=201).json
    response = client.get(link(client.client(), "goals.ics"))
    assert response.content_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.body)
    todos = {str(todo["summary"]): todo for todo in calendar.walk("VTODO")}
    assert set(todos) == {"Pay rent", "Swim", "Dentist"}
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    for title, body in (("Pay rent", monthly), ("Swim", weekly)):
        todo = todos[title]
        assert str(todo["url"]) == body["@url"]
        # Local times (TZID): the local days of the due dates, at the first one's local time of day, in
        # every season (the Pay rent goal crosses the change to summer time).
        start = todo.decoded("dtstart")
        assert todo["dtstart"].params["TZID"] == "Europe/Amsterdam"
        occurrences = rrule.rrulestr(todo["rrule"].to_ical().decode(), dtstart=start)
        due = [datetime.datetime.fromisoformat(moment).astimezone(amsterdam) for moment in due_dates(client, body)]
        assert [moment.date() for moment in occurrences] == [moment.date() for moment in due]
        assert {moment.time() for moment in occurrences} == {due[0].time()}
    rent_alarm = todos["Pay rent"].walk("VALARM")[0]
    # 08:00 in Amsterdam, two hours before the rent is due at 10:00 there (09:00 UTC in January).
    assert rent_alarm.decoded("trigger") == datetime.timedelta(hours=-2)
    assert todos["Swim"].walk("VALARM") == []
    dentist = todos["Dentist"]
    assert dentist.decoded("due") == datetime.datetime(2024, 3, 5, 14, tzinfo=datetime.UTC)
    # 09:30 in Amsterdam on 2024-03-04 is 08:30 UTC: the alarm of a one-time goal is that instant.
    assert dentist.walk("VALARM")[0].decoded("trigger") == datetime.datetime(2024, 3, 4, 8, 30, tzinfo=datetime.UTC)
    assert once["@url"] == str(dentist["url"])


# --- who may do what ----------------------------------------------------------------------------------------


def test_professional_sets_goals_but_does_not_tick(client, professional, caseload):
    goals_url = link(professional.get(caseload).json, "goals")
    body = professional.post(goals_url, json=goal(), status=201).json
    professional.patch(body["@url"], json={"title": "Walk twice"})
    item = tracking(professional, body)[0]
    assert professional.patch(item["@url"], json={"iscompleted": True}, status=403).json["code"] == 403
    client.patch(item["@url"], json={"iscompleted": True})
    professional.patch(link(body, "reminder"), json={"reminder": True, "remindertime": "08:00"})
    professional.get(link(professional.get(caseload).json, "goals.ics"))
    professional.delete(body["@url"], status=204)


def test_strangers_and_anonymous(client, app, testapp, anonymous, goals_url):
    body = client.post(goals_url, json=goal(), status=201).json
    item = tracking(client, body)[0]
    own = client.client()
    create_user(app, "other-pro", "professional")
    testapp.post_json(anonymous.url("auth.register"),
                      {"username": "eve", "email": "eve@example.org", "password": PASSWORD}, status=201)
    for stranger in (sign_in(testapp, "other-pro"), sign_in(testapp, "eve")):
        for url in (goals_url, body["@url"], item["@url"], link(body, "tracking"), link(own, "goals.tracker"),
                    link(own, "goals.pending"), link(own, "goals.reminders"), link(own, "goals.ics")):
            assert stranger.get(url, status=404).json["code"] == 404
        stranger.post(goals_url, json=goal(), status=404)
        stranger.patch(item["@url"], json={"iscompleted": True}, status=404)
        stranger.delete(body["@url"], status=404)
    for url in (goals_url, body["@url"], item["@url"], link(own, "goals.ics")):
        anonymous.get(url, status=401)
    anonymous.post(goals_url, json=goal(), status=401)
    # Another client's goal under one's own goals: 404.
    eve = sign_in(testapp, "eve")
    eve_goals = link(eve.client(), "goals")
    eve.get(eve_goals + body["@url"].rstrip("/").rsplit("/", 1)[1] + "/", status=404)
    assert client.get(item["@url"]).json["iscompleted"] is False


def test_admin_may_do_everything(admin, client, goals_url):
    body = admin.post(goals_url, json=goal(is_therapist_approved=True), status=201).json
    admin.patch(tracking(admin, body)[0]["@url"], json={"iscompleted": True})


def test_tracker_defaults_to_this_week_and_covers_at_most_400_days(client, goals_url, monkeypatch):
    monkeypatch.setattr(goals_model, "now", lambda: datetime.datetime(2024, 3, 4, 12, 0))
    client.post(goals_url, json={"title": "Walk", "is_onetime": False, "frequency": "Daily",
                                 "startdate": "2024-03-01T08:00:00Z", "targetdate": "2024-03-31T08:00:00Z"},
                status=201)
    tracker = link(client.client(), "goals.tracker")
    week = client.get(tracker).json["goaltracker"]
    assert [day["date"] for day in week] == [f"2024-03-{day:02d}" for day in range(4, 11)]
    later = client.get(tracker, params={"fromdate": "2024-03-20"}).json["goaltracker"]
    assert [day["date"] for day in later] == [f"2024-03-{day:02d}" for day in range(20, 27)]
    assert len(client.get(tracker, params={"fromdate": "2024-01-01", "todate": "2025-02-03"}).json["goaltracker"]) == 31
    response = client.get(tracker, params={"fromdate": "2024-01-01", "todate": "2025-02-05"}, status=400)
    assert names(response) == ["todate"]
    assert names(client.get(tracker, params={"todate": "2030-01-01"}, status=400)) == ["todate"]
    assert names(client.get(tracker, params={"fromdate": "9999-12-30"}, status=400)) == ["fromdate"]


def test_a_batch_generates_a_bounded_number_of_items(client, goals_url):
    batch = link(client.client(), "goals.batch")
    daily = {"is_onetime": False, "frequency": "Daily", "startdate": "2024-01-01T08:00:00Z",
             "targetdate": "2034-01-01T08:00:00Z"}  # 3,654 items each
    response = client.post(batch, json=[dict(daily, title=f"Goal {n}") for n in range(11)], status=400)
    assert names(response) == ["body"] and "36,600" in response.json["extra"][0]["message"]
    assert client.get(goals_url).json["@items"] == []
    assert len(client.post(batch, json=[dict(daily, title=f"Goal {n}") for n in range(10)]).json) == 10
