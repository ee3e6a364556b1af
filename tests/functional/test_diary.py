"""Clients, diaries and entries (API.md §4): links, configuration, create, dedupe, validation, paging,
sync with tombstones, PATCH, If-Match, DELETE, and who may do what."""
import pytest

from tests.conftest import PASSWORD, link, link_names, sign_in

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
MOMENT = "https://ns.hyperdiary.org/diary/schema/entry/moment:1"
CLIENT_LINKS = {"diary", "diary.configuration", "diary.entries", "diary.entries.items", "diary.entries.schemas"}


def emotion(dt="2024-04-11T11:41:09Z", **fields):
    body = {"@type": EMOTION, "dt": dt, "emotion": "happy", "intensity": 5, "situation": "I am awesome"}
    body.update(fields)
    return body


@pytest.fixture
def entries_url(client):
    return link(client.client(), "diary.entries")


@pytest.fixture
def items_url(client):
    return link(client.client(), "diary.entries.items")


def names(response):
    return [p["name"] for p in response.json["extra"]]


# --- the client resource and the diary --------------------------------------------------------------


def test_client_links(client):
    body = client.client()
    assert CLIENT_LINKS <= link_names(body)
    assert body["@type"] == "https://ns.hyperdiary.org/client"
    assert body["time_zone"] == "UTC" and body["name"] == "Carol Client"


def test_professional_sees_client_without_write_link(professional, caseload):
    body = professional.get(caseload).json
    assert CLIENT_LINKS - {"diary.entries"} <= link_names(body)
    assert "diary.entries" not in link_names(body)


def test_diary_links(client):
    diary = client.get(link(client.client(), "diary")).json
    assert {"configuration", "entries", "entries.items", "entries.schemas"} <= link_names(diary)
    assert diary["@type"] == "https://ns.hyperdiary.org/diary"


def test_patch_time_zone(client, professional, caseload):
    assert client.patch(caseload, json={"time_zone": "Europe/Amsterdam"}).json["time_zone"] == "Europe/Amsterdam"
    assert professional.patch(caseload, json={"time_zone": "Asia/Tokyo"}).json["time_zone"] == "Asia/Tokyo"
    # zoneinfo reads a name as a path below its folder: a folder ("America") or a name longer than a file
    # name may be is no zone either, not an OSError (a 500).
    for zone in ("Mars/Olympus_Mons", "America", "x" * 300, "localtime", "right/UTC"):
        assert names(client.patch(caseload, json={"time_zone": zone}, status=400)) == ["time_zone"]
    stats = link(client.client(), "journals.stats")
    assert names(client.get(stats, params={"time_zone": "America"}, status=400)) == ["time_zone"]
    assert client.client()["time_zone"] == "Asia/Tokyo"


# --- configuration -----------------------------------------------------------------------------------


def test_new_diary_has_every_shipped_schema(client):
    config = client.get(link(client.client(), "diary.configuration")).json
    ids = [s["@id"] for s in config["@schemas"]]
    assert EMOTION in ids and MOMENT in ids
    emotion_descriptor = next(s for s in config["@schemas"] if s["@id"] == EMOTION)
    assert {"@id", "title", "fields", "charts", "resources", "@links"} <= set(emotion_descriptor)
    assert "jsonschema" in link_names(emotion_descriptor)


def test_professional_configures_diary(client, professional, caseload):
    config_url = link(professional.get(caseload).json, "diary.configuration")
    body = professional.put(config_url, json={"schemas": [MOMENT]}).json
    assert [s["@id"] for s in body["@schemas"]] == [MOMENT]
    assert [s["@id"] for s in client.get(config_url).json["@schemas"]] == [MOMENT]
    # The emotion type is no longer configured: a new emotion entry is refused.
    response = client.post(link(client.client(), "diary.entries"), json=emotion(), status=400)
    assert names(response) == ["@type"]


def test_client_may_not_configure(client):
    config_url = link(client.client(), "diary.configuration")
    assert client.put(config_url, json={"schemas": [MOMENT]}, status=403).json["code"] == 403


def test_configure_unknown_schema(professional, caseload):
    config_url = link(professional.get(caseload).json, "diary.configuration")
    response = professional.put(config_url, json={"schemas": [MOMENT, "urn:nope"]}, status=400)
    assert names(response) == ["schemas.1"]
    professional.put(config_url, json={"schemas": "urn:nope"}, status=400)
    professional.put(config_url, json=[MOMENT], status=400)


# --- create --------------------------------------------------------------------------------------------


def test_create_entry(client, entries_url):
    response = client.post(entries_url, json=emotion(), status=201)
    body = response.json
    assert response.location == body["@url"]
    assert body["@type"] == EMOTION
    assert body["dt"] == "2024-04-11T11:41:09Z"
    assert body["emotion"] == "happy" and body["intensity"] == 5 and body["situation"] == "I am awesome"
    assert body["picture"] is None
    assert set(body["@changes"]) == {"creation_time", "modification_time"}
    assert response.headers["ETag"]
    assert client.get(body["@url"]).json == body


def test_dt_with_offset_is_stored_in_utc(client, entries_url):
    body = client.post(entries_url, json=emotion(dt="2024-04-11T13:41:09+02:00"), status=201).json
    assert body["dt"] == "2024-04-11T11:41:09Z"


def test_identical_post_answers_the_existing_entry(client, entries_url, items_url):
    first = client.post(entries_url, json=emotion(), status=201)
    again = client.post(entries_url, json=emotion(), status=200)
    assert again.json == first.json and again.location == first.location
    # Null means "not set": the same entry.
    client.post(entries_url, json=emotion(picture=None), status=200)
    # Another dt, another field value: new entries.
    client.post(entries_url, json=emotion(dt="2024-04-11T11:41:10Z"), status=201)
    client.post(entries_url, json=emotion(intensity=4), status=201)
    assert len(client.get(items_url).json["@items"]) == 3


def test_missing_required_fields(client, entries_url, items_url):
    response = client.post(entries_url, json={"@type": EMOTION, "dt": "2014-04-12T11:41:09"}, status=400)
    assert response.json == {
        "code": 400,
        "message": "Invalid JSON input",
        "extra": [
            {"name": "emotion", "message": "Required input is missing."},
            {"name": "intensity", "message": "Required input is missing."},
        ],
    }
    assert client.get(items_url).json["@items"] == []


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"intensity": "five"}, ["intensity"]),
        ({"intensity": 9}, ["intensity"]),
        ({"intensity": 0, "emotion": "bored"}, ["emotion", "intensity"]),
        ({"situation": 12}, ["situation"]),
        ({"mood_colour": "blue"}, ["mood_colour"]),
        ({"@type": "urn:unknown"}, ["@type"]),
        ({"@type": None}, ["@type"]),
        ({"dt": "yesterday"}, ["dt"]),
        ({"dt": "2024-04-11"}, ["dt"]),
        ({"dt": None}, ["dt"]),
        ({"dt": "2024-13-45T10:00:00"}, ["dt"]),
        ({"dt": "0001-01-01T00:00:00+01:00"}, ["dt"]),  # before year 1 in UTC: was a 500
        ({"@bogus": 1}, ["@bogus"]),
    ],
)
def test_bad_entries(client, entries_url, items_url, fields, expected):
    body = emotion()
    body.update(fields)
    if body["dt"] is None:
        del body["dt"]
    response = client.post(entries_url, json=body, status=400)
    assert response.json["code"] == 400
    assert names(response) == expected
    assert client.get(items_url).json["@items"] == []


def test_schema_without_required_fields_needs_one_field(client, entries_url):
    response = client.post(entries_url, json={"@type": MOMENT, "dt": "2024-01-01T00:00:00Z"}, status=400)
    assert names(response) == ["body"]
    client.post(entries_url, json={"@type": MOMENT, "dt": "2024-01-01T00:00:00Z", "text": "I am flying!"}, status=201)


def test_not_an_object(client, entries_url):
    assert names(client.post(entries_url, json=[emotion()], status=400)) == ["body"]
    assert names(client.post(entries_url, json="hello", status=400)) == ["body"]


def test_malformed_json(client, entries_url):
    response = client.testapp.post(entries_url, "{not json", headers=dict(client.headers, **{
        "Content-Type": "application/json"}), status=400)
    assert response.json["code"] == 400 and names(response) == ["body"]


def test_body_too_large(client, entries_url, items_url):
    body = emotion(situation="x" * (1024 * 1024))
    response = client.post(entries_url, json=body, status=413)
    assert response.json["code"] == 413
    assert client.get(items_url).json["@items"] == []


# --- who may write -------------------------------------------------------------------------------------


def test_professional_reads_but_does_not_write(client, professional, caseload, entries_url, items_url):
    entry = client.post(entries_url, json=emotion(), status=201).json
    assert [e["@url"] for e in professional.get(items_url).json["@items"]] == [entry["@url"]]
    professional.get(entry["@url"])
    assert professional.post(entries_url, json=emotion(dt="2024-01-01T00:00:00Z"), status=403).json["code"] == 403
    professional.patch(entry["@url"], json={"intensity": 1}, status=403)
    professional.delete(entry["@url"], status=403)


def test_strangers_see_nothing(client, testapp, app, entries_url, items_url):
    entry = client.post(entries_url, json=emotion(), status=201).json
    testapp_user = testapp
    from tests.conftest import create_user

    create_user(app, "other-pro", "professional")
    other_pro = sign_in(testapp_user, "other-pro")
    testapp.post("/auth/register", "{}", headers={"Content-Type": "application/json"}, status=400)
    other_client_body = {"username": "eve", "email": "eve@example.org", "password": PASSWORD}
    testapp.post_json(other_pro.url("auth.register"), other_client_body, status=201)
    eve = sign_in(testapp, "eve")
    for stranger in (other_pro, eve):
        for url in (items_url, entry["@url"], link(client.client(), "diary")):
            assert stranger.get(url, status=404).json["code"] == 404
        stranger.post(entries_url, json=emotion(dt="2024-01-01T00:00:00Z"), status=404)
        stranger.delete(entry["@url"], status=404)
    client.get(entry["@url"])


def test_admin_reads_every_diary(admin, client, entries_url, items_url):
    client.post(entries_url, json=emotion(), status=201)
    assert len(admin.get(items_url).json["@items"]) == 1


def test_anonymous_gets_401(anonymous, client, entries_url, items_url):
    anonymous.get(items_url, status=401)
    anonymous.post(entries_url, json=emotion(), status=401)
    anonymous.get(items_url.replace("/clients/", "/clients/x") + "nothing", status=401)


# --- listing, paging, sync ------------------------------------------------------------------------------


def test_listing_newest_first_with_schemas(client, entries_url, items_url):
    client.post(entries_url, json=emotion(dt="2024-01-01T10:00:00Z"), status=201)
    client.post(entries_url, json={"@type": MOMENT, "dt": "2024-01-02T10:00:00Z", "text": "hi"}, status=201)
    body = client.get(items_url).json
    assert [e["dt"] for e in body["@items"]] == ["2024-01-02T10:00:00Z", "2024-01-01T10:00:00Z"]
    assert {s["@id"] for s in body["@schemas"]} == {EMOTION, MOMENT}
    only_moments = client.get(items_url, params={"limit": 1}).json
    assert [s["@id"] for s in only_moments["@schemas"]] == [MOMENT]


def test_paging_yields_every_entry_once(client, entries_url, items_url):
    for day in range(1, 8):
        client.post(entries_url, json=emotion(dt=f"2024-01-0{day}T10:00:00Z"), status=201)
    # Two entries at the same dt: the id breaks the tie.
    client.post(entries_url, json=emotion(dt="2024-01-04T10:00:00Z", intensity=2), status=201)
    seen, url = [], items_url + "?limit=3"
    while url:
        page = client.get(url).json
        assert len(page["@items"]) <= 3
        seen += [e["@url"] for e in page["@items"]]
        url = next((entry["url"] for entry in page["@links"] if entry["name"] == "next"), None)
        if len(seen) == 3:  # someone writes meanwhile: an older entry, still to come, is seen once
            client.post(entries_url, json=emotion(dt="2023-12-31T10:00:00Z"), status=201)
    assert len(seen) == len(set(seen)) == 9


@pytest.mark.parametrize("params, expected", [
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"limit": "x"}, "limit"),
    ({"after": "garbage!"}, "after"), ({"modified_after": "yesterday"}, "modified_after"),
])
def test_bad_query_parameters(client, items_url, params, expected):
    response = client.get(items_url, params=params, status=400)
    assert names(response) == [expected]


def test_modified_after_reports_changes_and_tombstones(client, entries_url, items_url):
    first = client.post(entries_url, json=emotion(dt="2024-01-01T10:00:00Z"), status=201).json
    second = client.post(entries_url, json=emotion(dt="2024-01-02T10:00:00Z"), status=201).json
    since = second["@changes"]["modification_time"]
    assert client.get(items_url, params={"modified_after": since}).json["@items"] == []

    client.patch(first["@url"], json={"intensity": 2})
    client.delete(second["@url"], status=204)
    third = client.post(entries_url, json=emotion(dt="2024-01-03T10:00:00Z"), status=201).json
    body = client.get(items_url, params={"modified_after": since, "limit": 2}).json
    page = body["@items"]
    assert [e["@url"] for e in page] == [first["@url"], second["@url"]]
    assert page[0]["intensity"] == 2
    assert page[1] == {"@url": second["@url"], "@type": EMOTION, "@deleted": True, "@changes": page[1]["@changes"]}
    rest = client.get(link(body, "next")).json
    assert [e["@url"] for e in rest["@items"]] == [third["@url"]]
    assert "next" not in link_names(rest)
    # The deleted entry is gone from ordinary reads.
    assert [e["@url"] for e in client.get(items_url).json["@items"]] == [third["@url"], first["@url"]]


# --- one entry: GET, PATCH, DELETE, If-Match ----------------------------------------------------------


def test_patch_merges_and_revalidates(client, entries_url):
    entry = client.post(entries_url, json=emotion(), status=201).json
    body = client.patch(entry["@url"], json={"intensity": 3, "situation": None}).json
    assert body["intensity"] == 3 and body["emotion"] == "happy" and body["situation"] is None
    assert body["@changes"]["modification_time"] > entry["@changes"]["modification_time"]
    assert body["@changes"]["creation_time"] == entry["@changes"]["creation_time"]
    response = client.patch(entry["@url"], json={"intensity": 11, "emotion": None}, status=400)
    assert names(response) == ["emotion", "intensity"]
    assert client.patch(entry["@url"], json={"@type": MOMENT}, status=400).json["extra"][0]["name"] == "@type"
    assert client.get(entry["@url"]).json["intensity"] == 3


def test_patch_dt(client, entries_url):
    entry = client.post(entries_url, json=emotion(), status=201).json
    assert client.patch(entry["@url"], json={"dt": "2025-01-01T00:00:00Z"}).json["dt"] == "2025-01-01T00:00:00Z"
    assert names(client.patch(entry["@url"], json={"dt": "soon"}, status=400)) == ["dt"]


def test_patch_into_a_duplicate_is_a_conflict(client, entries_url):
    client.post(entries_url, json=emotion(intensity=1), status=201)
    entry = client.post(entries_url, json=emotion(intensity=2), status=201).json
    assert client.patch(entry["@url"], json={"intensity": 1}, status=409).json["code"] == 409


def test_if_match(client, entries_url):
    response = client.post(entries_url, json=emotion(), status=201)
    url, etag = response.location, response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}, status=304)
    updated = client.patch(url, json={"intensity": 2}, headers={"If-Match": etag})
    assert updated.headers["ETag"] != etag
    assert client.patch(url, json={"intensity": 3}, headers={"If-Match": etag}, status=412).json["code"] == 412
    client.delete(url, headers={"If-Match": etag}, status=412)
    client.delete(url, headers={"If-Match": updated.headers["ETag"]}, status=204)


def test_delete(client, entries_url, items_url):
    entry = client.post(entries_url, json=emotion(), status=201).json
    client.delete(entry["@url"], status=204)
    assert client.get(entry["@url"], status=404).json["code"] == 404
    client.delete(entry["@url"], status=404)
    client.patch(entry["@url"], json={"intensity": 1}, status=404)
    # The same entry may be written again after a delete.
    client.post(entries_url, json=emotion(), status=201)


def test_unknown_entry_is_404(client, entries_url):
    assert client.get(entries_url + "0123456789abcdef0123456789abcdef/", status=404).json["code"] == 404
    client.delete(entries_url + "nope/", status=404)


def test_entry_schemas_in_use(client, entries_url):
    schemas_url = link(client.client(), "diary.entries.schemas")
    assert client.get(schemas_url).json["@schemas"] == []
    client.post(entries_url, json=emotion(), status=201)
    assert [s["@id"] for s in client.get(schemas_url).json["@schemas"]] == [EMOTION]


def test_friend_keeps_a_diary(admin, testapp):
    admin.post(admin.url("users"), json={"username": "fred", "password": PASSWORD, "email": "f@example.org",
                                         "role": "friend"}, status=201)
    fred = sign_in(testapp, "fred")
    fred.post(link(fred.client(), "diary.entries"), json=emotion(), status=201)


SLEEP = "https://ns.hyperdiary.org/diary/schema/entry/sleep:1"
THOUGHTS = "https://ns.hyperdiary.org/diary/schema/entry/thought_record:1"
ACTIVITY = "https://ns.hyperdiary.org/diary/schema/entry/activity:1"


@pytest.mark.parametrize("body, expected", [
    ({"@type": SLEEP, "sleep_quality": 4, "bedtime": "last night"}, ["bedtime"]),
    ({"@type": SLEEP, "sleep_quality": 4, "hours": 25, "naps": "yes"}, ["hours", "naps"]),
    ({"@type": THOUGHTS, "situation": "meeting", "automatic_thought": "they hate me",
      "distortions": ["mind_reading", "wishful_thinking"]}, ["distortions.1"]),
    ({"@type": THOUGHTS, "situation": "", "automatic_thought": "x", "distortions": ["labeling", "labeling"]},
     ["distortions", "situation"]),
    ({"@type": ACTIVITY, "activity": "walk", "date": "2024-02-30", "category": "boring"}, ["category", "date"]),
])
def test_bad_entries_of_other_shipped_types(client, entries_url, items_url, body, expected):
    response = client.post(entries_url, json=dict(body, dt="2024-03-01T08:00:00Z"), status=400)
    assert sorted(names(response)) == sorted(expected)
    assert client.get(items_url).json["@items"] == []


def test_entries_of_other_shipped_types(client, entries_url):
    sleep = client.post(entries_url, json={"@type": SLEEP, "dt": "2024-03-01T08:00:00Z", "sleep_quality": 4,
                                           "bedtime": "2024-02-29T23:30:00+01:00", "hours": 7.5}, status=201).json
    assert sleep["bedtime"] == "2024-02-29T23:30:00+01:00" and sleep["awakenings"] is None
    thoughts = client.post(entries_url, json={"@type": THOUGHTS, "dt": "2024-03-01T09:00:00Z", "situation": "meeting",
                                              "automatic_thought": "they hate me",
                                              "distortions": ["mind_reading", "labeling"]}, status=201).json
    assert thoughts["distortions"] == ["mind_reading", "labeling"]
    client.post(entries_url, json={"@type": ACTIVITY, "dt": "2024-03-01T10:00:00Z", "activity": "walk",
                                   "date": "2024-03-01", "pleasure": 7}, status=201)


def test_configuration_if_match(professional, caseload):
    config_url = link(professional.get(caseload).json, "diary.configuration")
    etag = professional.get(config_url).headers["ETag"]
    changed = professional.put(config_url, json={"schemas": [MOMENT]}, headers={"If-Match": etag})
    assert changed.headers["ETag"] != etag
    professional.put(config_url, json={"schemas": [EMOTION]}, headers={"If-Match": etag}, status=412)
    assert [s["@id"] for s in professional.get(config_url).json["@schemas"]] == [MOMENT]


def test_an_uploaded_pattern_cannot_hold_a_worker(client, professional, caseload):
    """A professional's schema whose pattern backtracks catastrophically: the entry is a 400 in well under
    a second (Python's re would take hours), and nothing is stored."""
    import time

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.org/redos:1",
              "title": "Code", "type": "object", "required": ["code"],
              "properties": {"code": {"type": "string", "title": "Code", "pattern": "^(a|a)*$"}}}
    professional.post(professional.url("schemas"), json=schema, status=201)
    configuration = link(professional.get(caseload).json, "diary.configuration")
    professional.put(configuration, json={"schemas": [EMOTION, schema["$id"]]})
    entries, items = link(client.client(), "diary.entries"), link(client.client(), "diary.entries.items")
    started = time.monotonic()
    response = client.post(entries, json={"@type": schema["$id"], "dt": "2024-05-01T12:00:00Z",
                                          "code": "a" * 40 + "b"}, status=400)
    assert time.monotonic() - started < 2
    assert names(response) == ["code"]
    assert client.get(items).json["@items"] == []
    client.post(entries, json={"@type": schema["$id"], "dt": "2024-05-01T12:00:00Z", "code": "aaaa"}, status=201)
