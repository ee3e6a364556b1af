"""Research: subjects (with their members) and subject logs (with their types).

Who may do what is decided by the subject, for itself and for each of its logs: its members read and
write it; anyone, signed in or not, reads a public one; nobody else learns that it exists."""
from pyramid.authorization import DENY_ALL, Allow, Everyone
from pyramid.decorator import reify
from sqlalchemy import exists

from .models import Subject, SubjectLog, SubjectMember
from ..security import RESEARCHER, Permissions, user_principal
from ..kinds import Collection, Item
from ..resources import NOT_READ, Resource, is_id

# Researchers list the research collections and create subjects and logs there. Nothing else is
# inherited: each subject and log says who may see it (a signed-out caller asking for an unknown id gets
# 401, as for a private one), and the log types are public by their own ACL.
RESEARCH_ACL = ((Allow, RESEARCHER, (Permissions.SUBJECTS_LIST, Permissions.SUBJECTS_ADD)), DENY_ALL)
MEMBER_PERMISSIONS = (Permissions.VIEW, Permissions.SUBJECT_WRITE, Permissions.SUBJECT_MEMBERS)


class Subjects(Resource):
    reveal_forbidden = True
    __acl__ = RESEARCH_ACL

    @classmethod
    def child_step(cls, registry, name):
        return (SubjectResource, Subject) if is_id(name) else None

    def __getitem__(self, name):
        subject = self.find(Subject, name)
        if subject is None:
            raise KeyError(name)
        return SubjectResource(self, name, subject)


class SubjectResource(Resource):
    """A subject; its members below it (`members/`), its logs by the view name `logs`."""

    lineage_on_writes = False  # its views lock it and change it in place (research/subjects.locked)

    def __init__(self, parent, name, subject: Subject, is_member: bool | None = None):
        super().__init__(parent, name)
        self.subject = subject
        if is_member is not None:  # known already (a listing of the caller's subjects): no query
            self.__dict__["is_member"] = is_member

    @classmethod
    def caller_facts(cls, record_id, caller_id) -> dict:
        return {"member": exists().where(SubjectMember.subject_id == record_id, SubjectMember.user_id == caller_id)}

    @reify
    def is_member(self) -> bool:
        user = self.request.user
        if user is None:
            return False
        member = self.request.lineage.fact(Subject, self.subject.id, "member")
        if member is not NOT_READ:
            return bool(member)
        return self.dbsession.get(SubjectMember, (self.subject.id, user.id)) is not None

    @property
    def __acl__(self):
        if self.is_member:
            yield (Allow, user_principal(self.request.user.id), MEMBER_PERMISSIONS)
        if self.subject.is_public:
            yield (Allow, Everyone, Permissions.VIEW)
        # Nothing of the root's "everyone may view" reaches a private subject.
        yield DENY_ALL

    def __getitem__(self, name):
        if name == "members":
            return Members(self, name)
        raise KeyError(name)


class Members(Resource):
    """A subject's members; POST adds one, each member is a resource named by its user id."""

    # The new member's `user` (an account's @url) cannot be offered as a choice (pages/pickers.py): a researcher
    # may list no accounts, and must not learn which usernames exist (issue 25). Its page's form asks for the
    # colleague's username, which the body takes instead, and leaves the address to programs.
    page_form_omits = ("user",)

    @property
    def subject(self) -> Subject:
        return self.__parent__.subject

    def __getitem__(self, name):
        member = self.link_row(SubjectMember, (self.subject.id, name), name)
        if member is None:
            raise KeyError(name)
        return MemberResource(self, name, member)


class MemberResource(Resource):
    def __init__(self, parent, name, member: SubjectMember):
        super().__init__(parent, name)
        self.member = member


class SubjectLogs(Collection):
    """The logs of the caller's subjects (filters `subject`, `type`); POST creates one; `types/` below. (The
    kind is declared in hyperdiary/research/__init__.py.)"""

    reveal_forbidden = True
    __acl__ = RESEARCH_ACL

    def __getitem__(self, name):
        if name == "types":
            return SubjectLogTypesResource(self, name)
        return super().__getitem__(name)


class SubjectLogResource(Item):
    """A log: its subject decides who may do what. Views by name: `entries`, `add_entry`, `change_entry`,
    `remove_entry`."""

    related = (("subject_id", SubjectResource, Subject),)  # read with the log (hyperdiary/lineage.py)

    def __init__(self, parent, name, log: SubjectLog, subject: SubjectResource | None = None):
        super().__init__(parent, name, log)
        if subject is not None:  # known already (a listing loaded the page's subjects at once)
            self.__dict__["subject"] = subject

    @property
    def log(self) -> SubjectLog:
        return self.record

    @reify
    def subject(self) -> SubjectResource:
        subject = self.record_of(Subject, self.record.subject_id)
        return SubjectResource(self.request.root["subjects"], subject.id, subject)

    @property
    def __acl__(self):
        return self.subject.__acl__


class SubjectLogTypesResource(Resource):
    """Every subject-log type: not research data, so anyone may read them (like entry schemas)."""

    __acl__ = ((Allow, Everyone, Permissions.VIEW),)

    def __getitem__(self, name):
        log_type = self.request.subjectlog_types.get(name)
        if log_type is None:
            raise KeyError(name)
        return SubjectLogTypeResource(self, name, log_type)


class SubjectLogTypeResource(Resource):
    """One type; view `jsonschema` serves the JSON Schema of its entries' details."""

    def __init__(self, parent, name, log_type):
        super().__init__(parent, name)
        self.log_type = log_type
