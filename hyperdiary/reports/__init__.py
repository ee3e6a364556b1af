"""Reports for professionals: what a client recorded since an instant, and counts per ISO week in the
client's time zone. Every count is the database's: a grouped SELECT per kind of record. Which kinds, and
how: each kind's declaration says (`Kind.counted`); this module keeps no list of them.

Weeks start on the local Monday at 00:00. Their bounds are computed here with zoneinfo, as naive UTC
instants; the SQL puts each record's own time into one of those intervals (a CASE over the bounds), so
SQLite and PostgreSQL count alike, whatever time zone rules the database knows.
"""
import datetime
from typing import Any, NamedTuple

from sqlalchemy import DateTime, bindparam, case, func, literal_column, select, union_all

from .. import localtime
from ..models.meta import utcnow

# How many ISO weeks perWeek and perSchema cover, the reference date's week the last.
WEEKS = 12


def now() -> datetime.datetime:
    """The clock behind the default reference date (tests move it)."""
    return utcnow()


class Kind(NamedTuple):
    """A kind of record a report counts (from a kinds.Kind's `counted`): its name (in `counts`, in a week's row
    and in paging cursors), its model (soft-deleted, with a `client_id`), the column of its own time, the
    declaration, the condition the counted ones meet (or None) and whether entriesSince lists them."""

    name: str
    model: Any
    time: Any
    declaration: Any
    where: Any
    listed: bool


def counted_kinds(kinds) -> list[Kind]:
    """What the registry's kinds declare they are counted as, in the registry's order."""
    return [Kind(counted.name or kind.collection, kind.model, getattr(kind.model, counted.time), kind,
                 getattr(kind.model, counted.where).is_(True) if counted.where else None, counted.listed)
            for kind in kinds.values() for counted in kind.counted]


def live(kind: Kind, client_id, *conditions) -> tuple:
    """The WHERE of a client's (an id, or a bind parameter) live records of a kind (deleted ones never
    count, nor those that do not meet its condition), and `conditions`."""
    own = (kind.where,) if kind.where is not None else ()
    return (kind.model.client_id == client_id, kind.model.deleted.is_(None), *own, *conditions)


def reference_day(reference, tz) -> datetime.date:
    """The local calendar day a reference date names: a date itself, a date-time its local day, None
    today. OverflowError for an instant whose local day is not in the calendar."""
    if reference is None:
        return localtime.local_day(now(), tz)
    if isinstance(reference, datetime.datetime):
        return localtime.local_day(reference, tz)
    return reference


# --- entriesSince -------------------------------------------------------------------------------------------


def reference_instant(reference, tz) -> datetime.datetime:
    """Where entriesSince starts (naive UTC): a date-time is itself, a date the start of that local day,
    None the start of today there. OverflowError for a day whose start is not in the calendar."""
    if isinstance(reference, datetime.datetime):
        return reference
    return localtime.day_start(reference_day(reference, tz), tz)


def _counts_since(listed: list[Kind]):
    """Built once (Counts), like every statement of perWeek and perSchema: composing one costs more than
    running it."""
    since = bindparam("since", type_=DateTime)
    return select(*(select(func.count()).where(*live(kind, bindparam("client_id"), kind.time >= since))
                    .scalar_subquery().label(kind.name) for kind in listed))


# --- perWeek and perSchema ----------------------------------------------------------------------------------


class Week(NamedTuple):
    label: str  # the ISO week, "2024-W01"
    start: datetime.datetime  # naive UTC: the local Monday at 00:00
    end: datetime.datetime  # the next week's start


def iso_week(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def weeks(day: datetime.date, tz) -> list[Week]:
    """The WEEKS ISO weeks that end with the week of `day`, oldest first, each from its local Monday 00:00
    to the next one's. OverflowError when they leave the calendar (years 1 and 9999)."""
    monday = day - datetime.timedelta(days=day.weekday())
    mondays = [monday - datetime.timedelta(weeks=WEEKS - 1 - n) for n in range(WEEKS + 1)]
    starts = [localtime.day_start(each, tz) for each in mondays]
    return [Week(iso_week(each), starts[n], starts[n + 1]) for n, each in enumerate(mondays[:-1])]


# The bounds of the weeks, as parameters: :bound0 (the first Monday) to :bound12 (the Monday after the last
# week).
BOUNDS = [bindparam(f"bound{n}", type_=DateTime) for n in range(WEEKS + 1)]


def _weekly(kind: Kind, *conditions, by=()):
    """A client's (:client_id) live records of a kind within the weeks, counted per week (and `by`) by the
    database: rows (kind, week index, *by, count), 0 the oldest week; weeks without records have no row.
    The week of a record is a CASE over the bounds (its indexes are literals)."""
    week = case(*[(kind.time < BOUNDS[n + 1], literal_column(str(n))) for n in range(WEEKS - 1)],
                else_=literal_column(str(WEEKS - 1))).label("week")
    where = live(kind, bindparam("client_id"), kind.time >= BOUNDS[0], kind.time < BOUNDS[WEEKS], *conditions)
    return (select(literal_column(f"'{kind.name}'").label("kind"), week, *by, func.count().label("count"))
            .where(*where).group_by(week, *by))




def _parameters(client_id: str, weeks_: list[Week]) -> dict:
    bounds = [week.start for week in weeks_] + [weeks_[-1].end]
    return {"client_id": client_id, **{bound.key: value for bound, value in zip(BOUNDS, bounds)}}


class Counts:
    """The reports' statements over the kinds of one registry, built once (`counts(registry)`)."""

    def __init__(self, kinds):
        counted = counted_kinds(kinds)
        # entriesSince: what it lists and counts (entries, journals, moods); a week's row has those first.
        self.listed = [kind for kind in counted if kind.listed]
        self.kinds = self.listed + [kind for kind in counted if not kind.listed]
        self.counts_since_statement = _counts_since(self.listed)
        # perWeek: a grouped SELECT per kind, joined by UNION ALL into one statement (one round trip, a quarter
        # faster than four statements on PostgreSQL).
        self.per_week_statement = union_all(*(_weekly(kind) for kind in self.kinds))

    def counts_since(self, dbsession, client_id: str, since: datetime.datetime) -> dict:
        """How many live records of each listed kind lie at or after `since`: one statement, a count (a scalar
        subquery) per kind."""
        return dict(dbsession.execute(self.counts_since_statement,
                                      {"client_id": client_id, "since": since}).one()._mapping)

    def per_week(self, dbsession, client_id: str, weeks_: list[Week]) -> list[dict]:
        """A row per week, oldest first, zeros included: entries, journals, moods, completed tracking items
        (each counted kind)."""
        rows = [{"week": week.label, **{kind.name: 0 for kind in self.kinds}} for week in weeks_]
        for row in dbsession.execute(self.per_week_statement, _parameters(client_id, weeks_)):
            rows[row.week][row.kind] = row.count
        return rows


def counts(registry) -> Counts:
    """The registry's Counts, made the first time a report asks (every kind is declared by then)."""
    found = registry.get("report_counts")
    if found is None:
        found = registry["report_counts"] = Counts(registry.kinds)
    return found


def includeme(config):
    from ..clients.resources import ClientResource
    from .resources import EntriesSinceReport, PerWeekReport, Reports

    config.add_child(ClientResource, "reports", Reports)
    config.add_child(Reports, "entriesSince", EntriesSinceReport)
    config.add_child(Reports, "perWeek", PerWeekReport)
    config.scan(".views")
