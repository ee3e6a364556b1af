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
      LEFT OUTER JOIN entries AS r1 ON r1.id = :r1

Traversal then runs as before; `Resource.find` takes what was read here instead of asking again. Nothing is
decided here: a record the path names but that belongs elsewhere (an entry of another client) is read and
then refused by traversal exactly as before, and a lookup the plan did not foresee simply runs its own
query. So the plan can only save round trips, never change an answer.

A request that may write reads the records the same way as ORM objects, into its session (a later
`Session.get` finds them without SQL), except records that can be deleted: those are locked as traversal
reaches them (`Resource.find`), parents first, which one outer-joined statement cannot do on PostgreSQL.
"""
from __future__ import annotations

import collections
import functools

from sqlalchemy import bindparam, literal_column, select, true
from sqlalchemy.orm import aliased

from . import accounts
from .models import writes
from .models.meta import SoftDeleted, utcnow
from .resources import NOT_READ


def plan(root_class, registry, path: str) -> tuple[tuple, tuple]:
    """The (models, ids) of the records traversal will look up along `path`, as far as the resource
    classes can tell without data."""
    models, ids = [], []
    cls = root_class
    for name in path.split("/"):
        if not name:
            continue
        step = cls.child_step(registry, name)
        if step is None:  # a view name, '..', or a resource that finds its children its own way
            break
        cls, model = step
        if model is not None:
            models.append(model)
            ids.append(name)
    return tuple(models), tuple(ids)


class Lineage:
    """The caller (accounts.Identity or None) and the records the path names, read in one statement:
    `records` maps (model, id) to the record, or to None when there is no such record."""

    def __init__(self, request, root_class):
        token = request.registry["request_token"](request)
        models, ids = plan(root_class, request.registry, request.environ.get("PATH_INFO", ""))
        writing = writes(request)
        if writing:  # records that can be deleted are locked one by one, by traversal (see above)
            kept = [(model, name) for model, name in zip(models, ids) if not issubclass(model, SoftDeleted)]
            models, ids = tuple(model for model, _ in kept), tuple(name for _, name in kept)
        self.identity = None
        self.records = {}
        if token is None and not models:
            return
        params = {f"r{index}": name for index, name in enumerate(ids)}
        if token is not None:
            params.update(hash=accounts.token_hash(token), now=utcnow())
        if writing:
            self._read_objects(request.dbsession, models, ids, token is not None, params)
        else:
            self._read_rows(request.dbsession, models, ids, token is not None, params)

    def _read_rows(self, dbsession, models, ids, caller, params):
        row = dbsession.connection().execute(_statement(models, caller, False), params).one()
        start = 0
        if caller:
            self.identity = accounts.Identity(*row[:3]) if row[0] is not None else None
            start = 3
        for model, name in zip(models, ids):
            record_type = _row_type(model)
            end = start + len(record_type._fields)
            values = row[start:end]
            self.records[(model, name)] = record_type(*values) if values[_id_index(model)] is not None else None
            start = end

    def _read_objects(self, dbsession, models, ids, caller, params):
        # (not .one(): a result whose only column is an entity that was not found counts as no row)
        row = dbsession.execute(_statement(models, caller, True), params).all()[0]
        found = row[3:] if caller else row
        if caller:
            self.identity = accounts.Identity(*row[:3]) if row[0] is not None else None
        for model, name, record in zip(models, ids, found):
            self.records[(model, name)] = record

    def record(self, model, record_id: str):
        """The record as read here, None when there is none, NOT_READ when it was not read here."""
        return self.records.get((model, record_id), NOT_READ)


@functools.cache
def _statement(models: tuple, caller: bool, objects: bool):
    """Built once per shape of path: composing a statement costs more than running it."""
    base = select(literal_column("1").label("one")).subquery("base")
    columns, joins = [], []
    if caller:
        who = accounts.CALLER.subquery("caller")
        columns += [who.c.id, who.c.role, who.c.username]
        joins.append((who, true()))
    for index, model in enumerate(models):
        name = f"r{index}"
        if objects:
            alias = aliased(model, name=name)
            columns.append(alias)
            joins.append((alias, alias.id == bindparam(name)))
        else:
            alias = model.__table__.alias(name)
            columns += list(alias.c)
            joins.append((alias, alias.c.id == bindparam(name)))
    stmt = select(*columns).select_from(base)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    return stmt


@functools.cache
def _row_type(model):
    """A record read by a request that does not write: its columns by name, like a result row (a named tuple:
    reading an attribute of SQLAlchemy's Row costs ten times more)."""
    return collections.namedtuple(model.__name__ + "Row", [column.key for column in model.__table__.c])


@functools.cache
def _id_index(model) -> int:
    return _row_type(model)._fields.index("id")


def includeme(config):
    from .resources.root import Root

    config.registry["lineage"] = lambda request: Lineage(request, Root)
