"""The README's curl walkthrough again, step by step, with hyperdiary.client against a live server: what
a Python program does with the same links."""
import pytest

from hyperdiary.client import ApiError
from tests.conftest import create_user

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
GRATITUDE = "https://clinic.example.org/schemas/gratitude:1"


def raises(status, call, *args):
    with pytest.raises(ApiError) as raised:
        call(*args)
    assert raised.value.status == status
    return raised.value


def test_the_walkthrough_with_the_python_client(connect, app):
    # Register as a client and sign in.
    connect().register("carol", "carol@example.org", "my diary stays private")
    carol = connect().login("carol", "my diary stays private")
    client = carol.me().follow("client")
    assert client["login"] == "carol"

    # The first admin (as `hyperdiary create-user` makes one) creates a professional and assigns Carol.
    create_user(app, "admin", "admin", password="keep the keys safe")
    admin = connect().login("admin", "keep the keys safe")
    admin.root.follow("users").create({"username": "pat", "password": "follows many clients",
                                       "email": "pat@example.org", "role": "professional"})
    pat = connect().login("pat", "follows many clients")
    admin.resource(pat.me().link("caseload")).create({"client": client.url})
    assert [c.url for c in pat.root.follow("clients").items()] == [client.url]

    # Pat uploads an entry schema and configures Carol's diary with it.
    pat.root.follow("schemas").create({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": GRATITUDE, "title": "Gratitude",
        "type": "object", "required": ["grateful_for"], "additionalProperties": False,
        "properties": {"grateful_for": {"type": "string", "title": "What are you grateful for?"},
                       "strength": {"type": "integer", "minimum": 1, "maximum": 3, "x-widget": "slider"}}})
    pat.get(client.url).follow("diary.configuration").put({"schemas": [EMOTION, GRATITUDE]})

    # Carol writes entries (the identical second POST answers 200 with the first), sees an error, pages.
    entries = client.follow("diary.entries")
    happy = {"@type": EMOTION, "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5,
             "situation": "I am awesome"}
    first = entries.create(happy)
    second = entries.create(happy)
    assert (first.response.status_code, second.response.status_code) == (201, 200) and first.url == second.url
    grateful = entries.create({"@type": GRATITUDE, "dt": "2024-04-12T20:00:00Z", "grateful_for": "sunshine"})
    error = raises(400, entries.create, {"@type": EMOTION, "dt": "2024-04-12T11:41:09"})
    assert "emotion" in error.fields
    items = client.follow("diary.entries.items")
    assert [item.url for item in items.items(limit=1)] == [grateful.url, first.url]

    # Change and delete an entry, then sync: the change, and the deletion as a tombstone.
    since = items.load(limit=1)["@items"][0]["@changes"]["modification_time"]
    grateful.patch({"strength": 3})
    grateful.delete()
    assert [(c.url, c.deleted) for c in items.sync(since)] == [(grateful.url, True)]

    # Journals: a tag type, a journal tagged with it, the journals of that tag, statistics per local day.
    journals = client.follow("journals")
    trigger = pat.root.follow("tagtypes").create({"name": "trigger", "description": "What set it off"})
    journal = journals.create({"journal_timestamp": "2024-04-12T22:30:00Z", "title": "Before sleep",
                               "description": "Worried about work; wrote it down and felt lighter"})
    journal.follow("tags").create({"tagtype": trigger.url, "description": "an email from my manager"})
    tagged = pat.get(journals.url, tag=trigger.url, fromdate="2024-04-01", todate="2024-04-30")
    assert [item["@url"] for item in tagged["@items"]] == [journal.url]
    stats = pat.get(client.url).follow("journals.stats").load(fromdate="2024-04-01", time_zone="Europe/Amsterdam")
    assert stats["journalstats"] == [{"journaldate": "2024-04-13", "count": 1}]

    # Goals: Pat's approved goal, Carol's refused approval, pending goals, a tick, a batch, the tracker,
    # the reminders and the calendar.
    goals = pat.get(client.url).follow("goals")
    walk = goals.create({"title": "Morning walk", "is_onetime": False, "frequency": "Weekly",
                         "days": ["Monday", "Wednesday", "Friday"], "startdate": "2024-04-01T07:00:00Z",
                         "targetdate": "2024-04-30T00:00:00Z", "reminder": True, "remindertime": "07:30",
                         "is_therapist_approved": True})
    refused = raises(403, client.follow("goals").create, {"title": "Skip therapy", "is_onetime": True,
                                                          "is_therapist_approved": True})
    assert "is_therapist_approved" in refused.message
    assert [g.url for g in client.follow("goals.pending").items()] == [walk.url]
    item = next(carol.get(walk.url).follow("tracking").items(limit=1))
    assert item.load().patch({"iscompleted": True})["iscompleted"] is True
    batch = client.follow("goals.batch").create([
        {"title": "Read a chapter", "is_onetime": False, "frequency": "Daily", "startdate": "2024-04-01T20:00:00Z",
         "targetdate": "2024-04-14T00:00:00Z"},
        {"title": "Call a friend", "is_onetime": True, "startdate": "2024-04-01T09:00:00Z",
         "targetdate": "2024-04-06T15:00:00Z"}])
    assert len(batch.data) == 2
    tracker = client.follow("goals.tracker").load(fromdate="2024-04-01", todate="2024-04-03",
                                                  time_zone="Europe/Amsterdam")
    assert [day["date"] for day in tracker["goaltracker"]] == ["2024-04-01", "2024-04-02", "2024-04-03"]
    reminders = client.follow("goals.reminders").load(until="2024-04-03T12:00:00Z")
    assert [r["remind_at"] for r in reminders["@items"]] == ["2024-04-03T07:30:00Z"]
    calendar = client.follow("goals.ics").data
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert "RRULE:FREQ=WEEKLY;UNTIL=20240429T070000Z;BYDAY=MO,WE,FR" in calendar

    # Moods, one refused, and Pat's statistics per day in Tokyo.
    moods = client.follow("moods")
    moods.create({"logdate": "2024-04-12T08:00:00Z", "mood": "calm", "reasons": ["slept well"]})
    moods.create({"logdate": "2024-04-12T19:30:00Z", "mood": "calm", "reasons": ["walk", "slept well"]})
    moods.create({"logdate": "2024-04-12T22:30:00Z", "mood": "anxious", "reasons": ["exam"]})
    assert raises(400, moods.create, {"mood": "bored"}).fields == ["mood"]
    mood_stats = pat.get(client.url).follow("moods.stats").load(fromdate="2024-04-12", todate="2024-04-13",
                                                                time_zone="Asia/Tokyo")
    assert {"logdate": "2024-04-13", "mood": "calm", "count": 1, "reasons": ["slept well", "walk"]} \
        in mood_stats["moodstats"]

    # Subject logs: Rosa's subject and weighing log, a wrong unit, private until made public.
    admin.root.follow("users").create({"username": "rosa", "password": "mice before men",
                                       "email": "rosa@example.org", "role": "researcher"})
    rosa = connect().login("rosa", "mice before men")
    subject = rosa.root.follow("subjects").create({"name": "Mouse 1", "description": "C57BL/6, male"})
    log = rosa.root.follow("subjectlogs").create({"type": "Weighing", "subject": subject.url,
                                                  "description": "Daily weight"})
    log.follow("add_entry").patch({"date_time": "2024-05-01T08:00:00Z", "notes": "before training",
                                   "details": {"weight": {"value": 21.5, "unit": "g"}}})
    wrong = raises(400, log.follow("add_entry").patch,
                   {"date_time": "2024-05-02T08:00:00Z", "details": {"weight": {"value": 21.5, "unit": "lb"}}})
    assert wrong.fields == ["details.weight.unit"]
    listed = rosa.root.follow("subjectlogs").load(subject=subject.url, type="Weighing")
    assert [entry["details"] for entry in listed["@items"][0]["entries"]] == [{"weight": {"value": 21.5, "unit": "g"}}]
    stranger = connect()
    raises(401, stranger.get, log.url)
    subject.load().patch({"is_public": True})
    assert stranger.get(log.url)["type"] == "Weighing"

    # Reports: Carol's last two weeks, from Monday in her zone.
    per_week = pat.get(client.url).follow("reports", "perWeek").load(reference_date="2024-04-12")
    assert per_week["weeks"][-2:] == [
        {"week": "2024-W14", "entries": 0, "journals": 0, "moods": 0, "goals_completed": 1},
        {"week": "2024-W15", "entries": 1, "journals": 1, "moods": 3, "goals_completed": 0}]

    # Sign out: the tokens of that sign-in stop working at once (the client cannot refresh them either).
    signed_out = connect().login("admin", "keep the keys safe")
    users = signed_out.root.follow("users")
    assert users.data["@items"]
    token = signed_out.access
    signed_out.logout()
    signed_out.access = token
    error = raises(401, signed_out.get, users.url)
    assert error.message.startswith("The access token is not valid")
    assert 'error="invalid_token"' in error.response.headers["WWW-Authenticate"]
    assert admin.get(users.url)["@items"]  # another sign-in of the same user goes on
