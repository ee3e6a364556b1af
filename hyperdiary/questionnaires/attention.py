"""`attention`: a client's answers that raised a flag (PHQ-9's question 9 ...), newest first, for the client's
professionals, who acknowledge each (API.md §13). The items are made by the scores (scores.py), never posted."""
from .. import hypermedia as hm
from .. import kinds
from ..errors import Refused
from ..models.meta import utcnow
from ..clients.resources import ClientResource
from .models import Attention

# The client's professionals (and admins) read and acknowledge; the client does not see this list.
REVIEW = "attention:review"


class AttentionKind(kinds.Kind):
    """An answer that needs a professional's attention: `{entry, flags, time, acknowledged_by,
    acknowledged_at}`; a professional PATCHes `{"acknowledged": true}`."""

    name, model, body = "attention", Attention, "attention"
    parent, parent_column, collection = ClientResource, "client_id", "attention"
    fields = ("entry", "flags", "time", "acknowledged", "acknowledged_by", "acknowledged_at")
    parent_links = (("attention", "", REVIEW),)
    order = "time"
    creatable, deletable = False, False
    view_permission = write_permission = REVIEW
    grants = ("professional",)
    represented = {"entry": {"type": "string", "format": "uri", "description": "the entry's @url"},
                   "flags": {"type": "array", "items": {
                       "type": "object", "required": ["field", "label"], "additionalProperties": False,
                       "properties": {"field": {"type": "string"}, "label": {"type": "string"}}}},
                   "time": {"type": "string", "format": "date-time", "description": "the entry's dt"},
                   "acknowledged": {"type": "boolean"},
                   "acknowledged_by": {"type": ["string", "null"], "format": "uri",
                                       "description": "the @url of the professional who acknowledged it"}}
    summaries = {"list": "Flagged answers, newest first (the client's professionals)",
                 "patch": "Acknowledge a flagged answer (a professional of the client's)"}
    # The client may see its own client resource, but not this list of its care team's: 403.
    statuses = {"list": (403,), "get": (403,), "patch": (403,)}
    example = None
    change = {"acknowledged": True}

    def values(self, request, data, current=None, *, replace=False):
        request.bodies.check(self.body, data)
        if request.user.role != "professional":
            # Admins read everything, but an acknowledgement says a member of the care team has seen it.
            raise Refused("Only a professional of the client's care team acknowledges a flagged answer.")
        if current.acknowledged_at is not None:
            return {}  # acknowledged already: the first acknowledgement stands
        return {"acknowledged_by": request.user.id, "acknowledged_at": request.now or utcnow()}

    def store(self, request, item, values):
        if values:
            super().store(request, item, values)

    def represent_many(self, request, base_url, rows):
        client_url = base_url[:base_url.rstrip("/").rindex("/") + 1]
        users = request.root["users"]
        found = []
        for row in rows:
            found.append({
                "entry": f"{client_url}diary/entries/{row.entry_id}/", "flags": row.flags, "time": row.time,
                "acknowledged": row.acknowledged_at is not None,
                "acknowledged_by": hm.url(request, users) + f"{row.acknowledged_by}/" if row.acknowledged_by else None,
                "acknowledged_at": row.acknowledged_at})
        return found


def includeme(config):
    config.add_record_kind(AttentionKind)
