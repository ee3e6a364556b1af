"""Journals below a client, the tags below a journal, and the tag types (on the root)."""
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, DENY_ALL

from ..models import Journal, Tag, TagType
from ..security import ADMIN, PROFESSIONAL, Permissions
from . import Records, Resource


class JournalResource(Resource):
    def __init__(self, parent, name, journal: Journal):
        super().__init__(parent, name)
        self.journal = journal

    def __getitem__(self, name):
        if name == "tags":
            return JournalTags(self, name)
        raise KeyError(name)


class TagResource(Resource):
    def __init__(self, parent, name, tag: Tag):
        super().__init__(parent, name)
        self.tag = tag

    @property
    def journal(self) -> Journal:
        return self.__parent__.journal


class JournalTags(Records):
    """A journal's tags: GET lists the live ones, POST adds one."""

    model, child = Tag, TagResource

    @property
    def journal(self) -> Journal:
        return self.__parent__.journal

    def owns(self, tag) -> bool:
        return tag.journal_id == self.journal.id


class Journals(Records):
    """GET lists a client's journals, POST adds one; view `stats` counts them per local day."""

    model, child = Journal, JournalResource


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
        tagtype = self.record(TagType, name)
        if tagtype is None:
            raise KeyError(name)
        return TagTypeResource(self, name, tagtype)


class TagTypeResource(Resource):
    def __init__(self, parent, name, tagtype: TagType):
        super().__init__(parent, name)
        self.tagtype = tagtype
