"""The traversal tree. Every node knows its name and parent (so resource_url and ACL inheritance
work), finds its children in `__getitem__` (KeyError means 404), and carries its `__acl__`."""
import re


class Resource:
    """A location-aware node. `reveal_forbidden`: whether a caller who may not use it learns that it
    exists (403) or not (404). Top-level collections everybody knows of reveal; records do not."""

    reveal_forbidden = False
    __acl__ = ()

    def __init__(self, parent, name):
        self.__parent__ = parent
        self.__name__ = name
        self.request = parent.request

    def __getitem__(self, name):
        raise KeyError(name)

    @property
    def dbsession(self):
        return self.request.dbsession


_ID = re.compile(r"^[0-9a-f]{32}$")


def is_id(name: str) -> bool:
    """Could `name` be a record id? View names (`items`, `schemas` ...) and junk are not: no query for them."""
    return _ID.match(name) is not None


class Records(Resource):
    """A collection of soft-deleted records below a client (or below one of its records): a child is a
    live record of `model` that `owns` accepts, wrapped in `child`; anything else is a KeyError (404)."""

    model = None
    child = None

    @property
    def client(self):
        return self.__parent__.client

    def owns(self, record) -> bool:
        return record.client_id == self.client.id

    def __getitem__(self, name):
        record = self.dbsession.get(self.model, name) if is_id(name) else None
        if record is None or record.deleted is not None or not self.owns(record):
            raise KeyError(name)
        return self.child(self, name, record)
