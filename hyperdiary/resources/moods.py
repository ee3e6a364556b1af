"""A client's mood logs."""
from ..models import Client, Mood
from . import Resource, is_id


class Moods(Resource):
    """GET lists, POST creates; view `stats` by name."""

    @property
    def client(self) -> Client:
        return self.__parent__.client

    def __getitem__(self, name):
        mood = self.dbsession.get(Mood, name) if is_id(name) else None
        if mood is None or mood.client_id != self.client.id or mood.deleted is not None:
            raise KeyError(name)
        return MoodResource(self, name, mood)


class MoodResource(Resource):
    def __init__(self, parent, name, mood: Mood):
        super().__init__(parent, name)
        self.mood = mood
