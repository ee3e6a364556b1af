"""The caseload's columns (views/clients.add_caseload_column): per client, `attention` (its unacknowledged
flagged answers) and `latest_scores` (the latest score of each scored type), one statement for a whole page."""
from sqlalchemy import and_, bindparam, cast, func, literal, null, select, union_all

from .models import Attention, Score

_latest = select(Score.client_id, Score.schema_id, Score.dt, Score.value, Score.band, func.row_number().over(
    partition_by=(Score.client_id, Score.schema_id), order_by=(Score.dt.desc(), Score.entry_id.desc())).label("rank")
).where(Score.client_id.in_(bindparam("client_ids", expanding=True))).subquery()

# Both in one statement: the counts (kind "a"), then each client's latest score per type (kind "s").
COLUMNS = union_all(
    select(literal("a").label("kind"), Attention.client_id, cast(null(), Score.schema_id.type).label("schema_id"),
           cast(null(), Score.dt.type).label("dt"), func.count().label("value"),
           cast(null(), Score.band.type).label("band"))
    .where(Attention.client_id.in_(bindparam("client_ids", expanding=True)), Attention.deleted.is_(None),
           Attention.acknowledged_at.is_(None))
    .group_by(Attention.client_id),
    select(literal("s").label("kind"), _latest.c.client_id, _latest.c.schema_id, _latest.c.dt, _latest.c.value,
           _latest.c.band).where(and_(_latest.c.rank == 1)),
)


def columns(request, client_ids: list[str]) -> dict[str, dict]:
    rows = request.dbsession.execute(COLUMNS, {"client_ids": client_ids}).all()
    found = {client_id: {"attention": 0, "latest_scores": []} for client_id in client_ids}
    scored = [row for row in rows if row.kind == "s"]
    schemas = {s.id: s for s in request.entry_schemas.get_many(
        request.dbsession, list(dict.fromkeys(row.schema_id for row in scored)))}
    for row in rows:
        if row.kind == "a":
            found[row.client_id]["attention"] = row.value
    for row in sorted(scored, key=lambda row: row.dt, reverse=True):
        schema = schemas.get(row.schema_id)
        found[row.client_id]["latest_scores"].append({
            "schema": row.schema_id, "title": schema.descriptor["title"] if schema else row.schema_id,
            "value": row.value, "band": row.band, "time": row.dt})
    return found
