"""A person in a real browser: sign in, click through to the diary, write an entry through the form, see a
400's message beside its field, change a chart's range, preview a schema."""
import re

from tests.conftest import PASSWORD, Api, create_user, link, sign_in
from tests.browser.conftest import shot, sign_in_page

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
GRATITUDE = """{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://clinic.example.org/schemas/gratitude:1",
  "title": "Gratitude", "type": "object", "required": ["grateful_for"], "additionalProperties": false,
  "properties": {
    "grateful_for": {"type": "string", "title": "What are you grateful for?"},
    "strength": {"type": "integer", "title": "How strongly?", "minimum": 1, "maximum": 3, "x-widget": "slider"},
    "shared": {"type": "boolean", "title": "Did you tell someone?"}}}"""


def seed(testapp):
    """Carol, a client in Amsterdam, written through the API in process (her @urls are example.com's)."""
    api = testapp
    anonymous = Api(api)
    anonymous.post(anonymous.url("auth.register"), json={"username": "carol", "email": "carol@example.org",
                   "password": PASSWORD, "first_name": "Carol", "last_name": "Client"}, status=201)
    carol = sign_in(api, "carol")
    own = carol.client()
    carol.patch(own["@url"], json={"time_zone": "Europe/Amsterdam"})
    return carol, own


def test_a_person_uses_the_pages(testapp, live_server, page):
    carol, own = seed(testapp)
    client_url = own["@url"].replace("http://example.com", live_server)
    entries = link(own, "diary.entries")
    feelings = ("happy", "sad", "happy", "scared", "angry", "happy", "sad")
    for day in range(1, 15):
        for n in range(1 + day % 3):
            carol.post(entries, json={"@type": EMOTION, "dt": f"2024-04-{day:02d}T{9 + 3 * n:02d}:30:00Z",
                                      "emotion": feelings[(day + n) % 7], "intensity": 1 + (day + n) % 5,
                                      "situation": f"Day {day} <b>not bold</b>"}, status=201)
    moods = link(own, "moods")
    for day, mood in ((1, "calm"), (1, "happy"), (2, "anxious"), (3, "calm"), (4, "tired")):
        carol.post(moods, json={"logdate": f"2024-04-{day:02d}T08:00:00Z", "mood": mood}, status=201)

    # Sign in on the start page; the cookie carries the sign-in from page to page.
    sign_in_page(page, live_server, "carol")
    page.get_by_role("link", name="My profile", exact=True).click()
    page.get_by_role("link", name="Client", exact=True).click()
    page.get_by_role("link", name="Diary", exact=True).click()
    page.get_by_role("link", name="Entries", exact=True).click()
    assert page.get_by_role("cell", name="Day 14 <b>not bold</b>").first.is_visible()  # text, escaped
    shot(page, "diary-entries")

    # A new entry through its form: the emotion's form is one of the diary's configured types.
    form = page.locator("form.write", has=page.get_by_role("heading", name="New entry: Emotion"))
    form.get_by_label("Happy").check()
    form.get_by_label("Situation").fill("Written in the browser")
    # A required slider starts unset and must be moved: untouched, the form says so and sends nothing.
    form.get_by_role("button", name="Save").click()
    slider_error = form.locator('.field[data-field="intensity"] .error')
    slider_error.wait_for(state="visible")
    assert "move the slider" in slider_error.inner_text()
    # Untouched, it shows no thumb (which would read as a choice at its minimum) and says "not chosen"; a click
    # on its minimum, which changes no value, chooses it: the thumb shows there.
    slider = form.locator('input[name="intensity"]')
    unset = slider.screenshot()
    shot(page, "slider-unset", clip=form.locator('.field[data-field="intensity"]'))
    assert form.locator('.field[data-field="intensity"] output').inner_text() == "not chosen"
    box = slider.bounding_box()
    page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
    assert slider.input_value() == slider.get_attribute("min")
    assert form.locator('.field[data-field="intensity"] output').inner_text() == slider.get_attribute("min")
    page.mouse.move(0, 0)
    slider.evaluate("input => input.blur()")  # (its focus ring is no thumb)
    assert slider.screenshot() != unset
    shot(page, "slider-set-at-minimum", clip=form.locator('.field[data-field="intensity"]'))
    slider.fill("4")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/diary/entries/[0-9a-f]{32}/$"))
    assert page.get_by_text("Written in the browser").is_visible()
    assert page.get_by_text("Happy", exact=True).first.is_visible()  # the choice's title, not its value
    written = [item for item in carol.get(link(own, "diary.entries.items") + "?limit=100").json["@items"]
               if item.get("situation") == "Written in the browser"]
    # What was touched, and nothing else (the untouched picture is unset, as in an entry the API was sent).
    assert {key: value for key, value in written[0].items() if not key.startswith("@")} == \
        {"dt": written[0]["dt"], "emotion": "happy", "intensity": 4, "situation": "Written in the browser",
         "picture": None, "feedback_count": 0}

    # A 400 shows each message beside its field and keeps what was typed.
    page.go_back()
    page.reload()
    form = page.locator("form.write", has=page.get_by_role("heading", name="New entry: Emotion"))
    form.get_by_label("Situation").fill("No emotion chosen")
    form.locator('input[name="intensity"]').fill("2")
    form.get_by_role("button", name="Save").click()
    error = form.locator('.field[data-field="emotion"] .error')
    error.wait_for(state="visible")
    assert "Required" in error.inner_text()
    assert form.get_by_label("Situation").input_value() == "No emotion chosen"
    assert form.locator(".form-errors").inner_text() == "Please check what is marked above."
    shot(page, "entry-form-error", clip=form)

    # The client's page shows the charts; the range control changes them.
    page.goto(client_url)
    page.get_by_label("From").fill("2024-04-01")
    page.get_by_label("to", exact=True).fill("2024-04-14")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"fromdate=2024-04-01"))
    chart = page.get_by_role("img", name=re.compile("Emotions per day, 2024-04-01 to 2024-04-14"))
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    page.get_by_role("link", name="Emotions per day", exact=True).click()
    page.wait_for_url(re.compile(r"/charts/.+fromdate=2024-04-01"))
    shot(page, "chart")

    # Signing out revokes the sign-in: the cookie's token no longer works.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").first.wait_for()
    page.goto(client_url)
    assert page.get_by_role("heading", name=re.compile("^401")).is_visible()


def test_a_professional_previews_a_schema(app, live_server, page):
    create_user(app, "pat", "professional", first_name="Pat", last_name="Therapist")
    sign_in_page(page, live_server, "pat")
    page.get_by_role("link", name="Entry types", exact=True).click()
    form = page.locator("form.write", has=page.get_by_role("heading", name="Create: preview"))
    form.get_by_label("Body (JSON)").fill(GRATITUDE.replace('"type": "object"', '"type": "array"'))
    form.get_by_role("button", name="Preview").click()
    preview = page.get_by_label("Create: preview: the answer")
    preview.get_by_text("400").wait_for()
    assert "type" in preview.inner_text()
    form.get_by_label("Body (JSON)").fill(GRATITUDE)
    form.get_by_role("button", name="Preview").click()
    preview.get_by_text("The form a client gets").wait_for()
    assert preview.get_by_label("What are you grateful for?").is_visible()
    assert preview.locator('input[type="range"]').count() == 1
    shot(page, "schema-preview", clip=page.locator("section.forms").first)
    # Nothing was stored.
    page.goto(live_server + "/schemas/")
    assert page.get_by_text("Gratitude").count() == 0


def test_a_researcher_logs_an_entry_with_nested_details(app, testapp, live_server, page):
    create_user(app, "rosa", "researcher")
    rosa = sign_in(testapp, "rosa")
    subject = rosa.post(rosa.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    log = rosa.post(rosa.url("subjectlogs"), json={"type": "Weighing", "subject": subject["@url"]}, status=201).json
    sign_in_page(page, live_server, "rosa")
    page.goto(log["@url"].replace("http://example.com", live_server))
    form = page.locator("form.write", has=page.get_by_role("heading", name="Change: add entry"))
    form.get_by_label("When").fill("2024-05-01T10:00")
    form.get_by_label("Weight: value").fill("-1")
    form.get_by_label("g", exact=True).check()
    form.get_by_role("button", name="Save").click()
    error = form.locator('.field[data-field="details.weight.value"] .error')
    error.wait_for(state="visible")
    form.get_by_label("Weight: value").fill("21.5")
    form.get_by_role("button", name="Save").click()
    page.get_by_role("cell", name="21.5").wait_for()
    assert rosa.get(log["@url"]).json["entries"][0]["details"] == {"weight": {"value": 21.5, "unit": "g"}}
