"""The JSON-LD form (API.md §11): every kind of response, expanded by a conforming processor (pyld) with the
served context, keeps every value of its JSON form, names every resource by its URL (`@id`), and keeps every
item of a collection, in order."""
import pytest
from pyld import jsonld

from tests.conftest import link

LD = {"Accept": "application/ld+json"}


@pytest.fixture
def loader(testapp):
    """pyld's document loader, answering from the app under test (nothing leaves the machine)."""
    def load(url, options=None):
        response = testapp.get(url.replace("http://example.com", ""), headers=LD)
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": response.json}
    return load


@pytest.fixture
def responses(client, professional, caseload, researcher, admin):
    """The URL of every kind of representation, with the caller who may read it."""
    me = client.client()
    diary = client.get(link(me, "diary")).json
    entry = client.post(link(me, "diary.entries"), json={
        "@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", "dt": "2024-05-01T09:00:00Z",
        "emotion": "happy", "intensity": 4, "situation": "sun"}, status=201).json
    tagtype = professional.post(professional.url("tagtypes"), json={"name": "trigger"}, status=201).json
    journal = client.post(link(me, "journals"), json={"title": "A day", "description": "Walked.",
                                                      "journal_timestamp": "2024-05-01T20:00:00Z"}, status=201).json
    tag = client.post(link(journal, "tags"), json={"tagtype": tagtype["@url"], "description": "why"}, status=201).json
    goal = client.post(link(me, "goals"), json={"title": "Walk", "is_onetime": False, "frequency": "Daily",
                                                "startdate": "2024-05-01T08:00:00Z", "targetdate": "2024-05-03T08:00:00Z",
                                                "reminder": True, "remindertime": "08:30:00"}, status=201).json
    tracking = client.get(link(goal, "tracking")).json
    mood = client.post(link(me, "moods"), json={"logdate": "2024-05-01T08:00:00Z", "mood": "calm",
                                                "reasons": ["sleep", "sun"]}, status=201).json
    subject = researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    log = researcher.post(researcher.url("subjectlogs"), json={"type": "Weighing", "subject": subject["@url"]},
                          status=201).json
    log = researcher.patch(link(log, "add_entry"), json={"date_time": "2024-05-01T08:00:00Z",
                                                         "details": {"weight": {"value": 21.5, "unit": "g"}}}).json
    range_ = "?fromdate=2024-04-28&todate=2024-05-05"
    return [
        (client, "http://example.com/"), (client, client.url("me")), (client, me["@url"]), (client, diary["@url"]),
        (client, link(diary, "configuration")), (client, link(me, "diary.entries.items")), (client, entry["@url"]),
        (client, link(me, "journals")), (client, journal["@url"]), (client, link(journal, "tags")),
        (client, tag["@url"]), (client, link(me, "journals.stats") + range_), (client, link(me, "goals")),
        (client, goal["@url"]), (client, link(goal, "tracking")), (client, tracking["@items"][0]["@url"]),
        (client, link(me, "goals.tracker") + range_), (client, link(me, "moods")), (client, mood["@url"]),
        (client, link(me, "moods.stats") + range_), (professional, professional.url("clients")),
        (professional, link(me, "reports")), (client, client.url("schemas")), (client, client.url("tagtypes")),
        (researcher, researcher.url("subjects")), (researcher, subject["@url"]), (researcher, log["@url"]),
        (researcher, researcher.url("subjectlogs")), (admin, admin.url("users")),
    ]


def json_values(value, found=None):
    """Every scalar value of a JSON representation (not keys; link names are checked as properties)."""
    found = [] if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@links":
                found += [entry["url"] for entry in item]
            else:
                json_values(item, found)
    elif isinstance(value, list):
        for item in value:
            json_values(item, found)
    elif value is not None:
        found.append(value)
    return found


def expanded_values(value, found=None, ids=None, properties=None):
    found = [] if found is None else found
    ids = [] if ids is None else ids
    properties = set() if properties is None else properties
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@value":
                found.append(item)
            elif key == "@id":
                found.append(item)
                ids.append(item)
            elif key == "@type":
                found += item if isinstance(item, list) else [item]
            else:
                properties.add(key)
                expanded_values(item, found, ids, properties)
    elif isinstance(value, list):
        for item in value:
            expanded_values(item, found, ids, properties)
    return found, ids, properties


def urls_of(value, found=None):
    """The @url of every resource in a JSON representation."""
    found = [] if found is None else found
    if isinstance(value, dict):
        if "@url" in value:
            found.append(value["@url"])
        for key, item in value.items():
            if key != "@links":
                urls_of(item, found)
    elif isinstance(value, list):
        for item in value:
            urls_of(item, found)
    return found


def test_every_response_expands_without_loss(responses, loader):
    for caller, url in responses:
        plain = caller.get(url).json
        names = [entry["name"] for entry in plain.get("@links", [])]
        assert len(names) == len(set(names)), (url, names)  # each link once
        response = caller.get(url, headers=LD)
        assert response.content_type == "application/ld+json"
        assert "Accept" in response.headers["Vary"]
        document = response.json
        assert document["@context"] == "http://example.com/context.jsonld"
        expanded = jsonld.expand(document, {"documentLoader": loader, "base": url})
        values, ids, properties = expanded_values(expanded)
        missing = [value for value in json_values(plain) if value not in values]
        assert missing == [], (url, missing)
        # Every resource is a node named by its URL.
        assert set(urls_of(plain)) <= set(ids), url
        # Every link is a property named for it.
        for entry in plain.get("@links", []):
            assert any(p.endswith("#" + entry["name"]) for p in properties), (url, entry["name"])


def test_items_keep_their_order(responses, loader, client):
    me = client.client()
    for n in range(3):
        client.post(link(me, "moods"), json={"logdate": f"2024-06-0{n + 1}T08:00:00Z", "mood": "calm"}, status=201)
    url = link(me, "moods")
    plain = client.get(url).json
    expanded = jsonld.expand(client.get(url, headers=LD).json, {"documentLoader": loader})
    (page,) = expanded
    (items,) = [value for key, value in page.items() if key.endswith("#items")]
    assert [item["@id"] for item in items[0]["@list"]] == [item["@url"] for item in plain["@items"]]


def test_dates_are_typed_and_entry_fields_live_under_their_schema(responses, loader, client):
    me = client.client()
    items_url = link(me, "diary.entries.items")
    expanded = jsonld.expand(client.get(items_url, headers=LD).json, {"documentLoader": loader})
    (page,) = expanded
    (items,) = [value for key, value in page.items() if key.endswith("#items")]
    (entry,) = items[0]["@list"]
    schema = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
    assert entry["@type"] == [schema]
    assert entry[schema + "#emotion"] == [{"@value": "happy"}]
    (dt,) = [value for key, value in entry.items() if key.endswith("#dt")]
    assert dt == [{"@value": "2024-05-01T09:00:00Z", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}]


def test_json_stays_the_default(client):
    for accept in ("*/*", "application/json", None):
        response = client.get("http://example.com/", headers={"Accept": accept} if accept else {})
        assert response.content_type == "application/json" and "@url" in response.json


def test_the_context_types_every_date_field_of_every_kind(app, anonymous):
    context = anonymous.get("http://example.com/context.jsonld").json["@context"]
    for name in ("journal_timestamp", "startdate", "targetdate", "logdate", "duedate", "dt"):
        assert context[name]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime", name
    assert context["reminderdate"]["@type"] == "http://www.w3.org/2001/XMLSchema#date"
    assert context["tagtype"]["@type"] == "@id" and context["goal"]["@type"] == "@id"
