"""A client's goals, each goal's tracking items."""
from ..models import Client, Goal, GoalTracking
from . import Resource, is_id


class Goals(Resource):
    """GET lists, POST creates; views `batch`, `tracker`, `pending`, `reminders` and `ics` by name."""

    @property
    def client(self) -> Client:
        return self.__parent__.client

    def __getitem__(self, name):
        goal = self.dbsession.get(Goal, name) if is_id(name) else None
        if goal is None or goal.client_id != self.client.id or goal.deleted is not None:
            raise KeyError(name)
        return GoalResource(self, name, goal)


class GoalResource(Resource):
    """One goal; view `reminder` by name, and its `tracking` below."""

    def __init__(self, parent, name, goal: Goal):
        super().__init__(parent, name)
        self.goal = goal

    def __getitem__(self, name):
        if name == "tracking":
            return Tracking(self, name)
        raise KeyError(name)


class Tracking(Resource):
    """A goal's tracking items, oldest due date first."""

    @property
    def goal(self) -> Goal:
        return self.__parent__.goal

    def __getitem__(self, name):
        item = self.dbsession.get(GoalTracking, name) if is_id(name) else None
        if item is None or item.goal_id != self.goal.id or item.deleted is not None:
            raise KeyError(name)
        return TrackingResource(self, name, item)


class TrackingResource(Resource):
    def __init__(self, parent, name, item: GoalTracking):
        super().__init__(parent, name)
        self.item = item

    @property
    def goal(self) -> Goal:
        return self.__parent__.goal
