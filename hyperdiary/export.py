"""A client's export (API.md §9): everything stored for the client as one JSON document, streamed.

The document is written as it is read: rows come from the database in chunks (a server-side cursor on
PostgreSQL, SQLite's own stepwise cursor), each record is turned into its API representation and
serialized at once, and the bytes leave in pieces of about 64 KiB. A client with 100,000 entries is
exported in the memory of one chunk, not of the whole list.

Everything is read in one transaction on a connection of its own (REPEATABLE READ on PostgreSQL; a read
transaction is one snapshot on SQLite), so the document is one consistent state of the client's data,
and its connection is released when the stream ends or the caller goes away (the generator's `close`).
The response's own request has ended before the body is sent (Pyramid closes its session first), so
nothing here uses `request.dbsession`.

Only live records are exported: a deleted record is a tombstone without content.

The same sections are also written as a FHIR R4 Bundle (hyperdiary/fhir.py)."""
import datetime
from typing import Iterable, Iterator, NamedTuple

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import hypermedia as hm
from .models import Entry, Goal, GoalTracking, Journal, Mood, Tag, TagType
from .rendering import JSON_OPTIONS
from .security import Permissions
from .views.diary import LISTED, entry_body
from .views.goals import goal_body, tracking_body
from .views.journals import COLUMNS, journal_body
from .views.moods import mood_body

# Rows fetched from the database at a time, and the size of the pieces the body is sent in.
CHUNK = 1000
PIECE = 64 * 1024


def snapshot(engine):
    """A connection in a transaction that sees one state of the database."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    connection.begin()
    return connection


def rows(connection, stmt) -> Iterator:
    """The rows of `stmt`, fetched CHUNK at a time (stream_results: a server-side cursor on PostgreSQL)."""
    result = connection.execution_options(yield_per=CHUNK).execute(stmt)
    try:
        yield from result
    finally:
        result.close()


def in_chunks(iterable: Iterable, size=CHUNK) -> Iterator[list]:
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Places(NamedTuple):
    """The URLs below a client that its records' @urls start with, and what the caller may do there."""

    entries: str
    journals: str
    goals: str
    moods: str
    may_write_goals: bool


def places(request, client_resource) -> Places:
    goals = client_resource["goals"]
    return Places(
        entries=hm.url(request, client_resource["diary"]["entries"]),
        journals=hm.url(request, client_resource["journals"]),
        goals=hm.url(request, goals),
        moods=hm.url(request, client_resource["moods"]),
        may_write_goals=bool(request.has_permission(Permissions.GOALS_WRITE, goals)),
    )


# --- the client's records, each kind in its API representation ---------------------------------------


def schema_ids_in_use(connection, client_id: str) -> list[str]:
    stmt = (select(Entry.schema_id).where(Entry.client_id == client_id, Entry.deleted.is_(None))
            .group_by(Entry.schema_id).order_by(Entry.schema_id))
    return list(connection.execute(stmt).scalars())


def schemas_in_use(request, connection, client_id: str) -> list:
    """The EntrySchemas of the client's live entries (uploaded ones read on the export's connection)."""
    with Session(bind=connection) as session:
        return request.entry_schemas.get_many(session, schema_ids_in_use(connection, client_id))


def entries(request, connection, client_id: str, at: Places) -> Iterator[dict]:
    schemas = {}
    with Session(bind=connection) as session:
        stmt = select(*LISTED).where(Entry.client_id == client_id, Entry.deleted.is_(None)).order_by(Entry.dt, Entry.id)
        for row in rows(connection, stmt):
            schema = schemas.get(row.schema_id)
            if schema is None:
                schema = schemas[row.schema_id] = request.entry_schemas.get(session, row.schema_id)
            yield entry_body(request, f"{at.entries}{row.id}/", row, schema)


def journals(request, connection, client_id: str, at: Places) -> Iterator[dict]:
    """Each journal with its live tags: the tags of a chunk of journals come in one query."""
    stmt = (select(*COLUMNS).where(Journal.client_id == client_id, Journal.deleted.is_(None))
            .order_by(Journal.journal_timestamp, Journal.id))
    for chunk in in_chunks(rows(connection, stmt)):
        tags = {row.id: [] for row in chunk}
        tag_rows = connection.execute(
            select(Tag.__table__, TagType.name.label("tagtype_name")).join(TagType, TagType.id == Tag.tagtype_id)
            .where(Tag.journal_id.in_(list(tags)), Tag.deleted.is_(None)).order_by(Tag.created, Tag.id))
        for tag in tag_rows:
            tags[tag.journal_id].append((tag, tag.tagtype_name))
        for row in chunk:
            yield journal_body(request, f"{at.journals}{row.id}/", row, tags[row.id])


def goals(request, connection, client_id: str, at: Places) -> Iterator[dict]:
    """Each goal with its live tracking items, oldest due first (at most goals.MAX_ITEMS a goal)."""
    stmt = (select(Goal.__table__).where(Goal.client_id == client_id, Goal.deleted.is_(None))
            .order_by(Goal.created, Goal.id))
    for chunk in in_chunks(rows(connection, stmt)):
        for goal in chunk:
            body = goal_body(request, at.goals, goal, at.may_write_goals)
            items = connection.execute(
                select(GoalTracking.__table__).where(GoalTracking.goal_id == goal.id, GoalTracking.deleted.is_(None))
                .order_by(GoalTracking.duedate, GoalTracking.id))
            body["tracking"] = [tracking_body(request, body["@url"], item) for item in items]
            yield body


def moods(request, connection, client_id: str, at: Places) -> Iterator[dict]:
    stmt = (select(Mood.__table__).where(Mood.client_id == client_id, Mood.deleted.is_(None))
            .order_by(Mood.logdate, Mood.id))
    for row in rows(connection, stmt):
        yield mood_body(request, f"{at.moods}{row.id}/", row)


# The kinds of record kept below a client, in the order the document lists them: (key, reader).
KINDS = (("entries", entries), ("journals", journals), ("goals", goals), ("moods", moods))


# --- writing -----------------------------------------------------------------------------------------


def dumps(value) -> bytes:
    return orjson.dumps(value, option=JSON_OPTIONS)


def json_object(parts) -> Iterator[bytes]:
    """A JSON object from (key, value) pairs, written as it goes: a value that is an iterator (not a
    list or dict) becomes an array written item by item."""
    yield b"{"
    for index, (key, value) in enumerate(parts):
        yield (b"," if index else b"") + dumps(key) + b":"
        if isinstance(value, Iterator):
            yield b"["
            for position, item in enumerate(value):
                yield (b"," if position else b"") + dumps(item)
            yield b"]"
        else:
            yield dumps(value)
    yield b"}"


def pieces(chunks: Iterable[bytes], size=PIECE) -> Iterator[bytes]:
    """Small byte strings gathered into pieces of about `size` bytes: fewer, larger writes."""
    buffer, length = [], 0
    for chunk in chunks:
        buffer.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def document(request, engine, client_resource, at: Places, head: dict) -> Iterator[bytes]:
    """The export of one client as JSON bytes. `at` and `head` are read while the request is still
    under way (what the caller may do, the client's representation, its diary configuration); the
    records are read here, on a snapshot."""
    connection = snapshot(engine)
    try:
        client_id = client_resource.client.id
        schemas = schemas_in_use(request, connection, client_id)
        parts = [("@type", hm.type_iri(request, "export")),
                 ("exported", datetime.datetime.now(datetime.UTC)),
                 *head.items(),
                 ("schemas", [dict(descriptor, jsonschema=schema.document) for schema, descriptor in
                              zip(schemas, hm.schema_descriptors(request, schemas))])]
        parts += [(key, reader(request, connection, client_id, at)) for key, reader in KINDS]
        yield from pieces(json_object(parts))
    finally:
        connection.close()
