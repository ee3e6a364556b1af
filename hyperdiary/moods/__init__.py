"""Mood logs: writes, and the statistics per local day and mood, counted by the database."""
from sqlalchemy import func, select, true

from .. import kinds, localtime
from ..errors import ValidationFailure, problem
from ..goals import OUT_OF_RANGE
from ..inputs import parse_datetime
from . import charts, fhir
from .models import Mood
from ..clients.resources import ClientResource
from .resources import MoodResource, Moods
from ..security import Permissions

class MoodKind(kinds.Kind):
    """A mood log: `{logdate, mood, reasons}`; `mood` is one of schemas/mood.json's list."""

    name, model, body = "mood", Mood, "mood"
    parent, parent_column, collection = ClientResource, "client_id", "moods"
    collection_class, item_class = Moods, MoodResource
    fields = ("logdate", "mood", "reasons")
    parent_links = (("moods", "", Permissions.VIEW), ("moods.stats", "stats", Permissions.VIEW))
    order = "logdate"
    write_permission, grants = Permissions.MOODS_WRITE, ("owner",)
    erase = {"mood": None, "reasons": []}
    example = {"logdate": "2024-05-01T08:30:00Z", "mood": "calm", "reasons": ["slept well"]}
    change = {"mood": "happy"}
    counted = (kinds.Counted("logdate"),)
    represented = {"mood": {"type": "string"}, "reasons": {"type": ["array", "null"], "items": {"type": "string"}}}
    summaries = {"list": "Mood logs, newest first; or every change since modified_after", "create": "Log a mood",
                 "get": "A mood log", "patch": "Change a mood log (merged, revalidated)",
                 "delete": "Delete a mood log (a tombstone stays for sync)"}

    def values(self, request, data, current=None, *, replace=False):
        """A PATCH's null logdate keeps the stored one; a log without a logdate is of the moment it is
        written; a logdate must be one whose local day every zone can reckon (statistics need it)."""
        if current is not None and data.get("logdate", "") is None:
            del data["logdate"]
        fields = super().values(request, data, current, replace=replace)
        logdate = fields.get("logdate")
        if logdate and not localtime.reckonable(parse_datetime(logdate)):
            raise ValidationFailure("Invalid JSON input", [problem("logdate", OUT_OF_RANGE)])
        return {"logdate": parse_datetime(logdate) if logdate else request.now, "mood": fields["mood"],
                "reasons": list(fields.get("reasons") or ())}

    def fhir(self, request, bodies, context):
        """An Observation per mood log (moods/fhir.py)."""
        return fhir.resources(request, bodies, context)


def _reasons(column, dialect: str):
    """The strings of a JSON array column as a table (one row per reason, column `value`): SQLite's
    json_each, PostgreSQL's json_array_elements_text. Joined to each row, so the database groups them."""
    if dialect == "postgresql":
        return func.json_array_elements_text(column).table_valued("value").alias("reason")
    return func.json_each(column).table_valued("value").alias("reason")


def stats(dbsession, client_id: str, bounds: localtime.Span) -> list[dict]:
    """One row per local day and mood: how many logs, and the distinct reasons given (sorted). Two
    grouped queries (counts; day, mood and reason), each GROUP BY the local day in the database."""
    where = [Mood.client_id == client_id, Mood.deleted.is_(None), *bounds.covering(Mood.logdate)]
    day = bounds.local_date_of(dbsession, Mood.logdate, where)
    if day is None:
        return []
    day = day.label("day")
    counts = dbsession.execute(select(day, Mood.mood, func.count().label("count")).where(*where)
                               .group_by(day, Mood.mood).order_by(day, Mood.mood)).all()
    reason = _reasons(Mood.reasons, dbsession.get_bind().dialect.name)
    reasons = dbsession.execute(select(day, Mood.mood, reason.c.value).select_from(Mood).join(reason, true())
                                .where(*where).group_by(day, Mood.mood, reason.c.value)
                                .order_by(day, Mood.mood, reason.c.value)).all()
    given = {}
    for row in reasons:
        given.setdefault((row.day, row.mood), []).append(row.value)
    return [{"logdate": row.day, "mood": row.mood, "count": row.count, "reasons": given.get((row.day, row.mood), [])}
            for row in counts]


def includeme(config):
    config.add_chart("moods", charts.data, name="moods", title="Moods per day", place=1)
    config.add_record_kind(MoodKind)
    config.scan(".views")
