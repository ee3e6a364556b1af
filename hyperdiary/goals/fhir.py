"""Goals in the FHIR export (hyperdiary/fhir.py): each a Goal, with its target date, lifecycleStatus (proposed
until a professional approves it, active, completed) and achievementStatus (in-progress or achieved)."""
import datetime

from ..fhir import entry, meta, record_id, text, without_none

ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def goal(body: dict, subject: dict) -> dict:
    completed = body.get("status") == "Completed"
    lifecycle = "completed" if completed else ("active" if body.get("is_therapist_approved") else "proposed")
    return without_none({
        "resourceType": "Goal", "id": record_id(body), "meta": meta(body), "lifecycleStatus": lifecycle,
        "achievementStatus": {"coding": [{"system": ACHIEVEMENT, "code": "achieved" if completed else "in-progress"}]},
        "description": {"text": text(body["title"]) or "Goal"}, "subject": subject,
        "startDate": _day(body.get("startdate")),
        "target": [{"dueDate": _day(body["targetdate"])}] if body.get("targetdate") else None,
        "note": [{"text": text(body["description"])}] if text(body.get("description")) else None,
    })


def resources(request, bodies, context):
    """A Goal per goal. (kinds.Kind.fhir)"""
    return (entry(goal(body, context.subject)) for body in bodies)
