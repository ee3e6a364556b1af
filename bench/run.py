"""`make bench`: the framework ceiling and hyperdiary, side by side, in one run on one machine.

The ceiling is bench/ceiling.py: bare Pyramid + waitress, no database. hyperdiary is served by
bench/serve.py (production.ini under waitress) on a database seeded by bench/seed.py through
hyperdiary's own code. The server runs on core 0 and wrk on core 1 (taskset), BENCH_CONNECTIONS
connections, a warm-up, then 2 passes of BENCH_DURATION seconds per scenario. Each hyperdiary figure is
also given as a share of the ceiling measured in the same run.

    python bench/run.py              the table (make bench)
    python bench/run.py --scale      page/sync latency at BENCH_ENTRIES vs BENCH_SCALE entries, with the
                                     PostgreSQL plans of both (make bench-scale)
    python bench/run.py --profile    after the measured passes, one more pass per hyperdiary scenario
                                     under py-spy (pip install py-spy): flame graphs and a top list

Environment (defaults in brackets):
  BENCH_DB            postgresql | sqlite [postgresql]
  BENCH_POSTGRES_URL  the PostgreSQL server [postgresql+psycopg://postgres@127.0.0.1:5432/test]; the bench
                      uses its own database hyperdiary_bench_<entries> there, created when missing
  BENCH_ENTRIES       entries in the bench client's diary [10000]
  BENCH_SCALE         with --scale, the large count [1000000]
  BENCH_THREADS       waitress threads, for the ceiling and hyperdiary alike [4]
  BENCH_CONNECTIONS   wrk connections [8]
  BENCH_DURATION      seconds per measured pass [10]; BENCH_WARMUP seconds of warm-up [3]
  BENCH_SCENARIOS     a comma-separated subset of: entry,page,sync,create,dedupe
Raw wrk output, server logs, a JSON summary and the table (markdown) go to bench/results/.
"""
import argparse
import collections
import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import sqlalchemy as sa

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
    "entry": ("GET one entry", "ceiling GET", 0.50, {200}),
    "page": ("GET page of 50 + @schemas", "ceiling GET", 0.20, {200}),
    "sync": ("modified_after sync (~50)", "ceiling GET", 0.20, {200}),
    "create": ("POST new entry (201)", "ceiling POST", 0.35, {201}),
    "dedupe": ("POST identical entry (200)", "ceiling POST", None, {200, 201}),
    # Later, when the features exist (issue: benchmarks):
    # "stats": ("GET journals.stats", "ceiling GET", None, {200}),
    # "tracker": ("GET goals.tracker", "ceiling GET", None, {200}),
}
DEFAULT_SCENARIOS = ("entry", "page", "sync", "create", "dedupe")
P99_LIMIT_MS = 50


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


def wrk_command(url, token=None, script=None, duration=DURATION):
    command = ["taskset", "-c", WRK_CORE, "wrk", "-t1", f"-c{CONNECTIONS}", "--latency", "--timeout", "5s"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", str(BENCH / script)]
    return command + [f"-d{duration}s", url]


def wrk_env(env):
    # A fresh nonce for every wrk run, so that post_entry.lua never repeats an earlier run's body.
    return dict(os.environ, BENCH_DIR=str(BENCH), BENCH_NONCE=str(time.time_ns()), **(env or {}))


def wrk(name, url, token=None, script=None, env=None):
    """Warm up, then two measured passes; mean req/s and p50, worst p99, all non-2xx and statuses."""
    subprocess.run(wrk_command(url, token, script, WARMUP), env=wrk_env(env), capture_output=True, check=True)
    passes = []
    for number in (1, 2):
        output = subprocess.run(wrk_command(url, token, script), env=wrk_env(env), capture_output=True,
                                text=True, check=True).stdout
        (RESULTS / f"{name}.{number}.txt").write_text(output)
        passes.append(parse_wrk(output))
    statuses = collections.Counter()
    for p in passes:
        statuses.update(p["statuses"])
    return {"rps": sum(p["rps"] for p in passes) / 2, "p50": sum(p["p50"] for p in passes) / 2,
            "p99": max(p["p99"] for p in passes), "non_2xx": sum(p["non_2xx"] for p in passes),
            "requests": sum(p["requests"] for p in passes), "statuses": dict(sorted(statuses.items())),
            "passes": [{k: p[k] for k in ("rps", "p50", "p99")} for p in passes],
            "socket_errors": [p["socket_errors"] for p in passes if p["socket_errors"]]}


# --- py-spy ----------------------------------------------------------------------------------------


def py_spy():
    found = shutil.which("py-spy") or (pathlib.Path(PYTHON).parent / "py-spy")
    return str(found) if found and pathlib.Path(found).exists() else None


def profile(name, pid, url, token=None, script=None, env=None):
    """One more pass of the scenario while py-spy samples the server: a flame graph (SVG), the raw
    collapsed stacks, and a top list of where the time goes. py-spy runs on wrk's core."""
    spy = py_spy()
    if spy is None:
        print("--profile needs py-spy: .venv/bin/pip install py-spy", file=sys.stderr)
        return None
    raw = RESULTS / f"profile-{name}.txt"
    commands = [(["taskset", "-c", WRK_CORE, spy, "record", "--pid", str(pid), "--duration", str(DURATION),
                  "--rate", "200", "--nonblocking", "--idle", "--format", fmt, "--output", str(out)])
                for fmt, out in (("raw", raw), ("flamegraph", RESULTS / f"profile-{name}.svg"))]
    for command in commands:
        spy_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        subprocess.run(wrk_command(url, token, script), env=wrk_env(env), capture_output=True, check=True)
        _, errors = spy_process.communicate(timeout=60)
        if spy_process.returncode != 0:
            print(f"py-spy failed: {errors}", file=sys.stderr)
            return None
    top = summarize_profile(raw)
    (RESULTS / f"profile-{name}.top.txt").write_text(top)
    return top


def summarize_profile(raw_path, rows=40):
    """Inclusive and own time per function (file:function) from py-spy's collapsed stacks, counting
    only samples of threads at work (waitress's idle threads wait in the task queue)."""
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    for line in pathlib.Path(raw_path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any("handler_thread" in f for f in frames) or "wait (threading.py" in stack and \
                not any("service (waitress" in f for f in frames):
            continue  # idle: a waitress worker waiting for its next task
        count = int(count)
        total += count
        names = [re.sub(r":\d+\)$", ")", f.strip()) for f in frames]
        own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
    out = [f"{total} samples of busy worker threads (waiting on the database counts as busy)", "",
           "inclusive  own   function (file)"]
    for name, count in inclusive.most_common(rows):
        out.append(f"{count / total:8.1%} {own[name] / total:6.1%}  {name}")
    out += ["", "own time, top 25:"]
    for name, count in own.most_common(25):
        out.append(f"{count / total:8.1%}  {name}")
    return "\n".join(out) + "\n"


# --- the servers -----------------------------------------------------------------------------------


def get_json(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name)


def ceiling():
    port = free_port()
    server = Server([PYTHON, str(BENCH / "ceiling.py"), str(port), str(THREADS)], port, "ceiling")
    try:
        url = f"http://127.0.0.1:{port}/document"
        return {"ceiling GET": wrk("ceiling-get", url),
                "ceiling POST": wrk("ceiling-post", url, script="post_same.lua", env={"BENCH_BODY": EMOTION_BODY})}
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
    return {"entries": link(client, "diary.entries"), "items": items, "entry": entry}


def hyperdiary(kind, entries, scenarios=DEFAULT_SCENARIOS, profiling=False):
    state = seed(kind, entries)
    server = serve_hyperdiary(kind, entries)
    token = state["access"]
    try:
        urls = hyperdiary_urls(f"http://127.0.0.1:{server.port}", token)
        plan = {  # key: (url, Lua script, its environment)
            "entry": (urls["entry"], None, {}),
            "page": (urls["items"] + "?limit=50", None, {}),
            "sync": (f"{urls['items']}?limit=50&modified_after={state['modified_after']}", None, {}),
            "create": (urls["entries"], "post_entry.lua", {}),
            "dedupe": (urls["entries"], "post_same.lua", {"BENCH_BODY": EMOTION_BODY}),
        }
        results = {}
        for key in scenarios:
            url, script, env = plan[key]
            name = f"{kind}-{entries}-{key}"
            print(f"  {name}", file=sys.stderr)
            results[SCENARIOS[key][0]] = wrk(name, url, token, script, env)
            if profiling:
                profile(name, server.process.pid, url, token, script, env)
        return results, state
    finally:
        server.stop()


# --- the report ------------------------------------------------------------------------------------


def table(results, title):
    ceilings = {label: ceiling_label for label, ceiling_label, _, _ in SCENARIOS.values()}
    targets = {label: target for label, _, target, _ in SCENARIOS.values()}
    lines = [f"### {title}", "",
             "| scenario | req/s | p50 ms | p99 ms | non-2xx | answers | of ceiling | target |",
             "|---|---:|---:|---:|---:|---|---:|---:|"]
    for label, r in results.items():
        ceiling_label = ceilings.get(label)
        ratio = f"{r['rps'] / results[ceiling_label]['rps']:.1%}" if ceiling_label in results else ""
        target = targets.get(label)
        verdict = ""
        if target is not None and ratio:
            verdict = f"≥ {target:.0%} {'✓' if r['rps'] / results[ceiling_label]['rps'] >= target else '✗'}"
        answers = ", ".join(f"{n:,} × {s}" for s, n in r["statuses"].items())
        errors = f" (socket errors: {'; '.join(r['socket_errors'])})" if r["socket_errors"] else ""
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['non_2xx']}{errors} | "
                     f"{answers} | {ratio} | {verdict} |")
    worst = max(r["p99"] for r in results.values())
    lines += ["", f"p99 < {P99_LIMIT_MS} ms everywhere: {'✓' if worst < P99_LIMIT_MS else '✗'} (worst {worst:.1f} ms)"]
    return "\n".join(lines)


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    return f"{os.cpu_count()} × {model}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def database_version(kind):
    if kind == "sqlite":
        import sqlite3
        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(POSTGRES)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version").scalar()
    engine.dispose()
    return f"PostgreSQL {version}"


def explain(kind, entries, state):
    output = subprocess.run([PYTHON, str(BENCH / "explain.py"), database_url(kind, entries), state["access"],
                             state["modified_after"]], capture_output=True, text=True, check=True).stdout
    (RESULTS / f"explain-{kind}-{entries}.txt").write_text(output)
    return output


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", action="store_true", help="page/sync latency at BENCH_ENTRIES vs BENCH_SCALE")
    parser.add_argument("--profile", action="store_true", help="an extra pass per scenario under py-spy")
    parser.add_argument("--no-ceiling", action="store_true", help="hyperdiary alone (no ratios)")
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
    header = (f"{stamp} — {machine()} — {database_version(kind)} — wrk {CONNECTIONS} connections on core {WRK_CORE}, "
              f"waitress {THREADS} threads on core {SERVER_CORE}, {WARMUP} s warm-up + 2 × {DURATION} s per scenario")
    if args.scale:
        large = int(os.environ.get("BENCH_SCALE", 1_000_000))
        scale_scenarios = tuple(key for key in chosen if key in ("page", "sync", "entry")) or ("page", "sync")
        small_results, small_state = hyperdiary(kind, entries, scale_scenarios)
        large_results, large_state = hyperdiary(kind, large, scale_scenarios)
        lines = [f"### Scale: {entries:,} vs {large:,} entries", "", header, "",
                 "| scenario | req/s small | req/s large | p50 ms small | p50 ms large | p50 ratio | p99 ms small "
                 "| p99 ms large | p99 ratio |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for label in small_results:
            s, b = small_results[label], large_results[label]
            lines.append(f"| {label} | {s['rps']:,.0f} | {b['rps']:,.0f} | {s['p50']:.2f} | {b['p50']:.2f} | "
                         f"{b['p50'] / s['p50']:.2f} | {s['p99']:.2f} | {b['p99']:.2f} | {b['p99'] / s['p99']:.2f} |")
        lines += ["", "Target: latency at the large count ≤ 1.2 × at the small one. Plans: "
                  f"bench/results/explain-{kind}-{entries}.txt and explain-{kind}-{large}.txt"]
        explain(kind, entries, small_state)
        explain(kind, large, large_state)
        report, summary = "\n".join(lines), {"small": small_results, "large": large_results}
        name = f"scale-{kind}"
    else:
        summary = {} if args.no_ceiling else ceiling()
        results, state = hyperdiary(kind, entries, chosen, profiling=args.profile)
        summary.update(results)
        report = table(summary, f"hyperdiary on {kind} ({entries:,} entries) vs the bare-Pyramid ceiling") + \
            "\n\n" + header
        name = f"{kind}-{entries}"
    (RESULTS / f"{name}.json").write_text(json.dumps({"when": stamp, "machine": machine(), "threads": THREADS,
                                                      "results": summary}, indent=2))
    (RESULTS / f"{name}.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
