"""What a client's goals offer besides their CRUD and their tracking items' (which come from their kinds,
hyperdiary/goals/__init__.py): a batch, the reminder link, the tracker by local day, the pending goals, the reminders
due, and the iCalendar feed."""
import datetime

import colander
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import and_, func, or_, select

from ..shapes import (BOOLEAN, DATE, DATE_TIME, NULLABLE_TEXT, STRING, TIME, URI, described, nullable, obj,
                      representation)
from ..documented import File, Named, Page, documented
from .. import goals as goals_model
from .. import hypermedia as hm
from .. import records
from .. import localtime
from ..errors import ValidationFailure, problem
from ..inputs import (REPRESENTATION_KEYS, DateRange, DateTime, Paging, json_body, json_object, parse_datetime,
                      query, span, writable)
from .models import Goal, GoalTracking
from ..paging import cursor, keyset_page
from . import GoalKind, TrackingKind
from .resources import GoalResource, Goals
from ..security import Permissions

# Goals one batch may hold, and the tracking items it may generate in all: 100 goals of 3,660 items each
# took 33 s of a worker; ten goals' worth still holds twenty daily goals for a year.
MAX_BATCH = 100
MAX_BATCH_ITEMS = 10 * goals_model.MAX_ITEMS
# The longest range one goals.tracker answer covers.
TRACKER_DAYS = 400


# --- goals ------------------------------------------------------------------------------------------------


# The schemas of what these views answer or read (hyperdiary/documented.py).
# A tracking item's own fields, as a reminder shows them.
TRACKING_FIELDS = {"duedate": DATE_TIME, "iscompleted": BOOLEAN, "reminderdate": nullable(DATE),
                   "remindertime": nullable(TIME), "status": NULLABLE_TEXT}
GOAL_REMINDER_SCHEMA = Named('GoalReminder', representation(
        "A tracking item whose reminder is due.",
        **TRACKING_FIELDS, goal=described(URI, "the goal's @url"), title=STRING,
        remind_at=described(DATE_TIME, "when it reminds (UTC)")))
GOAL_TRACKER_SCHEMA = Named('GoalTracker', representation(
        "Tracking items grouped by the local day of their due date.", changes=False,
        time_zone=described(STRING, "the IANA zone of the days"),
        goaltracker={"type": "array", "items": obj(("date", "goals"), date=DATE, goals={"type": "array", "items": obj(
            ("goal", "title", "tracking", "duedate", "iscompleted", "remindertime"), goal=URI, title=STRING,
            tracking=described(URI, "the item's @url"), duedate=DATE_TIME, iscompleted={"type": "boolean"},
            remindertime=nullable(TIME))})}))
GOAL_URLS_SCHEMA = Named('GoalURLs',
    {"type": "array", "items": URI, "description": "The goals' @urls, in the order of the batch."})
CALENDAR_SCHEMA = Named('Calendar', described(STRING, "An iCalendar (RFC 5545) document: one VTODO per goal"))


def answer_goal(request, item) -> dict:
    hm.set_etag(request, item.goal)
    return GoalKind.of(request).representation(request, item)


def goal_by_reference(request, goals: Goals, reference) -> GoalResource | None:
    """A live goal of this client named by its @url (or its bare id)."""
    if not isinstance(reference, str):
        return None
    base = hm.url(request, goals)
    goal_id = reference[len(base):].strip("/") if reference.startswith(base) else reference
    try:
        return goals[goal_id]
    except KeyError:
        return None


@documented('batchGoals', '/clients/{client_id}/goals/batch',
            'Create or update (items with an @url) a list of goals, all or nothing', link='goals.batch',
            body='GoalBatch', result=GOAL_URLS_SCHEMA, errors=(403, 404))
@view_config(context=Goals, name="batch", request_method="POST", renderer="json", permission=Permissions.GOALS_WRITE)
def batch(context, request):
    """Create or update each goal of a list, all or nothing; the @urls in order."""
    items = json_body(request)
    if not isinstance(items, list):
        raise ValidationFailure("Invalid JSON input", [problem("body", "Expected a JSON array of goals.")])
    if len(items) > MAX_BATCH:
        raise ValidationFailure("Invalid JSON input", [problem("body", f"At most {MAX_BATCH} goals in one batch.")])
    found, plan, tz = [], [], goals_model.client_zone(context)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            found.append(problem(str(index), "Expected a JSON object."))
            continue
        data = writable(item, ignored=REPRESENTATION_KEYS - {"@url"})  # a batch item's @url names the goal it changes
        item_resource = None
        if "@url" in data:
            item_resource = goal_by_reference(request, context, data.pop("@url"))
            if item_resource is None:
                found.append(problem(f"{index}.@url", "No goal of this client has this @url."))
                continue
        current = item_resource.goal if item_resource is not None else None
        goals_model.check_approval(request, context, data, current)
        values, item_problems = goals_model.goal_problems(request, data, current, index, tz)
        found += item_problems
        plan.append((item_resource, values))
    if found:
        raise ValidationFailure("Invalid JSON input", found)
    generated = sum(len(goals_model.Schedule(v["frequency"], tuple(v["days"]), v["startdate"], v["targetdate"], tz)
                        .due_dates()) for _, v in plan)
    if generated > MAX_BATCH_ITEMS:
        raise ValidationFailure("Invalid JSON input", [problem("body", (
            f"These goals have {generated:,} due dates; one batch may generate at most {MAX_BATCH_ITEMS:,} "
            "tracking items: send it in parts."))])
    kind, urls, goals_url = GoalKind.of(request), [], hm.url(request, context)
    for item_resource, values in plan:
        if item_resource is None:
            goal, _ = kind.insert(request, context, values)
        else:
            goal = item_resource.goal
            kind.store(request, item_resource, values)
        urls.append(f"{goals_url}{goal.id}/")
    return urls


@documented('setGoalReminder', '/clients/{client_id}/goals/{goal_id}/reminder',
            'Turn the reminder on or off and set its time, on the goal and every tracking item', link='reminder',
            body=File("goalreminder", "GoalReminderChange"), result='Goal', errors=(403, 404), etag=True, if_match=True)
@view_config(context=GoalResource, name="reminder", request_method="PATCH", renderer="json",
             permission=Permissions.GOALS_WRITE)
def patch_reminder(context, request):
    """`{reminder, remindertime}`: the time reaches every live tracking item of the goal."""
    data = request.bodies.check("goalreminder", writable(json_object(request)))
    goal = context.goal
    hm.check_if_match(request, goal)
    remindertime = goals_model.wall_time(data["remindertime"]) if "remindertime" in data else goal.remindertime
    if data["reminder"] and remindertime is None:
        raise ValidationFailure("Invalid JSON input", [problem("remindertime", "A reminder needs a time.")])
    goal.reminder, goal.remindertime = data["reminder"], remindertime
    records.bump(goal, request.now)
    goals_model.carry_reminder(request.dbsession, goal, request.now)
    return answer_goal(request, context)


# --- the tracker, pending goals, reminders, the calendar ---------------------------------------------------


@documented('getGoalTracker', '/clients/{client_id}/goals/tracker',
            'Tracking items by local day (default: this week; at most 400 days)', link='goals.tracker',
            result=GOAL_TRACKER_SCHEMA, errors=(404,), query=DateRange)
@view_config(context=Goals, name="tracker", request_method="GET", renderer="json", permission=Permissions.VIEW)
def tracker(context, request):
    """Tracking items grouped by their due date's local day in the zone (default: the client's): from
    `fromdate` (default: today there) through `todate` (default: six days later, a week in all), at most
    TRACKER_DAYS days, so that one answer stays a few MiB (a year of 20 daily goals is 2 MiB)."""
    params = query(request, DateRange())
    zone_name = params["time_zone"] or context.client.time_zone
    tz = localtime.zone(zone_name)
    if params["fromdate"] is None:
        params["fromdate"] = localtime.local_day(goals_model.now(), tz)
    if params["todate"] is None:
        first = params["fromdate"]
        first = localtime.local_day(first, tz) if isinstance(first, datetime.datetime) else first
        if first >= datetime.date.max - datetime.timedelta(days=6):
            raise ValidationFailure("Invalid query parameters", [problem("fromdate", "Out of range.")])
        params["todate"] = first + datetime.timedelta(days=6)
    bounds = span(params, context.client.time_zone)
    if bounds.end - bounds.start > datetime.timedelta(days=TRACKER_DAYS):
        raise ValidationFailure("Invalid query parameters", [problem(
            "todate", f"A tracker covers at most {TRACKER_DAYS} days; ask for the rest in another request.")])
    # Through the connection (Core): thousands of plain rows, which the ORM's result handling would slow.
    conn = request.dbsession.connection()
    # The client's live goals and their titles first, so that the items need not repeat them (a year of a daily
    # goal names it 366 times: a tenth of the time to fetch the items). A deleted goal's items are deleted with
    # it; one deleted after this query still shows, one created after it not yet, as if read a moment earlier.
    titles = dict(conn.execute(select(Goal.id, Goal.title).where(
        Goal.client_id == context.client.id, Goal.deleted.is_(None))).all())
    # By due instant, so that each day lists its items in the order they fall due; fetched at once (iterating
    # the result fetches them one by one, a third slower).
    rows = conn.execute(select(GoalTracking.id, GoalTracking.goal_id, GoalTracking.duedate, GoalTracking.iscompleted,
                               GoalTracking.remindertime)
                        .where(GoalTracking.client_id == context.client.id, GoalTracking.deleted.is_(None),
                               *bounds.covering(GoalTracking.duedate))
                        .order_by(GoalTracking.duedate, GoalTracking.id)).all()
    days, next_day, goals_of = [], None, {}
    for item_id, goal_id, duedate, done, remindertime in rows:
        goal = goals_of.get(goal_id)
        if goal is None:  # the goal's URL, title and tracking collection's URL, from the tree, once per goal
            if goal_id not in titles:
                continue
            tracking = GoalResource(context, goal_id, None)[TrackingKind.collection]
            goal = goals_of[goal_id] = (hm.url(request, tracking.__parent__), titles[goal_id],
                                        hm.url(request, tracking))
        # Rows come by due date: the zone is asked once per local day, not once per row.
        if next_day is None or duedate >= next_day:
            day = localtime.local_day(duedate, tz)
            next_day = localtime.day_start(day + datetime.timedelta(days=1), tz)
            items = []
            days.append({"date": day.isoformat(), "goals": items})
        goal_url, title, tracking_url = goal
        items.append({"goal": goal_url, "title": title, "tracking": f"{tracking_url}{item_id}/", "duedate": duedate,
                      "iscompleted": done, "remindertime": remindertime})
    return {"@url": request.url, "@type": hm.type_iri(request, "goal-tracker"), "@links": [],
            "time_zone": zone_name, "goaltracker": days}


@documented('listPendingGoals', '/clients/{client_id}/goals/pending',
            'Approved goals not yet started, with their first due date as startdate', link='goals.pending',
            result=Page('Goal'), errors=(404,), query=Paging)
@view_config(context=Goals, name="pending", request_method="GET", renderer="json", permission=Permissions.VIEW)
def pending(context, request):
    """Approved goals not yet started (status null), each with `startdate` set to its earliest due date;
    by start date."""
    params = query(request, Paging())
    first_due = (select(func.min(GoalTracking.duedate))
                 .where(GoalTracking.client_id == Goal.client_id, GoalTracking.goal_id == Goal.id,
                        GoalTracking.deleted.is_(None)).scalar_subquery())
    stmt = select(Goal, first_due.label("first_due")).where(
        Goal.client_id == context.client.id, Goal.deleted.is_(None), Goal.is_therapist_approved.is_(True),
        Goal.status.is_(None))
    rows, more = keyset_page(request.dbsession, stmt, Goal.startdate, Goal.id, params["limit"], params["after"],
                             parse=parse_datetime)
    items = GoalKind.of(request).representations(request, context, [goal for goal, _ in rows])
    for body, (goal, first) in zip(items, rows):
        body["startdate"] = first or goal.startdate
    next_query = dict(request.GET, limit=params["limit"], after=cursor(rows[-1][0].startdate, rows[-1][0].id)) \
        if more else None
    return hm.collection(request, context, "pending-goals", items, next_query=next_query, view_name="pending")


REASONABLE = colander.Range(localtime.EARLIEST, localtime.LATEST, goals_model.OUT_OF_RANGE, goals_model.OUT_OF_RANGE)


class ReminderQuery(Paging):
    until = colander.SchemaNode(DateTime(), missing=None, validator=REASONABLE,
                                description="reminders before this instant (default: now)")
    since = colander.SchemaNode(DateTime(), missing=None, validator=REASONABLE,
                                description="reminders at or after this instant")


@documented('listGoalReminders', '/clients/{client_id}/goals/reminders',
            'Incomplete tracking items whose reminder is due before `until`', link='goals.reminders',
            result=Page(GOAL_REMINDER_SCHEMA), errors=(404,), query=ReminderQuery)
@view_config(context=Goals, name="reminders", request_method="GET", renderer="json", permission=Permissions.VIEW)
def reminders(context, request):
    """Tracking items not completed, of goals with a reminder, whose reminder instant falls before `until`
    (default: now) and, when given, at or after `since`; by due date. The database narrows the
    candidates by date, the zone decides: a page may hold fewer than `limit` items."""
    params = query(request, ReminderQuery())
    until = params["until"] or goals_model.now()
    since = params["since"]
    tz = localtime.zone(context.client.time_zone)
    slack = goals_model.REMINDER_SLACK
    no_date = GoalTracking.reminderdate.is_(None)
    stmt = (select(GoalTracking, Goal.title).join(Goal, and_(Goal.client_id == GoalTracking.client_id,
                                                             Goal.id == GoalTracking.goal_id)).where(
        GoalTracking.client_id == context.client.id, GoalTracking.deleted.is_(None),
        GoalTracking.iscompleted.is_(False), GoalTracking.remindertime.is_not(None),
        Goal.deleted.is_(None), Goal.reminder.is_(True),
        or_(and_(no_date, GoalTracking.duedate < until + slack),
            and_(~no_date, GoalTracking.reminderdate <= (until + slack).date()))))
    if since is not None:
        stmt = stmt.where(or_(and_(no_date, GoalTracking.duedate >= since - slack),
                              and_(~no_date, GoalTracking.reminderdate >= (since - slack).date())))
    rows, more = keyset_page(request.dbsession, stmt, GoalTracking.duedate, GoalTracking.id, params["limit"],
                             params["after"], parse=parse_datetime)
    kind, items = TrackingKind.of(request), []
    for item, title in rows:
        at = goals_model.reminder_instant(item.duedate, item.reminderdate, item.remindertime, tz)
        if at < until and (since is None or at >= since):
            # The item's collection below its goal: only its place in the tree (its URL) is used.
            tracking = GoalResource(context, item.goal_id, None)["tracking"]
            body = kind.representations(request, tracking, [item])[0]
            items.append(dict(body, goal=hm.url(request, tracking.__parent__), title=title, remind_at=at))
    next_query = None
    if more:
        next_query = dict(request.GET, limit=params["limit"], until=until.isoformat(),
                          after=cursor(rows[-1][0].duedate, rows[-1][0].id))
    return hm.collection(request, context, "goal-reminders", items, next_query=next_query, view_name="reminders")


@documented('getGoalsCalendar', '/clients/{client_id}/goals/ics', 'The goals as an iCalendar feed', link='goals.ics',
            result=CALENDAR_SCHEMA, errors=(404,), media='text/calendar')
@view_config(context=Goals, name="ics", request_method="GET", permission=Permissions.VIEW)
def ics(context, request):
    """The client's goals as an iCalendar feed: one VTODO per goal."""
    document = goals_model.client_calendar(request.dbsession, context.client, hm.url(request, context))
    return Response(body=document, content_type="text/calendar", charset="UTF-8")
