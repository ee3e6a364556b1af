"""A page of 50 diary entries: its HTML page against its JSON (issue 24: the page costs under twice the JSON).

    .venv/bin/python bench/pages.py [DATABASE_URL]                 wall-clock medians (drift with the load)
    .venv/bin/python bench/pages.py --instructions [DATABASE_URL]  instructions per request under callgrind
    make bench-pages                                               the latter, on SQLite

Default URL: BENCH_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test (a schema of its own,
dropped afterwards); `make bench-pages` gives a fresh SQLite file (sqlite:///var/bench-pages.sqlite).

Both modes seed the same way, through the API (webtest, no sockets): one client in Europe/Amsterdam writes 200
entries of the five shipped types. The measured request is GET diary.entries.items?limit=50, as that client,
once with `Accept: application/json` and once with a browser's Accept header: the same request, whose HTML
answer is the JSON answer plus its page (the JSON parsed back, the forms of the client's writes, five entry
types, and the table of 50 rows of mixed types: the widest table the diary makes).

Wall clock: REPEAT rounds (default 100) after 10 warm-up rounds, JSON then HTML in each round, so that a drift
of the machine's speed falls on both alike; medians, 90th percentiles and their ratio.

Instructions (the measure that does not drift with the machine's load, as in bench/instructions.py): the seeded
database is opened by a second process under `valgrind --tool=callgrind`, which sends 20 warm-up requests of
each kind, then ROUNDS rounds of REQUESTS requests of each kind, each batch inside `contextvars.Context().run`
(callgrind counts only inside it and dumps after each): instructions per request, for JSON and HTML, and their
ratio. Valgrind runs requests ~50x slower: a run takes a minute or two.
"""
import argparse
import contextvars
import datetime
import gc
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

BENCH = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from goals_moods import analyze, link, main_, signed_in_client  # noqa: E402

import goals_moods  # noqa: E402
from hyperdiary.models import dispose  # noqa: E402

goals_moods.REPEAT = int(os.environ.get("REPEAT", 100))
NS = "https://ns.hyperdiary.org/diary/schema/entry/"
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
KINDS = {"JSON": "application/json", "HTML": HTML}
WARMUP, REQUESTS, ROUNDS = 20, 10, 2


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


def seed(url):
    """The client and its 200 entries: (app, testapp, headers, the URL of its entries' listing)."""
    app, testapp, headers, client = signed_in_client(url)
    entries = link(client, "diary.entries")
    for n in range(200):
        testapp.post_json(entries, bodies(n), headers=headers, status=201)
    analyze(app, url)
    return app, testapp, headers, link(client, "diary.entries.items")


def wall_clock(url):
    app, testapp, headers, items = seed(url)
    sent = {name: dict(headers, Accept=accept) for name, accept in KINDS.items()}
    times = {name: [] for name in KINDS}
    sizes = {}
    for round_ in range(goals_moods.REPEAT + 10):
        for name, each in sent.items():
            start = time.perf_counter()
            response = testapp.get(items, params={"limit": "50"}, headers=each)
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


# --- instructions ------------------------------------------------------------------------------------------


def measure(plan_path):
    """The process under valgrind: the app on the seeded database, warm-ups, then the counted batches."""
    import webtest
    from pyramid.paster import get_appsettings

    from hyperdiary import main
    from instructions import instrumentation, measured_requests

    plan = json.loads(pathlib.Path(plan_path).read_text())
    settings = dict(get_appsettings(str(BENCH.parent / "testing.ini")))
    settings["sqlalchemy.url"] = plan["url"]
    app = main({}, **settings)
    # lint=False: webtest's WSGI conformance checks are the harness's cost, not the app's.
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "bench.example"}, lint=False)
    requests = {}
    for name, accept in KINDS.items():
        headers = {"Authorization": f"Bearer {plan['token']}", "Accept": accept}

        def request(number, headers=headers):
            response = testapp.get(plan["items"], params={"limit": "50"}, headers=headers)
            assert response.status_int == 200 and len(response.body) > 1000, response.status

        requests[name] = request
    parts, sizes = [], {}
    for number in range(WARMUP):
        for request in requests.values():
            request(number)
    instrumentation("on")
    for round_ in range(ROUNDS):
        for name, request in requests.items():
            gc.collect()
            contextvars.Context().run(measured_requests, request, range(REQUESTS))
            parts.append(name)
    instrumentation("off")
    for name, accept in KINDS.items():
        sizes[name] = len(testapp.get(plan["items"], params={"limit": "50"}, headers={
            "Authorization": f"Bearer {plan['token']}", "Accept": accept}).body)
    plan.update(parts=parts, sizes=sizes)
    pathlib.Path(plan_path).write_text(json.dumps(plan))
    dispose(app.registry)


def instructions(url):
    from instructions import MARKER, dump_totals

    if not shutil.which("valgrind"):
        sys.exit("valgrind is missing: apt-get install valgrind (make valgrind)")
    app, testapp, headers, items = seed(url)
    dispose(app.registry)
    out = pathlib.Path(tempfile.mkdtemp(prefix="bench-pages-"))
    plan_path = out / "plan.json"
    plan_path.write_text(json.dumps({"url": url, "token": headers["Authorization"].split()[1], "items": items}))
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONWARNINGS="ignore:pkg_resources is deprecated")
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
               f"--toggle-collect={MARKER}", f"--dump-after={MARKER}", f"--callgrind-out-file={out / 'callgrind.out'}",
               sys.executable, str(pathlib.Path(__file__).resolve()), "--measure", str(plan_path)]
    process = subprocess.run(command, env=env, stderr=subprocess.PIPE, text=True)
    if process.returncode:
        sys.exit(f"the measured process failed ({process.returncode}):\n{process.stderr[-4000:]}")
    plan = json.loads(plan_path.read_text())
    totals = dump_totals(out)
    if len(totals) != len(plan["parts"]):
        sys.exit(f"{len(totals)} callgrind dumps for {len(plan['parts'])} measured batches")
    per_request = {}
    for name, total in zip(plan["parts"], totals):
        per_request.setdefault(name, []).append(total / REQUESTS / 1e6)
    for name, rounds in per_request.items():
        print(f"page of 50 entries as {name}: {statistics.mean(rounds):7.2f} M instructions / request   rounds "
              f"{', '.join(f'{r:.2f}' for r in rounds)}   {plan['sizes'][name] / 1024:6.1f} KiB")
    ratio = statistics.mean(per_request["HTML"]) / statistics.mean(per_request["JSON"])
    print(f"HTML / JSON (instructions): {ratio:.2f}   (callgrind dumps: {out})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the process under valgrind
    parser.add_argument("url", nargs="?")
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure)
    sys.argv[1:] = [args.url] if args.url else []
    if args.url and args.url.startswith("sqlite:///"):
        path = pathlib.Path(args.url[len("sqlite:///"):])
        if path.exists():
            path.unlink()  # a fresh file each run
        path.parent.mkdir(parents=True, exist_ok=True)
    main_(instructions if args.instructions else wall_clock)


if __name__ == "__main__":
    main()
