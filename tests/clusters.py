"""Real PostgreSQL servers of the tests' own: a primary and a streaming replica made by pg_basebackup, and Debian's
PgBouncer. They run as the `postgres` OS user (as root: `runuser -u postgres --`), in a temporary folder, on this
lane's ports; a test that cannot have them skips and says why."""
import glob
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

PRIMARY_PORT = 5440
REPLICA_PORT = 5441
PGBOUNCER_PORT = 6440


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0)
    return pathlib.Path(found[-1]).parent if found else None


def _as_postgres():
    """The command prefix that runs a program as the postgres OS user, or the reason it cannot."""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None, "no `postgres` OS user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return None, "no runuser to run PostgreSQL as the postgres user"
        return ["runuser", "-u", "postgres", "--"], None
    if pwd.getpwuid(os.geteuid()).pw_name == "postgres":
        return [], None
    return None, "PostgreSQL's servers must run as root (through runuser) or as the postgres user"


class Clusters:
    """A primary on PRIMARY_PORT and its replica on REPLICA_PORT, `recovery_min_apply_delay` late."""

    def __init__(self, apply_delay: str = "800ms"):
        self.bindir = _bindir()
        if self.bindir is None:
            pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): install postgresql")
        self.prefix, why = _as_postgres()
        if self.prefix is None:
            pytest.skip(why)
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="hd-replicas-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.primary = self.root / "primary"
        self.replica = self.root / "replica"
        self.started = []
        try:
            self._run("initdb", "-D", self.primary, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
            self._configure(self.primary, PRIMARY_PORT,
                            "wal_level = replica", "max_wal_senders = 4", "fsync = off",
                            "synchronous_commit = on", "shared_preload_libraries = 'pg_stat_statements'",
                            "max_connections = 200")
            self.start(self.primary)
            self.psql(PRIMARY_PORT, "CREATE DATABASE hyperdiary")
            self.psql(PRIMARY_PORT, "CREATE EXTENSION pg_stat_statements", database="hyperdiary")
            self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres",
                      "-D", self.replica, "-R", "-X", "stream", "--no-sync", "--checkpoint=fast")
            self._configure(self.replica, REPLICA_PORT, f"recovery_min_apply_delay = '{apply_delay}'",
                            "hot_standby = on")
            self.start(self.replica)
        except subprocess.CalledProcessError as error:
            log = "".join(path.read_text(errors="replace")[-2000:] for path in self.root.glob("*.log"))
            self.stop()
            pytest.skip(f"could not start a primary and a replica on ports {PRIMARY_PORT}, {REPLICA_PORT}: "
                        f"{error}: {error.stderr}\n{log}")

    def url(self, port: int) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/hyperdiary"

    @property
    def primary_url(self):
        return self.url(PRIMARY_PORT)

    @property
    def replica_url(self):
        return self.url(REPLICA_PORT)

    def _run(self, program, *args):
        return subprocess.run([*self.prefix, str(self.bindir / program), *map(str, args)], check=True,
                              capture_output=True, text=True, timeout=120, cwd=self.root)

    def _configure(self, datadir, port, *lines):
        with open(datadir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join([f"port = {port}", "listen_addresses = '127.0.0.1'",
                                  f"unix_socket_directories = '{self.root}'", *lines]) + "\n")

    def start(self, datadir):
        self._run("pg_ctl", "-D", datadir, "-l", self.root / f"{datadir.name}.log", "-w", "-t", "60", "start")
        if datadir not in self.started:
            self.started.append(datadir)

    def stop_server(self, datadir, mode="fast"):
        self._run("pg_ctl", "-D", datadir, "-m", mode, "-w", "stop")

    def psql(self, port, sql, database="postgres") -> str:
        return self._run("psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database,
                         "-XAtq", "-c", sql).stdout.strip()

    def wait_for_replay(self, timeout=30.0):
        """Until the replica has replayed everything the primary had written when this was called."""
        target = self.psql(PRIMARY_PORT, "SELECT pg_current_wal_insert_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.psql(REPLICA_PORT, f"SELECT pg_last_wal_replay_lsn() >= '{target}'") == "t":
                return
            time.sleep(0.1)
        raise AssertionError("the replica did not catch up")

    def stop(self):
        for datadir in reversed(self.started):
            try:
                self.stop_server(datadir, "immediate")
            except subprocess.CalledProcessError:
                pass  # (already stopped by the test)
        shutil.rmtree(self.root, ignore_errors=True)


class PgBouncer:
    """Debian's PgBouncer on PGBOUNCER_PORT in transaction pooling mode, in front of `database` on `host`:`port`,
    with few server connections (`pool_size`), so that every client's transactions share them."""

    def __init__(self, host: str, port: int, database: str, pool_size: int = 3):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.path.exists(binary):
            pytest.skip("no pgbouncer: apt-get install pgbouncer (.ci/run does)")
        # PgBouncer refuses to run as root.
        self.prefix, why = _as_postgres()
        if self.prefix is None:
            pytest.skip(why)
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="hd-pgbouncer-"))
        (self.root / "users.txt").write_text('"postgres" ""\n', encoding="utf-8")
        (self.root / "pgbouncer.ini").write_text(f"""[databases]
hyperdiary = host={host} port={port} dbname={database} user=postgres pool_size={pool_size}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PGBOUNCER_PORT}
unix_socket_dir = {self.root}
auth_type = trust
auth_file = {self.root}/users.txt
pool_mode = transaction
max_client_conn = 500
logfile = {self.root}/pgbouncer.log
pidfile = {self.root}/pgbouncer.pid
""", encoding="utf-8")
        shutil.chown(self.root, "postgres", "postgres")
        for path in self.root.iterdir():
            shutil.chown(path, "postgres", "postgres")
        result = subprocess.run([*self.prefix, binary, "-d", str(self.root / "pgbouncer.ini")],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            log = (self.root / "pgbouncer.log").read_text(errors="replace")[-2000:] \
                if (self.root / "pgbouncer.log").exists() else ""
            shutil.rmtree(self.root, ignore_errors=True)
            pytest.skip(f"pgbouncer did not start on port {PGBOUNCER_PORT}: {result.stderr} {log}")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{PGBOUNCER_PORT}/hyperdiary"

    @property
    def log(self) -> str:
        return (self.root / "pgbouncer.log").read_text(errors="replace")

    def stop(self):
        try:
            pid = int((self.root / "pgbouncer.pid").read_text())
            os.kill(pid, 15)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
