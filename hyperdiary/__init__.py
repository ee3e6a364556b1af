"""hyperdiary: a hypermedia API server for self-monitoring in mental-health care and research.

The package itself imports nothing of the server's stack, so that `import hyperdiary.client` stays light (an
app team's process loads httpx, not Pyramid and SQLAlchemy). The WSGI application is `hyperdiary.app.main`
(PasteDeploy's `use = egg:hyperdiary` finds it through the entry point); `from hyperdiary import main` still
works, and imports the app only when asked.
"""
import warnings

# Pyramid 2.1 imports pkg_resources, whose deprecation notice (and the one of PasteDeploy's old namespace
# package that importing it triggers) tells an operator nothing they can act on. Every one of our modules
# that imports Pyramid is inside this package, so this runs first. `pserve` imports Pyramid before us:
# `hyperdiary serve` is the same command without the notice.
warnings.filterwarnings("ignore", "pkg_resources is deprecated as an API", UserWarning)
warnings.filterwarnings("ignore", r"Deprecated call to `pkg_resources\.declare_namespace", DeprecationWarning)

_APP = ("main", "apply_environment", "ENVIRONMENT", "DEFAULTS", "DOMAINS")


def __getattr__(name):
    if name in _APP:
        from . import app
        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
