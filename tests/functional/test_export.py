"""The export (API.md §9): everything of a client in one streamed JSON document, equal to what the API
lists; the same as a FHIR R4 Bundle whose every resource is valid (fhir.resources' R4B models, which
read R4's Patient, Questionnaire, QuestionnaireResponse, Observation, Goal and DocumentReference); who
may export; each export audited; the `hyperdiary export` command; and `professionals`."""
import base64
import datetime
import io
import json

import pytest
import sqlalchemy as sa
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from hyperdiary import distribution, export as export_module
from hyperdiary.models.meta import Base
from hyperdiary.scripts import cli
from hyperdiary.clients.resources import ClientResource
from hyperdiary.reminders.models import Delivery
from hyperdiary.reminders.kinds import SubscriptionKind
from tests.conftest import create_user, every_item, link, link_names, sent_statements, sign_in
from tests.distribution import unnamed

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
PHQ9 = "https://ns.hyperdiary.org/diary/schema/entry/phq-9:1"
EVERY_TYPE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.org/schemas/export-test/everything:1",
    "title": "Every field type", "type": "object", "required": ["note"],
    "properties": {
        "note": {"type": "string", "title": "A note"},
        "count": {"type": "integer", "title": "How many"},
        "weight": {"type": "number", "title": "How heavy"},
        "done": {"type": "boolean", "title": "Done?"},
        "colour": {"title": "Colour", "oneOf": [{"const": "red", "title": "Red"}, {"const": "blue", "title": "Blue"}]},
        "level": {"title": "Level", "oneOf": [{"const": 1, "title": "Low"}, {"const": 2, "title": "High"}]},
        "tags": {"type": "array", "title": "Tags", "items": {"oneOf": [{"const": "a", "title": "A"},
                                                                       {"const": "b", "title": "B"}]}},
        "day": {"type": "string", "format": "date", "title": "Day"},
        "when": {"type": "string", "format": "date-time", "title": "When"},
        "photo": {"type": ["string", "null"], "contentMediaType": "image/*", "title": "Photo"},
    },
}
# A 1 × 1 PNG (an image field takes only an image that decodes: API.md §8).
PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


@pytest.fixture
def filled(app, client, professional, caseload):
    """Carol's records of every kind, written through the API: her client resource."""
    professional.post(professional.url("schemas"), json=EVERY_TYPE, status=201)
    carol = professional.get(caseload).json
    configuration = link(carol, "diary.configuration")
    wanted = [s["@id"] for s in professional.get(configuration).json["@schemas"]] + [EVERY_TYPE["$id"]]
    professional.put(configuration, json={"schemas": wanted})
    carol = client.client()
    entries = link(carol, "diary.entries")
    for day in range(1, 4):
        client.post(entries, json={"@type": EMOTION, "dt": f"2024-04-0{day}T10:00:00Z", "emotion": "sad",
                                   "intensity": day, "situation": f"day {day}"}, status=201)
    client.post(entries, json={"@type": EVERY_TYPE["$id"], "dt": "2024-04-05T10:00:00Z", "note": "all of it",
                               "count": 3, "weight": 2.5, "done": True, "colour": "blue", "level": 2,
                               "tags": ["a", "b"], "day": "2024-04-05", "when": "2024-04-05T09:00:00+02:00",
                               "photo": PIXEL}, status=201)
    # A questionnaire assigned, and answered with a raised flag (an attention item).
    professional.post(link(professional.get(caseload).json, "questionnaires"), status=201, json={
        "schema": PHQ9, "every_days": 14, "first_due": "2024-04-01"})
    client.post(entries, json={"@type": PHQ9, "dt": "2024-04-05T11:00:00Z", **{f"q{n}": 2 for n in range(1, 10)}},
                status=201)
    gone = client.post(entries, json={"@type": EMOTION, "dt": "2024-04-06T10:00:00Z", "emotion": "happy",
                                      "intensity": 1}, status=201).json
    client.delete(gone["@url"], status=204)
    tagtype = professional.post(professional.url("tagtypes"), json={"name": "trigger"}, status=201).json
    for day in (1, 2):
        journal = client.post(link(carol, "journals"), json={"title": f"Night {day}", "description": "Wrote it down",
                                                             "journal_timestamp": f"2024-04-0{day}T22:00:00Z"},
                              status=201).json
        client.post(link(journal, "tags"), json={"tagtype": tagtype["@url"], "description": "work"}, status=201)
    client.post(link(carol, "journals"), json={"title": "No text", "journal_timestamp": "2024-04-03T22:00:00Z"},
                status=201)
    professional.post(link(carol, "goals"), json={
        "title": "Walk", "is_onetime": False, "frequency": "Daily", "startdate": "2024-04-01T07:00:00Z",
        "targetdate": "2024-04-04T00:00:00Z", "is_therapist_approved": True}, status=201)
    client.post(link(carol, "goals"), json={"title": "Call a friend", "is_onetime": True, "startdate": "2024-04-01T09:00:00Z",
                                            "targetdate": "2024-04-06T15:00:00Z"}, status=201)
    for logdate, mood in (("2024-04-01T08:00:00Z", "calm"), ("2024-04-02T08:00:00Z", "anxious")):
        client.post(link(carol, "moods"), json={"logdate": logdate, "mood": mood, "reasons": ["slept well"]},
                    status=201)
    sad = client.post(link(carol, "moods"), json={"logdate": "2024-04-03T08:00:00Z", "mood": "sad", "reasons": []},
                      status=201).json
    # The care team: a conversation, feedback on a record, a relative invited.
    client.post(link(carol, "messages"), json={"text": "Can we talk about Tuesday?"}, status=201)
    professional.post(link(carol, "messages"), json={"text": "Of course."}, status=201)
    professional.post(link(sad, "feedback"), json={"text": "What made it a sad morning?"}, status=201)
    client.post(link(carol, "relatives"), json={"can_see": ["moods"]}, status=201)
    # Reminders: a push subscription, and a delivery as the worker writes it.
    notifications = client.get(link(client.client(), "notifications")).json
    client.post(link(notifications, "subscriptions"), json=SubscriptionKind.example, status=201)
    with app.registry["dbengine"].begin() as conn:
        conn.execute(sa.insert(Delivery), [{
            "id": "e" * 32, "client_id": carol["@url"].rstrip("/").rsplit("/", 1)[1], "channel": "push",
            "status": "sent", "about": "clients/", "version": 1, "time": datetime.datetime(2024, 4, 1, 9),
            "created": datetime.datetime(2024, 4, 1, 9), "modified": datetime.datetime(2024, 4, 1, 9)}])
    return carol


def without_links(items):
    return sorted((json.dumps(item, sort_keys=True) for item in items))


def client_children(app) -> list:
    """(name, class) of what the domains hang below a client (config.add_child)."""
    return [(key, cls) for key, cls in app.registry.kinds.children.items() if key[0] is ClientResource]


def listing(api, app, carol: dict, kind) -> str:
    """The URL of a kind's listing for the client, by the link names the kind declares on its parent."""
    body = carol
    if kind.parent is not ClientResource:
        body = api.get(link(carol, next(name for (parent, name), cls in client_children(app) if cls is kind.parent))).json
    return link(body, {view: name for name, view, _ in kind.parent_links}[kind.listing_view])


def test_the_export_holds_every_record_of_every_kind_as_the_api_lists_it(app, client, professional, filled):
    answer = client.get(link(filled, "export"))
    assert answer.content_type == "application/json"
    assert "attachment" in answer.headers["Content-Disposition"]
    document = answer.json
    assert document["@type"] == "https://ns.hyperdiary.org/export"
    assert document["client"] == client.get(filled["@url"]).json
    assert document["configuration"] == client.get(link(filled, "diary.configuration")).json
    kinds = app.registry.kinds.values()
    below_client = [kind for kind in kinds if kind.parent is ClientResource or kind.parent in [cls for _, cls in client_children(app)]]
    assert {"entries", "journals", "goals", "moods"} <= {kind.collection for kind in below_client}
    for kind in below_client:
        # (The flagged answers are listed for the client's professionals; the client's export holds them too.)
        reader = professional if kind.name == "attention" else client
        listed = every_item(reader, listing(reader, app, reader.get(filled["@url"]).json, kind) + "?limit=2")
        assert listed, kind
        # The kinds below each record (a goal's tracking items) are inside it, as the record's link lists them.
        for nested in (other for other in kinds if issubclass(other.parent, kind.item_class)):
            for record in listed:
                record.setdefault(nested.collection, every_item(client, link(record, nested.collection)))
        assert without_links(document[kind.collection]) == without_links(listed), kind
    assert sum(len(goal["tracking"]) for goal in document["goals"]) == 5
    assert len(document["entries"]) == 5  # the deleted one is not exported
    assert len(document["questionnaires"]) == 1 and len(document["attention"]) == 1
    assert sum(len(journal["tags"]) for journal in document["journals"]) == 2
    used = {entry["@type"] for entry in document["entries"]}
    assert {schema["@id"] for schema in document["schemas"]} == used
    everything = next(s for s in document["schemas"] if s["@id"] == EVERY_TYPE["$id"])
    assert everything["jsonschema"] == EVERY_TYPE


def test_who_may_export_and_every_export_is_audited(app, testapp, admin, client, professional, filled):
    url = link(filled, "export")
    assert "export" in link_names(professional.get(filled["@url"]).json)
    for api in (client, professional, admin):
        assert api.get(url).json["client"]["@url"] == filled["@url"]
    create_user(app, "sam", "professional")
    sign_in(testapp, "sam").get(url, status=404)
    testapp.get(url, status=401)
    events = client.get(link(filled, "audit")).json["@items"]
    exports = [(e["actor_role"], e["resource"]) for e in events if e["action"] == "export"]
    # The client's own export is audited as well: an export is never a plain read.
    assert exports == [("admin", url), ("professional", url), ("client", url)]


def test_the_export_is_streamed_in_pieces(client, filled, monkeypatch):
    """Rows come CHUNK at a time and the body leaves in pieces: with tiny sizes, many pieces, one document."""
    monkeypatch.setattr(export_module, "CHUNK", 1)
    monkeypatch.setattr(export_module, "PIECE", 64)
    answer = client.get(link(filled, "export"))
    assert len(answer.json["entries"]) == 5
    pieces = list(export_module.pieces(iter([b"x" * 40] * 10), size=64))
    assert [len(p) for p in pieces] == [80, 80, 80, 80, 80]


def fhir_bundle(api, carol) -> dict:
    answer = api.get(link(carol, "export"), headers={"Accept": "application/fhir+json"})
    assert answer.content_type == "application/fhir+json"
    return answer.json


def test_the_fhir_bundle_and_each_resource_are_valid_r4(client, filled):
    document = fhir_bundle(client, filled)
    Bundle.parse_obj(document)
    assert document["type"] == "collection"
    resources = [entry["resource"] for entry in document["entry"]]
    for entry in document["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).parse_obj(entry["resource"])
        assert entry["fullUrl"].startswith("urn:uuid:")
    kinds = [r["resourceType"] for r in resources]
    assert kinds.count("Patient") == 1
    assert kinds.count("Questionnaire") == 3 and kinds.count("QuestionnaireResponse") == 5
    # 3 moods and the PHQ-9's score
    assert kinds.count("Observation") == 4 and kinds.count("Goal") == 2 and kinds.count("DocumentReference") == 3
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    assert patient["name"][0] == {"text": "Carol Client", "family": "Client", "given": ["Carol"]}
    full_urls = {entry["fullUrl"] for entry in document["entry"]}
    subjects = {r["subject"]["reference"] for r in resources if "subject" in r}
    assert subjects == {next(e["fullUrl"] for e in document["entry"] if e["resource"] is patient)} <= full_urls


def test_fhir_questionnaires_follow_the_json_schema(client, filled):
    resources = [entry["resource"] for entry in fhir_bundle(client, filled)["entry"]]
    questionnaire = next(r for r in resources if r.get("url") == EVERY_TYPE["$id"])
    types = {item["linkId"]: item["type"] for item in questionnaire["item"]}
    assert types == {"note": "text", "count": "integer", "weight": "decimal", "done": "boolean", "colour": "choice",
                     "level": "choice", "tags": "choice", "day": "date", "when": "dateTime", "photo": "attachment"}
    items = {item["linkId"]: item for item in questionnaire["item"]}
    assert items["note"]["required"] is True and items["count"]["required"] is False
    assert [o["valueCoding"]["code"] for o in items["colour"]["answerOption"]] == ["red", "blue"]
    assert [o["valueCoding"]["display"] for o in items["level"]["answerOption"]] == ["Low", "High"]
    assert items["tags"]["repeats"] is True
    response = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse"
                    and r["questionnaire"] == EVERY_TYPE["$id"])
    answers = {item["linkId"]: item["answer"] for item in response["item"]}
    assert answers["note"] == [{"valueString": "all of it"}]
    assert answers["count"] == [{"valueInteger": 3}] and answers["weight"] == [{"valueDecimal": 2.5}]
    assert answers["done"] == [{"valueBoolean": True}]
    assert answers["colour"][0]["valueCoding"]["code"] == "blue" and answers["level"][0]["valueCoding"]["code"] == "2"
    assert [a["valueCoding"]["code"] for a in answers["tags"]] == ["a", "b"]
    assert answers["day"] == [{"valueDate": "2024-04-05"}]
    assert answers["when"] == [{"valueDateTime": "2024-04-05T07:00:00Z"}]
    assert answers["photo"][0]["valueAttachment"]["contentType"] == "image/png"
    assert response["authored"] == "2024-04-05T10:00:00Z" and response["status"] == "completed"


def test_fhir_scores_are_observations_coded_with_loinc(client, filled):
    """A scored entry's score: an Observation with the instrument's LOINC code, its value, its band, and the
    QuestionnaireResponse it derives from."""
    document = fhir_bundle(client, filled)
    full_urls = {entry["resource"]["id"]: entry["fullUrl"] for entry in document["entry"]}
    resources = [entry["resource"] for entry in document["entry"]]
    scores = [r for r in resources if r["resourceType"] == "Observation" and "valueInteger" in r]
    assert len(scores) == 1
    score = get_fhir_model_class("Observation").parse_obj(scores[0])
    assert [(c.system, c.code) for c in score.code.coding] == [("http://loinc.org", "44261-6")]
    assert score.valueInteger == 18 and score.interpretation[0].text == "moderately severe"
    response = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse" and r["questionnaire"] == PHQ9)
    assert scores[0]["derivedFrom"] == [{"reference": full_urls[response["id"]]}]
    assert scores[0]["subject"] == response["subject"] and scores[0]["effectiveDateTime"] == "2024-04-05T11:00:00Z"
    assert "question 9" in scores[0]["note"][0]["text"]


def test_fhir_moods_goals_and_journals(client, filled):
    resources = [entry["resource"] for entry in fhir_bundle(client, filled)["entry"]]
    moods = [r for r in resources if r["resourceType"] == "Observation" and "valueCodeableConcept" in r]
    calm = next(m for m in moods if m["valueCodeableConcept"]["text"] == "calm")
    assert calm["effectiveDateTime"] == "2024-04-01T08:00:00Z"
    assert calm["component"] == [{"code": {"text": "reason"}, "valueString": "slept well"}]
    goals = {g["description"]["text"]: g for g in resources if g["resourceType"] == "Goal"}
    assert goals["Walk"]["lifecycleStatus"] == "active" and goals["Call a friend"]["lifecycleStatus"] == "proposed"
    assert goals["Walk"]["target"] == [{"dueDate": "2024-04-04"}]
    assert goals["Walk"]["achievementStatus"]["coding"][0]["code"] == "in-progress"
    journals = {d["description"]: d for d in resources if d["resourceType"] == "DocumentReference"}
    night = journals["Night 1"]
    assert base64.b64decode(night["content"][0]["attachment"]["data"]).decode() == "Wrote it down"
    assert night["category"][0]["coding"][0]["display"] == "trigger" and night["category"][0]["text"] == "work"
    assert "data" not in journals["No text"]["content"][0]["attachment"]


def test_the_export_command_writes_the_same_document(app, app_settings, client, filled, tmp_path, monkeypatch,
                                                     capsysbinary):
    ini = tmp_path / "export.ini"
    ini.write_text("[app:main]\nuse = egg:hyperdiary\n" + "".join(
        f"{key} = {value.replace('%', '%%')}\n" for key, value in app_settings.items()
        if key.startswith(("sqlalchemy.", "hyperdiary."))))
    cli.main(["export", "--config", str(ini), "--username", "Carol", "--base-url", "http://example.com"])
    written = json.loads(capsysbinary.readouterr().out)
    served = client.get(link(filled, "export")).json
    assert written["schemas"] == served["schemas"]
    # The operator is no user: the links for those who may use them (a goal's `reminder`, a record's `feedback`)
    # are not there, nor whether a message was read (by whom?).
    for key in ("entries", "journals", "moods", "goals", "messages", "relatives"):
        per_caller = {"@links": [], **({"read": None} if key == "messages" else {})}
        assert [dict(item, **per_caller) for item in written[key]] == [
            dict(item, **per_caller) for item in served[key]], key
    cli.main(["export", "--config", str(ini), "--username", "carol", "--fhir"])
    Bundle.parse_obj(json.loads(capsysbinary.readouterr().out))
    with pytest.raises(SystemExit, match="no client"):
        cli.main(["export", "--config", str(ini), "--username", "nobody"])
    # Each export is audited, as one by the operator (no user).
    events = client.get(link(filled, "audit")).json["@items"]
    assert [(e["actor"], e["actor_role"]) for e in events if e["action"] == "export"] == [
        (None, None), (client.me()["@url"], "client"), (None, None)]


# --- professionals -----------------------------------------------------------------------------------


def test_a_client_sees_which_professionals_have_it_in_their_caseload(app, testapp, admin, client, professional,
                                                                    caseload):
    carol = client.client()
    url = link(carol, "professionals")
    create_user(app, "quinn", "professional", first_name="Quinn", last_name="Q")
    quinn = sign_in(testapp, "quinn")
    admin.post(link(quinn.me(), "caseload"), json={"client": carol["@url"]}, status=201)
    listed = client.get(url).json["@items"]
    assert [(p["username"], p["first_name"], p["last_name"]) for p in listed] == [
        ("pat", "Pat", "Therapist"), ("quinn", "Quinn", "Q")]
    assert listed[0]["@url"] == professional.me()["@url"]
    assert listed[0]["since"] <= listed[1]["since"]
    assert [p["username"] for p in every_item(client, url + "?limit=1")] == ["pat", "quinn"]
    assert professional.get(url).json["@items"] == listed and admin.get(url).json["@items"] == listed
    create_user(app, "sam", "professional")
    sign_in(testapp, "sam").get(url, status=404)
    client.get(url + "?limit=0", status=400)
    client.post(url, json={}, status=405)


def test_the_export_reads_the_records_below_each_record_a_chunk_at_a_time(app, client, professional, caseload):
    """Feedback on every entry: the export sends as many statements for 2 entries as for 6 (the feedback of a
    chunk's entries in one statement, their authors' names in another), each naming the client
    (hyperdiary/distribution.py), and every remark is under its entry."""
    columns = {table.name: distribution.distribution_column(table)
               for table in distribution.distributed(Base.metadata.sorted_tables)}
    carol = client.client()
    entries = link(carol, "diary.entries")

    def add(days):
        for day in days:
            entry = client.post(entries, json={"@type": EMOTION, "dt": f"2024-04-{day:02}T10:00:00Z", "emotion": "sad",
                                               "intensity": 2}, status=201).json
            professional.post(link(entry, "feedback"), json={"text": f"On {entry['@url']}"}, status=201)

    def export():
        with sent_statements(app) as statements:
            document = professional.get(link(carol, "export")).json
        for entry in document["entries"]:
            assert [remark["text"] for remark in entry["feedback"]] == [f"On {entry['@url']}"]
        lacking = [statement for statement in statements if unnamed(statement, columns)]
        assert not lacking, lacking
        return len(document["entries"]), len(statements)

    add(range(1, 3))
    few, sent_for_few = export()
    add(range(3, 7))
    many, sent_for_many = export()
    assert (few, many) == (2, 6)
    assert sent_for_many == sent_for_few
