"""In-process timing: a conversation of 10,000 messages pages as fast as a diary of 10,000 entries.

    .venv/bin/python bench/conversation.py [DATABASE_URL]

Default URL: BENCH_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test (a schema of its own,
dropped afterwards; a SQLite URL gets a fresh file). One client (bench/goals_moods.signed_in_client) gets
10,000 diary entries and 10,000 messages, inserted straight into the tables (half the messages by a
professional of its caseload, so `read` and the author names are asked for, and none read yet). Then the
first page (limit 50) and a page deep in each listing (`after` from the 100th page's `next` link) are timed
REPEAT times (default 100), interleaved, as the professional reads them (their reads audited, like a
professional's); the medians and their ratio are printed."""
import datetime
import os
import statistics
import sys
import time
import uuid
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goals_moods  # noqa: E402
from goals_moods import analyze, link, main_, signed_in_client  # noqa: E402

from hyperdiary.careteam.models import Message  # noqa: E402
from hyperdiary.accounts.models import CaseloadAssignment, User  # noqa: E402
from hyperdiary.diary.models import Entry  # noqa: E402
from hyperdiary.models import dispose  # noqa: E402

REPEAT = int(os.environ.get("REPEAT", 100))
N = 10_000
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def fill(app, client_id: str, client_user: str, professional: str):
    start = datetime.datetime(2024, 1, 1)
    with app.registry["dbengine"].begin() as conn:
        conn.execute(CaseloadAssignment.__table__.insert(), [{"professional_id": professional, "client_id": client_id,
                                                              "created": start}])
        for chunk in range(0, N, 1000):
            rows = range(chunk, chunk + 1000)
            conn.execute(Entry.__table__.insert(), [{
                "id": uuid.uuid4().hex, "client_id": client_id, "schema_id": EMOTION,
                "dt": start + datetime.timedelta(minutes=37 * n),
                "fields": {"emotion": "happy", "intensity": 1 + n % 5, "situation": f"At work, day {n}"},
                "created": start, "modified": start, "version": 1} for n in rows])
            conn.execute(Message.__table__.insert(), [{
                "id": uuid.uuid4().hex, "client_id": client_id, "author_id": (client_user, professional)[n % 2],
                "text": f"How did the evening go, {n}?", "created": start + datetime.timedelta(minutes=37 * n),
                "modified": start, "version": 1} for n in rows])


def timed(testapp, url, headers):
    times = []
    for _ in range(REPEAT):
        begin = time.perf_counter()
        testapp.get(url, headers=headers)
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


def deep(testapp, url, headers, pages=None):
    pages = pages or N // 100
    for _ in range(pages):
        url = link(testapp.get(url, headers=headers).json, "next")
    return url


def run(url):
    app, testapp, headers, client = signed_in_client(url)
    from hyperdiary import accounts
    with app.registry["dbengine"].begin() as conn:
        client_user = conn.execute(User.__table__.select().where(User.username == "bench")).first().id
    import transaction
    with transaction.manager:
        session = app.registry["dbsession_factory"]()
        pro = accounts.create_user(session, app.registry["password_hasher"], username="benchpro",
                                   password="timing the conversation", email="p@example.org", role="professional",
                                   diary_schemas=app.registry["default_diary_schemas"]).id
    fill(app, client["@url"].rstrip("/").rsplit("/", 1)[-1], client_user, pro)
    analyze(app, url)
    token = testapp.post_json(link(testapp.get("/").json, "auth.token"),
                              {"username": "benchpro", "password": "timing the conversation"}).json["access"]
    pro_headers = {"Authorization": f"Bearer {token}"}
    body = testapp.get(client["@url"], headers=pro_headers).json
    first = {"entries": link(body, "diary.entries.items") + "?limit=50", "messages": link(body, "messages") + "?limit=50"}
    deeper = {name: deep(testapp, page, pro_headers) for name, page in first.items()}
    for name in first:  # warm-up
        testapp.get(first[name], headers=pro_headers)
    results = {}
    for where, urls in (("first page", first), ("page 101", deeper)):
        for name, page in urls.items():
            results[(where, name)] = timed(testapp, page, pro_headers)
        ratio = results[(where, "messages")] / results[(where, "entries")]
        print(f"{where}: entries {results[(where, 'entries')]:.2f} ms, messages {results[(where, 'messages')]:.2f} ms"
              f" (median of {REPEAT}); messages / entries = {ratio:.2f}")
    dispose(app.registry)


if __name__ == "__main__":
    goals_moods.REPEAT = REPEAT
    main_(run)
