"""Seed the benchmark database through hyperdiary's own code: one client whose diary holds N entries,
a year of journals (JOURNALS_PER_DAY a day through YEAR) for the statistics scenario, and GOALS daily
goals through YEAR (GOALS x 366 tracking items) for the tracker scenario.

    python bench/seed.py DATABASE_URL N   → prints a JSON line with a fresh access token

The user, its client record and the token come from hyperdiary.accounts; entries are written in bulk
(the SQLAlchemy Core table of hyperdiary.models.Entry, batches of 10,000) with the dedupe keys that
hyperdiary.diary.dedupe_key computes, so that 1,000,000 entries take minutes. Seeded entry i has
dt = 2020-01-01 + i minutes and created = modified = 2020-01-01 + i seconds.

A database that already holds exactly N seeded entries for the bench client is reused; what earlier
runs POSTed (modified after the last seeded entry) is deleted first, so every run starts alike.
"""
import datetime
import json
import pathlib
import sys
import time
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import sqlalchemy as sa  # noqa: E402
import transaction  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from hyperdiary import DEFAULTS, accounts, goals, migrate, records  # noqa: E402
from hyperdiary.diary.models import Entry
from hyperdiary.clients.models import Client
from hyperdiary.goals.models import Goal, GoalTracking
from hyperdiary.journals.models import Journal
from hyperdiary.accounts.models import User
from hyperdiary.models import get_engine, get_session_factory  # noqa: E402,E501
from hyperdiary.models.meta import Base, new_id, utcnow  # noqa: E402
from hyperdiary.records import dedupe_key  # noqa: E402
from hyperdiary.schemas import default_diary_schemas, shipped_schemas  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
EMOTION = "https://ns.hyperdiary.org/diary/schema/entry/emotion:1"
EMOTIONS = ("happy", "angry", "sad", "scared")
USERNAME, PASSWORD = "bench-client", "a bench passphrase"
BATCH = 10_000
START = datetime.datetime(2020, 1, 1)
YEAR = 2024
JOURNALS_PER_DAY = 3
GOALS = 20


def ensure_database(url):
    """Create the PostgreSQL database named in the URL when it is missing."""
    url = sa.engine.make_url(url)
    if url.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()


def entry_rows(client_id, start, stop):
    for i in range(start, stop):
        dt = START + datetime.timedelta(minutes=i)
        fields = {"emotion": EMOTIONS[i % 4], "intensity": 1 + i % 5}
        stamp = START + datetime.timedelta(seconds=i)
        yield {"id": new_id(), "client_id": client_id, "schema_id": EMOTION, "dt": dt, "fields": fields,
               "dedupe_key": dedupe_key(EMOTION, dt, fields), "created": stamp, "modified": stamp, "version": 1}


def journal_rows(client_id):
    """A year of journals, JOURNALS_PER_DAY a day at 03:00, 11:00 and 19:00 UTC (the first is the
    evening before in the Americas, the last the next morning in Asia)."""
    start = datetime.datetime(YEAR, 1, 1)
    days = (datetime.datetime(YEAR + 1, 1, 1) - start).days
    for i in range(days * JOURNALS_PER_DAY):
        when = start + datetime.timedelta(hours=3 + 24 * (i // JOURNALS_PER_DAY) + 8 * (i % JOURNALS_PER_DAY))
        title, description = f"Note {i}", "What happened, and how it felt."
        yield {"id": new_id(), "client_id": client_id, "title": title, "description": description,
               "journal_timestamp": when, "dedupe_key": dedupe_key(when, title, description), "created": when,
               "modified": when, "version": 1}


def seed_journals(engine, client_id):
    """A year of journals for the bench client, unless exactly that many are there already."""
    rows = list(journal_rows(client_id))
    with engine.begin() as conn:
        have = conn.scalar(sa.select(sa.func.count()).select_from(Journal).where(Journal.client_id == client_id))
        if have != len(rows):
            conn.execute(Journal.__table__.delete().where(Journal.client_id == client_id))
            conn.execute(Journal.__table__.insert(), rows)
    if have != len(rows) and engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE journals")


def seed_goals(engine, client_id):
    """GOALS daily goals through YEAR, made by hyperdiary.goals (which generates their tracking items),
    unless exactly those are there already."""
    with engine.connect() as conn:
        have = conn.scalar(sa.select(sa.func.count()).select_from(Goal).where(Goal.client_id == client_id,
                                                                               Goal.deleted.is_(None)))
        conn.rollback()
    if have == GOALS:
        return
    with engine.begin() as conn:
        conn.execute(GoalTracking.__table__.delete().where(GoalTracking.client_id == client_id))
        conn.execute(Goal.__table__.delete().where(Goal.client_id == client_id))
    with transaction.manager:
        dbsession = get_session_factory(engine)()
        for n in range(GOALS):
            values, problems = goals.parse({
                "title": f"Goal {n}", "is_onetime": False, "frequency": "Daily", "reminder": True,
                "remindertime": "08:00", "startdate": f"{YEAR}-01-01T{6 + n % 12:02d}:00:00Z",
                "targetdate": f"{YEAR}-12-31T23:00:00Z"})
            assert not problems, problems
            moment = utcnow()
            goal = records.insert_new(dbsession, Goal, dict(values, id=new_id(), client_id=client_id, created=moment,
                                                            modified=moment, version=1))
            goals.generate_items(dbsession, goal, moment)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE goals, goal_tracking")


def seed(url, count):
    ensure_database(url)
    # The app's defaults (production.ini names no schemas folder: the shipped one).
    settings = dict(DEFAULTS, **get_appsettings(str(ROOT / "production.ini")))
    settings["sqlalchemy.url"] = url
    migrate.upgrade(settings)
    engine = get_engine(settings, bounded=False)  # bulk inserts may take longer than a request's bound
    hasher = accounts.password_hasher(settings)
    seeded_until = START + datetime.timedelta(seconds=count)
    with engine.begin() as conn:
        client_id = conn.scalar(sa.select(Client.id).join(User, User.id == Client.user_id)
                                .where(User.username == USERNAME))
        have = removed = None
        if client_id:
            # Entries the previous runs POSTed (the create and dedupe scenarios) go: uses ix_entries_sync.
            removed = conn.execute(Entry.__table__.delete().where(Entry.client_id == client_id,
                                                                  Entry.modified >= seeded_until)).rowcount
            have = conn.scalar(sa.select(sa.func.count()).select_from(Entry).where(Entry.client_id == client_id))
    if removed and have == count and engine.dialect.name == "postgresql":
        # Dead index entries at the newest end of ix_entries_listing would slow the first page.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE entries")
    if have != count:
        started = time.monotonic()
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
                conn.exec_driver_sql(f"TRUNCATE {names}")
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(table.delete())
        with transaction.manager:
            dbsession = get_session_factory(engine)()
            user = accounts.create_user(dbsession, hasher, username=USERNAME, password=PASSWORD,
                                        email="bench@example.org", role="client",
                                        diary_schemas=default_diary_schemas(settings, shipped_schemas(settings)))
            user_id = user.id
        with engine.connect() as conn:
            client_id = conn.scalar(sa.select(Client.id).where(Client.user_id == user_id))
            conn.rollback()
        for start in range(0, count, BATCH):
            with engine.begin() as conn:
                conn.execute(Entry.__table__.insert(), list(entry_rows(client_id, start, min(count, start + BATCH))))
            if (start // BATCH) % 10 == 9:
                print(f"seeded {start + BATCH:,} of {count:,} entries in {time.monotonic() - started:.0f} s",
                      file=sys.stderr, flush=True)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE entries")
    with engine.connect() as conn:
        client_id = conn.scalar(sa.select(Client.id).join(User, User.id == Client.user_id)
                                .where(User.username == USERNAME))
        conn.rollback()
    seed_journals(engine, client_id)
    seed_goals(engine, client_id)
    # A token that outlives the run; tokens are stored hashed, so every run signs in anew.
    ttl = accounts.TokenTTL({"hyperdiary.token.access_ttl": 86400})
    with transaction.manager:
        dbsession = get_session_factory(engine)()
        user = dbsession.scalar(sa.select(User).where(User.username == USERNAME))
        tokens = accounts.sign_in(dbsession, user, ttl)
    engine.dispose()
    # The modification time after which exactly 50 seeded entries follow: the sync scenario asks from there.
    since = START + datetime.timedelta(seconds=max(count - 51, 0))
    return {"access": tokens["access"], "entries": count, "reseeded": have != count, "removed": removed or 0,
            "modified_after": since.isoformat() + "Z"}


if __name__ == "__main__":
    print(json.dumps(seed(sys.argv[1], int(sys.argv[2]))))
