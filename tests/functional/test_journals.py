"""Journals (RESOURCES.md "Journals"): links, create with dedupe, read, PATCH/PUT, soft delete with
tombstones, filters, paging, tags and tag types, daily statistics in time zones, who may do what, and
bad input that stores nothing."""
import datetime
import json
import pathlib
import shutil

import pytest
import webtest

from hyperdiary import localtime, main
from hyperdiary.models import dispose
from tests.conftest import PASSWORD, Api, empty_tables, link, link_names, sign_in


def journal(when="2024-05-01T12:00:00Z", **fields):
    return {"journal_timestamp": when, "title": "A walk", "description": "Felt calmer afterwards", **fields}


@pytest.fixture
def journals(client):
    return link(client.client(), "journals")


@pytest.fixture
def tagtypes(professional):
    """Two tag types a professional added; their @urls by name."""
    url = professional.url("tagtypes")
    return {name: professional.post(url, json={"name": name}, status=201).json["@url"]
            for name in ("trigger", "coping skill")}


def names(response):
    return [p["name"] for p in response.json["extra"]]


def listed(api, url):
    return api.get(url).json["@items"]


def every_item(api, url):
    """Follow `next` links to the end; every item once."""
    items = []
    while url:
        body = api.get(url).json
        items += body["@items"]
        url = next((entry["url"] for entry in body["@links"] if entry["name"] == "next"), None)
    return items


# --- links ------------------------------------------------------------------------------------------------


def test_links(client, anonymous):
    assert {"journals", "journals.stats"} <= link_names(client.client())
    assert "tagtypes" in link_names(client.root())
    assert "tagtypes" not in link_names(anonymous.root())


def test_professional_reads_the_journals_of_the_caseload(client, professional, caseload, journals):
    client.post(journals, json=journal(), status=201)
    seen = professional.get(link(professional.get(caseload).json, "journals")).json
    assert [item["title"] for item in seen["@items"]] == ["A walk"]
    professional.post(journals, json=journal(title="Not mine to write"), status=403)
    assert len(listed(client, journals)) == 1


# --- create, read, dedupe ----------------------------------------------------------------------------------


def test_create_and_read(client, journals):
    created = client.post(journals, json=journal(session="chat-42"), status=201)
    body = created.json
    assert created.headers["Location"] == body["@url"]
    assert body["@type"] == "https://ns.hyperdiary.org/journal"
    assert (body["title"], body["description"], body["session"]) == ("A walk", "Felt calmer afterwards", "chat-42")
    assert body["journal_timestamp"] == "2024-05-01T12:00:00Z"
    assert body["tags"] == [] and "tags" in link_names(body)
    assert set(body["@changes"]) == {"creation_time", "modification_time"}
    read = client.get(body["@url"])
    assert read.json == body
    assert read.headers["ETag"] == created.headers["ETag"]


def test_timestamp_defaults_to_now_and_offsets_become_utc(client, journals):
    body = client.post(journals, json={"title": "Now"}, status=201).json
    assert body["journal_timestamp"].endswith("Z")
    body = client.post(journals, json=journal(when="2024-05-01T14:00:00+02:00", title="Offset"), status=201).json
    assert body["journal_timestamp"] == "2024-05-01T12:00:00Z"


def test_identical_post_answers_the_existing_journal(client, journals):
    first = client.post(journals, json=journal(), status=201)
    again = client.post(journals, json=journal(), status=200)
    assert again.json["@url"] == first.json["@url"] == again.headers["Location"]
    # Another timestamp, title or description is another journal.
    client.post(journals, json=journal(when="2024-05-01T12:00:01Z"), status=201)
    client.post(journals, json=journal(description="Different"), status=201)
    assert len(listed(client, journals)) == 3


def test_a_representation_can_be_sent_back(client, journals):
    """Less its read-only `tags` (API.md §8: a read-only field in a body is a 400)."""
    body = client.post(journals, json=journal(), status=201).json
    body["title"] = "A long walk"
    assert client.put(body["@url"], json=body, status=400).json["extra"][0]["name"] == "tags"
    del body["tags"]
    assert client.put(body["@url"], json=body).json["title"] == "A long walk"


# --- bad input stores nothing ------------------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    (journal(title="x" * 256), ["title"]),
    (journal(when="2024-05-01"), ["journal_timestamp"]),
    (journal(when="yesterday"), ["journal_timestamp"]),
    (journal(when="2024-02-30T10:00:00Z"), ["journal_timestamp"]),
    # Outside the years whose local days every zone reckons (as for goals and moods); journals.stats
    # answered 500 (an OverflowError) once one was stored.
    (journal(when="0001-01-01T00:00:00Z"), ["journal_timestamp"]),
    (journal(when="1899-12-31T23:59:59Z"), ["journal_timestamp"]),
    (journal(when="9999-12-31T23:59:59Z"), ["journal_timestamp"]),
    (journal(title=5), ["title"]),
    (journal(session=["a"]), ["session"]),
    (journal(mood="happy"), ["mood"]),
    (journal(**{"@id": "x"}), ["@id"]),
    ({"title": "", "description": "  "}, ["title"]),
    ({}, ["title"]),
])
def test_bad_journals(client, journals, body, expected):
    response = client.post(journals, json=body, status=400)
    assert response.json["code"] == 400 and names(response) == expected
    assert listed(client, journals) == []


def test_malformed_bodies(client, journals, testapp):
    headers = dict(client.headers, **{"Content-Type": "application/json"})
    for raw in (b"{", b"[1, 2]", b"", b'"title"'):
        response = testapp.post(journals, raw, headers=headers, status=400)
        assert response.json["extra"][0]["name"] == "body"
    testapp.post(journals, b'{"title": "' + b"x" * (1024 * 1024) + b'"}', headers=headers, status=413)
    assert listed(client, journals) == []


# --- change and delete ---------------------------------------------------------------------------------------


def test_patch_merges_and_bumps(client, journals):
    created = client.post(journals, json=journal(session="s1"), status=201)
    url = created.json["@url"]
    patched = client.patch(url, json={"title": "A longer walk", "session": None})
    body = patched.json
    assert (body["title"], body["description"], body["session"]) == ("A longer walk", "Felt calmer afterwards", None)
    assert body["@changes"]["modification_time"] > created.json["@changes"]["modification_time"]
    assert patched.headers["ETag"] != created.headers["ETag"]
    response = client.patch(url, json={"journal_timestamp": None}, status=400)
    assert names(response) == ["journal_timestamp"]
    response = client.patch(url, json={"title": None, "description": None}, status=400)
    assert names(response) == ["title"]
    assert client.get(url).json["title"] == "A longer walk"


def test_put_replaces(client, journals):
    url = client.post(journals, json=journal(session="s1"), status=201).json["@url"]
    body = client.put(url, json={"journal_timestamp": "2024-06-01T08:00:00Z", "title": "Rewritten"}).json
    assert (body["title"], body["description"], body["session"]) == ("Rewritten", None, None)
    assert body["journal_timestamp"] == "2024-06-01T08:00:00Z"
    response = client.put(url, json={"title": "No timestamp"}, status=400)
    assert names(response) == ["journal_timestamp"]


def test_change_into_a_duplicate_is_a_conflict(client, journals):
    client.post(journals, json=journal(), status=201)
    other = client.post(journals, json=journal(title="Other"), status=201).json["@url"]
    response = client.patch(other, json={"title": "A walk"}, status=409)
    assert response.json["code"] == 409
    assert client.get(other).json["title"] == "Other"


def test_if_match(client, journals):
    created = client.post(journals, json=journal(), status=201)
    url, etag = created.json["@url"], created.headers["ETag"]
    client.patch(url, json={"title": "Changed"}, headers={"If-Match": etag})
    client.patch(url, json={"title": "Stale"}, headers={"If-Match": etag}, status=412)
    client.delete(url, headers={"If-Match": etag}, status=412)
    assert client.get(url).json["title"] == "Changed"


def test_delete_leaves_a_tombstone_and_allows_the_same_again(client, journals, tagtypes):
    created = client.post(journals, json=journal(), status=201).json
    tag = client.post(link(created, "tags"), json={"tagtype": tagtypes["trigger"]}, status=201).json
    since = created["@changes"]["modification_time"]
    client.delete(created["@url"], status=204)
    client.get(created["@url"], status=404)
    client.get(tag["@url"], status=404)
    client.delete(created["@url"], status=404)
    assert listed(client, journals) == []
    synced = client.get(journals, params={"modified_after": "2000-01-01T00:00:00Z"}).json["@items"]
    assert synced == [{"@url": created["@url"], "@type": "https://ns.hyperdiary.org/journal", "@deleted": True,
                       "@changes": synced[0]["@changes"]}]
    assert synced[0]["@changes"]["modification_time"] > since
    # The words are gone; the same note can be written again.
    client.post(journals, json=journal(), status=201)


def test_unknown_journal_is_404(client, journals):
    client.get(journals + "0" * 32 + "/", status=404)
    client.patch(journals + "nothing/", json={"title": "x"}, status=404)


def test_other_clients_and_strangers_see_nothing(app, testapp, client, journals, anonymous):
    url = client.post(journals, json=journal(), status=201).json["@url"]
    anonymous.post(anonymous.url("auth.register"),
                   json={"username": "dave", "email": "dave@example.org", "password": "another good secret"},
                   status=201)
    dave = sign_in(testapp, "dave", "another good secret")
    for call in (dave.get(url, status=404), dave.patch(url, json={"title": "x"}, status=404),
                 dave.delete(url, status=404), dave.get(journals, status=404),
                 dave.post(journals, json=journal(), status=404)):
        assert call.json["code"] == 404
    anonymous.get(url, status=401)
    anonymous.get(journals, status=401)
    assert client.get(url).json["title"] == "A walk"


# --- listing, filters, paging, sync ----------------------------------------------------------------------


def test_most_recent_first_and_paging(client, journals):
    for day in range(1, 8):
        client.post(journals, json=journal(when=f"2024-05-0{day}T10:00:00Z", title=f"Day {day}"), status=201)
    first = client.get(journals, params={"limit": 3}).json
    assert [item["title"] for item in first["@items"]] == ["Day 7", "Day 6", "Day 5"]
    assert "next" in link_names(first)
    assert [item["title"] for item in every_item(client, journals + "?limit=3")] == [f"Day {d}" for d in range(7, 0, -1)]


def test_paging_keeps_filters(client, journals):
    for day in range(1, 6):
        client.post(journals, json=journal(when=f"2024-05-0{day}T10:00:00Z", title=f"Day {day}",
                                           session="s" if day % 2 else None), status=201)
    titles = [item["title"] for item in every_item(client, journals + "?limit=1&session=s")]
    assert titles == ["Day 5", "Day 3", "Day 1"]


def test_date_filters_cover_whole_local_days(client, journals, caseload):
    # Amsterdam is UTC+2 in May: its 1 May runs from 30 April 22:00 UTC to 1 May 22:00 UTC.
    for when, title in (("2024-04-30T21:59:59Z", "A"), ("2024-04-30T22:00:00Z", "B"),
                        ("2024-05-01T23:30:00Z", "C"), ("2024-05-03T12:00:00Z", "D")):
        client.post(journals, json=journal(when=when, title=title), status=201)

    def titles(**params):
        return [item["title"] for item in client.get(journals, params=params).json["@items"]]

    assert titles(fromdate="2024-05-01", todate="2024-05-01") == ["C"]  # the client's zone: UTC
    assert titles(fromdate="2024-05-01", todate="2024-05-01", time_zone="Europe/Amsterdam") == ["B"]
    assert titles(fromdate="2024-05-02", time_zone="Europe/Amsterdam") == ["D", "C"]
    client.patch(caseload, json={"time_zone": "Europe/Amsterdam"})  # now the default
    assert titles(fromdate="2024-05-01", todate="2024-05-01") == ["B"]
    assert titles(todate="2024-04-30") == ["A"]
    # Date-times are instants, both ends inclusive.
    assert titles(fromdate="2024-04-30T22:00:00Z", todate="2024-05-01T23:30:00Z") == ["C", "B"]


@pytest.mark.parametrize("params, expected", [
    ({"fromdate": "2024-05-02", "todate": "2024-05-01"}, ["fromdate"]),
    ({"fromdate": "1 May"}, ["fromdate"]),
    ({"todate": "2024-05-32"}, ["todate"]),
    ({"time_zone": "Moon/Tranquility"}, ["time_zone"]),
    ({"tag": "not-a-tag-type"}, ["tag"]),
    ({"limit": "0"}, ["limit"]),
    ({"after": "garbage"}, ["after"]),
    ({"modified_after": "2024-05-01"}, ["modified_after"]),
])
def test_bad_query_parameters(client, journals, params, expected):
    response = client.get(journals, params=params, status=400)
    assert names(response) == expected


def test_sync_reports_changes_oldest_first(client, journals):
    first = client.post(journals, json=journal(title="First"), status=201).json
    second = client.post(journals, json=journal(title="Second"), status=201).json
    client.patch(first["@url"], json={"description": "Edited"})
    synced = client.get(journals, params={"modified_after": second["@changes"]["creation_time"]}).json
    assert [item["title"] for item in synced["@items"]] == ["First"]
    everything = every_item(client, journals + "?limit=1&modified_after=2000-01-01T00:00:00Z")
    assert [item["title"] for item in everything] == ["Second", "First"]


# --- tags and tag types ------------------------------------------------------------------------------------


def test_tagtypes(client, professional, admin, anonymous, tagtypes):
    url = client.url("tagtypes")
    listing = client.get(url).json
    assert [item["name"] for item in listing["@items"]] == ["coping skill", "trigger"]
    assert "add" not in link_names(listing) and "add" in link_names(professional.get(url).json)
    one = client.get(tagtypes["trigger"]).json
    assert one["@type"] == "https://ns.hyperdiary.org/tagtype" and one["name"] == "trigger"
    admin.post(url, json={"name": "sleep", "description": "How the night went"}, status=201)
    assert client.post(url, json={"name": "mine"}, status=403).json["code"] == 403
    anonymous.get(url, status=401)
    assert professional.post(url, json={"name": "trigger"}, status=409).json["code"] == 409
    assert names(professional.post(url, json={"name": ""}, status=400)) == ["name"]
    assert names(professional.post(url, json={"description": "no name"}, status=400)) == ["name"]
    assert len(client.get(url).json["@items"]) == 3


def test_tags_on_a_journal(client, journals, tagtypes):
    created = client.post(journals, json=journal(), status=201).json
    tags_url = link(created, "tags")
    added = client.post(tags_url, json={"tagtype": tagtypes["trigger"], "description": "The news"}, status=201)
    tag = added.json
    assert added.headers["Location"] == tag["@url"]
    assert (tag["tagtype"], tag["name"], tag["description"]) == (tagtypes["trigger"], "trigger", "The news")
    assert link(tag, "tagtype") == tagtypes["trigger"]
    read = client.get(created["@url"]).json
    assert [t["@url"] for t in read["tags"]] == [tag["@url"]]
    assert read["@changes"]["modification_time"] > created["@changes"]["modification_time"]
    # Change it (PATCH merges, PUT replaces), then delete it.
    assert client.patch(tag["@url"], json={"tagtype": tagtypes["coping skill"]}).json["description"] == "The news"
    assert client.put(tag["@url"], json={"tagtype": tagtypes["trigger"]}).json["description"] is None
    assert [t["name"] for t in client.get(tags_url).json["@items"]] == ["trigger"]
    client.delete(tag["@url"], status=204)
    client.get(tag["@url"], status=404)
    assert client.get(tags_url).json["@items"] == [] and client.get(created["@url"]).json["tags"] == []


def test_bad_tags_store_nothing(client, journals, tagtypes):
    created = client.post(journals, json=journal(), status=201).json
    tags_url = link(created, "tags")
    for body, expected in (({}, ["tagtype"]), ({"tagtype": "http://example.com/tagtypes/" + "0" * 32 + "/"}, ["tagtype"]),
                           ({"tagtype": "nonsense"}, ["tagtype"]),
                           ({"tagtype": tagtypes["trigger"], "description": "x" * 256}, ["description"]),
                           ({"tagtype": tagtypes["trigger"], "colour": "red"}, ["colour"])):
        assert names(client.post(tags_url, json=body, status=400)) == expected
    assert client.get(tags_url).json["@items"] == []
    assert client.get(created["@url"]).json["@changes"] == created["@changes"]


def test_tag_filter(client, journals, tagtypes):
    tagged = client.post(journals, json=journal(title="Tagged"), status=201).json
    client.post(journals, json=journal(title="Untagged"), status=201)
    client.post(link(tagged, "tags"), json={"tagtype": tagtypes["trigger"]}, status=201)
    for reference in (tagtypes["trigger"], tagtypes["trigger"].rstrip("/").rsplit("/", 1)[1]):
        assert [item["title"] for item in client.get(journals, params={"tag": reference}).json["@items"]] == ["Tagged"]
    assert client.get(journals, params={"tag": tagtypes["coping skill"]}).json["@items"] == []


def test_professional_reads_tags_but_does_not_write(client, professional, caseload, journals, tagtypes):
    created = client.post(journals, json=journal(), status=201).json
    tag = client.post(link(created, "tags"), json={"tagtype": tagtypes["trigger"]}, status=201).json
    assert professional.get(tag["@url"]).json["name"] == "trigger"
    professional.post(link(created, "tags"), json={"tagtype": tagtypes["trigger"]}, status=403)
    professional.delete(tag["@url"], status=403)


# --- daily statistics --------------------------------------------------------------------------------------


def stats(api, url, **params):
    return [(row["journaldate"], row["count"]) for row in api.get(url, params=params).json["journalstats"]]


# Instants near midnight UTC, and what day each is in three zones: Tokyo (UTC+9), New York (UTC-4 in
# summer) and Kolkata (UTC+5:30).
MOMENTS = ["2024-07-01T02:00:00Z", "2024-07-01T14:00:00Z", "2024-07-01T18:29:59Z", "2024-07-01T18:30:00Z",
           "2024-07-02T03:59:59Z", "2024-07-02T04:00:00Z"]


@pytest.mark.parametrize("zone, expected", [
    ("UTC", [("2024-07-01", 4), ("2024-07-02", 2)]),
    ("Asia/Tokyo", [("2024-07-01", 2), ("2024-07-02", 4)]),
    ("America/New_York", [("2024-06-30", 1), ("2024-07-01", 4), ("2024-07-02", 1)]),
    ("Asia/Kolkata", [("2024-07-01", 3), ("2024-07-02", 3)]),
])
def test_stats_count_per_local_day(client, journals, zone, expected):
    for number, moment in enumerate(MOMENTS):
        client.post(journals, json=journal(when=moment, title=f"Note {number}"), status=201)
    url = link(client.client(), "journals.stats")
    assert stats(client, url, time_zone=zone) == expected
    body = client.get(url, params={"time_zone": zone}).json
    assert body["@type"] == "https://ns.hyperdiary.org/journal-stats"
    assert sum(count for _, count in expected) == len(MOMENTS)


def test_stats_range_in_the_clients_zone(client, journals, caseload):
    for number, moment in enumerate(MOMENTS):
        client.post(journals, json=journal(when=moment, title=f"Note {number}"), status=201)
    deleted = client.post(journals, json=journal(when="2024-07-01T12:00:00Z", title="Deleted"), status=201).json
    client.delete(deleted["@url"], status=204)
    client.patch(caseload, json={"time_zone": "America/New_York"})
    url = link(client.client(), "journals.stats")
    assert stats(client, url, fromdate="2024-07-01", todate="2024-07-01") == [("2024-07-01", 4)]
    assert stats(client, url, fromdate="2024-07-02") == [("2024-07-02", 1)]
    assert stats(client, url, todate="2024-06-30") == [("2024-06-30", 1)]
    assert stats(client, url, fromdate="2025-01-01") == []
    # Across the change to winter time (3 November 2024, 06:00 UTC): 00:30 EDT and 23:30 EST, one day.
    client.post(journals, json=journal(when="2024-11-03T04:30:00Z", title="EDT"), status=201)
    client.post(journals, json=journal(when="2024-11-04T04:30:00Z", title="EST"), status=201)
    assert stats(client, url, fromdate="2024-11-01") == [("2024-11-03", 2)]


def test_stats_reckon_only_the_range_the_journals_cover(client, journals, monkeypatch):
    """A wide query reckons the zone's offsets over the journals it finds, not over every day it names
    (fromdate=0002-01-01&todate=9998-12-31 sampled 3.6 million days: minutes of one worker's time)."""
    reckoned = []
    offsets = localtime.offsets

    def spy(tz, start, end):
        reckoned.append((start, end))
        return offsets(tz, start, end)

    monkeypatch.setattr(localtime, "offsets", spy)
    client.post(journals, json=journal(when="2024-07-01T02:00:00Z"), status=201)
    client.post(journals, json=journal(when="2024-07-03T02:00:00Z", title="Later"), status=201)
    url = link(client.client(), "journals.stats")
    params = {"fromdate": "0002-01-01", "todate": "9998-12-31", "time_zone": "Europe/Amsterdam"}
    assert stats(client, url, **params) == [("2024-07-01", 1), ("2024-07-03", 1)]
    assert reckoned and all(end - start < datetime.timedelta(days=3) for start, end in reckoned)
    assert stats(client, url, fromdate="2030-01-01", todate="2030-01-02") == []


def test_stats_bad_queries(client, journals):
    url = link(client.client(), "journals.stats")
    assert names(client.get(url, params={"time_zone": "Nowhere/Land"}, status=400)) == ["time_zone"]
    assert names(client.get(url, params={"fromdate": "2024-07-02", "todate": "2024-07-01"}, status=400)) == ["fromdate"]
    assert client.get(url).json["journalstats"] == []


def test_login_filter_finds_the_journals_of_a_user(client, professional, caseload):
    clients = professional.get(professional.url("clients"), params={"login": "carol"}).json["@items"]
    assert [c["@url"] for c in clients] == [caseload]
    assert "journals" in link_names(clients[0])


def test_a_deployment_cannot_let_text_outgrow_its_column(app_settings, tmp_path):
    """A deployment may edit schemas/journal.json; one that let a title run to 1,000 characters had
    PostgreSQL refuse the 300-character title with a 500, where SQLite stored it. The column's 255
    hold whatever the file says: a 400 naming the field, on both databases, and nothing stored."""
    schemas_dir = tmp_path / "schemas"
    shutil.copytree(pathlib.Path(app_settings["hyperdiary.schemas_dir"]), schemas_dir)
    document = json.loads((schemas_dir / "journal.json").read_text())
    document["properties"]["title"]["maxLength"] = 1000
    del document["properties"]["session"]["maxLength"]
    (schemas_dir / "journal.json").write_text(json.dumps(document))
    app = main({}, **dict(app_settings, **{"hyperdiary.schemas_dir": str(schemas_dir)}))
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    try:
        Api(testapp).post(Api(testapp).url("auth.register"), json={
            "username": "erin", "email": "erin@example.org", "password": PASSWORD}, status=201)
        erin = sign_in(testapp, "erin")
        url = link(erin.client(), "journals")
        response = erin.post(url, json=journal(title="t" * 300, session="s" * 256), status=400)
        assert response.json["extra"] == [{"name": "title", "message": "At most 255 characters."},
                                          {"name": "session", "message": "At most 255 characters."}]
        assert erin.get(url).json["@items"] == []
        assert erin.post(url, json=journal(title="t" * 255), status=201).json["title"] == "t" * 255
        # The OpenAPI document says what the server takes.
        body = erin.get(erin.url("openapi")).json["components"]["schemas"]["JournalBody"]
        assert body["properties"]["title"]["maxLength"] == 255 and body["properties"]["session"]["maxLength"] == 255
    finally:
        empty_tables(app.registry["dbengine"])
        dispose(app.registry)
