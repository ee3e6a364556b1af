"""API.md §8, inputs that were accepted and should not be: read-only fields in bodies, unknown query
parameters (on every resource), a key given twice in one object, a charset other than UTF-8."""
import json

import pytest

from hyperdiary.inputs import READ_ONLY, UNKNOWN_PARAMETER
from tests.conftest import link
from tests.functional.test_body_rules import crawl, world  # noqa: F401 (a fixture)

UNKNOWN = "zz_not_a_parameter"


def test_a_journal_post_with_tags_is_a_400_naming_them_and_stores_nothing(client):
    journals = link(client.client(), "journals")
    answer = client.post(journals, json={"title": "A walk", "tags": []}, status=400).json
    assert answer["extra"] == [{"name": "tags", "message": READ_ONLY}]
    assert client.get(journals).json["@items"] == []


def test_representation_keys_sent_back_are_ignored(client):
    journals = link(client.client(), "journals")
    journal = client.post(journals, json={"title": "A walk"}, status=201).json
    sent_back = {key: journal[key] for key in ("@url", "@type", "@links", "@changes")}
    changed = client.put(journal["@url"], json=dict(sent_back, title="A longer walk",
                                                    journal_timestamp=journal["journal_timestamp"])).json
    assert changed["title"] == "A longer walk"
    # The whole representation holds `tags`, which a body may not write.
    answer = client.put(journal["@url"], json=dict(journal, title="x"), status=400).json
    assert answer["extra"] == [{"name": "tags", "message": READ_ONLY}]


def test_a_subject_log_with_user_or_entries_is_a_400_naming_each(researcher):
    subject = researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    logs = researcher.url("subjectlogs")
    answer = researcher.post(logs, json={"type": "Weighing", "subject": subject["@url"], "user": subject["user"],
                                         "entries": []}, status=400).json
    assert answer["extra"] == [{"name": "user", "message": READ_ONLY}, {"name": "entries", "message": READ_ONLY}]
    assert researcher.get(logs).json["@items"] == []
    answer = researcher.patch(subject["@url"], json={"id": subject["id"], "name": "Mouse 2"}, status=400).json
    assert answer["extra"] == [{"name": "id", "message": READ_ONLY}]
    assert researcher.get(subject["@url"]).json["name"] == "Mouse 1"


def test_an_unknown_query_parameter_of_a_listing_is_a_400_naming_it(client, caseload):
    goals = link(client.client(), "goals")
    answer = client.get(goals + "?status=Active", status=400).json
    assert answer["extra"] == [{"name": "status", "message": UNKNOWN_PARAMETER}]
    journals = link(client.client(), "journals")
    answer = client.get(journals + "?modified_afer=2024-05-01T00:00:00Z&limit=5&x=1&x=2", status=400).json
    assert answer["extra"] == [{"name": "modified_afer", "message": UNKNOWN_PARAMETER},
                               {"name": "x", "message": UNKNOWN_PARAMETER}]
    client.get(journals + "?modified_after=2024-05-01T00:00:00Z&limit=5")


def test_a_write_with_an_unknown_query_parameter_is_a_400_and_stores_nothing(client):
    journals = link(client.client(), "journals")
    answer = client.post(journals + "?dry_run=1", json={"title": "A walk"}, status=400).json
    assert answer["extra"] == [{"name": "dry_run", "message": UNKNOWN_PARAMETER}]
    assert client.get(journals).json["@items"] == []


def test_unknown_query_parameters_are_a_400_on_every_resource(world):  # noqa: F811
    reached = crawl(world)
    assert len(reached) > 30
    for url, callers in sorted(reached.items()):
        caller = sorted(callers, key=lambda c: c.username)[0]
        answer = caller.get(f"{url}?{UNKNOWN}=1", status="*")
        if caller.get(url, status="*").status_int != 200:
            continue
        assert answer.status_int == 400, (url, answer.status, answer.text[:200])
        assert {"name": UNKNOWN, "message": UNKNOWN_PARAMETER} in answer.json["extra"], url


def raw_post(api, url, body: bytes, content_type="application/json", status=400):
    return api.testapp.post(url, body, headers=dict(api.headers, **{"Content-Type": content_type}), status=status)


def test_a_key_given_twice_in_one_object_is_a_400_and_stores_nothing(client):
    journals = link(client.client(), "journals")
    answer = raw_post(client, journals, b'{"title": "a", "title": "b"}').json
    assert answer["extra"] == [{"name": "title", "message": "This key is given twice in one object."}]
    entries = link(client.client(), "diary.entries")
    raw_post(client, entries, b'{"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", '
                              b'"dt": "2024-05-01T12:00:00Z", "emotion": "happy", "intensity": 3, "intensity": 9}')
    assert client.get(journals).json["@items"] == []
    assert client.get(entries + "items").json["@items"] == []
    # The same key in two objects is fine.
    raw_post(client, journals, json.dumps({"title": "a", "description": "b"}).encode(), status=201)


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", "\"windows-1252\""])
def test_a_charset_other_than_utf8_is_a_415(client, charset):
    journals = link(client.client(), "journals")
    answer = raw_post(client, journals, '{"title": "café"}'.encode("latin-1"),
                      content_type=f"application/json; charset={charset}", status=415)
    assert answer.json["code"] == 415
    assert client.get(journals).json["@items"] == []


@pytest.mark.parametrize("charset", ["UTF-8", "utf-8", "utf8", "\"UTF-8\""])
def test_utf8_stated_or_not_is_read(client, charset):
    journals = link(client.client(), "journals")
    raw_post(client, journals, '{"title": "café"}'.encode(), content_type=f"application/json; charset={charset}",
             status=201)
    assert client.get(journals).json["@items"][0]["title"] == "café"
