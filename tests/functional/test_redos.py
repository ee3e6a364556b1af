"""API.md §8: no single request holds a server process. A professional's schema whose patterns backtrack
catastrophically makes the entry a 400 naming the field within the time budget, and the same process
answers other requests meanwhile (the match releases the GIL). Over real sockets, on a live server."""
import contextlib
import threading
import time
import tracemalloc

from hyperdiary import patterns
from tests.conftest import link
from tests.functional.test_concurrency import call

KEY = "b" * 40 + "!"


def schema(schema_id, pattern):
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": "Codes",
            "type": "object", "properties": {"note": {"type": "string"}},
            "patternProperties": {pattern: {"type": "string"}}, "additionalProperties": False}


def configure(professional, client, caseload, *documents):
    schemas = professional.url("schemas")
    for document in documents:
        professional.post(schemas, json=document, status=201)
    configuration = link(professional.get(caseload).json, "diary.configuration")
    professional.put(configuration, json={"schemas": [d["$id"] for d in documents]})
    return link(client.client(), "diary.entries")


def test_the_measured_case_answers_400_at_once(professional, client, caseload):
    """The issue's exact schema (`^(b+)+$`, which `re` took 149 ms on at 22 characters, doubling per
    character): the key does not match, so it is an unknown field."""
    entries = configure(professional, client, caseload, schema("https://example.org/codes:1", "^(b+)+$"))
    answer = client.post(entries, json={"@type": "https://example.org/codes:1", "dt": "2024-05-01T12:00:00Z",
                                        KEY: "x"}, status=400).json
    assert [p["name"] for p in answer["extra"]] == [KEY]


def test_a_backtracking_key_pattern_is_a_400_while_the_process_answers_others(live_server, professional, client,
                                                                               caseload):
    schema_id = "https://example.org/codes:2"
    entries = configure(professional, client, caseload, schema(schema_id, "^(b|b)+$"))
    entries = entries.replace("http://example.com", live_server)
    body = {"@type": schema_id, "dt": "2024-05-01T12:00:00Z", KEY: "x"}
    finished = {}

    def post():
        started = time.monotonic()
        finished["answer"] = call("POST", entries, body, token=client.access)
        finished["post"] = time.monotonic()
        finished["took"] = finished["post"] - started

    poster = threading.Thread(target=post)
    poster.start()
    time.sleep(0.05)  # the POST is matching now (it takes the whole budget)
    root = call("GET", live_server + "/")
    root_done = time.monotonic()
    poster.join(timeout=30)
    assert not poster.is_alive()
    assert root.status == 200
    answer = finished["answer"]
    assert answer.status == 400, answer
    assert {"name": KEY, "message": patterns.TOO_LONG} in answer.body["extra"]
    # The GET was answered while the match ran, not after it (re held the GIL: the GET waited for it).
    assert root_done < finished["post"]
    assert finished["took"] < 5, finished  # the budget cut it short (with `re`: hours)


HUGE = "(?:(?:a{1000}){2000})"  # 21 characters that `regex` would write out into two million nodes


@contextlib.contextmanager
def peak_memory():
    """[the most bytes allocated at once inside the block] (the machine's load changes times, not this)."""
    found = [0]
    tracemalloc.start()
    try:
        yield found
        found[0] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def regex_schema(schema_id):
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": "Filters",
            "type": "object", "properties": {"filter": {"type": "string", "format": "regex"}}}


def test_a_format_regex_value_too_big_to_compile_is_a_400_at_once(professional, client, caseload):
    """The issue's measurement: five POSTs of such values took a server from 104 to 1,707 MB."""
    schema_id = "https://example.org/filters:1"
    entries = configure(professional, client, caseload, regex_schema(schema_id))
    for count in range(5):
        with peak_memory() as peak:
            answer = client.post(entries, json={"@type": schema_id, "dt": "2024-05-01T12:00:00Z",
                                                "filter": HUGE.replace("2000", str(2000 + count))}, status=400).json
        assert peak[0] < 20_000_000, peak  # compiling the value: about 430 MB, seconds holding the GIL
        assert answer["extra"] == [{"name": "filter", "message": patterns.TOO_BIG}]
    client.post(entries, json={"@type": schema_id, "dt": "2024-05-01T12:00:00Z", "filter": "^a{3}$"}, status=201)
    assert len(client.get(link(client.client(), "diary.entries") + "items").json["@items"]) == 1


def test_a_pattern_that_runs_out_of_time_inside_not_refuses_and_stores_nothing(professional, client, caseload):
    schema_id = "https://example.org/codes:3"
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": "Codes",
                "type": "object", "properties": {"code": {"type": "string", "not": {"pattern": "^(b|b)+$"}}}}
    entries = configure(professional, client, caseload, document)
    answer = client.post(entries, json={"@type": schema_id, "dt": "2024-05-01T12:00:00Z", "code": KEY},
                         status=400).json
    assert answer["extra"] == [{"name": "code", "message": patterns.TOO_LONG}]
    assert client.get(link(client.client(), "diary.entries") + "items").json["@items"] == []


def test_a_schema_upload_or_preview_with_a_huge_pattern_is_a_400_at_once(professional):
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.org/huge:1",
                "type": "object", "properties": {"code": {"type": "string", "pattern": HUGE}},
                "patternProperties": {HUGE: {}}}
    for url in (professional.url("schemas"), professional.url("schemas.preview")):
        with peak_memory() as peak:
            answer = professional.post(url, json=document, status=400).json
        assert peak[0] < 20_000_000, peak
        assert answer["extra"][0]["name"] in ("properties.code.pattern", f"patternProperties.{HUGE}")
    assert document["$id"] not in [s["@id"] for s in professional.get(professional.url("schemas")).json["@items"]]
