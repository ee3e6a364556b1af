"""How the goals calendar writes a schedule: an RRULE in local time where one fits, explicit dates else."""
import datetime
import types

import icalendar

from hyperdiary import goals


def goal(**fields):
    values = dict(id="g", title="Swim", description=None, status=None, is_onetime=False, frequency="Weekly",
                  days=["Monday"], startdate=datetime.datetime(2024, 1, 1, 23, 30),
                  targetdate=datetime.datetime(2024, 12, 31), reminder=False, remindertime=None, reminderdate=None,
                  created=datetime.datetime(2024, 1, 1), modified=datetime.datetime(2024, 1, 1))
    values.update(fields)
    return types.SimpleNamespace(**values)


def todo(zone, **fields):
    document = goals.calendar([goal(**fields)], {"g": "http://example.com/g/"}, zone, "-//test//EN")
    return icalendar.Calendar.from_ical(document).walk("VTODO")[0]


def test_a_weekday_moved_by_the_zone_is_still_one_rule():
    # Monday 23:30 UTC is Tuesday 08:30 in Tokyo, all year.
    swim = todo("Asia/Tokyo")
    assert swim["rrule"]["BYDAY"] == ["TU"]
    assert swim.decoded("dtstart") == datetime.datetime(2024, 1, 2, 8, 30, tzinfo=swim.decoded("dtstart").tzinfo)
    assert "rdate" not in swim


def test_days_that_move_with_the_season_are_listed():
    # Monday 22:30 UTC is Monday 23:30 in Amsterdam in winter, Tuesday 00:30 in summer: no one weekly rule.
    swim = todo("Europe/Amsterdam", startdate=datetime.datetime(2024, 1, 1, 22, 30))
    assert "rrule" not in swim
    dates = [moment.dt for rdate in (swim["rdate"] if isinstance(swim["rdate"], list) else [swim["rdate"]])
             for moment in rdate.dts]
    assert len(dates) == 53 - 1  # every Monday of 2024 (53) but the first, which is DTSTART
    assert {moment.strftime("%H:%M") for moment in dates} == {"23:30"}
    assert {moment.strftime("%a") for moment in dates} == {"Mon", "Tue"}
