"""The statements every request sends (the lineage, a page, an INSERT, the audit event), run on the
connection's driver cursor.

SQLAlchemy's path for one statement (an execution context, the cursor's description, result metadata, a Row per
row) costs about twice what psycopg itself does (docs/performance.md). `rows` runs a statement built once on the
connection's DBAPI cursor through `Connection._cursor_execute`, the path SQLAlchemy itself takes for
statements of its own (sequences, defaults): the engine's cursor events still fire (statement logging, the
test suite's statement counts), and a driver's error is still SQLAlchemy's (a lost connection invalidates its
pool entry; faults.py answers 503). What it leaves out is the result object: the driver's tuples come back.

Only where that gives the same values: on PostgreSQL, whose driver returns each column's Python type itself
(JSON through orjson, the adapters the engine set up: models.JSON_CODEC), for statements compiled once whose
result columns need no processing by SQLAlchemy and whose bind parameters are plain. Anything else (SQLite,
which keeps datetimes as text) takes SQLAlchemy's usual path, with the same answer.
"""
from __future__ import annotations

import functools
from typing import NamedTuple


class _Plan(NamedTuple):
    sql: str
    defaults: dict       # the statement's own bound values (a constant in a WHERE)
    processors: tuple    # (name, bind processor): a JSON value wrapped for the driver
    keys: tuple          # the result's column names, as Result.keys() gives them


def rows(connection, statement, params: dict) -> tuple[tuple, list]:
    """(column names, rows as tuples) of `statement`, built once (a module-level or cached statement: its
    compiled form is kept per statement), run with `params` on `connection`."""
    plan = None
    if connection.dialect.name == "postgresql":
        # An INSERT's SQL names the columns given (SQLAlchemy's compiling does the same per call).
        plan = _plan(statement, connection.dialect, tuple(sorted(params)) if statement.is_insert else None)
    if plan is None:
        result = connection.execute(statement, params)
        return (tuple(result.keys()), result.all()) if result.returns_rows else ((), [])
    values = dict(plan.defaults, **params) if plan.defaults else dict(params)
    for name, process in plan.processors:
        if name in values:
            values[name] = process(values[name])
    cursor = connection.connection.cursor()
    try:
        connection._cursor_execute(cursor, plan.sql, values)
        # (Not `cursor.description`: psycopg builds an object per column for it.)
        return (plan.keys, cursor.fetchall()) if plan.keys else ((), [])
    finally:
        cursor.close()


@functools.cache
def _plan(statement, dialect, columns: tuple | None) -> _Plan | None:
    if columns is not None and any(column.default is not None or column.onupdate is not None
                                   for column in statement.table.c if column.key not in columns):
        return None  # a column left out whose default Python computes: SQLAlchemy's execution context does
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    if compiled.positional or "POSTCOMPILE" in compiled.string:
        return None  # expanding IN lists, literal_execute: SQLAlchemy renders them per call
    if any(bind.callable is not None for bind in compiled.binds.values()):
        return None  # values computed per call
    for entry in compiled._result_columns or ():
        if entry.type._cached_result_processor(dialect, None) is not None:
            return None  # e.g. a Numeric read as float, an Enum: SQLAlchemy converts what the driver gives
    defaults = {name: value for name, value in compiled.construct_params(_check=False).items()
                if value is not None}
    processors = tuple((name, process) for name, process in compiled._bind_processors.items() if process is not None)
    if any(isinstance(process, tuple) for _, process in processors):
        return None  # a tuple's elements, each processed
    keys = tuple(entry.keyname for entry in compiled._result_columns or ())
    return _Plan(compiled.string, defaults, processors, keys)
