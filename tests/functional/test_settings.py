"""Settings a deployment may leave out get their defaults, rather than a fault on every request."""
import webtest

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
