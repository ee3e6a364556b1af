"""The pages speak to people (API.md §15): no link name, IRI or programming name on a page, and no link into a
405 or a 5xx; a crawl from the start page of a client and of a professional follows every link."""
from urllib.parse import urldefrag

from bs4 import BeautifulSoup

from tests.conftest import link

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def soup_of(api, url, status=200):
    response = api.get(url, headers=HTML, status=status)
    return BeautifulSoup(response.text, "html.parser")


def visible_text(soup) -> str:
    for hidden in soup.find_all(["script", "style", "template"]):
        hidden.decompose()
    return soup.get_text(" ")


def crawl(api, start, limit=60):
    """Every page reachable from `start` by the links people see (the same host), breadth first, up to
    `limit` pages: {url: (status, the page that links to it)}."""
    seen, queue, statuses, came_from = {start}, [start], {}, {start: None}
    while queue and len(statuses) < limit:
        url = queue.pop(0)
        response = api.get(url, headers=HTML, status="*")
        statuses[url] = (response.status_int, came_from[url])
        if response.content_type != "text/html":
            continue
        for a in BeautifulSoup(response.text, "html.parser").find_all("a", href=True):
            target = urldefrag(a["href"])[0]
            if target.startswith("http://example.com/") and target not in seen and "/static/" not in target:
                seen.add(target)
                came_from[target] = url
                queue.append(target)
    return statuses


def with_entry(client):
    client.post(link(client.client(), "diary.entries"),
                json={"@type": EMOTION, "dt": "2024-04-01T10:00:00Z", "emotion": "sad", "intensity": 2}, status=201)


def test_no_link_leads_to_a_405_or_a_5xx(client, professional, caseload):
    with_entry(client)
    for api in (client, professional):
        statuses = crawl(api, "http://example.com/")
        bad = {url: status for url, status in statuses.items() if status[0] == 405 or status[0] >= 500}
        assert not bad, (api.username, bad)
        assert len(statuses) > 5


def test_no_link_name_or_iri_on_a_page(client, professional, caseload):
    with_entry(client)
    own = client.client()
    entry = client.get(link(own, "diary.entries.items")).json["@items"][0]["@url"]
    for api, url in [(client, "http://example.com/"), (client, own["@url"]), (client, link(own, "diary")),
                     (client, link(own, "diary.entries.items")), (client, entry), (professional, caseload)]:
        text = visible_text(soup_of(api, url))
        for raw in ("diary.entries", "goals.batch", "https://ns.hyperdiary.org", "tagtypes", "auth.register",
                    "emotion:1", " dt "):
            assert raw not in text, (url, raw)


def test_an_entry_is_headed_by_its_type_and_day(client):
    with_entry(client)
    entry = client.get(link(client.client(), "diary.entries.items")).json["@items"][0]["@url"]
    soup = soup_of(client, entry)
    assert soup.h1.get_text(" ", strip=True) == "Emotion, 2024-04-01 10:00"
    labels = [dt.get_text() for dt in soup.find("dl", class_="fields").find_all("dt")]
    assert "dt" not in labels and "emotion" not in labels and "When" in labels


def test_sign_up_fields(anonymous):
    soup = soup_of(anonymous, "http://example.com/")
    register = soup.find(id="register-h").find_parent("section")
    assert register.find("input", attrs={"name": "email"})["type"] == "email"
    assert register.find("input", attrs={"name": "password"})["autocomplete"] == "new-password"


def test_breadcrumbs_in_words_and_never_into_a_405(client):
    with_entry(client)
    entry = client.get(link(client.client(), "diary.entries.items")).json["@items"][0]["@url"]
    crumbs = soup_of(client, entry).find("ol", class_="crumbs").find_all("li")
    assert [li.get_text() for li in crumbs] == ["Clients", "Carol Client", "Diary", "Entries", "Record"]
    # The entries collection is only posted to (GET answers 405): its step links to the entries' listing,
    # which is also where the page goes once the entry is deleted (pages.js: the last linked step).
    assert crumbs[3].find("a")["href"] == link(client.client(), "diary.entries.items")
    assert crumbs[2].find("a") is not None
    # The clients' listing is a professional's: on her trail it is named, not linked (it would answer 403).
    assert crumbs[0].find("a") is None
    client.get(crumbs[3].find("a")["href"], headers=HTML, status=200)


def test_a_new_domains_write_only_link_is_no_page_link(app_settings, testapp):
    """Which links only take writes is worked out from the registered views (pages/followable.py), so a
    domain added later needs no list to keep up: its POST-only action, linked from the root, is not a link on
    the page (its GET is a 405), while the same domain's readable resource is."""
    import sys
    import types

    import webtest

    from hyperdiary import main
    from hyperdiary.models import dispose
    from hyperdiary.resources.root import Root

    def includeme(config):
        config.add_view(lambda request: {"sent": True}, name="ping", context=Root, request_method="POST",
                        renderer="json")
        config.add_view(lambda request: {"pong": True}, name="pong", context=Root, request_method="GET",
                        renderer="json")
        config.add_root_link("ping", None, "ping")
        config.add_root_link("pong", None, "pong")

    module = types.ModuleType("tests_write_only_domain")
    module.includeme = includeme
    sys.modules[module.__name__] = module
    app = main({}, **dict(app_settings, **{"hyperdiary.includes": module.__name__}))
    try:
        other = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        root = other.get("http://example.com/", headers={"Accept": "application/json"}).json
        urls = {entry["name"]: entry["url"] for entry in root["@links"]}
        assert other.get(urls["ping"], headers=HTML, status="*").status_int == 405
        soup = BeautifulSoup(other.get("http://example.com/", headers=HTML).text, "html.parser")
        hrefs = {a["href"] for a in soup.find_all("a", href=True)}
        assert urls["pong"] in hrefs and urls["ping"] not in hrefs
    finally:
        dispose(app.registry)
        del sys.modules[module.__name__]


def test_no_page_of_any_role_shows_a_programming_name(client, professional, caseload, admin, researcher):
    """Every page a client, a professional, an admin and a researcher reach from their home, with a record of
    each kind about: no IRI, link name (`goals.batch`), key (`every_days`, `@url`), record id or entry type
    id (`emotion:1`) in what a person reads. The API description (`openapi.json`) is for programs."""
    import re

    from tests.functional.test_questionnaires import PHQ9, phq9

    with_entry(client)
    own = client.client()
    configuration = link(own, "diary.configuration")
    current = [s["@id"] for s in professional.get(configuration).json["@schemas"]]
    professional.put(configuration, json={"schemas": current + [PHQ9]})
    client.post(link(own, "diary.entries"), json=phq9(12, q9=2), status=201)
    professional.post(link(own, "messages"), json={"text": "How was the week?"}, status=201)
    client.post(link(own, "moods"), json={"mood": "happy", "logdate": "2024-01-01T10:00:00Z"}, status=201)
    researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201)
    link_names = {entry["name"] for body in (client.root(), own, professional.root(), admin.root())
                  for entry in body["@links"] if "." in entry["name"]}
    # (A record's id shortened in a breadcrumb is still an id; so are names run together, "Fromdate".)
    raw = re.compile(r"https?://|(?<![\w.])@\w+|\b[a-z]+_[a-z_]+\b|\b[0-9a-f]{12,}|\b[a-z_]+:\d+\b|"
                     r"\b(?:From|To|Start|Target|Reminder|Log|Due)(?:date|time)\b|"
                     + "|".join(rf"\b{re.escape(name)}\b" for name in sorted(link_names, key=len, reverse=True)))
    found = {}
    for api in (client, professional, admin, researcher):
        for url, (status, _) in crawl(api, "http://example.com/", limit=80).items():
            response = api.get(url, headers=HTML, status="*")
            if response.content_type != "text/html" or url.endswith("/openapi.json"):
                continue
            text = " ".join(visible_text(BeautifulSoup(response.text, "html.parser")).split())
            for match in raw.finditer(text):
                found.setdefault((api.username, match.group(0)), (url, text[max(0, match.start() - 60):match.end() + 20]))
    assert not found, found


def test_a_chart_page_in_words(client):
    """A chart's page: its title in the breadcrumbs (not its id), its range in words, its numbers as a table of
    days and series (not `categories`, `series`, `Kind: entries`, `Type: bar`)."""
    with_entry(client)
    chart = next(c for c in client.get(link(client.client(), "charts")).json["@items"] if c["kind"] == "entries")
    soup = soup_of(client, chart["@url"] + "?fromdate=2024-03-31&todate=2024-04-02")
    crumbs = [li.get_text() for li in soup.find("ol", class_="crumbs").find_all("li")]
    assert crumbs[-1] == chart["title"][:19] + "…" if len(chart["title"]) > 20 else chart["title"], crumbs
    fields = dict(zip([dt.get_text() for dt in soup.find("dl", class_="fields").find_all("dt")],
                      [dd.get_text() for dd in soup.find("dl", class_="fields").find_all("dd")]))
    assert fields == {"From": "2024-03-31", "To": "2024-04-02", "Time zone": "UTC"}, fields
    table = soup.find(id="numbers-h").find_parent("section").find("table")
    heads = [th.get_text() for th in table.thead.find_all("th")]
    assert heads[0] == "Day" and len(heads) > 1, heads
    rows = [[cell.get_text() for cell in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]
    assert [row[0] for row in rows] == ["2024-03-31", "2024-04-01", "2024-04-02"]
    text = visible_text(soup)
    for raw in ("Kind", "entries", "bar", "Categories", "Series", "X label"):
        assert raw not in text, raw


def test_an_entry_page_shows_its_feedback_not_a_count(client, professional, caseload):
    """The number of replies is for programs (`feedback_count`); the page shows the replies themselves."""
    with_entry(client)
    entry = client.get(link(client.client(), "diary.entries.items")).json["@items"][0]
    professional.post(link(client.get(entry["@url"]).json, "feedback"), json={"text": "Well noticed"}, status=201)
    soup = soup_of(client, entry["@url"])
    labels = [dt.get_text() for dt in soup.find("dl", class_="fields").find_all("dt")]
    assert "When" in labels and not any("eedback" in label or "Repl" in label for label in labels), labels
    assert "Well noticed" in soup.find(id="feedback-h").find_parent("section").get_text()
    # In the list of entries, a column of numbers says what it counts.
    listing = soup_of(client, link(client.client(), "diary.entries.items"))
    assert "Replies" in [th.get_text() for th in listing.find("table", class_="items").thead.find_all("th")]


def test_the_attention_lists_links_say_what_they_open(client, professional, caseload):
    """A flagged answer's row: "Review the flag" (its own page, to acknowledge it) and "See the answer" (the
    entry), not "open" and "Entry"."""
    from tests.functional.test_questionnaires import PHQ9, phq9

    own = client.client()
    configuration = link(own, "diary.configuration")
    current = [s["@id"] for s in professional.get(configuration).json["@schemas"]]
    professional.put(configuration, json={"schemas": current + [PHQ9]})
    answer = client.post(link(own, "diary.entries"), json=phq9(12, q9=2), status=201).json
    attention = link(professional.get(own["@url"]).json, "attention")
    item = professional.get(attention).json["@items"][0]["@url"]
    row = soup_of(professional, attention).find("table", class_="items").tbody.tr
    links = {a.get_text(): a["href"] for a in row.find_all("a")}
    assert links == {"Review the flag": item, "See the answer": answer["@url"]}, links


def test_no_colon_after_a_question(client):
    """A row's details name each value: "How do you feel? sad", not "How do you feel?: sad"."""
    with_entry(client)
    client.post(link(client.client(), "diary.entries"), json={
        "@type": "https://ns.hyperdiary.org/diary/schema/entry/moment:1", "dt": "2024-04-02T10:00:00Z",
        "text": "Sun"}, status=201)
    text = " ".join(visible_text(soup_of(client, link(client.client(), "diary.entries.items"))).split())
    assert "How do you feel? Sad" in text and "?:" not in text
