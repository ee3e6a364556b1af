"""Keyset paging: a page continues strictly after the sort key of the previous page's last item, so
following `next` links yields every item once even while others write (no OFFSET)."""
from sqlalchemy import DateTime, tuple_

from .errors import ValidationFailure, problem
from .hypermedia import decode_cursor, encode_cursor
from .inputs import parse_datetime


def keyset_page(dbsession, stmt, sort_column, id_column, limit, after, *, descending=False,
                parse=lambda value: value):
    """One page of what `stmt` selects (ORM objects for one entity, rows for columns), ordered by
    (sort_column, id_column); returns the page and whether more follow. `parse` turns the cursor's
    string back into a sort value."""
    if after is not None:
        try:
            sort_value, last_id = decode_cursor(after)
            sort_value = parse(sort_value)
        except ValueError as error:
            raise ValidationFailure("Invalid query parameters", [problem("after", str(error))]) from None
        key = tuple_(sort_column, id_column)
        stmt = stmt.where(key < (sort_value, last_id) if descending else key > (sort_value, last_id))
    order = (sort_column.desc(), id_column.desc()) if descending else (sort_column, id_column)
    result = dbsession.execute(stmt.order_by(*order).limit(limit + 1))
    rows = result.scalars().all() if len(stmt.column_descriptions) == 1 else result.all()
    return rows[:limit], len(rows) > limit


def cursor(sort_value, row_id) -> str:
    """The `after` parameter that continues past the item with this sort key."""
    text = sort_value.isoformat() if hasattr(sort_value, "isoformat") else str(sort_value)
    return encode_cursor([text, row_id])


def records_page(request, stmt, record, sort_column, params, *, descending=True):
    """One page of the soft-deleted records (models.meta.SoftDeleted) that `stmt` selects, as (rows,
    next_query). Without `modified_after`: the live ones by `sort_column` (newest first unless
    `descending=False`). With it: every one changed after that instant, oldest change first, tombstones
    included, so that a device syncs by following `next` links. `params` come from inputs.Listing;
    `next_query` (None on the last page) is the request's own query string with the cursor moved on, so
    a listing's filters carry over to its next page."""
    since = params["modified_after"]
    if since is None:
        stmt = stmt.where(record.deleted.is_(None))
    else:
        stmt = stmt.where(record.modified > since)
        sort_column, descending = record.modified, False
    parse = parse_datetime if isinstance(sort_column.type, DateTime) else (lambda value: value)
    rows, more = keyset_page(request.dbsession, stmt, sort_column, record.id, params["limit"], params["after"],
                             descending=descending, parse=parse)
    if not more:
        return rows, None
    last = rows[-1]
    return rows, dict(request.GET, limit=params["limit"], after=cursor(getattr(last, sort_column.key), last.id))
