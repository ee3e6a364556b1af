"""How the goals calendar writes a schedule: an RRULE in the client's local time, as its due dates follow."""
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


def test_weekdays_are_the_clients_own():
    # Monday 23:30 UTC is Tuesday 08:30 in Tokyo: the goal's Mondays are Tokyo's, at 08:30 there, so the first
    # occurrence is the next Monday (API.md §12: a schedule keeps the client's wall clock).
    swim = todo("Asia/Tokyo")
    assert swim["rrule"]["BYDAY"] == ["MO"]
    assert swim.decoded("dtstart") == datetime.datetime(2024, 1, 8, 8, 30, tzinfo=swim.decoded("dtstart").tzinfo)
    assert "rdate" not in swim


def test_one_rule_in_every_season():
    # Monday 22:30 UTC is Monday 23:30 in Amsterdam in winter; the goal stays at 23:30 on Mondays in summer too
    # (21:30 UTC), so one weekly rule describes it, and its due dates are that rule's instants.
    swim = todo("Europe/Amsterdam", startdate=datetime.datetime(2024, 1, 1, 22, 30))
    assert swim["rrule"]["BYDAY"] == ["MO"] and "rdate" not in swim
    schedule = goals.schedule_of(goal(startdate=datetime.datetime(2024, 1, 1, 22, 30)),
                                 goals.localtime.zone("Europe/Amsterdam"))
    due = schedule.due_dates()
    assert len(due) == 53  # every Monday of 2024
    assert {moment.strftime("%H:%M") for moment in due} == {"22:30", "21:30"}
    assert datetime.datetime(2024, 7, 1, 21, 30) in due
