"""`make bench`: hyperdiary against the one-round-trip limit, side by side, in one run on one machine.

The limit is bench/limit.py: bare Pyramid + waitress serving GET one entry, the page, the sync and the POST
with exactly one psycopg statement each and nothing else (PostgreSQL only). The ceiling is bench/ceiling.py:
the same without a database (what waitress and Pyramid cost alone). hyperdiary is served by bench/serve.py
(production.ini under waitress) on a database seeded by bench/seed.py through hyperdiary's own code. Servers
run on core 0 and wrk on core 1 (taskset), BENCH_CONNECTIONS connections. For the four scenarios the limit
serves, its server and hyperdiary's run side by side: both warm up, then their passes take turns (limit,
hyperdiary, limit, hyperdiary), so that the machine's drift hits both alike; the share is the median of the
passes' shares (hyperdiary's req/s over the limit's of the pass before it). The other scenarios: a warm-up,
then 2 passes of BENCH_DURATION seconds.

    python bench/run.py              the table (make bench)
    python bench/run.py --profile    after the measured passes, two more per hyperdiary scenario under
                                     py-spy (pip install py-spy): flame graphs and where the time goes
    python bench/run.py --calibrate  also the ceiling after 1 and 3 SELECTs: what round trips alone cost

Environment (defaults in brackets):
  BENCH_DB            postgresql | sqlite [postgresql]
  BENCH_POSTGRES_URL  the PostgreSQL server [postgresql+psycopg://postgres@127.0.0.1:5432/test]; the bench
                      uses its own database hyperdiary_bench_<entries> there, created when missing
  BENCH_ENTRIES       entries in the bench client's diary [10000]
  BENCH_THREADS       waitress threads, for the ceiling and hyperdiary alike [4]
  BENCH_CONNECTIONS   wrk connections [8]
  BENCH_DURATION      seconds per measured pass [10]; BENCH_WARMUP seconds of warm-up [3]
  BENCH_SCENARIOS     a comma-separated subset of: entry,page,sync,create,dedupe,stats,tracker
  BENCH_QUIET_WAIT    seconds to wait for an idle machine before a scenario [60]; a pass during which
                      other processes used over 0.1 core is repeated, at most BENCH_RETRIES times [2]
  BENCH_SPARE         seconds the whole run may spend on such waits and repeats [150]: then it measures
                      anyway (marked), so that `make bench` ends in bounded time (about 6 minutes quiet)
Raw wrk output, server logs, a JSON summary and the table (markdown) go to bench/results/.
`make bench-scale` (1,000,000 entries over 10,000 clients against 10,000) is bench/scale.py, on these helpers.
"""
import argparse
import collections
import datetime
import json
import os
import pathlib
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

import sqlalchemy as sa

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import profile_buckets  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 8))
DURATION = int(os.environ.get("BENCH_DURATION", 10))
WARMUP = int(os.environ.get("BENCH_WARMUP", 3))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SERVER_CORE, WRK_CORE = ("0", "1") if (os.cpu_count() or 1) > 1 else ("0", "0")
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
# ~170 bytes: the ceiling's validated POST, and hyperdiary's dedupe scenario.
EMOTION_BODY = json.dumps({"@type": EMOTION, "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5,
                           "situation": "the same entry again"})


# --- the scenarios ---------------------------------------------------------------------------------
# key: (label, the ceiling it is compared with, target share of that ceiling, expected statuses).
# Adding one: an entry here, its URL (and Lua script, for a POST) in hyperdiary() below.

SCENARIOS = {
    # The goals of issue 27: shares of the one-round-trip limit (bench/limit.py) serving the same scenario.
    "entry": ("GET one entry", "limit GET one entry", 0.50, {200}),
    "page": ("GET page of 50 + @schemas", "limit GET page of 50", 0.40, {200}),
    "sync": ("modified_after sync (~50)", "limit modified_after sync", 0.40, {200}),
    "create": ("POST new entry (201)", "limit POST new entry", 0.50, {201}),
    "dedupe": ("POST identical entry (200)", "ceiling POST", None, {200, 201}),
    # A year of data (bench/seed.py), in a zone with daylight saving time; the target is p50 < 20 ms.
    "stats": ("GET journals.stats, a year", "ceiling GET", None, {200}),
    "tracker": ("GET goals.tracker, a year", "ceiling GET", None, {200}),
}
DEFAULT_SCENARIOS = ("entry", "page", "sync", "create", "dedupe", "stats", "tracker")
LIMITED = ("entry", "page", "sync", "create")  # the scenarios bench/limit.py serves
# --calibrate: the ceiling's GET after N primary-key SELECTs of a seeded entry (bench/ceiling.py), to
# show what database round trips alone cost next to the bare ceiling.
CALIBRATION = {"ceiling GET + 1 Core SELECT": "db/core/1", "ceiling GET + 3 Core SELECTs": "db/core/3",
               "ceiling GET + 3 ORM Session.get": "db/orm/3"}
P99_LIMIT_MS = 25
# Scenarios whose target is a median latency (ms) rather than a share of the ceiling: how fast one answer
# comes, so they are measured with one connection. (With 8 connections on one server core, p50 is mostly the
# wait behind the 7 other requests: 8 x the service time.)
P50_LIMITS_MS = {"GET journals.stats, a year": 20, "GET goals.tracker, a year": 20}
LATENCY_SCENARIOS = ("stats", "tracker")


def database_url(kind, entries):
    if kind == "sqlite":
        return f"sqlite:///{ROOT / 'var' / f'bench-{entries}.sqlite'}"
    url = sa.engine.make_url(POSTGRES).set(database=f"hyperdiary_bench_{entries}")
    return url.render_as_string(hide_password=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, process, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


class Server:
    """A server process pinned to its core; its output goes to a log file (a pipe nobody reads would
    fill up and stall it). taskset execs the command, so the pid is the server's own (for py-spy)."""

    def __init__(self, command, port, name, env=None):
        self.port = port
        self.log = RESULTS / f"{name}.server.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(["taskset", "-c", SERVER_CORE, *command], env=env,
                                            stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(port, self.process)
        except RuntimeError:
            self.process.kill()
            raise RuntimeError(self.log.read_text()) from None

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


# --- wrk -------------------------------------------------------------------------------------------


def parse_wrk(output):
    def ms(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "requests": int(re.search(r"(\d+) requests in", output).group(1)),
            "p50": ms(latency["50"]), "p99": ms(latency["99"]),
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "statuses": {int(s): int(n) for s, n in re.findall(r"^status (\d+): (\d+)$", output, re.M)},
            "socket_errors": errors.group(1) if errors else None}


def wrk_command(url, token=None, script=None, duration=DURATION, connections=CONNECTIONS):
    command = ["taskset", "-c", WRK_CORE, "wrk", "-t1", f"-c{connections}", "--latency", "--timeout", "5s"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", str(BENCH / script)]
    return command + [f"-d{duration}s", url]


def wrk_env(env):
    # A fresh nonce for every wrk run, so that post_entry.lua never repeats an earlier run's body.
    return dict(os.environ, BENCH_DIR=str(BENCH), BENCH_NONCE=str(time.time_ns()), **(env or {}))


# --- CPU accounting: who used the two cores during a pass ----------------------------------------------
TICKS = os.sysconf("SC_CLK_TCK")


def _process_ticks():
    """{pid: (command name, user+system ticks)} of every process."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name_end = stat.rindex(")")
        fields = stat[name_end + 2:].split()
        found[int(pid)] = (stat[stat.index("(") + 1:name_end], int(fields[11]) + int(fields[12]))
    return found


def cpu_snapshot():
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    return {"busy": sum(fields[:8]) - fields[3] - fields[4] - fields[7], "steal": fields[7],
            "processes": _process_ticks(),
            "children": resource.getrusage(resource.RUSAGE_CHILDREN), "time": time.monotonic()}


def cpu_usage(before, after, server_pid):
    """Cores used during the interval: by the server, by PostgreSQL, by wrk (a finished child), by
    everything else ("other": anything above a few hundredths means the pass was disturbed), and the
    time the hypervisor gave to other machines ("steal")."""
    seconds = after["time"] - before["time"]

    def delta(pids):
        return sum(after["processes"][pid][1] - before["processes"].get(pid, ("", 0))[1] for pid in pids)

    server = delta([server_pid] if server_pid in after["processes"] else [])
    postgres = delta([pid for pid, (name, _) in after["processes"].items() if name.startswith("postgres")])
    wrk_seconds = (after["children"].ru_utime + after["children"].ru_stime
                   - before["children"].ru_utime - before["children"].ru_stime)
    total = after["busy"] - before["busy"]
    other = total - server - postgres - wrk_seconds * TICKS
    per_core = seconds * TICKS
    return {"server": round(server / per_core, 2), "postgres": round(postgres / per_core, 2),
            "wrk": round(wrk_seconds / seconds, 2), "other": round(max(other, 0) / per_core, 2),
            "steal": round((after["steal"] - before["steal"]) / per_core, 2)}


# A pass during which other processes used more than this (in cores) is repeated, up to RETRIES times.
DISTURBED = 0.10
RETRIES = int(os.environ.get("BENCH_RETRIES", 2))
PASSES = 2
# What the run may spend, in all, waiting for quiet and repeating disturbed passes (seconds); then it measures
# anyway, marked: `make bench` on a busy machine ends in bounded time.
SPARE = {"left": float(os.environ.get("BENCH_SPARE", 150))}


def spare():
    return SPARE["left"] > 0


def wait_for_quiet(limit=float(os.environ.get("BENCH_QUIET_WAIT", 60))):
    """Wait (up to `limit` seconds, and what is left of SPARE) until the machine is idle: another busy process
    on a 2-core machine would be measured along with the app."""
    started = time.monotonic()
    deadline = started + min(limit, max(SPARE["left"], 0))
    try:
        _wait_for_quiet(deadline)
    finally:
        SPARE["left"] -= max(time.monotonic() - started - 1, 0)  # the first second is the measurement's


def _wait_for_quiet(deadline):
    while True:
        before = cpu_snapshot()
        time.sleep(1)
        after = cpu_snapshot()
        busy = (after["busy"] - before["busy"]) / TICKS / (after["time"] - before["time"])
        if busy < 0.15:
            return
        if time.monotonic() > deadline:
            print(f"  the machine is still busy ({busy:.2f} cores); measuring anyway", file=sys.stderr)
            return
        print(f"  waiting for a quiet machine ({busy:.2f} cores busy)", file=sys.stderr)
        time.sleep(4)


def measured_pass(name, url, token=None, script=None, env=None, server_pid=None, connections=CONNECTIONS):
    """One measured wrk run, repeated (when quiet again) if other processes used the CPU meanwhile."""
    for attempt in range(1 + RETRIES):
        before = cpu_snapshot()
        output = subprocess.run(wrk_command(url, token, script, connections=connections), env=wrk_env(env),
                                capture_output=True, text=True, check=True).stdout
        cpu = cpu_usage(before, cpu_snapshot(), server_pid)
        (RESULTS / f"{name}.txt").write_text(output + f"\ncpu (cores): {json.dumps(cpu)}\n")
        if cpu["other"] <= DISTURBED or attempt == RETRIES or not spare():
            break
        SPARE["left"] -= DURATION  # the repeat's cost
        # Another process took CPU during the pass: the figures are not the app's. Again, when quiet.
        print(f"  {name} disturbed ({cpu['other']:.2f} cores used by others); again", file=sys.stderr)
        wait_for_quiet()
    return dict(parse_wrk(output), cpu=cpu, attempts=attempt + 1)


def warm_up(url, token=None, script=None, env=None, connections=CONNECTIONS):
    subprocess.run(wrk_command(url, token, script, WARMUP, connections), env=wrk_env(env), capture_output=True,
                   check=True)


def combine(passes):
    """Mean req/s and p50 of the passes, the worst p99, all non-2xx and statuses, mean CPU."""
    statuses = collections.Counter()
    for p in passes:
        statuses.update(p["statuses"])
    n = len(passes)
    return {"rps": sum(p["rps"] for p in passes) / n, "p50": sum(p["p50"] for p in passes) / n,
            "p99": max(p["p99"] for p in passes), "non_2xx": sum(p["non_2xx"] for p in passes),
            "requests": sum(p["requests"] for p in passes), "statuses": dict(sorted(statuses.items())),
            "passes": [{k: p[k] for k in ("rps", "p50", "p99", "cpu", "attempts")} for p in passes],
            "cpu": {k: round(sum(p["cpu"][k] for p in passes) / n, 2) for k in passes[0]["cpu"]},
            "socket_errors": [p["socket_errors"] for p in passes if p["socket_errors"]]}


def wrk(name, url, token=None, script=None, env=None, server_pid=None, connections=CONNECTIONS):
    """Warm up, then two measured passes (PASSES)."""
    wait_for_quiet()
    warm_up(url, token, script, env, connections)
    return dict(combine([measured_pass(f"{name}.{number}", url, token, script, env, server_pid, connections)
                         for number in range(1, PASSES + 1)]), connections=connections)


# --- py-spy ----------------------------------------------------------------------------------------


def py_spy():
    found = shutil.which("py-spy") or (pathlib.Path(PYTHON).parent / "py-spy")
    return str(found) if found and pathlib.Path(found).exists() else None


def profile(name, pid, url, token=None, script=None, env=None, connections=CONNECTIONS):
    """Two more passes of the scenario while py-spy samples the thread holding the GIL (`--gil`): on
    one core, that thread's time is what a request costs. py-spy runs on wrk's core and stops the
    server 100 times a second to read whole stacks, which slows it a little. Writes the collapsed
    stacks (profile-NAME.gil.txt), a flame graph (.svg) and a summary (.top.txt): the time per part of
    a request (bench/profile_buckets.py), then per function."""
    spy = py_spy()
    if spy is None:
        print("--profile needs py-spy: .venv/bin/pip install py-spy", file=sys.stderr)
        return None
    raw = RESULTS / f"profile-{name}.gil.txt"
    rps = None
    for fmt, out in (("raw", raw), ("flamegraph", RESULTS / f"profile-{name}.gil.svg")):
        command = ["taskset", "-c", WRK_CORE, spy, "record", "--pid", str(pid), "--duration", str(DURATION),
                   "--rate", "100", "--gil", "--format", fmt, "--output", str(out)]
        wait_for_quiet()
        spy_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        output = subprocess.run(wrk_command(url, token, script, connections=connections), env=wrk_env(env),
                                capture_output=True, text=True, check=True).stdout
        _, errors = spy_process.communicate(timeout=60)
        if spy_process.returncode != 0:
            print(f"py-spy failed: {errors}", file=sys.stderr)
            return None
        rps = rps or parse_wrk(output)["rps"]
    total, counts = profile_buckets.buckets(raw)
    lines = [f"{name}: {rps:,.0f} req/s while sampled; {total} samples of the thread holding the GIL", "",
             "per part of the request:"]
    lines += [f"{n / total:8.1%}  {part}" for part, n in counts.most_common()]
    top = "\n".join(lines) + "\n\n" + summarize_profile(raw)
    (RESULTS / f"profile-{name}.top.txt").write_text(top)
    return top


def summarize_profile(raw_path, rows=45):
    """Inclusive and own share per function (file:function) of py-spy's collapsed stacks."""
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    for line in pathlib.Path(raw_path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        count = int(count)
        total += count
        names = [re.sub(r":\d+\)$", ")", frame.strip()) for frame in stack.split(";")]
        own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
    out = [f"{total} samples", "", "inclusive    own  function (file)"]
    for name, count in inclusive.most_common(rows):
        out.append(f"{count / total:8.1%} {own[name] / total:6.1%}  {name}")
    out += ["", "own time, top 30:"]
    for name, count in own.most_common(30):
        out.append(f"{count / total:8.1%}  {name}")
    return "\n".join(out) + "\n"


# --- the servers -----------------------------------------------------------------------------------


def get_json(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name)


def ceiling(calibrate_url=None):
    port = free_port()
    server = Server([PYTHON, str(BENCH / "ceiling.py"), str(port), str(THREADS), *([calibrate_url] if calibrate_url else [])], port,
                    "ceiling", dict(os.environ, PYTHONWARNINGS="ignore:pkg_resources is deprecated"))
    try:
        base = f"http://127.0.0.1:{port}/"
        pid = server.process.pid
        results = {"waitress alone GET": wrk("waitress-get", base + "raw", server_pid=pid),
                   "ceiling GET": wrk("ceiling-get", base + "document", server_pid=pid),
                   "ceiling POST": wrk("ceiling-post", base + "document", script="post_same.lua",
                                       env={"BENCH_BODY": EMOTION_BODY}, server_pid=pid)}
        if calibrate_url:
            for label, path in CALIBRATION.items():
                results[label] = wrk("ceiling-" + path.replace("/", "-"), base + path, server_pid=pid)
        return results
    finally:
        server.stop()


def seed(kind, entries):
    started = time.monotonic()
    process = subprocess.run([PYTHON, str(BENCH / "seed.py"), database_url(kind, entries), str(entries)],
                             stdout=subprocess.PIPE, text=True, check=True)
    state = json.loads(process.stdout.strip().splitlines()[-1])
    state["seconds"] = round(time.monotonic() - started, 1)
    print(f"seeded {kind} with {entries:,} entries ({'anew' if state['reseeded'] else 'reused'}, "
          f"{state['seconds']} s)", file=sys.stderr)
    return state


def serve_hyperdiary(kind, entries):
    port = free_port()
    env = dict(os.environ, HYPERDIARY_DATABASE_URL=database_url(kind, entries),
               PYTHONWARNINGS="ignore:pkg_resources is deprecated")
    return Server([PYTHON, str(BENCH / "serve.py"), str(port), str(THREADS)], port,
                  f"hyperdiary-{kind}-{entries}", env)


def hyperdiary_urls(base, token):
    """Every URL found the way a client finds it: by link names from the root."""
    me = get_json(link(get_json(base + "/", token), "me"), token)
    client = get_json(link(me, "client"), token)
    items = link(client, "diary.entries.items")
    entry = get_json(items + "?limit=1", token)["@items"][0]["@url"]
    return {"entries": link(client, "diary.entries"), "items": items, "entry": entry,
            "stats": link(client, "journals.stats"), "tracker": link(client, "goals.tracker")}


class Hyperdiary:
    """hyperdiary on a seeded database, served on core 0; `plan` holds each scenario's request."""

    def __init__(self, kind, entries):
        self.kind, self.entries = kind, entries
        self.state = seed(kind, entries)
        self.token = self.state["access"]
        self.server = serve_hyperdiary(kind, entries)
        try:
            urls = hyperdiary_urls(f"http://127.0.0.1:{self.server.port}", self.token)
        except Exception:
            self.server.stop()
            raise
        since = self.state["modified_after"]
        self.plan = {  # key: (url, Lua script, its environment)
            "entry": (urls["entry"], None, {}),
            "page": (urls["items"] + "?limit=50", None, {}),
            "sync": (f"{urls['items']}?limit=50&modified_after={since}", None, {}),
            "create": (urls["entries"], "post_entry.lua", {}),
            "dedupe": (urls["entries"], "post_same.lua", {"BENCH_BODY": EMOTION_BODY}),
            "stats": (urls["stats"] + "?fromdate=2024-01-01&todate=2024-12-31&time_zone=Europe/Amsterdam", None, {}),
            "tracker": (urls["tracker"] + "?fromdate=2024-01-01&todate=2024-12-31&time_zone=Europe/Amsterdam", None,
                        {}),
        }

    def request(self, key):
        url, script, env = self.plan[key]
        return {"url": url, "token": self.token, "script": script, "env": env,
                "connections": 1 if key in LATENCY_SCENARIOS else CONNECTIONS}

    def name(self, key):
        return f"{self.kind}-{self.entries}-{key}"

    def stop(self):
        self.server.stop()


class Limit:
    """bench/limit.py on hyperdiary's bench database, for the bench client (the one-round-trip limit)."""

    def __init__(self, kind, entries, app):
        client_id, entry_id = re.search(r"/clients/(\w+)/.*/(\w+)/$", app.plan["entry"][0]).groups()
        port = free_port()
        self.server = Server([PYTHON, str(BENCH / "limit.py"), str(port), str(THREADS), database_url(kind, entries),
                              client_id], port, "limit")
        base = f"http://127.0.0.1:{port}/entries"
        self.plan = {"entry": (f"{base}/{entry_id}", None, {}), "page": (f"{base}?limit=50", None, {}),
                     "sync": (f"{base}?limit=50&modified_after={app.state['modified_after']}", None, {}),
                     "create": (base, "post_entry.lua", {})}

    def request(self, key):
        url, script, env = self.plan[key]
        return {"url": url, "script": script, "env": env}

    def stop(self):
        self.server.stop()


def side_by_side(key, app, limit):
    """The limit's passes and hyperdiary's taking turns, after a warm-up of each: {label: combined passes},
    hyperdiary's with the share of each pass (of the limit's pass just before it) and their median."""
    wait_for_quiet()
    warm_up(**limit.request(key))
    warm_up(**app.request(key))
    passes = {"limit": [], "hyperdiary": []}
    for number in range(1, PASSES + 1):
        passes["limit"].append(measured_pass(f"limit-{key}.{number}", server_pid=limit.server.process.pid,
                                             **limit.request(key)))
        passes["hyperdiary"].append(measured_pass(f"{app.name(key)}.{number}", server_pid=app.server.process.pid,
                                                  **app.request(key)))
    label, limit_label = SCENARIOS[key][:2]
    shares = [h["rps"] / l["rps"] for l, h in zip(passes["limit"], passes["hyperdiary"])]
    return {limit_label: dict(combine(passes["limit"]), connections=CONNECTIONS),
            label: dict(combine(passes["hyperdiary"]), connections=CONNECTIONS, shares=shares,
                        share=statistics.median(shares))}


def hyperdiary(kind, entries, scenarios=DEFAULT_SCENARIOS, profiling=False, with_limit=True):
    app = Hyperdiary(kind, entries)
    limit = None
    try:
        if with_limit and any(key in LIMITED for key in scenarios):
            limit = Limit(kind, entries, app)
        results = {}
        for key in scenarios:
            print(f"  {app.name(key)}", file=sys.stderr)
            if limit is not None and key in LIMITED:
                results.update(side_by_side(key, app, limit))
            else:
                results[SCENARIOS[key][0]] = wrk(app.name(key), server_pid=app.server.process.pid,
                                                 **app.request(key))
            if profiling:
                profile(app.name(key), app.server.process.pid, **app.request(key))
        return results, app.state
    finally:
        app.stop()
        if limit is not None:
            limit.stop()


# --- the report ------------------------------------------------------------------------------------


def limit_table(results):
    """Per scenario the limit serves: both req/s, the share (median of the passes' shares) against its goal,
    both p99s and the p99 goal."""
    lines = ["### hyperdiary against the one-round-trip limit (bench/limit.py), same run", "",
             "| scenario | limit req/s | hyperdiary req/s | share (median of passes) | goal | limit p99 ms "
             "| hyperdiary p99 ms | p99 < 25 ms |", "|---|---:|---:|---:|---|---:|---:|:-:|"]
    for label, limit_label, goal, _ in (SCENARIOS[key] for key in LIMITED):
        if label not in results or limit_label not in results:
            continue
        r, l = results[label], results[limit_label]
        passes = " / ".join(f"{share:.1%}" for share in r["shares"])
        lines.append(f"| {label} | {l['rps']:,.0f} | {r['rps']:,.0f} | {r['share']:.1%} ({passes}) | "
                     f"≥ {goal:.0%} {'✓' if r['share'] >= goal else '✗'} | {l['p99']:.2f} | {r['p99']:.2f} | "
                     f"{'✓' if r['p99'] < P99_LIMIT_MS else '✗'} |")
    return "\n".join(lines) if len(lines) > 4 else ""


def breakdown(results):
    """Where a request's time goes, layer by layer: CPU time per request (µs) of the server process (the cores it
    used during the passes over the requests it answered: its own core is what bounds req/s), and of PostgreSQL
    (not pinned: mostly on wrk's core)."""
    def us(r, who="server"):
        return r["cpu"][who] / r["rps"] * 1e6 if r["rps"] else float("nan")

    raw = results.get("waitress alone GET")
    lines = ["### Where the time goes: CPU µs per request, server process (PostgreSQL's apart)", "",
             "| scenario | waitress alone (GET) | bare Pyramid (ceiling) | limit: + one psycopg statement | "
             "limit: PostgreSQL | hyperdiary | hyperdiary: PostgreSQL | hyperdiary − limit |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key in LIMITED:
        label, limit_label = SCENARIOS[key][:2]
        ceiling_row = results.get("ceiling POST" if key == "create" else "ceiling GET")
        if label not in results or limit_label not in results or ceiling_row is None:
            continue
        h, l = results[label], results[limit_label]
        lines.append(f"| {label} | {us(raw) if raw else float('nan'):.0f} | {us(ceiling_row):.0f} | {us(l):.0f} | "
                     f"{us(l, 'postgres'):.0f} | {us(h):.0f} | {us(h, 'postgres'):.0f} | {us(h) - us(l):.0f} |")
    return "\n".join(lines) if len(lines) > 4 else ""


def table(results, title):
    """Every row measured: req/s, latency, answers; hyperdiary's scenarios also as a share of the ceiling
    without a database (what waitress and Pyramid alone serve), and the latency goals."""
    ceilings = {label: "ceiling POST" if label.startswith(("POST", "limit POST")) else "ceiling GET"
                for label in results if label not in ("ceiling GET", "ceiling POST", "waitress alone GET")}
    lines = [f"### {title}", "",
             "| scenario | conns | req/s | p50 ms | p99 ms | non-2xx | answers | of ceiling (no database) | goal "
             "| CPU server / postgres / wrk / other / steal |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for label, r in results.items():
        ceiling_label = ceilings.get(label)
        ratio = f"{r['rps'] / results[ceiling_label]['rps']:.1%}" if ceiling_label in results else ""
        verdict = ""
        if label in P50_LIMITS_MS:
            verdict = f"p50 < {P50_LIMITS_MS[label]} ms {'✓' if r['p50'] < P50_LIMITS_MS[label] else '✗'}"
        answers = ", ".join(f"{n:,} × {s}" for s, n in r["statuses"].items())
        errors = f" (socket errors: {'; '.join(r['socket_errors'])})" if r["socket_errors"] else ""
        cpu = " / ".join(f"{r['cpu'].get(k, 0):.2f}" for k in ("server", "postgres", "wrk", "other", "steal"))
        if any(p["cpu"]["other"] > DISTURBED for p in r["passes"]):
            cpu += " ⚠ disturbed by other processes"
        lines.append(f"| {label} | {r.get('connections', CONNECTIONS)} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['non_2xx']}{errors} | "
                     f"{answers} | {ratio} | {verdict} | {cpu} |")
    ours = [r["p99"] for label, r in results.items()
            if not label.startswith(("ceiling", "limit")) and r.get("connections", CONNECTIONS) == CONNECTIONS]
    if ours:
        worst = max(ours)
        lines += ["", f"hyperdiary's p99 < {P99_LIMIT_MS} ms at {CONNECTIONS} connections everywhere: "
                  f"{'✓' if worst < P99_LIMIT_MS else '✗'} (worst {worst:.1f} ms)."]
    lines += ["", "CPU: cores used during the measured passes (2 cores in all); \"other\" is every process but the "
              "server, PostgreSQL and wrk, and should be ~0; \"steal\" is time the hypervisor took."]
    return "\n".join(lines)


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    return f"{os.cpu_count()} × {model}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def revision():
    """The commit measured, marked when the work tree differs from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "hyperdiary", "production.ini"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "no git"
    return f"hyperdiary {commit}{' + local changes' if dirty else ''}"


def database_version(kind):
    if kind == "sqlite":
        import sqlite3
        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(POSTGRES)
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
    except sa.exc.OperationalError as error:
        sys.exit(f"PostgreSQL is not reachable at {POSTGRES} (set BENCH_POSTGRES_URL, or BENCH_DB=sqlite):\n{error}")
    finally:
        engine.dispose()
    return f"PostgreSQL {version}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", action="store_true", help="an extra pass per scenario under py-spy")
    parser.add_argument("--no-ceiling", action="store_true", help="hyperdiary alone (no ratios)")
    parser.add_argument("--no-limit", action="store_true", help="without the one-round-trip limit")
    parser.add_argument("--calibrate", action="store_true",
                        help="also the ceiling after 1 and 3 SELECTs (Core) and 3 ORM gets on the bench database")
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("bench needs wrk and taskset (`make bench` installs wrk)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (ROOT / "var").mkdir(exist_ok=True)
    kind = os.environ.get("BENCH_DB", "postgresql")
    entries = int(os.environ.get("BENCH_ENTRIES", 10_000))
    chosen = tuple(os.environ.get("BENCH_SCENARIOS", ",".join(DEFAULT_SCENARIOS)).split(","))
    unknown = [key for key in chosen if key not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown BENCH_SCENARIOS {unknown}; known: {', '.join(SCENARIOS)}")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    versions = f"{revision()} — {machine()} — {database_version(kind)}"  # exits early when PostgreSQL is down

    def header(passes=f"2 × {DURATION} s per scenario"):
        return (f"{stamp} — {versions} — wrk {CONNECTIONS} connections on "
                f"core {WRK_CORE}, waitress {THREADS} threads on core {SERVER_CORE}, {WARMUP} s warm-up + {passes}")

    if args.calibrate:
        seed(kind, entries)
    summary = {} if args.no_ceiling else ceiling(database_url(kind, entries) if args.calibrate else None)
    results, state = hyperdiary(kind, entries, chosen, profiling=args.profile,
                                with_limit=kind == "postgresql" and not args.no_limit)
    summary.update(results)
    report = "\n\n".join(part for part in (
        limit_table(summary), breakdown(summary), table(summary, f"every row measured ({kind}, {entries:,} entries)"),
        header()) if part)
    name = f"{kind}-{entries}"
    (RESULTS / f"{name}.json").write_text(json.dumps({"when": stamp, "machine": machine(), "threads": THREADS,
                                                      "results": summary}, indent=2))
    (RESULTS / f"{name}.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
