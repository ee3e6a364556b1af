"""Reports for professionals (RESOURCES.md): the report types as links, entriesSince (merged paging over
entries, journals and moods, counts), perWeek and perSchema (12 ISO weeks from the local Monday, in zones
east and west of UTC, with and without a daylight-saving change that week), deleted records and other
clients' records never counted, bad reference dates, and who may see what."""
import base64
import datetime

import orjson
import pytest

from hyperdiary import reports as reports_model
from tests.conftest import create_user, link, link_names, pages, sign_in

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
MOMENT = "https://ns.hyperdiary.org/diary/schema/entry/moment:1"
NS = "https://ns.hyperdiary.org/"
REPORT_NAMES = ("entriesSince", "perWeek", "perSchema", "scores")
# The 12 ISO weeks ending with the week of 2024-04-10 (a Wednesday).
WEEKS = [f"2024-W{n:02d}" for n in range(4, 16)]

# Asia/Tokyo is UTC+9 all year: the local Monday 2024-04-08 00:00 is 2024-04-07T15:00:00Z, and the first of
# the 12 weeks (Monday 2024-01-22) starts at 2024-01-21T15:00:00Z.
BEFORE_MONDAY, MONDAY = "2024-04-07T14:59:59Z", "2024-04-07T15:00:00Z"
BEFORE_FIRST, FIRST = "2024-01-21T14:59:59Z", "2024-01-21T15:00:00Z"
NEXT_MONDAY = "2024-04-14T15:00:00Z"


def names(response):
    return [p["name"] for p in response.json["extra"]]


def report_links(api, client_url) -> dict:
    reports = api.get(link(api.get(client_url).json, "reports")).json
    return {name: link(reports, name) for name in REPORT_NAMES}


def report(api, client_url, name, status=200, **params):
    return api.get(report_links(api, client_url)[name], params=params, status=status)


def entry(api, client_url, dt, schema=EMOTION):
    fields = {"emotion": "happy", "intensity": 3} if schema == EMOTION else {"text": dt}
    return api.post(link(api.get(client_url).json, "diary.entries"), json={"@type": schema, "dt": dt, **fields},
                    status=201).json["@url"]


def journal(api, client_url, when, title="A note"):
    return api.post(link(api.get(client_url).json, "journals"), json={"journal_timestamp": when, "title": title},
                    status=201).json["@url"]


def mood(api, client_url, when, feeling="calm"):
    return api.post(link(api.get(client_url).json, "moods"), json={"logdate": when, "mood": feeling},
                    status=201).json["@url"]


def tick(api, goal_body, *indexes):
    items = api.get(link(goal_body, "tracking")).json["@items"]
    for index in indexes:
        api.patch(items[index]["@url"], json={"iscompleted": True})


def week_rows(**counts) -> list[dict]:
    """The expected `weeks` of perWeek: zeros but for `counts` ({"W15": (entries, journals, moods, goals)})."""
    rows = []
    for week in WEEKS:
        entries, journals, moods, goals = counts.get(week[-3:], (0, 0, 0, 0))
        rows.append({"week": week, "entries": entries, "journals": journals, "moods": moods,
                     "goals_completed": goals})
    return rows


@pytest.fixture
def carol(client, professional, caseload):
    """Carol's client @url; she lives in Tokyo (set by Pat, her professional)."""
    professional.patch(caseload, json={"time_zone": "Asia/Tokyo"})
    return caseload


@pytest.fixture
def records(app, testapp, client, carol):
    """Carol's records around the bounds of the weeks of 2024-04-10 in Tokyo, deleted ones, and another
    client's records in the same weeks. Answers the URLs of Carol's live records at or after MONDAY."""
    urls = {}
    for when in (BEFORE_FIRST, FIRST, BEFORE_MONDAY):  # W03 (outside), W04, W14
        entry(client, carol, when)
    urls[entry(client, carol, MONDAY)] = MONDAY  # W15
    urls[entry(client, carol, "2024-04-10T03:00:00Z", MOMENT)] = "2024-04-10T03:00:00Z"  # W15
    urls[entry(client, carol, NEXT_MONDAY)] = NEXT_MONDAY  # W16: after the weeks, still "since"
    client.delete(entry(client, carol, "2024-04-09T00:00:00Z"), status=204)
    changed = entry(client, carol, "2024-04-09T01:00:00Z", MOMENT)  # W15; a change keeps it in
    client.patch(changed, json={"text": "changed"})
    urls[changed] = "2024-04-09T01:00:00Z"
    journal(client, carol, "2024-02-01T00:00:00Z")  # W05
    journal(client, carol, BEFORE_MONDAY)  # W14
    urls[journal(client, carol, MONDAY)] = MONDAY  # W15
    client.delete(journal(client, carol, "2024-04-09T00:00:00Z", "gone"), status=204)
    mood(client, carol, BEFORE_MONDAY)  # W14
    urls[mood(client, carol, MONDAY)] = MONDAY  # W15, twice at the same instant
    urls[mood(client, carol, MONDAY, "happy")] = MONDAY
    client.delete(mood(client, carol, "2024-04-09T00:00:00Z"), status=204)
    # Dora, another client, writes in the same weeks: none of it is Carol's.
    create_user(app, "dora", "client")
    dora = sign_in(testapp, "dora")
    dora_url = dora.client()["@url"]
    for when in (BEFORE_MONDAY, MONDAY):
        entry(dora, dora_url, when), journal(dora, dora_url, when), mood(dora, dora_url, when)
    return urls


@pytest.fixture
def goals(client, professional, carol):
    """Completed tracking items due just before (W14) and at (W15) the local Monday, one not completed,
    and a completed one of a goal deleted since (not counted)."""
    goals_url = link(client.get(carol).json, "goals")
    daily = professional.post(goals_url, json={
        "title": "Walk", "is_onetime": False, "frequency": "Daily", "startdate": "2024-04-06T15:00:00Z",
        "targetdate": "2024-04-08T23:00:00Z"}, status=201).json  # due 04-06 15:00Z (W14), 04-07 (W15), 04-08
    tick(client, daily, 0, 1)
    once = client.post(goals_url, json={"title": "Call", "is_onetime": True, "startdate": "2024-04-01T00:00:00Z",
                                        "targetdate": BEFORE_MONDAY}, status=201).json
    tick(client, once, 0)
    deleted = client.post(goals_url, json={"title": "Read", "is_onetime": True, "startdate": "2024-04-01T00:00:00Z",
                                           "targetdate": MONDAY}, status=201).json
    tick(client, deleted, 0)
    client.delete(deleted["@url"], status=204)


# --- the report types ---------------------------------------------------------------------------------------


def test_the_report_types_are_links(client, professional, admin, carol):
    for api in (client, professional, admin):
        client_body = api.get(carol).json
        assert "reports" in link_names(client_body)
        reports = api.get(link(client_body, "reports")).json
        assert reports["@url"] == link(client_body, "reports")
        assert reports["@type"] == NS + "reports"
        assert [entry["name"] for entry in reports["@links"]] == list(REPORT_NAMES)
    assert "reports" in link_names(client.client())


def test_every_answer_is_a_representation(client, carol):
    for name, kind in zip(REPORT_NAMES, ("report-entries-since", "report-per-week", "report-per-schema")):
        response = report(client, carol, name, reference_date="2024-04-10")
        body = response.json
        assert response.content_type == "application/json"
        assert body["@type"] == NS + kind
        assert body["@url"] == report_links(client, carol)[name] + "?reference_date=2024-04-10"
        assert body["@links"] == [] and body["time_zone"] == "Asia/Tokyo"


def test_unknown_report_types_are_404(client, professional, carol):
    reports = link(client.get(carol).json, "reports")
    for name in ("nope", "perweek", "entries", "perWeek/extra"):
        response = professional.get(reports + name + "/", status=404)
        assert response.json["code"] == 404 and set(response.json) <= {"code", "message", "extra"}


# --- perWeek and perSchema ----------------------------------------------------------------------------------


def test_per_week_counts_from_the_local_monday(client, professional, carol, records, goals):
    body = report(professional, carol, "perWeek", reference_date="2024-04-10").json
    assert body["weeks"] == week_rows(W04=(1, 0, 0, 0), W05=(0, 1, 0, 0), W14=(1, 1, 1, 2), W15=(3, 1, 2, 1))
    # Any day of the week, or an instant in it, names the same 12 weeks; the client asks alike.
    for reference in ("2024-04-08", "2024-04-14", MONDAY, "2024-04-14T14:59:59Z"):
        assert report(client, carol, "perWeek", reference_date=reference).json["weeks"] == body["weeks"]
    # The instant before the local Monday is still the week before.
    earlier = report(client, carol, "perWeek", reference_date=BEFORE_MONDAY).json["weeks"]
    assert [row["week"] for row in earlier] == [f"2024-W{n:02d}" for n in range(3, 15)]
    assert earlier[0] == {"week": "2024-W03", "entries": 1, "journals": 0, "moods": 0, "goals_completed": 0}


def test_per_week_in_another_zone(client, carol, records, goals):
    """`time_zone` overrides the client's: in UTC, the Tokyo Monday's first hours are still Sunday."""
    body = report(client, carol, "perWeek", reference_date="2024-04-10", time_zone="UTC").json
    assert body["time_zone"] == "UTC"
    # In UTC, FIRST (Sunday 15:00) is in W03, what lies at the Tokyo Monday in W14, NEXT_MONDAY in W15.
    assert body["weeks"] == week_rows(W05=(0, 1, 0, 0), W14=(2, 2, 3, 3), W15=(3, 0, 0, 0))


@pytest.mark.parametrize("zone, before, monday", [
    # Sydney leaves daylight saving time on Sunday 2024-04-07 (03:00 AEDT becomes 02:00 AEST, UTC+10).
    ("Australia/Sydney", "2024-04-07T13:59:59Z", "2024-04-07T14:00:00Z"),
    ("America/Los_Angeles", "2024-04-08T06:59:59Z", "2024-04-08T07:00:00Z"),
    ("Asia/Kolkata", "2024-04-07T18:29:59Z", "2024-04-07T18:30:00Z"),
])
def test_weeks_start_at_the_local_monday_in_every_zone(client, carol, professional, zone, before, monday):
    professional.patch(carol, json={"time_zone": zone})
    entry(client, carol, before)
    entry(client, carol, monday)
    mood(client, carol, before)
    body = report(client, carol, "perWeek", reference_date="2024-04-10").json
    assert body["time_zone"] == zone
    assert body["weeks"] == week_rows(W14=(1, 0, 1, 0), W15=(1, 0, 0, 0))
    rows = report(client, carol, "perSchema", reference_date="2024-04-10").json["rows"]
    assert rows == [{"week": "2024-W14", "@type": EMOTION, "count": 1}, {"week": "2024-W15", "@type": EMOTION,
                                                                        "count": 1}]


def test_weeks_across_a_new_year(client, carol):
    """ISO weeks belong to the year of their Thursday: 2024-12-30 is in 2025-W01."""
    entry(client, carol, "2024-12-29T15:00:00Z")  # Monday 2024-12-30 in Tokyo
    weeks = report(client, carol, "perWeek", reference_date="2025-01-01").json["weeks"]
    assert [row["week"] for row in weeks][-3:] == ["2024-W51", "2024-W52", "2025-W01"]
    assert weeks[-1]["entries"] == 1 and sum(row["entries"] for row in weeks) == 1
    weeks = report(client, carol, "perWeek", reference_date="2021-01-03").json["weeks"]
    assert weeks[-1]["week"] == "2020-W53" and weeks[0]["week"] == "2020-W42"


def test_per_week_is_all_zeros_without_records(client, carol):
    assert report(client, carol, "perWeek", reference_date="2024-04-10").json["weeks"] == week_rows()
    body = report(client, carol, "perSchema", reference_date="2024-04-10").json
    assert body["rows"] == [] and body["@schemas"] == []


def test_per_schema_counts_entries_per_week_and_type(client, professional, carol, records):
    body = report(professional, carol, "perSchema", reference_date="2024-04-10").json
    assert body["rows"] == [
        {"week": "2024-W04", "@type": EMOTION, "count": 1},
        {"week": "2024-W14", "@type": EMOTION, "count": 1},
        {"week": "2024-W15", "@type": EMOTION, "count": 1},
        {"week": "2024-W15", "@type": MOMENT, "count": 2},
    ]
    assert [schema["@id"] for schema in body["@schemas"]] == [EMOTION, MOMENT]
    assert all(link(schema, "jsonschema") for schema in body["@schemas"])
    # A week later, the 12 weeks run from W05 to W16: FIRST's week is left out, NEXT_MONDAY's comes in.
    later = report(professional, carol, "perSchema", reference_date="2024-04-17").json
    assert [(row["week"], row["@type"], row["count"]) for row in later["rows"]] == [
        ("2024-W14", EMOTION, 1), ("2024-W15", EMOTION, 1), ("2024-W15", MOMENT, 2), ("2024-W16", EMOTION, 1)]


def test_the_default_reference_date_is_today_in_the_clients_zone(client, carol, records, monkeypatch):
    # 2024-04-07T15:30Z is already Monday 2024-04-08 in Tokyo (and still Sunday in UTC).
    monkeypatch.setattr(reports_model, "now", lambda: datetime.datetime(2024, 4, 7, 15, 30))
    assert report(client, carol, "perWeek").json["weeks"][-1]["week"] == "2024-W15"
    assert report(client, carol, "perWeek", time_zone="UTC").json["weeks"][-1]["week"] == "2024-W14"
    assert report(client, carol, "perSchema").json["rows"][-1]["week"] == "2024-W15"
    since = report(client, carol, "entriesSince").json
    assert since["since"] == MONDAY and since["counts"] == {"entries": 4, "journals": 1, "moods": 2}


# --- entriesSince -------------------------------------------------------------------------------------------


def test_entries_since_the_start_of_a_local_day(client, professional, carol, records):
    body = report(professional, carol, "entriesSince", reference_date="2024-04-08").json
    assert body["since"] == MONDAY
    assert body["counts"] == {"entries": 4, "journals": 1, "moods": 2}
    items = body["@items"]
    assert {item["@url"]: item.get("dt") or item.get("journal_timestamp") or item.get("logdate")
            for item in items} == records
    times = [item.get("dt") or item.get("journal_timestamp") or item.get("logdate") for item in items]
    assert times == sorted(times, reverse=True)
    # Each item is its usual representation, as its own @url answers it.
    for item in items:
        assert professional.get(item["@url"]).json == item
    assert [schema["@id"] for schema in body["@schemas"]] == [EMOTION, MOMENT]
    # A date-time is an instant: one second earlier takes in the records just before the Monday.
    earlier = report(client, carol, "entriesSince", reference_date=BEFORE_MONDAY).json
    assert earlier["since"] == BEFORE_MONDAY
    assert earlier["counts"] == {"entries": 5, "journals": 2, "moods": 3}
    # In UTC, 2024-04-08 starts nine hours later.
    utc = report(client, carol, "entriesSince", reference_date="2024-04-08", time_zone="UTC").json
    assert utc["since"] == "2024-04-08T00:00:00Z" and utc["counts"] == {"entries": 3, "journals": 0, "moods": 0}


def test_journals_come_with_their_tags(client, professional, carol, records):
    trigger = professional.post(client.url("tagtypes"), json={"name": "trigger"}, status=201).json["@url"]
    note = next(url for url in records if "/journals/" in url)
    client.post(link(client.get(note).json, "tags"), json={"tagtype": trigger, "description": "news"}, status=201)
    items = report(professional, carol, "entriesSince", reference_date="2024-04-08").json["@items"]
    listed = next(item for item in items if item["@url"] == note)
    assert [tag["name"] for tag in listed["tags"]] == ["trigger"] and listed == client.get(note).json


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_paging_yields_every_item_once(client, professional, carol, records, limit):
    seen, written = [], False
    first = report_links(professional, carol)["entriesSince"]
    for page in pages(professional, first, {"reference_date": "2024-04-08", "limit": limit}):
        assert len(page["@items"]) <= limit
        assert page["counts"]["journals"] == 1 and page["since"] == MONDAY
        entry_types = {item["@type"] for item in page["@items"] if item["@type"] in (EMOTION, MOMENT)}
        assert {schema["@id"] for schema in page["@schemas"]} == entry_types
        seen += [item["@url"] for item in page["@items"]]
        if not written:  # someone writes meanwhile: a record older than this page's, still to come, is seen once
            records[mood(client, carol, "2024-04-08T00:00:00Z", "tired")] = "2024-04-08T00:00:00Z"
            written = True
    assert len(seen) == len(set(seen)) == len(records)
    assert set(seen) == set(records)
    everything = report(professional, carol, "entriesSince", reference_date="2024-04-08", limit=500).json
    assert seen == [item["@url"] for item in everything["@items"]]


def test_paging_when_many_records_share_an_instant(client, carol):
    """Entries, journals and moods at one instant: the cursor holds the kind and id, so none is lost."""
    urls = {entry(client, carol, MONDAY, MOMENT)}
    urls |= {journal(client, carol, MONDAY, f"note {n}") for n in range(4)}
    urls |= {mood(client, carol, MONDAY, feeling) for feeling in ("calm", "happy", "sad", "tired")}
    for limit in (1, 2, 4):
        seen = [item["@url"] for page in pages(client, report_links(client, carol)["entriesSince"],
                                               {"reference_date": MONDAY, "limit": limit})
                for item in page["@items"]]
        assert len(seen) == len(set(seen)) == 9 and set(seen) == urls


def test_next_links_fix_the_instant(client, carol, records, monkeypatch):
    """Without a reference date, `next` carries the instant the first page started from: the pages of
    one listing agree even when the day ends (or the client's zone changes) meanwhile."""
    monkeypatch.setattr(reports_model, "now", lambda: datetime.datetime(2024, 4, 8, 0, 0))
    page = report(client, carol, "entriesSince", limit=1).json
    assert page["since"] == MONDAY
    monkeypatch.setattr(reports_model, "now", lambda: datetime.datetime(2024, 4, 20, 0, 0))
    following = client.get(link(page, "next")).json
    assert following["since"] == MONDAY and len(following["@items"]) == 1


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORT_NAMES)
@pytest.mark.parametrize("params, expected", [
    ({"reference_date": "yesterday"}, "reference_date"),
    ({"reference_date": "2024-02-30"}, "reference_date"),
    ({"reference_date": "2024-13-01"}, "reference_date"),
    ({"reference_date": "20240410"}, "reference_date"),
    ({"reference_date": "0001-01-01T00:00:00+01:00"}, "reference_date"),
    ({"reference_date": "2024-04-10T25:00:00Z"}, "reference_date"),
    ({"time_zone": "Nowhere/Land"}, "time_zone"),
])
def test_bad_reference_dates_and_zones(client, carol, name, params, expected):
    response = report(client, carol, name, status=400, **params)
    assert response.json["code"] == 400 and names(response) == [expected]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"limit": "x"}, {"after": "garbage!"}])
def test_bad_paging(client, carol, params):
    response = report(client, carol, "entriesSince", status=400, **params)
    assert names(response) == [next(iter(params))]


@pytest.mark.parametrize("key", ["goals:0123456789abcdef0123456789abcdef", "entries", ":x", "moods:\u0000"])
def test_forged_cursors(client, carol, key):
    forged = base64.urlsafe_b64encode(orjson.dumps(["2024-04-08T00:00:00", key])).decode().rstrip("=")
    if key == "entries":  # a kind without an id is a cursor at the kind's very end: nothing is lost
        report(client, carol, "entriesSince", after=forged)
        return
    assert names(report(client, carol, "entriesSince", status=400, after=forged)) == ["after"]


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_the_edges_of_the_calendar(client, carol, records, professional, zone):
    """Never a 500: 12 weeks around year 1 or 9999 leave the calendar (400 naming reference_date); an
    entriesSince that starts in it answers."""
    professional.patch(carol, json={"time_zone": zone})
    for name in ("perWeek", "perSchema"):
        for reference in ("0001-01-01", "0001-03-01", "9999-12-31", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
            response = report(client, carol, name, status=400, reference_date=reference)
            assert names(response) == ["reference_date"], (name, reference)
        # The last 12 weeks that fit, and the first (0001-01-01 is a Monday; its week starts before the
        # calendar's first instant east of UTC, so the first 12 weeks from week 2).
        assert report(client, carol, name, reference_date="9999-12-01").json["@url"].endswith("9999-12-01")
        assert report(client, carol, name, reference_date="0001-03-26").json["@url"].endswith("0001-03-26")
    last = report(client, carol, "perWeek", reference_date="9999-12-01").json["weeks"]
    assert (last[0]["week"], last[-1]["week"]) == ("9999-W37", "9999-W48")
    first = report(client, carol, "perWeek", reference_date="0001-03-26").json["weeks"]
    assert (first[0]["week"], first[-1]["week"]) == ("0001-W02", "0001-W13")
    late = report(client, carol, "entriesSince", reference_date="9999-12-31").json
    assert late["@items"] == [] and late["counts"] == {"entries": 0, "journals": 0, "moods": 0}
    assert report(client, carol, "entriesSince", reference_date="9999-12-31T23:59:59.999999Z").json["@items"] == []
    everything = report(client, carol, "entriesSince", reference_date="0001-01-01T00:00:00Z").json
    assert everything["counts"] == {"entries": 7, "journals": 3, "moods": 3}
    start_of_year_1 = report(client, carol, "entriesSince", status="*", reference_date="0001-01-01")
    if zone == "Asia/Tokyo":  # east of UTC (in year 1 too), 0001-01-01 starts before the calendar's first instant
        assert start_of_year_1.status_code == 400 and names(start_of_year_1) == ["reference_date"]
    else:  # Kiritimati's local mean time in year 1 was west of UTC
        assert start_of_year_1.json["counts"] == everything["counts"]


# --- who may see what ---------------------------------------------------------------------------------------


def test_who_may_read_reports(app, testapp, client, professional, admin, anonymous, carol, researcher):
    urls = report_links(client, carol)
    reports_url = link(client.get(carol).json, "reports")
    for api in (client, professional, admin):
        for name, url in urls.items():
            assert api.get(url, params={"reference_date": "2024-04-10"}).json["@type"].startswith(NS + "report-")
    create_user(app, "paula", "professional")
    paula = sign_in(testapp, "paula")  # a professional, but not Carol's
    create_user(app, "dora", "client")
    dora = sign_in(testapp, "dora")
    for stranger in (paula, dora, researcher):
        for url in (carol, reports_url, reports_url + "nope/", *urls.values()):
            assert stranger.get(url, status=404).json["code"] == 404
    for url in (reports_url, reports_url + "nope/", *urls.values()):
        response = anonymous.get(url, status=401)
        assert response.json["code"] == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    # Nothing but GET.
    response = professional.post(urls["perWeek"], json={}, status=405)
    assert response.json["code"] == 405 and "GET" in response.headers["Allow"]
    paula.post(urls["perWeek"], json={}, status=404)
    # Dora reads her own reports, not Carol's.
    own = dora.client()
    assert report(dora, own["@url"], "perWeek").json["weeks"][-1]["entries"] == 0


def test_a_professional_leaving_the_caseload_loses_the_reports(admin, professional, carol):
    urls = report_links(professional, carol)
    assignment = professional.get(link(professional.me(), "caseload")).json["@items"][0]["@url"]
    admin.delete(assignment, status=204)
    for url in urls.values():
        professional.get(url, status=404)

