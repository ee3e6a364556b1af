"""Subject logs (RESOURCES.md, "Subjects and subject logs"): create, list with filters and paging, read,
change, delete with tombstones; entries through add_entry, change_entry and remove_entry for every
shipped type; bad input of every kind (a 4xx naming the field, nothing stored); and who may do what."""
import pytest

from tests.conftest import every_item, link, link_names

T1, T2, T3 = "2024-05-01T08:00:00Z", "2024-05-01T09:00:00Z", "2024-05-02T08:00:00Z"
NS = "https://ns.hyperdiary.org/"

# One valid `details` per shipped type, and the defaults the server fills in.
VALID = {
    "FoodConsumption": {"foodAmount": {"value": 2.5, "unit": "g"}},
    "WaterConsumption": {"waterAmount": {"value": 9, "unit": "µL"}},
    "Weighing": {"weight": {"value": 21.5, "unit": "g"}},
    "Wellness": {"wellness": "bright and alert"},
    "GenericObservation": {"observationType": "Unusual behavior", "observation": "circling"},
    "VonFreyTest": {"stimulusLocation": "left hind paw", "stimulusForce": {"value": 0.4, "unit": "g"},
                    "responseScore": 2},
    "HargreavesTest": {"stimulusLocation": "tail", "latency": {"value": 8.2, "unit": "s"},
                       "cutoffLatency": {"value": 20, "unit": "s"}, "responseScore": 1, "repetitions": 5},
    "Genotyping": {"sample": "ear punch 12", "result": "heterozygous", "assayPanel": "Cre", "qcConfidence": "high",
                   "lociResults": [{"marker": "Cre", "call": "+/-", "notes": "clear band"}]},
    "Housing": {"location": "room 4", "cageId": "C12", "cageType": "IVC", "lightCycle": "12:12 reversed",
                "enrichment": "nesting material"},
    "FoodDeprivation": {"responsiblePerson": "Ann Smith, +31 6 1234 5678", "protocol": "overnight, 16 h"},
    "WaterDeprivation": {"responsiblePerson": "Ann Smith, +31 6 1234 5678"},
    "Habituation": {"habituationMethod": "open field, 10 min"},
    "Handling": {"handlingMethod": "tunnel"},
    "TrainingSession": {"task": "lever press", "setup": "box 2", "reinforcementType": "sucrose",
                        "performance": "80% correct"},
}
DEFAULTS = {"GenericObservation": {"repetitions": 1}, "VonFreyTest": {"repetitions": 10}}
INTERVAL = {"Housing", "FoodDeprivation", "WaterDeprivation", "Habituation", "Handling", "TrainingSession"}

# One invalid `details` per shipped type, and the fields the 400 names.
INVALID = {
    "FoodConsumption": ({"foodAmount": {"value": 2, "unit": "lb"}}, ["details.foodAmount.unit"]),
    "WaterConsumption": ({"waterAmount": {"value": -1, "unit": "mL"}}, ["details.waterAmount.value"]),
    "Weighing": ({}, ["details.weight"]),
    "Wellness": ({"wellness": "fine", "mood": "good"}, ["details.mood"]),
    "GenericObservation": ({"observationType": "Sneezing", "observation": "x", "repetitions": 0},
                           ["details.observationType", "details.repetitions"]),
    "VonFreyTest": ({"stimulusLocation": "nose", "stimulusForce": {"value": 1}, "responseScore": 4},
                    ["details.responseScore", "details.stimulusForce.unit", "details.stimulusLocation"]),
    "HargreavesTest": ({"stimulusLocation": "tail", "latency": {"value": 8, "unit": "days"}, "responseScore": 1},
                       ["details.latency.unit"]),
    "Genotyping": ({"sample": "s", "result": "r", "qcConfidence": "great", "lociResults": [{"marker": "Cre"}]},
                   ["details.lociResults.0.call", "details.qcConfidence"]),
    "Housing": ({"cageId": 12}, ["details.cageId"]),
    "FoodDeprivation": ({"protocol": "overnight"}, ["details.responsiblePerson"]),
    "WaterDeprivation": ({"responsiblePerson": ""}, ["details.responsiblePerson"]),
    "Habituation": ({"habituationMethod": "x", "duration": 5}, ["details.duration"]),
    "Handling": ({"handlingMethod": ["tunnel"]}, ["details.handlingMethod"]),
    "TrainingSession": ({"task": "t", "reward": "sucrose"}, ["details.reward"]),
}


def names(response):
    return sorted(p["name"] for p in response.json["extra"])


def entry(type_name, details=None, at=T1, until=T2, **extra):
    """An entry of the type's shape."""
    times = {"start_date_time": at, "end_date_time": until} if type_name in INTERVAL else {"date_time": at}
    return dict(times, details=VALID[type_name] if details is None else details, **extra)


@pytest.fixture
def subject(researcher):
    return researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201).json


@pytest.fixture
def logs_url(researcher):
    return researcher.url("subjectlogs")


@pytest.fixture
def new_log(researcher, subject, logs_url):
    def make(type_name="Weighing", **fields):
        body = dict({"type": type_name, "subject": subject["@url"]}, **fields)
        return researcher.post(logs_url, json=body, status=201).json
    return make


@pytest.fixture
def weighing(new_log):
    return new_log("Weighing")


def stored_entries(api, log):
    return api.get(log["@url"]).json["entries"]


# --- the shipped types ------------------------------------------------------------------------------------


def test_every_shipped_type_is_listed(anonymous, researcher, logs_url):
    types_url = link(researcher.get(logs_url).json, "types")
    items = anonymous.get(types_url).json["@items"]
    assert [t["name"] for t in items] == sorted(VALID)
    for item in items:
        assert item["entries"] == ("interval" if item["name"] in INTERVAL else "instant")
        assert item["@id"] == f"{NS}subjectlog/schema/{item['name']}:1"
        assert item["@type"] == f"{NS}subjectlog-type"
        schema = anonymous.get(link(item, "jsonschema"))
        assert schema.content_type == "application/schema+json"
        assert schema.json["$id"] == item["@id"] and schema.json["additionalProperties"] is False


@pytest.mark.parametrize("type_name", sorted(VALID))
def test_a_valid_entry_of_each_type(researcher, new_log, type_name):
    log = new_log(type_name)
    body = researcher.patch(link(log, "add_entry"), json=entry(type_name, notes="as planned")).json
    expected = dict(entry(type_name, notes="as planned"), details={**VALID[type_name], **DEFAULTS.get(type_name, {})})
    assert body["entries"] == [expected]
    assert body["type"] == type_name


@pytest.mark.parametrize("type_name", sorted(INVALID))
def test_an_invalid_entry_of_each_type(researcher, new_log, type_name):
    log = new_log(type_name)
    details, expected = INVALID[type_name]
    response = researcher.patch(link(log, "add_entry"), json=entry(type_name, details), status=400)
    assert response.json["code"] == 400 and response.json["message"] == "Invalid JSON input"
    assert names(response) == expected
    assert stored_entries(researcher, log) == []


def test_every_unit_of_the_table(researcher, new_log):
    units = {
        ("FoodConsumption", "foodAmount"): ["kg", "g", "mg", "µg"],
        ("WaterConsumption", "waterAmount"): ["L", "mL", "µL", "nL", "pL"],
        ("Weighing", "weight"): ["kg", "g", "mg", "µg"],
        ("HargreavesTest", "latency"): ["µs", "ms", "s", "min", "h"],
        ("VonFreyTest", "stimulusForce"): ["mg", "g", "kg"],
    }
    for (type_name, field), accepted in units.items():
        log = new_log(type_name)
        for minute, unit in enumerate(accepted):
            details = dict(VALID[type_name], **{field: {"value": 1, "unit": unit}})
            researcher.patch(link(log, "add_entry"), json=entry(type_name, details, at=f"2024-05-01T08:{minute:02d}:00Z"))
        for unit in ("lb", "l", "ml", "G", ""):
            details = dict(VALID[type_name], **{field: {"value": 1, "unit": unit}})
            response = researcher.patch(link(log, "add_entry"), json=entry(type_name, details, at=T3), status=400)
            assert names(response) == [f"details.{field}.unit"]
        assert len(stored_entries(researcher, log)) == len(accepted)


# --- logs: create, read, change, delete ------------------------------------------------------------------


def test_create_and_read_a_log(researcher, subject, logs_url):
    response = researcher.post(logs_url, json={"type": "WaterConsumption", "subject": subject["id"],
                                               "description": "Baseline water access"}, status=201)
    log = response.json
    assert response.location == log["@url"] and response.headers["ETag"]
    assert log["@type"] == f"{NS}subjectlog"
    assert len(log["id"]) == 32 and log["@url"].endswith(f"/{log['id']}/")
    assert log["type"] == "WaterConsumption" and log["description"] == "Baseline water access"
    assert log["subject"] == subject["@url"] and log["user"] == researcher.me()["@url"]
    assert log["entries"] == []
    assert {"subject", "type", "entries", "add_entry", "change_entry", "remove_entry"} <= link_names(log)
    assert set(log["@changes"]) == {"creation_time", "modification_time"}
    assert researcher.get(log["@url"]).json == log


@pytest.mark.parametrize("body, field", [
    ({"subject": "S"}, "type"),
    ({"type": "Nope", "subject": "S"}, "type"),
    ({"type": "weighing", "subject": "S"}, "type"),
    ({"type": 3, "subject": "S"}, "type"),
    ({"type": "Weighing"}, "subject"),
    ({"type": "Weighing", "subject": "http://example.com/subjects/nope/"}, "subject"),
    ({"type": "Weighing", "subject": "0" * 32}, "subject"),
    ({"type": "Weighing", "subject": "S", "description": "x" * 501}, "description"),
    ({"type": "Weighing", "subject": "S", "colour": "red"}, "colour"),
    # Read-only fields are a 400 (API.md §8), not dropped.
    ({"type": "Weighing", "subject": "S", "entries": []}, "entries"),
    ({"type": "Weighing", "subject": "S", "user": "http://example.com/users/x/"}, "user"),
])
def test_bad_logs(researcher, subject, logs_url, body, field):
    body = {key: subject["@url"] if value == "S" else value for key, value in body.items()}
    response = researcher.post(logs_url, json=body, status=400)
    assert names(response) == [field]
    assert researcher.get(logs_url).json["@items"] == []


def test_a_description_of_500_characters_is_fine(new_log):
    assert len(new_log(description="x" * 500)["description"]) == 500


def test_bad_log_bodies(researcher, subject, logs_url):
    assert names(researcher.post(logs_url, json=[{"type": "Weighing"}], status=400)) == ["body"]
    response = researcher.testapp.post(logs_url, '{"type": ', headers=dict(researcher.headers, **{
        "Content-Type": "application/json"}), status=400)
    assert names(response) == ["body"]
    researcher.post(logs_url, json={"type": "Weighing", "subject": subject["@url"], "description": "x" * 1024 * 1024},
                    status=413)
    assert researcher.get(logs_url).json["@items"] == []


def test_only_members_create_logs(researcher, colleague, subject, logs_url):
    body = {"type": "Weighing", "subject": subject["@url"]}
    # A private subject of someone else: as if it did not exist.
    assert names(colleague.post(logs_url, json=body, status=400)) == ["subject"]
    researcher.patch(subject["@url"], json={"is_public": True})
    response = colleague.post(logs_url, json=body, status=403)
    assert response.json["code"] == 403 and names(response) == ["subject"]
    assert researcher.get(logs_url).json["@items"] == []
    researcher.post(link(subject, "members"), json={"username": "ron"}, status=201)
    colleague.post(logs_url, json=body, status=201)


def test_patch_changes_the_description_only(researcher, weighing, subject, new_log):
    body = researcher.patch(weighing["@url"], json={"description": "Post-deprivation monitoring"}).json
    assert body["description"] == "Post-deprivation monitoring" and body["type"] == "Weighing"
    assert body["@changes"]["modification_time"] > weighing["@changes"]["modification_time"]
    # The representation sent back: its read-only fields are a 400 naming each (API.md §8), its
    # hypermedia keys are ignored.
    assert sorted(names(researcher.patch(weighing["@url"], json=body, status=400))) == ["entries", "id", "user"]
    sent_back = {key: value for key, value in body.items() if key not in ("id", "user", "entries")}
    assert researcher.patch(weighing["@url"], json=sent_back).json["description"] == "Post-deprivation monitoring"
    assert names(researcher.patch(weighing["@url"], json={"type": "Wellness"}, status=400)) == ["type"]
    other = researcher.post(researcher.url("subjects"), json={"name": "Mouse 2"}, status=201).json
    assert names(researcher.patch(weighing["@url"], json={"subject": other["@url"]}, status=400)) == ["subject"]
    assert names(researcher.patch(weighing["@url"], json={"description": "x" * 501}, status=400)) == ["description"]
    assert names(researcher.patch(weighing["@url"], json={"owner": "me"}, status=400)) == ["owner"]
    assert names(researcher.patch(weighing["@url"], json={"user": "me"}, status=400)) == ["user"]
    assert researcher.patch(weighing["@url"], json={"description": None}).json["description"] is None
    stored = researcher.get(weighing["@url"]).json
    assert stored["type"] == "Weighing" and stored["subject"] == subject["@url"]


def test_if_match_on_the_log_and_its_entries(researcher, weighing):
    etag = researcher.get(weighing["@url"]).headers["ETag"]
    researcher.get(weighing["@url"], headers={"If-None-Match": etag}, status=304)
    added = researcher.patch(link(weighing, "add_entry"), json=entry("Weighing"), headers={"If-Match": etag})
    assert added.headers["ETag"] != etag
    for name, body in (("add_entry", entry("Weighing", at=T2)), ("change_entry", {"date_time": T1, "notes": "x"}),
                       ("remove_entry", {"date_time": T1})):
        researcher.patch(link(weighing, name), json=body, headers={"If-Match": etag}, status=412)
    researcher.patch(weighing["@url"], json={"description": "x"}, headers={"If-Match": etag}, status=412)
    researcher.delete(weighing["@url"], headers={"If-Match": etag}, status=412)
    assert len(stored_entries(researcher, weighing)) == 1
    researcher.delete(weighing["@url"], headers={"If-Match": added.headers["ETag"]}, status=204)


def test_delete_a_log(researcher, weighing, logs_url):
    researcher.patch(link(weighing, "add_entry"), json=entry("Weighing"))
    researcher.delete(weighing["@url"], status=204)
    assert researcher.get(weighing["@url"], status=404).json["code"] == 404
    researcher.delete(weighing["@url"], status=404)
    researcher.patch(link(weighing, "add_entry"), json=entry("Weighing", at=T2), status=404)
    researcher.get(link(weighing, "entries"), status=404)
    assert researcher.get(logs_url).json["@items"] == []
    synced = researcher.get(logs_url, params={"modified_after": weighing["@changes"]["creation_time"]}).json
    assert synced["@items"] == [{"@url": weighing["@url"], "@type": f"{NS}subjectlog", "@deleted": True,
                                 "@changes": synced["@items"][0]["@changes"]}]


def test_unknown_log_is_404(researcher, logs_url, anonymous):
    researcher.get(logs_url + "0" * 32 + "/", status=404)
    researcher.patch(logs_url + "0" * 32 + "/add_entry", json=entry("Weighing"), status=404)
    anonymous.get(logs_url + "0" * 32 + "/", status=401)


def test_entry_links_answer_405_to_other_methods(researcher, weighing):
    response = researcher.post(link(weighing, "add_entry"), json=entry("Weighing"), status=405)
    assert response.headers["Allow"] == "PATCH"
    assert stored_entries(researcher, weighing) == []


# --- listing ---------------------------------------------------------------------------------------------


def test_list_with_filters(researcher, colleague, subject, new_log, logs_url):
    weighing, wellness = new_log("Weighing"), new_log("Wellness")
    other_subject = researcher.post(researcher.url("subjects"), json={"name": "Mouse 2"}, status=201).json
    other = researcher.post(logs_url, json={"type": "Weighing", "subject": other_subject["id"]}, status=201).json
    colleague_subject = colleague.post(colleague.url("subjects"), json={"name": "Rat"}, status=201).json
    colleague.post(logs_url, json={"type": "Weighing", "subject": colleague_subject["@url"]}, status=201)

    def urls(**params):
        return [item["@url"] for item in researcher.get(logs_url, params=params).json["@items"]]

    assert urls() == [other["@url"], wellness["@url"], weighing["@url"]]  # newest first, the caller's subjects only
    assert urls(subject=subject["@url"]) == [wellness["@url"], weighing["@url"]]
    assert urls(subject=subject["id"]) == [wellness["@url"], weighing["@url"]]
    assert urls(type="Weighing") == [other["@url"], weighing["@url"]]
    assert urls(subject=subject["@url"], type="Wellness") == [wellness["@url"]]
    assert urls(subject=subject["@url"], type="Housing") == []
    assert names(researcher.get(logs_url, params={"type": "Nope"}, status=400)) == ["type"]
    for hidden in (colleague_subject["@url"], "nope", "0" * 32):
        assert names(researcher.get(logs_url, params={"subject": hidden}, status=400)) == ["subject"]
    # A public subject's logs are listed for any researcher who asks for them.
    colleague.patch(colleague_subject["@url"], json={"is_public": True})
    assert len(urls(subject=colleague_subject["@url"])) == 1
    listed = researcher.get(logs_url, params={"subject": colleague_subject["@url"]}).json["@items"][0]
    assert not {"add_entry", "change_entry", "remove_entry"} & link_names(listed)


def test_paging_yields_every_log_once(researcher, new_log, logs_url, subject):
    for _ in range(5):
        new_log("Weighing")
    seen, url = [], logs_url + "?limit=2&type=Weighing"
    while url:
        page = researcher.get(url).json
        assert len(page["@items"]) <= 2
        seen += [item["@url"] for item in page["@items"]]
        url = next((entry["url"] for entry in page["@links"] if entry["name"] == "next"), None)
        if url:
            assert "type=Weighing" in url
        if len(seen) == 2:
            new_log("Weighing")  # written meanwhile: newer than the cursor, so not in this walk
    assert len(seen) == len(set(seen)) == 5


def test_a_subject_s_logs(researcher, anonymous, colleague, subject, new_log):
    weighing, wellness = new_log("Weighing"), new_log("Wellness")
    logs = link(subject, "logs")
    assert [i["@url"] for i in researcher.get(logs).json["@items"]] == [wellness["@url"], weighing["@url"]]
    assert [i["@url"] for i in researcher.get(logs, params={"type": "Weighing"}).json["@items"]] == [weighing["@url"]]
    page = researcher.get(logs, params={"limit": 1}).json
    assert [i["@url"] for i in researcher.get(link(page, "next")).json["@items"]] == [weighing["@url"]]
    anonymous.get(logs, status=401)
    colleague.get(logs, status=404)


# --- who may read and write -----------------------------------------------------------------------------


def test_a_private_log_is_hidden(researcher, colleague, client, anonymous, weighing):
    researcher.patch(link(weighing, "add_entry"), json=entry("Weighing"))
    for stranger in (colleague, client):
        stranger.get(weighing["@url"], status=404)
        stranger.get(link(weighing, "entries"), status=404)
        stranger.patch(link(weighing, "add_entry"), json=entry("Weighing", at=T2), status=404)
        stranger.patch(link(weighing, "remove_entry"), json={"date_time": T1}, status=404)
        stranger.patch(weighing["@url"], json={"description": "x"}, status=404)
        stranger.delete(weighing["@url"], status=404)
    anonymous.get(weighing["@url"], status=401)
    anonymous.patch(link(weighing, "add_entry"), json=entry("Weighing", at=T2), status=401)
    assert len(stored_entries(researcher, weighing)) == 1


def test_a_public_log_is_read_by_anyone_and_written_by_members(researcher, colleague, client, anonymous, subject,
                                                               weighing):
    researcher.patch(link(weighing, "add_entry"), json=entry("Weighing"))
    researcher.patch(subject["@url"], json={"is_public": True})
    for reader in (colleague, client, anonymous):
        body = reader.get(weighing["@url"]).json
        assert len(body["entries"]) == 1
        assert {"entries", "subject", "type"} <= link_names(body)
        assert not {"add_entry", "change_entry", "remove_entry"} & link_names(body)
        assert len(reader.get(link(weighing, "entries")).json["@items"]) == 1
        assert [i["@url"] for i in reader.get(link(subject, "logs")).json["@items"]] == [weighing["@url"]]
    for writer in (colleague, client):
        assert writer.patch(link(weighing, "add_entry"), json=entry("Weighing", at=T2), status=403).json["code"] == 403
        writer.patch(link(weighing, "change_entry"), json={"date_time": T1, "notes": "x"}, status=403)
        writer.patch(link(weighing, "remove_entry"), json={"date_time": T1}, status=403)
        writer.patch(weighing["@url"], json={"description": "x"}, status=403)
        writer.delete(weighing["@url"], status=403)
    anonymous.patch(link(weighing, "add_entry"), json=entry("Weighing", at=T2), status=401)
    anonymous.delete(weighing["@url"], status=401)
    assert stored_entries(researcher, weighing)[0]["notes"] is None
    # A member added later writes.
    researcher.post(link(subject, "members"), json={"username": "ron"}, status=201)
    body = colleague.patch(link(weighing, "add_entry"), json=entry("Weighing", at=T2)).json
    assert len(body["entries"]) == 2 and {"add_entry", "change_entry", "remove_entry"} <= link_names(body)


# --- entries --------------------------------------------------------------------------------------------


def test_add_entries_sorted_by_time(researcher, weighing):
    add = link(weighing, "add_entry")
    for at in (T3, T1, T2):
        body = researcher.patch(add, json=entry("Weighing", at=at)).json
    assert [e["date_time"] for e in body["entries"]] == [T1, T2, T3]
    assert body["entries"][0] == {"date_time": T1, "notes": None, "details": VALID["Weighing"]}
    assert body["@changes"]["modification_time"] > weighing["@changes"]["modification_time"]


def test_one_entry_per_instant(researcher, weighing):
    add = link(weighing, "add_entry")
    researcher.patch(add, json=entry("Weighing", at="2024-05-01T10:00:00+02:00"))
    assert stored_entries(researcher, weighing)[0]["date_time"] == T1
    for same in (T1, "2024-05-01T08:00:00", "2024-05-01T08:00:00.000000Z", "2024-05-01T04:00:00-04:00"):
        response = researcher.patch(add, json=entry("Weighing", {"weight": {"value": 1, "unit": "kg"}}, at=same),
                                    status=400)
        assert names(response) == ["date_time"]
    assert stored_entries(researcher, weighing)[0]["details"] == VALID["Weighing"]
    researcher.patch(add, json=entry("Weighing", at="2024-05-01T08:00:00.000001Z"))
    assert len(stored_entries(researcher, weighing)) == 2


def test_interval_entries(researcher, new_log):
    housing = new_log("Housing")
    add = link(housing, "add_entry")
    body = researcher.patch(add, json={"start_date_time": T1, "end_date_time": T3, "details": {"cageId": "C1"}}).json
    assert body["entries"] == [{"start_date_time": T1, "end_date_time": T3, "notes": None,
                                "details": {"cageId": "C1"}}]
    # No details at all is fine for a type that requires none; an instant interval too.
    researcher.patch(add, json={"start_date_time": T3, "end_date_time": T3})
    response = researcher.patch(add, json={"start_date_time": T2, "end_date_time": T1}, status=400)
    assert names(response) == ["end_date_time"]
    assert names(researcher.patch(add, json={"start_date_time": T1, "end_date_time": T2}, status=400)) == [
        "start_date_time"]
    assert len(stored_entries(researcher, housing)) == 2


@pytest.mark.parametrize("type_name, body, expected", [
    # The wrong shape for the type.
    ("Housing", {"date_time": T1}, ["date_time", "end_date_time", "start_date_time"]),
    ("Weighing", {"start_date_time": T1, "end_date_time": T2, "details": VALID["Weighing"]},
     ["date_time", "end_date_time", "start_date_time"]),
    ("Housing", {"start_date_time": T1}, ["end_date_time"]),
    # Times.
    ("Weighing", {"details": VALID["Weighing"]}, ["date_time"]),
    ("Weighing", {"date_time": None, "details": VALID["Weighing"]}, ["date_time"]),
    ("Weighing", {"date_time": "yesterday", "details": VALID["Weighing"]}, ["date_time"]),
    ("Weighing", {"date_time": "2024-05-01", "details": VALID["Weighing"]}, ["date_time"]),
    ("Weighing", {"date_time": "2024-02-30T08:00:00Z", "details": VALID["Weighing"]}, ["date_time"]),
    ("Weighing", {"date_time": 1714550400, "details": VALID["Weighing"]}, ["date_time"]),
    ("Housing", {"start_date_time": T1, "end_date_time": "soon"}, ["end_date_time"]),
    # Notes, details, and what is not an entry field.
    ("Weighing", {"date_time": T1, "notes": 5, "details": VALID["Weighing"]}, ["notes"]),
    ("Weighing", {"date_time": T1, "details": [VALID["Weighing"]]}, ["details"]),
    ("Weighing", {"date_time": T1, "details": "21 g"}, ["details"]),
    ("Weighing", {"date_time": T1}, ["details.weight"]),
    ("Weighing", {"date_time": T1, "details": {"weight": 21.5}}, ["details.weight"]),
    ("Weighing", {"date_time": T1, "details": {"weight": {"value": "21", "unit": "g", "sd": 1}}},
     ["details.weight.sd", "details.weight.value"]),
    ("Weighing", {"date_time": T1, "details": VALID["Weighing"], "weight": 3}, ["weight"]),
])
def test_bad_entries(researcher, new_log, type_name, body, expected):
    log = new_log(type_name)
    response = researcher.patch(link(log, "add_entry"), json=body, status=400)
    assert names(response) == expected
    assert stored_entries(researcher, log) == []


def test_bad_entry_bodies(researcher, weighing):
    add = link(weighing, "add_entry")
    assert names(researcher.patch(add, json=[entry("Weighing")], status=400)) == ["body"]
    assert names(researcher.patch(add, json="hello", status=400)) == ["body"]
    response = researcher.testapp.patch(add, '{"date_time": ', headers=dict(researcher.headers, **{
        "Content-Type": "application/json"}), status=400)
    assert names(response) == ["body"]
    researcher.patch(add, json=entry("Weighing", notes="x" * 1024 * 1024), status=413)
    assert stored_entries(researcher, weighing) == []
    assert researcher.get(weighing["@url"]).json["@changes"] == weighing["@changes"]


def test_change_entry_keeps_what_is_not_given_and_revalidates(researcher, new_log):
    log = new_log("VonFreyTest")
    change = link(log, "change_entry")
    researcher.patch(link(log, "add_entry"), json=entry("VonFreyTest", notes="first"))
    body = researcher.patch(change, json={"date_time": T1, "details": {"responseScore": 3}}).json
    assert body["entries"] == [{"date_time": T1, "notes": "first",
                                "details": dict(VALID["VonFreyTest"], responseScore=3, repetitions=10)}]
    body = researcher.patch(change, json={"date_time": "2024-05-01T10:00:00+02:00", "notes": None}).json
    assert body["entries"][0]["notes"] is None and body["entries"][0]["details"]["responseScore"] == 3
    # A merged entry that does not fit: 400, nothing changed.
    for bad, expected in (({"details": {"responseScore": 7}}, ["details.responseScore"]),
                          ({"details": {"stimulusLocation": None}}, ["details.stimulusLocation"]),
                          ({"details": {"colour": "red"}}, ["details.colour"]),
                          ({"notes": 1}, ["notes"])):
        assert names(researcher.patch(change, json=dict(bad, date_time=T1), status=400)) == expected
    assert stored_entries(researcher, log) == body["entries"]


def test_change_an_interval_entry(researcher, new_log):
    log = new_log("FoodDeprivation")
    researcher.patch(link(log, "add_entry"), json=entry("FoodDeprivation", until=T2))
    change = link(log, "change_entry")
    body = researcher.patch(change, json={"start_date_time": T1, "end_date_time": T3}).json
    assert body["entries"][0]["end_date_time"] == T3
    assert body["entries"][0]["details"] == VALID["FoodDeprivation"]
    assert names(researcher.patch(change, json={"start_date_time": T1, "end_date_time": "2024-04-30T00:00:00Z"},
                                  status=400)) == ["end_date_time"]
    assert names(researcher.patch(change, json={"date_time": T1}, status=400)) == ["start_date_time"]
    assert stored_entries(researcher, log)[0]["end_date_time"] == T3


def test_change_or_remove_a_missing_entry(researcher, weighing):
    researcher.patch(link(weighing, "add_entry"), json=entry("Weighing"))
    for name in ("change_entry", "remove_entry"):
        response = researcher.patch(link(weighing, name), json={"date_time": T2, "notes": "x"}, status=404)
        assert response.json["code"] == 404
        assert names(researcher.patch(link(weighing, name), json={"notes": "x"}, status=400)) == ["date_time"]
        assert names(researcher.patch(link(weighing, name), json={"date_time": "noon"}, status=400)) == ["date_time"]
    assert len(stored_entries(researcher, weighing)) == 1


def test_remove_entry(researcher, weighing):
    add, remove = link(weighing, "add_entry"), link(weighing, "remove_entry")
    researcher.patch(add, json=entry("Weighing", at=T1))
    researcher.patch(add, json=entry("Weighing", at=T2))
    body = researcher.patch(remove, json={"date_time": "2024-05-01T10:00:00+02:00"}).json
    assert [e["date_time"] for e in body["entries"]] == [T2]
    researcher.patch(remove, json={"date_time": T1}, status=404)
    # The instant is free again.
    researcher.patch(add, json=entry("Weighing", at=T1))


def test_the_entries_link_pages_and_filters(researcher, weighing):
    add = link(weighing, "add_entry")
    days = [f"2024-05-{day:02d}T23:30:00Z" for day in range(1, 8)]
    for at in reversed(days):
        researcher.patch(add, json=entry("Weighing", at=at))
    entries_url = link(weighing, "entries")
    page = researcher.get(entries_url, params={"limit": 3}).json
    assert page["@type"] == f"{NS}subjectlog-entries" and link(page, "log") == weighing["@url"]
    assert [e["date_time"] for e in every_item(researcher, entries_url + "?limit=3")] == days
    ranged = researcher.get(entries_url, params={"fromdate": "2024-05-02", "todate": "2024-05-03"}).json
    assert [e["date_time"] for e in ranged["@items"]] == days[1:3]
    # Days in Amsterdam (UTC+2 in May): 23:30 UTC is the next local day.
    ranged = researcher.get(entries_url, params={"fromdate": "2024-05-02", "todate": "2024-05-03",
                                                 "time_zone": "Europe/Amsterdam"}).json
    assert [e["date_time"] for e in ranged["@items"]] == days[0:2]
    for params, field in (({"fromdate": "2024-05-03", "todate": "2024-05-02"}, "fromdate"),
                          ({"time_zone": "Mars/Olympus"}, "time_zone"), ({"limit": 0}, "limit"),
                          ({"after": "garbage!"}, "after")):
        assert names(researcher.get(entries_url, params=params, status=400)) == [field]
    assert researcher.get(link(researcher.patch(link(weighing, "change_entry"), json={"date_time": days[0]}).json,
                               "entries"), params={"todate": "2000-01-01"}).json["@items"] == []


def test_what_postgresql_cannot_store_is_a_400_on_both_databases(researcher, weighing, new_log, subject, logs_url):
    """NUL characters in text columns, and instants before year 1 in UTC: 400s naming the field, never 500."""
    assert names(researcher.post(researcher.url("subjects"), json={"name": "a\u0000b"}, status=400)) == ["name"]
    assert names(researcher.patch(subject["@url"], json={"description": "\u0000"}, status=400)) == ["description"]
    assert names(researcher.post(logs_url, json={"type": "Weighing", "subject": subject["@url"],
                                                 "description": "\u0000"}, status=400)) == ["description"]
    assert names(researcher.post(link(subject, "members"), json={"username": "ron\u0000"}, status=400)) == ["username"]
    add = link(weighing, "add_entry")
    assert names(researcher.patch(add, json=entry("Weighing", notes="n\u0000"), status=400)) == ["notes"]
    assert names(researcher.patch(add, json=entry("Weighing", at="0001-01-01T00:00:00+01:00"), status=400)) == [
        "date_time"]
    assert stored_entries(researcher, weighing) == []
    # Inside details too (inputs.json_body refuses a NUL anywhere in a body).
    wellness = new_log("Wellness")
    response = researcher.patch(link(wellness, "add_entry"), json=entry("Wellness", {"wellness": "w\u0000"}), status=400)
    assert names(response) == ["details.wellness"]
    assert researcher.get(researcher.url("subjects")).json["@items"][0]["description"] is None


def test_the_json_ld_context_knows_the_links_and_times_of_a_log(anonymous):
    context = anonymous.get(link(anonymous.root(), "context")).json["@context"]
    assert context["subject"]["@type"] == context["user"]["@type"] == "@id"
    for name in ("date_time", "start_date_time", "end_date_time"):
        assert context[name]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
