"""Browser tests: Playwright for Python driving the system's Chromium (Debian's `chromium` package). Nothing
is downloaded: no `playwright install`; without /usr/bin/chromium these tests skip and say how to get it."""
import contextlib
import os
import pathlib

import pytest

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("HYPERDIARY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# Where screenshots go when asked for (`HYPERDIARY_SCREENSHOTS=docs/screenshots make test ...`).
SCREENSHOTS = os.environ.get("HYPERDIARY_SCREENSHOTS")


@pytest.fixture(scope="session")
def browser():
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"No Chromium at {CHROMIUM}: install it with `apt-get install chromium` (Debian; .ci/run does) "
                    "or point HYPERDIARY_CHROMIUM at one; Playwright's own browser download is never used.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@contextlib.contextmanager
def new_page(browser, width=1200, height=900):
    """A page in a fresh browser context (no cookies) `width` pixels wide."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Nothing a page loads may come from another host.
    hosts = []
    page.on("request", lambda request: hosts.append(request.url.split("/")[2]))
    yield page
    context.close()
    assert {host for host in hosts if not host.startswith("127.0.0.1:")} == set(), hosts


@pytest.fixture
def page(browser):
    with new_page(browser) as page:
        yield page


def shot(page, name, clip=None, full_page=True):
    """A screenshot of the page (or of the `clip` locator's element; or, not `full_page`, of what the screen
    shows: a phone's pages are long) when HYPERDIARY_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        folder = pathlib.Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        if clip is not None:
            clip.screenshot(path=str(folder / f"{name}.png"))
        else:
            page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def sign_in_page(page, base, username):
    """Signs `username` in on the start page's form, as a person would, and waits for the page to say so."""
    page.goto(base + "/")
    page.get_by_label("Username").first.fill(username)
    page.get_by_label("Password").first.fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {username}").wait_for()
