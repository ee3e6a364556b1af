"""Writes that every kind of stored record shares: dedupe keys, insert-or-answer-the-existing (safe when
identical requests race), and soft delete."""
import hashlib

import orjson
from pyramid.httpexceptions import HTTPConflict
from sqlalchemy.exc import IntegrityError

from .models.meta import utcnow


def dedupe_key(*parts) -> str:
    """SHA-256 of the canonical JSON of what makes two records "the same" (datetimes in ISO form)."""
    canonical = orjson.dumps([p.isoformat() if hasattr(p, "isoformat") else p for p in parts],
                             option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def insert_unless_exists(dbsession, record, existing):
    """Store `record` unless a unique key says an identical one exists: (record, created). Safe under
    races: the unique key lets one insert win; the loser's SAVEPOINT rolls back and `existing()` finds
    the winner (on PostgreSQL the losing INSERT waits for the winner's commit, so it is visible)."""
    try:
        with dbsession.begin_nested():
            dbsession.add(record)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found, False
    return record, True


def flush_or_conflict(dbsession, message: str):
    """Write a change of a record's unique dedupe key now: 409 (`message`) when the change makes it
    identical to another record, also when that other one is being written at the same moment."""
    try:
        with dbsession.begin_nested():
            dbsession.flush()
    except IntegrityError:
        raise HTTPConflict(message) from None


def soft_delete(record, **erased):
    """The record leaves every read and stays as a tombstone for sync; `erased` clears its content
    (health data nobody should read again), e.g. fields={}, dedupe_key=None."""
    record.deleted = record.modified = utcnow()
    record.version += 1
    for name, value in erased.items():
        setattr(record, name, value)
