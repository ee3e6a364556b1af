"""The care team in a real browser: a client writes in the conversation (a chat, newest at the bottom), a
professional's remark shows under the record, and the client makes an invitation whose code the page shows."""
import re

from tests.conftest import create_user, link, sign_in
from tests.browser.conftest import shot, sign_in_page
from tests.browser.test_pages_browser import seed


def test_a_client_chats_and_invites(app, testapp, live_server, page):
    carol, own = seed(testapp)
    create_user(app, "pat", "professional", first_name="Pat", last_name="Therapist")
    create_user(app, "admin", "admin")
    sign_in(testapp, "admin").post(link(sign_in(testapp, "pat").me(), "caseload"), json={"client": own["@url"]},
                                   status=201)
    pat = sign_in(testapp, "pat")
    pat.post(link(own, "messages"), json={"text": "How was the week?"}, status=201)
    mood = carol.post(link(own, "moods"), json={"mood": "calm"}, status=201).json
    pat.post(link(mood, "feedback"), json={"text": "Glad to read this"}, status=201)

    sign_in_page(page, live_server, "carol")
    page.goto(link(own, "messages").replace("http://example.com", live_server))
    page.get_by_label("Your message").fill("Better, thank you")
    page.get_by_role("button", name="Send").click()
    last = page.locator(".bubble").last
    last.get_by_text("Better, thank you").wait_for()
    assert "mine" in last.get_attribute("class")
    assert page.locator(".bubble").first.get_by_text("How was the week?").is_visible()
    shot(page, "conversation")

    page.goto(mood["@url"].replace("http://example.com", live_server))
    assert page.locator("#feedback-h ~ .bubbles").get_by_text("Glad to read this").is_visible()

    page.goto(link(own, "relatives").replace("http://example.com", live_server))
    shot(page, "relatives")
    # Each box starts with its heading: no empty band above it, no box in the box.
    invite = page.locator("section.box", has=page.get_by_role("heading", name="Invite someone close"))
    band = invite.evaluate("box => box.querySelector('h2').getBoundingClientRect().top - box.getBoundingClientRect().top")
    assert band <= 20, band
    assert invite.locator("form").evaluate("form => getComputedStyle(form).borderTopWidth") == "0px"
    page.get_by_label("Moods").check()
    page.get_by_role("button", name="Make an invitation").click()
    code = page.locator(".code-to-pass strong")
    code.wait_for()
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", code.inner_text())
    shot(page, "invitation")
    passed_on = page.locator("section.box.invitation")
    assert passed_on.evaluate("box => box.querySelector('h2').getBoundingClientRect().top - "
                              "box.getBoundingClientRect().top") <= 20
