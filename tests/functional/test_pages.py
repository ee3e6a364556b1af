"""The HTML pages (API.md §10): negotiation and Vary, links exactly as in the JSON, forms for exactly the writes the
caller may make, escaping, the page's CSP, the cookie sign-in with its CSRF check, charts and the schema preview."""
import json
import re

import pytest
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD, Api, link, link_names

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
XSS = "<script>alert(1)</script>"
GRATITUDE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://clinic.example.org/schemas/gratitude:1",
    "title": "Gratitude", "type": "object", "required": ["grateful_for"], "additionalProperties": False,
    "properties": {
        "grateful_for": {"type": "string", "title": "What are you grateful for?"},
        "strength": {"type": "integer", "title": "How strongly?", "minimum": 1, "maximum": 3, "x-widget": "slider"},
        "mood": {"title": "Mood", "oneOf": [
            {"const": "up", "title": "Upbeat", "x-icon": "icons/up.svg"},
            {"const": "down", "title": "Down", "x-icon": "icons/down.svg"}]}},
    "x-resources": [{"name": "icons/up.svg", "url": "data:image/svg+xml;base64,PHN2Zy8+"}],
}


def page(api, url, status=200):
    response = api.get(url, headers=HTML, status=status)
    assert response.content_type == "text/html"
    return response, BeautifulSoup(response.text, "html.parser")


def page_links(soup) -> list[tuple[str, str]]:
    nav = soup.find("nav", class_="links")
    return [] if nav is None else [(a.get_text(), a["href"]) for a in nav.find_all("a")]


def json_links(api, body) -> list[tuple[str, str]]:
    """The JSON's links as a page shows them: in words (words.py), those that only take writes (a GET answers
    405) left out."""
    from hyperdiary.pages import words
    return [(words.link_label(entry["name"]), entry["url"]) for entry in body["@links"]
            if entry["name"] != "next" and entry["name"] not in words.FOR_PROGRAMS
            and api.get(entry["url"], status="*").status_int != 405]


def forms(soup) -> list[tuple[str, str]]:
    """(method, action) of every write form of the page."""
    return [(form["data-method"], form["action"]) for form in soup.find_all("form", class_="write")]


# --- negotiation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/html;q=0.9",
                                    "text/html;q=0.5, application/json"])
def test_json_stays_json(client, accept):
    headers = {"Accept": accept} if accept else {}
    own = client.client()
    response = client.get(own["@url"], headers=headers)
    assert response.content_type == "application/json"
    assert response.json == own
    assert "Accept" in response.headers["Vary"]


def test_a_browser_gets_the_page_with_vary_and_its_csp(client):
    response, soup = page(client, client.client()["@url"])
    assert "Accept" in response.headers["Vary"]
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    # Everything the page loads comes from this server; no script is inline.
    assert all(script.get("src", "").startswith("http://example.com/static/") for script in soup.find_all("script"))
    assert all(not script.string for script in soup.find_all("script"))
    assert soup.find("link", rel="stylesheet")["href"].startswith("http://example.com/static/")
    assert response.etag  # the record's ETag stays
    css = client.get(soup.find("link", rel="stylesheet")["href"])
    assert css.content_type == "text/css"


def test_errors_get_a_page(client, anonymous):
    url = client.client()["@url"]
    response, soup = page(anonymous, url, status=401)
    assert soup.h1.get_text().startswith("401")
    assert soup.find("a", href="http://example.com/#signin")
    response, soup = page(client, url + "journals/" + "0" * 32 + "/", status=404)
    assert soup.h1.get_text().startswith("404")
    response, soup = page(client, link(client.client(), "moods.stats") + "?fromdate=someday", status=400)
    assert "fromdate" in soup.find("ul", class_="problems").get_text()


# --- links and forms ------------------------------------------------------------------------------------


def test_links_are_those_of_the_json(client, professional, caseload, anonymous, admin):
    cases = [(anonymous, "http://example.com/"), (client, "http://example.com/"), (professional, "http://example.com/"),
             (admin, "http://example.com/"), (client, caseload), (professional, caseload)]
    for api, url in cases:
        body = api.get(url).json
        assert page_links(page(api, url)[1]) == json_links(api, body), (api.username, url)
    diary = link(client.client(), "diary")
    for api in (client, professional):
        assert page_links(page(api, diary)[1]) == json_links(api, api.get(diary).json)


def test_next_link_of_a_listing(client):
    entries, items = link(client.client(), "diary.entries"), link(client.client(), "diary.entries.items")
    for day in (1, 2, 3):
        client.post(entries, json={"@type": EMOTION, "dt": f"2024-04-0{day}T10:00:00Z", "emotion": "sad",
                                   "intensity": 2}, status=201)
    body = client.get(items + "?limit=2").json
    soup = page(client, items + "?limit=2")[1]
    assert soup.find("a", rel="next")["href"] == link(body, "next")
    rows = soup.find("table", class_="items").tbody.find_all("tr")
    assert [row.find("a")["href"] for row in rows] == [item["@url"] for item in body["@items"]]
    # Choices by their titles, dates in the client's zone.
    assert "Sad" in rows[0].get_text() and "2024-04-03 10:00" in rows[0].get_text()
    client.patch(client.client()["@url"], json={"time_zone": "Asia/Tokyo"})
    assert "2024-04-03 19:00" in page(client, items + "?limit=2")[1].find("table", class_="items").get_text()
    assert page(client, link(body, "next"))[1].find("a", rel="next") is None


def test_a_sync_listing_with_a_live_entry_after_a_deleted_one(client):
    """A `modified_after` listing holds tombstones among the live entries: a row after a tombstone still shows
    its time (the table's deleted row once overwrote the function that writes times: a 500)."""
    entries, items = link(client.client(), "diary.entries"), link(client.client(), "diary.entries.items")
    made = [client.post(entries, json={"@type": EMOTION, "dt": f"2024-04-0{day}T10:00:00Z", "emotion": "sad",
                                       "intensity": 2}, status=201).json for day in (1, 2)]
    client.delete(made[1]["@url"], headers={"If-Match": client.get(made[1]["@url"]).headers["ETag"]}, status=204)
    client.patch(made[0]["@url"], json={"intensity": 3},
                 headers={"If-Match": client.get(made[0]["@url"]).headers["ETag"]})
    url = items + "?modified_after=2000-01-01T00:00:00Z"
    assert [item.get("@deleted", False) for item in client.get(url).json["@items"]] == [True, False]
    rows = page(client, url)[1].find("table", class_="items").tbody.find_all("tr")
    assert "deleted" in rows[0]["class"] and "2024-04-01 10:00" in rows[1].get_text()


def test_forms_for_the_writes_the_caller_may_make(client, professional, caseload):
    own = client.client()
    entries, items = link(own, "diary.entries"), link(own, "diary.entries.items")
    configured = client.get(link(own, "diary.configuration")).json["@schemas"]
    # The client writes entries: one form per configured type, on the listing; the professional none.
    soup = page(client, items)[1]
    assert forms(soup) == [("POST", entries)] * len(configured)
    assert [f.h3.get_text() for f in soup.find_all("form", class_="write")] == \
        [f"New entry: {s['title']}" for s in configured]
    assert forms(page(professional, items)[1]) == []
    # Both may change the client's name and zone; only the professional configures the diary.
    assert forms(page(client, caseload)[1]) == [("PATCH", caseload)]
    assert forms(page(professional, caseload)[1]) == [("PATCH", caseload)]
    configuration = link(own, "diary.configuration")
    assert forms(page(client, configuration)[1]) == []
    assert forms(page(professional, configuration)[1]) == [("PUT", configuration)]
    # A journal: the client changes, replaces and deletes it; the professional only reads; both give feedback
    # on it (the box under the record, careteam.pages).
    journal = client.post(link(own, "journals"), json={"title": "A walk"}, status=201).json["@url"]
    feedback = ("POST", journal + "feedback/")
    assert sorted(forms(page(client, journal)[1])) == [("DELETE", journal), ("PATCH", journal), feedback,
                                                       ("PUT", journal)]
    assert forms(page(professional, journal)[1]) == [feedback]
    # A change form starts from the current values and guards with the ETag.
    soup = page(client, journal)[1]
    patch = soup.find("form", attrs={"data-method": "PATCH"})
    assert patch.find("input", attrs={"name": "title"})["value"] == "A walk"
    assert patch["data-etag"] == client.get(journal).headers["ETag"]
    # Moods: the mood is a choice of the deployment's list (schemas/mood.json), reasons one per line.
    soup = page(client, link(own, "moods"))[1]
    mood_form = soup.find("form", attrs={"data-method": "POST"})
    assert {i["value"] for i in mood_form.find_all("input", attrs={"name": "mood"})} >= {'"calm"', '"anxious"'}
    assert mood_form.find("textarea", attrs={"name": "reasons"})


def test_entry_form_fields_from_the_schema(client, professional, caseload):
    professional.post(professional.url("schemas"), json=GRATITUDE, status=201)
    configuration = link(client.client(), "diary.configuration")
    professional.put(configuration, json={"schemas": [EMOTION, GRATITUDE["$id"]]})
    soup = page(client, link(client.client(), "diary.entries.items"))[1]
    emotion, gratitude = soup.find_all("form", class_="write")
    assert emotion["data-const-1"] == '{"@type": "%s"}' % EMOTION
    slider = emotion.find("input", attrs={"name": "intensity"})
    assert (slider["type"], slider["min"], slider["max"]) == ("range", "1", "5")
    assert emotion.find("input", attrs={"name": "dt"})["type"] == "datetime-local"
    assert emotion.find("input", attrs={"name": "picture"})["type"] == "file"
    assert [label.get_text(strip=True) for label in emotion.find_all("label", class_="choice")] == \
        ["Happy", "Angry", "Sad", "Scared"]
    # Required fields are marked; every input has its label.
    assert emotion.find("fieldset").legend.find("abbr", class_="req")
    for form in (emotion, gratitude):
        for control in form.find_all(["input", "select", "textarea"]):
            assert form.find("label", attrs={"for": control["id"]}), control
    # Icons are shown where the schema's resource is one the page may load (here inline, `data:`).
    icons = gratitude.find_all("img", class_="icon")
    assert [icon["src"] for icon in icons] == ["data:image/svg+xml;base64,PHN2Zy8+"]


def test_values_are_escaped(client, professional, caseload):
    journals = link(client.client(), "journals")
    journal = client.post(journals, json={"title": XSS, "description": XSS}, status=201).json["@url"]
    entry = {"@type": EMOTION, "dt": "2024-04-01T10:00:00Z", "emotion": "happy", "intensity": 1, "situation": XSS}
    client.post(link(client.client(), "diary.entries"), json=entry, status=201)
    # A second type makes the listing's table mixed (its fields in one "details" cell, written by a shorter
    # path); a text shaped like a time up to its 14th character is text all the same.
    moment = "https://ns.hyperdiary.org/diary/schema/entry/moment:1"
    client.post(link(client.client(), "diary.entries"), json={"@type": moment, "dt": "2024-04-02T10:00:00Z",
                                                              "text": "2024-04-01T10:" + XSS}, status=201)
    client.patch(client.client()["@url"], json={"name": XSS})
    # Only http(s) values are links: a `javascript:` URL stays text.
    other = client.post(journals, json={"title": "javascript:alert(1)"}, status=201).json["@url"]
    for url in (other, journals):
        assert 'href="javascript:' not in page(client, url)[0].text
    for api, url in ((client, journal), (client, journals), (professional, journals),
                     (client, link(client.client(), "diary.entries.items")), (professional, caseload)):
        response = page(api, url)[0]
        assert XSS not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    listing = page(client, link(client.client(), "diary.entries.items"))[0].text
    assert "2024-04-01T10:&lt;script&gt;alert(1)&lt;/script&gt;" in listing and XSS not in listing


# --- signing in with a cookie -----------------------------------------------------------------------------


def session_url(testapp):
    return "http://example.com/auth/session"


def test_cookies_are_secure_over_https(testapp, client):
    answer = testapp.post_json("https://example.com/auth/session", {"username": "carol", "password": PASSWORD})
    assert all("secure" in cookie.lower() for cookie in answer.headers.getall("Set-Cookie"))


def test_cookie_sign_in_csrf_and_sign_out(testapp, client):
    anonymous = Api(testapp)
    anonymous.post(session_url(testapp), json={"username": "carol", "password": "wrong"}, status=401)
    assert not testapp.cookies
    answer = anonymous.post(session_url(testapp), json={"username": "carol", "password": PASSWORD})
    assert set(answer.json) == {"user", "expires_in"}  # the tokens stay in the cookies
    cookies = answer.headers.getall("Set-Cookie")
    # The tokens' cookies are HttpOnly; the third says only when the access token ends (for renewal in time).
    secret = [c for c in cookies if not c.startswith("hd_session_ends=")]
    assert all("HttpOnly" in c and "SameSite=Lax" in c for c in secret) and len(secret) == 2 and len(cookies) == 3
    # Pages follow links without headers: the cookie signs them in, and they carry the CSRF token.
    me = anonymous.url("me")
    response, soup = page(anonymous, "http://example.com/")
    assert "Signed in as" in soup.find(class_="who").get_text()
    token = soup.find("meta", attrs={"name": "csrf-token"})["content"]
    own = anonymous.get(link(anonymous.get(me).json, "client")).json
    # A write by cookie needs the CSRF token (another site can make the browser send the cookie, not the header).
    anonymous.patch(own["@url"], json={"name": "Forged"}, status=401)
    assert client.client()["name"] == "Carol Client"
    anonymous.patch(own["@url"], json={"name": "Caroline"}, headers={"X-CSRF-Token": token})
    assert client.client()["name"] == "Caroline"
    # A Bearer request never looks at the cookie.
    anonymous.get(own["@url"], headers={"Authorization": "Bearer nonsense"}, status=401)
    # Signing out revokes the sign-in, in every process: the cookie's token is refused even if kept.
    kept = testapp.cookies["hd_access"]
    anonymous.delete(session_url(testapp), status=204)
    testapp.set_cookie("hd_access", kept)
    anonymous.get(own["@url"], status=401)


# --- charts -----------------------------------------------------------------------------------------------


def charts_of(api, client_body):
    return api.get(link(client_body, "charts")).json["@items"]


def test_charts_listed_for_the_client_and_its_professionals(client, professional, caseload, admin, researcher):
    own = client.client()
    assert "charts" in link_names(own) and "charts" in link_names(professional.get(caseload).json)
    items = charts_of(client, own)
    kinds = [item["kind"] for item in items]
    configured = client.get(link(own, "diary.configuration")).json["@schemas"]
    assert kinds.count("entries") == sum(len(s["charts"]) for s in configured)
    assert kinds[-3:] == ["moods", "journals", "goals"]
    titles = [chart["title"] for schema in configured for chart in schema["charts"]]
    assert [i["title"] for i in items if i["kind"] == "entries"] == titles
    assert charts_of(professional, professional.get(caseload).json) == items
    researcher.get(link(own, "charts"), status=404)
    researcher.get(items[0]["@url"], status=404)
    Api(client.testapp).get(items[0]["@url"], status=401)


def svg(api, url, **params):
    response = api.get(url, params=params, headers={"Accept": "image/svg+xml"})
    assert response.content_type == "image/svg+xml"
    return response.text


def test_chart_svg_for_a_range(client):
    own = client.client()
    client.patch(own["@url"], json={"time_zone": "Europe/Amsterdam"})
    entries, moods = link(own, "diary.entries"), link(own, "moods")
    # 23:30 UTC on 1 April is 2 April in Amsterdam.
    for dt, emotion in (("2024-04-01T23:30:00Z", "happy"), ("2024-04-02T08:00:00Z", "happy"),
                        ("2024-04-03T08:00:00Z", "sad")):
        client.post(entries, json={"@type": EMOTION, "dt": dt, "emotion": emotion, "intensity": 3}, status=201)
    client.post(moods, json={"logdate": "2024-04-02T08:00:00Z", "mood": "calm"}, status=201)
    items = {item["title"]: item["@url"] for item in charts_of(client, own)}
    emotions = items["Emotions per day"]
    data = client.get(emotions, params={"fromdate": "2024-04-01", "todate": "2024-04-07"}).json
    assert data["categories"][:3] == ["2024-04-01", "2024-04-02", "2024-04-03"] and len(data["categories"]) == 7
    series = {s["name"]: s["values"] for s in data["series"]}
    assert series["Happy"][:3] == [0, 2, 0] and series["Sad"][:3] == [0, 0, 1]
    drawing = svg(client, emotions, fromdate="2024-04-01", todate="2024-04-07")
    assert "<title" in drawing and "Emotions per day" in drawing
    assert re.search(r"<desc[^>]*>.*Happy: 1 of 7 days with data, highest 2 on 2024-04-02", drawing)
    assert ">day<" in drawing and ">entries<" in drawing  # labelled axes
    assert "No data" not in drawing
    assert "calm" in svg(client, items["Moods per day"], fromdate="2024-04-01", todate="2024-04-07")
    client.post(link(own, "journals"), json={"journal_timestamp": "2024-04-02T22:30:00Z", "title": "Late"}, status=201)
    journals = client.get(items["Journals per day"], params={"fromdate": "2024-04-01", "todate": "2024-04-07"}).json
    assert journals["series"][0]["values"] == [0, 0, 1, 0, 0, 0, 0]  # 00:30 on 3 April in Amsterdam
    goal = client.post(link(own, "goals"), json={"title": "Walk", "is_onetime": True,
                                                 "startdate": "2024-04-01T10:00:00Z",
                                                 "targetdate": "2024-04-03T10:00:00Z"}, status=201).json
    item = client.get(link(goal, "tracking")).json["@items"][0]["@url"]
    client.patch(item, json={"iscompleted": True})
    weeks = {"fromdate": "2024-03-25", "todate": "2024-04-07"}
    goals = client.get(items["Goals completed per week"], params=weeks).json
    assert goals["categories"] == ["2024-W13", "2024-W14"] and goals["series"][0]["values"] == [0, 1]
    # A line of means: the sleep log's quality per day; a day without entries is a gap.
    sleep = "https://ns.hyperdiary.org/diary/schema/entry/sleep:1"
    for dt, quality in (("2024-04-01T06:00:00Z", 2), ("2024-04-01T14:00:00Z", 5), ("2024-04-03T06:00:00Z", 4)):
        client.post(entries, json={"@type": sleep, "dt": dt, "sleep_quality": quality}, status=201)
    days = {"fromdate": "2024-04-01", "todate": "2024-04-03"}
    quality = client.get(items["Sleep quality per day"], params=days).json
    assert quality["type"] == "line" and quality["series"][0]["values"] == [3.5, None, 4]
    assert svg(client, items["Sleep quality per day"], fromdate="2024-04-01", todate="2024-04-03").count("<polyline") == 2
    # A range without data says so.
    assert "No data from 2023-01-01 to 2023-01-31" in svg(client, emotions, fromdate="2023-01-01", todate="2023-01-31")
    # The default range: the 28 days that end today.
    assert len(client.get(emotions).json["categories"]) == 28
    for params, name in (({"fromdate": "2024-04-07", "todate": "2024-04-01"}, "fromdate"),
                         ({"fromdate": "2020-01-01", "todate": "2024-01-01"}, "todate"),
                         ({"time_zone": "Mars/Base"}, "time_zone"), ({"fromdate": "x"}, "fromdate")):
        response = client.get(emotions, params=params, headers={"Accept": "image/svg+xml"}, status=400)
        assert [p["name"] for p in response.json["extra"]] == [name]


def test_charts_on_the_client_and_diary_pages(client):
    own = client.client()
    for url in (own["@url"], link(own, "diary")):
        soup = page(client, url + "?fromdate=2024-04-01&todate=2024-04-07")[1]
        charts = soup.find("section", class_="charts")
        assert charts.find("input", attrs={"name": "fromdate"})["value"] == "2024-04-01"
        images = charts.find_all("img")
        assert len(images) == len(charts_of(client, own))
        assert all("fromdate=2024-04-01" in img["src"] for img in images)


# --- schema preview ---------------------------------------------------------------------------------------


def test_schema_preview(professional, admin, client, anonymous):
    assert "schemas.preview" in link_names(professional.root()) and "schemas.preview" in link_names(admin.root())
    assert "schemas.preview" not in link_names(client.root()) | link_names(anonymous.root())
    preview = professional.url("schemas.preview")
    before = professional.get(professional.url("schemas")).json["@items"]
    described = professional.post(preview, json=GRATITUDE).json
    assert [f["name"] for f in described["fields"]] == ["grateful_for", "strength", "mood"]
    bad = dict(GRATITUDE, properties={"dt": {"type": "string"}})
    refused = professional.post(preview, json=bad, status=400).json
    assert refused == professional.post(professional.url("schemas"), json=bad, status=400).json
    assert professional.get(professional.url("schemas")).json["@items"] == before  # nothing stored
    client.post(preview, json=GRATITUDE, status=403)
    anonymous.post(preview, json=GRATITUDE, status=401)
    uploaded = professional.post(professional.url("schemas"), json=GRATITUDE, status=201).json
    assert uploaded == described
    # As a page: the form a client would get.
    response = professional.testapp.post_json(preview, GRATITUDE, headers=dict(HTML, **professional.headers))
    soup = BeautifulSoup(response.text, "html.parser")
    sample = soup.find("form", class_="sample")
    assert sample.find("input", attrs={"name": "strength", "type": "range"})
    assert soup.find_all("form", class_="write") == []


def test_a_compressed_answer_still_becomes_a_page(app):
    """Whatever compresses JSON inside the pages' tween (a gzip step of the answer), the page is made of the
    JSON and compressed again."""
    import webob

    from hyperdiary.pages.negotiation import html_tween
    from hyperdiary.request import Request

    def compressed(request):
        response = webob.Response(body=b'{"@url": "http://example.com/x", "@type": "t", "@links": [], "note": "<i>"}',
                                  content_type="application/json")
        response.encode_content("gzip")
        return response

    request = Request.blank("/", headers=HTML)
    request.registry = app.registry
    request.root, request.view_name = app.root_factory(request), ""
    response = html_tween(compressed, app.registry)(request)
    assert response.content_encoding == "gzip" and response.content_type == "text/html"
    response.decode_content()
    assert "&lt;i&gt;" in response.text and "Accept" in response.vary


def test_every_page_reachable_by_links_renders(client, professional, caseload, researcher):
    """Following links from the root (and into items), each GET answers its page with the JSON's status: no
    kind of resource lacks a page. Bounded: at most 120 pages per caller."""
    own = client.client()
    client.post(link(own, "diary.entries"), json={"@type": EMOTION, "dt": "2024-04-01T10:00:00Z",
                                                   "emotion": "happy", "intensity": 2}, status=201)
    journal = client.post(link(own, "journals"), json={"title": "A walk"}, status=201).json
    tagtype = professional.post(professional.url("tagtypes"), json={"name": "trigger"}, status=201).json
    client.post(link(journal, "tags"), json={"tagtype": tagtype["@url"]}, status=201)
    client.post(link(own, "goals"), json={"title": "Walk", "is_onetime": False, "frequency": "Weekly",
                                          "days": ["Monday"], "startdate": "2024-04-01T07:00:00Z",
                                          "targetdate": "2024-04-30T00:00:00Z", "reminder": True,
                                          "remindertime": "07:30"}, status=201)
    client.post(link(own, "moods"), json={"logdate": "2024-04-01T08:00:00Z", "mood": "calm", "reasons": ["sun"]},
                status=201)
    subject = researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    log = researcher.post(researcher.url("subjectlogs"), json={"type": "Weighing", "subject": subject["@url"]},
                          status=201).json
    researcher.patch(link(log, "add_entry"), json={"date_time": "2024-05-01T08:00:00Z",
                                                   "details": {"weight": {"value": 21.5, "unit": "g"}}})
    skip = ("openapi.json", "context.jsonld", "/ics", "/jsonschema")
    for api in (client, professional, researcher):
        seen, queue = set(), ["http://example.com/"]
        while queue and len(seen) < 120:
            url = queue.pop(0)
            if url in seen or url.endswith(skip):
                continue
            seen.add(url)
            answer = api.get(url, status="*")
            response = api.get(url, headers=HTML, status="*")
            assert response.status_code == answer.status_code, url
            if answer.content_type != "application/json":
                continue
            assert response.content_type == "text/html", url
            assert "Traceback" not in response.text
            body = answer.json
            if answer.status_code == 200 and isinstance(body, dict):
                queue += [entry["url"] for entry in body.get("@links", ())]
                queue += [item["@url"] for item in body.get("@items", ())[:3] if isinstance(item, dict)
                          and "@url" in item]
        assert len(seen) > 15, (api.username, seen)


def test_subject_log_entry_forms_from_the_type(researcher):
    subject = researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    log = researcher.post(researcher.url("subjectlogs"), json={"type": "Weighing", "subject": subject["@url"]},
                          status=201).json
    soup = page(researcher, log["@url"])[1]
    add = soup.find("form", attrs={"action": link(log, "add_entry")})
    names = [field["data-field"] for field in add.find_all("div", class_="field")]
    assert names == ["date_time", "notes", "details.weight.value", "details.weight.unit"]
    unit = add.find("div", attrs={"data-field": "details.weight.unit"})
    assert unit["data-path"] == '["details", "weight", "unit"]'
    assert [json.loads(i["value"]) for i in unit.find_all("input")][:4] == ["kg", "g", "mg", "µg"]
    assert add.find("input", attrs={"name": "details.weight.value"})["type"] == "number"
    assert add.find("input", attrs={"name": "date_time"})["type"] == "datetime-local"
    # Removing an entry names it by its time only.
    remove = soup.find("form", attrs={"action": link(log, "remove_entry")})
    assert "details.weight.unit" not in str(remove)


def test_a_hidden_record_and_a_missing_one_give_the_same_error_page(client, professional, testapp):
    """Byte for byte, apart from the URL asked for: the breadcrumbs walked what traversal found (the hidden
    client, then its diary), and so told a record someone may not see from one that does not exist."""
    carol = client.client()
    entry = client.post(link(carol, "diary.entries"), json={
        "@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", "dt": "2024-04-11T11:41:09Z",
        "emotion": "happy", "intensity": 3}, status=201).json["@url"]
    other_id = "0123456789abcdef0123456789abcdef"
    for hidden in (carol["@url"], link(carol, "diary.entries"), entry):
        client_id = carol["@url"].rstrip("/").rsplit("/", 1)[1]
        missing = hidden.replace(client_id, other_id)
        pages = [professional.get(url, headers=HTML, status=404) for url in (hidden, missing)]
        assert pages[0].content_type == "text/html"
        texts = [page.text.replace(url, "URL") for page, url in zip(pages, (hidden, missing))]
        assert texts[0] == texts[1]
        assert client_id not in texts[0]
