"""Assignments: a professional asks a client to fill in a questionnaire every N days (API.md §13).

`next_due` is a date in the client's zone, not an instant: a weekly PHQ-9 stays due on Mondays whatever the
clocks do, and `questionnaires.due` compares it with today in that zone. An answer (an entry of the schema)
made on or after the due date moves `next_due` to the first date of the schedule (`first_due` plus a whole
number of periods) after the answer's local date; an earlier answer leaves the due date where it is.
"""
import datetime
import functools

from pyramid.httpexceptions import HTTPConflict
from sqlalchemy import String, bindparam, cast, exists, func, select, true

from .. import hypermedia as hm
from ..documented import Page, documented
from .. import kinds, localtime
from ..errors import ValidationFailure, problem
from ..inputs import Paging, query
from ..clients.models import Client
from ..paging import kept, records_page
from ..records import bump
from ..clients.resources import ClientResource
from ..security import Permissions
from .models import Assignment

# Professionals create, change and delete a client's assignments (kinds.Kind.grants).
WRITE = "questionnaires:write"
DEFAULT_REMINDER = datetime.time(9, 0)


def next_after(first_due: datetime.date, every_days: int, day: datetime.date) -> datetime.date:
    """The first date of the schedule (first_due + k × every_days, k ≥ 0) after `day`."""
    if day < first_due:
        return first_due
    return first_due + datetime.timedelta(days=((day - first_due).days // every_days + 1) * every_days)


def due_instant(next_due: datetime.date, remindertime: datetime.time, tz) -> datetime.datetime:
    """When a due questionnaire reminds, in naive UTC: its due date at its reminder time, a wall-clock time
    in the client's zone (09:00 in Amsterdam is 07:00Z in summer, 08:00Z in winter)."""
    return localtime.naive_utc(datetime.datetime.combine(next_due, remindertime, tzinfo=tz))


def today_in(client) -> datetime.date:
    return datetime.datetime.now(localtime.zone(client.time_zone)).date()


def answered(dbsession, client, entry) -> None:
    """An entry of an assigned schema was written: each live assignment of that schema notes the answer,
    and moves on when the answer falls on or after its due date (idempotent: a repeated answer of the
    same day moves nothing further)."""
    if entry.deleted is not None:
        return
    day = localtime.local_day(entry.dt, localtime.zone(client.time_zone))
    for assignment in dbsession.scalars(select(Assignment).where(
            Assignment.client_id == client.id, Assignment.schema_id == entry.schema_id,
            Assignment.deleted.is_(None))):
        changed = False
        if day >= assignment.next_due:
            assignment.next_due = next_after(assignment.first_due, assignment.every_days, day)
            changed = True
        if assignment.last_answered is None or entry.dt > assignment.last_answered:
            assignment.last_answered = entry.dt
            changed = True
        if changed:
            bump(assignment)


def _time_text(value: datetime.time) -> str:
    return value.strftime("%H:%M")


class Questionnaires(kinds.Collection):
    """A client's assignments; the view `due` lists those due today or overdue."""


class QuestionnaireResource(kinds.Item):
    """One assignment. (Declared here with its collection: a class made per app would leave the shared
    collection class leading to another app's item class.)"""


class AssignmentKind(kinds.Kind):
    """A questionnaire assigned to a client: `{schema, every_days, first_due, remindertime}`; it shows
    `next_due` (the client's local date) and `last_answered`. The client's professionals create, change
    and delete them; the client and they read them. Creating one adds its schema to the diary's
    configuration."""

    name, model, body = "questionnaire", Assignment, "questionnaire"
    parent, parent_column, collection = ClientResource, "client_id", "questionnaires"
    collection_type, collection_class, item_class = "questionnaires", Questionnaires, QuestionnaireResource
    fields = ("schema", "title", "every_days", "first_due", "next_due", "remindertime", "last_answered")
    parent_links = (("questionnaires", "", Permissions.VIEW), ("questionnaires.due", "due", Permissions.VIEW))
    collection_links = (("due", "due", Permissions.VIEW),)
    order, ascending = "created", True
    write_permission, grants = WRITE, ("professional",)
    erase = {}
    represented = {"schema": {"type": "string", "description": "the entry schema's $id"},
                   "title": {"type": "string", "description": "the schema's title"},
                   "remindertime": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$",
                                    "description": "local wall-clock time of its reminder, HH:MM"},
                   "next_due": {"type": "string", "format": "date", "description": "the client's local date it is "
                                "due next"}}
    summaries = {"create": "Assign a questionnaire to the client (its professionals); it joins the diary",
                 "patch": "Change how often it is due, or its reminder time (its professionals)",
                 "delete": "End an assignment (its professionals)"}
    statuses = {"create": (409,)}
    example = {"schema": "https://ns.hyperdiary.org/diary/schema/entry/phq-9:1", "every_days": 14,
               "first_due": "2024-05-06", "remindertime": "09:00"}
    change = {"every_days": 7}

    def values(self, request, data, current=None, *, replace=False):
        if current is not None:
            data = dict({"schema": current.schema_id, "every_days": current.every_days,
                         "first_due": current.first_due.isoformat(),
                         "remindertime": _time_text(current.remindertime)}, **data)
        fields = request.bodies.check(self.body, data)
        found = []
        try:
            first_due = datetime.date.fromisoformat(fields["first_due"])
        except ValueError:
            first_due = None
            found.append(problem("first_due", "A date: YYYY-MM-DD."))
        if first_due is not None and not localtime.reckonable(first_due):
            found.append(problem("first_due", "Out of range."))
        schema = request.entry_schemas.get(request.dbsession, fields["schema"])
        if current is None and schema is None:
            found.append(problem("schema", "No entry schema has this $id."))
        if current is not None:
            if fields["schema"] != current.schema_id:
                found.append(problem("schema", "The questionnaire of an assignment cannot change; assign anew."))
            if first_due is not None and first_due != current.first_due:
                found.append(problem("first_due", "The first due date cannot change; assign anew."))
        if found:
            raise ValidationFailure("Invalid JSON input", found)
        remindertime = fields.get("remindertime")
        values = {"schema_id": fields["schema"], "every_days": fields["every_days"], "first_due": first_due,
                  "remindertime": datetime.time.fromisoformat(remindertime) if remindertime else DEFAULT_REMINDER}
        if current is None:
            client_id = request.context.client.id
            taken = request.dbsession.scalar(select(Assignment.id).where(
                Assignment.client_id == client_id, Assignment.schema_id == values["schema_id"],
                Assignment.deleted.is_(None)).limit(1))
            if taken is not None:
                raise HTTPConflict("This questionnaire is assigned to the client already; change or delete that "
                                   "assignment.")
            values.update(next_due=first_due, creator_id=request.user.id)
        return values

    def created(self, request, context, row):
        """The schema joins the diary's configuration, so that the client can answer it."""
        client = context.__parent__.editable_client()
        if row.schema_id not in client.diary_schemas:
            client.diary_schemas = [*client.diary_schemas, row.schema_id]
            bump(client, request.now)

    def represent_many(self, request, base_url, rows):
        schemas = {s.id: s for s in request.entry_schemas.get_many(
            request.dbsession, list(dict.fromkeys(row.schema_id for row in rows)))}
        found = []
        for row in rows:
            schema = schemas.get(row.schema_id)
            found.append({"schema": row.schema_id, "title": schema.descriptor["title"] if schema else row.schema_id,
                          "every_days": row.every_days, "first_due": row.first_due.isoformat(),
                          "next_due": row.next_due.isoformat(), "remindertime": _time_text(row.remindertime),
                          "last_answered": row.last_answered})
        return found

    @functools.cached_property
    def due_select(self):
        """The live assignments of a client due on or before a local date (bound: `today`)."""
        return kept(self.listing_select.where(Assignment.next_due <= bindparam("today", type_=Assignment.next_due.type)))


@documented("listQuestionnairesDue", "/clients/{client_id}/questionnaires/due",
            "The client's questionnaires due today or overdue, in the client's zone", link="questionnaires.due",
            result=Page("Questionnaire"), errors=(404,), query=Paging, tag="questionnaires")
def list_due(context, request):
    """The client's questionnaires due today or overdue, in the client's zone, oldest assignment first."""
    kind = context.kind
    params = dict(query(request, Paging()), modified_after=None)  # not a sync listing: `questionnaires` is
    client = context.client
    rows, next_query = records_page(request, kind.due_select, kind.model, kind.order_column, params,
                                    descending=False, values={"parent_id": client.id, "today": today_in(client)})
    items = kind.representations(request, context, rows)
    return hm.collection(request, context, "questionnaires-due", items, next_query=next_query, view_name="due")


def reminder_key(assignment_id: str, next_due: datetime.date) -> str:
    """A reminder's subject id: one per assignment and due date, in 32 characters (the ledger's width): the
    assignment's id's first 24, then the due date as YYYYMMDD. `reminder_key_sql` is the same in SQL."""
    return assignment_id[:24] + next_due.strftime("%Y%m%d")


def reminder_key_sql():
    return func.substr(Assignment.id, 1, 24).concat(func.replace(cast(Assignment.next_due, String), "-", ""))


class QuestionnaireReminders:
    """The questionnaires' source of reminders for `hyperdiary deliver` (hyperdiary/reminders/worker.py): each
    live assignment on its due date at its reminder time, a wall-clock time in the client's zone. The database
    narrows by date (every zone's offset is under a day), Python decides with the zone's rules."""

    name = "questionnaire"

    def due(self, connection, since, until, unsettled):
        from ..reminders.worker import Reminder
        day = datetime.timedelta(days=2)
        rows = connection.execute(
            select(Assignment.id, Assignment.client_id, Assignment.schema_id, Assignment.next_due,
                   Assignment.remindertime, Client.time_zone)
            .join(Client, Client.id == Assignment.client_id)
            .where(Assignment.deleted.is_(None), Assignment.next_due >= (since - day).date(),
                   Assignment.next_due <= (until + day).date(), unsettled(reminder_key_sql())))
        for row in rows:
            at = due_instant(row.next_due, row.remindertime, localtime.zone(row.time_zone))
            if since <= at <= until:
                title = row.schema_id.rstrip("/").rsplit("/", 1)[-1].split(":")[0].upper()
                yield Reminder(self.name, reminder_key(row.id, row.next_due), row.client_id, at,
                               f"clients/{row.client_id}/questionnaires/{row.id}/", f"Questionnaire: {title}")


def due_reminders(dbsession, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """The reminders of [start, end) as dicts (a view of the source for tests and tools)."""
    found = QuestionnaireReminders().due(dbsession.connection(), start, end - datetime.timedelta(microseconds=1),
                                         lambda column: true())
    return [{"source": r.source, "subject_id": r.subject_id, "client_id": r.client_id, "time": r.at,
             "path": r.about} for r in found]


def includeme(config):
    config.add_record_kind(AssignmentKind)
    config.add_client_fact("assigned", lambda client_id: exists().where(Assignment.client_id == client_id,
                                                                        Assignment.deleted.is_(None)))
    config.add_reminder_source(QuestionnaireReminders())
    config.add_view(list_due, context=Questionnaires, name="due", request_method="GET", renderer="json",
                    permission=Permissions.VIEW)
