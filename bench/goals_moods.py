"""In-process timings of the goals tracker and the mood statistics, on a database of their own.

    .venv/bin/python bench/goals_moods.py [DATABASE_URL]

Default URL: BENCH_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test. The run works in a
PostgreSQL schema of its own (dropped afterwards; a SQLite URL gets a fresh file), migrated by alembic. Through
the API itself (webtest, no sockets) it creates one client with 20 Daily goals over a year (7,320 tracking
items) and a year of daily mood logs (366, with reasons), then times, after a warm-up:

- GET goals.tracker over that year, in Europe/Amsterdam (two DST transitions);
- GET moods.stats over that year, in Europe/Amsterdam;
- GET goals.reminders until the end of the year (every item reminds), first page of 50;

and prints the median and the 90th percentile of REPEAT calls (default 30), with the size of each answer. On
PostgreSQL the tables are ANALYZEd after the load (as autovacuum would): fresh tables without statistics make
the planner sort every item for a page of reminders (about 40 ms instead of well under one).
"""
import datetime
import os
import statistics
import sys
import time
import uuid
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import sqlalchemy as sa  # noqa: E402
import webtest  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from hyperdiary import main, migrate  # noqa: E402
from hyperdiary.models import dispose

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPEAT = int(os.environ.get("REPEAT", 30))
MOODS = ("happy", "calm", "sad", "anxious", "tired")


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name)


def timed(testapp, url, headers, params):
    testapp.get(url, params=params, headers=headers)  # warm-up: statement caches, zone offsets
    times, size = [], 0
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = testapp.get(url, params=params, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        size = len(response.body)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], size


def signed_in_client(url, time_zone="Europe/Amsterdam"):
    """The app on a freshly migrated database, in process; a client registered through the API, living in
    `time_zone`: (app, testapp, headers with its access token, its client resource)."""
    settings = dict(get_appsettings(os.path.join(ROOT, "testing.ini")))
    settings["sqlalchemy.url"] = url
    migrate.upgrade(settings)
    app = main({}, **settings)
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "bench.example"})
    password = "timing the tracker"
    testapp.post_json(link(testapp.get("/").json, "auth.register"),
                      {"username": "bench", "email": "b@example.org", "password": password})
    token = testapp.post_json(link(testapp.get("/").json, "auth.token"),
                              {"username": "bench", "password": password}).json["access"]
    headers = {"Authorization": f"Bearer {token}"}
    me = testapp.get(link(testapp.get("/", headers=headers).json, "me"), headers=headers).json
    client = testapp.get(link(me, "client"), headers=headers).json
    testapp.patch_json(client["@url"], {"time_zone": time_zone}, headers=headers)
    return app, testapp, headers, client


def analyze(app, url):
    """On PostgreSQL, what autovacuum does soon after a load: without statistics, the planner guesses one row."""
    if sa.engine.make_url(url).get_backend_name() == "postgresql":
        with app.registry["dbengine"].connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def run(url):
    app, testapp, headers, client = signed_in_client(url)
    start = time.perf_counter()
    goals = [{"title": f"Goal {n}", "is_onetime": False, "frequency": "Daily", "reminder": True,
              "remindertime": "08:00", "startdate": f"2024-01-01T{6 + n % 12:02d}:00:00Z",
              "targetdate": "2024-12-31T00:00:00Z"} for n in range(20)]
    testapp.post_json(link(client, "goals.batch"), goals, headers=headers)
    created = time.perf_counter() - start
    for day in range(366):
        moment = datetime.datetime(2024, 1, 1, (day * 7) % 24, 30) + datetime.timedelta(days=day)
        testapp.post_json(link(client, "moods"), {
            "logdate": moment.isoformat() + "Z",
            "mood": MOODS[day % 5], "reasons": ["work", "sleep", "family"][: 1 + day % 3]}, headers=headers)
    analyze(app, url)
    print(f"database: {sa.engine.make_url(url).get_backend_name()}; batch of 20 daily goals for 2024 "
          f"(7,320 items): {created * 1000:.0f} ms")
    year = {"fromdate": "2024-01-01", "todate": "2024-12-31"}
    for name, params in (("goals.tracker", year), ("moods.stats", year),
                         ("goals.reminders", {"until": "2025-01-01T00:00:00Z"})):
        median, p90, size = timed(testapp, link(client, name), headers, params)
        print(f"{name:16} median {median:7.1f} ms   p90 {p90:7.1f} ms   {size / 1024:7.0f} KiB   ({REPEAT} calls)")
    dispose(app.registry)


def main_(run=run):
    """`run(url)` on the database named on the command line: in a PostgreSQL schema of its own, dropped
    afterwards (bench/reports.py uses this too)."""
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return run(url)
    schema = f"hdbench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        run(parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    main_()
