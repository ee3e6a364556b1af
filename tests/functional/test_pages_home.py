"""The signed-in start page is the person's home (API.md §15): a client's today with a tick button for each
item due, the latest entries, the charts; a professional's caseload with flagged clients first; a
researcher's subjects; an admin's users."""
import datetime
import zoneinfo

from bs4 import BeautifulSoup

from tests.conftest import link

HTML = {"Accept": "text/html"}
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def home(api):
    return BeautifulSoup(api.get("http://example.com/", headers=HTML).text, "html.parser")


def test_a_clients_home_shows_today(client):
    own = client.client()
    today = datetime.datetime.now(zoneinfo.ZoneInfo(own["time_zone"])).date()
    start = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(8), datetime.UTC)
    client.post(link(own, "goals"), json={"title": "Walk every day", "is_onetime": False, "frequency": "Daily",
                                          "startdate": start.isoformat().replace("+00:00", "Z"),
                                          "targetdate": (start + datetime.timedelta(days=5)).isoformat()
                                          .replace("+00:00", "Z")}, status=201)
    client.post(link(own, "diary.entries"), json={"@type": EMOTION, "dt": "2024-04-01T10:00:00Z", "emotion": "sad",
                                                  "intensity": 2}, status=201)
    soup = home(client)
    today_section = soup.find(id="today-h").find_parent("section")
    ticks = today_section.find_all("form", class_="tick-form")
    assert len(ticks) == 1 and "Walk every day" in today_section.get_text()
    tracking = ticks[0]["action"]
    assert ticks[0]["data-method"] == "PATCH" and client.get(tracking).json["iscompleted"] is False
    latest = soup.find(id="latest-h").find_parent("section")
    assert "Emotion" in latest.get_text()
    assert soup.find(id="home-charts-h") is not None
    # Ticked (what the button sends), the item shows done.
    client.patch(tracking, json={"iscompleted": True})
    assert "done" in home(client).find(id="today-h").find_parent("section").get_text()


def test_a_professionals_home_is_the_caseload(client, professional, caseload):
    soup = home(professional)
    table = soup.find(id="caseload-h").find_parent("section").find("table")
    assert [a["href"] for a in table.find_all("a")] == [caseload]


def test_an_admins_home_lists_the_users(admin, client):
    soup = home(admin)
    assert "carol" in soup.find(id="home-list-h").find_parent("section").get_text()


def test_the_professionals_home_puts_flagged_clients_first_with_their_scores(app, admin, client, professional,
                                                                            caseload, testapp):
    from tests.conftest import sign_in
    from tests.functional.test_questionnaires import PHQ9, phq9

    # A second client, Anna, sorts first by name, but Carol's answer raised the flag.
    anonymous = type(client)(testapp)
    anonymous.post(anonymous.url("auth.register"), json={"username": "anna", "email": "anna@example.org",
                   "password": "correct horse battery", "first_name": "Anna", "last_name": "Aardvark"}, status=201)
    anna = sign_in(testapp, "anna")
    admin.post(link(professional.me(), "caseload"), json={"client": anna.client()["@url"]}, status=201)
    configuration = link(client.client(), "diary.configuration")
    current = [s["@id"] for s in professional.get(configuration).json["@schemas"]]
    professional.put(configuration, json={"schemas": current + [PHQ9]})
    client.post(link(client.client(), "diary.entries"), json=phq9(12, q9=2), status=201)
    soup = home(professional)
    rows = soup.find(id="caseload-h").find_parent("section").find("tbody").find_all("tr", recursive=False)
    assert [row.find("a").get_text() for row in rows] == ["Carol Client", "Anna Aardvark"]
    assert "needs attention" in rows[0].get_text() and "flagged" in rows[0]["class"]
    assert "12" in rows[0].get_text() and "moderate" in rows[0].get_text()


def test_a_clients_home_lists_the_questionnaires_due(client, professional, caseload):
    from tests.functional.test_questionnaires import PHQ9

    own = professional.get(caseload).json
    today = datetime.datetime.now(zoneinfo.ZoneInfo(own["time_zone"])).date().isoformat()
    professional.post(link(own, "questionnaires"), json={"schema": PHQ9, "every_days": 7, "first_due": today},
                      status=201)
    section = home(client).find(id="today-h").find_parent("section")
    heading = section.find("h3")
    assert heading.get_text(" ", strip=True) == "Questionnaires to fill in 1"
    # Its link leads to its own form on the entries page, and says which it is ("Fill in PHQ-9").
    fill_in = heading.find_next("ul").find("a")
    assert fill_in.get_text("", strip=False).strip() == "Fill in PHQ-9"
    page, anchor = fill_in["href"].split("#")
    assert page == link(own, "diary.entries.items")
    form = BeautifulSoup(client.get(page, headers=HTML).text, "html.parser").find(id=anchor)
    assert form.name == "form" and form.find("h3").get_text() == "New entry: PHQ-9"


def test_a_person_is_welcomed_by_name(client, researcher, app, testapp):
    """By the account's first name, where it has one; else by the username."""
    from tests.conftest import create_user, sign_in

    assert home(client).h1.get_text() == "Welcome, Carol"
    assert home(researcher).h1.get_text() == "Welcome, Rosa"
    create_user(app, "nameless", "admin")
    assert home(sign_in(testapp, "nameless")).h1.get_text() == "Welcome, nameless"


def test_a_clients_home_shows_the_unread_messages_of_the_care_team(client, professional, caseload):
    conversation = link(professional.get(caseload).json, "messages")
    section = home(client).find(id="messages-h").find_parent("section")
    assert "No unread messages." in section.get_text() and section.find("a")["href"] == conversation
    first = professional.post(conversation, json={"text": "How did the walks go?"}, status=201).json
    professional.post(conversation, json={"text": "See you on Tuesday."}, status=201)
    client.post(conversation, json={"text": "Fine, thanks."}, status=201)  # one's own is read
    section = home(client).find(id="messages-h").find_parent("section")
    assert section.h2.get_text(" ", strip=True) == "Messages 2 unread"
    shown = [li.get_text(" ", strip=True) for li in section.find("ul", class_="messages").find_all("li")]
    assert len(shown) == 2 and all(text.startswith("Pat Therapist · ") for text in shown), shown
    assert "See you on Tuesday." in shown[0] and "How did the walks go?" in shown[1]
    assert section.find("a", string="Read and reply")["href"] == conversation
    client.patch(first["@url"], json={"read": True})
    section = home(client).find(id="messages-h").find_parent("section")
    assert section.h2.get_text(" ", strip=True) == "Messages 1 unread"


def test_a_clients_home_shows_times_in_the_clients_zone(client):
    own = client.client()
    client.patch(own["@url"], json={"time_zone": "Europe/Amsterdam"})
    client.post(link(own, "diary.entries"), json={"@type": EMOTION, "dt": "2024-04-01T10:00:00Z", "emotion": "sad",
                                                  "intensity": 2}, status=201)
    latest = home(client).find(id="latest-h").find_parent("section").find("ul")
    assert latest.find("time").get_text() == "2024-04-01 12:00"  # 10:00 UTC is noon in Amsterdam (summer time)
    assert latest.find("time")["datetime"] == "2024-04-01T10:00:00Z"


def test_the_caseload_shows_each_clients_last_activity_and_unread_messages(client, professional, caseload):
    def row():
        table = home(professional).find(id="caseload-h").find_parent("section").find("table")
        heads = [th.get_text() for th in table.thead.find_all("th")]
        assert heads == ["Client", "Last activity", "Latest scores", "Needs attention", "Unread messages"]
        return {td["data-label"]: td for td in table.tbody.tr.find_all("td")}

    assert row()["Last activity"].get_text() == "none yet" and row()["Unread messages"].get_text() == "0"
    professional.patch(caseload, json={"time_zone": "Asia/Tokyo"})
    conversation = link(professional.get(caseload).json, "messages")
    sent = client.post(conversation, json={"text": "Could we talk on Tuesday?"}, status=201).json["sent"]
    cells = row()
    unread = cells["Unread messages"].find("a")
    assert unread.get_text() == "1 unread" and unread["href"] == conversation
    # The client's own last write, in the client's zone (Tokyo is UTC+9, no summer time).
    moment = datetime.datetime.fromisoformat(sent.replace("Z", "+00:00")).astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    shown = cells["Last activity"].find("time")
    assert abs(datetime.datetime.fromisoformat(shown.get_text()).replace(tzinfo=moment.tzinfo) - moment) \
        < datetime.timedelta(minutes=1)
    # A professional's own writes are not the client's activity.
    professional.post(conversation, json={"text": "Yes, at ten."}, status=201)
    assert row()["Last activity"].find("time")["datetime"] == shown["datetime"]


def test_the_clients_listing_reads_its_columns_in_a_few_statements_for_any_number_of_clients(
        app, admin, professional, testapp):
    """The caseload's columns are one statement each for a page of clients, never one per client."""
    from tests.conftest import sent_statements, sign_in

    counts = []
    anonymous = type(professional)(testapp)
    for n in range(3):
        for m in range(n * 2, n * 2 + 2):  # 2, then 4, then 6 clients
            anonymous.post(anonymous.url("auth.register"), json={"username": f"client{m}", "email": f"c{m}@example.org",
                           "password": "correct horse battery"}, status=201)
            admin.post(link(professional.me(), "caseload"), json={"client": sign_in(testapp, f"client{m}").client()["@url"]},
                       status=201)
        with sent_statements(app) as statements:
            assert len(professional.get(professional.url("clients")).json["@items"]) == 2 * (n + 1)
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2], counts


def test_a_researchers_home_lists_the_subjects(researcher):
    researcher.post(researcher.url("subjects"), json={"name": "Mouse 1"}, status=201)
    section = home(researcher).find(id="home-list-h").find_parent("section")
    assert section.h2.get_text() == "Research subjects" and section.find("a", string="Mouse 1") is not None
