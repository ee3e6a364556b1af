"""Erasing a user (API.md §9): every row of that user and of its client goes, found by walking the
foreign keys of the models' metadata, so that a table added later that refers to a user or a client
(directly, or through a record that does) is erased with no change here.

The walk starts at the user's row and deletes, children first, every row that refers to a row being
deleted. A foreign key declared `ondelete="SET NULL"` says the referring row belongs to someone else
(an uploaded schema, a subject another researcher shares): it stays, and forgets the erased user. A
table whose `info` names `owned_through` (a subject, through its `subject_members`) belongs to the users
of those rows together: it goes with its last one. The deletes are real (no tombstones); the database's
own ON DELETE CASCADE is the same rule once more, for a row a concurrent writer added meanwhile.

The audit keeps an `erase` event without content; the erased client's other events lose every id and
URL that would point at the erased person (hyperdiary/audit.py: events hold ids, not foreign keys).

That the text leaves the database files too is the database's part: SQLite overwrites what is deleted
(`PRAGMA secure_delete`, models.includeme) and the WAL is checkpointed and truncated after the commit;
on PostgreSQL the operator runs VACUUM (README, "Your data")."""
import logging

from sqlalchemy import and_, case, delete, exists, or_, select, tuple_, update

from .models.audit import AuditEvent
from .models.meta import Base

log = logging.getLogger(__name__)


def metadatas(registry) -> list:
    """The models' metadata, and that of any declared record kind whose model lives elsewhere (a kind a
    deployment or a test declares in a package of its own)."""
    found = [Base.metadata]
    for kind in getattr(registry, "kinds", {}).values():
        if kind.model.metadata not in found:
            found.append(kind.model.metadata)
    return found


def referrers(table, tables):
    """(referring table, foreign key constraint) for every foreign key of `tables` that points at `table`."""
    return [(other, fk) for other in tables for fk in other.foreign_key_constraints if fk.referred_table is table]


def erase_rows(connection, table, condition, tables, depth=0):
    """Delete the rows of `table` that `condition` selects, after every row that refers to them."""
    if depth > 20:  # a cycle of foreign keys: no model has one, and a walk must end
        raise RuntimeError(f"The foreign keys that lead to {table.name} form a cycle.")
    for child, fk in referrers(table, tables):
        # A key of one column, or of several: a client's record names its parent with the client (client_id, id).
        keys = select(*(element.column for element in fk.elements)).where(condition)
        parents = [element.parent for element in fk.elements]
        refers = parents[0].in_(keys) if len(parents) == 1 else tuple_(*parents).in_(keys)
        if fk.ondelete and fk.ondelete.upper() == "SET NULL":
            connection.execute(update(child).where(refers).values({column.name: None for column in parents}))
        else:
            erase_rows(connection, child, refers, tables, depth + 1)
    connection.execute(delete(table).where(condition))


def shared_rows(user_table, tables):
    """(table, link table, the link's key to the table, the link's key to users) for each table owned by
    the users of its link table's rows (`info["owned_through"]`)."""
    found = []
    for table in tables:
        owned_through = table.info.get("owned_through")
        if owned_through is None:
            continue
        link = table.metadata.tables[owned_through]
        to_table = next(fk for fk in link.foreign_keys if fk.column.table is table)
        to_user = next(fk for fk in link.foreign_keys if fk.column.table is user_table)
        found.append((table, link, to_table, to_user))
    return found


def erase(dbsession, people, person_id: str, all_metadata=(Base.metadata,)):
    """Erase the row of the table `people` (the accounts' users) with this id and everything of theirs, in the
    session's transaction, walking the tables of `all_metadata` (`metadatas(registry)`). The accounts domain
    calls it (hyperdiary/accounts/erasure.py), with anonymize_audit."""
    tables = [table for metadata in all_metadata for table in metadata.sorted_tables]
    dbsession.flush()
    # The statements below bypass the ORM: objects it holds of the erased rows must not be written back.
    dbsession.expunge_all()
    connection = dbsession.connection()
    # What the person shares with others: kept unless they were its last owner.
    shared = []
    for table, link, to_table, to_user in shared_rows(people, tables):
        ids = connection.execute(select(to_table.parent).where(to_user.parent == person_id)).scalars().all()
        shared.append((table, link, to_table, ids))
    erase_rows(connection, people, people.c.id == person_id, tables)
    for table, link, to_table, ids in shared:
        if ids:
            key = to_table.column
            orphan = ~exists(select(1).select_from(link).where(to_table.parent == key))
            erase_rows(connection, table, and_(key.in_(ids), orphan), tables)


def anonymize_audit(connection, user_id: str, client_id: str | None, followed=()):
    """The erased person's events keep what happened, not who or what: no URL (it names records), no
    client, and no actor where the actor is the erased user, except in the events of other clients,
    whose right to know who read their data outlives the reader's account. `followed`: the clients whose
    caseload held the person (their trail has the caseload's changes, whose URLs name the professional).

    Each statement finds its events by an index (models.audit), never by reading the whole trail, which grows
    fastest of all tables: the client's trail by `client_id`, the person's own actions by `actor_id`, the events
    of no client by the partial index over them (a few among the reads of clients' data), the followed clients'
    trails by `client_id` (tests/functional/test_audit_at_scale.py shows the plans)."""
    events = AuditEvent.__table__
    ids = [user_id] + ([client_id] if client_id else [])
    mentions = or_(*[events.c.resource.contains(i, autoescape=True) for i in ids])
    actor = case((events.c.actor_id == user_id, None), else_=events.c.actor_id)
    if client_id:
        connection.execute(update(events).where(events.c.client_id == client_id)
                           .values(resource=None, client_id=None, actor_id=actor))
    connection.execute(update(events).where(events.c.client_id.is_(None), or_(events.c.actor_id == user_id, mentions))
                       .values(resource=case((mentions, None), else_=events.c.resource), actor_id=actor))
    connection.execute(update(events).where(events.c.actor_id == user_id, mentions).values(resource=None))
    if followed:
        connection.execute(update(events).where(events.c.client_id.in_(followed), mentions).values(resource=None))


def checkpoint(engine):
    """After an erasure committed on SQLite: copy the WAL into the database file and truncate it, so that
    the erased pages (overwritten there by secure_delete) are the only copy left. A reader that still
    holds an old snapshot keeps its WAL frames until it ends; the checkpoint then does what it can, and
    the next erasure's checkpoint does the rest."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as connection:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if busy:
                log.warning("The WAL checkpoint after an erasure was blocked by a reader; the next one finishes it.")
    except Exception:  # the erasure committed; a failed checkpoint must not turn it into an error
        log.exception("WAL checkpoint after an erasure failed")
