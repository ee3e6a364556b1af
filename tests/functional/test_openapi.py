"""The OpenAPI document is served, valid OpenAPI 3.1, describes exactly the views that exist, and real
answers fit it: every documented operation is called and each answer's status, headers and body are
checked against what the document says."""
import datetime
import json
import pathlib
import re
import shutil

import colander
import pytest
import sqlalchemy as sa
import webtest
from openapi_spec_validator import validate

from hyperdiary import main
from hyperdiary import openapi as generation
from hyperdiary.openapi import NO_NUL, RECKONED, kind_operations, record_kinds
from hyperdiary.models import dispose
from hyperdiary.reminders.models import Delivery
from hyperdiary.reminders.kinds import SubscriptionKind
from tests import conformance
from tests.conformance import path_pattern
from tests.conftest import PASSWORD, link, sign_in
from tests.kinds import hydration


def registered_operations(app):
    """(context class name, view name, method) of every view of a resource (not exception views)."""
    operations = set()
    for item in app.registry.introspector.get_category("views"):
        view = item["introspectable"]
        context = view["context"]
        if not isinstance(context, type) or issubclass(context, BaseException) or view["exception_only"]:
            continue
        # A view without request_method answers every method; no operation can say so, and none should.
        methods = view["request_methods"] or ("ANY METHOD",)
        for method in (methods,) if isinstance(methods, str) else methods:
            operations.add((context.__name__, view["name"], method))
    return operations


def operations(document):
    return [operation for path in document["paths"].values() for operation in path.values()]


def documented_operations(document):
    return {(op["x-view"]["context"], op["x-view"]["name"], op["x-view"]["method"]) for op in operations(document)}


def openapi(api):
    return api.get(api.url("openapi")).json


def test_served_and_valid(anonymous):
    response = anonymous.get(anonymous.url("openapi"))
    assert response.content_type == "application/json"
    document = response.json
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://example.com"}]
    validate(document)  # the OpenAPI 3.1 metaschema (openapi-spec-validator picks it by `openapi`)
    ids = [op["operationId"] for op in operations(document)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_view_is_described_and_nothing_else(app, anonymous):
    document = openapi(anonymous)
    registered = registered_operations(app)
    assert registered, "no views found"
    assert registered - documented_operations(document) == set(), "views missing from the OpenAPI document"
    assert documented_operations(document) - registered == set(), "the OpenAPI document describes missing views"
    # A view name is the last step of a traversal path; the default view's paths end in a slash.
    for path, methods in document["paths"].items():
        for operation in methods.values():
            name = operation["x-view"]["name"]
            assert path.endswith("/" + name if name else "/"), (path, name)


def test_every_view_is_documented_beside_its_view_config(app):
    """Each hand-written view carries its documentation (hyperdiary/documented.py); the kinds' views are
    described from their declarations. A view that forgets it is named here."""
    assert generation.undocumented(app.registry) == []
    for (context, name, method), view in generation.registered_views(app.registry).items():
        doc = getattr(view["callable"], "__openapi__", None)
        if doc is not None:
            assert doc.path.endswith("/" + name if name else "/"), (doc.id, doc.path, name)


def test_a_view_that_forgot_its_documentation_is_named_not_a_500(app_settings):
    """A view registered without documentation: the document is still served (without it), and
    `undocumented` (what the test above asserts empty) names it."""
    from pyramid.config import Configurator

    def forgotten(config: Configurator):
        config.add_view(lambda request: {}, name="forgotten", context="hyperdiary.resources.root.Root",
                        request_method="GET", renderer="json")

    import sys
    import types
    module = types.ModuleType("tests_forgotten_view")
    module.includeme = forgotten
    sys.modules[module.__name__] = module
    app = main({}, **dict(app_settings, **{"hyperdiary.includes": module.__name__}))
    try:
        document = webtest.TestApp(app).get("/openapi.json").json
        assert "/forgotten" not in document["paths"]
        assert generation.undocumented(app.registry) == [("Root", "forgotten", "GET")]
    finally:
        dispose(app.registry)
        del sys.modules[module.__name__]


def test_query_parameters_are_the_listing_schema_s(app, anonymous):
    """A view's and a kind's query parameters are the nodes of the colander schema it parses its query
    with: a node of a type the generator does not know is described as a string, never a 500."""
    document = openapi(anonymous)
    by_id = {op["operationId"]: op for op in operations(document)}
    names = [p["name"] for p in by_id["listGoalReminders"]["parameters"] if p.get("in") == "query"]
    assert sorted(names) == ["after", "limit", "since", "until"]
    journals = [p["name"] for p in by_id["listJournals"]["parameters"] if p.get("in") == "query"]
    assert set(journals) == {node.name for node in app.registry.kinds["journal"].listing().children}

    class Mystery(colander.SchemaType):
        def deserialize(self, node, cstruct):
            return cstruct

    assert generation.node_schema(colander.SchemaNode(Mystery(), name="x", missing=None)) == {"type": "string"}
    assert generation.node_schema(colander.SchemaNode(colander.Integer(), name="n", missing=50,
                                                      validator=colander.Range(1, 500))) == {
        "type": "integer", "minimum": 1, "maximum": 500, "default": 50}


def test_a_kind_s_new_filter_needs_no_edit_of_the_generator(app_settings, tmp_path, monkeypatch):
    """The issue's case: a kind whose listing gains a filter. Its parameter is in the document, from the
    listing schema alone (the hand QUERY table this replaced answered 500 for a name it lacked)."""
    schemas_dir = tmp_path / "schemas"
    shutil.copytree(pathlib.Path(app_settings["hyperdiary.schemas_dir"]), schemas_dir)
    shutil.copy(hydration.SCHEMA, schemas_dir / "hydration.json")

    class HydrationListing(hydration.kinds.Listing):
        minimum_ml = colander.SchemaNode(colander.Integer(), missing=None, description="only from this amount")

    monkeypatch.setattr(hydration.HydrationKind, "listing", HydrationListing)
    app = main({}, **dict(app_settings, **{"hyperdiary.schemas_dir": str(schemas_dir),
                                           "hyperdiary.includes": "tests.kinds.hydration"}))
    try:
        listing = webtest.TestApp(app).get("/openapi.json").json["paths"]["/clients/{client_id}/hydration/"]["get"]
        assert {"name": "minimum_ml", "in": "query", "required": False,
                "schema": {"type": "integer", "description": "only from this amount"}} in listing["parameters"]
    finally:
        dispose(app.registry)


def test_the_contract_check_fails_when_the_document_is_not_served(app_settings, monkeypatch):
    """The suite-wide check (tests/conformance.py) cannot turn itself off: an app whose /openapi.json is
    not a 200 fails every request's check, naming the answer it got."""
    def broken(registry):
        raise KeyError("a piece the generator lacks")

    monkeypatch.setattr(generation, "_build", broken)
    app = main({}, **app_settings)
    try:
        with pytest.raises(AssertionError, match="does not serve its OpenAPI document: GET /openapi.json answered 500"):
            webtest.TestApp(app).get("/")
    finally:
        dispose(app.registry)


def test_link_names_are_those_of_the_contract(client, anonymous, researcher):
    document = openapi(anonymous)
    named = {op["x-link"] for op in operations(document) if "x-link" in op}
    assert {"subjects", "subjectlogs", "add_entry", "change_entry", "remove_entry", "entries"} <= named
    assert {entry["name"] for entry in researcher.root()["@links"]} <= named
    client_links = {entry["name"] for entry in client.client()["@links"]}
    assert {"diary", "diary.configuration", "diary.entries", "diary.entries.items", "diary.entries.schemas"} <= named
    assert named & client_links == client_links - {"user"}
    root_links = {entry["name"] for entry in anonymous.root()["@links"]}
    assert root_links <= named


# --- real answers fit the document ----------------------------------------------------------------


class Conformance(conformance.Conformance):
    """The suite-wide check (tests/conformance.py), called on answers one by one to see which operations
    this test reaches."""

    def __call__(self, response):
        return super().__call__(response.request, response)


# Links whose URL lacks the final slash of the resource's own URL (none: every link is the URL the
# resource gives itself).
KNOWN_UNSLASHED = set()

MOOD = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.org/schemas/openapi-test/mood:1",
    "title": "Mood",
    "type": "object",
    "required": ["mood"],
    "properties": {"mood": {"type": "integer", "title": "Mood", "minimum": 1, "maximum": 5}},
}


def test_answers_fit_the_document(app, anonymous, admin, client, professional, caseload, researcher):
    check = Conformance(openapi(anonymous))
    home = "http://example.com/"

    # Discovery.
    check(anonymous.get(home))
    check(client.get(home))
    check(anonymous.get(anonymous.url("openapi")))
    check(anonymous.get(anonymous.url("context")))

    # Signing up, in and out.
    register, token = anonymous.url("auth.register"), anonymous.url("auth.token")
    dora = {"username": "dora", "email": "dora@example.org", "password": PASSWORD}
    check(anonymous.post(register, json=dora, status=201))
    check(anonymous.post(register, json=dora, status=400))
    check(anonymous.post(token, json={"username": "dora", "password": "wrong"}, status=401))
    check(anonymous.post(token, json={"username": "dora", "password": "x" * 1024 * 1024}, status=413))
    signed_in = check(anonymous.post(token, json={"username": "dora", "password": PASSWORD})).json
    dora_client = link(signed_in["user"], "client")
    tokens = check(anonymous.post(anonymous.url("auth.refresh"), json={"refresh": signed_in["refresh"]})).json
    check(anonymous.post(anonymous.url("auth.logout"), json={"refresh": tokens["refresh"]}))
    check(anonymous.post(anonymous.url("auth.logout"), json={"refresh": tokens["refresh"]}, status=401))

    # Users and profiles.
    users = admin.url("users")
    check(admin.get(users + "?limit=1"))
    check(admin.get(users + "?limit=0", status=400))
    check(client.get(users, status=403))
    check(anonymous.get(users, status=401))
    rita = {"username": "rita", "email": "rita@example.org", "password": PASSWORD, "role": "researcher"}
    check(admin.post(users, json=rita, status=201))
    check(client.post(users, json=rita, status=403))
    me = client.url("me")
    check(client.get(me))
    check(professional.get(me, status=404))
    check(client.patch(me, json={"first_name": "Caroline"}))
    check(client.patch(me, json={"first_name": "C"}, headers={"If-Match": '"stale"'}, status=412))

    # Caseloads.
    caseload_url = link(professional.me(), "caseload")
    check(admin.post(caseload_url, json={"client": dora_client}, status=201))
    check(admin.post(caseload_url, json={"client": dora_client}))  # assigned already
    check(professional.post(caseload_url, json={"client": dora_client}, status=403))
    assignment = check(professional.get(caseload_url)).json["@items"][0]["@url"]
    check(professional.get(assignment))

    # Clients.
    check(professional.get(professional.url("clients") + "?login=carol"))
    check(client.get(professional.url("clients"), status=403))
    carol = check(professional.get(caseload)).json
    check(professional.patch(caseload, json={"time_zone": "Europe/Amsterdam"}))
    check(professional.patch(caseload, json={"time_zone": "Mars/Olympus_Mons"}, status=400))
    check(client.get(link(carol, "diary")))

    # Entry schemas and the diary's configuration.
    schemas = anonymous.url("schemas")
    check(anonymous.get(schemas))
    descriptor = check(professional.post(schemas, json=MOOD, status=201)).json
    check(professional.post(schemas, json=MOOD, status=409))
    check(client.post(schemas, json=MOOD, status=403))
    check(anonymous.get(descriptor["@url"]))
    check(anonymous.get(link(descriptor, "jsonschema")))
    check(anonymous.get(schemas + "no-such-schema/", status=404))
    configuration = link(carol, "diary.configuration")
    wanted = [s["@id"] for s in check(client.get(configuration)).json["@schemas"]] + [MOOD["$id"]]
    check(professional.put(configuration, json={"schemas": wanted}))
    check(client.put(configuration, json={"schemas": wanted}, status=403))

    # Entries.
    own = client.client()
    entries, items = link(own, "diary.entries"), link(own, "diary.entries.items")
    entry = {"@type": MOOD["$id"], "dt": "2024-05-01T12:00:00Z", "mood": 3}
    created = check(client.post(entries, json=entry, status=201))
    check(client.post(entries, json=entry))  # the same again: deduplicated
    check(client.post(entries, json=dict(entry, mood=9), status=400))
    check(professional.post(entries, json=entry, status=403))
    first, etag = created.json["@url"], created.headers["ETag"]
    check(client.get(first))
    check(client.get(first, headers={"If-None-Match": etag}, status=304))
    second = check(client.post(entries, json=dict(entry, mood=4), status=201)).json["@url"]
    check(client.patch(second, json={"mood": 3}, status=409))  # would equal the first
    check(client.patch(first, json={"mood": 2}))
    check(client.patch(first, json={"mood": 1}, headers={"If-Match": etag}, status=412))
    check(client.get(items + "?limit=1"))
    check(client.get(link(own, "diary.entries.schemas")))
    check(client.delete(second, status=204))
    check(client.get(second, status=404))
    synced = check(client.get(items + "?modified_after=2000-01-01T00:00:00Z")).json
    assert any(item.get("@deleted") for item in synced["@items"])
    check(client.get(items + "?modified_after=yesterday", status=400))

    # Tag types and journals.
    tagtypes = client.url("tagtypes")
    trigger = check(professional.post(tagtypes, json={"name": "trigger"}, status=201)).json
    check(professional.post(tagtypes, json={"name": "trigger"}, status=409))
    check(client.post(tagtypes, json={"name": "mine"}, status=403))
    check(client.get(tagtypes))
    check(client.get(trigger["@url"]))
    journals = link(own, "journals")
    note = {"journal_timestamp": "2024-05-01T12:00:00Z", "title": "A walk"}
    created = check(client.post(journals, json=note, status=201))
    check(client.post(journals, json=note))  # the same again: deduplicated
    check(client.post(journals, json={"title": "x" * 300}, status=400))
    check(professional.post(journals, json=note, status=403))
    journal = created.json["@url"]
    check(client.get(journal, headers={"If-None-Match": created.headers["ETag"]}, status=304))
    other = check(client.post(journals, json=dict(note, title="Another"), status=201)).json["@url"]
    check(client.patch(other, json={"title": "A walk"}, status=409))
    check(client.patch(journal, json={"description": "Calmer after"}))
    check(client.put(journal, json=dict(note, title="A long walk")))
    check(client.put(journal, json=note, headers={"If-Match": created.headers["ETag"]}, status=412))
    check(client.get(journals + "?tag=" + trigger["@url"] + "&fromdate=2024-05-01&time_zone=Europe/Amsterdam"))
    check(client.get(link(own, "journals.stats") + "?fromdate=2024-05-01&todate=2024-05-31"))
    check(client.get(link(own, "journals.stats") + "?time_zone=Nowhere/Land", status=400))
    tags = link(check(client.get(journal)).json, "tags")
    tag = check(client.post(tags, json={"tagtype": trigger["@url"], "description": "news"}, status=201)).json["@url"]
    check(client.get(tags))
    check(client.get(tag))
    check(client.patch(tag, json={"description": "the news"}))
    check(client.put(tag, json={"tagtype": trigger["@url"]}))
    check(professional.delete(tag, status=403))
    check(client.delete(tag, status=204))
    check(client.delete(other, status=204))

    # Goals and goal tracking.
    carol = check(client.get(caseload)).json
    goals = link(carol, "goals")
    walk = {"title": "Walk", "is_onetime": False, "frequency": "Daily", "startdate": "2024-05-01T08:00:00Z",
            "targetdate": "2024-05-03T00:00:00Z"}
    created = check(professional.post(goals, json=dict(walk, is_therapist_approved=True), status=201))
    goal, goal_etag = created.json, created.headers["ETag"]
    check(client.post(goals, json=dict(walk, is_therapist_approved=True), status=403))
    check(client.post(goals, json=dict(walk, frequency="Hourly"), status=400))
    check(client.get(goals + "?limit=1"))
    check(client.get(goals + "?modified_after=2000-01-01T00:00:00Z"))
    check(client.get(goal["@url"]))
    check(client.get(goal["@url"], headers={"If-None-Match": goal_etag}, status=304))
    check(client.get(goals + "0123456789abcdef0123456789abcdef/", status=404))
    urls = check(client.post(link(carol, "goals.batch"), json=[dict(walk, title="Read"),
                                                               {"@url": goal["@url"], "title": "Walk far"}])).json
    check(client.post(link(carol, "goals.batch"), json=[walk, dict(walk, title=None)], status=400))
    check(anonymous.post(link(carol, "goals.batch"), json=[walk], status=401))
    check(client.get(link(carol, "goals.tracker") + "?fromdate=2024-05-01&todate=2024-05-31&time_zone=Asia/Kolkata"))
    check(client.get(link(carol, "goals.tracker") + "?time_zone=Nowhere", status=400))
    check(client.get(link(carol, "goals.pending")))
    check(client.get(link(carol, "goals.reminders") + "?until=2024-06-01T00:00:00Z&limit=5"))
    check(client.get(link(carol, "goals.ics")))
    feeds = link(carol, "goals.ics.feeds")
    feed = check(client.post(feeds, json={"name": "phone"}, status=201)).json
    check(client.post(feeds, json={"name": 5}, status=400))
    check(client.get(feeds))
    check(client.get(feed["@url"]))
    check(professional.get(feeds, status=404))
    check(anonymous.get(feed["feed"]))
    check(client.delete(feed["@url"], status=204))
    check(anonymous.get(feed["feed"], status=404))
    # Reminders (API.md §12).
    check(anonymous.get(anonymous.url("push.key")))
    notifications = link(carol, "notifications")
    settings = check(client.get(notifications)).json
    check(client.patch(notifications, json={"email": True, "quiet_hours": {"start": "22:00", "end": "07:00"}}))
    check(client.patch(notifications, json={"quiet_hours": {"start": "25:00", "end": "07:00"}}, status=400))
    check(professional.get(notifications, status=404))
    subscriptions, example = link(settings, "subscriptions"), SubscriptionKind.example
    subscription = check(client.post(subscriptions, json=example, status=201)).json
    check(client.post(subscriptions, json=example))
    check(client.post(subscriptions, json=dict(example, endpoint="http://push.example.org/x"), status=400))
    check(client.get(subscriptions))
    check(client.get(subscription["@url"]))
    check(client.patch(subscription["@url"], json=SubscriptionKind.change))
    check(client.delete(subscription["@url"], status=204))
    with app.registry["dbengine"].begin() as conn:
        conn.execute(sa.insert(Delivery), [{"id": "d" * 32, "client_id": carol["@url"].rstrip("/").rsplit("/", 1)[1],
                                            "time": datetime.datetime(2024, 5, 1, 7), "channel": "push",
                                            "status": "sent", "about": "clients/", "version": 1,
                                            "created": datetime.datetime(2024, 5, 1),
                                            "modified": datetime.datetime(2024, 5, 1)}])
    delivery = check(client.get(link(settings, "deliveries"))).json["@items"][0]
    check(client.get(delivery["@url"]))

    goal = check(client.get(urls[1])).json
    changed = check(client.patch(goal["@url"], json={"targetdate": "2024-05-02T00:00:00Z"}))
    check(client.patch(goal["@url"], json={"title": "x"}, headers={"If-Match": goal_etag}, status=412))
    check(client.patch(goal["@url"], json={"is_therapist_approved": False}, status=403))
    check(client.patch(link(goal, "reminder"), json={"reminder": True, "remindertime": "08:00"}))
    check(client.patch(link(goal, "reminder"), json={"reminder": "yes"}, status=400))
    check(client.patch(link(goal, "reminder"), json={"reminder": False}, headers={"If-Match": goal_etag}, status=412))
    check(professional.patch(link(goal, "reminder"), json={"reminder": False}))
    items = check(client.get(link(goal, "tracking") + "?limit=1")).json
    check(client.get(link(goal, "tracking") + "?modified_after=2000-01-01T00:00:00Z"))
    item = check(client.get(items["@items"][0]["@url"]))
    check(client.get(item.json["@url"], headers={"If-None-Match": item.headers["ETag"]}, status=304))
    check(client.get(link(item.json, "goal")))
    check(client.patch(item.json["@url"], json={"iscompleted": True}))
    check(client.patch(item.json["@url"], json={"iscompleted": False}, headers={"If-Match": item.headers["ETag"]},
                       status=412))
    check(client.patch(item.json["@url"], json={"iscompleted": 1}, status=400))
    check(professional.patch(item.json["@url"], json={"iscompleted": True}, status=403))
    check(client.delete(goal["@url"], headers={"If-Match": goal_etag}, status=412))
    check(professional.delete(urls[0], status=204))
    check(client.delete(goal["@url"], headers={"If-Match": changed.headers["ETag"]}, status=412))
    check(client.delete(goal["@url"], status=204))
    check(client.get(goal["@url"], status=404))

    # Moods.
    moods = link(carol, "moods")
    logged = check(client.post(moods, json={"logdate": "2024-05-01T20:00:00Z", "mood": "calm", "reasons": ["tea"]},
                               status=201))
    mood, mood_etag = logged.json, logged.headers["ETag"]
    check(client.post(moods, json={"mood": "bored"}, status=400))
    check(professional.post(moods, json={"mood": "calm"}, status=403))
    check(client.get(moods + "?limit=1"))
    check(client.get(mood["@url"]))
    check(client.get(mood["@url"], headers={"If-None-Match": mood_etag}, status=304))
    check(client.get(link(carol, "moods.stats") + "?fromdate=2024-05-01&todate=2024-05-02&time_zone=America/Denver"))
    check(client.get(link(carol, "moods.stats") + "?fromdate=2024-05-03&todate=2024-05-02", status=400))
    check(client.patch(mood["@url"], json={"reasons": ["tea", "rain"]}))
    check(client.patch(mood["@url"], json={"mood": "sad"}, headers={"If-Match": mood_etag}, status=412))
    check(client.patch(mood["@url"], json={"reasons": "rain"}, status=400))
    check(professional.patch(mood["@url"], json={"mood": "sad"}, status=403))
    check(professional.delete(mood["@url"], status=403))
    check(client.delete(mood["@url"], headers={"If-Match": mood_etag}, status=412))
    check(client.delete(mood["@url"], status=204))
    check(client.get(moods + "?modified_after=2000-01-01T00:00:00Z"))
    check(client.get(mood["@url"], status=404))

    check(admin.delete(assignment, status=204))
    check(professional.get(assignment, status=404))

    # Research: subjects and their members.
    subjects, subjectlogs = researcher.url("subjects"), researcher.url("subjectlogs")
    ron = sign_in(anonymous.testapp, "rita")  # the researcher the admin made above
    check(researcher.get(subjects + "?limit=1"))
    check(client.get(subjects, status=403))
    check(anonymous.get(subjects, status=401))
    check(client.post(subjects, json={"name": "Mouse 1"}, status=403))
    check(researcher.post(subjects, json={"name": ""}, status=400))
    created = check(researcher.post(subjects, json={"name": "Mouse 1"}, status=201))
    subject, subject_etag = created.json, created.headers["ETag"]
    check(ron.get(subject["@url"], status=404))
    check(researcher.patch(subject["@url"], json={"is_public": True}))
    check(researcher.patch(subject["@url"], json={"is_public": "yes"}, status=400))
    check(researcher.patch(subject["@url"], json={"name": "M"}, headers={"If-Match": subject_etag}, status=412))
    check(ron.patch(subject["@url"], json={"name": "M"}, status=403))
    check(anonymous.get(subject["@url"]))
    members = link(subject, "members")
    check(ron.get(members, status=403))
    check(researcher.post(members, json={"username": "carol"}, status=400))
    check(ron.post(members, json={"username": "ron"}, status=403))
    member = check(researcher.post(members, json={"username": "rita"}, status=201)).json["@url"]
    check(researcher.post(members, json={"user": member.split("/")[-2]}))  # a member already
    check(ron.get(member))
    creator = check(ron.get(members)).json["@items"][0]["@url"]
    check(client.get(creator, status=403))
    check(ron.delete(creator, status=409))

    # Research: subject logs, their entries and their types.
    check(client.post(subjectlogs, json={"type": "Weighing", "subject": subject["@url"]}, status=403))
    check(researcher.post(subjectlogs, json={"type": "Nope", "subject": subject["@url"]}, status=400))
    created = check(researcher.post(subjectlogs, json={"type": "Weighing", "subject": subject["@url"]}, status=201))
    log, log_etag = created.json, created.headers["ETag"]
    check(researcher.get(log["@url"]))
    check(researcher.get(subjectlogs + "?type=Weighing&limit=1"))
    check(researcher.get(subjectlogs + "?type=Nope", status=400))
    check(anonymous.get(link(subject, "logs")))
    weighing = {"date_time": "2024-05-01T08:00:00Z", "details": {"weight": {"value": 21.5, "unit": "g"}}}
    check(researcher.patch(link(log, "add_entry"), json=weighing))
    check(researcher.patch(link(log, "add_entry"), json=weighing, status=400))  # the same instant
    check(researcher.patch(link(log, "add_entry"), json=weighing, headers={"If-Match": log_etag}, status=412))
    check(client.patch(link(log, "add_entry"), json=weighing, status=403))
    check(ron.patch(link(log, "change_entry"), json={"date_time": weighing["date_time"], "notes": "calm"}))
    check(ron.patch(link(log, "change_entry"), json={"date_time": "2000-01-01T00:00:00Z"}, status=404))
    check(anonymous.get(link(log, "entries") + "?limit=1"))
    check(researcher.patch(link(log, "remove_entry"), json={"date_time": weighing["date_time"]}))
    check(researcher.patch(log["@url"], json={"description": "daily"}))
    check(researcher.patch(log["@url"], json={"description": "x" * 501}, status=400))
    check(researcher.patch(log["@url"], json={"description": "d"}, headers={"If-Match": log_etag}, status=412))
    check(client.patch(log["@url"], json={"description": "d"}, status=403))
    types = link(check(researcher.get(subjectlogs)).json, "types")
    check(anonymous.get(types))
    log_type = check(anonymous.get(link(log, "type"))).json
    check(anonymous.get(link(log_type, "jsonschema")))
    check(anonymous.get(types + "Nope/", status=404))
    check(ron.delete(member, status=204))
    check(ron.get(member, status=404))
    check(client.delete(log["@url"], status=403))
    check(researcher.delete(log["@url"], status=204))
    check(researcher.get(log["@url"], status=404))
    check(researcher.get(subjectlogs + "?modified_after=2000-01-01T00:00:00Z"))

    # Reports: Carol reads her own; a researcher finds nothing.
    reports = link(check(client.get(caseload)).json, "reports")
    kinds = check(client.get(reports)).json
    check(researcher.get(reports, status=404))
    check(anonymous.get(reports, status=401))
    since = link(kinds, "entriesSince")
    page = check(client.get(since + "?reference_date=2024-05-01&limit=1")).json
    assert page["@items"] and page["counts"]["entries"] >= 1
    check(client.get(link(page, "next")))
    check(client.get(since + "?reference_date=2024-05-01T12:00:00Z&time_zone=Asia/Tokyo"))
    check(client.get(since + "?after=garbage", status=400))
    check(researcher.get(since, status=404))
    check(anonymous.get(since, status=401))
    for name in ("perWeek", "perSchema", "scores"):
        check(client.get(link(kinds, name) + "?reference_date=2024-05-01"))
        check(client.get(link(kinds, name) + "?reference_date=9999-12-31", status=400))
        check(researcher.get(link(kinds, name), status=404))
        check(anonymous.get(link(kinds, name), status=401))

    # Health-data duties: the audit trail, who may see a client, the export, erasure.
    own = client.client()
    check(client.get(link(own, "audit") + "?limit=1"))
    check(client.get(link(own, "audit") + "?actor=nobody", status=400))
    check(professional.get(link(own, "audit"), status=404))
    check(admin.get(admin.url("audit") + "?limit=2"))
    check(client.get(admin.url("audit"), status=403))
    check(client.get(link(own, "professionals")))
    check(client.get(link(own, "export")))
    check(researcher.get(link(own, "export"), status=404))
    dora = sign_in(anonymous.testapp, "dora")
    dora_me = dora.url("me")
    check(dora.delete(dora_me, json={"password": "not the password"}, status=401))
    check(dora.delete(dora_me, json={}, status=400))
    check(client.delete(dora_me, status=404))
    check(dora.delete(dora_me, json={"password": PASSWORD}, status=204))
    check(admin.delete(dora_me, status=404))
    # For people: the pages' sign-in, charts, the schema preview.
    session = "http://example.com/auth/session"
    check(anonymous.post(session, json={"username": "carol", "password": "wrong"}, status=401))
    check(anonymous.post(session, json={"username": "carol", "password": PASSWORD}))
    check(anonymous.put(session))
    check(anonymous.delete(session, status=204))
    check(anonymous.put(session, status=401))
    preview = professional.url("schemas.preview")
    check(professional.post(preview, json=dict(MOOD, **{"$id": "https://example.org/schemas/openapi-test/p:1"})))
    check(professional.post(preview, json={"type": "array"}, status=400))
    check(client.post(preview, json=MOOD, status=403))
    charts = link(check(client.get(caseload)).json, "charts")
    chart = check(client.get(charts)).json["@items"][0]["@url"]
    check(researcher.get(charts, status=404))
    check(client.get(chart + "?fromdate=2024-05-01&todate=2024-05-31&time_zone=Asia/Tokyo"))
    check(client.get(chart + "?fromdate=2024-05-31&todate=2024-05-01", status=400))
    check(researcher.get(chart, status=404))
    # Questionnaires (API.md §13): assignments, what is due, flagged answers. Pat follows Carol (again: which
    # assignment the caseload section ended depends on the order of the caseload).
    check(admin.post(caseload_url, json={"client": caseload}, status="*"))
    questionnaires = link(check(professional.get(caseload)).json, "questionnaires")
    phq9 = "https://ns.hyperdiary.org/diary/schema/entry/phq-9:1"
    assignment = {"schema": phq9, "every_days": 7, "first_due": "2024-05-06"}
    assigned = check(professional.post(questionnaires, json=assignment, status=201)).json
    check(professional.post(questionnaires, json=assignment, status=409))
    check(client.post(questionnaires, json=assignment, status=403))
    check(client.get(questionnaires))
    check(client.get(link(check(client.get(caseload)).json, "questionnaires.due")))
    check(client.get(assigned["@url"]))
    check(professional.patch(assigned["@url"], json={"every_days": 14}))
    entries = link(check(client.get(caseload)).json, "diary.entries")
    flagged = {"@type": phq9, "dt": "2024-05-06T09:00:00Z", **{f"q{n}": 1 for n in range(1, 10)}}
    check(client.post(entries, json=flagged, status=201))
    attention = link(check(professional.get(caseload)).json, "attention")
    check(client.get(attention, status=403))
    item = check(professional.get(attention)).json["@items"][0]["@url"]
    check(professional.get(item))
    check(client.patch(item, json={"acknowledged": True}, status=403))
    check(professional.patch(item, json={"acknowledged": True}))
    check(professional.delete(assigned["@url"], status=204))

    # The care team: messages, feedback on a record of each kind, relatives (Pat follows Carol again).
    check(admin.post(caseload_url, json={"client": caseload}, status=[200, 201]))
    carol = check(client.get(caseload)).json
    messages = link(carol, "messages")
    said = check(client.post(messages, json={"text": "Hello"}, status=201)).json
    check(client.post(messages, json={"text": ""}, status=400))
    check(professional.get(messages + "?unread=true"))
    check(professional.patch(said["@url"], json={"read": True}))
    check(professional.get(said["@url"]))
    check(professional.delete(said["@url"], status=403))
    check(client.delete(said["@url"], status=204))
    made = [check(client.post(link(carol, "diary.entries"), json={
                "@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", "dt": "2024-06-01T09:00:00Z",
                "emotion": "happy", "intensity": 2}, status=201)).json,
            check(client.post(link(carol, "journals"), json={"title": "For feedback"}, status=201)).json,
            check(client.post(link(carol, "goals"), json={"title": "For feedback", "is_onetime": True,
                                                          "targetdate": "2030-01-01T00:00:00Z"}, status=201)).json,
            check(client.post(link(carol, "moods"), json={"mood": "calm"}, status=201)).json]
    for record in made:
        remark = check(professional.post(link(record, "feedback"), json={"text": "Noted"}, status=201)).json
        check(client.get(link(record, "feedback")))
        check(client.get(remark["@url"]))
        check(professional.patch(remark["@url"], json={"text": "Noted!"}))
        check(professional.delete(remark["@url"], status=204))
    relatives = link(carol, "relatives")
    invited = check(client.post(relatives, json={"can_see": ["moods"]}, status=201)).json
    check(client.get(relatives))
    check(client.get(invited["@url"]))
    check(client.post(relatives, json={"can_see": ["messages"]}, status=400))
    check(anonymous.post(anonymous.url("auth.register"), json={"username": "rhea", "email": "rhea@example.org",
                                                              "password": PASSWORD}, status=201))
    rhea = sign_in(anonymous.testapp, "rhea")
    shared = check(rhea.post(rhea.url("invitations"), json={"code": invited["invitation"]}, status=201)).json
    check(rhea.post(rhea.url("invitations"), json={"code": invited["invitation"]}, status=400))
    check(rhea.get(link(rhea.me(), "shared_with_me")))
    check(rhea.get(shared["@url"]))
    check(client.patch(invited["@url"], json={"can_see": ["goals"]}))
    check(client.delete(invited["@url"], status=204))

    assert check.seen == {operation["operationId"] for operation in operations(check.document)}
    assert check.unslashed <= KNOWN_UNSLASHED


# --- closed representations -------------------------------------------------------------------------------


def refusals(check, component, body) -> list[str]:
    validator = check.validator(("component", component), {"$ref": f"#/components/schemas/{component}"})
    return [error.message for error in validator.iter_errors(body)]


def test_a_page_s_url_is_a_uri_whatever_the_query(client):
    """A page echoes its query in @url: characters a URI may not hold are percent-encoded (the suite-wide
    check found `?%` echoed as it came)."""
    stats = link(client.client(), "moods.stats")
    # (an unknown parameter is a 400 since API.md §8 says so: its message names it as sent)
    assert client.get(stats + "?%", status=400).json["extra"][0]["name"] == "%"
    assert client.get(stats + "?fromdate=2024-05-01&time_zone=Europe/Amsterdam").json["@url"] == (
        stats + "?fromdate=2024-05-01&time_zone=Europe/Amsterdam")


def test_a_dropped_or_renamed_field_fails(anonymous, client, caseload, researcher):
    """Every representation is closed: each of its keys is required and no other may appear, so a
    representation that loses a field, or names one differently, no longer fits the document."""
    check = Conformance(openapi(anonymous))
    carol = client.client()
    mood = client.post(link(carol, "moods"), json={"mood": "calm", "reasons": ["tea"]}, status=201).json
    journal = client.post(link(carol, "journals"), json={"title": "A walk"}, status=201).json
    goal = client.post(link(carol, "goals"), json={"title": "Walk", "is_onetime": True, "frequency": "One Time",
                                                   "startdate": "2024-05-01T08:00:00Z"}, status=201).json
    subject = researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    log = researcher.post(researcher.url("subjectlogs"), json={"type": "Weighing", "subject": subject["@url"]},
                          status=201).json
    representations = {"User": client.me(), "Client": carol, "Mood": mood, "Journal": journal, "Goal": goal,
                       "Subject": subject, "SubjectLog": log, "Root": anonymous.root()}
    for component, body in representations.items():
        assert refusals(check, component, body) == [], component
        for key in body:
            dropped = {k: v for k, v in body.items() if k != key}
            assert refusals(check, component, dropped), f"{component} without {key} still fits"
            renamed = {k if k != key else key + "s": v for k, v in body.items()}
            assert refusals(check, component, renamed), f"{component} with {key} renamed still fits"
    # A declared kind's @type is fixed: a mood log called something else no longer fits.
    assert refusals(check, "Mood", dict(mood, **{"@type": mood["@type"] + "-log"}))
    # The two the review found: the user's email, the client's time zone.
    user = representations["User"]
    assert '"email" is a required property' in refusals(check, "User", {k: v for k, v in user.items() if k != "email"})
    moved = dict({k: v for k, v in carol.items() if k != "time_zone"}, timezone=carol["time_zone"])
    assert len(refusals(check, "Client", moved)) == 2  # time_zone missing, timezone unknown
    # The suite-wide check refuses such an answer too.
    response = client.get(client.url("me"))
    response.body = json.dumps(dict(user, email=None, mail=user["email"])).encode()
    with pytest.raises(AssertionError, match="does not fit the document"):
        check(response)


# --- tags and links --------------------------------------------------------------------------------------


def test_every_operation_has_the_tag_of_its_kind(app, anonymous):
    document = openapi(anonymous)
    kinds = record_kinds(app.registry)
    tags = [tag["name"] for tag in document["tags"]]
    assert len(tags) == len(set(tags))
    for operation in operations(document):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in tags, operation["operationId"]
    by_id = {operation["operationId"]: operation["tags"][0] for operation in operations(document)}
    for kind in kinds:
        names = {op.id for op in kind_operations(kind)}
        assert {by_id[name] for name in names} == {kind.tag}, kind.name
    assert len({kind.tag for kind in kinds}) == len(kinds) == len(app.registry.kinds) >= 7, "one tag per kind"
    assert by_id["getMoodStats"] == "moods" and by_id["listCaseload"] == "accounts"
    # Tag types and subjects: hand-written views, documented beside them, with the tags of their paths.
    assert {by_id[name] for name in ("listTagTypes", "addTagType", "getTagType")} == {"tag types"}
    assert {by_id[name] for name in ("listSubjects", "addSubject", "getSubject", "changeSubject")} == {"subjects"}


def test_creates_link_to_the_created_resource(anonymous, client):
    document = openapi(anonymous)
    by_id = {operation["operationId"]: (path, method, operation) for path, methods in document["paths"].items()
             for method, operation in methods.items()}
    creates = [op for path, method, op in by_id.values() if "201" in op["responses"]]
    assert len(creates) >= 12
    for create in creates:
        created = create["responses"]["201"]["links"]["created"]
        path, method, target = by_id[created["operationId"]]
        assert method == "get"
        assert target["responses"]["200"]["content"] == create["responses"]["201"]["content"], create["operationId"]
        assert created["x-url"] == "$response.header.Location"
        for name, expression in created["parameters"].items():
            assert "{" + name + "}" in path and expression == f"$request.path.{name}"
    # Following the link: the Location of a created mood log is the path of getMood.
    mood = document["paths"]["/clients/{client_id}/moods/"]["post"]["responses"]["201"]["links"]["created"]
    assert mood["operationId"] == "getMood"
    answer = client.post(link(client.client(), "moods"), json={"mood": "calm"}, status=201)
    assert path_pattern(by_id["getMood"][0]).match(answer.headers["Location"][len("http://example.com"):])


# --- request bodies are the deployment's files -----------------------------------------------------------------


def test_request_bodies_are_read_from_the_deployment_s_files(app_settings, tmp_path):
    """A deployment that tightens schemas/subject*.json gets a document that says so: the bodies are
    read from its files when the document is built, never copied."""
    schemas_dir = tmp_path / "schemas"
    shutil.copytree(pathlib.Path(app_settings["hyperdiary.schemas_dir"]), schemas_dir)

    def tighten(name, change):
        document = json.loads((schemas_dir / f"{name}.json").read_text())
        change(document["properties"])
        (schemas_dir / f"{name}.json").write_text(json.dumps(document))

    tighten("subject", lambda p: p["name"].update(maxLength=40, pattern="^[A-Z]"))
    tighten("subjectlog", lambda p: p["description"].update(maxLength=80))
    tighten("subject_member", lambda p: p["username"].update(maxLength=30))
    app = main({}, **dict(app_settings, **{"hyperdiary.schemas_dir": str(schemas_dir)}))
    try:
        schemas = webtest.TestApp(app).get("/openapi.json").json["components"]["schemas"]
        for name in ("SubjectBody", "SubjectChange"):
            assert schemas[name]["properties"]["name"] == {
                "type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[A-Z]", "title": "Name"}
        assert schemas["SubjectBody"]["required"] == ["name"] and schemas["SubjectChange"]["required"] == []
        assert schemas["SubjectLogBody"]["properties"]["description"]["maxLength"] == 80
        assert schemas["SubjectMemberBody"]["properties"]["username"]["maxLength"] == 30
    finally:
        dispose(app.registry)


def without_no_nul(schema):
    """A schema of the document less the rules it declares beyond a file's: no NUL on every string and open
    object, and the years a stored date may have (API.md §8)."""
    if isinstance(schema, list):
        return [without_no_nul(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {key: without_no_nul(value) for key, value in schema.items()
            if (key, value) not in (("pattern", NO_NUL), ("propertyNames", {"pattern": NO_NUL}),
                                    ("pattern", RECKONED["pattern"]))}


def test_every_file_body_is_its_file(app, anonymous):
    """Every file of schemas/ is the request body of some operation, with exactly its fields (and the
    read-only keys of a representation, which a body may send back), its own words, and closed."""
    schemas = openapi(anonymous)["components"]["schemas"]
    bodies = app.registry["bodies"]
    used = set()
    for name, schema in schemas.items():
        schema = schema["items"] if schema.get("type") == "array" else schema
        found = re.search(r"\(schemas/(\w+)\.json\)", schema.get("description", ""))
        if found is None:
            continue
        used.add(found.group(1))
        own = bodies[found.group(1)].document["properties"]
        assert {field: {k: v for k, v in without_no_nul(schema["properties"][field]).items() if k != "maxLength"}
                for field in own} == {
            field: {k: v for k, v in value.items() if k != "maxLength"} for field, value in own.items()}, name
        assert set(schema["properties"]) - set(own) <= {"@url", "@type", "@links", "@changes", "id", "user", "entries",
                                                         "tags", "name", "feedback_count", "author", "author_name",
                                                         "sent", "invitation", "expires", "relative", "relative_name",
                                                         "accepted", "channels"}, name
        assert schema["additionalProperties"] is False, name
    assert used == set(bodies.kinds)


def test_a_declared_kind_gets_its_operations_and_schemas(app_settings, tmp_path):
    """The test-only kind (tests/kinds/hydration/) is in the document from its declaration alone: its
    operations (tagged with its collection's name), its closed representation (the fields' schemas from
    its body file) and its bodies, read from that file."""
    schemas_dir = tmp_path / "schemas"
    shutil.copytree(pathlib.Path(app_settings["hyperdiary.schemas_dir"]), schemas_dir)
    shutil.copy(hydration.SCHEMA, schemas_dir / "hydration.json")
    app = main({}, **dict(app_settings, **{"hyperdiary.schemas_dir": str(schemas_dir),
                                           "hyperdiary.includes": "tests.kinds.hydration"}))
    try:
        document = webtest.TestApp(app).get("/openapi.json").json
        validate(document)
        collection, item = "/clients/{client_id}/hydration/", "/clients/{client_id}/hydration/{hydration_id}/"
        assert {method: op["operationId"] for method, op in document["paths"][collection].items()} == {
            "get": "listHydration", "post": "addHydration"}
        assert {method: op["operationId"] for method, op in document["paths"][item].items()} == {
            "get": "getHydration", "patch": "changeHydration", "put": "replaceHydration",
            "delete": "deleteHydration"}
        tagged = {op["tags"][0] for path in (collection, item) for op in document["paths"][path].values()}
        assert tagged == {"hydration"} and "hydration" in [tag["name"] for tag in document["tags"]]
        post = document["paths"][collection]["post"]
        assert set(post["responses"]) == {"200", "201", "400", "401", "403", "404", "413", "415", "503"}  # 200: dedupe
        assert post["responses"]["201"]["links"]["created"]["operationId"] == "getHydration"
        assert post["x-link"] == "hydration"
        schemas = document["components"]["schemas"]
        own = json.loads((schemas_dir / "hydration.json").read_text())["properties"]
        shape = schemas["Hydration"]
        assert shape["additionalProperties"] is False
        # (feedback on every record of a client's kinds comes with the declaration too: careteam.feedback)
        assert shape["required"] == ["@url", "@type", "@links", "@changes", "drank_at", "amount_ml", "note",
                                     "feedback_count"]
        # Each field typed by its column (a nullable one allows null, a String(n) at most n characters),
        # titled as in the body file.
        assert {name: without_no_nul(shape["properties"][name]) for name in own} == {
            "drank_at": {"title": "When", "type": "string", "format": "date-time"},
            "amount_ml": {"title": "How much (mL)", "type": "integer"},
            "note": {"title": "Note", "type": ["string", "null"], "maxLength": 200}}
        assert {name: without_no_nul(schemas["HydrationBody"]["properties"][name]) for name in own} == {
            name: dict(field, maxLength=200) if name == "note" else field for name, field in own.items()}
    finally:
        dispose(app.registry)


def test_each_declared_kind_s_representation_holds_its_fields(app, anonymous):
    """A field added to a kind's declaration that is neither a column nor `represented` shows up here
    by name (the suite-wide check would refuse the kind's answers too, less plainly)."""
    schemas = openapi(anonymous)["components"]["schemas"]
    kinds = {kind.contexts: kind for kind in record_kinds(app.registry)}
    for declared in app.registry.kinds.values():
        described = kinds[(declared.collection_class.__name__, declared.item_class.__name__)]
        properties = schemas[described.schema or described.name]["properties"]
        assert set(declared.fields) <= set(properties), (declared.name, set(declared.fields) - set(properties))


def test_a_field_no_column_types_is_a_start_up_error(app_settings, tmp_path, monkeypatch):
    """A kind's field that the document could not type (no column, or a JSON column, and nothing in the
    declaration's `represented`) stops the app at start-up, naming it: not a 500 of /openapi.json."""
    schemas_dir = tmp_path / "schemas"
    shutil.copytree(pathlib.Path(app_settings["hyperdiary.schemas_dir"]), schemas_dir)
    shutil.copy(hydration.SCHEMA, schemas_dir / "hydration.json")
    settings = dict(app_settings, **{"hyperdiary.schemas_dir": str(schemas_dir),
                                     "hyperdiary.includes": "tests.kinds.hydration"})
    monkeypatch.setattr(hydration.HydrationKind, "fields", ("drank_at", "amount_ml", "note", "sip_count"))
    with pytest.raises(ValueError, match="'hydration' represents sip_count: neither a column"):
        main({}, **settings)
    monkeypatch.setattr(hydration.HydrationKind, "represented", {"sip_count": {"type": "integer"}})
    app = main({}, **settings)
    try:
        shape = webtest.TestApp(app).get("/openapi.json").json["components"]["schemas"]["Hydration"]
        assert shape["properties"]["sip_count"] == {"type": "integer"} and "sip_count" in shape["required"]
    finally:
        dispose(app.registry)
