"""The packaging test: hyperdiary as software is installed, not as a checkout is run.

A wheel is built from the files of this checkout (what a clean clone holds), installed into fresh virtual
environments in a temporary folder (pip's cache makes the second run quick), and used from a folder outside
any checkout: `pip install 'hyperdiary[server]'` migrates, serves, registers a client who writes an entry,
and runs the README's pytest-plugin example, all with the minimal ini file of the README; `pip install
hyperdiary` alone is the light client. It skips only when pip cannot reach the package index (no network),
and says so; any other failure fails.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import httpx
import pytest

from tests.functional.test_testing_plugin import ROOT, readme_example

pytestmark = pytest.mark.packaging

# The server's stack: none of it is installed or imported by the light client.
SERVER_STACK = ("pyramid", "sqlalchemy", "alembic", "waitress", "colander", "jsonschema")

WRITES = '''
import sys
from hyperdiary.client import Client

with Client(sys.argv[1]) as api:
    api.register("carol", "carol@example.org", "my diary stays private, always")
    api.login("carol", "my diary stays private, always")
    entries = api.me().follow("client", "diary.entries")
    entry = entries.create({"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1",
                            "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5})
    assert entry.load()["emotion"] == "happy"
    print("wrote", entry.url)
'''


def run(*command, cwd, env=None, timeout=600):
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def clean_clone(destination):
    """The files a clone of this checkout holds (tracked, or new and not ignored): no .venv, build/ or
    egg-info of the working copy can slip into the wheel."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def pip_install(venv, *requirements, cwd):
    """pip install into `venv`; a failure is skipped only when pip cannot reach the index at all."""
    command = [venv / "bin" / "python", "-m", "pip", "install", "--quiet", *requirements]
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=1200)
    if result.returncode == 0:
        return
    probe = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "download", "--quiet", "--no-deps",
                            "--dest", str(cwd / "probe"), "httpx"], cwd=cwd, capture_output=True, text=True,
                           timeout=300)
    if probe.returncode != 0:
        pytest.skip(f"pip cannot reach the package index to install the wheel's dependencies: {probe.stderr[-500:]}")
    pytest.fail(f"pip install {' '.join(requirements)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")


def new_venv(path):
    run(sys.executable, "-m", "venv", path, cwd=path.parent)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def minimal_ini() -> str:
    """The minimal ini file, as the README's "Installing" section shows it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Installing"):]
    return re.search(r"```ini\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the packaging test builds the wheel from what a clone holds")
    base = tmp_path_factory.mktemp("packaging")
    source = base / "clone"
    clean_clone(source)
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", base / "dist", source, cwd=base,
        timeout=1200)
    [built] = (base / "dist").glob("hyperdiary-*.whl")
    return built


def environ_outside(site):
    """The environment of a user's shell: no settings of this suite, no checkout on the path."""
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("HYPERDIARY_", "PYTEST", "PYTHON", "VIRTUAL_ENV", "COV_"))}
    environ["HOME"] = os.environ.get("HOME", str(site))
    return environ


def test_the_wheel_migrates_serves_and_runs_the_plugin_example(wheel, tmp_path):
    venv = new_venv(tmp_path / "venv")
    site = tmp_path / "site"      # an operator's folder: nothing of the checkout in it
    site.mkdir()
    pip_install(venv, f"{wheel}[server]", "pytest", cwd=site)
    hyperdiary = venv / "bin" / "hyperdiary"
    environ = environ_outside(site)
    ini = site / "site.ini"
    ini.write_text(minimal_ini(), encoding="utf-8")
    assert "use = egg:hyperdiary" in ini.read_text() and "schemas_dir" not in ini.read_text()

    # The installed package finds its own schemas and migrations, not the checkout's.
    located = run(venv / "bin" / "python", "-c", "from hyperdiary import shipped; "
                  "print(shipped.schemas()); print(shipped.migrations())", cwd=site, env=environ).stdout
    assert str(venv) in located and str(ROOT) not in located

    migrated = run(hyperdiary, "migrate", "--config", ini, cwd=site, env=environ)
    assert "Database is at the latest revision." in migrated.stdout
    assert "Warning" not in migrated.stderr, migrated.stderr
    assert (site / "hyperdiary.sqlite").exists()

    port = free_port()
    server = subprocess.Popen([str(hyperdiary), "serve", "--config", str(ini), "--listen", f"127.0.0.1:{port}"],
                              cwd=site, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                root = httpx.get(url + "/", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
                time.sleep(0.2)
        assert root.status_code == 200
        assert "auth.register" in {link["name"] for link in root.json()["@links"]}
        schemas = httpx.get(url + "/openapi.json", timeout=30)
        assert schemas.status_code == 200
        wrote = run(venv / "bin" / "python", "-c", WRITES, url, cwd=site, env=environ)
        assert "wrote " + url in wrote.stdout
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Warning" not in output, output

    # The README's pytest-plugin example, as an app team's suite runs it.
    tests = site / "app_tests"
    tests.mkdir()
    for name, body in readme_example().items():
        (tests / name).write_text(body, encoding="utf-8")
    result = run(venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", tests, cwd=tests,
                 env=environ)
    assert "1 passed" in result.stdout


def test_the_wheel_alone_is_the_light_client(wheel, tmp_path):
    venv = new_venv(tmp_path / "venv")
    site = tmp_path / "site"
    site.mkdir()
    pip_install(venv, wheel, cwd=site)
    environ = environ_outside(site)
    installed = run(venv / "bin" / "python", "-m", "pip", "list", "--format=freeze", cwd=site, env=environ).stdout
    names = {line.split("==")[0].lower().replace("_", "-") for line in installed.split()}
    assert "hyperdiary" in names and "httpx" in names
    assert not names & {"pyramid", "sqlalchemy", "alembic", "waitress", "colander", "jsonschema", "psycopg"}
    imported = run(venv / "bin" / "python", "-c", textwrap.dedent("""
        import json, sys
        from hyperdiary.client import ApiError, Client, Resource
        print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
        """), cwd=site, env=environ)
    assert not set(SERVER_STACK) & set(json.loads(imported.stdout)), imported.stdout
    # The command belongs to the server: it says what to install instead of a traceback.
    command = subprocess.run([str(venv / "bin" / "hyperdiary"), "migrate"], cwd=site, env=environ,
                             capture_output=True, text=True, timeout=60)
    assert command.returncode != 0
    assert "pip install 'hyperdiary[server]'" in command.stderr and "Traceback" not in command.stderr
