"""The databases of `make bench-scale` (bench/scale.py): a clinic of CLIENTS clients with PER_CLIENT diary
entries each, CASELOAD clients to a professional, and one admin, on PostgreSQL.

    python bench/scale_seed.py SERVER_URL ENTRIES   → builds (or reuses) the template, prints its name

The rows are the ones hyperdiary itself writes, at COPY speed:
- the tables come from hyperdiary's own migrations (`hyperdiary.migrate.upgrade`), and each row is built from
  the model's columns (a column the model needs and the row lacks stops the seeding);
- entries are of the shipped diary schemas a new diary holds (`default_diary_schemas`); their fields are
  generated from each schema's field descriptors (hyperdiary.schemas) and every variant is checked with the
  app's own validation (`hyperdiary.diary.field_problems`) before it is used; `dedupe_key` is the app's
  (schema_id, dt, fields);
- every user's password hash is one argon2id hash made by the app's hasher (hashing 10,101 passwords would
  take minutes and store the same kind of value), so every seeded user can sign in with PASSWORD;
- the audit trail holds what the app would have recorded for this history: a `create` event per entry (by
  its client, status 201, the entry's path) and READS_PER_CLIENT `read` events per client by its professional
  (a diary page). The trail is the table that grows fastest (issue 26), so leaving it empty would flatter
  every statement that touches it (erasure above all).

Seeding is done once per shape and migrations into a template database
(`hyperdiary_scale_tpl_<entries>_<head>_<digest of the migrations' text>_v<SEED_VERSION>`, never connected to
afterwards); each run copies it (`CREATE DATABASE ... TEMPLATE`, seconds) into a working database that the run
drops at its end, because erasure and sign-ins change it. Templates of other migrations are dropped when a new one
is made.
"""
import datetime
import hashlib
import itertools
import random
import sys
import time
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import orjson  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402

from hyperdiary import DEFAULTS, accounts, migrate  # noqa: E402
from hyperdiary.accounts.models import CaseloadAssignment, Role, User  # noqa: E402
from hyperdiary.clients.models import Client  # noqa: E402
from hyperdiary.diary import field_problems  # noqa: E402
from hyperdiary.diary.models import Entry  # noqa: E402
from hyperdiary.models.audit import AuditEvent  # noqa: E402
from hyperdiary.records import dedupe_key  # noqa: E402
from hyperdiary.schemas import default_diary_schemas, shipped_schemas  # noqa: E402

PER_CLIENT = 100
CASELOAD = 100
READS_PER_CLIENT = 10
PASSWORD = "a bench passphrase"
ADMIN = "bench-admin"
# Entries are spread over these days (a year's diary, written shortly after each moment).
FIRST_DAY = datetime.datetime(2026, 1, 1)
DAYS = 330
VARIANTS = 40  # distinct field sets per schema
# Bumped when what is seeded changes: a template of another version is not reused.
SEED_VERSION = 1


def shape(entries: int) -> dict:
    clients = max(entries // PER_CLIENT, 1)
    return {"entries": clients * PER_CLIENT, "clients": clients, "professionals": max(clients // CASELOAD, 1)}


def migration_head() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def migrations_digest() -> str:
    """8 hex digits of the migrations' text: a revision re-chained at a merge keeps its id, not its schema."""
    digest = hashlib.sha256()
    for path in sorted((migrate.MIGRATIONS / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:8]


def template_name(entries: int) -> str:
    return f"hyperdiary_scale_tpl_{entries}_{migration_head()}_{migrations_digest()}_v{SEED_VERSION}"


def client_name(n):
    return f"client-{n:05d}"


def professional_name(n):
    return f"pro-{n:03d}"


def app_settings(url: str) -> dict:
    return dict(DEFAULTS, **{"sqlalchemy.url": url})


def uid(*parts) -> str:
    """A stable id of the app's form (32 hex characters), so that a rebuilt template has the same ids."""
    return hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()


# --- entry fields, from the schemas' descriptors ------------------------------------------------------


def field_value(field, rng):
    kind, low, high = field["type"], field.get("min"), field.get("max")
    if kind == "choice":
        return rng.choice(field["choices"])["value"]
    if kind == "multichoice":
        values = [c["value"] for c in field["choices"]]
        return rng.sample(values, rng.randint(1, min(3, len(values))))
    if kind == "integer":
        return rng.randint(int(low if low is not None else 0), int(high if high is not None else 100))
    if kind == "number":
        return round(rng.uniform(low if low is not None else 0, high if high is not None else 100), 1)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "date":
        return (FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))).date().isoformat()
    if kind == "datetime":
        return (FIRST_DAY + datetime.timedelta(minutes=rng.randrange(DAYS * 1440))).isoformat() + "Z"
    if kind == "image":
        return None  # images are uploads of their own; an entry without one is the common case
    return rng.choice(("Walked to work.", "A long talk with my sister about the weekend.", "Tired after the "
                       "meeting, but it went better than I feared.", "Could not sleep; read until two."))


def field_variants(schemas: dict, type_ids: list) -> dict:
    """{schema $id: [fields, ...]}: VARIANTS field sets per type, each valid by the app's own checks."""
    rng = random.Random(26)
    found = {}
    for type_id in type_ids:
        schema = schemas[type_id]
        variants = []
        for _ in range(VARIANTS):
            fields = {}
            for n, field in enumerate(schema.fields):
                # Required fields, most others, and the first one always (a schema with no required field
                # still needs one filled).
                if field["name"] in schema.required or n == 0 or rng.random() < 0.7:
                    value = field_value(field, rng)
                    if value is not None:
                        fields[field["name"]] = value
            if schema.scoring is not None:
                fields.pop("score", None)  # read-only: computed from the answers
            problems = field_problems(schema, fields)
            if problems:
                raise SystemExit(f"seeded fields for {type_id} fail its schema: {problems} ({fields})")
            variants.append(fields)
        found[type_id] = variants
    return found


# --- rows ----------------------------------------------------------------------------------------------


def checked(table, row: dict) -> dict:
    """The row, once it names every column the model needs (no default, not nullable)."""
    missing = [c.name for c in table.columns if c.name not in row and not c.nullable and c.server_default is None]
    unknown = set(row) - set(table.columns.keys())
    if missing or unknown:
        raise SystemExit(f"seeded {table.name} row: missing {missing}, unknown {sorted(unknown)}")
    return row


def copy(conn, table, rows):
    """COPY rows (dicts of one table's columns) into the table; JSON columns as the app writes them (orjson)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    columns = list(checked(table, first))
    json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    count = 0
    with conn.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as target:
            for row in itertools.chain([first], rows):
                target.write_row([orjson.dumps(row[c]).decode() if c in json_columns and row[c] is not None
                                  else row[c] for c in columns])
                count += 1
    return count


def users(n_clients, n_professionals, password_hash, created):
    common = {"created": created, "modified": created, "version": 1, "password_hash": password_hash,
              "is_active": True}
    yield dict(common, id=uid("admin"), username=ADMIN, email="admin@example.org", role=str(Role.ADMIN),
               first_name="Bench", last_name="Admin")
    for p in range(n_professionals):
        yield dict(common, id=uid("pro", p), username=professional_name(p), email=f"pro{p}@example.org",
                   role=str(Role.PROFESSIONAL), first_name="Pro", last_name=f"Fessional {p}")
    for c in range(n_clients):
        yield dict(common, id=uid("user", c), username=client_name(c), email=f"client{c}@example.org",
                   role=str(Role.CLIENT), first_name="Client", last_name=f"Number {c}")


def clients(n_clients, diary_schemas, created):
    for c in range(n_clients):
        yield {"id": uid("client", c), "created": created, "modified": created, "version": 1,
               "user_id": uid("user", c), "name": f"Client Number {c}", "time_zone": "Europe/Amsterdam",
               "diary_schemas": diary_schemas}


def caseload(n_clients, created):
    for c in range(n_clients):
        yield {"professional_id": uid("pro", c // CASELOAD), "client_id": uid("client", c), "created": created}


def entry_moment(c, k):
    """When client c wrote its k-th entry: every DAYS/PER_CLIENT days, at an hour of its own."""
    return FIRST_DAY + datetime.timedelta(days=k * DAYS / PER_CLIENT, hours=7 + (c + k) % 14, minutes=c % 60)


def entries_and_events(n_clients, variants):
    """Entry rows, and the audit events their writing (and the professionals' reads) left."""
    type_ids = list(variants)
    entries, events = [], []
    for c in range(n_clients):
        client_id, user_id = uid("client", c), uid("user", c)
        for k in range(PER_CLIENT):
            type_id = type_ids[(c + k) % len(type_ids)]
            fields = variants[type_id][(c * 7 + k) % VARIANTS]
            dt = entry_moment(c, k)
            written = dt + datetime.timedelta(minutes=5)
            entry_id = uid("entry", c, k)
            entries.append({"id": entry_id, "client_id": client_id, "created": written, "modified": written,
                            "version": 1, "deleted": None, "schema_id": type_id, "dt": dt, "fields": fields,
                            "dedupe_key": dedupe_key(type_id, dt, fields)})
            events.append({"id": uid("event", c, k), "time": written, "actor_id": user_id, "actor_role": "client",
                           "client_id": client_id, "action": "create",
                           "resource": f"clients/{client_id}/diary/entries/{entry_id}/", "status": 201})
        for r in range(READS_PER_CLIENT):
            when = entry_moment(c, (r * PER_CLIENT) // READS_PER_CLIENT) + datetime.timedelta(hours=20)
            events.append({"id": uid("read", c, r), "time": when, "actor_id": uid("pro", c // CASELOAD),
                           "actor_role": "professional", "client_id": client_id, "action": "read",
                           "resource": f"clients/{client_id}/diary/entries/items", "status": 200})
        if len(entries) >= 20_000 or c == n_clients - 1:
            yield entries, events
            entries, events = [], []


# --- the template ------------------------------------------------------------------------------------


def admin_url(server_url: str) -> str:
    return sa.engine.make_url(server_url).set(database="postgres", drivername="postgresql").render_as_string(
        hide_password=False)


def database_url(server_url: str, name: str) -> str:
    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def databases(server_url: str, prefix: str) -> list:
    with psycopg.connect(admin_url(server_url), autocommit=True) as conn:
        # (startswith, not LIKE: "_" is LIKE's wildcard, and tpl_1000_ must not match tpl_1000000_.)
        return [name for name, in conn.execute("SELECT datname FROM pg_database") if name.startswith(prefix)]


def drop_database(server_url: str, name: str):
    with psycopg.connect(admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(server_url: str, name: str, template: str | None = None):
    with psycopg.connect(admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def build(server_url: str, name: str, entries: int) -> float:
    """Make database `name` with `entries` entries in the bench's shape; seconds taken."""
    started = time.monotonic()
    counts = shape(entries)
    drop_database(server_url, name)
    create_database(server_url, name)
    url = database_url(server_url, name)
    settings = app_settings(url)
    migrate.upgrade(settings)
    schemas = shipped_schemas(settings)
    type_ids = default_diary_schemas(settings, schemas)
    variants = field_variants(schemas, type_ids)
    password_hash = accounts.password_hasher(settings).hash(PASSWORD)
    created = FIRST_DAY - datetime.timedelta(days=30)
    plain = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        copy(conn, User.__table__, users(counts["clients"], counts["professionals"], password_hash, created))
        copy(conn, Client.__table__, clients(counts["clients"], type_ids, created))
        copy(conn, CaseloadAssignment.__table__, caseload(counts["clients"], created))
        conn.commit()
        done = 0
        for entry_rows, event_rows in entries_and_events(counts["clients"], variants):
            done += copy(conn, Entry.__table__, entry_rows)
            copy(conn, AuditEvent.__table__, event_rows)
            conn.commit()
            if done % 100_000 < len(entry_rows):
                print(f"  seeded {done:,} of {counts['entries']:,} entries in {time.monotonic() - started:.0f} s",
                      file=sys.stderr, flush=True)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE, FREEZE)")
    return time.monotonic() - started


def template(server_url: str, entries: int) -> tuple[str, float | None]:
    """The template database of this shape and these migrations, built when missing: (name, seconds to
    build it, or None when it was there already)."""
    name = template_name(entries)
    prefix = f"hyperdiary_scale_tpl_{entries}_"
    existing = databases(server_url, prefix)
    if name in existing:
        return name, None
    for stale in existing:
        drop_database(server_url, stale)
    building = name + "_building"  # a build that stopped halfway is never taken for a template
    seconds = build(server_url, building, entries)
    with psycopg.connect(admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name, seconds


if __name__ == "__main__":
    found, took = template(sys.argv[1], int(sys.argv[2]))
    print(found, "built in %.0f s" % took if took is not None else "reused")
