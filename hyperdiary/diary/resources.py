"""A client's diary and its entries."""
from ..clients.models import Client
from ..kinds import Collection, Item
from ..resources import Resource, child_collection
from .models import Entry


class Diary(Resource):
    """Views: the diary itself and, by name, its `configuration`; the `entries` below."""

    @property
    def client(self) -> Client:
        return self.__parent__.client

    @property
    def record(self) -> Client:
        """The diary is the client's: its entries belong to the client record."""
        return self.client

    def __getitem__(self, name):
        return child_collection(self, name)


class EntryResource(Item):
    @property
    def entry(self) -> Entry:
        return self.record


class Entries(Collection):
    """POST creates an entry; views `items` (the listing) and `schemas` (types in use) by name."""
