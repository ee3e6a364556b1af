"""The SQL behind the benchmark's scenarios, and PostgreSQL's plans for it.

    python bench/explain.py DATABASE_URL ACCESS_TOKEN MODIFIED_AFTER   → a text report on stdout

Runs hyperdiary in process (production.ini, the given database) behind WebTest, sends each scenario's
request once to warm up and once more while recording every statement the app sends to the database,
then prints the time per request in process (no HTTP server, one thread), the statements per
request and, for each SELECT, `EXPLAIN (ANALYZE, BUFFERS)` run with the
very parameters the app used (`EXPLAIN QUERY PLAN` on SQLite). The POST is sent last: it writes an
entry (dated 2031, after every seeded one), which the next seeding removes.
"""
import pathlib
import sys
import time
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import sqlalchemy as sa  # noqa: E402
import webtest  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from hyperdiary import main  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
REPEAT = 300


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name)


def explain(url, token, modified_after):
    settings = dict(get_appsettings(str(ROOT / "production.ini")))
    settings["sqlalchemy.url"] = url
    app = main({}, **settings)
    engine = app.registry["dbengine"]
    captured = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    headers = {"Authorization": f"Bearer {token}"}

    def path(absolute):
        return absolute.split("127.0.0.1", 1)[1]

    me = testapp.get(path(link(testapp.get("/", headers=headers).json, "me")), headers=headers).json
    client = testapp.get(path(link(me, "client")), headers=headers).json
    items = path(link(client, "diary.entries.items"))
    entries = path(link(client, "diary.entries"))
    entry = path(testapp.get(items + "?limit=1", headers=headers).json["@items"][0]["@url"])
    body = {"@type": EMOTION, "dt": "2031-01-01T00:00:00Z", "emotion": "sad", "intensity": 3,
            "situation": "explain"}
    next_page = path(link(testapp.get(items + "?limit=50", headers=headers).json, "next"))
    # A sync from far back: its second page continues after a cursor, as a device catching up would.
    sync_next = path(link(testapp.get(f"{items}?limit=50&modified_after=2000-01-01T00:00:00Z", headers=headers).json,
                          "next"))
    scenarios = [
        ("GET one entry", lambda: testapp.get(entry, headers=headers)),
        ("GET page of 50 + @schemas", lambda: testapp.get(items + "?limit=50", headers=headers)),
        ("modified_after sync (~50)",
         lambda: testapp.get(f"{items}?limit=50&modified_after={modified_after}", headers=headers)),
        ("GET the next page of 50 (keyset cursor)", lambda: testapp.get(next_page, headers=headers)),
        ("sync from the start, second page (keyset cursor)", lambda: testapp.get(sync_next, headers=headers)),
        ("POST new entry", lambda: testapp.post_json(entries, body, headers=headers, status=(200, 201))),
    ]
    postgresql = engine.dialect.name == "postgresql"
    out = [f"database: {engine.dialect.name}, {engine.url.database}",
           "in-process: mean time per request through WebTest, one thread, no HTTP server (GETs only)"]
    for label, send in scenarios:
        took = ""
        if not label.startswith("POST"):
            for _ in range(20):
                send()  # warm-up: the first requests fill caches (schemas, compiled and prepared statements)
            started = time.perf_counter()
            for _ in range(REPEAT):
                send()
            took = f", in-process {(time.perf_counter() - started) / REPEAT * 1000:.2f} ms per request"
        captured.clear()
        response = send()
        statements = list(captured)
        out += ["", f"## {label}: HTTP {response.status_int}, {len(statements)} statements{took}", ""]
        for statement, parameters in statements:
            out.append("    " + " ".join(statement.split()) + f"    -- {parameters!r}"[:400])
        with engine.connect() as conn:
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                command = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
                rows = conn.exec_driver_sql(command + statement, parameters).all()
                out += ["", "    " + " ".join(statement.split())[:160] + " …", ""]
                out += ["        " + " | ".join(str(value) for value in row) for row in rows]
            conn.rollback()
    engine.dispose()
    return "\n".join(out)


if __name__ == "__main__":
    print(explain(sys.argv[1], sys.argv[2], sys.argv[3]))
