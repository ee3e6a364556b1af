"""Keyset paging: a page continues strictly after the sort key of the previous page's last item, so
following `next` links yields every item once even while others write (no OFFSET)."""
import functools

from sqlalchemy import DateTime, Integer, bindparam, tuple_

from .errors import ValidationFailure, problem
from .hypermedia import decode_cursor, encode_cursor
from .inputs import parse_datetime
from .records import plain_rows


def keyset_page(dbsession, stmt, sort_column, id_column, limit, after, *, descending=False,
                parse=lambda value: value, core=False, values=None, connection=None):
    """One page of what `stmt` selects (ORM objects for one entity, rows for columns), ordered by
    (sort_column, id_column); returns the page and whether more follow. `parse` turns the cursor's
    string back into a sort value. `core`: `stmt` selects table columns only, and runs on the session's
    connection, or on `connection` (then `dbsession` may be None); the ORM's execution path costs a tenth of a
    page more for the same rows. Its rows come as plain rows (records.plain_rows). `values`: what `stmt`'s own
    bind parameters stand for."""
    values = dict(values or (), page_limit=limit + 1)
    if after is not None:
        try:
            sort_value, last_id = decode_cursor(after)
            values.update(page_after_sort=parse(sort_value), page_after_id=last_id)
        except ValueError as error:
            raise ValidationFailure("Invalid query parameters", [problem("after", str(error))]) from None
    stmt = _derived(stmt, ("page", sort_column, id_column, after is not None, descending), lambda: _paged(
        stmt, sort_column, id_column, after is not None, descending))
    if core:
        rows = plain_rows(connection or dbsession.connection(), stmt, values)
    else:
        result = dbsession.execute(stmt, values)
        rows = result.scalars().all() if len(stmt.column_descriptions) == 1 else result.all()
    return rows[:limit], len(rows) > limit


def _paged(stmt, sort_column, id_column, after: bool, descending: bool):
    if after:
        key = tuple_(sort_column, id_column)
        last = tuple_(bindparam("page_after_sort", type_=sort_column.type), bindparam("page_after_id"))
        stmt = stmt.where(key < last if descending else key > last)
    order = (sort_column.desc(), id_column.desc()) if descending else (sort_column, id_column)
    return stmt.order_by(*order).limit(bindparam("page_limit", type_=Integer))


# The statements derived from statements built once (`kept`: a kind's listing, Kind.listing_select), by what
# was added to them. Composing a statement, and then SQLAlchemy's computing its cache key from the whole tree,
# cost more CPU than running it (a page of entries: ~175 µs of ~300 for its query); a statement built once and
# run with bind parameters costs neither again. A statement composed for one request (a filter's) is not kept:
# what derives from it is composed anew, as before.
_KEPT = {}


def kept(stmt):
    """`stmt`, marked as built once: what paging derives from it is built once too."""
    _KEPT.setdefault(stmt, {})
    return stmt


def _derived(stmt, key, build):
    known = _KEPT.get(stmt)
    if known is None:
        return build()
    found = known.get(key)
    if found is None:
        found = known[key] = kept(build())
    return found


def cursor(sort_value, row_id) -> str:
    """The `after` parameter that continues past the item with this sort key."""
    text = sort_value.isoformat() if hasattr(sort_value, "isoformat") else str(sort_value)
    return encode_cursor([text, row_id])


def records_page(request, stmt, record, sort_column, params, *, descending=True, values=None):
    """One page of the soft-deleted records (models.meta.SoftDeleted) that `stmt` selects (columns of their
    table: a kind's `columns`; `values` for its bind parameters), as (rows, next_query). Without
    `modified_after`: the live ones by `sort_column` (newest first unless `descending=False`). With it:
    every one changed after that instant, oldest change first, tombstones included, so that a device syncs
    by following `next` links. `params` come from inputs.Listing; `next_query` (None on the last page) is
    the request's own query string with the cursor moved on, so a listing's filters carry over to its next
    page."""
    since = params["modified_after"]
    values = dict(values or ())
    if since is None:
        stmt = _derived(stmt, ("live", record), lambda: stmt.where(record.deleted.is_(None)))
    else:
        values["page_since"] = since
        stmt = _derived(stmt, ("since", record), lambda: stmt.where(
            record.modified > bindparam("page_since", type_=record.modified.type)))
        sort_column, descending = record.modified, False
    parse, sort_key = _sorted_by(sort_column)
    rows, more = keyset_page(None, stmt, sort_column, record.id, params["limit"], params["after"],
                             descending=descending, parse=parse, core=True, values=values,
                             connection=request.dbconnection)
    if not more:
        return rows, None
    last = rows[-1]
    return rows, dict(request.GET, limit=params["limit"], after=cursor(getattr(last, sort_key), last.id))


def _same(value):
    return value


@functools.cache
def _sorted_by(sort_column):
    """How a cursor's sort value is read back, and the sort column's key: a mapped attribute's `type` and `key`
    go through SQLAlchemy's attribute proxies, a few percent of a page when asked per request."""
    return (parse_datetime if isinstance(sort_column.type, DateTime) else _same), sort_column.key


def merged_page(dbsession, sources: dict, limit: int, after: str | None):
    """One page, newest first, of several kinds of records merged into one stream ordered by (time,
    kind, id), descending. `sources` maps each kind's name to (stmt, time_column, id_column): what to
    select of that kind. Returns ([(kind, row)], the `after` of the next page or None).

    The cursor is the last item's (time, "kind:id"). Each kind is asked only for what follows it, with
    a condition its index serves: a kind that sorts before the cursor's (same time, smaller kind) may
    still have rows at the cursor's time, the cursor's own kind continues after its id, a kind that
    sorts after it continues before its time. Each kind gives at most `limit + 1` rows, so the first
    `limit + 1` of the merge are the stream's, and following `next` yields every item exactly once."""
    if after is not None:
        try:
            time_text, key = decode_cursor(after)
            last_time = parse_datetime(time_text)
            last_kind, _, last_id = key.partition(":")
            if last_kind not in sources:
                raise ValueError("Not a cursor from a `next` link.")
        except ValueError as error:
            raise ValidationFailure("Invalid query parameters", [problem("after", str(error))]) from None
    merged = []
    for kind, (stmt, time_column, id_column) in sources.items():
        if after is not None:
            if kind < last_kind:
                stmt = stmt.where(time_column <= last_time)
            elif kind == last_kind:
                stmt = stmt.where(tuple_(time_column, id_column) < (last_time, last_id))
            else:
                stmt = stmt.where(time_column < last_time)
        rows = dbsession.execute(stmt.order_by(time_column.desc(), id_column.desc()).limit(limit + 1)).all()
        merged += [((getattr(row, time_column.key), kind, getattr(row, id_column.key)), row) for row in rows]
    merged.sort(key=lambda item: item[0], reverse=True)
    page = merged[:limit]
    if len(merged) <= limit:
        return [(key[1], row) for key, row in page], None
    last_time, last_kind, last_id = page[-1][0]
    return [(key[1], row) for key, row in page], cursor(last_time, f"{last_kind}:{last_id}")
