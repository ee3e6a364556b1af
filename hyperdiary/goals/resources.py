"""A client's goals, each goal's tracking items (their kinds are declared in hyperdiary/goals/__init__.py)."""
from ..kinds import Collection, Item


class GoalResource(Item):
    """One goal; view `reminder` by name, and its `tracking` below."""

    @property
    def goal(self):
        return self.record


class Goals(Collection):
    """GET lists, POST creates; views `batch`, `tracker`, `pending`, `reminders` and `ics` by name."""


class Tracking(Collection):
    """A goal's tracking items, oldest due date first."""

    @property
    def goal(self):
        return self.__parent__.record


class TrackingResource(Item):
    @property
    def goal(self):
        return self.__parent__.goal

    @property
    def item(self):
        return self.record
