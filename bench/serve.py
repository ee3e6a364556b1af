"""Serve hyperdiary (production.ini, the environment's database) with waitress on PORT with THREADS
threads: as `pserve production.ini` does, with the thread count the benchmark chooses.

    python bench/serve.py PORT THREADS
"""
import sys
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import pathlib  # noqa: E402

import waitress  # noqa: E402
from pyramid.paster import get_app  # noqa: E402

if __name__ == "__main__":
    app = get_app(str(pathlib.Path(__file__).resolve().parent.parent / "production.ini"))
    waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]), _quiet=True)
