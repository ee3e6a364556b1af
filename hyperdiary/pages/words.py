"""The words a person reads (API.md §15): a link's name, a fixed field's programming name and a kind's IRI are
the API's, never the page's. Entry fields and types take their titles from the schemas (render.py); the fixed
ones and the links take theirs from the tables here, and anything the tables do not know yet is turned into
words (`diary.entries` → "Entries", `is_active` → "Is active") rather than shown raw."""
import re


# Links by name: what a person follows them for.
LINKS = {
    "me": "My profile", "context": "About this server", "tagtypes": "Tag types", "users": "Users",
    "clients": "Clients", "caseload": "My clients", "subjects": "Research subjects", "subjectlogs": "Research logs",
    "schemas": "Entry types", "schemas.preview": "Try an entry type", "openapi": "API description",
    "audit": "Audit log", "client": "Client", "user": "Account", "diary": "Diary",
    "diary.entries": "Entries", "diary.entries.items": "Entries", "diary.entries.schemas": "Entry types",
    "diary.configuration": "Diary settings", "configuration": "Settings", "charts": "Charts",
    "export": "Download my data", "reports": "Reports", "professionals": "Professionals", "members": "Members",
    "goals": "Goals", "journals": "Journal", "moods": "Moods", "tags": "Tags", "goals.ics.feeds": "Calendar feeds",
    "logs": "Logs", "log": "Log", "entries": "Entries", "subject": "Subject", "type": "Type", "types": "Types",
    "jsonschema": "JSON Schema", "questionnaires": "Questionnaires", "questionnaires.due": "Questionnaires to fill in",
    "messages": "Messages", "feedback": "Feedback", "relatives": "Relatives", "notifications": "Notifications",
    "assignments": "Assignments", "up": "Up", "self": "This page", "entries.items": "Entries",
    "entries.schemas": "Entry types", "goals.tracker": "Goal tracker", "goals.pending": "Goals to do",
    "goals.reminders": "Goal reminders", "goals.ics": "Goals in a calendar", "journals.stats": "Journal statistics",
    "moods.stats": "Mood statistics", "attention": "Needs attention", "auth": "Sign-in", "clients.items": "Clients",
}

# Fixed fields by name (entry fields have their schema's titles).
FIELDS = {
    "dt": "When", "username": "Username", "email": "E-mail", "first_name": "First name", "last_name": "Last name",
    "role": "Role", "is_active": "Active", "time_zone": "Time zone", "title": "Title", "description": "Description",
    "text": "Text", "notes": "Notes", "due": "Due", "done": "Done", "is_therapist_approved": "Approved by the therapist",
    "creation_time": "Created", "modification_time": "Changed", "tagtype": "Tag type", "value": "Value",
    "url": "Address", "name": "Name", "user": "Account", "client": "Client",
    "is_onetime": "Once only", "frequency": "How often", "startdate": "Starts", "targetdate": "Target date",
    "reminder": "Remind me", "remindertime": "Reminder time", "reminderdate": "Reminder date", "days": "Days",
    "criticality": "Importance", "journal_timestamp": "When", "session": "Session", "logdate": "When",
    "mood": "Mood", "current_password": "Current password", "password": "Password", "tags": "Tags",
    "completed": "Done", "duedate": "Due", "date_time": "When", "details": "Details", "subject": "Subject",
    "type": "Type", "entries": "Entries", "is_done": "Done", "schemas": "Entry types",
    "latest_scores": "Latest scores", "attention": "Needs attention", "unread": "Unread messages", "last_activity": "Last activity", "every_days": "Every (days)",
    "first_due": "First due", "next_due": "Next due", "last_answered": "Last answered", "acknowledged": "Acknowledged",
    "acknowledged_by": "Acknowledged by", "acknowledged_at": "Acknowledged at", "score": "Score", "@url": "Open",
    "entry": "Answer", "fromdate": "From", "todate": "To", "bands": "Score bands", "feedback_count": "Replies",
}

# The words of a link a field's address makes, where its field's words do not say what it opens.
LINK_TEXTS = {"entry": "See the answer"}

# The words of each row's link of a listing (by the last part of its @type), where "open" does not say what
# it opens: a flagged answer's row opens the flag, to acknowledge it.
ROW_LINKS = {"attention": "Review the flag"}

# Kinds by the last part of their @type, where it is not a word already.
KINDS = {"root": "Start", "tagtypes": "Tag types", "subjectlogs": "Research logs", "caseload": "My clients"}


# A description written for programs: it names a key (`@url`, `every_days`, `$id`), quotes code, or points at
# a file or section of the API's documentation ("(schemas/goal.json)", "API.md §13").
FOR_PROGRAMMERS = re.compile(r"[@$`{}]|\bschemas/|\.json\b|API\.md|\b[a-z]+_[a-z_]+\b|\bnull\b|\bPATCH\b|\bPOST\b")
CAMEL = re.compile(r"(?<=[a-z])([A-Z])(?=[a-z])")  # expirationTime → expiration time


def for_people(description) -> str | None:
    """An API schema's description, where a person can read it; None where it was written for programs (the
    OpenAPI document keeps it). Entry types' own descriptions are written for people and not passed here."""
    if not isinstance(description, str) or FOR_PROGRAMMERS.search(description):
        return None
    return description


def _words(name: str) -> str:
    words = CAMEL.sub(lambda m: " " + m.group(1).lower(), name).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else words


def link_label(name: str) -> str:
    """A link's words: the table's, else the words of its last part (`goals.ics` → "Ics" is still a word)."""
    return LINKS.get(name) or _words(name.rsplit(".", 1)[-1])


def field_label(name: str) -> str:
    return FIELDS.get(name) or _words(name.rsplit(".", 1)[-1])


def row_link(kind) -> str:
    return ROW_LINKS.get(str(kind).rstrip("/").rsplit("/", 1)[-1], "open")


def kind_label(kind: str) -> str:
    last = str(kind).rstrip("/").rsplit("/", 1)[-1]
    last = last.split(":", 1)[0]  # an entry type's id ends `emotion:1`
    return KINDS.get(last) or _words(last) or "hyperdiary"


# Fixed fields a page does not show: a record's id is in its address, which the page links.
HIDDEN_FIELDS = frozenset({"id"})

# Links for programs, not people: a page does not show them (the API's JSON still has them).
FOR_PROGRAMS = frozenset({"push.key", "context", "auth.session"})

