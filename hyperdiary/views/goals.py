"""A client's goals: create (one, or a batch), list, change, delete; their tracking items and reminder;
the tracker by local day, the pending goals, the reminders due, and the iCalendar feed."""
import datetime

import colander
from pyramid.httpexceptions import HTTPNoContent
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import and_, func, or_, select

from .. import goals as goals_model
from .. import hypermedia as hm
from .. import records
from .. import localtime
from ..errors import Refused, ValidationFailure, problem
from ..inputs import (REPRESENTATION_KEYS, DateRange, DateTime, Listing, Paging, json_body, json_object, parse_datetime,
                      query, span, writable)
from ..models import Goal, GoalTracking
from ..paging import cursor, keyset_page, records_page
from ..resources.goals import GoalResource, Goals, Tracking, TrackingResource
from ..security import Permissions

# Goals one batch may hold, and the tracking items it may generate in all: 100 goals of 3,660 items each
# took 33 s of a worker; ten goals' worth still holds twenty daily goals for a year.
MAX_BATCH = 100
MAX_BATCH_ITEMS = 10 * goals_model.MAX_ITEMS
# The longest range one goals.tracker answer covers.
TRACKER_DAYS = 400


# --- representations ----------------------------------------------------------------------------------------


def goal_body(request, goals_url: str, goal: Goal, may_write: bool) -> dict:
    url = f"{goals_url}{goal.id}/"
    links = [{"name": "tracking", "url": url + "tracking/"}]
    if may_write:
        links.append({"name": "reminder", "url": url + "reminder"})
    body = {"@url": url, "@type": hm.type_iri(request, "goal"), "@links": links, "@changes": hm.changes(goal)}
    for name in goals_model.FIELDS:
        body[name] = getattr(goal, name)
    return body


def tracking_body(request, goal_url: str, item) -> dict:
    return {
        "@url": f"{goal_url}tracking/{item.id}/", "@type": hm.type_iri(request, "goal-tracking"),
        "@links": [{"name": "goal", "url": goal_url}], "@changes": hm.changes(item),
        "duedate": item.duedate, "iscompleted": item.iscompleted, "reminderdate": item.reminderdate,
        "remindertime": item.remindertime, "status": item.status,
    }


def answer_goal(request, context, goal: Goal, status=200) -> dict:
    goals = context if isinstance(context, Goals) else context.__parent__
    body = goal_body(request, hm.url(request, goals), goal, request.has_permission(Permissions.GOALS_WRITE, goals))
    if status == 201:
        hm.written(request, body["@url"], goal)
    else:
        hm.set_etag(request, goal)
    return body


# --- checking a goal ----------------------------------------------------------------------------------------


def check_approval(request, context, data: dict, current: Goal | None):
    """Only a professional of the client's caseload (or an admin) changes `is_therapist_approved`;
    sending the current value back is no change."""
    if "is_therapist_approved" not in data:
        return
    stored = current.is_therapist_approved if current is not None else False
    if (data["is_therapist_approved"] is True) != stored and not request.has_permission(
            Permissions.GOALS_APPROVE, context):
        raise Refused("Only a professional of the client's caseload may set is_therapist_approved.")


def goal_problems(request, data: dict, current: Goal | None, index=None) -> tuple[dict | None, list[dict]]:
    """(values to store, problems) for a goal's body (merged onto `current`); problems are named by field,
    or `<index>.<field>` within a batch."""
    fields = dict(goals_model.stored_fields(current), **data) if current is not None else data
    prefix = "" if index is None else f"{index}."
    found = [problem(prefix + p["name"] if p["name"] != "body" else str(index if index is not None else "body"),
                     p["message"]) for p in request.bodies["goal"].problems(fields)]
    if found:
        return None, found
    return goals_model.parse(fields, prefix)


def checked_goal(request, context, data: dict, current: Goal | None = None) -> dict:
    check_approval(request, context, data, current)
    values, found = goal_problems(request, data, current)
    if found:
        raise ValidationFailure("Invalid JSON input", found)
    return values


# --- goals ------------------------------------------------------------------------------------------------


@view_config(context=Goals, request_method="POST", renderer="json", permission=Permissions.GOALS_WRITE)
def create_goal(context, request):
    values = checked_goal(request, context, writable(json_object(request)))
    goal = goals_model.create_goal(request.dbsession, context.client.id, values)
    return answer_goal(request, context, goal, status=201)


@view_config(context=Goals, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_goals(context, request):
    """Newest first; with `modified_after`, every change since then (tombstones included)."""
    params = query(request, Listing())
    rows, next_query = records_page(request, select(Goal).where(Goal.client_id == context.client.id), Goal,
                                    Goal.created, params)
    goals_url = hm.url(request, context)
    may_write = request.has_permission(Permissions.GOALS_WRITE, context)
    items = hm.records(request, rows, goals_url, hm.type_iri(request, "goal"),
                       lambda goal: goal_body(request, goals_url, goal, may_write))
    return hm.collection(request, context, "goals", items, next_query=next_query)


def goal_by_reference(request, goals: Goals, reference) -> Goal | None:
    """A live goal of this client named by its @url (or its bare id)."""
    if not isinstance(reference, str):
        return None
    base = hm.url(request, goals)
    goal_id = reference[len(base):].strip("/") if reference.startswith(base) else reference
    try:
        return goals[goal_id].goal
    except KeyError:
        return None


@view_config(context=Goals, name="batch", request_method="POST", renderer="json", permission=Permissions.GOALS_WRITE)
def batch(context, request):
    """Create or update each goal of a list, all or nothing; the @urls in order."""
    items = json_body(request)
    if not isinstance(items, list):
        raise ValidationFailure("Invalid JSON input", [problem("body", "Expected a JSON array of goals.")])
    if len(items) > MAX_BATCH:
        raise ValidationFailure("Invalid JSON input", [problem("body", f"At most {MAX_BATCH} goals in one batch.")])
    found, plan = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            found.append(problem(str(index), "Expected a JSON object."))
            continue
        data = writable(item, REPRESENTATION_KEYS - {"@url"})  # a batch item's @url names the goal it changes
        current = None
        if "@url" in data:
            current = goal_by_reference(request, context, data.pop("@url"))
            if current is None:
                found.append(problem(f"{index}.@url", "No goal of this client has this @url."))
                continue
        check_approval(request, context, data, current)
        values, item_problems = goal_problems(request, data, current, index)
        found += item_problems
        plan.append((current, values))
    if found:
        raise ValidationFailure("Invalid JSON input", found)
    generated = sum(len(goals_model.Schedule(v["frequency"], tuple(v["days"]), v["startdate"], v["targetdate"])
                        .due_dates()) for _, v in plan)
    if generated > MAX_BATCH_ITEMS:
        raise ValidationFailure("Invalid JSON input", [problem("body", (
            f"These goals have {generated:,} due dates; one batch may generate at most {MAX_BATCH_ITEMS:,} "
            "tracking items: send it in parts."))])
    urls, goals_url = [], hm.url(request, context)
    for current, values in plan:
        if current is None:
            goal = goals_model.create_goal(request.dbsession, context.client.id, values)
        else:
            goal = current
            goals_model.update_goal(request.dbsession, goal, values)
        urls.append(f"{goals_url}{goal.id}/")
    return urls


@view_config(context=GoalResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_goal(context, request):
    return answer_goal(request, context, context.goal)


@view_config(context=GoalResource, request_method="PATCH", renderer="json", permission=Permissions.GOALS_WRITE)
def patch_goal(context, request):
    """Merges the fields given (null clears one) and revalidates the whole goal; a schedule change
    regenerates the tracking items due after today."""
    data = writable(json_object(request))
    goal = context.goal
    hm.check_if_match(request, goal)
    values = checked_goal(request, context, data, goal)
    goals_model.update_goal(request.dbsession, goal, values)
    return answer_goal(request, context, goal)


@view_config(context=GoalResource, request_method="DELETE", permission=Permissions.GOALS_WRITE)
def delete_goal(context, request):
    hm.check_if_match(request, context.goal)
    goals_model.delete_goal(request.dbsession, context.goal)
    return HTTPNoContent()


def _time(value):
    return datetime.time.fromisoformat(value) if value else None


@view_config(context=GoalResource, name="reminder", request_method="PATCH", renderer="json",
             permission=Permissions.GOALS_WRITE)
def patch_reminder(context, request):
    """`{reminder, remindertime}`: the time reaches every live tracking item of the goal."""
    data = request.bodies.check("goalreminder", writable(json_object(request)))
    goal = context.goal
    hm.check_if_match(request, goal)
    remindertime = _time(data["remindertime"]) if "remindertime" in data else goal.remindertime
    if data["reminder"] and remindertime is None:
        raise ValidationFailure("Invalid JSON input", [problem("remindertime", "A reminder needs a time.")])
    goal.reminder, goal.remindertime = data["reminder"], remindertime
    records.bump(goal)
    goals_model.carry_reminder(request.dbsession, goal)
    return answer_goal(request, context, goal)


# --- tracking items ---------------------------------------------------------------------------------------


@view_config(context=Tracking, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_tracking(context, request):
    """Oldest due date first; with `modified_after`, every change since then (tombstones included)."""
    params = query(request, Listing())
    stmt = select(GoalTracking).where(GoalTracking.goal_id == context.goal.id)
    rows, next_query = records_page(request, stmt, GoalTracking, GoalTracking.duedate, params, descending=False)
    goal_url = hm.url(request, context.__parent__)
    items = hm.records(request, rows, goal_url + "tracking/", hm.type_iri(request, "goal-tracking"),
                       lambda item: tracking_body(request, goal_url, item))
    return hm.collection(request, context, "goal-tracking-items", items, next_query=next_query)


@view_config(context=TrackingResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_tracking(context, request):
    hm.set_etag(request, context.item)
    return tracking_body(request, hm.url(request, context.__parent__.__parent__), context.item)


@view_config(context=TrackingResource, request_method="PATCH", renderer="json", permission=Permissions.GOALS_TRACK)
def patch_tracking(context, request):
    """`{iscompleted}` ticks an item (also its reminderdate, remindertime, status); the goal's status follows."""
    data = request.bodies.check("goaltracking", writable(json_object(request)))
    item = context.item
    hm.check_if_match(request, item)
    values = dict(data)
    if "reminderdate" in values:
        values["reminderdate"] = datetime.date.fromisoformat(values["reminderdate"]) if values["reminderdate"] else None
        # As for a goal's dates: goals.reminders reckons the item's reminder in the client's zone (year 1
        # in Tokyo is before the first instant there is: a 500).
        if values["reminderdate"] is not None and not localtime.reckonable(values["reminderdate"]):
            raise ValidationFailure("Invalid JSON input", [problem("reminderdate", goals_model.OUT_OF_RANGE)])
    if "remindertime" in values:
        values["remindertime"] = _time(values["remindertime"])
    goals_model.tick(request.dbsession, context.goal, item, values)
    hm.set_etag(request, item)
    return tracking_body(request, hm.url(request, context.__parent__.__parent__), item)


# --- the tracker, pending goals, reminders, the calendar ---------------------------------------------------


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
    stmt = (select(GoalTracking.id, GoalTracking.goal_id, GoalTracking.duedate, GoalTracking.iscompleted,
                   GoalTracking.remindertime, Goal.title)
            .join(Goal, Goal.id == GoalTracking.goal_id)
            .where(GoalTracking.client_id == context.client.id, GoalTracking.deleted.is_(None), Goal.deleted.is_(None)))
    stmt = stmt.where(*bounds.covering(GoalTracking.duedate))
    goals_url = hm.url(request, context)
    days, next_day, goal_urls = [], None, {}
    # Through the connection (Core): thousands of plain rows, which the ORM's result handling would slow;
    # fetched at once (iterating the result fetches them one by one, a third slower). By due instant, so
    # each day lists its items in the order they fall due.
    rows = request.dbsession.connection().execute(stmt.order_by(GoalTracking.duedate, GoalTracking.id)).all()
    for item_id, goal_id, duedate, done, remindertime, title in rows:
        # Rows come by due date: the zone is asked once per local day, not once per row.
        if next_day is None or duedate >= next_day:
            day = localtime.local_day(duedate, tz)
            next_day = localtime.day_start(day + datetime.timedelta(days=1), tz)
            goals = []
            days.append({"date": day.isoformat(), "goals": goals})
        goal_url = goal_urls.get(goal_id)
        if goal_url is None:
            goal_url = goal_urls[goal_id] = f"{goals_url}{goal_id}/"
        goals.append({"goal": goal_url, "title": title, "tracking": f"{goal_url}tracking/{item_id}/",
                      "duedate": duedate, "iscompleted": done, "remindertime": remindertime})
    return {"@url": request.url, "@type": hm.type_iri(request, "goal-tracker"), "@links": [],
            "time_zone": zone_name, "goaltracker": days}


@view_config(context=Goals, name="pending", request_method="GET", renderer="json", permission=Permissions.VIEW)
def pending(context, request):
    """Approved goals not yet started (status null), each with `startdate` set to its earliest due date;
    by start date."""
    params = query(request, Paging())
    first_due = (select(func.min(GoalTracking.duedate))
                 .where(GoalTracking.goal_id == Goal.id, GoalTracking.deleted.is_(None)).scalar_subquery())
    stmt = select(Goal, first_due.label("first_due")).where(
        Goal.client_id == context.client.id, Goal.deleted.is_(None), Goal.is_therapist_approved.is_(True),
        Goal.status.is_(None))
    rows, more = keyset_page(request.dbsession, stmt, Goal.startdate, Goal.id, params["limit"], params["after"],
                             parse=parse_datetime)
    goals_url = hm.url(request, context)
    may_write = request.has_permission(Permissions.GOALS_WRITE, context)
    items = []
    for goal, first in rows:
        body = goal_body(request, goals_url, goal, may_write)
        body["startdate"] = first or goal.startdate
        items.append(body)
    next_query = dict(request.GET, limit=params["limit"], after=cursor(rows[-1][0].startdate, rows[-1][0].id)) \
        if more else None
    return hm.collection(request, context, "pending-goals", items, next_query=next_query, view_name="pending")


REASONABLE = colander.Range(localtime.EARLIEST, localtime.LATEST, goals_model.OUT_OF_RANGE, goals_model.OUT_OF_RANGE)


class ReminderQuery(Paging):
    until = colander.SchemaNode(DateTime(), missing=None, validator=REASONABLE)
    since = colander.SchemaNode(DateTime(), missing=None, validator=REASONABLE)


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
    stmt = (select(GoalTracking, Goal.title).join(Goal, Goal.id == GoalTracking.goal_id).where(
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
    goals_url = hm.url(request, context)
    items = []
    for item, title in rows:
        at = goals_model.reminder_instant(item.duedate, item.reminderdate, item.remindertime, tz)
        if at < until and (since is None or at >= since):
            goal_url = f"{goals_url}{item.goal_id}/"
            items.append(dict(tracking_body(request, goal_url, item), goal=goal_url, title=title, remind_at=at))
    next_query = None
    if more:
        next_query = dict(request.GET, limit=params["limit"], until=until.isoformat(),
                          after=cursor(rows[-1][0].duedate, rows[-1][0].id))
    return hm.collection(request, context, "goal-reminders", items, next_query=next_query, view_name="reminders")


@view_config(context=Goals, name="ics", request_method="GET", permission=Permissions.VIEW)
def ics(context, request):
    """The client's goals as an iCalendar feed: one VTODO per goal."""
    document = goals_model.client_calendar(request.dbsession, context.client, hm.url(request, context))
    return Response(body=document, content_type="text/calendar", charset="UTF-8")
