"""schemathesis, every check, against a live hyperdiary (`make fuzz`): does the server do what its OpenAPI
document says, and never answer 5xx?

    python fuzz/run.py [--postgres URL] [--examples N] [--seed S] [ST_OPTIONS...]

A fresh database (a temporary SQLite file, or a schema of its own in the PostgreSQL database at URL),
the app of testing.ini (cheap hashing, the suite's throttling limits) served by waitress on a free port of
127.0.0.1, an admin who puts the client in the professional's caseload, and then one schemathesis run per
signed-in role (a professional, a client) with `--checks all`, deterministic generation and at most N
examples per operation (default 20). Operations that end the caller's own sign-in or account are left
out (each would end the run's token). The exit status is non-zero when any run found a problem.
schemathesis runs from its own virtualenv (`.venv-fuzz`, made by `make fuzz`): its dependencies stay
out of the project's.
"""
import argparse
import contextlib
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import transaction  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from hyperdiary import accounts, main, migrate, server  # noqa: E402
from hyperdiary.models import dispose  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
PASSWORD = "a fuzzing passphrase of some length"
ST = ROOT / ".venv-fuzz" / "bin" / "st"
# They end the token the run signs with (sign-out, erasure, a password change revokes every token).
EXCLUDED = ("signOut", "signOutPages", "eraseUser", "changeUser")


@contextlib.contextmanager
def database(postgres_url):
    if not postgres_url:
        folder = tempfile.mkdtemp(prefix="hyperdiary-fuzz-")
        try:
            yield f"sqlite:///{folder}/fuzz.sqlite"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    schema = f"hdfuzz_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield sa.engine.make_url(postgres_url).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def create_user(app, username, role):
    with transaction.manager:
        dbsession = app.registry["dbsession_factory"]()
        accounts.create_user(dbsession, app.registry["password_hasher"], username=username, password=PASSWORD,
                             email=f"{username}@example.org", role=role, first_name=username.title(),
                             last_name="Fuzz", diary_schemas=app.registry["default_diary_schemas"])


# The ids a path needs that no link of the document gives schemathesis (the caller's own user, the client).
CONFIG = """
[parameters]
"path.client_id" = "{client_id}"
"path.user_id" = "{user_id}"
"""
# Rules of the input that JSON Schema cannot say, so that data valid by the document may still be a 400 naming
# the field: an opaque paging cursor (`after`), a date range longer than a listing allows or backwards, a
# password zxcvbn finds weak, an entry schema whose fields cannot be described, a goal batch naming goals that
# do not exist, a journal with neither title nor description; and an If-Match that is not the record's ETag
# (412: that is what If-Match is for). Without --strict, the check that valid data is
# accepted takes a 400 as an answer; every other check (5xx, status codes, schemas of answers, headers,
# negative data refused, ...) stays as strict.
LENIENT = """
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "3XX", 400, 401, 403, 404, 409, 412, 429]
"""
# Paths the caller may not see: they answer 404 to every method, TRACE included (API.md §2: a hidden resource
# answers 404), where schemathesis expects 405 for a method the document does not list.
HIDDEN = {"pat": "^/clients/[{]client_id[}]/(audit|calendarfeeds|notifications|relatives)/",
          "carol": "^/users/[{]user_id[}]/caseload/"}
HIDDEN_CONFIG = """
[[operations]]
include-path-regex = "{regex}"
checks.unsupported_method.enabled = false
"""


def last_segment(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def link(body, name):
    return next(entry["url"] for entry in body["@links"] if entry["name"] == name)


def sign_in(http, base, username) -> str:
    root = http.get(base + "/").json()
    answer = http.post(link(root, "auth.token"), json={"username": username, "password": PASSWORD})
    answer.raise_for_status()
    return answer.json()["access"]


def main_(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--examples", type=int, default=20, help="at most this many examples per operation")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--strict", action="store_true",
                        help="a 400 to data valid by the document counts as a failure (see LENIENT)")
    options, extra = parser.parse_known_args(argv)
    with database(options.postgres) as url, tempfile.TemporaryDirectory(prefix="hyperdiary-fuzz-") as folder:
        settings = dict(get_appsettings(str(ROOT / "testing.ini")), **{"sqlalchemy.url": url})
        migrate.upgrade(settings)
        app = main({}, **settings)
        waitress = server.create_server(app, host="127.0.0.1", port=0, threads=8)
        runner = threading.Thread(target=waitress.run, daemon=True)
        runner.start()
        base = f"http://127.0.0.1:{waitress.effective_port}"
        failed = False
        try:
            for username, role in (("fuzzadmin", "admin"), ("pat", "professional"), ("carol", "client")):
                create_user(app, username, role)
            with httpx.Client() as http:
                tokens = {name: sign_in(http, base, name) for name in ("fuzzadmin", "pat", "carol")}
                headers = {"Authorization": f"Bearer {tokens['fuzzadmin']}"}
                me = http.get(link(http.get(base + "/", headers=headers).json(), "me"), headers=headers).json()
                carol = http.get(link(http.get(base + "/", headers={"Authorization": f"Bearer {tokens['carol']}"})
                                      .json(), "me"), headers={"Authorization": f"Bearer {tokens['carol']}"}).json()
                pat = http.get(link(http.get(base + "/", headers={"Authorization": f"Bearer {tokens['pat']}"})
                                    .json(), "me"), headers={"Authorization": f"Bearer {tokens['pat']}"}).json()
                client_url = http.get(link(carol, "client"), headers={"Authorization": f"Bearer {tokens['carol']}"}
                                      ).json()["@url"]
                http.post(link(pat, "caseload"), json={"client": client_url}, headers=headers).raise_for_status()
                del me
            ids = {"client": last_segment(client_url), "pat": last_segment(pat["@url"]),
                   "carol": last_segment(carol["@url"])}
            for username in ("pat", "carol"):
                config = pathlib.Path(folder) / f"{username}.toml"
                config.write_text(CONFIG.format(client_id=ids["client"], user_id=ids[username])
                                  + ("" if options.strict else LENIENT)
                                  + HIDDEN_CONFIG.format(regex=HIDDEN[username]))
                # Every check is on by default (in the config; `--checks all` would override its exceptions).
                command = [str(ST), "--config-file", str(config), "run", f"{base}/openapi.json",
                           "--max-examples",
                           str(options.examples), "--seed", str(options.seed), "--generation-deterministic",
                           "--workers", "1", "--no-color", "-H", f"Authorization: Bearer {tokens[username]}",
                           "--request-timeout", "30"]
                for operation in EXCLUDED:
                    command += ["--exclude-operation-id", operation]
                print(f"== schemathesis as {username} ({'PostgreSQL' if options.postgres else 'SQLite'})",
                      flush=True)
                failed |= subprocess.run(command + extra).returncode != 0
        finally:
            waitress.task_dispatcher.shutdown(timeout=30)  # the loop's thread is a daemon: it ends with us
            dispose(app.registry)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main_())
