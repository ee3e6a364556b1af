"""hyperdiary.client against a live server: link following, lazy paging, If-Match, token refresh, sync
with tombstones, and errors with their field names."""
import datetime
import pathlib
import re

import pytest

from hyperdiary.client import ApiError
from tests.conftest import PASSWORD, create_user

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


@pytest.fixture
def carol(connect):
    connect().register("carol", "carol@example.org", PASSWORD)
    return connect().login("carol", PASSWORD)


def entry(day, **fields):
    return dict({"@type": EMOTION, "dt": f"2024-04-{day:02d}T10:00:00Z", "emotion": "happy", "intensity": 3}, **fields)


def test_follow_create_and_read(carol):
    assert "me" in carol.root.links
    client = carol.me().follow("client")
    assert client["login"] == "carol" and client.etag
    written = client.follow("diary.entries").create(entry(1))
    assert written.response.status_code == 201 and written.url == written["@url"] and written.etag
    again = client.follow("diary.entries").create(entry(1))  # the dedupe answer: 200, the same entry
    assert again.response.status_code == 200 and again.url == written.url
    assert carol.get(written.url)["emotion"] == "happy"


def test_errors_name_their_fields(carol, connect):
    entries = carol.me().follow("client", "diary.entries")
    with pytest.raises(ApiError) as raised:
        entries.create({"@type": EMOTION, "dt": "2024-04-01T10:00:00Z", "intensity": "very"})
    error = raised.value
    assert error.status == 400 and error.message == "Invalid JSON input"
    assert set(error.fields) == {"emotion", "intensity"}
    with pytest.raises(ApiError) as raised:
        connect().login("carol", "not her password")
    assert raised.value.status == 401
    with pytest.raises(KeyError):
        connect().root.follow("me")  # anonymous: no such link


def test_items_page_lazily_over_every_page(carol, live_server):
    entries = carol.me().follow("client", "diary.entries")
    for day in range(1, 8):
        entries.create(entry(day))
    listing = carol.me().follow("client", "diary.entries.items")
    requests = []
    carol.http.event_hooks["request"].append(requests.append)
    items = listing.items(limit=3)
    first = next(items)
    assert len(requests) == 1  # one page so far
    rest = list(items)
    assert len(requests) == 3  # 3 + 3 + 1
    assert [item["dt"][:10] for item in [first, *rest]] == [f"2024-04-{day:02d}" for day in range(7, 0, -1)]


def test_patch_sends_if_match(carol, connect):
    written = carol.me().follow("client", "diary.entries").create(entry(1))
    mine = carol.get(written.url)
    other = connect().login("carol", PASSWORD).get(written.url)
    other.patch({"situation": "at the sea"})
    with pytest.raises(ApiError) as raised:
        mine.patch({"situation": "in the park"})  # its ETag is stale
    assert raised.value.status == 412
    mine.load().patch({"situation": "in the park"})
    assert mine["situation"] == "in the park" and mine.etag != other.etag


def test_sync_gives_changes_and_tombstones(carol):
    client = carol.me().follow("client")
    kept = client.follow("diary.entries").create(entry(1))
    gone = client.follow("diary.entries").create(entry(2))
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    kept.patch({"intensity": 4})
    gone.delete()
    changes = list(client.follow("diary.entries.items").sync(since))
    assert {change.url: change.deleted for change in changes} == {kept.url: False, gone.url: True}
    with pytest.raises(ApiError) as raised:
        carol.get(gone.url)
    assert raised.value.status == 404


def test_an_expired_token_is_refreshed_once(carol, connect, app):
    refresh = carol.refresh_token
    carol.access = "expired-or-revoked"
    assert carol.me()["username"] == "carol"  # 401 invalid_token, refresh, retried
    assert carol.refresh_token != refresh and carol.access != "expired-or-revoked"
    carol.logout()
    other = connect().login("carol", PASSWORD)
    other.refresh_token = "revoked"
    other.access = "expired"
    with pytest.raises(ApiError) as raised:
        other.me()
    assert raised.value.status == 401


def test_roles_see_their_links(connect, app, carol):
    create_user(app, "rosa", "researcher")
    rosa = connect().login("rosa", PASSWORD)
    subject = rosa.root.follow("subjects").create({"name": "Mouse 1"})
    assert subject["name"] == "Mouse 1"
    log = rosa.root.follow("subjectlogs").create({"type": "Weighing", "subject": subject.url})
    answered = log.follow("add_entry").patch({"date_time": "2024-05-01T08:00:00Z",
                                               "details": {"weight": {"value": 21.5, "unit": "g"}}})
    assert answered["entries"][0]["details"]["weight"]["value"] == 21.5


def test_the_readme_example(live_server, connect, capsys):
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## For programs"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    connect().register("carol", "carol@example.org", "my diary stays private")
    exec(code.replace("http://127.0.0.1:6543", live_server), {})
    assert capsys.readouterr().out.startswith("calm ")
    carol = connect().login("carol", "my diary stays private")
    assert [mood["reasons"] for mood in carol.me().follow("client", "moods").items()] == [["walk", "sun"]]


def test_the_api_reference_example(live_server, connect, capsys):
    reference = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    section = reference[reference.index("## 14. From Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    connect().register("carol", "carol@example.org", "my diary stays private")
    exec(code.replace("https://diary.example.org", live_server), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "400 Invalid JSON input ['title', 'is_onetime']"
    assert len(lines) == 2 and lines[1].endswith("/ False")
