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
    assert "Questionnaires to fill in" in section.get_text() and "1 to fill in" in section.get_text()
    assert "PHQ-9" in section.get_text()
