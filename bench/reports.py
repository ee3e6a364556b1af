"""In-process timings of the reports, perWeek above all, over a year of one client's records.

    .venv/bin/python bench/reports.py [DATABASE_URL]

The database is handled as in bench/goals_moods.py (default BENCH_POSTGRES_URL or the local PostgreSQL, in a
schema of its own, dropped afterwards). Through the API it creates one client in Europe/Amsterdam with the year
2024 of records: 3 diary entries (of two types), 3 journals and 3 mood logs a day (1,098 of each), and 20 Daily
goals (7,320 tracking items), about half of whose items are then ticked in SQL (7,320 PATCHes would time nothing
of interest). After ANALYZE and a warm-up it prints the median and the 90th percentile of REPEAT calls (default
30) of:

- perWeek's statement alone (`reports.per_week` on a held connection: a grouped SELECT per kind, UNION ALL),
  with the fastest call too (on a busy machine the minimum says more about the work than the median);
- GET perWeek and perSchema for reference_date 2024-12-31, and entriesSince from 2024-10-07 (its first page of 50,
  and the counts of 12 weeks), in process (webtest, no sockets: token check, traversal, the queries, JSON);

then, on PostgreSQL, EXPLAIN ANALYZE of perWeek's statement. The 12 weeks hold the end of daylight saving time.
"""
import datetime
import statistics
import time

import sqlalchemy as sa
from goals_moods import REPEAT, analyze, link, main_, signed_in_client, timed

from hyperdiary import localtime
from hyperdiary import reports
from hyperdiary.models import dispose

EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
MOMENT = "https://ns.hyperdiary.org/diary/schema/entry/moment:1"
MOODS = ("happy", "calm", "sad", "anxious", "tired")
ZONE = "Europe/Amsterdam"


def seed(testapp, headers, client):
    entries, journals, moods = link(client, "diary.entries"), link(client, "journals"), link(client, "moods")
    for day in range(366):
        for n, hour in enumerate((7, 13, 20)):
            moment = (datetime.datetime(2024, 1, 1, hour, 5 * n) + datetime.timedelta(days=day)).isoformat() + "Z"
            entry = ({"@type": EMOTION, "emotion": "happy", "intensity": 1 + n} if n % 2 == 0
                     else {"@type": MOMENT, "text": f"day {day}"})
            testapp.post_json(entries, dict(entry, dt=moment), headers=headers)
            testapp.post_json(journals, {"journal_timestamp": moment, "title": f"Note {n}"}, headers=headers)
            testapp.post_json(moods, {"logdate": moment, "mood": MOODS[(day + n) % 5]}, headers=headers)
    goals = [{"title": f"Goal {n}", "is_onetime": False, "frequency": "Daily", "startdate": "2024-01-01T08:00:00Z",
              "targetdate": "2024-12-31T00:00:00Z"} for n in range(20)]
    testapp.post_json(link(client, "goals.batch"), goals, headers=headers)


def run(url):
    app, testapp, headers, client = signed_in_client(url, ZONE)
    start = time.perf_counter()
    seed(testapp, headers, client)
    engine = app.registry["dbengine"]
    with engine.begin() as conn:  # ticks about half of the items: those whose random id ends in an even digit
        ticked = conn.execute(sa.text("UPDATE goal_tracking SET iscompleted = :yes WHERE substr(id, 32, 1) IN "
                                      "('0', '2', '4', '6', '8', 'a', 'c', 'e')"), {"yes": True}).rowcount
    analyze(app, url)
    backend = sa.engine.make_url(url).get_backend_name()
    print(f"database: {backend}; seeded 3 × 1,098 entries, journals, moods and 7,320 tracking items "
          f"({ticked} ticked) through the API in {time.perf_counter() - start:.0f} s")

    client_id = client["@url"].rstrip("/").rsplit("/", 1)[1]
    weeks = reports.weeks(datetime.date(2024, 12, 31), localtime.zone(ZONE))
    statements = []
    with app.registry["read_dbsession_factory"]() as session:  # as requests that only read connect
        conn = session.connection()
        rows = reports.per_week(conn, client_id, weeks)  # warm-up: statement cache, plans
        times = []
        for _ in range(REPEAT):
            begin = time.perf_counter()
            reports.per_week(conn, client_id, weeks)
            times.append((time.perf_counter() - begin) * 1000)
        times.sort()
        print(f"{'perWeek statement':22} median {statistics.median(times):7.2f} ms   p90 "
              f"{times[int(len(times) * 0.9) - 1]:7.2f} ms   min {times[0]:5.2f} ms   ({REPEAT} calls)")
        print("   weeks:", ", ".join(f"{row['week']} {row['entries']}/{row['journals']}/{row['moods']}/"
                                     f"{row['goals_completed']}" for row in rows[-3:]), "(entries/journals/moods/goals)")

        @sa.event.listens_for(conn, "before_cursor_execute")
        def capture(conn_, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        reports.per_week(conn, client_id, weeks)
        sa.event.remove(conn, "before_cursor_execute", capture)

    reports_url = link(testapp.get(client["@url"], headers=headers).json, "reports")
    kinds = testapp.get(reports_url, headers=headers).json
    for name, params in (("perWeek", {}), ("perSchema", {}), ("entriesSince", {"reference_date": "2024-10-07"})):
        median, p90, size = timed(testapp, link(kinds, name), headers, {"reference_date": "2024-12-31", **params})
        print(f"GET {name:18} median {median:7.2f} ms   p90 {p90:7.2f} ms   {size / 1024:5.0f} KiB   ({REPEAT} calls)")

    if backend == "postgresql":
        with engine.connect() as conn:
            for statement, parameters in statements:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
                print("\n".join("   " + line[:150] for line in plan))
    dispose(app.registry)


if __name__ == "__main__":
    main_(run)
