"""In-process timing of a page of 50 diary entries: its HTML page against its JSON.

    .venv/bin/python bench/pages.py [DATABASE_URL]

Default URL: BENCH_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test (a schema of its own,
dropped afterwards; a SQLite URL gets a fresh file). Through the API (webtest, no sockets) one client in
Europe/Amsterdam writes 200 entries of the five shipped types; then GET diary.entries.items?limit=50 is timed
REPEAT times (default 100) with `Accept: application/json` and with a browser's Accept header, interleaved,
and the median and 90th percentile of each are printed with their ratio. The HTML answer is the same request plus
the page: the JSON parsed back, the forms of the client's writes (five entry types) and the table.
"""
import datetime
import os
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goals_moods import analyze, link, main_, signed_in_client  # noqa: E402

import goals_moods  # noqa: E402
from hyperdiary.models import dispose

goals_moods.REPEAT = int(os.environ.get("REPEAT", 100))
NS = "https://ns.hyperdiary.org/diary/schema/entry/"
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def bodies(n: int):
    moment = datetime.datetime(2024, 1, 1, 8) + datetime.timedelta(hours=7 * n)
    dt = moment.isoformat() + "Z"
    kinds = [
        {"@type": NS + "emotion:1", "emotion": ("happy", "sad", "angry", "scared")[n % 4], "intensity": 1 + n % 5,
         "situation": f"At work, day {n}"},
        {"@type": NS + "moment:1", "text": f"A moment worth keeping, number {n}"},
        {"@type": NS + "sleep:1", "sleep_quality": 1 + n % 5, "hours": 6.5, "notes": "woke up once"},
        {"@type": NS + "activity:1", "activity": "Walk in the park", "category": "pleasurable", "pleasure": 7,
         "mastery": 4, "with_others": True},
        {"@type": NS + "thought_record:1", "situation": "Meeting", "automatic_thought": "They think I am slow",
         "emotion": "anxious", "emotion_intensity": 70, "distortions": ["mind_reading"], "outcome_intensity": 30},
    ]
    return dict(kinds[n % 5], dt=dt)


def run(url):
    app, testapp, headers, client = signed_in_client(url)
    entries = link(client, "diary.entries")
    for n in range(200):
        testapp.post_json(entries, bodies(n), headers=headers, status=201)
    analyze(app, url)
    items = link(client, "diary.entries.items")
    # Interleaved, JSON then HTML in each round, so that a drift of the machine's speed (other processes on
    # its two cores) falls on both alike.
    kinds = {"JSON": dict(headers, Accept="application/json"), "HTML": dict(headers, Accept=HTML)}
    times = {name: [] for name in kinds}
    sizes = {}
    for round_ in range(goals_moods.REPEAT + 10):
        for name, sent in kinds.items():
            start = time.perf_counter()
            response = testapp.get(items, params={"limit": "50"}, headers=sent)
            if round_ >= 10:  # the first rounds warm up (statement caches, compiled templates, the form cache)
                times[name].append((time.perf_counter() - start) * 1000)
            sizes[name] = len(response.body)
    for name, values in times.items():
        values.sort()
        print(f"page of 50 entries as {name}: median {statistics.median(values):6.2f} ms   "
              f"p90 {values[int(len(values) * 0.9) - 1]:6.2f} ms   {sizes[name] / 1024:6.1f} KiB   "
              f"({goals_moods.REPEAT} calls)")
    print(f"HTML / JSON (medians): {statistics.median(times['HTML']) / statistics.median(times['JSON']):.2f}")
    dispose(app.registry)


if __name__ == "__main__":
    main_(run)
