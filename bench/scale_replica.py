"""PostgreSQL clusters of `make bench-scale`'s own for BENCH_REPLICA=1: a primary and a streaming replica of it.

- `primary()`: a cluster on port 5450 (BENCH_PRIMARY_PORT) kept in BENCH_PG_DIR [/var/tmp/hyperdiary-bench-pg]
  across runs, so the seeded templates on it are reused; made with initdb the first time (trust for local
  connections, replication allowed from 127.0.0.1, wal_level replica), started for the run and stopped after.
- `replica(primary)`: pg_basebackup of the running primary (`-R`: it follows the primary by streaming
  replication) into a temporary directory, started as a hot standby on port 5451 (BENCH_REPLICA_PORT), stopped
  and removed after the run.

Both run as the postgres OS user (`runuser -u postgres`) when the bench runs as root, which PostgreSQL
requires; otherwise as the current user. The server binaries are the newest under /usr/lib/postgresql
(BENCH_PG_BIN to choose).
"""
import contextlib
import glob
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import psycopg

PG_BIN = pathlib.Path(os.environ.get("BENCH_PG_BIN") or (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or ["."])[-1])
STATE = pathlib.Path(os.environ.get("BENCH_PG_DIR", "/var/tmp/hyperdiary-bench-pg"))
PRIMARY_PORT = int(os.environ.get("BENCH_PRIMARY_PORT", 5450))
REPLICA_PORT = int(os.environ.get("BENCH_REPLICA_PORT", 5451))
# Enough for two app servers' pools, their audit pools and the bench's own connections.
SETTINGS = {"listen_addresses": "'127.0.0.1'", "max_connections": "200", "wal_level": "replica",
            "max_wal_senders": "5", "hot_standby": "on", "shared_buffers": "256MB"}


def as_postgres(command):
    command = [str(PG_BIN / command[0]), *command[1:]]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def owned(path: pathlib.Path):
    """A directory the postgres user owns (it refuses a data directory it does not)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        path.chmod(0o700)
    return path


class Cluster:
    def __init__(self, data: pathlib.Path, port: int):
        self.data, self.port = data, port
        self.log = data.parent / f"postgresql-{port}.log"

    def url(self, database, driver="postgresql+psycopg"):
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        # The socket goes beside the data (the system's socket directory may belong to another cluster).
        subprocess.run(as_postgres(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "-o",
                                    f"-p {self.port} -k {self.data.parent} {options}", "start"]),
                       check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run(as_postgres(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def transactions(self, database) -> int:
        """Transactions this server has served in the database (committed and rolled back), so far: on the
        replica, every read that reached it."""
        with psycopg.connect(self.url("postgres", "postgresql"), autocommit=True) as conn:
            return conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                                (database,)).fetchone()[0]


@contextlib.contextmanager
def primary():
    data = STATE / "primary"
    owned(STATE)
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        owned(data)
        # --auth trust: the cluster listens on 127.0.0.1 only and lives for benchmarks; initdb's default
        # pg_hba.conf already allows replication connections from 127.0.0.1.
        subprocess.run(as_postgres(["initdb", "-D", str(data), "-U", "postgres", "--auth", "trust",
                                    "--encoding", "UTF8"]), check=True, stdout=subprocess.DEVNULL)
    cluster = Cluster(data, PRIMARY_PORT)
    cluster.start()
    print(f"primary cluster on port {PRIMARY_PORT} ({data})", file=sys.stderr)
    try:
        yield cluster
    finally:
        cluster.stop()


@contextlib.contextmanager
def replica(source: Cluster):
    base = owned(pathlib.Path(tempfile.mkdtemp(prefix="hyperdiary-bench-replica-")))
    data = base / "data"
    started = time.monotonic()
    try:
        subprocess.run(as_postgres(["pg_basebackup", "-h", "127.0.0.1", "-p", str(source.port), "-U", "postgres",
                                    "-D", str(data), "-R", "-X", "stream", "-c", "fast"]), check=True)
        cluster = Cluster(data, REPLICA_PORT)
        cluster.start()
        with psycopg.connect(cluster.url("postgres", "postgresql"), autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0], "the replica is not in recovery"
        print(f"replica on port {REPLICA_PORT}, streaming from {source.port} "
              f"(base backup and start: {time.monotonic() - started:.0f} s)", file=sys.stderr)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
