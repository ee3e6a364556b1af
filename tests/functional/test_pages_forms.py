"""The pages' forms (API.md §15): records chosen from lists, never typed as URLs; a delete asks first; a
required slider starts unset; no form field shown under its programming name; no JSON box for a list body;
a client is not offered a write that answers 403."""
from bs4 import BeautifulSoup

from tests.conftest import link

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def soup_of(api, url):
    return BeautifulSoup(api.get(url, headers=HTML).text, "html.parser")


def form_titled(soup, title):
    return next(form for form in soup.find_all("form") if form.h3 and form.h3.get_text().startswith(title))


def test_a_tag_type_is_picked_from_the_list(client, professional):
    trigger = professional.post(professional.url("tagtypes"), json={"name": "trigger"}, status=201).json["@url"]
    journal = client.post(link(client.client(), "journals"), json={"journal_timestamp": "2024-05-01T12:00:00Z", "title": "Monday"},
                          status=201).json
    soup = soup_of(client, link(journal, "tags"))
    tag_forms = [form for form in soup.find_all("form", class_="write")
                 if form.find(attrs={"data-field": "tagtype"})]
    assert tag_forms
    for form in tag_forms:
        field = form.find(attrs={"data-field": "tagtype"})
        assert field["data-kind"] == "choice"
        assert not field.find("input", attrs={"type": "text"})
        options = {label.get_text(strip=True): label.input["value"] for label in field.find_all("label")}
        assert options["trigger"] == f'"{trigger}"'


def test_a_delete_asks_first(client):
    client.post(link(client.client(), "diary.entries"),
                json={"@type": EMOTION, "dt": "2024-04-01T10:00:00Z", "emotion": "sad", "intensity": 2}, status=201)
    entry = client.get(link(client.client(), "diary.entries.items")).json["@items"][0]["@url"]
    form = next(form for form in soup_of(client, entry).find_all("form", class_="write")
                if form["data-method"] == "DELETE")
    button = form.find("button", type="submit")
    # The button that deletes is inside a closed disclosure: a first click opens it, the second deletes.
    assert button.find_parent("details") is not None and not button.find_parent("details").has_attr("open")
    assert "Yes, delete" in button.get_text()
    # And a way back that deletes nothing (pages.js shows it and closes the question with it).
    assert button.find_parent("details").find("button", class_="keep", type="button").get_text() == "No, keep it"


def test_a_required_slider_starts_unset(client):
    soup = soup_of(client, link(client.client(), "diary.entries.items"))
    form = form_titled(soup, "New entry: Emotion")
    slider = form.find("input", attrs={"name": "intensity"})
    assert slider["type"] == "range" and slider.has_attr("required") and not slider.has_attr("data-set")
    assert slider.find_next_sibling("output").get_text() == "not chosen"


def test_the_goal_form_in_words_without_a_json_box_or_what_answers_403(client, professional, caseload):
    goals = link(client.client(), "goals")
    soup = soup_of(client, goals)
    assert not soup.find("textarea", class_="code")  # no JSON box (the batch)
    labels = [label.get_text(" ", strip=True) for label in soup.find_all(["label", "legend"])]
    assert not any("_" in text or text in ("startdate", "targetdate", "is onetime") for text in labels), labels
    assert not soup.find(attrs={"data-field": "is_therapist_approved"})
    # The professional may approve: offered to them.
    assert soup_of(professional, goals).find(attrs={"data-field": "is_therapist_approved"})


def test_a_write_of_constants_alone_is_one_button(client, professional, caseload):
    """An attention item takes {"acknowledged": true} and nothing else: a button, not a box of JSON."""
    phq9 = "https://ns.hyperdiary.org/diary/schema/entry/phq-9:1"
    professional.post(link(professional.get(caseload).json, "questionnaires"),
                      json={"schema": phq9, "every_days": 7, "first_due": "2024-05-01"}, status=201)
    client.post(link(client.client(), "diary.entries"),
                json={"@type": phq9, "dt": "2024-05-02T09:00:00Z", **{f"q{n}": 1 for n in range(1, 10)}}, status=201)
    item = professional.get(link(professional.get(caseload).json, "attention")).json["@items"][0]["@url"]
    form = next(form for form in soup_of(professional, item).find_all("form", class_="write")
                if form["data-method"] == "PATCH")
    assert form.find_all(["input", "textarea", "select"]) == [] and form.find("p", class_="hint") is None
    assert form["data-const-1"] == '{"acknowledged": true}'
    assert form.find("button", type="submit").get_text() == "Mark as acknowledged"


def test_a_date_times_hint_names_the_zone_it_is_typed_in(client):
    """A mood's `logdate` is typed in the client's zone (pages.js sends it as UTC): its hint says that zone, not
    the API's "(UTC)"."""
    own = client.client()
    client.patch(own["@url"], json={"time_zone": "Europe/Amsterdam"})
    field = soup_of(client, link(own, "moods")).find(attrs={"data-field": "logdate"})
    assert field.find("input")["type"] == "datetime-local"
    hint = field.find("p", class_="hint").get_text()
    assert "UTC" not in hint and "Europe/Amsterdam" in hint, hint


def test_a_subjects_member_is_named_by_username_not_typed_as_an_address(researcher):
    """No list of accounts can be offered to a researcher (they may list none, nor learn which usernames exist):
    the form asks for the colleague's username, never an account's address."""
    subject = researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    form = next(form for form in soup_of(researcher, link(subject, "members")).find_all("form", class_="write")
                if form["data-method"] == "POST")
    assert [field["data-field"] for field in form.find_all(class_="field")] == ["username"]
    assert form.find("label").get_text(" ", strip=True).startswith("The researcher's username")
