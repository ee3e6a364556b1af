"""What gzip costs: CPU time per answer for a page of 50 diary entries, in process, on SQLite.

    .venv/bin/python bench/gzip_cost.py

Through the API (webob, no sockets) it registers a client, writes 50 emotion entries with a sentence each,
then reads `diary.entries.items?limit=50` REPEAT times (default 500) with and without `Accept-Encoding:
gzip`, alternating, and prints the answer sizes, the median process CPU time of each kind of request, and
the CPU time of gzip.compress alone on that body (compression.LEVEL, and level 9 for comparison)."""
import gzip
import os
import statistics
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

from pyramid.paster import get_appsettings  # noqa: E402
from webob import Request  # noqa: E402

from hyperdiary import compression, main, migrate  # noqa: E402
from hyperdiary.models import dispose

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPEAT = int(os.environ.get("REPEAT", 500))
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"


def call(app, method, path, body=None, **headers):
    request = Request.blank(path, method=method, headers=headers, environ={"HTTP_HOST": "localhost"})
    if body is not None:
        request.json_body = body
    return request.get_response(app)


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name).replace("http://localhost", "")


def cpu(run, repeat):
    times = []
    for _ in range(repeat):
        start = time.process_time_ns()
        run()
        times.append(time.process_time_ns() - start)
    return statistics.median(times) / 1e6


def main_():
    folder = tempfile.mkdtemp(prefix="hyperdiary-gzip-")
    settings = dict(get_appsettings(os.path.join(ROOT, "testing.ini")))
    settings["sqlalchemy.url"] = f"sqlite:///{folder}/bench.sqlite"
    migrate.upgrade(settings)
    app = main({}, **settings)
    password = "correct horse battery"
    call(app, "POST", "/auth/register", {"username": "carol", "email": "c@example.org", "password": password})
    token = call(app, "POST", "/auth/token", {"username": "carol", "password": password}).json["access"]
    auth = {"Authorization": f"Bearer {token}"}
    client = call(app, "GET", link(call(app, "GET", link(call(app, "GET", "/", **auth).json, "me"), **auth).json,
                                   "client"), **auth).json
    entries = link(client, "diary.entries")
    for day in range(50):
        call(app, "POST", entries, {"@type": EMOTION, "dt": f"2024-04-{day % 28 + 1:02d}T{day % 24:02d}:00:00Z",
                                    "emotion": "happy", "intensity": day % 5 + 1,
                                    "situation": f"Walked to work in the sun, day {day}, and felt good."}, **auth)
    page = link(client, "diary.entries.items") + "?limit=50"
    plain = call(app, "GET", page, **auth)
    packed = call(app, "GET", page, **dict(auth, **{"Accept-Encoding": "gzip"}))
    assert packed.content_encoding == "gzip" and len(plain.json["@items"]) == 50, plain.json
    body = plain.body
    print(f"page of 50 entries: {len(body):,} bytes plain, {len(packed.body):,} gzipped "
          f"({len(packed.body) / len(body):.0%})")
    for _ in range(50):  # warm-up
        call(app, "GET", page, **auth)
    plain_times, packed_times = [], []
    for _ in range(REPEAT):
        plain_times.append(cpu(lambda: call(app, "GET", page, **auth), 1))
        packed_times.append(cpu(lambda: call(app, "GET", page, **dict(auth, **{"Accept-Encoding": "gzip"})), 1))
    plain_ms, packed_ms = statistics.median(plain_times), statistics.median(packed_times)
    print(f"CPU per request, median of {REPEAT}: {plain_ms:.2f} ms plain, {packed_ms:.2f} ms gzipped "
          f"(+{packed_ms - plain_ms:.2f} ms, {packed_ms / plain_ms - 1:+.0%})")
    for level in (compression.LEVEL, 9):
        alone = cpu(lambda: gzip.compress(body, compresslevel=level, mtime=0), REPEAT)
        size = len(gzip.compress(body, compresslevel=level, mtime=0))
        print(f"gzip.compress alone, level {level}: {alone:.3f} ms, {size:,} bytes")
    dispose(app.registry)


if __name__ == "__main__":
    sys.exit(main_())
