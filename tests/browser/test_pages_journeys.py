"""A client and a professional in Chromium at 1200 and 360 pixels wide (API.md §15): every page they visit passes
axe-core with no violation and does not scroll sideways; a client writes an entry, deletes one after
confirming, and stays signed in past the access token. axe-core's script comes from the axe-playwright-python
package (installed with the `testing` extra), never fetched at run time."""
import datetime
import pathlib
import re
import time

import pytest

from tests.conftest import link
from tests.browser import conftest as browser_conftest
from tests.browser.conftest import sign_in_page

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
WIDTHS = [1200, 360]


def shot(page, name):
    """A screenshot of what the screen shows (not the whole page: a phone's pages are long), when
    HYPERDIARY_SCREENSHOTS names a folder."""
    if browser_conftest.SCREENSHOTS:
        folder = pathlib.Path(browser_conftest.SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))


def axe_script() -> str:
    import axe_playwright_python

    return (pathlib.Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def sized(request, browser):
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    hosts = []
    page.on("request", lambda r: hosts.append(r.url.split("/")[2]))
    yield page, width
    context.close()
    assert {host for host in hosts if not host.startswith("127.0.0.1:")} == set(), hosts


def checked(page, width, visited):
    """The page as a person meets it: no axe-core violation, no sideways scrolling."""
    page.wait_for_load_state("load")
    page.evaluate(axe_script())
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                          "v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")
    assert found == [], (page.url, found)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, (page.url, wide, width)
    visited.append(page.url)


def seed(carol):
    """Carol (in Pat's caseload: the `caseload` fixture) with a week of entries and a goal."""
    own = carol.client()
    carol.patch(own["@url"], json={"time_zone": "Europe/Amsterdam"})
    for day in range(1, 8):
        carol.post(link(own, "diary.entries"), json={
            "@type": EMOTION, "dt": f"2024-04-{day:02d}T09:30:00Z", "emotion": ("happy", "sad")[day % 2],
            "intensity": 1 + day % 5, "situation": f"A long situation on day {day} that goes on and on and on"},
            status=201)
    carol.post(link(own, "goals"), json={"title": "Walk every day", "is_onetime": False, "frequency": "Daily",
                                         "startdate": "2024-05-01T08:00:00Z", "targetdate": "2024-05-07T08:00:00Z"},
               status=201)
    start = datetime.datetime.now(datetime.UTC).replace(hour=8, minute=0, second=0, microsecond=0) - \
        datetime.timedelta(days=1)
    carol.post(link(own, "goals"), json={"title": "Breathe for a minute", "is_onetime": False, "frequency": "Daily",
                                         "startdate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                         "targetdate": (start + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")},
               status=201)
    return own


def test_a_client_at_each_width(app, client, caseload, live_server, sized):
    page, width = sized
    carol, own = client, seed(client)
    local = lambda url: url.replace("http://example.com", live_server)  # noqa: E731
    visited = []
    page.goto(live_server + "/")
    checked(page, width, visited)
    sign_in_page(page, live_server, "carol")
    checked(page, width, visited)
    shot(page, f"client-home-{width}")
    # Today's item, ticked from the home.
    page.get_by_role("button", name="Done: Breathe for a minute").click()
    page.get_by_text("✓ done").wait_for()
    checked(page, width, visited)
    for url in (own["@url"], link(own, "diary"), link(own, "diary.entries.items"), link(own, "goals"),
                link(own, "journals")):
        page.goto(local(url))
        checked(page, width, visited)
    page.goto(local(link(own, "diary.entries.items")))
    if width == 360:
        shot(page, "phone-entries")

    # An entry through its form, then deleted after confirming.
    form = page.locator("form.write", has=page.get_by_role("heading", name="New entry: Emotion"))
    form.get_by_label("Sad").check()
    form.locator('input[name="intensity"]').fill("3")
    form.get_by_label("Situation").fill("From the journey")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/diary/entries/[0-9a-f]{32}/$"))
    checked(page, width, visited)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Emotion, ")
    entry_url = page.url
    page.get_by_text("Delete…").click()
    page.get_by_role("button", name="Yes, delete").click()
    page.wait_for_url(lambda url: url != entry_url)
    assert all(item.get("situation") != "From the journey" for item in
               carol.get(link(own, "diary.entries.items") + "?limit=100").json["@items"] if "@deleted" not in item)

    # Past the access token: a form sent after it ended is saved (the pages renew with the refresh cookie).
    ttl = app.registry["token_ttl"]
    access = ttl.access
    ttl.access = 2
    try:
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("link", name="Sign in").first.wait_for()
        sign_in_page(page, live_server, "carol")
        page.goto(local(link(own, "diary.entries.items")))
        form = page.locator("form.write", has=page.get_by_role("heading", name="New entry: Emotion"))
        form.get_by_label("Happy").check()
        form.locator('input[name="intensity"]').fill("2")
        form.get_by_label("Situation").fill("After the token")
        time.sleep(3)
        form.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"/diary/entries/[0-9a-f]{32}/$"))
        assert page.get_by_text("After the token").is_visible()
        assert page.get_by_text("Signed in as carol").is_visible()
        # A page opened after the access token ended is shown signed in (renewed, then reloaded).
        time.sleep(3)
        page.goto(local(own["@url"]))
        page.get_by_text("Signed in as carol").wait_for()
    finally:
        ttl.access = access
    assert len(visited) >= 8


def test_a_professional_at_each_width(client, professional, caseload, live_server, sized):
    page, width = sized
    pat, own = professional, seed(client)
    visited = []
    sign_in_page(page, live_server, "pat")
    checked(page, width, visited)
    if width == 1200:
        shot(page, "professional-home")
    for name in ("caseload", "clients"):
        if name in {entry["name"] for entry in pat.root()["@links"]}:
            page.goto(link(pat.root(), name).replace("http://example.com", live_server))
            checked(page, width, visited)
    page.goto(own["@url"].replace("http://example.com", live_server))
    checked(page, width, visited)
    page.goto(link(own, "diary.entries.items").replace("http://example.com", live_server))
    checked(page, width, visited)
    assert len(visited) >= 3
