"""Journals below a client, the tags below a journal (their kinds are declared in hyperdiary/journals/__init__.py),
and the tag types (on the root)."""
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, DENY_ALL

from ..kinds import Collection, Item
from .models import TagType
from ..security import ADMIN, PROFESSIONAL, Permissions
from ..resources import Resource


class JournalResource(Item):
    """One journal; its `tags` below."""

    @property
    def journal(self):
        return self.record


class JournalTags(Collection):
    """A journal's tags: GET lists the live ones, POST adds one."""

    @property
    def journal(self):
        return self.__parent__.record


class TagResource(Item):
    @property
    def journal(self):
        return self.__parent__.journal


class Journals(Collection):
    """GET lists a client's journals, POST adds one; view `stats` counts them per local day."""


class TagTypes(Resource):
    """Every signed-in user lists tag types; admins and professionals add them."""

    reveal_forbidden = True
    __acl__ = (
        (Allow, ADMIN, ALL_PERMISSIONS),
        (Allow, PROFESSIONAL, Permissions.TAGTYPES_ADD),
        (Allow, Authenticated, Permissions.VIEW),
        DENY_ALL,
    )

    def __getitem__(self, name):
        tagtype = self.find(TagType, name)
        if tagtype is None:
            raise KeyError(name)
        return TagTypeResource(self, name, tagtype)


class TagTypeResource(Resource):
    def __init__(self, parent, name, tagtype: TagType):
        super().__init__(parent, name)
        self.tagtype = tagtype
