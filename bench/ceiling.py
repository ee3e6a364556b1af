"""The ceiling: bare Pyramid + waitress, no database, no auth. Two views: GET a ~300-byte JSON
document, POST a ~200-byte body validated by a cached Draft 2020-12 validator. hyperdiary's figures
are read as fractions of these, measured in the same run on the same machine.

    python bench/ceiling.py PORT [THREADS] [DATABASE_URL]

With a DATABASE_URL (run.py --calibrate) it also serves the same document after primary-key SELECTs
of one seeded entry, to show what database round trips alone cost on this machine:
GET /db/core/N (N SELECTs through SQLAlchemy Core, plain rows) and GET /db/orm/N (N Session.get of
the Entry model, each a fresh load), all on one pooled connection in autocommit.

GET /raw serves the same document from a bare WSGI callable in front of Pyramid: waitress alone.
"""
import sys
import warnings

import orjson
import waitress
from jsonschema import Draft202012Validator
from pyramid.config import Configurator
from pyramid.response import Response

DOCUMENT = {
    "@url": "http://127.0.0.1/clients/0123456789abcdef0123456789abcdef/diary/entries/fedcba9876543210fedcba98765432/",
    "@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1",
    "@links": [],
    "@changes": {"creation_time": "2024-04-11T11:41:09Z", "modification_time": "2024-04-11T11:41:09Z"},
    "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5,
}
VALIDATOR = Draft202012Validator({
    "type": "object", "required": ["@type", "dt", "emotion", "intensity"],
    "properties": {"@type": {"type": "string"}, "dt": {"type": "string"},
                   "emotion": {"enum": ["happy", "angry", "sad", "scared"]},
                   "intensity": {"type": "integer", "minimum": 1, "maximum": 5},
                   "situation": {"type": "string"}},
})


def document_response():
    return Response(body=orjson.dumps(DOCUMENT), content_type="application/json", charset="UTF-8")


def get_document(request):
    return document_response()


def post_document(request):
    body = orjson.loads(request.body)
    errors = [e.message for e in VALIDATOR.iter_errors(body)]
    status = 400 if errors else 201
    return Response(body=orjson.dumps({"errors": errors} if errors else body), status=status,
                    content_type="application/json", charset="UTF-8")


def database_views(config, url):
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from hyperdiary.diary.models import Entry

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        entry_id = conn.scalar(sa.select(Entry.id).limit(1))
    table = Entry.__table__
    statement = sa.select(table).where(table.c.id == sa.bindparam("id"))

    def core(request):
        with engine.connect() as conn:
            for _ in range(int(request.matchdict["n"])):
                conn.execute(statement, {"id": entry_id}).first()
        return document_response()

    def orm(request):
        with Session(engine) as session:
            for _ in range(int(request.matchdict["n"])):
                session.expunge_all()
                session.get(Entry, entry_id)
        return document_response()

    config.add_route("core", "/db/core/{n}")
    config.add_view(core, route_name="core", request_method="GET")
    config.add_route("orm", "/db/orm/{n}")
    config.add_view(orm, route_name="orm", request_method="GET")


def make_app(database_url=None):
    with Configurator() as config:
        config.add_route("document", "/document")
        config.add_view(get_document, route_name="document", request_method="GET")
        config.add_view(post_document, route_name="document", request_method="POST")
        if database_url:
            database_views(config, database_url)
    return config.make_wsgi_app()


RAW_HEADERS = [("Content-Type", "application/json; charset=UTF-8")]


def waitress_alone(app):
    """GET /raw: the same document from a bare WSGI callable, without Pyramid (what waitress costs alone)."""
    def serve(environ, start_response):
        if environ["PATH_INFO"] != "/raw":
            return app(environ, start_response)
        body = orjson.dumps(DOCUMENT)
        start_response("200 OK", RAW_HEADERS + [("Content-Length", str(len(body)))])
        return [body]

    return serve


if __name__ == "__main__":
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    database_url = sys.argv[3] if len(sys.argv) > 3 else None
    waitress.serve(waitress_alone(make_app(database_url)), host="127.0.0.1", port=int(sys.argv[1]), threads=threads, _quiet=True)
