"""A client's mood logs."""
from ..models import Mood
from . import Records, Resource


class MoodResource(Resource):
    def __init__(self, parent, name, mood: Mood):
        super().__init__(parent, name)
        self.mood = mood


class Moods(Records):
    """GET lists, POST creates; view `stats` by name."""

    model, child = Mood, MoodResource
