"""One `hyperdiary deliver` pass over many clients, each with one due reminder and one push subscription to a
local receiver (HTTP on 127.0.0.1, answering 201 as a push service does): the pass's time, and the statements
it sends per reminder; then a pass with nothing due, and its statements.

    python bench/reminders.py [CLIENTS]   (default 10,000; BENCH_DB=sqlite for SQLite, else PostgreSQL at
                                           BENCH_POSTGRES_URL, default the test database, in a schema of its own)

Rows are written with SQLAlchemy Core in bulk; the pass is the worker's own (hyperdiary.reminders.worker), with
the channels of a real configuration: a VAPID key made here, encryption and signing by pywebpush.
"""
import datetime
import http.server
import os
import sys
import tempfile
import threading
import time
import uuid
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import sqlalchemy as sa  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from hyperdiary import main, migrate  # noqa: E402
from hyperdiary.models import dispose  # noqa: E402
from hyperdiary.scripts import cli  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a push service reuses connections too
    count = 0

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.count += 1
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def database():
    if os.environ.get("BENCH_DB") == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/reminders.sqlite", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    return url.render_as_string(hide_password=False), drop


def point() -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    import base64
    return {"p256dh": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "auth": base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")}


def seed(engine, clients: int, endpoint: str, now: datetime.datetime):
    remind = now - datetime.timedelta(minutes=5)
    keys = point()  # one browser's keys for all: what is measured is the server's work, not the receiver's
    rows = {name: [] for name in ("users", "clients", "goals", "goal_tracking", "push_subscriptions")}
    for n in range(clients):
        user, client, goal, item, sub = (uuid.uuid4().hex for _ in range(5))
        stamp = {"created": now, "modified": now, "version": 1}
        rows["users"].append(dict(stamp, id=user, username=f"bench{n}", email=f"bench{n}@example.org",
                                  password_hash="x", role="client", first_name="", last_name="", is_active=True))
        rows["clients"].append(dict(stamp, id=client, user_id=user, name="", time_zone="Europe/Amsterdam",
                                    diary_schemas=[]))
        rows["goals"].append(dict(stamp, id=goal, client_id=client, title="Walk", is_onetime=True,
                                  frequency="One Time", days=[], startdate=now, reminder=True,
                                  remindertime=None, is_therapist_approved=False))
        rows["goal_tracking"].append(dict(stamp, id=item, goal_id=goal, client_id=client, duedate=now,
                                          iscompleted=False, reminderdate=remind.date(), remindertime=None))
        rows["push_subscriptions"].append(dict(stamp, id=sub, client_id=client, endpoint=f"{endpoint}/{n}", **keys))
    amsterdam = datetime.timezone(datetime.timedelta(hours=1))  # December: CET
    local = remind.replace(tzinfo=datetime.UTC).astimezone(amsterdam)
    for row in rows["goal_tracking"]:
        row["reminderdate"], row["remindertime"] = local.date(), local.time().replace(microsecond=0)
    for row in rows["goals"]:
        row["remindertime"] = local.time().replace(microsecond=0)
    metadata = sa.MetaData()
    with engine.begin() as conn:
        for name in rows:
            table = sa.Table(name, metadata, autoload_with=conn)
            for start in range(0, clients, 5000):
                conn.execute(table.insert(), rows[name][start:start + 5000])


def main_(clients: int):
    url, drop = database()
    key_file = os.path.join(tempfile.mkdtemp(), "vapid.pem")
    cli.main(["vapid-keys", "--out", key_file])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = {"sqlalchemy.url": url, "hyperdiary.webpush.vapid_private_key": key_file,
                "hyperdiary.webpush.allow_http_hosts": "127.0.0.1",
                "hyperdiary.schemas_dir": os.path.join(HERE, "..", "schemas"),
                "hyperdiary.namespace": "https://ns.hyperdiary.org/",
                "script_location": os.path.join(HERE, "..", "migrations")}
    try:
        migrate.upgrade(settings)
        app = main({}, **settings)
        engine = app.registry["dbengine"]
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
        seed(engine, clients, f"http://127.0.0.1:{server.server_address[1]}", now)
        statements = []
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        worker = app.registry["reminders"].worker(app.registry)
        started = time.perf_counter()
        stats = worker.run_pass(now)
        seconds = time.perf_counter() - started
        print(f"{engine.dialect.name}: {stats.line()}")
        print(f"one pass over {clients:,} due reminders: {seconds:.1f} s, {seconds / clients * 1000:.2f} ms and "
              f"{len(statements) / clients:.4f} statements per reminder ({len(statements)} statements); "
              f"{Receiver.count:,} pushes received")
        statements.clear()
        idle = worker.run_pass(now + datetime.timedelta(seconds=30))
        print(f"a pass with nothing due: {len(statements)} statement(s), {idle.seconds * 1000:.1f} ms")
        dispose(app.registry)
    finally:
        server.shutdown()
        drop()


if __name__ == "__main__":
    main_(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
