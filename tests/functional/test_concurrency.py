"""Races over real sockets: the app behind a waitress server thread on loopback, sixteen client threads
released together by a barrier, plain urllib. Dedupe (API.md §4), unique usernames and refresh-token
rotation (§3) must hold when the requests really overlap, on SQLite and on PostgreSQL alike."""
import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from hyperdiary.research.models import SubjectLog, SubjectLogEntry
from hyperdiary.journals.models import Tag
from tests.conftest import PASSWORD, sign_in

THREADS = 16
TIMEOUT = 30  # seconds, per request and per wait
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


class Answer:
    def __init__(self, status, body, location, etag=None):
        self.status, self.body, self.location, self.etag = status, body, location, etag

    def __repr__(self):
        return f"<{self.status} {self.body!r}>"


def call(method, url, body=None, token=None) -> Answer:
    """One request over the wire; an HTTP error status is an answer, not an exception."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        raw = response.read()
        return Answer(response.status, json.loads(raw) if raw else None, response.headers.get("Location"),
                      response.headers.get("ETag"))


def each_at_once(calls) -> list:
    """Each call (a function answering an Answer) in a thread of its own, all released at one instant;
    answers in call order. A thread that fails to get an answer (timeout, refused) fails the test with its
    exception."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index):
        try:
            barrier.wait(timeout=TIMEOUT)
            answers[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
            answers[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT + 5)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    failures = [a for a in answers if isinstance(a, BaseException)]
    if failures:
        raise failures[0]
    return answers


def at_once(method, url, bodies, token=None) -> list[Answer]:
    """POST-or-whatever one request per body, all threads released together; answers in body order.
    `url` is one URL for all, or a list of one per body."""
    return each_at_once([lambda index=index, body=body: call(method, url[index] if isinstance(url, list) else url,
                                                             body, token)
                         for index, body in enumerate(bodies)])


def link(body, name):
    urls = [entry["url"] for entry in body["@links"] if entry["name"] == name]
    assert urls, f"no link {name!r} among {[entry['name'] for entry in body['@links']]}"
    return urls[0]


def assert_no_server_errors(answers, errors):
    """No 5xx and nothing logged at ERROR; a failure shows the server's tracebacks (and reports them
    here only, not again when the server stops)."""
    report = "\n".join(errors)
    errors.clear()
    assert all(a.status < 500 for a in answers) and not report, f"{[a.status for a in answers]}\n{report}"


class Caller:
    """A signed-in user on the live server, finding URLs by following links from the server's root."""

    def __init__(self, base, api):
        self.base, self.access, self.refresh = base, api.access, api.refresh

    def get(self, url):
        answer = call("GET", url, token=self.access)
        assert answer.status == 200, answer
        return answer.body

    def client(self):
        me = self.get(link(self.get(self.base + "/"), "me"))
        return self.get(link(me, "client"))


@pytest.fixture
def carol(live_server, client):
    """The `client` fixture's user (registered through webtest), her tokens used over the wire."""
    return Caller(live_server, client)


def anonymous_link(live_server, name):
    answer = call("GET", live_server + "/")
    assert answer.status == 200, answer
    return link(answer.body, name)


def listed(carol, items_url):
    body = carol.get(items_url)
    assert "next" not in {entry["name"] for entry in body["@links"]}
    return body["@items"]


def test_identical_posts_race_to_one_entry(carol, errors):
    client = carol.client()
    entry = {"@type": EMOTION, "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5}
    answers = at_once("POST", link(client, "diary.entries"), [entry] * THREADS, carol.access)
    assert_no_server_errors(answers, errors)
    assert sorted(a.status for a in answers) == [200] * (THREADS - 1) + [201]
    urls = {a.body["@url"] for a in answers}
    assert len(urls) == 1
    assert {a.location for a in answers} == urls
    assert all(a.body["emotion"] == "happy" and a.body["intensity"] == 5 for a in answers)
    items = listed(carol, link(client, "diary.entries.items"))
    assert [item["@url"] for item in items] == list(urls)


def test_different_posts_race_and_all_land(carol, errors):
    client = carol.client()
    bodies = [{"@type": EMOTION, "dt": f"2024-04-11T11:41:{second:02d}Z", "emotion": "happy", "intensity": 5}
              for second in range(THREADS)]
    answers = at_once("POST", link(client, "diary.entries"), bodies, carol.access)
    assert_no_server_errors(answers, errors)
    assert [a.status for a in answers] == [201] * THREADS
    assert len({a.location for a in answers}) == THREADS
    items = listed(carol, link(client, "diary.entries.items"))
    assert sorted(item["@url"] for item in items) == sorted(a.location for a in answers)


def test_identical_journals_race_to_one(carol, errors):
    journals = link(carol.client(), "journals")
    body = {"journal_timestamp": "2024-05-01T12:00:00Z", "title": "A walk", "description": "Calmer after"}
    answers = at_once("POST", journals, [body] * THREADS, carol.access)
    assert_no_server_errors(answers, errors)
    assert sorted(a.status for a in answers) == [200] * (THREADS - 1) + [201]
    urls = {a.body["@url"] for a in answers}
    assert len(urls) == 1 and {a.location for a in answers} == urls
    assert [item["@url"] for item in listed(carol, journals)] == list(urls)


def test_every_item_of_a_goal_ticked_at_once_completes_it(carol, errors):
    """goals.tick locks the goal's row: each racer sees the others' ticks, the last one completes it."""
    goal = {"title": "Stretch", "is_onetime": False, "frequency": "Daily", "startdate": "2024-01-01T07:00:00Z",
            "targetdate": f"2024-01-{THREADS:02d}T07:00:00Z"}
    created = call("POST", link(carol.client(), "goals"), goal, carol.access)
    assert created.status == 201, created
    items = carol.get(link(created.body, "tracking"))["@items"]
    assert len(items) == THREADS
    answers = at_once("PATCH", [item["@url"] for item in items], [{"iscompleted": True}] * THREADS, carol.access)
    assert_no_server_errors(answers, errors)
    assert [a.status for a in answers] == [200] * THREADS
    assert carol.get(created.body["@url"])["status"] == "Completed"


def test_one_username_registered_once(live_server, testapp, errors):
    body = {"username": "racer", "email": "racer@example.org", "password": PASSWORD}
    answers = at_once("POST", anonymous_link(live_server, "auth.register"), [body] * THREADS)
    assert_no_server_errors(answers, errors)
    assert sorted(a.status for a in answers) == [201] + [400] * (THREADS - 1)
    for answer in answers:
        if answer.status == 400:
            assert [p["name"] for p in answer.body["extra"]] == ["username"], answer
    token = call("POST", anonymous_link(live_server, "auth.token"), {"username": "racer", "password": PASSWORD})
    assert token.status == 200 and token.body["access"]
    # One account: the registration that won is the one that signs in (webtest, same database).
    assert sign_in(testapp, "racer").username == "racer"


def test_one_refresh_token_raced(carol, live_server, errors):
    """accounts.rotate: the exchange is one conditional UPDATE, so one racer wins, and every other
    racer presents a token that is retired by then, which revokes the whole sign-in: the winner's
    fresh pair included. Only a new sign-in with the password works afterwards."""
    refresh_url = anonymous_link(live_server, "auth.refresh")
    me_url = link(carol.get(live_server + "/"), "me")
    answers = at_once("POST", refresh_url, [{"refresh": carol.refresh}] * THREADS)
    assert_no_server_errors(answers, errors)
    assert sorted(a.status for a in answers) == [200] + [401] * (THREADS - 1)
    (winner,) = [a.body for a in answers if a.status == 200]
    assert winner["access"] != carol.access and winner["refresh"] != carol.refresh
    # The sign-in is revoked: no token of it works any more, old or new, access or refresh.
    assert call("GET", me_url, token=carol.access).status == 401
    assert call("GET", me_url, token=winner["access"]).status == 401
    assert call("POST", refresh_url, {"refresh": winner["refresh"]}).status == 401
    assert call("POST", refresh_url, {"refresh": carol.refresh}).status == 401
    again = call("POST", anonymous_link(live_server, "auth.token"), {"username": "carol", "password": PASSWORD})
    assert again.status == 200
    assert call("GET", me_url, token=again.body["access"]).status == 200


# --- subject logs: writers of one log take turns ---------------------------------------------------------


@pytest.fixture
def rosa(live_server, researcher):
    """The `researcher` fixture's user, her tokens used over the wire."""
    return Caller(live_server, researcher)


def weighing_log(rosa):
    root = rosa.get(rosa.base + "/")
    subject = call("POST", link(root, "subjects"), {"name": "Mouse 1"}, rosa.access)
    assert subject.status == 201, subject
    log = call("POST", link(root, "subjectlogs"), {"type": "Weighing", "subject": subject.body["@url"]}, rosa.access)
    assert log.status == 201, log
    return log.body


def test_entries_added_at_once_all_land(rosa, errors):
    """Each add_entry locks the log first, so every answer shows the log after its own write: the entry
    counts the answers show are 1 … 16, each once, no entry is lost, and each write has an ETag of its own
    (without the lock, two writers bump the version from the same value)."""
    log = weighing_log(rosa)
    bodies = [{"date_time": f"2024-05-01T08:00:{second:02d}Z", "details": {"weight": {"value": second, "unit": "g"}}}
              for second in range(THREADS)]
    answers = at_once("PATCH", link(log, "add_entry"), bodies, rosa.access)
    assert_no_server_errors(answers, errors)
    assert [a.status for a in answers] == [200] * THREADS
    assert sorted(len(a.body["entries"]) for a in answers) == list(range(1, THREADS + 1))
    assert len({a.etag for a in answers}) == THREADS
    stored = rosa.get(log["@url"])["entries"]
    assert [e["date_time"] for e in stored] == [b["date_time"] for b in bodies]


def test_one_instant_added_at_once_lands_once(rosa, errors):
    log = weighing_log(rosa)
    bodies = [{"date_time": "2024-05-01T08:00:00Z", "details": {"weight": {"value": grams, "unit": "g"}}}
              for grams in range(THREADS)]
    answers = at_once("PATCH", link(log, "add_entry"), bodies, rosa.access)
    assert_no_server_errors(answers, errors)
    assert sorted(a.status for a in answers) == [200] + [400] * (THREADS - 1)
    for answer in answers:
        if answer.status == 400:
            assert [p["name"] for p in answer.body["extra"]] == ["date_time"], answer
    (winner,) = [a.body for a in answers if a.status == 200]
    assert rosa.get(log["@url"])["entries"] == winner["entries"] and len(winner["entries"]) == 1


def test_a_journal_deleted_while_tagged_keeps_no_live_tag(app, carol, professional, errors):
    """Writes lock the records along their path as traversal reads them (resources.Resource.find): a
    DELETE of a journal raced by more DELETEs and by tags added to it answers 204 once (the others a 404),
    and no tag stays live on the deleted journal. Without the lock, PostgreSQL gave several 204s and left
    tags (with their descriptions, which a delete erases) on the deleted journal."""
    tagtype = professional.post(professional.url("tagtypes"), json={"name": "trigger"}, status=201).json["@url"]
    tagtype = tagtype.rstrip("/").rsplit("/", 1)[1]  # its id: the @url above is webtest's host, not the server's
    journal = call("POST", link(carol.client(), "journals"), {"title": "Raced"}, carol.access).body
    answers = each_at_once([
        (lambda: call("DELETE", journal["@url"], token=carol.access)) if index % 2 else
        (lambda: call("POST", link(journal, "tags"), {"tagtype": tagtype, "description": "x"}, carol.access))
        for index in range(THREADS)])
    assert_no_server_errors(answers, errors)
    deletes = sorted(a.status for a in answers[1::2])
    assert deletes == [204] + [404] * (len(deletes) - 1)
    assert {a.status for a in answers[0::2]} <= {201, 404}, answers
    with app.registry["dbengine"].connect() as connection:
        live = connection.scalar(select(func.count()).select_from(Tag).where(Tag.deleted.is_(None)))
        described = connection.scalar(select(func.count()).select_from(Tag).where(Tag.description.is_not(None)))
    assert (live, described) == (0, 0)


def test_a_log_deleted_while_written_keeps_nothing_of_it(app, rosa, errors):
    """A log's writers take turns (traversal locks it, Resource.find): of DELETEs raced by entries added
    and descriptions changed, one DELETE answers 204 and the others 404; each write answers 200 (before the
    delete) or 404 (after it: it found the log deleted once it held the lock), never adds an entry to the
    deleted log (whose entries a delete erases) and never writes into its tombstone."""
    log = weighing_log(rosa)
    def write(index):
        if index % 3 == 0:
            return call("DELETE", log["@url"], token=rosa.access)
        if index % 3 == 1:
            return call("PATCH", link(log, "add_entry"), {
                "date_time": f"2024-05-01T08:00:{index:02d}Z", "details": {"weight": {"value": index, "unit": "g"}}},
                rosa.access)
        return call("PATCH", log["@url"], {"description": f"writer {index}"}, rosa.access)

    answers = each_at_once([lambda index=index: write(index) for index in range(THREADS)])
    assert_no_server_errors(answers, errors)
    deletes = sorted(a.status for a in answers[0::3])
    assert deletes == [204] + [404] * (len(deletes) - 1)
    writes = [a for i, a in enumerate(answers) if i % 3]
    assert {a.status for a in writes} <= {200, 404}, writes
    assert all(a.body["code"] == 404 for a in writes if a.status == 404)
    with app.registry["dbengine"].connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SubjectLogEntry)) == 0
        assert connection.scalar(select(SubjectLog.description)) is None


def test_an_assignment_deleted_at_once_is_deleted_once(live_server, admin, client, professional, errors):
    """Rows that link two records (caseload assignments, subject memberships) are locked by a write as
    traversal reads them (Resource.link_row): of sixteen DELETEs at once one answers 204, the others 404."""
    caseload = admin.post(link(professional.me(), "caseload"), json={"client": client.client()["@url"]},
                          status=201).json["@url"]
    path = caseload.split("example.com", 1)[1]
    answers = at_once("DELETE", live_server + path, [None] * THREADS, admin.access)
    assert_no_server_errors(answers, errors)
    assert sorted(a.status for a in answers) == [204] + [404] * (THREADS - 1)
