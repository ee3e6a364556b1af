"""Mood logs (RESOURCES.md): create, list newest first with paging and sync, change, delete, validation
against schemas/mood.json, statistics per local day and mood in zones on both sides of UTC, and who may
do what."""
import pytest

from tests.conftest import PASSWORD, create_user, link, link_names, pages, sign_in


@pytest.fixture
def moods_url(client):
    return link(client.client(), "moods")


@pytest.fixture
def stats_url(client):
    return link(client.client(), "moods.stats")


def names(response):
    return [p["name"] for p in response.json["extra"]]


def listed(api, url):
    return api.get(url).json["@items"]


def test_create_and_read(client, moods_url):
    response = client.post(moods_url, json={"logdate": "2024-03-01T08:00:00+01:00", "mood": "calm",
                                            "reasons": ["sleep", "sun"]}, status=201)
    body = response.json
    assert response.location == body["@url"] and response.headers["ETag"]
    assert body["@type"] == "https://ns.hyperdiary.org/mood"
    assert body["logdate"] == "2024-03-01T07:00:00Z" and body["mood"] == "calm" and body["reasons"] == ["sleep", "sun"]
    assert set(body["@changes"]) == {"creation_time", "modification_time"}
    assert client.get(body["@url"]).json == body
    # logdate defaults to now, reasons to none.
    plain = client.post(moods_url, json={"mood": "tired"}, status=201).json
    assert plain["reasons"] == [] and plain["logdate"] == plain["@changes"]["creation_time"]


@pytest.mark.parametrize("body, expected", [
    ({"mood": "bored"}, ["mood"]),
    ({"reasons": ["work"]}, ["mood"]),
    ({"mood": "sad", "reasons": "work"}, ["reasons"]),
    ({"mood": "sad", "reasons": ["work", 3]}, ["reasons.1"]),
    ({"mood": "sad", "reasons": [""]}, ["reasons.0"]),
    ({"mood": "sad", "logdate": "yesterday"}, ["logdate"]),
    ({"mood": "sad", "logdate": "2024-03-01"}, ["logdate"]),
    ({"mood": "sad", "colour": "blue"}, ["colour"]),
    ({"mood": 3}, ["mood"]),
    ({"mood": "sad", "logdate": "0001-01-01T00:00:00Z"}, ["logdate"]),
])
def test_bad_moods(client, moods_url, body, expected):
    response = client.post(moods_url, json=body, status=400)
    assert response.json["code"] == 400 and names(response) == expected
    assert listed(client, moods_url) == []


def test_bodies_that_are_not_moods(client, moods_url):
    assert names(client.post(moods_url, json=[{"mood": "sad"}], status=400)) == ["body"]
    headers = dict(client.headers, **{"Content-Type": "application/json"})
    assert names(client.testapp.post(moods_url, '{"mood": ', headers=headers, status=400)) == ["body"]
    client.post(moods_url, json={"mood": "sad", "reasons": ["x" * 200] * 6000}, status=413)
    assert listed(client, moods_url) == []


def test_the_mood_list_comes_from_the_schema(app, client, moods_url):
    schema = app.registry["bodies"]["mood"]
    assert {"happy", "calm", "sad", "anxious", "angry", "tired"} <= set(schema.properties["mood"]["enum"])


def test_list_newest_first_paged_and_synced(client, moods_url):
    urls = [client.post(moods_url, json={"logdate": f"2024-03-0{day}T12:00:00Z", "mood": "happy"},
                        status=201).json["@url"] for day in range(1, 6)]
    seen = []
    for page in pages(client, moods_url, {"limit": 2}):
        assert len(page["@items"]) <= 2
        seen += [m["@url"] for m in page["@items"]]
    assert seen == urls[::-1]

    since = client.get(urls[-1]).json["@changes"]["modification_time"]
    client.patch(urls[0], json={"mood": "sad"})
    client.delete(urls[1], status=204)
    synced = client.get(moods_url, params={"modified_after": since}).json["@items"]
    assert [m["@url"] for m in synced] == [urls[0], urls[1]]
    assert synced[0]["mood"] == "sad"
    assert synced[1] == {"@url": urls[1], "@type": "https://ns.hyperdiary.org/mood", "@deleted": True,
                         "@changes": synced[1]["@changes"]}
    assert len(listed(client, moods_url)) == 4


def test_patch_if_match_and_delete(client, moods_url):
    response = client.post(moods_url, json={"logdate": "2024-03-01T12:00:00Z", "mood": "happy", "reasons": ["a"]},
                           status=201)
    url, etag = response.location, response.headers["ETag"]
    changed = client.patch(url, json={"reasons": ["b", "c"], "logdate": None}, headers={"If-Match": etag})
    assert changed.json["reasons"] == ["b", "c"] and changed.json["mood"] == "happy"
    assert changed.json["logdate"] == "2024-03-01T12:00:00Z"
    assert changed.headers["ETag"] != etag
    assert changed.json["@changes"]["modification_time"] > response.json["@changes"]["modification_time"]
    client.patch(url, json={"mood": "sad"}, headers={"If-Match": etag}, status=412)
    assert names(client.patch(url, json={"mood": "bored"}, status=400)) == ["mood"]
    assert client.get(url).json["reasons"] == ["b", "c"]
    client.delete(url, headers={"If-Match": etag}, status=412)
    client.delete(url, headers={"If-Match": changed.headers["ETag"]}, status=204)
    client.get(url, status=404)
    client.delete(url, status=404)
    client.patch(url, json={"mood": "sad"}, status=404)


# --- statistics -------------------------------------------------------------------------------------------

LOGS = [("2024-03-01T23:30:00Z", "happy", ["work"]), ("2024-03-02T01:00:00Z", "happy", ["sleep", "work"]),
        ("2024-03-02T12:00:00Z", "sad", ["work"]), ("2024-03-03T12:00:00Z", "calm", [])]


@pytest.fixture
def logs(client, moods_url):
    for logdate, mood, reasons in LOGS:
        client.post(moods_url, json={"logdate": logdate, "mood": mood, "reasons": reasons}, status=201)
    deleted = client.post(moods_url, json={"logdate": "2024-03-02T12:00:00Z", "mood": "angry"}, status=201).json
    client.delete(deleted["@url"], status=204)


def rows(answer):
    return [(r["logdate"], r["mood"], r["count"], r["reasons"]) for r in answer["moodstats"]]


@pytest.mark.parametrize("zone, expected", [
    ("UTC", [("2024-03-01", "happy", 1, ["work"]), ("2024-03-02", "happy", 1, ["sleep", "work"]),
             ("2024-03-02", "sad", 1, ["work"])]),
    ("Asia/Tokyo", [("2024-03-02", "happy", 2, ["sleep", "work"]), ("2024-03-02", "sad", 1, ["work"])]),
    ("America/New_York", [("2024-03-01", "happy", 2, ["sleep", "work"]), ("2024-03-02", "sad", 1, ["work"])]),
    ("Asia/Kolkata", [("2024-03-02", "happy", 2, ["sleep", "work"]), ("2024-03-02", "sad", 1, ["work"])]),
])
def test_stats_per_local_day_and_mood(client, stats_url, logs, zone, expected):
    answer = client.get(stats_url, params={"fromdate": "2024-03-01", "todate": "2024-03-02", "time_zone": zone}).json
    assert answer["@type"] == "https://ns.hyperdiary.org/mood-stats"
    assert rows(answer) == expected


def test_stats_in_the_clients_zone_open_ranges_and_bad_queries(client, stats_url, logs, caseload):
    everything = rows(client.get(stats_url).json)
    assert everything[-1] == ("2024-03-03", "calm", 1, [])
    assert sum(row[2] for row in everything) == 4
    client.patch(caseload, json={"time_zone": "Asia/Tokyo"})
    assert rows(client.get(stats_url, params={"todate": "2024-03-02"}).json) == [
        ("2024-03-02", "happy", 2, ["sleep", "work"]), ("2024-03-02", "sad", 1, ["work"])]
    assert rows(client.get(stats_url, params={"fromdate": "2024-03-03T00:00:00Z"}).json) == [
        ("2024-03-03", "calm", 1, [])]
    assert client.get(stats_url, params={"fromdate": "2030-01-01"}).json["moodstats"] == []
    assert names(client.get(stats_url, params={"time_zone": "Nowhere/Special"}, status=400)) == ["time_zone"]
    assert names(client.get(stats_url, params={"fromdate": "0001-01-01", "time_zone": "Asia/Tokyo"},
                            status=400)) == ["fromdate"]
    # A wide range costs what the logs in it cost.
    wide = rows(client.get(stats_url, params={"fromdate": "1900-01-01", "todate": "2199-12-31"}).json)
    assert wide == rows(client.get(stats_url).json) and sum(row[2] for row in wide) == 4
    assert names(client.get(stats_url, params={"fromdate": "2024-03-03", "todate": "2024-03-01"},
                            status=400)) == ["fromdate"]


def test_stats_of_nothing(client, stats_url):
    assert client.get(stats_url).json["moodstats"] == []


# --- who may do what ----------------------------------------------------------------------------------------


def test_professional_reads_but_does_not_write(client, professional, caseload, moods_url):
    mood = client.post(moods_url, json={"mood": "anxious", "reasons": ["exam"]}, status=201).json
    assert {"moods", "moods.stats"} <= link_names(professional.get(caseload).json)
    assert [m["@url"] for m in listed(professional, moods_url)] == [mood["@url"]]
    professional.get(link(professional.get(caseload).json, "moods.stats"))
    assert professional.post(moods_url, json={"mood": "calm"}, status=403).json["code"] == 403
    professional.patch(mood["@url"], json={"mood": "calm"}, status=403)
    professional.delete(mood["@url"], status=403)


def test_strangers_and_anonymous(client, app, testapp, anonymous, moods_url, stats_url):
    mood = client.post(moods_url, json={"mood": "angry"}, status=201).json
    create_user(app, "other-pro", "professional")
    testapp.post_json(anonymous.url("auth.register"),
                      {"username": "eve", "email": "eve@example.org", "password": PASSWORD}, status=201)
    for stranger in (sign_in(testapp, "other-pro"), sign_in(testapp, "eve")):
        for url in (moods_url, stats_url, mood["@url"]):
            assert stranger.get(url, status=404).json["code"] == 404
        stranger.post(moods_url, json={"mood": "calm"}, status=404)
        stranger.delete(mood["@url"], status=404)
    for url in (moods_url, stats_url, mood["@url"]):
        anonymous.get(url, status=401)
    assert client.get(mood["@url"]).json["mood"] == "angry"
