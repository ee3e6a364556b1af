"""Serve hyperdiary as `pserve production.ini` does (the app, and production.ini's [server:main] settings through
hyperdiary's own waitress runner), with the port and thread count the benchmark chooses.

    python bench/serve.py PORT THREADS
"""
import sys
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import pathlib  # noqa: E402

import plaster  # noqa: E402
from pyramid.paster import get_app  # noqa: E402

from hyperdiary.server import serve_paste  # noqa: E402

INI = str(pathlib.Path(__file__).resolve().parent.parent / "production.ini")

if __name__ == "__main__":
    app = get_app(INI)
    settings = {key: value for key, value in plaster.get_settings(INI, "server:main", defaults={
        "http_port": sys.argv[1]}).items() if key not in ("use", "listen", "http_port", "here", "__file__")}
    settings.update(listen=f"127.0.0.1:{sys.argv[1]}", threads=sys.argv[2], _quiet=True)
    serve_paste(app, {}, **settings)
