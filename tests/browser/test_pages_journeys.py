"""A client's and a professional's day in Chromium, at 1200 and 360 pixels wide (API.md §15).

The client signs in, ticks today's item, answers the questionnaire her professional assigned, writes one entry
of each type her diary holds through its form, reads the feedback on an entry, sends a message, deletes a
record (after confirming; cancelling keeps it) and stays signed in past the access token. The professional
finds the flagged client first in the caseload, opens the flagged answer, acknowledges it and replies.

Every page either of them meets passes axe-core with no violation and does not scroll sideways (`Walk.check`), and
every same-origin link on those pages, fetched with the browser's own cookies, answers neither 405 nor 5xx (nor 403)
(`Walk.crawl`). axe-core's script comes from the axe-playwright-python package (the `testing` extra), never
fetched at run time."""
import datetime
import functools
import pathlib
import re
import threading
import time
import zoneinfo

import pytest

from hyperdiary import main, server as hyperdiary_server
from hyperdiary.models import dispose
from tests.conftest import create_user, link, sign_in, stop_server
from tests.browser.conftest import new_page, shot, sign_in_page

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
PHQ9 = "https://ns.hyperdiary.org/diary/schema/entry/phq-9:1"
SLEEP = "https://ns.hyperdiary.org/diary/schema/entry/sleep:1"
FLAG = "Thoughts of being better off dead or of self-harm (question 9)"
WIDTHS = [1200, 360]
# What a browser asks for when a person follows a link.
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@functools.cache
def axe_script() -> str:
    import axe_playwright_python

    return (pathlib.Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


class Walk:
    """One person's walk through the pages at one width. `check` is the page as a person meets it; it also
    keeps the page's same-origin links, which `crawl` follows at the end."""

    def __init__(self, page, base, width):
        self.page, self.base, self.width = page, base, width
        self.visited, self.links = [], {}  # link: the first page it was found on
        self.status = None  # the last page's HTTP status
        page.on("response", lambda response: response.frame == page.main_frame
                and response.request.is_navigation_request() and setattr(self, "status", response.status))

    def local(self, url: str) -> str:
        """An @url the API wrote in process (example.com's), or a path, on the live server."""
        return self.base + url if url.startswith("/") else url.replace("http://example.com", self.base)

    def api(self, url: str) -> str:
        return url.replace(self.base, "http://example.com")

    def goto(self, url: str, again=False):
        self.page.goto(self.local(url))
        self.check(again)

    def check(self, again=False):
        page = self.page
        page.wait_for_load_state("load")
        assert self.status < 400, f"{page.url} answered {self.status}"
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            href = href.split("#", 1)[0]
            if href.startswith(self.base + "/"):
                self.links.setdefault(href, page.url)
        if page.url in self.visited and not again:
            return  # the same page as before, with a row more or less
        page.evaluate(axe_script())
        found = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ("
                              "{id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")
        assert found == [], (page.url, found)
        wide, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        assert wide <= inner, f"{page.url} scrolls sideways at {self.width} px: {wide} > {inner}"
        # No value squeezed into a column a few letters wide by its long label (a PHQ-9 question's).
        squeezed = page.evaluate("[...document.querySelectorAll('dl.fields > dd')].filter(dd => "
                                 "dd.textContent.trim().length > 4 && dd.getBoundingClientRect().width < 64)"
                                 ".map(dd => dd.previousElementSibling.textContent.slice(0, 40))")
        assert squeezed == [], (page.url, squeezed)
        # A name that ends in "?" takes no colon after it: a table's stacked rows on a phone (their column's
        # name before each value), a row's details.
        stacked = page.evaluate("[...document.querySelectorAll('td[data-label]')].map(td => getComputedStyle(td, "
                                "'::before').content).filter(c => /[?:.!]\\s*:/.test(c))")
        assert stacked == [] and "?:" not in page.locator("main").inner_text(), (page.url, stacked)
        self.visited.append(page.url)

    def crawl(self):
        """Every link of every page visited, followed as the browser would (its cookies, its Accept): no
        dead end (405), none the person may not follow (403) and no fault (5xx)."""
        request = self.page.context.request
        answers = {url: request.get(url, headers=HTML).status for url in sorted(self.links)}
        assert {f"{url} (on {self.links[url]})": status for url, status in answers.items()
                if status in (403, 405) or status >= 500} == {}
        return answers


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def sized(request, browser):
    with new_page(browser, request.param, 800) as page:
        yield page, request.param


def today_in(zone: str) -> str:
    return datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date().isoformat()


def seed(app, testapp, carol, pat, caseload):
    """Carol (Pat's client, in Amsterdam) with a goal due today, a PHQ-9 Pat assigned due today, an entry
    Pat gave feedback on and a message from Pat; Anna, Pat's other client, with nothing to flag."""
    own = carol.client()
    carol.patch(own["@url"], json={"time_zone": "Europe/Amsterdam"})
    start = datetime.datetime.now(datetime.UTC).replace(hour=8, minute=0, second=0, microsecond=0) - \
        datetime.timedelta(days=1)
    carol.post(link(own, "goals"), json={
        "title": "Breathe for a minute", "is_onetime": False, "frequency": "Daily",
        "startdate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "targetdate": (start + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")}, status=201)
    pat.post(link(pat.get(caseload).json, "questionnaires"),
             json={"schema": PHQ9, "every_days": 7, "first_due": today_in("Europe/Amsterdam")}, status=201)
    # Five days of her diary (what the home's charts show), the last this morning.
    for day in range(5, 0, -1):
        when = (start - datetime.timedelta(days=day - 2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        carol.post(link(own, "diary.entries"), json={"@type": SLEEP, "dt": when, "sleep_quality": 1 + day % 5},
                   status=201)
        written = carol.post(link(own, "diary.entries"), json={
            "@type": EMOTION, "dt": when, "emotion": ("sad", "happy", "scared")[day % 3], "intensity": 1 + day % 5,
            "situation": "A hard morning at work"}, status=201).json
    pat.post(link(written, "feedback"), json={"text": "Well noticed: what helped after?"}, status=201)
    pat.post(link(own, "messages"), json={"text": "How was the week?"}, status=201)
    create_user(app, "anna", "client", first_name="Anna", last_name="Able")
    anna = sign_in(testapp, "anna").client()
    sign_in(testapp, "admin").post(link(pat.me(), "caseload"), json={"client": anna["@url"]}, status=201)
    return carol.client(), written


def entries_form(page, title):
    return page.locator("form.write", has=page.get_by_role("heading", name=f"New entry: {title}", exact=True))


def field(form, name):
    return form.locator(f'.field[data-field="{name}"]')


# Each entry type of a new diary, written as a person would: what they fill in, and what must be stored
# (exactly: an untouched control sends nothing).
ENTRIES = {
    "Activity log": (lambda form: (
        form.get_by_label("What did you do?").fill("A walk in the park"),
        form.get_by_label("Social").check(),
        form.get_by_label("Pleasure").fill("7")),
        {"activity": "A walk in the park", "category": "social", "pleasure": 7}),
    "Emotion": (lambda form: (
        form.get_by_label("Scared").check(),
        form.get_by_label("How strong is this emotion?").fill("2"),
        form.get_by_label("Situation").fill("Before the dentist")),
        {"emotion": "scared", "intensity": 2, "situation": "Before the dentist"}),
    "Moment": (lambda form: form.get_by_label("Text").fill("The sun on the balcony"),
               {"text": "The sun on the balcony"}),
    "Sleep log": (lambda form: (
        form.get_by_label("How well did you sleep?").fill("4"),
        form.get_by_label("Hours slept").fill("7.5"),
        form.get_by_label("Notes").fill("Woke once, fell asleep again")),
        {"sleep_quality": 4, "hours": 7.5, "notes": "Woke once, fell asleep again"}),
    "Thought record": (lambda form: (
        form.get_by_label("Situation").fill("A friend did not answer"),
        form.get_by_label("Automatic thought").fill("She is angry with me"),
        form.get_by_label("Mind reading").check()),
        {"situation": "A friend did not answer", "automatic_thought": "She is angry with me",
         "distortions": ["mind_reading"]}),
}


def write(walk, entries_url, title, fill):
    """One entry through its form on the entries page; answers the new entry's @url (the page it shows)."""
    walk.goto(entries_url)
    form = entries_form(walk.page, title)
    fill(form)
    form.get_by_role("button", name="Save").click()
    walk.page.wait_for_url(re.compile(r"/diary/entries/[0-9a-f]{32}/$"))
    walk.check()
    assert walk.page.get_by_role("heading", level=1).inner_text().startswith(f"{title}, ")
    return walk.api(walk.page.url)


def stored(api, url) -> dict:
    return {key: value for key, value in api.get(url).json.items()
            if not key.startswith("@") and value is not None and key not in ("dt", "feedback_count", "score")}


def test_a_clients_day(app, testapp, client, professional, caseload, live_server, sized):
    from playwright.sync_api import expect

    page, width = sized
    carol = client
    own, with_feedback = seed(app, testapp, carol, professional, caseload)
    walk = Walk(page, live_server, width)
    walk.goto("/")
    sign_in_page(page, live_server, "carol")
    walk.check(again=True)  # signed in, the start page is her home
    home = page.locator("main")
    due = home.locator("h3", has_text="Questionnaires to fill in")
    assert due.is_visible() and due.locator(".badge").inner_text() == "1"
    assert home.get_by_text("1 unread").is_visible()
    shot(page, f"client-home-{width}", full_page=False)

    # Today's item, ticked from the home.
    page.get_by_role("button", name="Done: Breathe for a minute").click()
    page.get_by_text("✓ done").wait_for()
    walk.check(again=True)
    tracker = carol.get(link(own, "goals.tracker"), params={"fromdate": today_in("Europe/Amsterdam"),
                                                            "todate": today_in("Europe/Amsterdam")}).json
    assert [item["iscompleted"] for day in tracker["goaltracker"] for item in day["goals"]] == [True]

    # The questionnaire due, from the home: its own form on the entries page, in view.
    page.get_by_role("link", name="Fill in PHQ-9", exact=True).click()
    walk.check()
    if width == 360:
        shot(page, "phone-entries", full_page=False)
    form = entries_form(page, "PHQ-9")
    assert page.url.endswith("#" + form.get_attribute("id"))
    expect(form.get_by_role("heading", name="New entry: PHQ-9")).to_be_in_viewport()
    for n in range(1, 10):
        field(form, f"q{n}").get_by_label("Several days" if n in (1, 2, 4) else "Not at all").check()
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/diary/entries/[0-9a-f]{32}/$"))
    walk.check()
    assert page.get_by_text("The PHQ-9 score is 3: minimal.").is_visible()
    assert carol.get(link(own, "questionnaires.due")).json["@items"] == []

    # Each entry type of her diary, through its form: what she touched is stored, nothing else.
    configured = carol.get(link(own, "diary.configuration")).json["@schemas"]
    titles = {schema["title"] for schema in configured} - {"PHQ-9"}
    assert titles == set(ENTRIES), titles
    written = {}
    for title, (fill, expected) in ENTRIES.items():
        written[title] = write(walk, link(own, "diary.entries.items"), title, fill)
        assert stored(carol, written[title]) == expected, title

    # The feedback Pat gave on an entry, under it.
    walk.goto(with_feedback["@url"])
    feedback = page.locator("#feedback-h ~ .bubbles .bubble")
    assert feedback.get_by_text("Well noticed: what helped after?").is_visible()
    # Who and when, in her words and her time zone (Amsterdam's, an hour or two ahead of UTC).
    who = " ".join(feedback.locator(".who").inner_text().split())
    assert re.fullmatch(r"Pat Therapist · \d{4}-\d{2}-\d{2} \d{2}:\d{2}", who), who
    sent = professional.get(link(with_feedback, "feedback")).json["@items"][0]["sent"]
    assert who.endswith(datetime.datetime.fromisoformat(sent).astimezone(
        zoneinfo.ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%d %H:%M")), (who, sent)

    # A message, from the home's link to the conversation.
    walk.goto("/")
    page.locator("main").get_by_role("link", name="Read and reply", exact=True).click()
    walk.check()
    page.get_by_label("Your message").fill("Better, thank you")
    page.get_by_role("button", name="Send").click()
    page.locator(".bubble.mine").get_by_text("Better, thank you").wait_for()
    walk.check(again=True)
    assert [m["text"] for m in carol.get(link(own, "messages")).json["@items"]] == \
        ["Better, thank you", "How was the week?"]

    # A chart's page, its numbers unfolded: a table that does not push the page sideways.
    walk.goto(carol.get(link(own, "charts")).json["@items"][0]["@url"])
    page.get_by_text("The table,").click()
    walk.check(again=True)

    # Deleting asks first; "No, keep it" keeps the record.
    moment = written["Moment"]
    walk.goto(moment)
    ask, really = page.get_by_text("Delete…"), page.get_by_role("button", name="Yes, delete")
    assert not really.is_visible()
    ask.click()
    walk.check(again=True)  # the question open
    page.get_by_role("button", name="No, keep it").click()
    really.wait_for(state="hidden")
    page.reload()
    carol.get(moment, status=200)
    ask.click()
    really.click()
    page.wait_for_url(lambda url: url != walk.local(moment))
    walk.check()
    carol.get(moment, status=404)

    answers = walk.crawl()
    assert len(walk.visited) >= 12 and len(answers) >= 30, (len(walk.visited), len(answers))


@pytest.fixture(scope="module")
def short_lived(app_settings):
    """The app again, on the same database, with a 2-second access token (its settings say so): what a
    browser sign-in meets when a person takes longer than the access token over a form."""
    app = main({}, **dict(app_settings, **{"hyperdiary.token.access_ttl": "2"}))
    server = hyperdiary_server.create_server(app, host="127.0.0.1", port=0, threads=4)
    runner = threading.Thread(target=server.run, name="waitress-short", daemon=True)
    runner.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stop_server(server, runner)
    dispose(app.registry)


def access_ended(page):
    """Waits until the browser has dropped the access token's cookie (it lives as long as the token)."""
    deadline = time.monotonic() + 10
    while "hd_access" in {c["name"] for c in page.context.cookies()}:
        assert time.monotonic() < deadline, "the access cookie outlived its token"
        time.sleep(0.1)
    assert "hd_refresh" in {c["name"] for c in page.context.cookies()}


def test_a_client_stays_signed_in_past_the_access_token(testapp, client, short_lived, sized):
    page, width = sized
    own = client.client()
    walk = Walk(page, short_lived, width)
    sign_in_page(page, short_lived, "carol")
    walk.goto(link(own, "diary.entries.items"))
    form = entries_form(page, "Emotion")
    form.get_by_label("Happy").check()
    form.get_by_label("How strong is this emotion?").fill("3")
    form.get_by_label("Situation").fill("Written slowly")
    # Sent as soon as the access token has ended (its cookie with it; the refresh cookie lives on), before
    # the page's own renewal (at least 5 s after it loaded, pages.js) would have renewed it.
    access_ended(page)
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/diary/entries/[0-9a-f]{32}/$"))
    walk.check()
    assert page.get_by_text("Written slowly").is_visible()
    assert page.get_by_text("Signed in as carol").is_visible()
    assert client.get(walk.api(page.url)).json["situation"] == "Written slowly"
    # A page opened after the access token ended is shown signed in (renewed, then reloaded).
    access_ended(page)
    page.goto(walk.local(own["@url"]))
    page.get_by_text("Signed in as carol").wait_for()
    walk.check()


def test_a_professionals_day(app, testapp, client, professional, caseload, live_server, sized):
    page, width = sized
    own, _ = seed(app, testapp, client, professional, caseload)
    flagged = client.post(link(own, "diary.entries"), json={
        "@type": PHQ9, "dt": "2024-05-02T09:00:00Z", **{f"q{n}": 1 for n in range(1, 10)}}, status=201).json
    walk = Walk(page, live_server, width)
    sign_in_page(page, live_server, "pat")
    walk.check()

    def caseload_names():
        return [row.get_by_role("link").first.inner_text()
                for row in page.locator("table.caseload tbody tr").all()]

    # Carol needs attention: first, although Anna comes first by name.
    assert caseload_names() == ["Carol Client", "Anna Able"]
    assert page.locator("table.caseload tbody tr").first.get_by_text("needs attention").is_visible()
    if width == 1200:
        shot(page, "professional-home", full_page=False)

    # Carol's page, her answers that need attention, the flagged answer.
    page.get_by_role("link", name="Carol Client").click()
    walk.check()
    page.locator("main").get_by_role("link", name="Needs attention", exact=True).click()
    walk.check()
    flagged_row = page.locator("table.items tbody tr").first
    flagged_row.get_by_role("link", name="See the answer", exact=True).click()
    page.wait_for_url(walk.local(flagged["@url"]))
    walk.check()
    assert page.get_by_text(f"Needs attention: {FLAG}").is_visible()
    assert "q9" not in page.locator("main").inner_text()  # the flag by its label, never its field's name
    if width == 1200:
        shot(page, "flagged-answer", full_page=False)

    # Acknowledged: one button, on the flagged answer's item in the list of what needs attention.
    page.go_back()
    assert FLAG in flagged_row.inner_text()
    flagged_row.get_by_role("link", name="Review the flag", exact=True).click()
    walk.check()
    assert FLAG in page.locator("main").inner_text() and "q9" not in page.locator("main").inner_text()
    page.get_by_role("button", name="Mark as acknowledged").click()
    page.get_by_text("yes", exact=True).first.wait_for()
    walk.check(again=True)
    item = professional.get(link(professional.get(own["@url"]).json, "attention")).json["@items"][0]
    assert item["acknowledged"] is True and item["acknowledged_by"] == professional.me()["@url"]

    # A reply: feedback on the answer, and a message.
    walk.goto(flagged["@url"])
    page.get_by_label("Your feedback").fill("Thank you for telling me. Let us talk tomorrow.")
    page.get_by_role("button", name="Add").click()
    page.locator(".bubble.mine").get_by_text("Let us talk tomorrow").wait_for()
    walk.check(again=True)
    walk.goto(link(own, "messages"))
    page.get_by_label("Your message").fill("I read your answers. Call me when you like.")
    page.get_by_role("button", name="Send").click()
    page.locator(".bubble.mine").get_by_text("Call me when you like").wait_for()
    walk.check(again=True)
    assert [f["text"] for f in professional.get(link(flagged, "feedback")).json["@items"]] == \
        ["Thank you for telling me. Let us talk tomorrow."]

    # Acknowledged, Carol is no longer first.
    walk.goto("/", again=True)
    assert caseload_names() == ["Anna Able", "Carol Client"]

    answers = walk.crawl()
    assert len(walk.visited) >= 10 and len(answers) >= 20, (len(walk.visited), len(answers))
