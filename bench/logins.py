"""`GET /` latency while sign-ins hash passwords: a production.ini server (4 threads, argon2's default cost)
on a temporary SQLite database, 8 threads signing in over and over for DURATION seconds, and one client
asking `GET /` every 50 ms meanwhile. Run it twice to compare the bounded hashing (the default) with an
unbounded one:

    .venv/bin/python bench/logins.py                 # hashing bounded as shipped
    .venv/bin/python bench/logins.py --unbounded     # as before hashing.py: every sign-in hashes at once

Loopback only; every loop is bounded by DURATION.
"""
import argparse
import json
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PASSWORD = "a long benchmark passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unbounded", action="store_true")
    parser.add_argument("--logins", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to work on (in a schema of its own), "
                        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test; default: SQLite")
    args = parser.parse_args()
    folder = pathlib.Path(tempfile.mkdtemp(prefix="hd-logins-"))
    extra = ["hyperdiary.ratelimit.token_username_address = 100000 per minute",
             "hyperdiary.ratelimit.token_username = 100000 per minute",
             "hyperdiary.ratelimit.token_address = 100000 per minute"]
    if args.unbounded:
        extra += ["hyperdiary.password_hashing.concurrency = 64", "hyperdiary.password_hashing.queue = 64"]
    ini = (ROOT / "production.ini").read_text().replace("[app:main]\n", "[app:main]\n" + "\n".join(extra) + "\n", 1)
    database = f"sqlite:///{folder / 'bench.sqlite'}"
    if args.postgres:
        import sqlalchemy as sa

        schema = "hd_logins_" + folder.name.replace("-", "_").lower()
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        database = sa.engine.make_url(args.postgres).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    ini = ini.replace("sqlite:///%(here)s/var/hyperdiary.sqlite", database.replace("%", "%%")).replace("%(here)s", str(ROOT))
    config = folder / "bench.ini"
    config.write_text(ini)
    environ = {"PATH": str(BIN), "PYTHONWARNINGS": "ignore"}
    subprocess.run([BIN / "hyperdiary", "migrate", "--config", config], check=True, env=environ, capture_output=True)
    subprocess.run([BIN / "hyperdiary", "create-user", "--config", config, "--username", "bench", "--role", "client",
                    "--password", PASSWORD], check=True, env=environ, capture_output=True)
    port = free_port()
    server = subprocess.Popen([BIN / "pserve", config, f"http_port={port}"], env=environ,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                call(base + "/")
                break
            except OSError:
                time.sleep(0.1)
        token_url = base + "/auth/token"
        baseline = []
        for _ in range(40):
            started = time.monotonic()
            call(base + "/")
            baseline.append(time.monotonic() - started)
            time.sleep(0.05)
        stop = time.monotonic() + args.duration
        statuses = []

        def sign_in():
            while time.monotonic() < stop:
                statuses.append(call(token_url, {"username": "bench", "password": PASSWORD}))

        threads = [threading.Thread(target=sign_in) for _ in range(args.logins)]
        for thread in threads:
            thread.start()
        latencies = []
        time.sleep(1)
        while time.monotonic() < stop - 1:
            started = time.monotonic()
            call(base + "/")
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        counts = {status: statuses.count(status) for status in sorted(set(statuses))}
        ms = sorted(1000 * value for value in latencies)
        print(f"{'unbounded' if args.unbounded else 'bounded'}: GET / alone median {1000 * statistics.median(baseline):.1f} ms; "
              f"with {args.logins} sign-ins looping: median {statistics.median(ms):.1f} ms, "
              f"p90 {ms[int(len(ms) * 0.9)]:.1f} ms, max {ms[-1]:.1f} ms over {len(ms)} GETs; "
              f"sign-in answers {counts} in {args.duration:.0f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.postgres:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
