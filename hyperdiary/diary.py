"""Diary entries: validation against their schema, dedupe, and the writes (views stay thin)."""
from sqlalchemy import select

from pyramid.httpexceptions import HTTPConflict

from .bodies import problems
from .errors import problem
from .models import Entry
from .models.meta import new_id, utcnow
from .records import bump, dedupe_key, flush_or_conflict, insert_unless_exists, soft_delete

# Keys of a representation that a client may send back unchanged; they are not fields.
READ_ONLY_KEYS = frozenset({"@url", "@links", "@changes", "@schemas"})

IDENTICAL = "An identical entry exists already in this diary."


def field_problems(schema, fields: dict) -> list[dict]:
    """Every way `fields` fails the entry's schema, one problem per field, named by dotted path."""
    found = problems(schema.validator, fields, schema.document.get("properties", {}))
    if not found and not schema.required and not fields:
        found.append(problem("body", "Fill in at least one field."))
    return found


def without_nulls(fields: dict) -> dict:
    """`null` means "not set": it is what a read shows for an unset field, so sending it back is fine."""
    return {name: value for name, value in fields.items() if value is not None}


def existing_entry(dbsession, client_id: str, key: str) -> Entry | None:
    return dbsession.scalar(select(Entry).where(Entry.client_id == client_id, Entry.dedupe_key == key))


def create_entry(dbsession, client_id: str, schema, dt, fields: dict) -> tuple[Entry, bool]:
    """Store an entry unless an identical one exists; (entry, created), also when identical POSTs race."""
    key = dedupe_key(schema.id, dt, fields)
    now = utcnow()
    values = {"id": new_id(), "client_id": client_id, "schema_id": schema.id, "dt": dt, "fields": fields,
              "dedupe_key": key, "created": now, "modified": now, "version": 1}
    return insert_unless_exists(dbsession, Entry, values, lambda: existing_entry(dbsession, client_id, key))


def update_entry(dbsession, entry: Entry, schema, dt, fields: dict):
    """Replace dt and fields (already merged and validated); 409 when that makes it identical to another."""
    key = dedupe_key(schema.id, dt, fields)
    if key != entry.dedupe_key:
        other = existing_entry(dbsession, entry.client_id, key)
        if other is not None:
            raise HTTPConflict(IDENTICAL)
    entry.dt, entry.fields, entry.dedupe_key = dt, fields, key
    bump(entry)
    flush_or_conflict(dbsession, IDENTICAL)


def delete_entry(entry: Entry):
    """Soft delete: the content is erased, a tombstone stays so that incremental sync can tell other devices."""
    soft_delete(entry, fields={}, dedupe_key=None)
