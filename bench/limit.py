"""The one-round-trip limit: bare Pyramid + waitress serving each `make bench` scenario with exactly one psycopg
statement and nothing else (no token, no ACL, no ORM, no links, no audit, no ETag). What hyperdiary does
beyond one round trip per request is measured as its share of this, in the same run (bench/run.py).

    python bench/limit.py PORT THREADS DATABASE_URL CLIENT_ID

    GET  /entries/<id>                          the entry's row (its primary key, (client_id, id), as hyperdiary
                                                names the client in every statement since migration 0013)
    GET  /entries?limit=50                      the client's 50 newest live entries (ix_entries_listing), with
                                                the @schemas of the page from a per-process dict
    GET  /entries?limit=50&modified_after=T     the 50 next changed after T (ix_entries_sync)
    POST /entries                               the body parsed and validated against the entry's schema (the
                                                compiled validator cached per process), then one INSERT in
                                                autocommit: one statement, its own transaction, no BEGIN/COMMIT

Each waitress thread keeps one psycopg connection in autocommit (psycopg prepares a statement after its 5th
run, as it does under hyperdiary's SQLAlchemy). The answers have hyperdiary's keys but no links.
"""
import datetime
import hashlib
import pathlib
import sys
import threading
import uuid
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import orjson  # noqa: E402
import psycopg  # noqa: E402
import waitress  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402
from psycopg.types.json import Json, set_json_loads  # noqa: E402
from pyramid.config import Configurator  # noqa: E402
from pyramid.response import Response  # noqa: E402

COLUMNS = "id, schema_id, dt, fields, created, modified, version, deleted"
ONE = f"SELECT {COLUMNS} FROM entries WHERE client_id = %s AND id = %s AND deleted IS NULL"
PAGE = (f"SELECT {COLUMNS} FROM entries WHERE client_id = %s AND deleted IS NULL "
        "ORDER BY dt DESC, id DESC LIMIT 51")
SYNC = (f"SELECT {COLUMNS} FROM entries WHERE client_id = %s AND modified > %s "
        "ORDER BY modified, id LIMIT 51")
INSERT = ("INSERT INTO entries (id, client_id, schema_id, dt, fields, dedupe_key, created, modified, version) "
          "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 1)")


def orjson_text(value):
    return orjson.dumps(value).decode()


def body(row, base):
    entry_id, schema_id, dt, fields, created, modified, version, deleted = row
    if deleted is not None:
        return {"@url": f"{base}{entry_id}/", "@deleted": True}
    return {"@url": f"{base}{entry_id}/", "@type": schema_id, "@version": version,
            "@changes": {"creation_time": created, "modification_time": modified}, "dt": dt, **fields}


def answer(document, status=200):
    # Datetimes (naive UTC, as stored) written by orjson as hyperdiary writes them: 2024-04-11T11:41:09Z.
    return Response(body=orjson.dumps(document, option=orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z), status=status,
                    content_type="application/json", charset="UTF-8")


def make_app(url, client_id):
    from hyperdiary.schemas import shipped_schemas

    schemas = shipped_schemas({"hyperdiary.schemas_dir": str(pathlib.Path(__file__).resolve().parent.parent / "schemas")})
    validators = {schema_id: Draft202012Validator(schema.document) for schema_id, schema in schemas.items()}
    descriptors = {schema_id: {"@id": schema_id, "title": schema.document.get("title")}
                   for schema_id, schema in schemas.items()}
    local = threading.local()

    def run(statement, params, fetch):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(url, autocommit=True)
            set_json_loads(orjson.loads, conn)  # as hyperdiary reads JSON columns (models.JSON_CODEC)
        cursor = conn.execute(statement, params)
        return fetch(cursor)

    def one(request):
        row = run(ONE, (client_id, request.matchdict["id"]), lambda cursor: cursor.fetchone())
        if row is None:
            return answer({"error": "not found"}, 404)
        return answer(body(row, request.application_url + "/entries/"))

    def page(request):
        after = request.GET.get("modified_after")
        if after is None:
            rows = run(PAGE, (client_id,), lambda cursor: cursor.fetchall())
        else:
            since = datetime.datetime.fromisoformat(after.replace("Z", "+00:00")).replace(tzinfo=None)
            rows = run(SYNC, (client_id, since), lambda cursor: cursor.fetchall())
        base = request.application_url + "/entries/"
        items = [body(row, base) for row in rows[:50]]
        used = {item["@type"] for item in items if "@type" in item}
        return answer({"@items": items, "@schemas": [descriptors[schema_id] for schema_id in sorted(used)]})

    def create(request):
        document = orjson.loads(request.body)
        schema_id = document.get("@type") if isinstance(document, dict) else None
        validator = validators.get(schema_id)
        fields = {k: v for k, v in document.items() if k not in ("@type", "dt")} if validator else None
        errors = ([e.message for e in validator.iter_errors(fields)] if validator else ["unknown @type"])
        if errors:
            return answer({"errors": errors}, 400)
        dt = datetime.datetime.fromisoformat(document["dt"].replace("Z", "+00:00")).replace(tzinfo=None)
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        entry_id = uuid.uuid4().hex
        key = hashlib.sha256(orjson.dumps([schema_id, dt.isoformat(), fields], option=orjson.OPT_SORT_KEYS))
        run(INSERT, (entry_id, client_id, schema_id, dt, Json(fields, dumps=orjson_text), key.hexdigest(), now, now), lambda cursor: None)
        return answer(body((entry_id, schema_id, dt, fields, now, now, 1, None),
                           request.application_url + "/entries/"), 201)

    with Configurator() as config:
        config.add_route("entries", "/entries")
        config.add_route("entry", "/entries/{id}")
        config.add_view(one, route_name="entry", request_method="GET")
        config.add_view(page, route_name="entries", request_method="GET")
        config.add_view(create, route_name="entries", request_method="POST")
    return config.make_wsgi_app()


if __name__ == "__main__":
    port, threads, database_url, client = sys.argv[1:5]
    # A SQLAlchemy URL (postgresql+psycopg://...) as libpq takes it.
    database_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    waitress.serve(make_app(database_url, client), host="127.0.0.1", port=int(port), threads=int(threads), _quiet=True)
