"""The traversal tree. Every node knows its name and parent (so resource_url and ACL inheritance
work), finds its children in `__getitem__` (KeyError means 404), and carries its `__acl__`."""
import functools
import re

from sqlalchemy import bindparam, select

from ..models import writes
from ..models.meta import SoftDeleted

NOT_READ = object()  # what Lineage.record answers for a record it did not read


class Resource:
    """A location-aware node. `reveal_forbidden`: whether a caller who may not use it learns that it
    exists (403) or not (404). Top-level collections everybody knows of reveal; records do not."""

    reveal_forbidden = False
    __acl__ = ()
    # What hyperdiary/lineage.py reads with a record of this class besides the record: the records it refers to
    # that decide who may do what, as (column, their resource class, their model); and whether a request that
    # may write reads the record there at all (not when the views change it in place, as an ORM object).
    related: tuple = ()
    lineage_on_writes = True
    # Whether the resource is a client's (the clients domain's ClientResource): whose data everything below it
    # is, for the audit trail, the pages' time zone, the export.
    holds_client = False

    def __init__(self, parent, name):
        self.__parent__ = parent
        self.__name__ = name
        self.request = parent.request

    def __getitem__(self, name):
        raise KeyError(name)

    @classmethod
    def child_step(cls, registry, name):
        """What `__getitem__(name)` of a resource of this class gives, as far as the class can tell without
        data: (the child's class, the model of the record `name` is the id of, or None), or None when it
        cannot tell. hyperdiary/lineage.py plans a request's lookups by it. By default: the collections of
        the record kinds declared below this class."""
        collection_class = registry.kinds.children.get((cls, name))
        return None if collection_class is None else (collection_class, None)

    @classmethod
    def caller_facts(cls, record_id, caller_id) -> dict:
        """What the lineage should read about the caller and a record of this class with the record, as
        {name: SQL expression} over the record's id and the caller's (an ACL fact: whether a professional
        follows a client). Read it back with `request.lineage.fact(model, id, name)`."""
        return {}

    @property
    def dbsession(self):
        return self.request.dbsession

    def find(self, model, record_id: str):
        """The `model` record with this id, or None. A request that only reads gets a plain row (its
        attributes named as the model's, nothing tracked: a third of the cost of loading an ORM
        object); a request that may write gets the ORM object, so that the view can change it.

        A write locks a record that can be deleted as it reads it (PostgreSQL: SELECT ... FOR UPDATE;
        SQLite's writers are serialized already), every such record along the path, parents first: a
        writer that waits for another reads what that one committed. So a record deleted meanwhile is a
        404 (its parent's `deleted` is seen), rather than a second 204, a tag added to a deleted journal,
        or fields written back into a tombstone whose content the delete erased. Records that are never
        deleted (a client) are not locked: every write below a client would otherwise wait for the
        others, and their own changes are guarded by If-Match.

        What the request's lineage read already (hyperdiary/lineage.py: the records its path names, with
        the caller, in one statement) is not asked for again: a plain row, also for a request that writes
        (the lineage reads no record that can be deleted for those)."""
        if not is_id(record_id):
            return None
        found = self.request.lineage.record(model, record_id)
        if found is not NOT_READ:
            return found
        client_id = self.client_id if "client_id" in model.__table__.c else None
        if not writes(self.request):
            if client_id is not None:
                return self.dbsession.connection().execute(_by_id_of_client(model), {
                    "id": record_id, "client_id": client_id}).first()
            return self.dbsession.connection().execute(_by_id(model), {"id": record_id}).first()
        if "client_id" in model.__table__.c:  # (keyed by (client_id, id): found by a statement, not by its key)
            return self.dbsession.execute(_locked_by_id_of_client(model, client_id is not None), {
                "id": record_id, "client_id": client_id}).scalar()
        return self.dbsession.get(model, record_id, with_for_update=issubclass(model, SoftDeleted))

    @property
    def client_id(self) -> str | None:
        """The id of the client whose data this resource is, None above any client: a statement on a client's data
        names the client (hyperdiary/distribution.py), so a record of another client is simply not found."""
        resource = self
        while resource is not None:
            if resource.holds_client:
                return resource.client.id
            resource = getattr(resource, "__parent__", None)
        return None

    def record_of(self, model, record_id: str):
        """A record this one refers to (a log's subject), read without a lock whatever the request: it
        decides who may do what, it is not written. The lineage may have read it (`related`)."""
        found = self.request.lineage.record(model, record_id)
        if found is not NOT_READ:
            return found
        return self.dbsession.connection().execute(_by_id(model), {"id": record_id}).first()

    def link_row(self, model, key: tuple, name: str):
        """A row of a table that links two records (a caseload assignment, a subject membership) by its
        key, named in the path by `name`, or None. A write locks it: of two DELETEs racing, the second
        waits and then finds it gone (404) instead of answering a second 204."""
        if not is_id(name):
            return None
        return self.dbsession.get(model, key, with_for_update=writes(self.request))


@functools.cache
def _by_id(model):
    """Built once per model: composing a statement costs more than running it."""
    table = model.__table__
    return select(table).where(table.c.id == bindparam("id"))


@functools.cache
def _by_id_of_client(model):
    table = model.__table__
    return select(table).where(table.c.id == bindparam("id"), table.c.client_id == bindparam("client_id"))


@functools.cache
def _locked_by_id_of_client(model, named: bool):
    """The ORM object, of the client when it is `named`, locked when it can be deleted (see Resource.find)."""
    stmt = select(model).where(model.id == bindparam("id"))
    if named:
        stmt = stmt.where(model.client_id == bindparam("client_id"))
    return stmt.with_for_update() if issubclass(model, SoftDeleted) else stmt


def child_collection(resource, name):
    """The collection of a kind declared below `resource`'s class under `name`: what every resource's
    `__getitem__` asks after its own fixed children. KeyError when there is none."""
    collection_class = resource.request.registry.kinds.children.get((type(resource), name))
    if collection_class is None:
        raise KeyError(name)
    return collection_class(resource, name)


_ID = re.compile(r"^[0-9a-f]{32}$")


def is_id(name: str) -> bool:
    """Could `name` be a record id? View names (`items`, `schemas` ...) and junk are not: no query for them."""
    return _ID.match(name) is not None
