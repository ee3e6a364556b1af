"""Goals: their schedule, the tracking items it generates, the goal's status, reminders, and the iCalendar
feed. Views stay thin; the rules of RESOURCES.md live here.

Due dates keep the client's wall-clock time (API.md §12): a recurring goal's rule runs over local times in
the client's zone, from the start date's local day and time of day, and each occurrence becomes its UTC
instant, so a daily 09:00 goal in Amsterdam is due at 07:00Z in summer and 08:00Z in winter. It is dateutil's
rrule, the same rule the iCalendar feed publishes (with a local DTSTART), so a calendar app expands a goal
into exactly its tracking items. Items stored before this rule keep their instants (docs/decisions.md).
"""
import datetime
import itertools
import zoneinfo
from typing import NamedTuple

import icalendar
from dateutil import rrule
from sqlalchemy import and_, exists, insert, or_, select, update

from .. import kinds, localtime
from ..errors import Refused, ValidationFailure, problem
from ..inputs import parse_datetime
from . import charts, fhir
from .models import Goal, GoalTracking
from ..clients.resources import ClientResource
from .resources import GoalResource, Goals, Tracking, TrackingResource
from ..security import Permissions
from ..models.meta import new_id, utcnow
from ..records import bump

ONE_TIME, DAILY, WEEKLY, MONTHLY = "One Time", "Daily", "Weekly", "Monthly"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COMPLETED = "Completed"
MAX_ITEMS = 3660
OUT_OF_RANGE = f"Choose a date from {localtime.EARLIEST.year} to {localtime.LATEST.year - 1}."
# The fields of a goal, in the order of its representation.
FIELDS = ("title", "description", "status", "is_onetime", "frequency", "days", "criticality", "startdate",
          "targetdate", "reminder", "remindertime", "reminderdate", "is_therapist_approved")


# --- the clock ------------------------------------------------------------------------------------------


def now() -> datetime.datetime:
    """Naive UTC now, for the goals' rules (the default start date, "today", reminders due by now).
    Tests move it: everything here asks this function, never the system clock."""
    return utcnow()


def today() -> datetime.date:
    """Today's calendar day in UTC, the reckoning of due dates: items due after it are the future."""
    return now().date()


# --- schedules --------------------------------------------------------------------------------------------


UTC = zoneinfo.ZoneInfo("UTC")


class Schedule(NamedTuple):
    frequency: str
    days: tuple
    start: datetime.datetime  # naive UTC, as stored
    target: datetime.datetime | None
    tz: zoneinfo.ZoneInfo = UTC  # the client's zone: the schedule's wall clock

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        """A naive UTC instant as naive wall-clock time in the zone."""
        return self.tz.fromutc(moment.replace(tzinfo=self.tz)).replace(tzinfo=None)

    def rule(self) -> rrule.rrule | None:
        """The recurrence as an rrule over naive local times (None for a one-time goal): every occurrence
        is a due date's wall-clock time. Weekdays and days of the month are the zone's."""
        if self.frequency == ONE_TIME:
            return None
        start, until = self.local(self.start), self.until()
        if self.frequency == DAILY:
            return rrule.rrule(rrule.DAILY, dtstart=start, until=until)
        if self.frequency == WEEKLY:
            weekdays = sorted({WEEKDAYS.index(day) for day in self.days}) or [start.weekday()]
            return rrule.rrule(rrule.WEEKLY, dtstart=start, until=until, byweekday=weekdays)
        day = start.day
        if day <= 28:
            return rrule.rrule(rrule.MONTHLY, dtstart=start, until=until, bymonthday=day)
        # The 29th to 31st: the last of the days 28..day that the month has, i.e. the month's last day
        # when it is shorter (RFC 5545 BYSETPOS; a calendar app reads the same rule).
        return rrule.rrule(rrule.MONTHLY, dtstart=start, until=until, bymonthday=range(28, day + 1),
                           bysetpos=-1)

    def until(self) -> datetime.datetime:
        """The last wall-clock time a recurring goal may be due: its target's local day at the start's
        local time of day."""
        return datetime.datetime.combine(self.local(self.target).date(), self.local(self.start).time())

    def due_dates(self, limit=MAX_ITEMS + 1) -> list[datetime.datetime]:
        """The due dates as naive UTC instants, oldest first, at most `limit` of them. A wall-clock time the
        zone skips (02:30 on the day clocks jump to 03:00) is read with the offset before the jump, as
        RFC 5545 says; one it repeats is its first occurrence."""
        rule = self.rule()
        if rule is None:
            return [self.target or self.start]
        return [localtime.naive_utc(moment.replace(tzinfo=self.tz)) for moment in itertools.islice(rule, limit)]


def schedule_of(goal: Goal, tz: zoneinfo.ZoneInfo = UTC) -> Schedule:
    return Schedule(goal.frequency, tuple(goal.days or ()), goal.startdate, goal.targetdate, tz)


def client_zone(resource) -> zoneinfo.ZoneInfo:
    """The zone of the client a resource (goals, a goal) belongs to: its goals' wall clock."""
    return localtime.zone(resource.client.time_zone)


# --- reading a goal's fields -------------------------------------------------------------------------------


def jsonable(value):
    """A stored value as it travels in JSON (dates and times as ISO 8601 text), for merging a PATCH."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return value


def stored_fields(goal: Goal) -> dict:
    return {name: jsonable(getattr(goal, name)) for name in FIELDS}


def _seconds(moment: datetime.datetime) -> datetime.datetime:
    # rrule works in whole seconds; so do due dates.
    return moment.replace(microsecond=0)


def parse(fields: dict, prefix="", tz: zoneinfo.ZoneInfo = UTC) -> tuple[dict, list[dict]]:
    """The values to store from a goal's fields (already valid against schemas/goal.json), and the
    problems of the rules across fields: frequency, target date, order of the dates, number of items.
    `prefix` goes before each problem's name (a batch names its items by index); `tz` is the client's."""
    found = []
    is_onetime = fields["is_onetime"]
    frequency = ONE_TIME if is_onetime else fields.get("frequency")
    if not is_onetime and frequency in (None, ONE_TIME):
        found.append(problem(prefix + "frequency", "A recurring goal needs a frequency: Daily, Weekly or Monthly."))
    start = _seconds(parse_datetime(fields["startdate"]) if fields.get("startdate") else now())
    target = parse_datetime(fields["targetdate"]) if fields.get("targetdate") else None
    reminderdate = datetime.date.fromisoformat(fields["reminderdate"]) if fields.get("reminderdate") else None
    for name, value in (("startdate", start), ("targetdate", target), ("reminderdate", reminderdate)):
        if value is not None and not localtime.reckonable(value):
            found.append(problem(prefix + name, OUT_OF_RANGE))
    if found:
        return None, found
    if target is None and not is_onetime:
        found.append(problem(prefix + "targetdate", "A recurring goal needs a target date."))
    elif target is not None and start.date() > target.date():
        found.append(problem(prefix + "startdate", "startdate comes after targetdate."))
    values = {
        "title": fields["title"],
        "description": fields.get("description"),
        "status": fields.get("status"),
        "is_onetime": is_onetime,
        "frequency": frequency,
        "days": list(fields.get("days") or ()),
        "criticality": fields.get("criticality"),
        "startdate": start,
        "targetdate": target,
        "reminder": bool(fields.get("reminder")),
        "remindertime": wall_time(fields.get("remindertime")),
        "reminderdate": reminderdate,
        "is_therapist_approved": bool(fields.get("is_therapist_approved")),
    }
    if values["reminder"] and values["remindertime"] is None:
        found.append(problem(prefix + "remindertime", "A reminder needs a time."))
    if not found:
        due = Schedule(frequency, tuple(values["days"]), start, target, tz).due_dates()
        if len(due) > MAX_ITEMS:
            found.append(problem(prefix + "targetdate", f"This schedule has more than {MAX_ITEMS} due dates; "
                                                         "choose an earlier target date."))
        elif not due:
            found.append(problem(prefix + "days", "None of these days falls between startdate and targetdate."))
    return values, found


def wall_time(value) -> datetime.time | None:
    """A wall-clock time as a body gives it (`08:30:00`), or None."""
    return datetime.time.fromisoformat(value) if value else None


# --- writing ----------------------------------------------------------------------------------------------


def _items(goal: Goal, due_dates, moment) -> list[dict]:
    # A one-time goal's reminder date is its item's; a recurring goal reminds on each due day.
    reminderdate = goal.reminderdate if goal.is_onetime else None
    return [{"id": new_id(), "goal_id": goal.id, "client_id": goal.client_id, "duedate": due,
             "iscompleted": False, "reminderdate": reminderdate, "remindertime": goal.remindertime,
             "created": moment, "modified": moment, "version": 1} for due in due_dates]


def _insert_items(dbsession, rows):
    if rows:
        dbsession.flush()
        dbsession.execute(insert(GoalTracking), rows)


def generate_items(dbsession, goal, moment, tz: zoneinfo.ZoneInfo = UTC):
    """A new goal's tracking items, one per due date of its schedule in the client's zone."""
    _insert_items(dbsession, _items(goal, schedule_of(goal, tz).due_dates(), moment))


def live_items(goal: Goal):
    return (GoalTracking.client_id == goal.client_id, GoalTracking.goal_id == goal.id, GoalTracking.deleted.is_(None))


def update_goal(dbsession, goal: Goal, values: dict, moment, tz: zoneinfo.ZoneInfo = UTC):
    """Store the new values. A schedule change deletes the items due after today and generates the new
    schedule's items due after today (at local wall-clock time); the past and its completion stay."""
    before = schedule_of(goal, tz)
    reminder_before = (goal.remindertime, goal.reminderdate)
    for name, value in values.items():
        setattr(goal, name, value)
    bump(goal, moment)
    after = schedule_of(goal, tz)
    if after != before:
        future = datetime.datetime.combine(today() + datetime.timedelta(days=1), datetime.time())
        dbsession.flush()
        dbsession.execute(update(GoalTracking).where(*live_items(goal), GoalTracking.duedate >= future)
                          .values(deleted=moment, modified=moment, version=GoalTracking.version + 1))
        _insert_items(dbsession, _items(goal, [d for d in after.due_dates() if d >= future], moment))
        settle_status(dbsession, goal, moment)
    elif (goal.remindertime, goal.reminderdate) != reminder_before:
        carry_reminder(dbsession, goal, moment)


def carry_reminder(dbsession, goal: Goal, moment):
    """The goal's reminder time (and, for a one-time goal, its date) reaches every live tracking item."""
    values = {"remindertime": goal.remindertime}
    if goal.is_onetime:
        values["reminderdate"] = goal.reminderdate
    dbsession.flush()
    dbsession.execute(update(GoalTracking).where(*live_items(goal))
                      .values(modified=moment, version=GoalTracking.version + 1, **values))


def delete_tracking(dbsession, goal: Goal, moment):
    """A deleted goal's tracking items go with it."""
    dbsession.flush()
    dbsession.execute(update(GoalTracking).where(*live_items(goal))
                      .values(deleted=moment, modified=moment, version=GoalTracking.version + 1))


def settle_status(dbsession, goal: Goal, moment):
    """`Completed` once every live item is complete; back to `null` when one is incomplete again."""
    dbsession.flush()
    incomplete = dbsession.scalar(select(exists().where(*live_items(goal), GoalTracking.iscompleted.is_(False))))
    if incomplete:
        status = None if goal.status == COMPLETED else goal.status
    elif dbsession.scalar(select(exists().where(*live_items(goal)))):
        status = COMPLETED
    else:
        status = goal.status
    if status != goal.status:
        goal.status = status
        bump(goal, moment)


def tick(dbsession, goal: Goal, item: GoalTracking, values: dict, moment):
    """Change a tracking item (iscompleted, its reminder, its status); the goal's status follows. The goal's
    row was locked as traversal read it (Resource.find): two items of one goal ticked at once take turns, so
    neither sees the other still open and leaves a finished goal without `Completed`."""
    for name, value in values.items():
        setattr(item, name, value)
    bump(item, moment)
    if "iscompleted" in values:
        settle_status(dbsession, goal, moment)


# --- reminders ----------------------------------------------------------------------------------------------


def reminder_instant(duedate, reminderdate, remindertime, tz) -> datetime.datetime:
    """When an item reminds, in naive UTC: its reminder date (default: its due day in the zone) at its
    reminder time, a wall-clock time in the zone."""
    day = reminderdate or localtime.local_day(duedate, tz)
    return localtime.naive_utc(datetime.datetime.combine(day, remindertime, tzinfo=tz))


# An item's reminder lies within a day and a zone's offset of its due date (or of its reminder date):
# two days on either side bound every zone, so the database narrows the candidates, Python decides.
REMINDER_SLACK = datetime.timedelta(days=2)
# For the worker, tighter: the reminder falls on the due instant's local day (within 25 hours of it, a
# day of 25 hours included), or on its reminder date's (within a day of that UTC date).
DUE_SLACK = datetime.timedelta(hours=25)


class GoalReminders:
    """The goals' source of reminders for `hyperdiary deliver` (hyperdiary/reminders/worker.py): each live,
    incomplete tracking item of a live goal with `reminder` on, at its reminder instant in the client's zone.
    One statement; the database narrows by date, the zone decides."""

    name = "goal"

    def due(self, connection, since, until, unsettled):
        from ..clients.models import Client
        from ..reminders.worker import Reminder
        no_date = GoalTracking.reminderdate.is_(None)
        day = datetime.timedelta(days=1)
        rows = connection.execute(
            select(GoalTracking.id, GoalTracking.goal_id, GoalTracking.client_id, GoalTracking.duedate,
                   GoalTracking.reminderdate, GoalTracking.remindertime, Goal.title, Client.time_zone)
            .join(Goal, and_(Goal.client_id == GoalTracking.client_id, Goal.id == GoalTracking.goal_id))
            .join(Client, Client.id == GoalTracking.client_id)
            .where(GoalTracking.deleted.is_(None), GoalTracking.iscompleted.is_(False),
                   GoalTracking.remindertime.is_not(None), Goal.deleted.is_(None), Goal.reminder.is_(True),
                   or_(and_(no_date, GoalTracking.duedate >= since - DUE_SLACK,
                            GoalTracking.duedate <= until + DUE_SLACK),
                       and_(~no_date, GoalTracking.reminderdate >= (since - day).date(),
                            GoalTracking.reminderdate <= (until + day).date())),
                   unsettled(GoalTracking.id)))
        zones = {}
        for row in rows:
            tz = zones.get(row.time_zone) or zones.setdefault(row.time_zone, localtime.zone(row.time_zone))
            at = reminder_instant(row.duedate, row.reminderdate, row.remindertime, tz)
            if since <= at <= until:
                yield Reminder(self.name, row.id, row.client_id, at,
                               f"clients/{row.client_id}/goals/{row.goal_id}/tracking/{row.id}/", row.title)


# --- iCalendar ----------------------------------------------------------------------------------------------


def calendar(goals, urls, tz_name: str, product: str) -> bytes:
    """An RFC 5545 calendar in the client's zone: one VTODO per goal, its times local (TZID, with the
    VTIMEZONE that defines it), so that a calendar app expanding it gets every alarm at the instant
    `goals.reminders` gives, in summer and in winter.

    A recurring goal's occurrences are the local days of its due dates, each at the local time of day of
    the first due date (a goal due at 07:00 UTC in January is at 08:00 in Amsterdam all year, as a person
    keeps a habit), with a VALARM at the reminder time of that day. They are an RRULE in local time when
    one describes exactly those days, else an explicit RDATE list (a start near midnight can put the due
    dates of summer and winter on different local days). A one-time goal is DUE at its due instant, with
    an alarm at its reminder instant."""
    tz = localtime.zone(tz_name)
    cal = icalendar.Calendar()
    cal.add("prodid", product)
    cal.add("version", "2.0")
    cal.add("x-wr-timezone", tz_name)
    span = None
    for goal in goals:
        schedule = schedule_of(goal, tz)
        due = schedule.due_dates()
        if not due:
            continue
        todo = icalendar.Todo()
        todo.add("uid", f"{goal.id}@hyperdiary")
        todo.add("url", urls[goal.id])
        todo.add("summary", goal.title)
        if goal.description:
            todo.add("description", goal.description)
        todo.add("dtstamp", _utc(goal.modified))
        todo.add("created", _utc(goal.created))
        todo.add("last-modified", _utc(goal.modified))
        if goal.status == COMPLETED:
            todo.add("status", "COMPLETED")
        reminds = goal.reminder and goal.remindertime is not None
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", goal.title)
        span = (min(span[0], due[0]), max(span[1], due[-1])) if span else (due[0], due[-1])
        if schedule.rule() is None:
            todo.add("due", _utc(due[0]).astimezone(tz))
            if reminds:
                # An absolute trigger: one instant, read alike by every calendar app.
                remind = reminder_instant(due[0], goal.reminderdate, goal.remindertime, tz)
                alarm.add("trigger", _utc(remind), parameters={"VALUE": "DATE-TIME"})
        else:
            days = [localtime.local_day(moment, tz) for moment in due]
            wall = schedule.local(schedule.start).time()  # the rule's wall-clock time
            todo.add("dtstart", datetime.datetime.combine(days[0], wall, tzinfo=tz))
            recurrence = _local_rule(schedule, days, tz)
            if recurrence is not None:
                todo.add("rrule", recurrence)
            else:
                todo.add("rdate", [datetime.datetime.combine(day, wall, tzinfo=tz) for day in days[1:]])
            if reminds:
                # Relative to each occurrence's start, in local clock time: the reminder time of that day.
                alarm.add("trigger", datetime.datetime.combine(days[0], goal.remindertime)
                          - datetime.datetime.combine(days[0], wall), parameters={"RELATED": "START"})
        if reminds:
            todo.add_component(alarm)
        cal.add_component(todo)
    if span is not None:
        # The zone's rules over the years the goals cover (a year either side, for reminder dates).
        cal.add_missing_timezones(first_date=datetime.date(span[0].year - 1, 1, 1),
                                  last_date=datetime.date(span[1].year + 2, 1, 1))
    return cal.to_ical()


def _local_rule(schedule: Schedule, days: list[datetime.date], tz):
    """The schedule's RRULE: its rule runs in local time already (Schedule.rule), so it expands to exactly
    these local days; checked all the same, else None (the caller lists the days)."""
    rule = schedule.rule()
    # UNTIL at the last occurrence (naive local, converted below): the rule ends where its items end.
    until = datetime.datetime.combine(days[-1], schedule.local(schedule.start).time())
    if [moment.date() for moment in itertools.islice(rule, len(days) + 1)] != days:
        return None
    recurrence = icalendar.vRecur.from_ical(str(rule).split("RRULE:", 1)[1])
    # With a local DTSTART, RFC 5545 wants UNTIL in UTC.
    recurrence["UNTIL"] = [localtime.naive_utc(until.replace(tzinfo=tz)).replace(tzinfo=datetime.UTC)]
    return recurrence


PRODUCT = "-//hyperdiary//goals//EN"


def client_calendar(dbsession, client, goals_url: str) -> bytes:
    """The goals calendar of a client (`goals.ics`, and each of its secret feeds): its live goals, in its
    zone; `goals_url` is the URL of its goals, for each VTODO's URL."""
    goals = dbsession.scalars(select(Goal).where(Goal.client_id == client.id, Goal.deleted.is_(None))
                              .order_by(Goal.created, Goal.id)).all()
    return calendar(goals, {goal.id: f"{goals_url}{goal.id}/" for goal in goals}, client.time_zone, PRODUCT)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(tzinfo=datetime.UTC)


# --- the kinds ---------------------------------------------------------------------------------------------


def check_approval(request, context, data: dict, current: Goal | None):
    """Only a professional of the client's caseload (or an admin) changes `is_therapist_approved`;
    sending the current value back is no change."""
    if "is_therapist_approved" not in data:
        return
    stored = current.is_therapist_approved if current is not None else False
    if (data["is_therapist_approved"] is True) != stored and not request.has_permission(
            Permissions.GOALS_APPROVE, context):
        raise Refused("Only a professional of the client's caseload may set is_therapist_approved.")


def goal_problems(request, data: dict, current: Goal | None, index=None, tz=UTC) -> tuple[dict | None, list[dict]]:
    """(values to store, problems) for a goal's body (merged onto `current`); problems are named by field,
    or `<index>.<field>` within a batch."""
    fields = dict(stored_fields(current), **data) if current is not None else data
    prefix = "" if index is None else f"{index}."
    found = [problem(prefix + p["name"] if p["name"] != "body" else str(index if index is not None else "body"),
                     p["message"]) for p in request.bodies["goal"].problems(fields)]
    if found:
        return None, found
    return parse(fields, prefix, tz)


class GoalKind(kinds.Kind):
    """A goal and its schedule; creating one generates its tracking items, a schedule change regenerates
    those due after today, a delete takes them along."""

    name, model, body = "goal", Goal, "goal"
    parent, parent_column, collection = ClientResource, "client_id", "goals"
    collection_class, item_class = Goals, GoalResource
    fields = FIELDS
    links = (kinds.Link("tracking", "tracking"),
             kinds.Link("reminder", view="reminder", permission=Permissions.GOALS_WRITE))
    parent_links = (("goals", "", Permissions.VIEW), ("goals.batch", "batch", Permissions.GOALS_WRITE),
                    ("goals.tracker", "tracker", Permissions.VIEW), ("goals.pending", "pending", Permissions.VIEW),
                    ("goals.reminders", "reminders", Permissions.VIEW), ("goals.ics", "ics", Permissions.VIEW))
    order = "created"
    write_permission, grants = Permissions.GOALS_WRITE, ("owner", "professional")
    field_permissions = {"is_therapist_approved": Permissions.GOALS_APPROVE}  # check_approval's rule, for the pages
    erase = {"title": "", "description": None, "criticality": None}
    example = {"title": "Walk every day", "is_onetime": False, "frequency": "Daily",
               "startdate": "2024-05-01T08:00:00Z", "targetdate": "2024-05-07T08:00:00Z"}
    change = {"title": "Walk every morning"}
    represented = {"frequency": {"enum": ["One Time", "Daily", "Weekly", "Monthly"]},
                   "days": {"type": ["array", "null"], "items": {"type": "string"}}}
    summaries = {"list": "Goals, newest first; or every change since modified_after",
                 "create": "Set a goal: its tracking items are generated", "get": "A goal",
                 "patch": "Change a goal (merged, revalidated); a schedule change regenerates the items due after "
                          "today",
                 "delete": "Delete a goal and its tracking (tombstones stay)"}

    def values(self, request, data, current=None, *, replace=False):
        check_approval(request, request.context, data, current)
        values, found = goal_problems(request, data, current, tz=client_zone(request.context))
        if found:
            raise ValidationFailure("Invalid JSON input", found)
        return values

    def created(self, request, context, row):
        generate_items(request.dbsession, row, request.now, client_zone(context))

    def store(self, request, item, values):
        update_goal(request.dbsession, item.record, values, request.now, client_zone(item))

    def deleting(self, request, record):
        delete_tracking(request.dbsession, record, request.now)

    def fhir(self, request, bodies, context):
        """A Goal per goal (goals/fhir.py)."""
        return fhir.resources(request, bodies, context)


class TrackingKind(kinds.Kind):
    """A tracking item of a goal, generated from its schedule: ticked (`iscompleted`), its reminder moved;
    the goal's status follows."""

    name, model, body = "goal-tracking", GoalTracking, "goaltracking"
    parent, parent_column, collection, collection_type = GoalResource, "goal_id", "tracking", "goal-tracking-items"
    collection_class, item_class = Tracking, TrackingResource
    fields = ("duedate", "iscompleted", "reminderdate", "remindertime", "status")
    parent_link = "goal"
    order, ascending = "duedate", True
    creatable = deletable = False
    write_permission, grants = Permissions.GOALS_TRACK, ("owner",)
    change = {"iscompleted": True}
    # Tracking items count when completed, by their due date (perWeek; entriesSince does not list them).
    counted = (kinds.Counted("duedate", name="goals_completed", where="iscompleted", listed=False),)
    summaries = {"list": "A goal's tracking items, oldest due date first", "get": "A tracking item",
                 "patch": "Tick a tracking item (iscompleted); the goal's status follows"}
    tag, component = "tracking", "TrackingItem"

    def values(self, request, data, current=None, *, replace=False):
        """Only the fields given: a tick changes nothing else."""
        values = dict(request.bodies.check("goaltracking", data))
        if "reminderdate" in values:
            values["reminderdate"] = datetime.date.fromisoformat(values["reminderdate"]) if values["reminderdate"] else None
            # As for a goal's dates: goals.reminders reckons the item's reminder in the client's zone (year 1
            # in Tokyo is before the first instant there is: a 500).
            if values["reminderdate"] is not None and not localtime.reckonable(values["reminderdate"]):
                raise ValidationFailure("Invalid JSON input", [problem("reminderdate", OUT_OF_RANGE)])
        if "remindertime" in values:
            values["remindertime"] = wall_time(values["remindertime"])
        return values

    def store(self, request, item, values):
        tick(request.dbsession, item.goal, item.record, values, request.now)


def includeme(config):
    config.add_chart("goals", charts.data, name="goals", title="Goals completed per week", place=3)
    config.add_body_columns("goal", Goal)
    config.add_body_columns("goaltracking", GoalTracking)
    config.add_record_kind(GoalKind)
    config.add_record_kind(TrackingKind)
    config.scan(".views")
    config.add_reminder_source(GoalReminders())
