"""What the health-data duties cost (API.md §9), on a database of their own:

    .venv/bin/python bench/duties.py [DATABASE_URL]

Default URL: BENCH_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test (a schema of its own,
dropped afterwards); a sqlite:/// URL gets a fresh file. Two measurements:

1. Auditing reads: one app with auditing of reads on, one with it off (`hyperdiary.audit.reads = false`,
   a setting for this measurement only), on the same database. A professional reads one entry of a client
   in their caseload, and a page of 50 entries (with @schemas); the two apps take turns, REPEAT calls each
   (default 300) after a warm-up, in process (webtest, no sockets). Printed: the median and the 90th
   percentile of each, and the difference of the medians.
2. The export of a client with ENTRIES entries (default 100,000; inserted directly, in batches, with a
   journal, a mood and a goal): `hyperdiary export` runs in a child process, JSON and FHIR, and the child's
   peak resident memory (ru_maxrss) and wall time are printed, next to the same export of a client with
   no entries (the interpreter, the app and its start-up), so the difference is what the entries cost.
   ENTRIES=0 leaves this part out. Then the same over HTTP: a server process (waitress) serves the export
   link twice to a reader that drops the bytes as they come, and its peak RSS (VmHWM) is printed after an
   export of the empty client and after each of the big one.
"""
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import sqlalchemy as sa  # noqa: E402
import transaction  # noqa: E402
import webtest  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from hyperdiary import accounts, main, migrate  # noqa: E402
from hyperdiary.diary.models import Entry  # noqa: E402
from hyperdiary.models import dispose

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPEAT = int(os.environ.get("REPEAT", 300))
ENTRIES = int(os.environ.get("ENTRIES", 100_000))
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
PASSWORD = "measuring the duties"


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name)


def database(url):
    """(the URL to use, a function that drops what was made)."""
    if url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="hyperdiary-duties-")
        return f"sqlite:///{folder}/bench.sqlite", lambda: None
    schema = f"bench_duties_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    scoped = sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), drop


def make_user(app, username, role):
    with transaction.manager:
        session = app.registry["dbsession_factory"]()
        accounts.create_user(session, app.registry["password_hasher"], username=username, password=PASSWORD,
                             email=f"{username}@example.org", role=role,
                             diary_schemas=app.registry["default_diary_schemas"])


def sign_in(testapp, username):
    token = testapp.post_json("/auth/token", {"username": username, "password": PASSWORD}).json["access"]
    return {"Authorization": f"Bearer {token}"}


def insert_entries(engine, client_id, count, start=datetime.datetime(2020, 1, 1)):
    table = Entry.__table__
    batch = []
    with engine.begin() as conn:
        for n in range(count):
            now = start + datetime.timedelta(minutes=n)
            batch.append({"id": uuid.uuid4().hex, "created": now, "modified": now, "version": 1, "deleted": None,
                          "client_id": client_id, "schema_id": EMOTION, "dt": now, "dedupe_key": uuid.uuid4().hex,
                          "fields": {"emotion": "happy", "intensity": 1 + n % 5,
                                     "situation": f"entry {n}: a sentence of the kind people write"}})
            if len(batch) == 5000:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def timed(testapp, url, headers):
    start = time.perf_counter()
    testapp.get(url, headers=headers)
    return (time.perf_counter() - start) * 1000


def audit_cost(settings):
    on = main({}, **settings)
    off = main({}, **dict(settings, **{"hyperdiary.audit.reads": "false"}))
    apps = {"on": webtest.TestApp(on, extra_environ={"HTTP_HOST": "bench.example"}),
            "off": webtest.TestApp(off, extra_environ={"HTTP_HOST": "bench.example"})}
    testapp = apps["on"]
    make_user(on, "admin", "admin")
    make_user(on, "pat", "professional")
    make_user(on, "carol", "client")
    admin, pat, carol = sign_in(testapp, "admin"), sign_in(testapp, "pat"), sign_in(testapp, "carol")
    me = testapp.get(link(testapp.get("/", headers=carol).json, "me"), headers=carol).json
    client = testapp.get(link(me, "client"), headers=carol).json
    pat_me = testapp.get(link(testapp.get("/", headers=pat).json, "me"), headers=pat).json
    testapp.post_json(link(pat_me, "caseload"), {"client": client["@url"]}, headers=admin)
    client_id = client["@url"].rstrip("/").rsplit("/", 1)[-1]
    insert_entries(on.registry["dbengine"], client_id, 1000)
    if on.registry["dbengine"].dialect.name == "postgresql":
        with on.registry["dbengine"].connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    items = link(client, "diary.entries.items")
    page = testapp.get(items, headers=pat).json
    one = page["@items"][0]["@url"]
    results = {}
    for name, url in (("GET one entry", one), ("GET page of 50", items)):
        times = {"on": [], "off": []}
        for mode in ("on", "off"):
            for _ in range(20):
                timed(apps[mode], url, pat)
        for _ in range(REPEAT):
            for mode in ("on", "off"):  # in turns, so that drift of the machine falls on both alike
                times[mode].append(timed(apps[mode], url, pat))
        results[name] = {mode: (statistics.median(t), sorted(t)[int(len(t) * 0.9) - 1]) for mode, t in times.items()}
    with on.registry["dbengine"].connect() as conn:
        events = conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE action = 'read'")).scalar()
    for app in (on, off):
        dispose(app.registry)
    return results, events


def export_cost(url):
    """Peak RSS and wall time of `hyperdiary export` of a client with ENTRIES entries and one with none."""
    settings = dict(get_appsettings(os.path.join(ROOT, "testing.ini")), **{"sqlalchemy.url": url})
    settings_file = tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False)
    settings_file.write("[app:main]\nuse = egg:hyperdiary\n" + "".join(
        f"{key} = {value.replace('%', '%%')}\n" for key, value in settings.items()
        if key.startswith(("sqlalchemy.", "hyperdiary."))))
    settings_file.close()
    app = main({}, **settings)
    for username in ("big", "empty"):
        make_user(app, username, "client")
    engine = app.registry["dbengine"]
    with engine.connect() as conn:
        big = conn.execute(sa.text("SELECT c.id FROM clients c JOIN users u ON u.id = c.user_id "
                                   "WHERE u.username = 'big'")).scalar()
    started = time.perf_counter()
    insert_entries(engine, big, ENTRIES)
    print(f"  (inserted {ENTRIES:,} entries in {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    engine.dispose()
    command = [os.path.join(ROOT, ".venv", "bin", "hyperdiary"), "export", "--config", settings_file.name]
    results = {}
    for username, fhir in (("empty", False), ("big", False), ("empty", True), ("big", True)):
        argv = command + ["--username", username] + (["--fhir"] if fhir else [])
        script = ("import resource, subprocess, sys, time\n"
                  "start = time.perf_counter()\n"
                  "out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=True).stdout\n"
                  "took = time.perf_counter() - start\n"
                  "print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, len(out))\n")
        # A child of a fresh interpreter: RUSAGE_CHILDREN is then the export's own peak, not this process's.
        # The document is read from a pipe by that interpreter, not kept by the export.
        line = subprocess.run([sys.executable, "-c", script, *argv], stdout=subprocess.PIPE, check=True,
                              env=dict(os.environ, PYTHONWARNINGS="ignore")).stdout.decode().split()
        took, peak_kib, size = float(line[0]), int(line[1]), int(line[2])
        results[(username, fhir)] = (took, peak_kib / 1024, size)
    results["http"] = export_over_http(settings_file.name)
    os.unlink(settings_file.name)
    return results


SERVER = """
import sys, warnings
warnings.filterwarnings("ignore")
import waitress
from pyramid.paster import get_app
app = get_app(sys.argv[1])
server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
print(server.effective_port, flush=True)
server.run()
"""


def peak_kib(pid) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def export_over_http(ini):
    """A server process (waitress, 4 threads) serves the export link to a reader that throws the bytes
    away as they come: the server's peak RSS (VmHWM) after exporting the empty client, then the big one."""
    import urllib.request

    server = subprocess.Popen([sys.executable, "-c", SERVER, ini], stdout=subprocess.PIPE,
                              env=dict(os.environ, PYTHONWARNINGS="ignore"))
    try:
        base = f"http://127.0.0.1:{int(server.stdout.readline())}"
        results = {}

        def call(path, body=None, headers=None):
            request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None,
                                             headers=dict(headers or {}, **({"Content-Type": "application/json"}
                                                                            if body else {})))
            return urllib.request.urlopen(request, timeout=600)

        for username in ("empty", "big", "big"):
            token = json.load(call("/auth/token", {"username": username, "password": PASSWORD}))["access"]
            auth = {"Authorization": f"Bearer {token}"}
            me = json.load(call("/", headers=auth))
            me = json.load(call(link(me, "me")[len(base):], headers=auth))
            client = json.load(call(link(me, "client")[len(base):], headers=auth))
            start, size = time.perf_counter(), 0
            with call(link(client, "export")[len(base):], headers=auth) as answer:
                while chunk := answer.read(1 << 16):
                    size += len(chunk)
            results.setdefault(username, []).append((time.perf_counter() - start, peak_kib(server.pid) / 1024, size))
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def run():
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    scoped, drop = database(url)
    try:
        settings = dict(get_appsettings(os.path.join(ROOT, "testing.ini")))
        settings["sqlalchemy.url"] = scoped
        migrate.upgrade(settings)
        backend = sa.engine.make_url(scoped).get_backend_name()
        results, events = audit_cost(settings)
        print(f"Auditing reads on {backend}, a professional, {REPEAT} calls each, in turns (ms):")
        print(f"  {'':16} {'on p50':>8} {'off p50':>8} {'on p90':>8} {'off p90':>8} {'p50 +':>7}")
        for name, result in results.items():
            (on50, on90), (off50, off90) = result["on"], result["off"]
            print(f"  {name:16} {on50:8.2f} {off50:8.2f} {on90:8.2f} {off90:8.2f} {on50 - off50:7.2f}"
                  f" ({(on50 - off50) / off50:+.0%})")
        print(f"  ({events:,} read events recorded)")
        if not ENTRIES:  # ENTRIES=0: the audit's cost only
            return
        exports = export_cost(scoped)
        print(f"Export by `hyperdiary export` on {backend} (a child process):")
        over_http = exports.pop("http")
        for (username, fhir), (took, peak, size) in exports.items():
            what = f"{'FHIR' if fhir else 'JSON'}, {ENTRIES if username == 'big' else 0:,} entries"
            print(f"  {what:24} {took:7.1f} s  peak RSS {peak:6.1f} MiB  {size / 1e6:7.1f} MB")
        print(f"The export link over HTTP (waitress, 4 threads), the server's peak RSS after each export:")
        for username, runs in over_http.items():
            for took, peak, size in runs:
                what = f"JSON, {ENTRIES if username == 'big' else 0:,} entries"
                print(f"  {what:24} {took:7.1f} s  peak RSS {peak:6.1f} MiB  {size / 1e6:7.1f} MB")
    finally:
        drop()


if __name__ == "__main__":
    run()
