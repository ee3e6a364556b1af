"""The weeks of perWeek and perSchema: ISO weeks from the local Monday 00:00, as UTC instants."""
import datetime

import pytest

from hyperdiary import localtime, reports

D = datetime.datetime
HOUR = datetime.timedelta(hours=1)


def test_twelve_weeks_ending_with_the_reference_week():
    weeks = reports.weeks(datetime.date(2024, 4, 10), localtime.zone("Asia/Tokyo"))
    assert [week.label for week in weeks] == [f"2024-W{n:02d}" for n in range(4, 16)]
    assert weeks[0].start == D(2024, 1, 21, 15) and weeks[-1].start == D(2024, 4, 7, 15)
    assert weeks[-1].end == D(2024, 4, 14, 15)
    assert all(earlier.end == later.start for earlier, later in zip(weeks, weeks[1:]))


def test_weeks_with_a_daylight_saving_change_are_longer_or_shorter():
    sydney = reports.weeks(datetime.date(2024, 4, 7), localtime.zone("Australia/Sydney"))
    assert sydney[-1].label == "2024-W14" and sydney[-1].end - sydney[-1].start == 169 * HOUR
    amsterdam = reports.weeks(datetime.date(2024, 4, 1), localtime.zone("Europe/Amsterdam"))
    assert amsterdam[-2].label == "2024-W13" and amsterdam[-2].end - amsterdam[-2].start == 167 * HOUR
    assert amsterdam[-1].start == D(2024, 3, 31, 22)  # Monday 00:00 CEST


def test_iso_weeks_belong_to_the_year_of_their_thursday():
    assert reports.iso_week(datetime.date(2024, 12, 30)) == "2025-W01"
    assert reports.iso_week(datetime.date(2021, 1, 3)) == "2020-W53"
    assert reports.iso_week(datetime.date(1, 1, 1)) == "0001-W01"


@pytest.mark.parametrize("day, zone", [
    (datetime.date(1, 1, 1), "UTC"), (datetime.date(1, 3, 18), "UTC"), (datetime.date(1, 3, 19), "Asia/Tokyo"),
    (datetime.date(9999, 12, 31), "UTC"), (datetime.date(9999, 12, 27), "America/Los_Angeles"),
])
def test_weeks_beyond_the_calendar_overflow(day, zone):
    with pytest.raises(OverflowError):
        reports.weeks(day, localtime.zone(zone))


def test_the_first_and_last_weeks_that_fit():
    assert reports.weeks(datetime.date(1, 3, 19), localtime.zone("UTC"))[0].start == D(1, 1, 1)
    assert reports.weeks(datetime.date(9999, 12, 26), localtime.zone("UTC"))[-1].label == "9999-W51"
