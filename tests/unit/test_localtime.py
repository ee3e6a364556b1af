"""Local calendar days: zone offsets over a range, and the bounds of `fromdate`/`todate`."""
import datetime

import pytest

from hyperdiary import localtime
from hyperdiary.errors import ValidationFailure
from hyperdiary.inputs import DateRange, deserialize, span

AMSTERDAM = localtime.zone("Europe/Amsterdam")
UTC = localtime.zone("UTC")
D = datetime.datetime


def test_unknown_zone():
    # A folder of zones, a name too long for a file name, a file of tzdata that is no zone.
    for name in ("Mars/Olympus_Mons", "", "../etc/passwd", "America", "America/", "x" * 300, "zone.tab"):
        with pytest.raises(ValueError, match="Unknown IANA time zone"):
            localtime.zone(name)
    # What a request names must be an IANA name, not a file of this host's own zoneinfo folder (which
    # another host may lack, or read as another zone: "localtime" is the server's own).
    for name in ("Mars/Olympus_Mons", "America", "localtime", "posixrules", "right/UTC", "posix/Europe/Amsterdam",
                 5, None, ["UTC"]):
        with pytest.raises(ValueError, match="Unknown IANA time zone"):
            localtime.iana_zone(name)


def test_iana_names_and_their_links():
    for name in ("UTC", "Europe/Amsterdam", "America/Argentina/ComodRivadavia", "US/Pacific", "Etc/GMT+5"):
        assert localtime.iana_zone(name).key == name


def test_offsets_over_a_year_with_daylight_saving():
    segments = localtime.offsets(AMSTERDAM, D(2024, 1, 1), D(2025, 1, 1))
    # CET, then CEST from 2024-03-31 01:00 UTC, then CET from 2024-10-27 01:00 UTC.
    assert segments == (
        localtime.Segment(D(2024, 3, 31, 1), 3600),
        localtime.Segment(D(2024, 10, 27, 1), 7200),
        localtime.Segment(None, 3600),
    )


def test_offsets_without_transitions():
    assert localtime.offsets(UTC, D(2024, 1, 1), D(2030, 1, 1)) == (localtime.Segment(None, 0),)
    kolkata = localtime.zone("Asia/Kolkata")
    assert localtime.offsets(kolkata, D(2024, 1, 1), D(2025, 1, 1)) == (localtime.Segment(None, 19800),)


def test_offsets_from_a_start_with_microseconds_land_on_the_transition():
    segments = localtime.offsets(AMSTERDAM, D(2024, 3, 30, 12, 0, 0, 123456), D(2024, 4, 2))
    assert segments[0] == localtime.Segment(D(2024, 3, 31, 1), 3600)


def test_day_start_and_local_day():
    assert localtime.day_start(datetime.date(2024, 7, 1), AMSTERDAM) == D(2024, 6, 30, 22)
    assert localtime.day_start(datetime.date(2024, 1, 1), AMSTERDAM) == D(2023, 12, 31, 23)
    assert localtime.local_day(D(2024, 6, 30, 22), AMSTERDAM) == datetime.date(2024, 7, 1)
    assert localtime.local_day(D(2024, 6, 30, 21, 59, 59), AMSTERDAM) == datetime.date(2024, 6, 30)
    # Where the clocks jump from 00:00 to 01:00 (Santiago, 2024-09-08), the day starts at 01:00 local.
    santiago = localtime.zone("America/Santiago")
    start = localtime.day_start(datetime.date(2024, 9, 8), santiago)
    assert localtime.local_day(start, santiago) == datetime.date(2024, 9, 8)
    assert localtime.local_day(start - datetime.timedelta(seconds=1), santiago) == datetime.date(2024, 9, 7)



@pytest.mark.parametrize("name", ["Europe/Amsterdam", "America/New_York", "America/Santiago", "America/Goose_Bay",
                                  "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata"])
def test_day_start_and_local_day_are_zoneinfos_conversions(name):
    """Around every change of offset from 1900 to 2200 (midnight skipped or repeated, a 30-minute shift, a day
    skipped), the same instants and days as converting aware datetimes with zoneinfo: day_start and local_day
    avoid datetime.replace for speed, not for another answer."""
    tz = localtime.zone(name)
    for segment in localtime.offsets(tz, localtime.EARLIEST, localtime.LATEST)[:-1]:
        for seconds in (-86400, -3601, -1, 0, 1, 1799, 3600, 86400):
            moment = segment.until + datetime.timedelta(seconds=seconds, microseconds=seconds % 7)
            assert localtime.local_day(moment, tz) == moment.replace(tzinfo=datetime.UTC).astimezone(tz).date()
            for days in (-1, 0, 1):
                day = moment.date() + datetime.timedelta(days=days)
                assert localtime.day_start(day, tz) == datetime.datetime.combine(
                    day, datetime.time(), tzinfo=tz).astimezone(datetime.UTC).replace(tzinfo=None)

def params(**query):
    return deserialize(DateRange(), query, "Invalid query parameters")


def test_span_of_dates_covers_whole_local_days():
    result = span(params(fromdate="2024-07-01", todate="2024-07-01"), "Europe/Amsterdam")
    assert (result.start, result.end) == (D(2024, 6, 30, 22), D(2024, 7, 1, 22))
    result = span(params(fromdate="2024-07-01", todate="2024-07-02", time_zone="America/New_York"), "UTC")
    assert (result.start, result.end) == (D(2024, 7, 1, 4), D(2024, 7, 3, 4))
    assert result.tz.key == "America/New_York"


def test_span_of_date_times_is_inclusive_and_utc():
    result = span(params(fromdate="2024-07-01T10:00:00+02:00", todate="2024-07-01T12:00:00Z"), "Asia/Tokyo")
    assert result.start == D(2024, 7, 1, 8)
    assert result.end == D(2024, 7, 1, 12, 0, 0, 1)


def test_open_span():
    result = span(params(), "UTC")
    assert (result.start, result.end) == (None, None)


def test_span_problems():
    with pytest.raises(ValidationFailure) as failure:
        span(params(fromdate="2024-07-02", todate="2024-07-01"), "UTC")
    assert [p["name"] for p in failure.value.extra] == ["fromdate"]
    for bad in ({"fromdate": "2024-13-01"}, {"todate": "yesterday"}, {"fromdate": "2024-07-01T25:00"},
                {"time_zone": "Nowhere/Land"}):
        with pytest.raises(ValidationFailure) as failure:
            params(**bad)
        assert [p["name"] for p in failure.value.extra] == list(bad)
