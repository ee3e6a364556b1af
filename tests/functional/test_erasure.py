"""Erasure (API.md §9): `DELETE me` with the password, an admin's `DELETE <user>`; every row of the user
and its client goes (checked over every table of the metadata, so a table added later is checked too),
the username is free again, tokens stop working in every process, the audit keeps an `erase` event
without content, and on SQLite the text is gone from the database files."""
import pathlib
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
import webtest

from hyperdiary import main
from hyperdiary.models import dispose
from hyperdiary.models.meta import Base
from tests.conftest import PASSWORD, Api, link, sign_in

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def fill(client, professional, secret: str) -> dict:
    """Carol keeps one record of every kind (a journal with a tag holding `secret`), Pat reads and writes."""
    carol = client.client()
    client.post(link(carol, "diary.entries"), json={"@type": EMOTION, "dt": "2024-04-11T11:41:09Z",
                                                    "emotion": "happy", "intensity": 3, "situation": secret},
                status=201)
    journal = client.post(link(carol, "journals"), json={"title": "Private", "description": secret,
                                                         "journal_timestamp": "2024-04-12T20:00:00Z"}, status=201).json
    tagtype = professional.post(professional.url("tagtypes"), json={"name": f"trigger-{uuid.uuid4().hex[:6]}"},
                                status=201).json
    client.post(link(journal, "tags"), json={"tagtype": tagtype["@url"], "description": secret}, status=201)
    goal = professional.post(link(carol, "goals"), json={
        "title": secret[:200], "is_onetime": False, "frequency": "Daily", "startdate": "2024-04-01T07:00:00Z",
        "targetdate": "2024-04-05T00:00:00Z", "is_therapist_approved": True}, status=201).json
    item = professional.get(link(goal, "tracking")).json["@items"][0]
    client.patch(item["@url"], json={"iscompleted": True})
    mood = client.post(link(carol, "moods"), json={"logdate": "2024-04-12T08:00:00Z", "mood": "calm",
                                                   "reasons": [secret]}, status=201).json
    # The care team: a conversation both wrote in (Pat read Carol's), feedback on the mood, a relative invited.
    client.post(link(carol, "messages"), json={"text": secret}, status=201)
    reply = professional.post(link(carol, "messages"), json={"text": secret}, status=201).json
    client.patch(reply["@url"], json={"read": True})
    professional.post(link(mood, "feedback"), json={"text": secret}, status=201)
    client.post(link(carol, "relatives"), json={"can_see": ["moods"]}, status=201)
    professional.get(link(carol, "diary.entries.items"))
    return carol


def ids_of(app, username):
    with app.registry["dbengine"].connect() as connection:
        user_id = connection.execute(sa.text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar()
        client_id = connection.execute(sa.text("SELECT id FROM clients WHERE user_id = :u"), {"u": user_id}).scalar()
    return user_id, client_id


def rows_holding(app, *needles) -> list:
    """(table, row) of every row of every table of the models whose values hold one of `needles`."""
    found = []
    with app.registry["dbengine"].connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                text = " ".join(str(value) for value in row)
                if any(needle in text for needle in needles):
                    found.append((table.name, tuple(row)))
    return found


def test_own_erasure_needs_the_password_and_erases_nothing_without_it(app, client, professional, caseload):
    fill(client, professional, "nothing goes")
    me = client.url("me")
    assert client.delete(me, status=400).json["extra"][0]["name"] == "body"
    assert [p["name"] for p in client.delete(me, json={}, status=400).json["extra"]] == ["password"]
    assert [p["name"] for p in client.delete(me, json={"password": 42}, status=400).json["extra"]] == ["password"]
    client.delete(me, json={"password": "not my password"}, status=401)
    client.delete(me, json={"password": PASSWORD}, headers={"If-Match": '"stale"'}, status=412)
    carol = client.client()
    assert client.get(link(carol, "journals")).json["@items"]
    assert len(rows_holding(app, "nothing goes")) == 8  # entry, journal, tag, goal, mood, 2 messages, feedback


def test_a_client_erases_everything_of_theirs(app, testapp, admin, client, professional, caseload):
    carol = fill(client, professional, "my erased secret")
    user_id, client_id = ids_of(app, "carol")
    me = client.url("me")
    client.delete(me, json={"password": PASSWORD}, status=204)

    assert rows_holding(app, user_id, client_id, "my erased secret") == []
    # Her tokens are gone: the access token is a 401, the refresh token too.
    client.get(carol["@url"], status=401)
    testapp.post_json(Api(testapp).url("auth.refresh"), {"refresh": client.refresh}, status=401)
    # What she was is unknown now, to admins too.
    admin.get(carol["@url"], status=404)
    admin.get(me, status=404)
    admin.delete(me, status=404)
    assert professional.get(professional.url("clients")).json["@items"] == []
    # The username is free again: a new Carol starts empty.
    Api(testapp).post(Api(testapp).url("auth.register"),
                      json={"username": "carol", "email": "c@example.org", "password": PASSWORD}, status=201)
    again = sign_in(testapp, "carol")
    assert again.get(link(again.client(), "journals")).json["@items"] == []
    # The audit keeps that an erasure happened, and not who or what.
    events = admin.get(admin.url("audit"), params={"limit": 500}).json["@items"]
    erase = [e for e in events if e["action"] == "erase"]
    assert erase == [{"@type": "https://ns.hyperdiary.org/audit-event", "time": erase[0]["time"], "actor": None,
                      "actor_role": "client", "action": "erase", "resource": None, "status": 204, "client": None}]
    # Pat's reads of her diary stay in the trail, without saying whose or what.
    pat = professional.me()["@url"]
    reads = [e for e in events if e["action"] == "read" and e["actor"] == pat]
    assert reads and all(e["resource"] is None and e["client"] is None for e in reads)


def test_an_admin_erases_any_user_without_a_password(app, admin, client, professional, caseload):
    fill(client, professional, "erased by the admin")
    user_id, client_id = ids_of(app, "carol")
    me = client.me()["@url"]
    professional.delete(me, status=404)  # a professional does not see users
    admin.delete(me, status=204)
    assert rows_holding(app, user_id, client_id, "erased by the admin") == []
    erase = [e for e in admin.get(admin.url("audit")).json["@items"] if e["action"] == "erase"]
    assert [(e["actor"], e["actor_role"], e["resource"]) for e in erase] == [(admin.me()["@url"], "admin", None)]
    admin.delete(me, status=404)


def test_erasing_a_professional_removes_their_user_and_links(app, admin, client, professional, caseload):
    carol = client.client()
    # What Pat said to Carol stays with Carol, forgetting who said it; what Pat read goes.
    said = professional.post(link(carol, "messages"), json={"text": "from Pat"}, status=201).json
    professional.patch(client.post(link(carol, "messages"), json={"text": "to Pat"}, status=201).json["@url"],
                       json={"read": True})
    assert [p["username"] for p in client.get(link(carol, "professionals")).json["@items"]] == ["pat"]
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.org/erasure/pat:1",
              "title": "Pat's", "type": "object", "properties": {"x": {"type": "integer"}}}
    professional.post(professional.url("schemas"), json=schema, status=201)
    pat_id, _ = ids_of(app, "pat")
    admin.delete(professional.me()["@url"], status=204)
    assert client.get(link(carol, "professionals")).json["@items"] == []
    assert rows_holding(app, pat_id) == [] or all(table == "audit_events" for table, _ in rows_holding(app, pat_id))
    assert client.get(said["@url"]).json["text"] == "from Pat"
    # The schema Pat uploaded stays (diaries may use it), without its uploader.
    with app.registry["dbengine"].connect() as connection:
        assert connection.execute(sa.text("SELECT creator_id FROM entry_schemas WHERE id = :i"),
                                  {"i": schema["$id"]}).one() == (None,)
    assert client.get(link(carol, "journals")).status_code == 200


def test_erasing_a_researcher_keeps_the_subjects_shared_with_others(app, admin, researcher, colleague):
    subjects = researcher.url("subjects")
    shared = researcher.post(subjects, json={"name": "Shared mouse"}, status=201).json
    researcher.post(link(shared, "members"), json={"username": "ron"}, status=201)
    alone = researcher.post(subjects, json={"name": "Rosa's own mouse"}, status=201).json
    log = researcher.post(researcher.url("subjectlogs"), json={"type": "Weighing", "subject": alone["@url"]},
                          status=201).json
    researcher.patch(link(log, "add_entry"), json={"date_time": "2024-05-01T08:00:00Z",
                                                   "details": {"weight": {"value": 21.5, "unit": "g"}}})
    rosa_id, _ = ids_of(app, "rosa")
    admin.delete(researcher.me()["@url"], status=204)
    kept = colleague.get(shared["@url"]).json
    assert kept["name"] == "Shared mouse"
    assert [m["username"] for m in colleague.get(link(kept, "members")).json["@items"]] == ["ron"]
    admin.get(alone["@url"], status=404)
    admin.get(log["@url"], status=404)
    assert [row for row in rows_holding(app, rosa_id, "Rosa's own mouse") if row[0] != "audit_events"] == []


def test_a_second_server_process_sees_the_erasure_at_once(app_settings, app, testapp, client):
    other = main({}, **app_settings)
    try:
        second = webtest.TestApp(other, extra_environ={"HTTP_HOST": "example.com"})
        carol = sign_in(second, "carol")
        assert carol.client()["name"] == "Carol Client"
        own = carol.client()["@url"]
        client.delete(client.url("me"), json={"password": PASSWORD}, status=204)  # through the first process
        carol.get(own, status=401)
        second.post_json("http://example.com/auth/token", {"username": "carol", "password": PASSWORD}, status=401)
        Api(second).post(Api(second).url("auth.register"),
                         json={"username": "carol", "email": "c@example.org", "password": PASSWORD}, status=201)
    finally:
        dispose(other.registry)


def test_the_erased_text_is_gone_from_the_sqlite_files(app, app_settings, client, professional, caseload):
    url = sa.engine.make_url(app_settings["sqlalchemy.url"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's files; PostgreSQL's part is test_postgresql_keeps_no_erased_text_after_the_operators_vacuum")
    secret = f"unique-secret-{uuid.uuid4().hex}"
    # Another client's records share the pages of Carol's: deleting hers leaves no page empty (an emptied
    # page is reset whole, which would hide text that a delete left in a page's free space).
    testapp = client.testapp
    Api(testapp).post(Api(testapp).url("auth.register"),
                      json={"username": "dave", "email": "d@example.org", "password": PASSWORD}, status=201)
    dave = sign_in(testapp, "dave")
    dave_journals = link(dave.client(), "journals")
    for day in range(1, 4):
        dave.post(dave_journals, json={"title": "Dave's", "description": f"day {day}",
                                       "journal_timestamp": f"2024-04-0{day}T20:00:00Z"}, status=201)
    fill(client, professional, secret)
    dave.post(dave_journals, json={"title": "Dave's", "description": "later",
                                   "journal_timestamp": "2024-04-09T20:00:00Z"}, status=201)
    database = pathlib.Path(url.database)

    def files_holding() -> list[str]:
        """The database's files that hold the secret, read by another process: closing a file of the database
        in this one would drop the POSIX locks the app's SQLite connections hold on it (fcntl locks belong to
        the process), and other processes would then misread the database."""
        script = ("import pathlib, sys\n"
                  "d = pathlib.Path(sys.argv[1])\n"
                  "print(' '.join(p.name for p in d.parent.glob(d.name + '*')"
                  " if p.is_file() and sys.argv[2].encode() in p.read_bytes()))\n")
        found = subprocess.run([sys.executable, "-c", script, str(database), secret], capture_output=True,
                               text=True, check=True).stdout.split()
        return found

    assert files_holding(), "the test must see the text before"
    client.delete(client.url("me"), json={"password": PASSWORD}, status=204)
    assert files_holding() == []


def test_postgresql_keeps_no_erased_text_after_the_operators_vacuum(app, app_settings, client, professional,
                                                                   caseload):
    """PostgreSQL keeps a deleted row's bytes in the table's file until the space is reused: the README
    tells the operator to run `VACUUM FULL` on the client-data tables after erasures. This runs that and
    reads the tables' files (when the server's data directory is on this machine and readable)."""
    if sa.engine.make_url(app_settings["sqlalchemy.url"]).get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL's files; SQLite's part is test_the_erased_text_is_gone_from_the_sqlite_files")
    engine = app.registry["dbengine"]
    secret = f"unique-secret-{uuid.uuid4().hex}"
    fill(client, professional, secret)

    def files_holding(connection) -> list[str]:
        connection.exec_driver_sql("CHECKPOINT")  # the pages on disk, not only in shared buffers
        data = pathlib.Path(connection.exec_driver_sql("SHOW data_directory").scalar())
        found = []
        for table in Base.metadata.sorted_tables:
            paths = connection.execute(sa.text(
                "SELECT pg_relation_filepath(c.oid), pg_relation_filepath(NULLIF(c.reltoastrelid, 0)) "
                "FROM pg_class c WHERE c.oid = to_regclass(:t)"), {"t": table.name}).one()
            for path in filter(None, paths):
                for file in data.glob(path + "*"):
                    if secret.encode() in file.read_bytes():
                        found.append(table.name)
        return found

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        try:
            before = files_holding(connection)
        except (PermissionError, sa.exc.DBAPIError) as error:
            pytest.skip(f"the server's files cannot be read from here: {error}")
        assert before, "the test must see the text in the files before"
        client.delete(client.url("me"), json={"password": PASSWORD}, status=204)
        assert rows_holding(app, secret) == []
        for table in Base.metadata.sorted_tables:  # what the README tells the operator to run
            connection.exec_driver_sql(f'VACUUM FULL "{table.name}"')
        assert files_holding(connection) == []
