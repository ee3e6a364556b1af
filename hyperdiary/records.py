"""What every kind of stored record shares: the plain rows that requests which only read get, and the
writes: dedupe keys, insert-or-answer-the-existing (safe when identical requests race), and soft delete."""
import collections
import functools
import hashlib

import orjson
from pyramid.httpexceptions import HTTPConflict
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from .models import direct
from .models.meta import utcnow


@functools.cache
def row_type(names: tuple):
    """The named tuple type of plain rows of these columns: a record as a request that only reads gets it
    (hyperdiary/lineage.py, a listing's page). Reading an attribute of SQLAlchemy 2.1's Row costs about ten
    times as much (it raises and catches an AttributeError on the way), and a page reads each of its rows'
    attributes several times."""
    return collections.namedtuple("Record", names)


def plain_rows(connection, statement, params: dict) -> list:
    """The rows of `statement` (built once) as plain rows (row_type), run on the driver's cursor where that
    gives the same values (models.direct)."""
    keys, found = direct.rows(connection, statement, params)
    make = row_type(keys)._make
    return [make(row) for row in found]


def dedupe_key(*parts) -> str:
    """SHA-256 of the canonical JSON of what makes two records "the same" (datetimes in ISO form)."""
    canonical = orjson.dumps([p.isoformat() if hasattr(p, "isoformat") else p for p in parts],
                             option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def insert_new(dbsession, model, values: dict):
    """INSERT a `model` row unless a unique key of the table holds it already: the stored row (every
    column), or None. One statement, `INSERT ... ON CONFLICT DO NOTHING RETURNING`, on SQLite and
    PostgreSQL alike: no SAVEPOINT round trips and no unit of work (the row is not an ORM object). On
    PostgreSQL an INSERT that races another with the same key waits for it to commit, then does nothing."""
    connection = dbsession.connection()
    found = plain_rows(connection, _insert_statement(connection.dialect.name, model.__table__), values)
    return found[0] if found else None


@functools.cache
def _insert_statement(dialect: str, table):
    """Built once per table: composing a statement (and its cache key) costs more than running it. The
    values come as parameters; columns left out get their defaults."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](table)
    return insert.on_conflict_do_nothing().returning(*table.c)


def insert_unless_exists(dbsession, model, values: dict, existing):
    """Store a row unless a unique key says an identical one exists: (row, created). Safe under races: one
    INSERT wins, the others do nothing, and `existing()` then finds the winner."""
    row = insert_new(dbsession, model, values)
    if row is not None:
        return row, True
    found = existing()
    if found is None:  # the row that held the key was deleted meanwhile: rare, and sending again works
        raise HTTPConflict("An identical record was being changed at the same moment; send it again.")
    return found, False


def flush_or_conflict(dbsession, message: str):
    """Write a change of a record's unique dedupe key now: 409 (`message`) when the change makes it
    identical to another record, also when that other one is being written at the same moment."""
    try:
        with dbsession.begin_nested():
            dbsession.flush()
    except IntegrityError:
        raise HTTPConflict(message) from None


def bump(record, now=None):
    """A stored record changed: a new version (so a new ETag) and modification time (so sync reports it)."""
    record.version += 1
    record.modified = now or utcnow()


def soft_delete(record, now=None, **erased):
    """The record leaves every read and stays as a tombstone for sync; `erased` clears its content
    (health data nobody should read again), e.g. fields={}, dedupe_key=None."""
    record.deleted = now or utcnow()
    bump(record, record.deleted)
    for name, value in erased.items():
        setattr(record, name, value)
