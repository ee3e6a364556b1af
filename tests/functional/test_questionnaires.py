"""Scored questionnaires (API.md §13): PHQ-9, GAD-7 and WHO-5 scored at every band boundary, the flag, a
score after PATCH, a refused sent score, uploaded scored schemas and wrong `x-scoring`, assignments and
their due dates (across a change of the clocks), the attention flow and who may use it, and the caseload's
columns in a fixed number of statements."""
import copy
import datetime
import zoneinfo

import pytest

from hyperdiary.questionnaires.assignments import due_instant, next_after
from tests.conftest import create_user, link, link_names, sent_statements, sign_in

PHQ9 = "https://ns.hyperdiary.org/diary/schema/entry/phq-9:1"
GAD7 = "https://ns.hyperdiary.org/diary/schema/entry/gad-7:1"
WHO5 = "https://ns.hyperdiary.org/diary/schema/entry/who-5:1"


def answers(total: int, count: int, top: int) -> dict:
    """Answers q1..q<count>, each 0..top, summing to `total` (filled from q1 on)."""
    fields = {}
    for n in range(1, count + 1):
        fields[f"q{n}"] = min(top, total)
        total -= fields[f"q{n}"]
    assert total == 0
    return fields


def phq9(total, q9=None, dt="2024-05-01T09:00:00Z"):
    """PHQ-9 answers summing to `total`; question 9 answered `q9` (default: 0, or what the others cannot hold)."""
    q9 = max(0, total - 24) if q9 is None else q9
    return {"@type": PHQ9, "dt": dt, **answers(total - q9, 8, 3), "q9": q9}


@pytest.fixture
def configured(client, professional, caseload):
    """Carol's diary holds the three questionnaires (a professional configured it)."""
    body = professional.get(caseload).json
    configuration = link(body, "diary.configuration")
    current = [s["@id"] for s in professional.get(configuration).json["@schemas"]]
    professional.put(configuration, json={"schemas": current + [PHQ9, GAD7, WHO5]})
    return link(client.client(), "diary.entries")


# --- scores ------------------------------------------------------------------------------------------


FLAG = "Thoughts of being better off dead or of self-harm (question 9)"
PHQ9_BANDS = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
              (15, "moderately severe"), (19, "moderately severe"), (20, "severe"), (27, "severe")]
GAD7_BANDS = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
              (15, "severe"), (21, "severe")]
# WHO-5: the raw sum times 4; the bands' edges 28/29 and 51/52 fall between multiples of 4.
WHO5_BANDS = [(0, "likely depression"), (7, "likely depression"), (8, "poor wellbeing"),
              (12, "poor wellbeing"), (13, "good wellbeing"), (25, "good wellbeing")]


def test_phq9_every_band_boundary(client, configured):
    for n, (total, band) in enumerate(PHQ9_BANDS):
        body = phq9(total, dt=f"2024-05-01T09:{n:02d}:00Z")
        entry = client.post(configured, json=body, status=201).json
        flags = [{"field": "q9", "label": FLAG}] if body["q9"] else []  # 27 needs question 9 too
        assert entry["score"] == {"value": total, "band": band, "flags": flags}, total


def test_gad7_every_band_boundary(client, configured):
    for n, (total, band) in enumerate(GAD7_BANDS):
        entry = client.post(configured, json={"@type": GAD7, "dt": f"2024-05-01T09:{n:02d}:00Z",
                                              **answers(total, 7, 3)}, status=201).json
        assert entry["score"] == {"value": total, "band": band, "flags": []}, total


def test_who5_every_band_boundary_times_four(client, configured):
    for n, (raw, band) in enumerate(WHO5_BANDS):
        entry = client.post(configured, json={"@type": WHO5, "dt": f"2024-05-01T09:{n:02d}:00Z",
                                              **answers(raw, 5, 5)}, status=201).json
        assert entry["score"] == {"value": raw * 4, "band": band, "flags": []}, raw


def test_phq9_question_nine_raises_the_flag(client, configured):
    entry = client.post(configured, json=phq9(3, q9=1), status=201).json
    assert entry["score"]["value"] == 3 and entry["score"]["band"] == "minimal"
    assert [flag["field"] for flag in entry["score"]["flags"]] == ["q9"]
    assert "question 9" in entry["score"]["flags"][0]["label"]


def test_score_after_patch(client, configured):
    entry = client.post(configured, json=phq9(4), status=201).json
    changed = client.patch(entry["@url"], json={"q1": 3, "q2": 3}, headers={"If-Match": '*'}).json
    assert changed["score"]["value"] == 4 - entry["q1"] - entry["q2"] + 6
    assert changed["score"]["band"] == "mild"
    assert client.get(entry["@url"]).json["score"] == changed["score"]


def test_a_sent_score_is_refused(client, configured):
    body = dict(phq9(4), score={"value": 0, "band": "minimal", "flags": []})
    response = client.post(configured, json=body, status=400)
    assert [p["name"] for p in response.json["extra"]] == ["score"]
    entry = client.post(configured, json=phq9(4), status=201).json
    response = client.patch(entry["@url"], json={"score": {"value": 0}}, status=400)
    assert [p["name"] for p in response.json["extra"]] == ["score"]
    assert client.get(link(client.client(), "diary.entries.items")).json["@items"][0]["score"]["value"] == 4


def test_unscored_entries_have_no_score(client):
    entries = link(client.client(), "diary.entries")
    entry = client.post(entries, json={"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1",
                                       "dt": "2024-05-01T09:00:00Z", "emotion": "happy", "intensity": 3},
                        status=201).json
    assert "score" not in entry


def test_new_diaries_do_not_hold_the_questionnaires(client):
    """A professional assigns them (docs/decisions.md): a self-registered client's diary starts without."""
    configured = {s["@id"] for s in client.get(link(client.client(), "diary.configuration")).json["@schemas"]}
    assert configured and not configured & {PHQ9, GAD7, WHO5}
    shipped = {s["@id"] for s in client.get(client.url("schemas")).json["@items"]}
    assert {PHQ9, GAD7, WHO5} <= shipped


def test_shipped_questionnaires_carry_their_source_and_terms(client):
    for schema_id, words in ((PHQ9, "Pfizer"), (GAD7, "Pfizer"), (WHO5, "WHO Collaborating Centre")):
        descriptor = next(s for s in client.get(client.url("schemas")).json["@items"] if s["@id"] == schema_id)
        assert words in descriptor["description"]
        assert "permission" in descriptor["description"]
    phq = next(s for s in client.get(client.url("schemas")).json["@items"] if s["@id"] == PHQ9)
    assert phq["title"] == "PHQ-9"
    assert [f["name"] for f in phq["fields"]] == [f"q{n}" for n in range(1, 10)] + ["difficulty"]
    assert [c["name"] for c in phq["fields"][0]["choices"]] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day"]
    assert not next(f for f in phq["fields"] if f["name"] == "difficulty")["required"]


# --- uploaded scored schemas, and wrong x-scoring -----------------------------------------------------


def scored(**scoring) -> dict:
    x_scoring = {"sum": ["a", "b"], "bands": [{"min": 0, "max": 2, "label": "low"}, {"min": 3, "max": 6, "label": "high"}]}
    x_scoring.update(scoring)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.org/mini:1",
        "title": "Mini", "type": "object", "required": ["a", "b"], "additionalProperties": False,
        "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 3},
                       "b": {"type": "integer", "oneOf": [{"const": 0, "title": "no"}, {"const": 3, "title": "yes"}]},
                       "note": {"type": ["string", "null"]}},
        "x-scoring": x_scoring,
    }


def test_an_uploaded_scored_schema_scores_its_entries(client, professional, caseload):
    document = scored(flags=[{"field": "b", "min": 3, "label": "said yes"}],
                      code={"system": "http://example.org/codes", "code": "mini", "display": "Mini total"})
    professional.post(professional.url("schemas"), json=document, status=201)
    configuration = link(professional.get(caseload).json, "diary.configuration")
    professional.put(configuration, json={"schemas": [document["$id"]]})
    entries = link(client.client(), "diary.entries")
    entry = client.post(entries, json={"@type": document["$id"], "dt": "2024-05-01T09:00:00Z", "a": 2, "b": 3},
                        status=201).json
    assert entry["score"] == {"value": 5, "band": "high", "flags": [{"field": "b", "label": "said yes"}]}


WRONG = {
    "an unknown field": scored(sum=["a", "c"]),
    "a text field": scored(sum=["a", "note"]),
    "a gap between bands": scored(bands=[{"min": 0, "max": 1, "label": "low"}, {"min": 3, "max": 6, "label": "high"}]),
    "bands short of the top": scored(bands=[{"min": 0, "max": 2, "label": "low"}, {"min": 3, "max": 5, "label": "high"}]),
    "overlapping bands": scored(bands=[{"min": 0, "max": 3, "label": "low"}, {"min": 3, "max": 6, "label": "high"}]),
    "a band without a label": scored(bands=[{"min": 0, "max": 6}]),
    "a multiplier of zero": scored(multiply=0),
    "a flag on an unknown field": scored(flags=[{"field": "zz", "min": 1, "label": "x"}]),
    "an unknown key": scored(weights=[1, 2]),
    "a code without a system": scored(code={"code": "1"}),
    "not an object": dict(scored(), **{"x-scoring": [1]}),
}


@pytest.mark.parametrize("why", WRONG)
def test_a_wrong_x_scoring_is_refused_on_upload_and_preview(professional, why):
    schemas = professional.url("schemas")
    for url in (schemas, professional.url("schemas.preview")):
        response = professional.post(url, json=WRONG[why], status=400)
        assert [p["name"] for p in response.json["extra"]] == ["x-scoring"], why
    assert all(s["@id"] != "https://example.org/mini:1" for s in professional.get(schemas).json["@items"])


def test_a_gap_the_answers_cannot_reach_is_no_gap(professional):
    """b is 0 or 3, so the sums are 0..3 and 3..6: every one of them has a band."""
    professional.post(professional.url("schemas.preview"), json=scored(), status=200)


# --- assignments ------------------------------------------------------------------------------------


def test_next_after_and_due_instants_across_a_change_of_the_clocks():
    assert next_after(datetime.date(2026, 3, 23), 7, datetime.date(2026, 3, 30)) == datetime.date(2026, 4, 6)
    assert next_after(datetime.date(2026, 3, 23), 7, datetime.date(2026, 3, 22)) == datetime.date(2026, 3, 23)
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    # 09:00 local on either side of 29 March 2026 (CET to CEST): 08:00Z, then 07:00Z.
    assert due_instant(datetime.date(2026, 3, 28), datetime.time(9), amsterdam) == datetime.datetime(2026, 3, 28, 8)
    assert due_instant(datetime.date(2026, 3, 30), datetime.time(9), amsterdam) == datetime.datetime(2026, 3, 30, 7)
    assert due_instant(datetime.date(2026, 10, 26), datetime.time(9), amsterdam) == datetime.datetime(2026, 10, 26, 8)


@pytest.fixture
def amsterdam(client, professional, caseload):
    professional.patch(caseload, json={"time_zone": "Europe/Amsterdam"})
    return caseload


def test_assignment_due_dates_follow_local_days_across_the_change_of_the_clocks(client, professional, amsterdam):
    """Daily PHQ-9 from Saturday 28 March 2026; the clocks go forward on the 29th. Answers just after local
    midnight are that local day's, though still the day before in UTC."""
    questionnaires = link(professional.get(amsterdam).json, "questionnaires")
    item = professional.post(questionnaires, json={"schema": PHQ9, "every_days": 1, "first_due": "2026-03-28",
                                                   "remindertime": "08:30"}, status=201).json
    assert (item["next_due"], item["last_answered"], item["remindertime"]) == ("2026-03-28", None, "08:30")
    assert item["title"] == "PHQ-9"
    # The schema joined the diary's configuration.
    configured = {s["@id"] for s in client.get(link(client.client(), "diary.configuration")).json["@schemas"]}
    assert PHQ9 in configured
    entries = link(client.client(), "diary.entries")
    # 2026-03-28T23:30Z is 00:30 on Sunday the 29th in Amsterdam (CET, +1): Saturday's is still due, so
    # this (Sunday's) answer moves the due date past Sunday.
    client.post(entries, json=phq9(2, dt="2026-03-28T23:30:00Z"), status=201)
    assert client.get(item["@url"]).json["next_due"] == "2026-03-30"
    # 2026-03-29T22:30Z is 00:30 on Monday the 30th (CEST, +2): it answers Monday's.
    client.post(entries, json=phq9(2, dt="2026-03-29T22:30:00Z"), status=201)
    moved = client.get(item["@url"]).json
    assert moved["next_due"] == "2026-03-31"
    assert moved["last_answered"] == "2026-03-29T22:30:00Z"
    # An answer before the due day does not move it; the same answer again moves nothing either.
    client.post(entries, json=phq9(3, dt="2026-03-30T10:00:00Z"), status=201)
    assert client.get(item["@url"]).json["next_due"] == "2026-03-31"


def test_due_lists_what_is_due_today_or_overdue_in_the_clients_zone(client, professional, amsterdam):
    questionnaires = link(professional.get(amsterdam).json, "questionnaires")
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Amsterdam")).date()
    overdue = professional.post(questionnaires, json={"schema": PHQ9, "every_days": 7,
                                                      "first_due": (today - datetime.timedelta(days=3)).isoformat()},
                                status=201).json
    assert overdue["remindertime"] == "09:00"
    today_one = professional.post(questionnaires, json={"schema": GAD7, "every_days": 14,
                                                        "first_due": today.isoformat()}, status=201).json
    professional.post(questionnaires, json={"schema": WHO5, "every_days": 7,
                                            "first_due": (today + datetime.timedelta(days=1)).isoformat()}, status=201)
    due_url = link(client.client(), "questionnaires.due")
    assert [i["@url"] for i in client.get(due_url).json["@items"]] == [overdue["@url"], today_one["@url"]]
    # Answering today moves the PHQ-9 on by its period from its first due date.
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    client.post(link(client.client(), "diary.entries"), json=phq9(1, dt=now), status=201)
    assert client.get(overdue["@url"]).json["next_due"] == (today + datetime.timedelta(days=4)).isoformat()
    assert [i["@url"] for i in client.get(due_url).json["@items"]] == [today_one["@url"]]


def test_who_may_assign(client, professional, amsterdam, app, testapp):
    questionnaires = link(professional.get(amsterdam).json, "questionnaires")
    body = {"schema": PHQ9, "every_days": 7, "first_due": "2026-01-05"}
    # The client reads its assignments, but makes none.
    client.post(questionnaires, json=body, status=403)
    item = professional.post(questionnaires, json=body, status=201).json
    assert [i["@url"] for i in client.get(questionnaires).json["@items"]] == [item["@url"]]
    client.delete(item["@url"], status=403)
    # The same questionnaire twice is a conflict; bad bodies store nothing.
    professional.post(questionnaires, json=body, status=409)
    for bad, field in (({"schema": "https://example.org/nope:1"}, "schema"), ({"every_days": 0}, "every_days"),
                       ({"first_due": "2026-02-30"}, "first_due"), ({"remindertime": "25:00"}, "remindertime"),
                       ({"every_day": 3}, "every_day"), ({"next_due": "2026-01-01"}, "next_due")):
        response = professional.post(questionnaires, json={**body, "schema": GAD7, **bad}, status=400)
        assert field in [p["name"] for p in response.json["extra"]], bad
    # A stranger (another professional) sees nothing of it.
    create_user(app, "sam", "professional")
    stranger = sign_in(testapp, "sam")
    stranger.get(questionnaires, status=404)
    stranger.post(questionnaires, json=dict(body, schema=GAD7), status=404)
    assert len(professional.get(questionnaires).json["@items"]) == 1
    professional.patch(item["@url"], json={"every_days": 14})
    professional.patch(item["@url"], json={"first_due": "2026-01-06"}, status=400)
    professional.delete(item["@url"], status=204)
    assert professional.get(questionnaires).json["@items"] == []


# --- attention --------------------------------------------------------------------------------------


def test_attention_flow(client, professional, configured, app, testapp):
    client_url = client.client()["@url"]
    assert "attention" not in link_names(client.client())
    attention = link(professional.get(client_url).json, "attention")
    assert professional.get(attention).json["@items"] == []
    calm = client.post(configured, json=phq9(3, dt="2024-05-01T09:00:00Z"), status=201).json
    first = client.post(configured, json=phq9(12, q9=1, dt="2024-05-02T09:00:00Z"), status=201).json
    second = client.post(configured, json=phq9(20, q9=3, dt="2024-05-03T09:00:00Z"), status=201).json
    items = professional.get(attention).json["@items"]
    assert [i["entry"] for i in items] == [second["@url"], first["@url"]]  # newest first
    assert items[0]["flags"] == second["score"]["flags"]
    assert (items[0]["acknowledged_by"], items[0]["acknowledged_at"]) == (None, None)
    assert calm["@url"] not in [i["entry"] for i in items]
    # The client neither lists nor acknowledges; a stranger does not learn it exists.
    client.get(attention, status=403)
    client.patch(items[0]["@url"], json={"acknowledged": True}, status=403)
    create_user(app, "sam", "professional")
    stranger = sign_in(testapp, "sam")
    stranger.get(attention, status=404)
    stranger.patch(items[0]["@url"], json={"acknowledged": True}, status=404)
    # Bad bodies are refused.
    professional.patch(items[0]["@url"], json={"acknowledged": False}, status=400)
    professional.patch(items[0]["@url"], json={"flags": []}, status=400)
    done = professional.patch(items[0]["@url"], json={"acknowledged": True}).json
    assert done["acknowledged"] is True and done["acknowledged_by"] == professional.me()["@url"]
    assert done["acknowledged_at"] is not None
    # Caseload: one unacknowledged left.
    listed = next(c for c in professional.get(professional.url("clients")).json["@items"] if c["@url"] == client_url)
    assert listed["attention"] == 1
    assert listed["latest_scores"] == [{"schema": PHQ9, "title": "PHQ-9", "value": 20, "band": "severe",
                                        "time": "2024-05-03T09:00:00Z"}]
    # A change that lowers the flag takes the item away; deleting the entry too.
    client.patch(first["@url"], json={"q9": 0})
    assert [i["entry"] for i in professional.get(attention).json["@items"]] == [second["@url"]]
    client.delete(second["@url"], status=204)
    assert professional.get(attention).json["@items"] == []
    listed = next(c for c in professional.get(professional.url("clients")).json["@items"] if c["@url"] == client_url)
    assert listed["attention"] == 0
    assert [s["value"] for s in listed["latest_scores"]] == [first["score"]["value"] - 1]


def test_the_caseload_listing_takes_a_fixed_number_of_statements(app, testapp, admin, professional):
    """Per page: the same statements for 2 clients as for 12, each with flags and scores."""
    me = professional.me()
    caseload = link(me, "caseload")

    def add_clients(first, count):
        for n in range(first, first + count):
            create_user(app, f"client{n}", "client")
            carol = sign_in(testapp, f"client{n}")
            client_url = carol.client()["@url"]
            admin.post(caseload, json={"client": client_url}, status=201)
            configuration = link(professional.get(client_url).json, "diary.configuration")
            professional.put(configuration, json={"schemas": [PHQ9, GAD7]})
            entries = link(carol.client(), "diary.entries")
            carol.post(entries, json=phq9(10 + n % 5, q9=1), status=201)
            carol.post(entries, json={"@type": GAD7, "dt": "2024-05-02T09:00:00Z", **answers(n % 20, 7, 3)},
                       status=201)

    sent_list = []

    def statements():
        url = professional.url("clients")
        with sent_statements(app) as sent:
            page = professional.get(url, params={"limit": 50}).json
        sent_list[:] = sent
        return len(sent), page

    add_clients(0, 2)
    few, page = statements()
    assert len(page["@items"]) == 2
    add_clients(2, 10)
    many, page = statements()
    assert len(page["@items"]) == 12
    assert few == many, sent_list
    assert all(item["attention"] == 1 and len(item["latest_scores"]) == 2 for item in page["@items"])


# --- charts and the report ----------------------------------------------------------------------------


def test_a_chart_per_scored_type_with_its_bands(client, configured):
    client.post(configured, json=phq9(7, dt="2024-05-02T09:00:00Z"), status=201)
    client.post(configured, json=phq9(12, dt="2024-05-02T18:00:00Z"), status=201)  # the day's latest
    client.post(configured, json=phq9(21, dt="2024-05-04T09:00:00Z"), status=201)
    charts = client.get(link(client.client(), "charts")).json["@items"]
    scored = {c["title"]: c for c in charts if c["kind"] == "scores"}
    assert set(scored) == {"PHQ-9 score", "GAD-7 score", "WHO-5 score"}
    url = scored["PHQ-9 score"]["@url"]
    body = client.get(url, params={"fromdate": "2024-05-01", "todate": "2024-05-05", "time_zone": "UTC"}).json
    assert body["categories"] == [f"2024-05-0{d}" for d in range(1, 6)]
    assert body["series"] == [{"name": "PHQ-9 score", "values": [None, 12, None, 21, None]}]
    assert [(b["min"], b["max"], b["label"]) for b in body["bands"]] == [
        (0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 19, "moderately severe"), (20, 27, "severe")]
    drawing = client.get(url, params={"fromdate": "2024-05-01", "todate": "2024-05-05", "time_zone": "UTC"},
                         headers={"Accept": "image/svg+xml"})
    assert drawing.content_type == "image/svg+xml"
    for label in ("minimal", "mild", "moderately severe", "severe"):
        assert f"<title>{label}</title>" in drawing.text
    assert "PHQ-9 score, 2024-05-04: 21" in drawing.text


def test_the_scores_report(client, professional, configured):
    first = client.post(configured, json=phq9(16, dt="2024-05-02T09:00:00Z"), status=201).json
    client.post(configured, json=phq9(8, dt="2024-05-09T09:00:00Z"), status=201)
    client.post(configured, json={"@type": WHO5, "dt": "2024-05-03T09:00:00Z", **answers(10, 5, 5)}, status=201)
    client.post(configured, json=phq9(3, dt="2023-01-09T09:00:00Z"), status=201)  # long before the 12 weeks
    reports = link(professional.get(client.client()["@url"]).json, "reports")
    report = professional.get(link(professional.get(reports).json, "scores"),
                              params={"reference_date": "2024-05-10", "time_zone": "UTC"}).json
    assert [(r["title"], r["value"], r["band"]) for r in report["rows"]] == [
        ("PHQ-9", 16, "moderately severe"), ("WHO-5", 40, "poor wellbeing"), ("PHQ-9", 8, "mild")]
    assert report["rows"][0]["entry"] == first["@url"]
    assert report["summary"] == [
        {"schema": PHQ9, "title": "PHQ-9", "count": 2, "first": 16, "latest": 8, "change": -8, "band": "mild"},
        {"schema": WHO5, "title": "WHO-5", "count": 1, "first": 40, "latest": 40, "change": 0,
         "band": "poor wellbeing"}]


# --- pages --------------------------------------------------------------------------------------------

HTML = {"Accept": "text/html"}


def test_the_pages_say_the_score_and_put_attention_first(app, testapp, admin, client, professional, configured):
    from bs4 import BeautifulSoup

    # The diary's entries page offers the questionnaire as a form: each question with its answers as choices.
    soup = BeautifulSoup(client.get(link(client.client(), "diary.entries.items"), headers=HTML).text, "html.parser")
    form = next(f for f in soup.find_all("form") if f.find("h3") and f.find("h3").get_text() == "New entry: PHQ-9")
    question = form.find("input", attrs={"name": "q9"}).find_parent(class_="field")
    assert "better off dead" in question.get_text()
    assert [label.get_text(strip=True) for label in question.find_all("label", class_="choice")] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day"]
    # After saving, the entry's page says the score and its band in words.
    entry = client.post(configured, json=phq9(12, q9=1), status=201).json
    soup = BeautifulSoup(client.get(entry["@url"], headers=HTML).text, "html.parser")
    said = soup.find("p", class_="score").get_text()
    assert said.startswith("The PHQ-9 score is 12: moderate.") and "question 9" in said
    # The caseload page lists the client whose answer needs attention first, with the latest scores.
    create_user(app, "abe", "client", first_name="Abe")  # listed before Carol by name
    abe = sign_in(testapp, "abe").client()["@url"]
    admin.post(link(professional.me(), "caseload"), json={"client": abe}, status=201)
    assert [c["@url"] for c in professional.get(professional.url("clients")).json["@items"]][0] == abe
    soup = BeautifulSoup(professional.get(professional.url("clients"), headers=HTML).text, "html.parser")
    rows = soup.find("table", class_="items").find("tbody").find_all("tr")
    assert "PHQ-9 12 (moderate)" in rows[0].get_text() and "Carol" in rows[0].get_text()


def test_the_reminder_source_finds_due_questionnaires_at_local_time_in_every_season(app, professional, amsterdam):
    """The source the reminder worker will read (hyperdiary/questionnaires/assignments.due_reminders): a
    questionnaire reminds on its due day at its reminder time in the client's zone."""
    from hyperdiary.questionnaires.assignments import due_reminders

    questionnaires = link(professional.get(amsterdam).json, "questionnaires")
    winter = professional.post(questionnaires, json={"schema": PHQ9, "every_days": 7, "first_due": "2026-03-28"},
                               status=201).json
    summer = professional.post(questionnaires, json={"schema": GAD7, "every_days": 7, "first_due": "2026-03-30"},
                               status=201).json
    dbsession = app.registry["dbsession_factory"]()
    try:
        def found(start, end):
            return {r["path"].rstrip("/").rsplit("/", 1)[-1]: r["time"] for r in due_reminders(dbsession, start, end)}

        day = datetime.datetime
        assert found(day(2026, 3, 28, 7, 59), day(2026, 3, 28, 8, 1)) == {winter["@url"].rstrip("/").rsplit("/", 1)[-1]:
                                                                          day(2026, 3, 28, 8)}
        assert found(day(2026, 3, 30, 6, 59), day(2026, 3, 30, 7, 1)) == {summer["@url"].rstrip("/").rsplit("/", 1)[-1]:
                                                                          day(2026, 3, 30, 7)}
        assert found(day(2026, 3, 30, 7, 59), day(2026, 3, 30, 8, 1)) == {}
        # Through the worker's own ledger condition (nothing sent yet: unsettled), with its subject ids.
        from hyperdiary.questionnaires.assignments import QuestionnaireReminders
        from hyperdiary.reminders.worker import unsettled_condition
        source = next(s for s in app.registry["reminders"].sources if s.name == "questionnaire")
        assert isinstance(source, QuestionnaireReminders)
        due = list(source.due(dbsession.connection(), day(2026, 3, 30, 6, 59), day(2026, 3, 30, 7, 1),
                              unsettled_condition("questionnaire", day(2026, 3, 30, 7))))
        assert [(r.at, r.subject_id, r.title) for r in due] == [
            (day(2026, 3, 30, 7), summer["@url"].rstrip("/").rsplit("/", 1)[-1][:24] + "20260330", "Questionnaire: GAD-7")]
    finally:
        dbsession.close()
