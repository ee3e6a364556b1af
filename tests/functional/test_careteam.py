"""Talking with the care team (API.md §14): messages, feedback on every record, relatives who look along; and
who may do what with each (every identity, every method: what one may not see is missing, 404)."""
import datetime
import html
import json
import re

import pytest
import sqlalchemy as sa
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from tests.conftest import PASSWORD, Api, create_user, every_item, link, link_names, sign_in

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def count(app, table):
    with app.registry["dbengine"].connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def execute(app, statement, **params):
    with app.registry["dbengine"].begin() as connection:
        return connection.execute(sa.text(statement), params)


@pytest.fixture
def carol(client, caseload):
    return client.client()


# --- messages ----------------------------------------------------------------------------------------


def test_a_conversation_between_the_client_and_its_professionals(app, client, professional, carol):
    messages = link(carol, "messages")
    first = client.post(messages, json={"text": "Hello Pat"}, status=201)
    assert first.location == first.json["@url"]
    body = first.json
    assert {"@url", "author", "author_name", "text", "sent", "read"} <= set(body)
    assert body["author_name"] == "Carol Client" and body["read"] is True and body["author"].endswith("/")
    pat = professional.get(professional.url("clients")).json["@items"][0]
    assert pat["unread"] == 1
    reply = professional.post(link(pat, "messages"), json={"text": "Hello Carol"}, status=201).json
    assert reply["author_name"] == "Pat Therapist"
    listed = client.get(messages).json["@items"]
    assert [item["text"] for item in listed] == ["Hello Carol", "Hello Pat"]  # newest first
    assert [item["read"] for item in listed] == [False, True]
    assert [item["text"] for item in client.get(messages, params={"unread": "true"}).json["@items"]] == ["Hello Carol"]
    client.patch(listed[0]["@url"], json={"read": True}, status=200)
    assert client.get(messages, params={"unread": "true"}).json["@items"] == []
    assert client.get(listed[0]["@url"]).json["read"] is True
    # Pat's view is Pat's own: Carol's message still unread for Pat.
    assert professional.get(professional.url("clients")).json["@items"][0]["unread"] == 1
    assert [m["read"] for m in professional.get(messages).json["@items"]] == [True, False]


def test_messages_are_paged_newest_first(client, carol):
    messages = link(carol, "messages")
    for n in range(7):
        client.post(messages, json={"text": f"message {n}"}, status=201)
    pages = []
    url, params = messages, {"limit": 3}
    while url:
        page = client.get(url, params=params).json
        pages.append([item["text"] for item in page["@items"]])
        url, params = next((entry["url"] for entry in page["@links"] if entry["name"] == "next"), None), None
    assert pages == [["message 6", "message 5", "message 4"], ["message 3", "message 2", "message 1"], ["message 0"]]


@pytest.mark.parametrize("bad", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 4001}, {"text": 5},
                                 {"text": "hi", "read": True}, ["hi"]])
def test_bad_messages_store_nothing(app, client, carol, bad):
    answer = client.post(link(carol, "messages"), json=bad, status=400).json
    assert answer["code"] == 400 and answer["extra"]
    assert count(app, "messages") == 0


def test_a_message_of_4000_characters_is_fine(client, carol):
    assert len(client.post(link(carol, "messages"), json={"text": "x" * 4000}, status=201).json["text"]) == 4000


def test_messages_cannot_be_changed(client, professional, carol):
    message = professional.post(link(carol, "messages"), json={"text": "As agreed"}, status=201).json
    for bad in ({"text": "Not as agreed"}, {"read": False}, {}, {"read": "yes"}):
        client.patch(message["@url"], json=bad, status=400)
    assert client.get(message["@url"]).json["text"] == "As agreed"


def test_only_the_author_deletes_and_only_within_five_minutes(app, client, professional, carol):
    messages = link(carol, "messages")
    mine = client.post(messages, json={"text": "oops"}, status=201).json
    professional.delete(mine["@url"], status=403)
    client.delete(mine["@url"], status=204)
    client.get(mine["@url"], status=404)
    late = client.post(messages, json={"text": "kept"}, status=201).json
    execute(app, "UPDATE messages SET created = :t WHERE text = 'kept'",
            t=datetime.datetime.utcnow() - datetime.timedelta(minutes=6))
    assert "5 minutes" in client.delete(late["@url"], status=403).json["message"]
    assert client.get(late["@url"]).json["text"] == "kept"


def test_an_admin_reads_but_is_not_in_the_conversation(app, admin, client, carol):
    client.post(link(carol, "messages"), json={"text": "for Pat"}, status=201)
    assert admin.get(link(carol, "messages")).json["@items"]
    admin.post(link(carol, "messages"), json={"text": "admin here"}, status=403)
    assert count(app, "messages") == 1


def test_a_professional_who_leaves_the_caseload_loses_access_and_the_conversation_stays(
        app, admin, client, professional, carol):
    messages = link(carol, "messages")
    message = professional.post(messages, json={"text": "Goodbye"}, status=201).json
    assignment = professional.get(link(professional.me(), "caseload")).json["@items"][0]["@url"]
    admin.delete(assignment, status=204)
    professional.get(messages, status=404)
    professional.get(message["@url"], status=404)
    professional.post(messages, json={"text": "still here?"}, status=404)
    assert [m["text"] for m in client.get(messages).json["@items"]] == ["Goodbye"]


def test_a_message_from_the_care_team_is_a_reminder_for_the_client_without_content(app, client, professional,
                                                                                   carol):
    from hyperdiary.careteam.messages import WaitingMessages

    before = datetime.datetime.utcnow() - datetime.timedelta(seconds=5)
    client.post(link(carol, "messages"), json={"text": "my own worry"}, status=201)
    sent = professional.post(link(carol, "messages"), json={"text": "about your secret worry"}, status=201).json

    def due():
        with app.registry["dbengine"].connect() as connection:
            return list(WaitingMessages().due(connection, before, datetime.datetime.utcnow(), lambda column: sa.true()))

    [reminder] = due()
    assert reminder.about == f"clients/{carol['@url'].rstrip('/').rsplit('/', 1)[-1]}/messages/"
    assert reminder.subject_id == sent["@url"].rstrip("/").rsplit("/", 1)[-1]
    assert "worry" not in json.dumps(reminder._asdict(), default=str)
    client.patch(sent["@url"], json={"read": True})
    assert due() == []  # read: nothing waits


# --- feedback ----------------------------------------------------------------------------------------


def records(client, carol):
    """One record of each of Carol's kinds."""
    return [
        client.post(link(carol, "diary.entries"), json={"@type": EMOTION, "dt": "2024-05-01T09:00:00Z",
                                                        "emotion": "happy", "intensity": 5}, status=201).json,
        client.post(link(carol, "journals"), json={"title": "A day"}, status=201).json,
        client.post(link(carol, "goals"), json={"title": "Walk", "is_onetime": True,
                                                "targetdate": "2030-06-01T00:00:00Z"}, status=201).json,
        client.post(link(carol, "moods"), json={"mood": "calm"}, status=201).json,
    ]


def test_feedback_on_every_kind_of_record(client, professional, carol):
    for record in records(client, carol):
        assert record["feedback_count"] == 0
        feedback = link(record, "feedback")
        first = professional.post(feedback, json={"text": "Well noticed"}, status=201).json
        assert {"@url", "author", "author_name", "text", "sent"} <= set(first)
        assert first["@type"] == "https://ns.hyperdiary.org/feedback"
        client.post(feedback, json={"text": "Thanks"}, status=201)
        assert [f["text"] for f in client.get(feedback).json["@items"]] == ["Well noticed", "Thanks"]  # oldest first
        assert client.get(record["@url"]).json["feedback_count"] == 2
        professional.delete(first["@url"], status=204)
        assert client.get(record["@url"]).json["feedback_count"] == 1
    # A listing counts for the whole page.
    assert [item["feedback_count"] for item in client.get(link(carol, "moods")).json["@items"]] == [1]


def test_feedback_count_is_one_query_for_a_page(app, client, professional, carol):
    from tests.conftest import sent_statements

    moods = link(carol, "moods")
    for n in range(5):
        mood = client.post(moods, json={"mood": "calm", "logdate": f"2024-05-0{n + 1}T08:00:00Z"}, status=201).json
        professional.post(link(mood, "feedback"), json={"text": f"remark {n}"}, status=201)
    with sent_statements(app) as sent:
        items = client.get(moods).json["@items"]
    assert [item["feedback_count"] for item in items] == [1] * 5
    assert sum("FROM feedback" in statement for statement in sent) == 1


@pytest.mark.parametrize("bad", [{}, {"text": ""}, {"text": " \n"}, {"text": "x" * 4001}, {"text": "ok", "x": 1}])
def test_bad_feedback_stores_nothing(app, client, carol, bad):
    mood = client.post(link(carol, "moods"), json={"mood": "calm"}, status=201).json
    client.post(link(mood, "feedback"), json=bad, status=400)
    assert count(app, "feedback") == 0


def test_feedback_goes_with_its_record(app, client, professional, carol):
    mood = client.post(link(carol, "moods"), json={"mood": "calm"}, status=201).json
    remark = professional.post(link(mood, "feedback"), json={"text": "private remark"}, status=201).json
    client.delete(mood["@url"], status=204)
    professional.get(remark["@url"], status=404)
    assert execute(app, "SELECT count(*) FROM feedback WHERE text IS NOT NULL").scalar() == 0


# --- relatives ---------------------------------------------------------------------------------------


@pytest.fixture
def relative(app, testapp):
    create_user(app, "rel", "friend", first_name="Rex", last_name="Relative")
    return sign_in(testapp, "rel")


def invite(client, carol, can_see):
    return client.post(link(carol, "relatives"), json={"can_see": can_see}, status=201).json


def test_a_relative_looks_along_read_only_with_exactly_the_chosen_links(app, client, professional, relative, carol):
    records(client, carol)
    invitation = invite(client, carol, ["goals", "moods"])
    assert invitation["invitation"] and invitation["expires"]
    redeemed = relative.post(relative.url("invitations"), json={"code": invitation["invitation"]}, status=201)
    shared = relative.get(link(relative.me(), "shared_with_me")).json["@items"]
    assert len(shared) == 1 and shared[0]["@url"] == redeemed.json["@url"]
    assert link_names(shared[0]) == {"goals", "moods"} and shared[0]["name"]
    moods = relative.get(link(shared[0], "moods")).json["@items"]
    assert moods and all("feedback" not in link_names(m) and m["feedback_count"] is None for m in moods)
    relative.get(moods[0]["@url"], status=200)
    goals = relative.get(link(shared[0], "goals")).json["@items"]
    # Read-only: what they see, they may not change (403); everything else is missing (404).
    relative.post(link(shared[0], "moods"), json={"mood": "sad"}, status=403)
    relative.patch(moods[0]["@url"], json={"mood": "sad"}, status=403)
    relative.delete(goals[0]["@url"], status=403)
    relative.get(moods[0]["@url"] + "feedback/", status=404)
    for hidden in ("messages", "journals", "diary", "charts", "audit", "relatives", "reports", "export",
                   "professionals", ""):
        relative.get(carol["@url"] + hidden + ("/" if hidden and hidden not in ("export", "professionals") else ""),
                     status=404)
    # The client narrows what they see: at once.
    relation = client.get(link(carol, "relatives")).json["@items"][0]
    assert relation["relative_name"] == "Rex Relative"
    client.patch(relation["@url"], json={"can_see": ["moods"]}, status=200)
    relative.get(link(shared[0], "goals"), status=404)
    assert link_names(relative.get(shared[0]["@url"]).json) == {"moods"}
    # Their reads are audited as reads of the client's data.
    events = client.get(link(carol, "audit")).json["@items"]
    rel_id = execute(app, "SELECT id FROM users WHERE username = 'rel'").scalar()
    assert any(e["actor"] and rel_id in e["actor"] and e["action"] == "read" for e in events)
    # And the client ends it: at once.
    client.delete(client.get(link(carol, "relatives")).json["@items"][0]["@url"], status=204)
    relative.get(link(shared[0], "moods"), status=404)
    assert relative.get(link(relative.me(), "shared_with_me")).json["@items"] == []


def test_a_code_works_once_and_for_seven_days(app, client, relative, testapp, carol):
    code = invite(client, carol, ["moods"])["invitation"]
    stored = execute(app, "SELECT code_hash FROM relatives").scalar()
    assert code not in json.dumps(stored) and len(stored) == 64
    invitations = relative.url("invitations")
    client.post(invitations, json={"code": code}, status=400)  # one's own
    relative.post(invitations, json={"code": code}, status=201)
    create_user(app, "other", "client")
    other = sign_in(testapp, "other")
    assert other.post(invitations, json={"code": code}, status=400).json["extra"][0]["name"] == "code"
    expired = invite(client, carol, ["moods"])["invitation"]
    execute(app, "UPDATE relatives SET expires = :t WHERE user_id IS NULL",
            t=datetime.datetime.utcnow() - datetime.timedelta(seconds=1))
    other.post(invitations, json={"code": expired}, status=400)
    other.post(invitations, json={"code": "no such code"}, status=400)
    other.post(invitations, json={}, status=400)
    assert other.get(link(other.me(), "shared_with_me")).json["@items"] == []
    Api(testapp).post(invitations, json={"code": code}, status=401)


@pytest.mark.parametrize("bad", [{"can_see": ["messages"]}, {"can_see": ["audit"]}, {"can_see": "moods"}, {},
                                 {"can_see": ["moods", "moods"]}, {"can_see": ["moods"], "code": "x"}])
def test_bad_invitations_store_nothing(app, client, carol, bad):
    client.post(link(carol, "relatives"), json=bad, status=400)
    assert count(app, "relatives") == 0


# --- who may do what ------------------------------------------------------------------------------------


def test_the_authorization_matrix(app, testapp, admin, client, professional, relative, carol):
    """Every identity, every method, on each new link: what one may not see is missing (404), what one may see
    but not change is forbidden (403), signed out is 401."""
    records(client, carol)
    message = client.post(link(carol, "messages"), json={"text": "a private word"}, status=201).json
    mood = client.get(link(carol, "moods")).json["@items"][0]
    remark = professional.post(link(mood, "feedback"), json={"text": "noted"}, status=201).json
    relation = invite(client, carol, ["moods"])
    relative.post(relative.url("invitations"), json={"code": relation["invitation"]}, status=201)
    create_user(app, "olga", "client")
    create_user(app, "pia", "professional")
    create_user(app, "rick", "researcher")
    callers = {"client": client, "other client": sign_in(testapp, "olga"), "professional": professional,
               "other professional": sign_in(testapp, "pia"), "admin": admin, "relative": relative,
               "researcher": sign_in(testapp, "rick"), "anonymous": Api(testapp)}
    targets = {"messages": link(carol, "messages"), "message": message["@url"],
               "feedback": link(mood, "feedback"), "remark": remark["@url"],
               "relatives": link(carol, "relatives"), "relation": relation["@url"]}
    member = {"client", "professional"}
    authors = {("message", "client"), ("remark", "professional"), ("relation", "client")}
    expected_get = {  # who reads each
        "messages": member | {"admin"}, "message": member | {"admin"}, "feedback": member | {"admin"},
        "remark": member | {"admin"}, "relatives": {"client", "admin"}, "relation": {"client", "admin"}}
    for who, caller in callers.items():
        for name, url in targets.items():
            sees = who in expected_get[name]
            status = 200 if sees else (401 if who == "anonymous" else 404)
            answer = caller.get(url, status=status)
            if not sees:
                assert "private word" not in answer.text and "noted" not in answer.text
            hidden = 401 if who == "anonymous" else 404
            for method in ("post", "patch", "put", "delete"):
                if method == "delete" and (name, who) in authors | {("relation", "admin")}:
                    continue  # (their own may be deleted, below; an admin may do anything)
                response = getattr(caller, method)(url, json={"x": 1}, status="*")
                if not sees:
                    assert response.status_int == hidden, (who, name, method, response.status_int)
                else:
                    assert response.status_int in (400, 403, 405), (who, name, method, response.status_int)
    # Nothing was stored or changed by any of it.
    assert count(app, "messages") == 1 and count(app, "feedback") == 1 and count(app, "relatives") == 1
    assert execute(app, "SELECT count(*) FROM messages WHERE deleted IS NULL").scalar() == 1
    for name, who in authors:
        callers[who].delete(targets[name], status=204)


# --- the client's data: export and erasure ---------------------------------------------------------------


def test_the_export_holds_messages_feedback_and_relatives(client, professional, carol):
    client.post(link(carol, "messages"), json={"text": "a message"}, status=201)
    mood = client.post(link(carol, "moods"), json={"mood": "calm"}, status=201).json
    professional.post(link(mood, "feedback"), json={"text": "a remark"}, status=201)
    invite(client, carol, ["moods"])
    document = client.get(link(carol, "export")).json
    assert [m["text"] for m in document["messages"]] == ["a message"]
    assert [f["text"] for f in document["moods"][0]["feedback"]] == ["a remark"]
    assert document["relatives"][0]["can_see"] == ["moods"] and document["relatives"][0]["invitation"] is None
    bundle = client.get(link(carol, "export"), headers={"Accept": "application/fhir+json"}).json
    Bundle.parse_obj(bundle)
    communications = []
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).parse_obj(entry["resource"])
        if entry["resource"]["resourceType"] == "Communication":
            communications.append(entry["resource"])
    assert sorted(c["payload"][0]["contentString"] for c in communications) == ["a message", "a remark"]
    remark = next(c for c in communications if c["payload"][0]["contentString"] == "a remark")
    assert remark["about"][0]["reference"].endswith(mood["@url"].rstrip("/").rsplit("/", 1)[-1][-12:])


def test_erasing_the_client_erases_its_conversation_feedback_and_relatives(app, client, professional, relative,
                                                                          carol):
    client.post(link(carol, "messages"), json={"text": "erase me"}, status=201)
    professional.post(link(carol, "messages"), json={"text": "erase me too"}, status=201)
    mood = client.post(link(carol, "moods"), json={"mood": "calm"}, status=201).json
    professional.post(link(mood, "feedback"), json={"text": "erase this remark"}, status=201)
    code = invite(client, carol, ["moods"])["invitation"]
    relative.post(relative.url("invitations"), json={"code": code}, status=201)
    client.get(link(carol, "messages"))
    client.delete(client.url("me"), json={"password": PASSWORD}, status=204)
    for table in ("messages", "message_reads", "feedback", "relatives"):
        assert count(app, table) == 0, table
    assert relative.get(link(relative.me(), "shared_with_me")).json["@items"] == []


def test_erasing_a_professional_keeps_the_conversation_with_the_client(app, admin, client, professional, carol):
    professional.post(link(carol, "messages"), json={"text": "from Pat"}, status=201)
    pat = link(professional.me(), "caseload").rsplit("caseload", 1)[0]
    admin.delete(pat, status=204)
    [message] = client.get(link(carol, "messages")).json["@items"]
    assert message["text"] == "from Pat" and message["author"] is None and message["author_name"] is None


# --- pages -------------------------------------------------------------------------------------------------

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_the_conversation_page_is_a_chat(client, professional, carol):
    messages = link(carol, "messages")
    client.post(messages, json={"text": "First <b>bold</b>"}, status=201)
    professional.post(messages, json={"text": "Second"}, status=201)
    page = client.get(messages, headers=HTML).text
    assert page.index("First &lt;b&gt;bold&lt;/b&gt;") < page.index("Second")  # newest at the bottom
    assert 'class="bubble mine"' in page and 'class="bubble theirs"' in page and "Pat Therapist" in page
    chat = page[page.index('id="chat-h"'):]
    assert 'data-method="POST"' in chat and 'name="text"' in chat and chat.index("Second") < chat.index("<form")
    assert page.count('data-method="POST"') == 1  # the box is the one way to write here
    assert "<script>" not in page


def test_feedback_shows_under_its_record(client, professional, carol):
    mood = client.post(link(carol, "moods"), json={"mood": "calm"}, status=201).json
    professional.post(link(mood, "feedback"), json={"text": "Good to hear"}, status=201)
    page = client.get(mood["@url"], headers=HTML).text
    feedback = page[page.index('id="feedback-h"'):]
    assert "Good to hear" in feedback and "Pat Therapist" in feedback
    assert f'action="{link(mood, "feedback")}"' in feedback


def test_the_relatives_page_gives_the_code_to_pass_on(client, relative, carol):
    relatives = link(carol, "relatives")
    page = client.get(relatives, headers=HTML).text
    assert 'data-show="html"' in page and 'name="can_see"' in page
    answer = client.post(relatives, json={"can_see": ["moods"]}, headers=HTML, status=201)
    code = client.get(relatives).json["@items"][0]
    assert code["invitation"] is None  # (shown once: in the answer to the POST)
    assert 'class="code-to-pass"' in answer.text and "The code to pass on" in answer.text
    shown = re.search(r'class="code-to-pass"><strong>([^<]+)</strong>', answer.text).group(1)
    relative.post(relative.url("invitations"), json={"code": html.unescape(shown)}, status=201)


def test_the_caseload_counts_unread_in_one_query_for_a_page(app, testapp, admin, professional, carol, client):
    from tests.conftest import sent_statements

    caseload = link(professional.me(), "caseload")
    for name in ("dana", "eli", "fay"):
        Api(testapp).post(Api(testapp).url("auth.register"), json={
            "username": name, "email": f"{name}@example.org", "password": PASSWORD}, status=201)
        other = sign_in(testapp, name)
        admin.post(caseload, json={"client": other.client()["@url"]}, status=201)
        for n in range(2):
            other.post(link(other.client(), "messages"), json={"text": f"{name} {n}"}, status=201)
    with sent_statements(app) as sent:
        listed = professional.get(professional.url("clients")).json["@items"]
    assert sorted(item["unread"] for item in listed) == [0, 2, 2, 2]
    assert sum("FROM messages" in statement for statement in sent) == 1


def test_who_may_see_the_client_changes_in_its_audit(app, client, relative, carol):
    relation = invite(client, carol, ["moods"])
    relative.post(relative.url("invitations"), json={"code": relation["invitation"]}, status=201)
    client.patch(relation["@url"], json={"can_see": ["goals"]}, status=200)
    client.delete(relation["@url"], status=204)
    events = client.get(link(carol, "audit")).json["@items"]
    about = [(e["action"], e["actor_role"]) for e in events if e["resource"] and "/relatives/" in e["resource"]]
    assert about == [("delete", "client"), ("update", "client"), ("create", "friend"), ("create", "client")]
