"""One statement for what a request's traversal will look up: the caller behind its access token and the
records its path names.

Traversal finds records one `__getitem__` at a time (the client, then the entry ...), and the security
policy asks for the caller when a permission is checked: three statements, three database round trips, for
`GET clients/<id>/diary/entries/<id>/`. Before traversal starts, `plan` walks the path over the resource
*classes* (each says, in `child_step`, which class a name leads to and which model's record an id names)
and `Lineage` reads the caller and all of those records in one statement:

    SELECT caller.*, r0.*, r1.* FROM (SELECT 1) AS base
      LEFT OUTER JOIN (<the access token's live user>) AS caller ON true
      LEFT OUTER JOIN clients AS r0 ON r0.id = :r0
      LEFT OUTER JOIN entries AS r1 ON r1.id = :r1 AND r1.client_id = :r0

Traversal then runs as before; `Resource.find` takes what was read here instead of asking again. Nothing is
decided here: a record below the client names the client (`r1.client_id = :r0`, so that a database
distributed by client reads it on the client's node, docs/scaling.md), so an entry of another client is not
found, the 404 traversal answered before for a record that belongs elsewhere; a lookup the plan did not foresee
simply runs its own query. So the plan can only save round trips, never change an answer.

The records come as plain rows (records.row_type), for requests that write too: a view that changes a record
that is never deleted asks for it as an ORM object itself (ClientResource.editable_client). Records that can
be deleted are not read here by a request that may write: traversal locks them as it reaches them
(`Resource.find`), parents first, which one outer-joined statement cannot do on PostgreSQL; nor are those of
a resource class that says `lineage_on_writes = False` (a subject: its views lock and change it in place).
"""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, literal_column, select, true

from .models import direct, writes
from .models.meta import SoftDeleted, utcnow
from .records import row_type
from .resources import NOT_READ
from .security import Identity, token_hash


def plan(root_class, registry, path: str) -> tuple[tuple, tuple]:
    """The steps ((resource class, model) each) of the records traversal will look up along `path`, and their
    ids, as far as the resource classes can tell without data."""
    steps, ids = [], []
    cls = root_class
    for name in path.split("/"):
        if not name:
            continue
        step = cls.child_step(registry, name)
        if step is None:  # a view name, '..', or a resource that finds its children its own way
            break
        cls, model = step
        if model is not None:
            steps.append((cls, model))
            ids.append(name)
    return tuple(steps), tuple(ids)


class Lineage:
    """The caller (security.Identity or None) and the records the path names, read in one statement:
    `records` maps (model, id) to the record, or to None when there is no such record; `facts` maps it to
    what its resource class asked to know about the caller and it (`caller_facts`: a client's caseload).
    A resource class's `related` records (a log's subject, which decides who may see the log) are read too,
    with their own class's facts, under their own ids."""

    def __init__(self, request, root_class):
        token = request.registry["request_token"](request)
        steps, ids = plan(root_class, request.registry, request.environ.get("PATH_INFO", ""))
        if writes(request):  # (see the module's doc)
            kept = [(step, name) for step, name in zip(steps, ids)
                    if step[0].lineage_on_writes and not issubclass(step[1], SoftDeleted)]
            steps, ids = tuple(step for step, _ in kept), tuple(name for _, name in kept)
        self.identity = None
        self.records = {}
        self.facts = {}
        if token is None and not steps:
            return
        params = {f"r{index}": name for index, name in enumerate(ids)}
        if token is not None:
            params.update(hash=token_hash(token), now=utcnow())
        stmt, parts = _statement(steps, request.registry["caller"] if token is not None else None)
        row = direct.rows(request.dbconnection, stmt, params)[1][0]
        position = 0
        if token is not None:
            self.identity = Identity(*row[:3]) if row[0] is not None else None
            position = 3
        for model, step, names in parts:
            record_type = _row_type(model)
            values = row[position:position + len(record_type._fields)]
            position += len(record_type._fields)
            record_id = values[_id_index(model)]
            if step is not None:  # a record the path names: found or not
                key = (model, ids[step])
                self.records[key] = record_type(*values) if record_id is not None else None
            elif record_id is not None:  # a related record, under its own id
                key = (model, record_id)
                self.records[key] = record_type(*values)
            else:
                position += len(names)
                continue
            if names:
                self.facts[key] = dict(zip(names, row[position:position + len(names)]))
            position += len(names)

    def record(self, model, record_id: str):
        """The record as read here, None when there is none, NOT_READ when it was not read here."""
        return self.records.get((model, record_id), NOT_READ)

    def fact(self, model, record_id: str, name: str):
        """A fact about the caller and a record, as read here; NOT_READ when it was not."""
        return self.facts.get((model, record_id), {}).get(name, NOT_READ)


@functools.cache
def _statement(steps: tuple, caller):
    """`caller`: the statement of the user behind an access token (the accounts' `caller`, bind parameters
    `hash` and `now`), or None for a request without one. (the statement, its parts: (model, index of the path's id or None for a related record, the names of
    its facts) in the order of their columns). Built once per shape of path: composing a statement costs
    more than running it."""
    base = select(literal_column("1").label("one")).subquery("base")
    columns, joins, parts = [], [], []
    who = None
    if caller is not None:
        who = caller.subquery("caller")
        columns += [who.c.id, who.c.role, who.c.username]
        joins.append((who, true()))

    def read(cls, model, alias, on, step):
        joins.append((alias, on))
        asked = cls.caller_facts(alias.c.id, who.c.id) if caller is not None else {}
        columns.extend(alias.c)
        columns.extend(column.label(f"{alias.name}_{fact}") for fact, column in asked.items())
        parts.append((model, step, tuple(asked)))

    client = None  # the bind parameter of the client's id, once the path named a client
    for index, (cls, model) in enumerate(steps):
        alias = model.__table__.alias(f"r{index}")
        on = alias.c.id == bindparam(f"r{index}")
        if client is not None and "client_id" in alias.c:
            # A record below the client names it: a database distributed by client reads it where the client's
            # rows are (docs/scaling.md). A record of another client is not found, as traversal would refuse it.
            on = on & (alias.c.client_id == client)
        if cls.holds_client and client is None:
            client = bindparam(f"r{index}")
        read(cls, model, alias, on, index)
        for column, related_class, related_model in cls.related:
            other = related_model.__table__.alias(f"r{index}_{column}")
            read(related_class, related_model, other, other.c.id == alias.c[column], None)
    stmt = select(*columns).select_from(base)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    return stmt, tuple(parts)


@functools.cache
def _row_type(model):
    """A record read by a request that does not write: its columns by name (records.row_type)."""
    return row_type(tuple(column.key for column in model.__table__.c))


@functools.cache
def _id_index(model) -> int:
    return _row_type(model)._fields.index("id")


def includeme(config):
    from .resources.root import Root

    config.registry["lineage"] = lambda request: Lineage(request, Root)
