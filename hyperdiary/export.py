"""A client's export (API.md §9): everything stored for the client as one JSON document, streamed.

Which records: every declared record kind (hyperdiary/kinds.py, `request.registry.kinds`) whose collection
hangs below the client (on the client resource, or on a fixed resource below it such as the diary), each
record in its kind's one serializer (`Kind.representations`), so that a kind declared later is exported with
no change here. A kind declared below another kind's records (a journal's tags) goes inside each record of
its parent, under its collection's name, unless the parent's representation carries it already (a journal
shows its tags; a goal's tracking items are added to it under `tracking`).

How: the document is written as it is read. Rows come from the database CHUNK at a time (a server-side
cursor on PostgreSQL, SQLite's stepwise cursor), each chunk is represented and serialized at once, and the
bytes leave in pieces of about 64 KiB: a client with 100,000 entries is exported in the memory of a chunk.
Everything is read in one transaction on a connection of its own (REPEATABLE READ on PostgreSQL; a read
transaction is one snapshot on SQLite), so the document is one consistent state, and the connection is
released when the stream ends or the caller goes away (the generator's `close`). The request has ended
before its body is sent (Pyramid closes its session first): while the stream runs, `request.dbsession` is a
session on the export's own connection, which is what the kinds' serializers read through.

Only live records are exported: a deleted record is a tombstone without content.

The same records are also written as a FHIR R4 Bundle (hyperdiary/fhir.py)."""
import contextlib
import datetime
from typing import Iterable, Iterator, NamedTuple

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import hypermedia as hm
from .rendering import JSON_OPTIONS

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


@contextlib.contextmanager
def reading(request, connection):
    """`request.dbsession` is a session on `connection` meanwhile (Request.dbsession is reified: its value
    lives in the request's __dict__)."""
    before = request.__dict__.get("dbsession")
    session = Session(bind=connection)
    request.__dict__["dbsession"] = session
    try:
        yield session
    finally:
        session.close()
        if before is None:
            request.__dict__.pop("dbsession", None)
        else:
            request.__dict__["dbsession"] = before


def rows(connection, stmt) -> Iterator:
    """The rows of `stmt`, fetched CHUNK at a time (stream_results: a server-side cursor on PostgreSQL)."""
    result = connection.execution_options(yield_per=CHUNK).execute(stmt)
    try:
        yield from result
    finally:
        result.close()


def in_chunks(iterable: Iterable, size=None) -> Iterator[list]:
    size = size or CHUNK
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- which kinds, and where ----------------------------------------------------------------------------


def holder(client_resource, parent_class):
    """The resource below which a kind with this `parent` class hangs for this client: the client itself or
    one of its fixed children (the diary); None when the kind is not the client's (a research kind)."""
    if isinstance(client_resource, parent_class):
        return client_resource
    for (parent, name), child in client_resource.request.registry.kinds.children.items():
        if parent is type(client_resource) and issubclass(child, parent_class):
            return client_resource[name]
    return None


def client_kinds(request, client_resource) -> list:
    """(kind, its collection below this client) for each declared kind kept right below the client."""
    found = []
    for kind in request.registry.kinds.values():
        parent = holder(client_resource, kind.parent)
        if parent is not None:
            found.append((kind, parent[kind.collection]))
    return found


def nested_kinds(request, kind) -> list:
    """The kinds whose collections hang below each record of `kind`."""
    return [other for other in request.registry.kinds.values() if issubclass(other.parent, kind.item_class)]


def live(connection, kind, collection) -> Iterator:
    model = kind.model
    below = [getattr(model, kind.parent_column) == collection.parent_id, model.deleted.is_(None)]
    if kind.names_client:  # (a record below another names its client too: hyperdiary/distribution.py)
        below.append(model.client_id == collection.client_id)
    stmt = select(*kind.columns).where(*below).order_by(kind.order_column, model.id)
    return rows(connection, stmt)


def below(connection, kind, parent_ids: list, client_id) -> dict:
    """{parent id: its live records of `kind`, oldest first} for the records `parent_ids` (a chunk's), in
    one statement. (A nested kind reads every column, its parent's id among them.)"""
    model = kind.model
    parent = getattr(model, kind.parent_column)
    where = [parent.in_(parent_ids), model.deleted.is_(None)]
    if kind.names_client:
        where.append(model.client_id == client_id)
    found = {}
    for row in connection.execute(select(*kind.columns).where(*where).order_by(parent, kind.order_column, model.id)):
        found.setdefault(getattr(row, kind.parent_column), []).append(row)
    return found


def represented(request, connection, kind, groups: list) -> list[list[dict]]:
    """The representations of `groups` ((a collection of `kind`, its live rows)), each record with the records
    of the kinds below it: those read for all the groups' records at once, one statement per nested kind."""
    if len(groups) == 1:
        bodies = [kind.representations(request, collection, rows) for collection, rows in groups]
    else:
        # The records below each of a chunk's records: what they join (feedback: its authors' names) is read
        # once for all. A nested kind's own fields do not depend on its collection's URL (the first is given).
        own = iter(kind.represent_many(request, hm.url(request, groups[0][0]), [row for _, rows in groups for row in rows]))
        bodies = [kind.representations(request, collection, rows, [next(own) for _ in rows]) if rows else []
                  for collection, rows in groups]
    for child in nested_kinds(request, kind):
        # (a representation that carries the child's records already keeps them: a journal's tags)
        wanting = [(collection, row, body) for (collection, rows), group in zip(groups, bodies)
                   for row, body in zip(rows, group) if child.collection not in body]
        if not wanting:
            continue
        collections = [kind.item_class(collection, row.id, row)[child.collection] for collection, row, _ in wanting]
        found = below(connection, child, [row.id for _, row, _ in wanting], collections[0].client_id)
        nested = represented(request, connection, child, [(each, found.get(each.parent_id, [])) for each in collections])
        for (_, _, body), items in zip(wanting, nested):
            body[child.collection] = items
    return bodies


def records(request, connection, kind, collection) -> Iterator[dict]:
    """The live records of `kind` in `collection`, in its listing's order (oldest first), each in its API
    representation, with the records of the kinds below it (read a chunk at a time, not record by record)."""
    for chunk in in_chunks(live(connection, kind, collection)):
        yield from represented(request, connection, kind, [(collection, chunk)])[0]


class Section(NamedTuple):
    key: str    # the collection's name: the document's key
    kind: str   # the kind's name (what the FHIR export maps)
    items: Iterator[dict]


def sections(request, connection, client_resource) -> list[Section]:
    """Every kind of record the client keeps, each an iterator of representations (read as it is consumed)."""
    return [Section(kind.collection, kind.name, records(request, connection, kind, collection))
            for kind, collection in client_kinds(request, client_resource)]


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


def pieces(chunks: Iterable[bytes], size=None) -> Iterator[bytes]:
    """Small byte strings gathered into pieces of about `size` bytes: fewer, larger writes."""
    size = size or PIECE
    buffer, length = [], 0
    for chunk in chunks:
        buffer.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def document(request, engine, client_resource, head: dict) -> Iterator[bytes]:
    """The export of one client as JSON bytes. `head`: what was read while the request was under way (the
    client's representation, its diary configuration); what the kinds add (`Kind.export_parts`: the entry
schemas in use) and the records are read here, on a snapshot."""
    connection = snapshot(engine)
    try:
        with reading(request, connection):
            parts = [("@type", hm.type_iri(request, "export")),
                     ("exported", datetime.datetime.now(datetime.UTC)),
                     *head.items()]
            client_id = client_resource.client.id
            for kind, _ in client_kinds(request, client_resource):
                parts += kind.export_parts(request, connection, client_id)
            parts += [(section.key, section.items) for section in sections(request, connection, client_resource)]
            yield from pieces(json_object(parts))
    finally:
        connection.close()
