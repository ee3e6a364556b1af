"""What keeps a request cheap (docs/performance.md, issue 27), with the same answers: the statements every request
sends run on the driver's cursor on PostgreSQL (hyperdiary/models/direct.py), a read takes no ORM session there,
and the app registers no Pyramid subscriber."""
import sqlalchemy as sa

from hyperdiary.models import direct
from tests.conftest import link

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def entries_of(client):
    body = client.client()
    return link(body, "diary.entries"), link(body, "diary.entries.items")


def test_the_lineage_a_page_an_insert_and_the_audit_event_skip_sqlalchemys_result(app, client, database_url):
    """`Connection._cursor_execute` (the driver's cursor) passes no execution context to the cursor events;
    SQLAlchemy's path for a statement does. The events still fire, so statements are still counted and logged."""
    entries, items = entries_of(client)
    made = client.post(entries, json={"@type": EMOTION, "dt": "2024-05-01T09:00:00Z", "emotion": "happy",
                                      "intensity": 4}, status=201).json
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append((statement.split(None, 3)[:3], context is None))

    engines = {app.registry["dbengine"], app.registry["read_dbengine"]}
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", note)
    try:
        client.get(made["@url"])
        client.get(items + "?limit=50")
        client.get(items + "?modified_after=2000-01-01T00:00:00Z")
        client.post(entries, json={"@type": EMOTION, "dt": "2024-05-02T09:00:00Z", "emotion": "sad",
                                   "intensity": 2}, status=201)
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", note)
    on_the_cursor = database_url.startswith("postgresql")
    # GET one: the lineage; the page and the sync: the lineage and the page; POST: the lineage, the INSERT, the
    # audit event.
    assert len(seen) == 1 + 2 + 2 + 3, seen
    assert all(direct_ == on_the_cursor for _, direct_ in seen), seen


def test_the_driver_cursor_answers_what_sqlalchemy_answers(client, monkeypatch):
    """The same record, page, sync page and written entry, byte for byte, with every statement made to take
    SQLAlchemy's path (no plan) and with the driver's cursor."""
    entries, items = entries_of(client)
    for day in range(1, 4):
        client.post(entries, json={"@type": EMOTION, "dt": f"2024-05-0{day}T09:00:00Z", "emotion": "scared",
                                   "intensity": day, "situation": "ü \u2028 \"quoted\""}, status=201)
    gone = client.get(items + "?limit=1").json["@items"][0]["@url"]
    client.delete(gone, status=204)
    urls = [items + "?limit=2", items + "?modified_after=2000-01-01T00:00:00Z",
            client.get(items + "?limit=1").json["@items"][0]["@url"]]
    direct_answers = [client.get(url).body for url in urls]
    monkeypatch.setattr(direct, "_plan", lambda *args: None)
    assert [client.get(url).body for url in urls] == direct_answers
    body = {"@type": EMOTION, "dt": "2024-06-01T09:00:00Z", "emotion": "angry", "intensity": 1}
    through_sqlalchemy = client.post(entries, json=body, status=201).json
    monkeypatch.undo()
    again = client.post(entries, json=body, status=200).json  # the dedupe answer: the stored entry, read back
    assert again == through_sqlalchemy
    fresh = client.post(entries, json=dict(body, dt="2024-06-02T09:00:00Z"), status=201).json
    assert {k: v for k, v in fresh.items() if k not in ("@url", "dt", "@changes", "@links")} == \
        {k: v for k, v in through_sqlalchemy.items() if k not in ("@url", "dt", "@changes", "@links")}


def test_a_read_on_postgresql_takes_no_orm_session(client, database_url):
    """GET one record and a page run on a connection of the read pool (request.dbconnection): no ORM session
    takes a connection for them. On SQLite the session's transaction is the read's snapshot, so one does."""
    from sqlalchemy.orm import Session

    entries, items = entries_of(client)
    made = client.post(entries, json={"@type": EMOTION, "dt": "2024-05-01T09:00:00Z", "emotion": "happy",
                                      "intensity": 4}, status=201).json
    begun = []

    def note(session, transaction, connection):
        begun.append(session)

    sa.event.listen(Session, "after_begin", note)
    try:
        client.get(made["@url"])
        client.get(items + "?limit=50")
    finally:
        sa.event.remove(Session, "after_begin", note)
    assert len(begun) == (0 if database_url.startswith("postgresql") else 2)


def test_the_app_registers_no_pyramid_subscriber(app):
    """With any subscriber registered Pyramid notifies five events on every request (NewRequest, BeforeTraversal,
    ContextFound, NewResponse, BeforeRender): the invalid-token check runs in the traverser
    (security.Traverser), every answer's headers in a response callback (rendering.add_headers), and what
    follows an entry's change through registry["entry_changed"]."""
    assert app.registry.has_listeners is False


def test_every_answer_still_carries_its_headers(testapp):
    """What the NewResponse subscriber added, now a response callback: also on an error and a 401."""
    for url, status in (("/", 200), ("/no/such/thing", 404)):
        response = testapp.get(url, status=status)
        assert response.headers["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate"
        assert response.headers["Link"] == '<http://example.com/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"'
    refused = testapp.get("/", headers={"Authorization": "Bearer not-a-token"}, status=401)
    assert "Link" in refused.headers and refused.json["message"].startswith("The access token is not valid")
