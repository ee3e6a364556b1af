"""`make bench-scale`: hyperdiary on a clinic of 1,000,000 entries (10,000 clients of 100 entries, 100
professionals with caseloads of 100) against the same clinic at 10,000 entries (100 clients, one
professional), on PostgreSQL, in one run.

    python bench/scale.py

The databases are bench/scale_seed.py's (a template per size and migrations, built once; each run works
on a copy it creates and drops). Before measuring, the run reads seeded entries back through the API and
checks them against their schemas, and checks the seeded audit trail against the URLs the API gives.

Scenarios, at both sizes, the two servers' passes interleaved (10k, 1M, 10k, 1M ...) so that the machine's
drift hits both alike:
- steady GETs under wrk (bench/run.py's method: server on core 0, wrk on core 1, BENCH_CONNECTIONS
  connections, a warm-up, BENCH_ROUNDS passes of BENCH_DURATION s): one entry, a page of 50, a
  `modified_after` sync of ~50 (as the client), the caseload listing and a perWeek report on one client (as
  its professional: every such read also inserts an audit event);
- single timed requests, BENCH_REPEAT times each, median and worst: the export of one client (its
  professional) and the erasure of one client (an admin's DELETE of its user; a fresh client each time);
- then PostgreSQL's plans of every statement of each scenario's request at both sizes, with the times PostgreSQL
  measured (auto_explain with ANALYZE, in process through WebTest: the very statements and parameters the app
  sends, the erasure's foreign-key cascades included) into bench/results/scale-plans-<size>.txt.

BENCH_REPLICA=1 runs everything on a PostgreSQL cluster of the bench's own (port 5450, bench/scale_replica.py)
and adds a streaming replica of it (pg_basebackup, port 5451): the read scenarios at 1M are measured on two
servers, one with `hyperdiary.database.replica_urls` set to the replica and one without, interleaved, with
the number of transactions the replica served during each pass (pg_stat_database) to show the reads reached it.

Environment (defaults in brackets): BENCH_POSTGRES_URL [postgresql+psycopg://postgres@127.0.0.1:5432/test]
(the server; the bench uses databases of its own there, hyperdiary_scale_*), BENCH_ENTRIES [10000],
BENCH_SCALE [1000000], BENCH_ROUNDS [2], BENCH_DURATION [10], BENCH_WARMUP [3], BENCH_REPEAT [5],
BENCH_CONNECTIONS [8], BENCH_THREADS [4], BENCH_QUIET_WAIT [300], BENCH_REPLICA [unset].
The table (markdown) is printed and written to bench/results/scale.md, with a JSON summary beside it.
"""
import contextlib
import datetime
import json
import os
import pathlib
import shutil
import statistics
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run  # noqa: E402
import scale_plans  # noqa: E402
import scale_seed  # noqa: E402

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import transaction  # noqa: E402

from hyperdiary import accounts  # noqa: E402
from hyperdiary.accounts.models import User  # noqa: E402
from hyperdiary.diary import field_problems  # noqa: E402
from hyperdiary.models import get_engine, get_session_factory  # noqa: E402
from hyperdiary.schemas import shipped_schemas  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2))
REPEAT = int(os.environ.get("BENCH_REPEAT", 5))
REPORT_DAY = "2026-06-30"
# key: (label, whose token); the steady GETs measured with wrk.
READS = {"entry": ("GET one entry", "client"), "page": ("GET page of 50 + @schemas", "client"),
         "sync": ("modified_after sync (~50)", "client"), "caseload": ("caseload listing (clients, 50)", "pro"),
         "report": ("professional's perWeek report on one client", "pro")}
TIMED = {"export": "export of one client (100 entries)", "erase": "erasure of one client (admin DELETE)"}


def run_name(entries):
    return f"hyperdiary_scale_run_{entries}"


# --- one size: its database, its server, its URLs -------------------------------------------------------


def sign_in(url, usernames):
    """Access tokens for these users, made by hyperdiary.accounts in the working database."""
    engine = get_engine(scale_seed.app_settings(url), bounded=False)
    ttl = accounts.TokenTTL({"hyperdiary.token.access_ttl": 86400})
    tokens = {}
    with transaction.manager:
        dbsession = get_session_factory(engine)()
        for name in usernames:
            user = dbsession.scalar(sa.select(User).where(User.username == name))
            tokens[name] = accounts.sign_in(dbsession, user, ttl)["access"]
    engine.dispose()
    return tokens


def request(url, token, method="GET"):
    """(status, seconds, body) of one request."""
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=600) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return status, time.perf_counter() - started, body


def get(url, token):
    status, _, body = request(url, token)
    if status != 200:
        raise RuntimeError(f"GET {url}: {status} {body[:300]!r}")
    return json.loads(body)


class Size:
    """One clinic: its working database (a copy of the template), its users' tokens, its server."""

    def __init__(self, server_url, entries, env=None):
        self.shape = scale_seed.shape(entries)
        self.entries = self.shape["entries"]
        self.template, self.seed_seconds = scale_seed.template(server_url, self.entries)
        self.server_url = server_url
        self.db = run_name(self.entries)
        scale_seed.drop_database(server_url, self.db)
        started = time.monotonic()
        scale_seed.create_database(server_url, self.db, self.template)
        self.copy_seconds = time.monotonic() - started
        self.url = scale_seed.database_url(server_url, self.db)
        last_pro = scale_seed.professional_name(self.shape["professionals"] - 1)
        self.users = {"client": scale_seed.client_name(0), "pro": scale_seed.professional_name(0),
                      "victims_pro": last_pro, "admin": scale_seed.ADMIN}
        tokens = sign_in(self.url, set(self.users.values()))
        self.tokens = {role: tokens[name] for role, name in self.users.items()}
        self.servers = {}
        self.serve("plain", env)

    def serve(self, name, env=None):
        port = run.free_port()
        # Replicas only where the run asks for them, whatever the shell exported.
        environ = {k: v for k, v in os.environ.items() if k != "HYPERDIARY_DATABASE_REPLICA_URLS"}
        environ.update(HYPERDIARY_DATABASE_URL=self.url, PYTHONWARNINGS="ignore:pkg_resources is deprecated",
                       **(env or {}))
        self.servers[name] = run.Server([run.PYTHON, str(run.BENCH / "serve.py"), str(port), str(run.THREADS)],
                                        port, f"scale-{self.entries}-{name}", environ)
        return self.servers[name]

    def base(self, name="plain"):
        return f"http://127.0.0.1:{self.servers[name].port}"

    def discover(self):
        """Every URL found by link names from the root, as a client of the API finds it."""
        base, client_token, pro_token = self.base(), self.tokens["client"], self.tokens["pro"]
        me = get(run.link(get(base + "/", client_token), "me"), client_token)
        client = get(run.link(me, "client"), client_token)
        items = run.link(client, "diary.entries.items")
        listing = get(items + "?limit=50", client_token)["@items"]
        # The sync asks from the modification time of the 51st newest entry: ~50 follow.
        oldest_of_50 = listing[-1]["@changes"]["modification_time"]
        clients = run.link(get(base + "/", pro_token), "clients")
        own = get(clients + "?limit=500", pro_token)["@items"]
        client_as_pro = next(c for c in own if c["@url"] == client["@url"])
        reports = get(run.link(get(client_as_pro["@url"], pro_token), "reports"), pro_token)
        self.client_url = client["@url"]
        self.plan = {
            "entry": (listing[0]["@url"], "client"),
            "page": (items + "?limit=50", "client"),
            "sync": (f"{items}?limit=50&modified_after={oldest_of_50}", "client"),
            "caseload": (clients + "?limit=50", "pro"),
            "report": (run.link(reports, "perWeek") + f"?reference_date={REPORT_DAY}", "pro"),
            "export": (run.link(get(client_as_pro["@url"], pro_token), "export"), "pro"),
        }
        self.check(client, listing)

    def check(self, client, listing):
        """The seeded rows read back through the API: valid entries of the diary's types, and the audit's
        create events pointing at them."""
        schemas = shipped_schemas(scale_seed.app_settings(self.url))
        token = self.tokens["client"]
        assert len(listing) == 50, len(listing)
        for item in listing[:10]:
            entry = get(item["@url"], token)
            schema = schemas[entry["@type"]]
            assert set(schema.field_names) <= set(entry), entry  # every field of its schema is present
            fields = {name: entry[name] for name in schema.field_names if entry[name] is not None}
            problems = field_problems(schema, fields)
            assert not problems, (entry, problems)
        audit = get(run.link(client, "audit") + "?limit=500", token)["@items"]
        created = {e["resource"] for e in audit if e["action"] == "create"}
        found = [item["@url"] for item in listing if item["@url"] in created]
        assert found, f"no create event of the seeded audit names an entry the API lists ({sorted(created)[:3]})"

    def stop(self):
        for server in self.servers.values():
            server.stop()
        scale_seed.drop_database(self.server_url, self.db)


# --- measuring -------------------------------------------------------------------------------------


def steady(sizes, keys, servers=("plain",), counter=None):
    """{(size, server): {key: combined wrk result}}, passes interleaved across sizes and servers. `counter`,
    when given, is called before and after each pass: what it returns is kept (per pass, as a difference)."""
    results = {}
    for key in keys:
        runs = [(size, server) for size in sizes for server in servers if server in size.servers]
        for size, server in runs:
            url, role = size.plan[key]
            run.wait_for_quiet()
            run.warm_up(url.replace(size.base(), size.base(server)), size.tokens[role])
        passes = {r: [] for r in runs}
        counts = {r: [] for r in runs}
        for number in range(1, ROUNDS + 1):
            for size, server in runs:
                url, role = size.plan[key]
                print(f"  {key} {size.entries:,} {server} round {number}", file=sys.stderr)
                before = counter() if counter else None
                passes[(size, server)].append(run.measured_pass(
                    f"scale-{size.entries}-{server}-{key}.{number}", url.replace(size.base(), size.base(server)),
                    size.tokens[role], server_pid=size.servers[server].process.pid))
                if counter:
                    counts[(size, server)].append(counter() - before)
        for r in runs:
            results.setdefault(r, {})[key] = dict(run.combine(passes[r]), **({"replica_xacts": counts[r]}
                                                                             if counter else {}))
    return results


def timed_exports(size):
    url, role = size.plan["export"]
    times = []
    for _ in range(REPEAT):
        status, seconds, body = request(url, size.tokens[role])
        assert status == 200 and len(json.loads(body)["entries"]) == scale_seed.PER_CLIENT, (status, body[:200])
        times.append(seconds * 1000)
    return times


def victims(size, count):
    """The user URLs of `count` clients of the last professional (its last ones: never client 0)."""
    token = size.tokens["victims_pro"]
    listing = get(run.link(get(size.base() + "/", token), "clients") + "?limit=500", token)["@items"]
    listing.sort(key=lambda c: c["name"])
    admin = size.tokens["admin"]
    return [run.link(get(c["@url"], admin), "user") for c in listing[-count:]]


def timed_erasures(size, users):
    times = []
    for user in users:
        status, seconds, body = request(user, size.tokens["admin"], "DELETE")
        assert status == 204, (status, body[:300])
        times.append(seconds * 1000)
    return times


def summary(times):
    return {"median": statistics.median(times), "worst": max(times), "runs": [round(t, 1) for t in times]}


# --- the report --------------------------------------------------------------------------------------


def ratio(large, small):
    return f"{large / small:.2f}" if small else ""


def short(entries):
    return f"{entries / 1e6:g}M" if entries >= 1_000_000 else f"{entries / 1e3:g}k"


def table(sizes, results, timed, plans):
    small, large = sizes
    s, b = short(small.entries), short(large.entries)
    lines = [f"| scenario | how | p50 ms {s} | p50 ms {b} | p50 × | p99 ms {s} | p99 ms {b} | req/s {s} | "
             f"req/s {b} | SQL ms {s} | SQL ms {b} |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, (label, role) in READS.items():
        r0, r1 = results[(small, "plain")][key], results[(large, "plain")][key]
        sql = [plans[size.entries].get(key, {}).get("ms", float("nan")) for size in sizes]
        lines.append(f"| {label}{disturbed(r0, r1)} | wrk, {run.CONNECTIONS} conns, as {role} | {r0['p50']:.2f} | {r1['p50']:.2f} | "
                     f"{ratio(r1['p50'], r0['p50'])} | {r0['p99']:.2f} | {r1['p99']:.2f} | {r0['rps']:,.0f} | "
                     f"{r1['rps']:,.0f} | {sql[0]:.2f} | {sql[1]:.2f} |")
    for key, label in TIMED.items():
        t0, t1 = timed[small.entries][key], timed[large.entries][key]
        sql = [plans[size.entries].get(key, {}).get("ms", float("nan")) for size in sizes]
        lines.append(f"| {label} | median of {REPEAT} single requests (worst as p99) | {t0['median']:.1f} | "
                     f"{t1['median']:.1f} | {ratio(t1['median'], t0['median'])} | {t0['worst']:.1f} | "
                     f"{t1['worst']:.1f} | | | {sql[0]:.2f} | {sql[1]:.2f} |")
    return lines


def replica_table(size, results):
    lines = [f"| scenario ({short(size.entries)}) | req/s, no replica | req/s, one replica | × | p50 ms, no replica | p50 ms, one replica "
             "| replica transactions per pass |", "|---|---:|---:|---:|---:|---:|---|"]
    for key, (label, _) in READS.items():
        r0, r1 = results[(size, "plain")][key], results[(size, "replica")][key]
        label += disturbed(r0, r1)
        lines.append(f"| {label} | {r0['rps']:,.0f} | {r1['rps']:,.0f} | {ratio(r1['rps'], r0['rps'])} | "
                     f"{r0['p50']:.2f} | {r1['p50']:.2f} | {', '.join(f'{n:,}' for n in r1['replica_xacts'])} |")
    lines += ["", "Replica transactions: PostgreSQL's cumulative statistics (pg_stat_database on the replica), which an "
              "idle backend reports up to 10 s late: a pass may include some of the pass before."]
    if not any(n for key in READS for n in results[(size, "replica")][key]["replica_xacts"]):
        lines += ["", "The replica served no transaction: this hyperdiary does not use "
                  "`hyperdiary.database.replica_urls`, both servers read from the primary, and the × column is "
                  "only the difference between two identical servers measured in turn (the noise of this run)."]
    return lines


def disturbed(*results):
    """" ⚠" when another process used the CPU during one of these results' passes."""
    return " ⚠" if any(p["cpu"]["other"] > run.DISTURBED for r in results for p in r["passes"]) else ""


def database_version(server_url):
    with psycopg.connect(scale_seed.admin_url(server_url)) as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]


def main():
    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("bench-scale needs wrk and taskset (`make bench-scale` installs wrk)")
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    replica_wanted = os.environ.get("BENCH_REPLICA") == "1"
    with contextlib.ExitStack() as stack:
        if replica_wanted:
            import scale_replica
            primary = stack.enter_context(scale_replica.primary())
            server_url = primary.url("postgres")
        else:
            server_url = run.POSTGRES
        versions = f"{run.revision()} — {run.machine()} — {database_version(server_url)}"
        sizes = []
        for entries in (int(os.environ.get("BENCH_ENTRIES", 10_000)), int(os.environ.get("BENCH_SCALE", 1_000_000))):
            size = Size(server_url, entries)
            stack.callback(size.stop)
            sizes.append(size)
            print(f"{size.entries:,} entries: template {size.template} "
                  f"{'built in %.0f s' % size.seed_seconds if size.seed_seconds is not None else 'reused'}, "
                  f"copied in {size.copy_seconds:.0f} s", file=sys.stderr)
        for size in sizes:
            size.discover()
        print(f"ready after {time.monotonic() - started:.0f} s; measuring", file=sys.stderr)
        results = steady(sizes, READS)
        replica_lines, replica_results = [], {}
        if replica_wanted:
            large = sizes[-1]
            replica = stack.enter_context(scale_replica.replica(primary))
            large.serve("replica", {"HYPERDIARY_DATABASE_REPLICA_URLS": replica.url(large.db)})
            counter = lambda: replica.transactions(large.db)  # noqa: E731
            replica_results = steady([large], READS, ("plain", "replica"), counter)
            replica_lines = replica_table(large, replica_results)
        timed = {}
        for size in sizes:
            users = victims(size, REPEAT + 1)
            timed[size.entries] = {"export": summary(timed_exports(size)),
                                   "erase": summary(timed_erasures(size, users[:REPEAT]))}
            size.plan["erase"] = (users[REPEAT], "admin")
        plans = {}
        for size in sizes:
            for server in size.servers.values():
                server.stop()
            size.servers.clear()
            plans[size.entries] = scale_plans.capture(size, run.RESULTS / f"scale-plans-{size.entries}.txt")
    minutes = (time.monotonic() - started) / 60
    small, large = sizes
    lines = [f"### {large.entries:,} entries ({large.shape['clients']:,} clients, {large.shape['professionals']} "
             f"professional{'s' if large.shape['professionals'] > 1 else ''}) against {small.entries:,} ({small.shape['clients']:,} clients, "
             f"{small.shape['professionals']} professional{'s' if small.shape['professionals'] > 1 else ''})", "",
             f"{stamp} — {versions} — wrk {run.CONNECTIONS} connections on core {run.WRK_CORE}, waitress "
             f"{run.THREADS} threads on core {run.SERVER_CORE}, {run.WARMUP} s warm-up + {ROUNDS} × {run.DURATION} s "
             f"per scenario and size, interleaved; {minutes:.0f} min in all", "",
             *table(sizes, results, timed, plans), "",
             f"p50 × is the {short(large.entries)} figure over the {short(small.entries)} one (the target: ≤ 1.2). SQL ms: the sum of PostgreSQL's own "
             "execution times of the request's statements (auto_explain, ANALYZE), plans in "
             f"bench/results/scale-plans-{small.entries}.txt and -{large.entries}.txt. ⚠: a pass during which "
             "other processes used the CPU."]
    if replica_lines:
        lines += ["", f"Reads with one streaming replica against none ({short(large.entries)}, the same primary; "
                  "both servers measured interleaved):", "", *replica_lines]
    report = "\n".join(lines)
    (run.RESULTS / "scale.md").write_text(report + "\n")
    (run.RESULTS / "scale.json").write_text(json.dumps({
        "when": stamp, "versions": versions,
        "results": {f"{size.entries}-{server}": r for (size, server), r in results.items()},
        "replica_phase": {f"{size.entries}-{server}": r for (size, server), r in replica_results.items()},
        "timed": timed, "plans_ms": {n: {k: v["ms"] for k, v in p.items()} for n, p in plans.items()},
        "seeding_seconds": {size.entries: size.seed_seconds for size in sizes}}, indent=2))
    print(report)


if __name__ == "__main__":
    main()
