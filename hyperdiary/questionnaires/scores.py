"""What follows a scored entry's write (diary.EntryChanged): its score row, its attention item, and the due
dates of the assignments it answers. In the request's transaction, so the entry and these agree."""
from sqlalchemy import select

from ..clients.models import Client
from ..models.meta import new_id
from ..resources import NOT_READ
from ..records import bump, soft_delete
from . import assignments
from .models import Attention, Score


def entry_changed(event):
    request, entry = event.request, event.entry
    dbsession = request.dbsession
    client = request.context.client
    # Whether the client has any live assignment was read with it (the lineage): most have none, and the
    # statement that finds those of the entry's schema would be every entry write's fourth.
    assigned = request.lineage.fact(Client, client.id, "assigned")
    if assigned is NOT_READ or assigned:
        assignments.answered(dbsession, client, entry)
    schema = request.entry_schemas.get(dbsession, entry.schema_id)
    if schema is None or schema.scoring is None:
        return
    score = None if entry.deleted is not None else schema.scoring.score(entry.fields)
    _keep_score(dbsession, entry, score)
    _keep_attention(request, entry, score["flags"] if score else [])


def _keep_score(dbsession, entry, score):
    row = dbsession.get(Score, (entry.id, entry.client_id))  # (its key: entry_id, client_id)
    if score is None:
        if row is not None:
            dbsession.delete(row)
        return
    values = {"client_id": entry.client_id, "schema_id": entry.schema_id, "dt": entry.dt, "value": score["value"],
              "band": score["band"]}
    if row is None:
        dbsession.add(Score(entry_id=entry.id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


def _keep_attention(request, entry, flags):
    """A raised flag makes (or revives) the entry's attention item; different flags ask for a new
    acknowledgement; no flag any more leaves a tombstone."""
    dbsession = request.dbsession
    row = dbsession.scalar(select(Attention).where(Attention.entry_id == entry.id,
                                                          Attention.client_id == entry.client_id))
    if not flags:
        if row is not None and row.deleted is None:
            soft_delete(row, request.now)
        return
    if row is None:
        dbsession.add(Attention(id=new_id(), client_id=entry.client_id, entry_id=entry.id, flags=flags,
                                time=entry.dt, created=request.now, modified=request.now, version=1))
        return
    if row.deleted is not None or row.flags != flags:
        row.deleted, row.flags, row.acknowledged_by, row.acknowledged_at = None, flags, None, None
        row.time = entry.dt
        bump(row, request.now)
    elif row.time != entry.dt:
        row.time = entry.dt
        bump(row, request.now)
