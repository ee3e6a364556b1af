"""Settings a deployment may leave out get their defaults, rather than a fault on every request; the app
starts as a server starts it."""
import json
import subprocess
import sys

import webtest
from pyramid.paster import get_appsettings

from hyperdiary import main
from hyperdiary.models import dispose


def test_a_missing_namespace_takes_the_default(app_settings):
    settings = {key: value for key, value in app_settings.items() if key != "hyperdiary.namespace"}
    app = main({}, **settings)
    try:
        root = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}).get("/").json
        assert root["@type"] == "https://ns.hyperdiary.org/root"
    finally:
        dispose(app.registry)


def test_the_app_starts_in_a_fresh_interpreter(tmp_path):
    """`hyperdiary.main` in a process that imported nothing of hyperdiary before (as pserve starts it): the
    suite's own process imports the domains in whatever order its test modules do, which hid a circular
    import between the charts and the diary packages (main failed with ImportError at start-up)."""
    settings = dict(get_appsettings("testing.ini"), **{"sqlalchemy.url": f"sqlite:///{tmp_path / 'fresh.sqlite'}"})
    code = ("import json, sys; from hyperdiary import main; app = main({}, **json.load(sys.stdin)); "
            "print(sorted(app.registry.kinds))")
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(settings), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "'mood'" in done.stdout
