"""What an installed hyperdiary shows a user, run in subprocesses as a user runs it: `import hyperdiary.client`
loads none of the server's stack, and neither the command nor the client prints a deprecation notice
(Pyramid 2.1 imports pkg_resources). The wheel itself: tests/packaging/."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

SERVER_STACK = {"pyramid", "sqlalchemy", "alembic", "waitress", "colander", "jsonschema", "transaction",
                "zope", "webob", "psycopg", "jinja2", "argon2", "limits", "pkg_resources"}


def python(*arguments, environ=None, cwd=None):
    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=environ)


def user_environ(**more):
    """A user's shell: no PYTHONWARNINGS of a Makefile, no settings of the suite."""
    environ = {key: value for key, value in os.environ.items()
               if key != "PYTHONWARNINGS" and not key.startswith("HYPERDIARY_")}
    return dict(environ, **more)


def test_the_client_imports_none_of_the_server():
    result = python("-c", textwrap.dedent("""
        import json, sys
        from hyperdiary.client import ApiError, Client, Resource
        print(json.dumps(sorted(sys.modules)))
        """), environ=user_environ())
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    assert not {name.split(".")[0] for name in modules} & SERVER_STACK
    assert "hyperdiary.app" not in modules
    # httpx and the standard library: a few hundred modules, not the 743 of the whole server.
    assert len(modules) < 400


@pytest.mark.parametrize("shown", ["", "default"], ids=["as-users-see", "all-shown"])
def test_no_deprecation_notice_from_the_command_or_the_client(tmp_path, shown):
    """As users see warnings (Python's defaults), nothing at all; with every warning shown (-W default),
    none about pkg_resources."""
    flags = ["-W", shown] if shown else []
    ini = tmp_path / "site.ini"
    ini.write_text(f"[app:main]\nuse = egg:hyperdiary\nsqlalchemy.url = sqlite:///{tmp_path / 'db.sqlite'}\n"
                   "hyperdiary.argon2.time_cost = 1\nhyperdiary.argon2.memory_cost = 256\n")
    runs = {
        "client": python(*flags, "-c", "import hyperdiary.client", environ=user_environ(), cwd=tmp_path),
        "migrate": python(*flags, "-m", "hyperdiary.scripts.cli", "migrate", "--config", str(ini),
                          environ=user_environ(), cwd=tmp_path),
        "create-user": python(*flags, "-m", "hyperdiary.scripts.cli", "create-user", "--config", str(ini),
                              "--username", "admin", "--password", "correct horse battery staple",
                              environ=user_environ(), cwd=tmp_path),
        "app": python(*flags, "-c", "import hyperdiary; hyperdiary.main({}, **{'sqlalchemy.url': "
                      f"'sqlite:///{tmp_path / 'db.sqlite'}'}})", environ=user_environ(), cwd=tmp_path),
    }
    for name, result in runs.items():
        assert result.returncode == 0, (name, result.stderr)
        assert "pkg_resources" not in result.stderr, (name, result.stderr)
        if not shown:
            assert "Warning" not in result.stderr, (name, result.stderr)
    assert "Created admin 'admin'" in runs["create-user"].stdout


def test_pip_install_hyperdiary_is_only_the_client():
    """`pip install hyperdiary` is what an app's code needs; a server dependency added to install_requires
    (instead of the `server` extra) would bring the server's stack to every app."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    required = [Requirement(line) for line in requires("hyperdiary")]
    assert sorted(r.name for r in required if r.marker is None) == ["httpx"]
    server = {r.name.lower() for r in required if r.marker is not None and r.marker.evaluate({"extra": "server"})}
    assert {"pyramid", "sqlalchemy", "alembic", "waitress", "colander", "jsonschema"} <= server
