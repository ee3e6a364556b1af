"""`make bench-instructions`: instructions per request, in process, under valgrind's callgrind.

Requests per second drift by up to ±30 % between runs on this virtual machine; the number of instructions a
request executes does not. This is the steady measure for comparing two commits (docs/performance.md).

    python bench/instructions.py                  PostgreSQL at BENCH_POSTGRES_URL, in a schema of its own
    python bench/instructions.py --sqlite         SQLite, in a file of its own
    python bench/instructions.py --compare BEFORE.json AFTER.json [LATER.json ...]
                                                  the before/after table of runs' JSON summaries

What a run does:
1. Seeds a fresh database (a PostgreSQL schema `hdinstr_<random>` at BENCH_POSTGRES_URL [postgresql+psycopg://
   postgres@127.0.0.1:5432/test], dropped afterwards; or a temporary SQLite file): bench/seed.py's client with
   10,000 diary entries, a year of journals (1,098) and 20 daily goals (the tracker scenario reads their 7,320
   tracking items), then 200 mood logs POSTed through the API. Seeding runs natively.
2. Starts one process under `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=context_run
   --dump-after=context_run` with PYTHONHASHSEED=0. It builds the app with `hyperdiary.main` from
   production.ini's settings, finds every URL by link names from the root (as a client does), and for each
   scenario sends warm-up requests through webtest, then runs `measured_requests` (the N measured requests)
   ROUNDS times, each inside `contextvars.Context().run(...)`. `context_run` is the C function behind
   `Context.run`, which nothing else in a request calls: callgrind counts instructions only while it runs,
   and writes one dump file as each call returns. So each dump holds exactly N requests, nothing of start-up,
   warm-up or seeding; a request's count is the dump's total / N.
3. After the measured rounds, one more request per scenario with a listener that counts the SQL statements
   it sends (a count that explains most jumps: every statement costs about 0.9 M instructions).
4. Prints the table (M instructions per request, each round, the largest difference between rounds: the
   proof that the figure is steady; the statements) and writes a JSON summary and the callgrind dumps to
   bench/results/instructions-<commit>-<database>-<time>/ (`callgrind_annotate <dump>` says where the
   instructions went, by C function; dump n is the n-th measured round, in the order of SCENARIOS).

Every measured request must answer the expected status (200, or 201 for a POST), else the run fails. Each
POST sends a body no earlier request sent (a later dt or timestamp), so it measures a validated insert, not the
dedupe answer. The bare-Pyramid rows (bench/ceiling.py's app, no database) show what webtest and the framework
cost by themselves under the same harness.

Options: --requests N per round [10], --warmup N [20], --rounds N [2], --scenarios a,b (keys of SCENARIOS).
Valgrind runs a request ~50x slower than native: a run takes a few minutes.
"""
import argparse
import contextvars
import datetime
import gc
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import sqlalchemy as sa  # noqa: E402
from hyperdiary.models import dispose

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ENTRIES = 10_000
MOODS = 200
MOOD_NAMES = ("happy", "calm", "sad", "anxious", "tired")
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
# The C function whose calls delimit what callgrind counts (see the module's docstring).
MARKER = "context_run"
# Requests whose cost the redesign of issue 11 must keep within 5 % (GET one, page of 50, sync, POST).
LIMIT = 0.05

# key: label, in the order they run. Per kind: the reads first, the POST last (its new records would
# otherwise be on the page and in the sync answer).
SCENARIOS = {
    "bare.get": "bare Pyramid GET (no database)",
    "bare.post": "bare Pyramid POST, validated (no database)",
    "entries.get": "GET one entry",
    "entries.page": "GET page of 50 entries + @schemas",
    "entries.sync": "modified_after sync of entries (50)",
    "entries.post": "POST new entry (201)",
    # bench/limit.py: the same requests with one psycopg statement each and nothing else (PostgreSQL only);
    # after entries.post, so that the entries' figures stay comparable with earlier runs.
    "limit.get": "limit: GET one entry (1 psycopg statement)",
    "limit.page": "limit: page of 50 entries",
    "limit.sync": "limit: modified_after sync (50)",
    "limit.post": "limit: POST new entry (one INSERT, autocommit)",
    "moods.get": "GET one mood",
    "moods.page": "GET page of 50 moods",
    "moods.sync": "modified_after sync of moods (50)",
    "moods.post": "POST new mood (201)",
    "journals.get": "GET one journal",
    "journals.page": "GET page of 50 journals",
    "journals.sync": "modified_after sync of journals (50)",
    "journals.post": "POST new journal (201)",
    "goals.tracker": "GET goals.tracker, a year (7,320 items)",
}
# The year bench/run.py asks the tracker for: bench/seed.py's 20 daily goals through 2024, grouped by local day in
# a zone with two DST transitions.
TRACKER_QUERY = "?fromdate=2024-01-01&todate=2024-12-31&time_zone=Europe/Amsterdam"


# --- the measured process (under valgrind) ---------------------------------------------------------

def measured_requests(request, numbers):
    """The requests callgrind counts: it runs inside Context.run, so only inside `context_run`."""
    for number in numbers:
        request(number)


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name)


def stamp(base, number):
    """A distinct UTC instant per POST: `base` plus `number` minutes."""
    return (base + datetime.timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ")


def requests_of(plan):
    """{scenario key: a function sending request number n}, built from the app the way a client finds URLs."""
    import webtest

    from hyperdiary import main
    import ceiling
    from pyramid.paster import get_appsettings

    settings = dict(get_appsettings(str(ROOT / "production.ini")))
    settings["sqlalchemy.url"] = plan["url"]
    app = main({}, **settings)
    # lint=False: webtest's WSGI conformance checks are the harness's cost, not the app's.
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "bench.example"}, lint=False)
    bare = webtest.TestApp(ceiling.make_app(), extra_environ={"HTTP_HOST": "bench.example"}, lint=False)
    headers = {"Authorization": f"Bearer {plan['token']}"}
    me = testapp.get(link(testapp.get("/", headers=headers).json, "me"), headers=headers).json
    client = testapp.get(link(me, "client"), headers=headers).json
    json_headers = dict(headers, **{"Content-Type": "application/json"})
    entry_body = json.dumps({"@type": EMOTION, "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5,
                             "situation": "the same entry again"}).encode()

    def get(url, testapp=testapp):
        return lambda number: testapp.get(url, headers=headers, status=200)

    def post(url, bodies, status=201, testapp=testapp):
        # Bodies are made before the measured loop: only sending them is measured.
        return lambda number: testapp.post(url, bodies[number], headers=json_headers, status=status)

    count = plan["warmup"] + plan["rounds"] * plan["requests"] + 1  # + 1: the statement count's request
    lists = {"entries": link(client, "diary.entries.items"), "moods": link(client, "moods"),
             "journals": link(client, "journals")}
    creates = {"entries": link(client, "diary.entries"), "moods": lists["moods"], "journals": lists["journals"]}
    later = datetime.datetime(2031, 1, 1)
    bodies = {
        "entries": [json.dumps({"@type": EMOTION, "dt": stamp(later, n), "emotion": "sad", "intensity": 3,
                                "situation": f"bench {n:06d}"}).encode() for n in range(count)],
        "moods": [json.dumps({"logdate": stamp(later, n), "mood": "calm", "reasons": ["work", "sleep"]}).encode()
                  for n in range(count)],
        "journals": [json.dumps({"title": f"Bench note {n:06d}", "description": "What happened, and how it felt.",
                                 "journal_timestamp": stamp(later, n)}).encode() for n in range(count)],
    }
    scenarios = {"bare.get": get("/document", bare),
                 "bare.post": post("/document", [entry_body] * count, testapp=bare)}
    scenarios_urls = {}
    for kind, items in lists.items():
        one = scenarios_urls[kind] = testapp.get(items, params={"limit": 1}, headers=headers).json["@items"][0]["@url"]
        scenarios[f"{kind}.get"] = get(one)
        scenarios[f"{kind}.page"] = get(f"{items}?limit=50")
        scenarios[f"{kind}.sync"] = get(f"{items}?limit=50&modified_after={plan['since'][kind]}")
        scenarios[f"{kind}.post"] = post(creates[kind], bodies[kind])
    scenarios["goals.tracker"] = get(link(client, "goals.tracker") + TRACKER_QUERY)
    if plan["url"].startswith("postgresql"):
        import limit

        entry_id = scenarios_urls["entries"].rstrip("/").rsplit("/", 1)[1]
        limited = webtest.TestApp(limit.make_app(plan["url"].replace("postgresql+psycopg://", "postgresql://", 1),
                                                 client["@url"].rstrip("/").rsplit("/", 1)[1]),
                                  extra_environ={"HTTP_HOST": "bench.example"}, lint=False)
        scenarios["limit.get"] = get(f"/entries/{entry_id}", limited)
        scenarios["limit.page"] = get("/entries?limit=50", limited)
        scenarios["limit.sync"] = get(f"/entries?limit=50&modified_after={plan['since']['entries']}", limited)
        later_still = datetime.datetime(2035, 1, 1)
        scenarios["limit.post"] = post("/entries", [json.dumps({
            "@type": EMOTION, "dt": stamp(later_still, n), "emotion": "sad", "intensity": 3,
            "situation": f"limit {n:06d}"}).encode() for n in range(count)], testapp=limited)
    # What the sync scenarios answer is what they claim to measure: 50 changes.
    for kind in lists:
        url = f"{lists[kind]}?limit=50&modified_after={plan['since'][kind]}"
        answered = len(testapp.get(url, headers=headers).json["@items"])
        if answered != 50:
            raise RuntimeError(f"{kind} sync answers {answered} items, not 50")
    return scenarios


def instrumentation(state):
    """Callgrind's instrumentation on or off in this process (started with --instr-atstart=no: start-up and
    warm-ups then run about ten times faster). callgrind_control reaches valgrind through vgdb, which valgrind
    serves between basic blocks: this process keeps running Python while it waits, so that vgdb needs no
    ptrace to wake it."""
    command = subprocess.Popen(["callgrind_control", f"--instr={state}", str(os.getpid())],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while command.poll() is None:
        sum(range(1000))
    output = command.stdout.read()
    if command.returncode or "OK" not in output:
        raise RuntimeError(f"callgrind_control --instr={state} failed: {output}")


def statements(scenarios, keys, number):
    """{key: SQL statements one request of the scenario sends}, after every measured round: the listener
    that counts them would otherwise be part of what is measured."""
    sent = []
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    counts = {}
    for key in keys:
        del sent[:]
        scenarios[key](number)
        counts[key] = len(sent)
    return counts


def measure(plan_path):
    """The process under valgrind: every scenario's warm-up, then its measured rounds; the order of the
    measured rounds (one callgrind dump each) goes to plan['parts']."""
    plan = json.loads(pathlib.Path(plan_path).read_text())
    scenarios = requests_of(plan)
    parts = []
    for key in plan["scenarios"]:
        request = scenarios[key]
        for number in range(plan["warmup"]):
            request(number)
        instrumentation("on")  # what is counted is still only what runs inside context_run
        for round_ in range(plan["rounds"]):
            start = plan["warmup"] + round_ * plan["requests"]
            gc.collect()  # each round starts with the same collector state
            contextvars.Context().run(measured_requests, request, range(start, start + plan["requests"]))
            parts.append(key)
        instrumentation("off")
    plan["parts"] = parts
    plan["statements"] = statements(scenarios, plan["scenarios"],
                                    plan["warmup"] + plan["rounds"] * plan["requests"])
    pathlib.Path(plan_path).write_text(json.dumps(plan))


# --- the driver: seed, run the measured process, read the dumps ----------------------------------------

def schema_url(url, schema):
    parsed = sa.engine.make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def seed_moods(url, token):
    """MOODS mood logs through the API (the way the app writes them), a day apart in 2024."""
    import webtest
    from pyramid.paster import get_appsettings

    from hyperdiary import main

    settings = dict(get_appsettings(str(ROOT / "production.ini")))
    settings["sqlalchemy.url"] = url
    app = main({}, **settings)
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "bench.example"})
    headers = {"Authorization": f"Bearer {token}"}
    me = testapp.get(link(testapp.get("/", headers=headers).json, "me"), headers=headers).json
    moods = link(testapp.get(link(me, "client"), headers=headers).json, "moods")
    for day in range(MOODS):
        moment = datetime.datetime(2024, 1, 1, 8) + datetime.timedelta(days=day, hours=day % 12)
        testapp.post_json(moods, {"logdate": moment.isoformat() + "Z", "mood": MOOD_NAMES[day % 5],
                                  "reasons": ["work", "sleep", "family"][: 1 + day % 3]}, headers=headers, status=201)
    dispose(app.registry)


def since(engine, table):
    """The modification time after which exactly 50 of the table's records follow (its only client's)."""
    with engine.connect() as conn:
        moment = conn.scalar(sa.text(f"SELECT modified FROM {table} ORDER BY modified DESC, id DESC "
                                     "LIMIT 1 OFFSET 50"))
    if isinstance(moment, str):  # SQLite hands back the stored text
        moment = datetime.datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.isoformat() + "Z"


def prepare(url):
    """Seed the database at `url`: {'url', 'token', 'since': {kind: instant}}."""
    import seed

    state = seed.seed(url, ENTRIES)
    seed_moods(url, state["access"])
    engine = sa.create_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")  # as autovacuum soon would after the load
        return {"url": url, "token": state["access"],
                "since": {"entries": state["modified_after"], "moods": since(engine, "moods"),
                          "journals": since(engine, "journals")}}
    finally:
        engine.dispose()


def commit():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def dump_totals(directory):
    """[total instructions of dump 1, 2, ...] from callgrind's `totals:` lines."""
    totals = {}
    for path in directory.glob("callgrind.out.*"):
        number = path.name.rsplit(".", 1)[1]
        if number.isdigit():
            line = next(line for line in path.read_text(errors="replace").splitlines() if line.startswith("totals:"))
            totals[int(number)] = int(line.split()[1])
    return [totals[n] for n in sorted(totals)]


def run_under_callgrind(plan, out):
    if not shutil.which("valgrind"):
        sys.exit("valgrind is missing: apt-get install valgrind")
    plan_path = out / "plan.json"
    plan_path.write_text(json.dumps(plan))
    env = {k: v for k, v in os.environ.items() if k != "HYPERDIARY_DATABASE_URL"}
    env.update(PYTHONHASHSEED="0", PYTHONWARNINGS="ignore:pkg_resources is deprecated")
    # sys.executable, not a wrapper script: valgrind follows no exec (no --trace-children).
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
               f"--toggle-collect={MARKER}", f"--dump-after={MARKER}", f"--callgrind-out-file={out / 'callgrind.out'}",
               sys.executable, str(pathlib.Path(__file__).resolve()), "--measure", str(plan_path)]
    started = time.monotonic()
    process = subprocess.run(command, env=env, stderr=subprocess.PIPE, text=True)
    (out / "valgrind.log").write_text(process.stderr)
    if process.returncode:
        sys.exit(f"the measured process failed ({process.returncode}):\n{process.stderr[-4000:]}")
    plan = json.loads(plan_path.read_text())
    totals = dump_totals(out)
    if len(totals) != len(plan["parts"]):
        sys.exit(f"{len(totals)} callgrind dumps for {len(plan['parts'])} measured rounds: does this Python's "
                 f"library name its C function {MARKER} (not stripped)?")
    results = {}
    for key, total in zip(plan["parts"], totals):
        results.setdefault(key, []).append(total / plan["requests"])
    return results, plan["statements"], time.monotonic() - started


def table(summary):
    lines = [f"| scenario | M instructions / request | rounds ({summary['requests']} requests each) | spread "
             "| SQL statements |", "|---|---:|---|---:|---:|"]
    for key, rounds in summary["results"].items():
        spread = (max(rounds) - min(rounds)) / min(rounds)
        shown = " / ".join(f"{r / 1e6:.3f}" for r in rounds)
        lines.append(f"| {SCENARIOS[key]} | {sum(rounds) / len(rounds) / 1e6:.2f} | {shown} | {spread:.2%} "
                     f"| {summary['statements'][key]} |")
    return "\n".join(lines)


def compare(before_path, *after_paths):
    """The before/after table of two or more summaries (the change and the verdict are the last one's);
    '✗' where a request costs more than LIMIT more than before."""
    before, *afters = (json.loads(pathlib.Path(p).read_text()) for p in (before_path, *after_paths))
    after = afters[-1]
    lines = [f"| scenario | before ({before['commit']}) | "
             + " | ".join(f"after ({summary['commit']})" for summary in afters)
             + f" | change | ≤ +{LIMIT:.0%} | SQL statements |",
             "|---|---:|" + "---:|" * len(afters) + "---:|:-:|---:|"]
    mean = lambda summary, key: sum(summary["results"][key]) / len(summary["results"][key])  # noqa: E731
    for key, label in SCENARIOS.items():
        if any(key not in summary["results"] for summary in (before, *afters)):
            continue
        b, a = mean(before, key), mean(after, key)
        verdict = "" if key.startswith("bare.") else ("✓" if a <= b * (1 + LIMIT) else "✗")
        sent = [summary.get("statements", {}).get(key, "?") for summary in (before, after)]
        sent = sent[0] if sent[0] == sent[1] else f"{sent[0]} → {sent[1]}"
        shown = " | ".join(f"{mean(summary, key) / 1e6:.2f} M" for summary in afters)
        lines.append(f"| {label} | {b / 1e6:.2f} M | {shown} | {a / b - 1:+.1%} | {verdict} | {sent} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--requests", type=int, default=10, help="measured requests per round [10]")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per scenario [20]")
    parser.add_argument("--rounds", type=int, default=2, help="measured rounds per scenario [2]")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated keys [all]")
    parser.add_argument("--compare", nargs="+", metavar="SUMMARY",
                        help="runs' summary.json: the first is 'before', the change is the last one's")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the process under valgrind
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure)
    if args.compare:
        return print(compare(*args.compare))
    scenarios = [key.strip() for key in args.scenarios.split(",") if key.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    if args.sqlite:  # bench/limit.py speaks to PostgreSQL only
        scenarios = [key for key in scenarios if not key.startswith("limit.")]
    os.environ.pop("HYPERDIARY_DATABASE_URL", None)
    database = "sqlite" if args.sqlite else "postgresql"
    now, revision = datetime.datetime.now(datetime.timezone.utc), commit()
    out = BENCH / "results" / f"instructions-{revision}-{database}-{now:%Y%m%dT%H%M%S}"
    out.mkdir(parents=True)
    started = time.monotonic()
    admin = schema = tmp = None
    try:
        if args.sqlite:
            tmp = tempfile.mkdtemp(prefix="hdinstr-")
            url = f"sqlite:///{tmp}/bench.sqlite"
        else:
            schema = f"hdinstr_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            url = schema_url(POSTGRES, schema)
        plan = prepare(url)
        seeded = time.monotonic() - started
        plan.update(requests=args.requests, warmup=args.warmup, rounds=args.rounds, scenarios=scenarios)
        results, sent, measured = run_under_callgrind(plan, out)
    finally:
        if schema:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    summary = {"commit": revision, "database": database, "date": now.strftime("%Y-%m-%d %H:%M UTC"), "python": platform.python_version(), "entries": ENTRIES,
               "requests": args.requests, "warmup": args.warmup, "rounds": args.rounds, "results": results,
               "statements": sent,
               "seconds": {"seeding": round(seeded), "callgrind": round(measured)}}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"{summary['date']}, commit {summary['commit']}, {database}, {ENTRIES:,} entries, Python "
          f"{summary['python']}; seeding {seeded:.0f} s, under callgrind {measured:.0f} s; dumps and summary.json "
          f"in {out.relative_to(ROOT)}/\n")
    print(table(summary))


if __name__ == "__main__":
    main()
