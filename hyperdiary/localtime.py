"""Calendar days in a client's time zone, on the Python side and inside SQL.

Records store naive UTC. Daily statistics count by the *local* calendar day, which SQLite cannot
compute (it has no time zone database) and PostgreSQL computes with its own copy of the rules. So
both databases get the same portable expression, built here from Python's zoneinfo: over the range a
query covers, a zone's UTC offset is constant between transitions, and `local_date` is a CASE over
those few intervals, each branch shifting the UTC value by its offset and taking the date. A year in
a zone with daylight saving time is three branches; the database does the GROUP BY.
"""
import datetime
import functools
import importlib.resources
import zoneinfo
from typing import NamedTuple

from sqlalchemy import String, case, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

UTC = datetime.UTC


# The IANA names, as the tzdata package (a dependency) lists them: the same on every host. zoneinfo also
# reads whatever this host's /usr/share/zoneinfo holds ("localtime" is the server's own zone, "posixrules",
# "right/UTC" with leap seconds): names that mean another zone, or none, on the next host, where a
# client's stored zone would fail every request that reckons its days.
IANA_NAMES = frozenset(importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def iana_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone a request names: one of the IANA names (IANA_NAMES); ValueError for any other."""
    if not isinstance(name, str) or name not in IANA_NAMES:
        raise ValueError(f"Unknown IANA time zone {name!r}.")
    return zone(name)


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone of that name, as this host reads it (a stored zone); ValueError when there is none."""
    try:
        return zoneinfo.ZoneInfo(name)
    # zoneinfo reads the name as a file path: a folder of zones ("America") or a name too long for the
    # file system raises OSError, a file that is no zone ("zone.tab") ValueError.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ValueError(f"Unknown IANA time zone {name!r}.") from None


def naive_utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


# day_start and local_day run once per day of a tracker or a chart (hundreds per request). They avoid
# datetime.replace(tzinfo=...): on Python 3.11 its keyword parsing costs about 9,000 instructions a call, 20 times
# what the zone's own arithmetic costs; the results are the same to the microsecond.
MIDNIGHT = datetime.time()


def day_start(day: datetime.date, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The first instant of a local calendar day, as naive UTC. (Where midnight does not exist, because
    the clocks jump forward at 00:00, zoneinfo reads it with the earlier offset: the first instant that
    does exist.)"""
    midnight = datetime.datetime.combine(day, MIDNIGHT)
    return midnight - tz.utcoffset(midnight)  # the offset zoneinfo gives local midnight (fold=0)


def local_day(moment: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.date:
    """The local calendar day of a naive UTC instant."""
    return tz.fromutc(datetime.datetime.combine(moment.date(), moment.time(), tz)).date()


# The instants whose local days hyperdiary reckons (naive UTC, [EARLIEST, LATEST)): resource bodies keep
# their dates inside, so that every zone can convert them (year 1 west of UTC cannot) and a range's
# offsets are few days' sampling, not millennia's.
EARLIEST = datetime.datetime(1900, 1, 1)
LATEST = datetime.datetime(2200, 1, 1)


def reckonable(moment) -> bool:
    """Whether a date or naive UTC date-time lies in [EARLIEST, LATEST)."""
    if not isinstance(moment, datetime.datetime):
        moment = datetime.datetime.combine(moment, datetime.time())
    return EARLIEST <= moment < LATEST


class Segment(NamedTuple):
    until: datetime.datetime | None  # naive UTC; None for the last segment
    offset: int  # seconds east of UTC


def _offset(tz, moment: datetime.datetime) -> int:
    return int(moment.replace(tzinfo=UTC).astimezone(tz).utcoffset().total_seconds())


@functools.lru_cache(maxsize=512)
def offsets(tz: zoneinfo.ZoneInfo, start: datetime.datetime, end: datetime.datetime) -> tuple[Segment, ...]:
    """The zone's UTC offsets over [start, end) (naive UTC), as segments: each offset holds until the
    next segment begins. Found by sampling each day and bisecting (to the second) where the offset
    changed; no zone changes its offset twice within a day."""
    segments = []
    start = start.replace(microsecond=0)  # whole seconds, so that bisection lands on the transition
    current = _offset(tz, start)
    step = datetime.timedelta(days=1)
    moment = start
    while moment < end:
        following = min(moment + step, end)
        offset = _offset(tz, following)
        if offset != current:
            low, high = moment, following  # the offset is `current` at low and differs at high
            while high - low > datetime.timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0) if middle.microsecond else middle
                if middle <= low:
                    break
                if _offset(tz, middle) == current:
                    low = middle
                else:
                    high = middle
            segments.append(Segment(high, current))
            current = _offset(tz, high)
        moment = following
    segments.append(Segment(None, current))
    return tuple(segments)


class _ShiftedDate(FunctionElement):
    """'YYYY-MM-DD' of a naive UTC timestamp column shifted by a whole number of seconds."""

    type = String()
    inherit_cache = True
    name = "shifted_date"


@compiles(_ShiftedDate, "sqlite")
def _sqlite_shifted_date(element, compiler, **kw):
    column, seconds = list(element.clauses)
    # SQLite's date functions keep milliseconds and round: 23:59:59.9999 would become the next day.
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff'; its first 19 characters are the whole seconds.
    return f"date(substr({compiler.process(column, **kw)}, 1, 19), '{int(seconds.name):+d} seconds')"


@compiles(_ShiftedDate, "postgresql")
def _postgresql_shifted_date(element, compiler, **kw):
    column, seconds = list(element.clauses)
    return f"to_char({compiler.process(column, **kw)} + interval '{int(seconds.name)} seconds', 'YYYY-MM-DD')"


def _shifted(column, seconds: int):
    # A literal, not a bound parameter: SQLite's date() modifiers are text, and the statement cache keys
    # on it (a handful of distinct offsets exist).
    return _ShiftedDate(column, literal_column(str(int(seconds))))


def local_date(column, tz: zoneinfo.ZoneInfo, start: datetime.datetime, end: datetime.datetime):
    """A SQL expression: the local calendar day ('YYYY-MM-DD') of a naive UTC timestamp column, exact for
    values in [start, end). Group by it to count per local day in the database."""
    segments = offsets(tz, start, end)
    if len(segments) == 1:
        return _shifted(column, segments[0].offset)
    whens = [(column < segment.until, _shifted(column, segment.offset)) for segment in segments[:-1]]
    return case(*whens, else_=_shifted(column, segments[-1].offset))


class Span(NamedTuple):
    """A half-open range of instants [start, end) in naive UTC (either side may be open: None), and the
    zone its dates were read in."""

    start: datetime.datetime | None
    end: datetime.datetime | None
    tz: zoneinfo.ZoneInfo

    def covering(self, column) -> list:
        """The WHERE conditions that keep a timestamp column's values inside the span."""
        return ([] if self.start is None else [column >= self.start]) + \
            ([] if self.end is None else [column < self.end])

    def local_date_of(self, dbsession, column, conditions):
        """local_date(column) for the rows `conditions` select, or None when there is none. Its offsets
        are sampled over the range those rows cover (one MIN/MAX query), not the query's: a wide query
        (fromdate=0002-01-01) costs no more than the data it covers, and the range is kept within
        [EARLIEST, LATEST), where every zone converts."""
        first, last = dbsession.execute(select(func.min(column), func.max(column)).where(*conditions)).one()
        if first is None:
            return None
        start = min(max(first, EARLIEST), LATEST)
        end = max(min(last + datetime.timedelta(microseconds=1), LATEST), start)
        return local_date(column, self.tz, start, end)


def bound(value, tz, *, upper: bool) -> datetime.datetime | None:
    """A query's `fromdate`/`todate` as an instant: a date means the start of that local day (`fromdate`)
    or the start of the next one (`todate`, so the whole day is in); a date-time is itself (an upper
    bound is inclusive: it becomes the next microsecond)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(microseconds=1) if upper else value
    return day_start(value + datetime.timedelta(days=1) if upper else value, tz)
