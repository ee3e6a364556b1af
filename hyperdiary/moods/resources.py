"""A client's mood logs (the kind is declared in hyperdiary/moods/__init__.py)."""
from ..kinds import Collection, Item


class MoodResource(Item):
    pass


class Moods(Collection):
    """GET lists, POST creates; view `stats` by name."""
