"""API.md §8, one rule for bodies everywhere: 415 for a body not sent as JSON; 400 naming each unknown
field, on every operation that takes a body (the list comes from the OpenAPI document, not from here);
400 for an empty required string; and a message quotes at most 100 characters of a value."""
import collections

import pytest

from tests.conftest import PASSWORD, link, record_of_every_kind
from tests.functional.test_openapi import path_pattern

UNKNOWN = "zz_not_a_field"
# A JSON Schema upload (or its preview) is a document in which unknown keywords are allowed by the
# standard: these bodies have no closed set of fields.
OPEN_BODIES = {"addSchema", "previewSchema"}
MAX_REQUESTS = 600
# Bodies whose fields depend on a type named inside them: the type, so that the fields are known.
# Bodies that name the record they change: the entry the world holds.
TYPED = {"addEntry": {"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", "dt": "2024-05-02T12:00:00Z"},
         "changeSubjectLogEntry": {"date_time": "2024-05-01T08:00:00Z"},
         "removeSubjectLogEntry": {"date_time": "2024-05-01T08:00:00Z"}}


@pytest.fixture
def world(app, admin, client, professional, caseload, researcher):
    """A record of every kind in the registry, made from its declaration through links, and the callers who
    may write them; and an entry of the subject log (its entries are no kind: a view of the log's)."""
    made = record_of_every_kind(app, client, [professional, researcher, admin])
    # A flagged answer to the questionnaire assigned above: an attention item (made by the server) to PATCH.
    client.post(link(client.client(), "diary.entries"), status=201, json={
        "@type": made["questionnaire"]["schema"], "dt": "2024-05-06T09:00:00Z", **{f"q{n}": 1 for n in range(1, 10)}})
    log = made["subjectlog"]
    researcher.patch(link(log, "add_entry"), json={"date_time": "2024-05-01T08:00:00Z",
                                                   "details": {"weight": {"value": 21.5, "unit": "g"}}})
    return [admin, client, professional, researcher]


def crawl(callers):
    """Every URL each caller reaches by following links and items from the root (bounded)."""
    seen = collections.defaultdict(set)
    requests = 0
    for caller in callers:
        queue, visited = ["http://example.com/"], set()
        while queue and requests < MAX_REQUESTS:
            url = queue.pop(0)
            if url in visited or not url.startswith("http://example.com/") or "?" in url:
                continue
            visited.add(url)
            seen[url.split("?")[0]].add(caller)
            requests += 1
            response = caller.get(url, status="*")
            if response.status_int != 200 or not response.content_type.endswith("json"):
                continue
            body = response.json
            if not isinstance(body, dict):
                continue
            queue += [entry["url"] for entry in body.get("@links", []) if entry["name"] != "next"]
            queue += [item["@url"] for item in body.get("@items", []) if isinstance(item, dict) and "@url" in item]
    return seen


def test_unknown_fields_are_a_400_on_every_operation_with_a_body(world, anonymous):
    document = anonymous.get(anonymous.url("openapi")).json
    reached = crawl(world)
    checked, missing = [], []
    for template, methods in document["paths"].items():
        pattern = path_pattern(template)
        for method, operation in methods.items():
            if "requestBody" not in operation or operation["operationId"] in OPEN_BODIES:
                continue
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            is_array = "items" in document["components"]["schemas"].get(schema.get("$ref", "").split("/")[-1], {}) \
                or schema.get("type") == "array"
            fields = dict(TYPED.get(operation["operationId"], {}), **{UNKNOWN: 1})
            body = [fields] if is_array else fields
            urls = [url for url in reached if pattern.match(url[len("http://example.com"):])]
            if not urls and "{" not in template:  # a fixed URL no link leads to (the pages' sign-in)
                urls = ["http://example.com" + template]
            if not urls:
                missing.append(operation["operationId"])
                continue
            named = False
            for url in urls:
                for caller in (list(reached[url]) + world):
                    answer = caller.request(method.upper(), url, json=body, status="*")
                    assert answer.status_int < 500, (operation["operationId"], answer)
                    names = [p["name"] for p in answer.json.get("extra", [])] if answer.status_int == 400 else []
                    if any(name == UNKNOWN or name.endswith("." + UNKNOWN) for name in names):
                        named = True
                        break
                if named:
                    break
            assert named, f"{operation['operationId']} ({method.upper()} {template}) did not name the unknown field"
            checked.append(operation["operationId"])
    assert missing == [], f"operations no link led to: {missing}"
    assert len(checked) >= 20, checked


def test_a_body_that_is_not_json_is_a_415(client, testapp):
    me = client.url("me")
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        headers = dict(client.headers)
        if content_type:
            headers["Content-Type"] = content_type
        response = testapp.patch(me, b'{"first_name": "Caro"}', headers=headers, status=415)
        assert response.json["code"] == 415 and response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert client.me()["first_name"] == "Carol"
    # Any +json type is JSON.
    testapp.patch(me, b'{"first_name": "Caro"}', headers=dict(client.headers, **{
        "Content-Type": "application/merge-patch+json"}), status=200)


def test_unknown_fields_on_profiles_clients_and_sign_up(client, anonymous):
    assert [p["name"] for p in client.patch(client.url("me"), json={"nickname": "C"}, status=400).json["extra"]] == [
        "nickname"]
    own = client.client()
    assert [p["name"] for p in client.patch(own["@url"], json={"colour": "red"}, status=400).json["extra"]] == [
        "colour"]
    answer = anonymous.post(anonymous.url("auth.register"), json={"username": "dora", "email": "dora@example.org",
                                                                   "password": PASSWORD, "is_admin": True}, status=400)
    assert [p["name"] for p in answer.json["extra"]] == ["is_admin"]
    # The representation's own keys sent back are ignored.
    client.patch(own["@url"], json={"@url": own["@url"], "@type": own["@type"], "@links": own["@links"],
                                    "name": "Caroline"})


def test_an_empty_required_string_is_a_400(client):
    own = client.client()
    answer = client.patch(own["@url"], json={"name": ""}, status=400).json
    assert answer["extra"] == [{"name": "name", "message": "Must not be empty."}]
    assert client.client()["name"] == own["name"]
    assert client.patch(client.url("me"), json={"email": ""}, status=400).json["extra"][0]["name"] == "email"
    # A name that may be empty may be emptied.
    assert client.patch(client.url("me"), json={"last_name": ""}).json["last_name"] == ""


def test_messages_quote_at_most_100_characters_of_a_value(client, admin):
    journals = link(client.client(), "journals")
    answer = client.post(journals, json={"title": "x" * 1_000_000}, status=400)
    assert len(answer.body) < 1000
    assert "x" * 101 not in answer.text and "x" * 100 in answer.text
    answer = client.post(link(client.client(), "moods"), json={"mood": "y" * 100_000}, status=400)
    assert len(answer.body) < 1000
    answer = admin.post(admin.url("users"), json={"username": "zed", "email": "zed@example.org", "password": PASSWORD,
                                                  "role": "r" * 100_000}, status=400)
    assert len(answer.body) < 1000
