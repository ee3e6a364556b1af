"""Journals per local day (the CRUD of journals and their tags comes from their kinds, hyperdiary/journals.py;
tag types are in views/tagtypes.py)."""
from pyramid.view import view_config
from sqlalchemy import func, select

from .. import hypermedia as hm
from ..inputs import DateRange, query, span
from .models import Journal
from .resources import Journals
from ..security import Permissions


@view_config(context=Journals, name="stats", request_method="GET", renderer="json", permission=Permissions.VIEW)
def journal_stats(context, request):
    """How many journals each local calendar day has, counted by the database (GROUP BY)."""
    within = span(query(request, DateRange()), context.client.time_zone)
    conditions = [Journal.client_id == context.client.id, Journal.deleted.is_(None),
                  *within.covering(Journal.journal_timestamp)]
    day = within.local_date_of(request.dbsession, Journal.journal_timestamp, conditions)
    stats = []
    if day is not None:
        day = day.label("journaldate")
        rows = request.dbsession.execute(
            select(day, func.count().label("count")).where(*conditions).group_by(day).order_by(day))
        stats = [{"journaldate": row.journaldate, "count": row.count} for row in rows]
    body = hm.representation(request, context, "journal-stats", [])
    body["@url"] = request.url
    body["journalstats"] = stats
    return body
