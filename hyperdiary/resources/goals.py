"""A client's goals, each goal's tracking items."""
from ..models import Goal, GoalTracking
from . import Records, Resource


class TrackingResource(Resource):
    def __init__(self, parent, name, item: GoalTracking):
        super().__init__(parent, name)
        self.item = item

    @property
    def goal(self) -> Goal:
        return self.__parent__.goal


class Tracking(Records):
    """A goal's tracking items, oldest due date first."""

    model, child = GoalTracking, TrackingResource

    @property
    def goal(self) -> Goal:
        return self.__parent__.goal

    def owns(self, item) -> bool:
        return item.goal_id == self.goal.id


class GoalResource(Resource):
    """One goal; view `reminder` by name, and its `tracking` below."""

    def __init__(self, parent, name, goal: Goal):
        super().__init__(parent, name)
        self.goal = goal

    def __getitem__(self, name):
        if name == "tracking":
            return Tracking(self, name)
        raise KeyError(name)


class Goals(Records):
    """GET lists, POST creates; views `batch`, `tracker`, `pending`, `reminders` and `ics` by name."""

    model, child = Goal, GoalResource
