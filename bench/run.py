"""`make bench`: the framework ceiling and hyperdiary, side by side, in one run on one machine.

The ceiling is bench/ceiling.py: bare Pyramid + waitress, no database. hyperdiary is served by
bench/serve.py (production.ini under waitress) on a database seeded by bench/seed.py through
hyperdiary's own code. The server runs on core 0 and wrk on core 1 (taskset), BENCH_CONNECTIONS
connections, a warm-up, then 2 passes of BENCH_DURATION seconds per scenario. Each hyperdiary figure is
also given as a share of the ceiling measured in the same run.

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
  BENCH_QUIET_WAIT    seconds to wait for an idle machine before a scenario [300]; a pass during which
                      other processes used over 0.1 core is repeated, at most BENCH_RETRIES times [3]
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
    # The targets of issue 16 (one database round trip per request).
    "entry": ("GET one entry", "ceiling GET", 0.30, {200}),
    "page": ("GET page of 50 + @schemas", "ceiling GET", 0.15, {200}),
    "sync": ("modified_after sync (~50)", "ceiling GET", 0.15, {200}),
    "create": ("POST new entry (201)", "ceiling POST", 0.30, {201}),
    "dedupe": ("POST identical entry (200)", "ceiling POST", None, {200, 201}),
    # A year of data (bench/seed.py), in a zone with daylight saving time; the target is p50 < 20 ms.
    "stats": ("GET journals.stats, a year", "ceiling GET", None, {200}),
    "tracker": ("GET goals.tracker, a year", "ceiling GET", None, {200}),
}
DEFAULT_SCENARIOS = ("entry", "page", "sync", "create", "dedupe", "stats", "tracker")
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
RETRIES = int(os.environ.get("BENCH_RETRIES", 3))
PASSES = 2


def wait_for_quiet(limit=float(os.environ.get("BENCH_QUIET_WAIT", 300))):
    """Wait (up to `limit` seconds) until the machine is idle: another busy process on a 2-core machine
    would be measured along with the app."""
    deadline = time.monotonic() + limit
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
        if cpu["other"] <= DISTURBED or attempt == RETRIES:
            break
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
        results = {"ceiling GET": wrk("ceiling-get", base + "document", server_pid=pid),
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


def hyperdiary(kind, entries, scenarios=DEFAULT_SCENARIOS, profiling=False):
    app = Hyperdiary(kind, entries)
    try:
        results = {}
        for key in scenarios:
            print(f"  {app.name(key)}", file=sys.stderr)
            results[SCENARIOS[key][0]] = wrk(app.name(key), server_pid=app.server.process.pid, **app.request(key))
            if profiling:
                profile(app.name(key), app.server.process.pid, **app.request(key))
        return results, app.state
    finally:
        app.stop()


# --- the report ------------------------------------------------------------------------------------


def table(results, title):
    ceilings = {label: ceiling_label for label, ceiling_label, _, _ in SCENARIOS.values()}
    ceilings.update({label: "ceiling GET" for label in CALIBRATION})
    targets = {label: target for label, _, target, _ in SCENARIOS.values()}
    lines = [f"### {title}", "",
             "| scenario | conns | req/s | p50 ms | p99 ms | non-2xx | answers | of ceiling | target "
             "| CPU server / postgres / wrk / other / steal |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for label, r in results.items():
        ceiling_label = ceilings.get(label)
        ratio = f"{r['rps'] / results[ceiling_label]['rps']:.1%}" if ceiling_label in results else ""
        target = targets.get(label)
        verdict = ""
        if target is not None and ratio:
            verdict = f"≥ {target:.0%} {'✓' if r['rps'] / results[ceiling_label]['rps'] >= target else '✗'}"
        elif label in P50_LIMITS_MS:
            verdict = f"p50 < {P50_LIMITS_MS[label]} ms {'✓' if r['p50'] < P50_LIMITS_MS[label] else '✗'}"
        answers = ", ".join(f"{n:,} × {s}" for s, n in r["statuses"].items())
        errors = f" (socket errors: {'; '.join(r['socket_errors'])})" if r["socket_errors"] else ""
        cpu = " / ".join(f"{r['cpu'].get(k, 0):.2f}" for k in ("server", "postgres", "wrk", "other", "steal"))
        if any(p["cpu"]["other"] > DISTURBED for p in r["passes"]):
            cpu += " ⚠ disturbed by other processes"
        lines.append(f"| {label} | {r.get('connections', CONNECTIONS)} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['non_2xx']}{errors} | "
                     f"{answers} | {ratio} | {verdict} | {cpu} |")
    worst = max(r["p99"] for r in results.values())
    lines += ["", f"p99 < {P99_LIMIT_MS} ms everywhere: {'✓' if worst < P99_LIMIT_MS else '✗'} (worst {worst:.1f} ms). "
              "CPU: cores used during the measured passes (2 cores in all); \"other\" is every process but the "
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
    results, state = hyperdiary(kind, entries, chosen, profiling=args.profile)
    summary.update(results)
    report = table(summary, f"hyperdiary on {kind} ({entries:,} entries) vs the bare-Pyramid ceiling") + \
        "\n\n" + header()
    name = f"{kind}-{entries}"
    (RESULTS / f"{name}.json").write_text(json.dumps({"when": stamp, "machine": machine(), "threads": THREADS,
                                                      "results": summary}, indent=2))
    (RESULTS / f"{name}.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
