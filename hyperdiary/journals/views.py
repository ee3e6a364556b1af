"""Journals per local day (the CRUD of journals and their tags comes from their kinds, hyperdiary/journals/__init__.py;
tag types are in tagtypes.py)."""
from pyramid.view import view_config
from sqlalchemy import func, select

from ..shapes import obj, representation
from ..documented import Named, documented
from .. import hypermedia as hm
from ..inputs import DateRange, query, span
from .models import Journal
from .resources import Journals
from ..security import Permissions


# The schemas of what these views answer or read (hyperdiary/documented.py).
JOURNAL_STATS_SCHEMA = Named('JournalStats',
    representation("Journals per local calendar day.", changes=False, journalstats={
        "type": "array", "items": obj(("journaldate", "count"), journaldate={"type": "string", "format": "date"},
                                      count={"type": "integer", "minimum": 1})}))


@documented('getJournalStats', '/clients/{client_id}/journals/stats', 'Journals per local calendar day',
            link='journals.stats', result=JOURNAL_STATS_SCHEMA, errors=(404,), query=DateRange)
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
