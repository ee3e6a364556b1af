"""Mood logs: writes, and the statistics per local day and mood, counted by the database."""
import datetime

from sqlalchemy import func, select, true

from . import localtime
from .inputs import parse_datetime
from .models import Mood
from .models.meta import new_id, utcnow
from .records import bump, soft_delete

FIELDS = ("logdate", "mood", "reasons")


def stored_fields(mood: Mood) -> dict:
    return {"logdate": mood.logdate.isoformat(), "mood": mood.mood, "reasons": list(mood.reasons)}


def values(fields: dict, moment: datetime.datetime) -> dict:
    """What to store from a mood log's fields (valid against schemas/mood.json); `null` means not set,
    and a log without a logdate is of `moment` (when it was written)."""
    logdate = fields.get("logdate")
    return {"logdate": parse_datetime(logdate) if logdate else moment, "mood": fields["mood"],
            "reasons": list(fields.get("reasons") or ())}


def create_mood(dbsession, client_id: str, fields: dict) -> Mood:
    moment = utcnow()
    mood = Mood(id=new_id(), client_id=client_id, created=moment, modified=moment, version=1, **values(fields, moment))
    dbsession.add(mood)
    return mood


def update_mood(mood: Mood, fields: dict):
    moment = utcnow()
    for name, value in values(fields, moment).items():
        setattr(mood, name, value)
    bump(mood, moment)


def delete_mood(mood: Mood):
    """Soft delete: the content is erased (health data nobody should read again), a tombstone stays."""
    soft_delete(mood, mood=None, reasons=[])


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
