"""Research subjects: the researcher's list, each subject, and its members (who may read and write it)."""
from pyramid.httpexceptions import HTTPConflict, HTTPNoContent, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from ..documented import File, Page, Shape, documented
from .. import hypermedia as hm
from .. import records
from ..errors import ValidationFailure, problem
from ..inputs import Paging, json_object, parse_datetime, query, writable
from ..accounts.models import Role, User
from .models import Subject, SubjectMember
from ..models.meta import new_id
from ..paging import cursor, keyset_page
from . import READ_ONLY_KEYS, member_subject_ids, user_url
from .resources import MemberResource, Members, SubjectResource, Subjects
from ..security import Permissions

URL = {"type": "string", "format": "uri"}
# The representations of a subject and of a membership, and a subject's body (hyperdiary/documented.py).
SUBJECT = Shape("Subject", "A research subject: links to its logs and (for members) its members.", Subject,
                ("id", "name", "description", "is_public", "user"),
                represented={"id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                             "user": dict(URL, type=["string", "null"], description="the creator's @url")})
MEMBER = Shape("Member", "A member of a subject: reads and writes it and its logs.",
               represented={"user": dict(URL, description="the member's @url"), "username": {"type": "string"},
                            "is_creator": {"type": "boolean"}})
READ_ONLY_FIELDS = ("id", "user", "entries")
SUBJECT_BODY = File("subject", "SubjectBody", READ_ONLY_FIELDS)
SUBJECT_CHANGE = File("subject", "SubjectChange", READ_ONLY_FIELDS, change=True)


def locked(request, record):
    """The record as stored now, locked until the transaction ends (PostgreSQL: SELECT … FOR UPDATE; SQLite
    writers are serialized already), so that concurrent writes of one record take turns and none is lost.
    A record deleted by the writer it waited for is gone (404): traversal found it live before the lock, and
    writing on would add entries to a deleted log, or change and delete a tombstone again."""
    request.dbsession.refresh(record, with_for_update=True)
    if getattr(record, "deleted", None) is not None:
        raise HTTPNotFound()
    return record


def subject_body(request, resource: SubjectResource) -> dict:
    subject = resource.subject
    links = hm.links(
        hm.link(request, "logs", resource, "logs"),
        hm.link(request, "members", resource["members"], permission=Permissions.SUBJECT_MEMBERS),
    )
    return hm.representation(
        request, resource, "subject", links, record=subject, id=subject.id, name=subject.name,
        description=subject.description, is_public=subject.is_public, user=user_url(request, subject.creator_id),
    )


@documented('listSubjects', '/subjects/', 'The subjects the caller is a member of (researchers)', link='subjects',
            result=Page(SUBJECT), errors=(403,), query=Paging)
@view_config(context=Subjects, request_method="GET", renderer="json", permission=Permissions.SUBJECTS_LIST)
def list_subjects(context, request):
    """The subjects the caller is a member of, by name."""
    paging = query(request, Paging())
    stmt = select(Subject).where(Subject.id.in_(member_subject_ids(request.user.id)))
    rows, more = keyset_page(request.dbsession, stmt, Subject.name, Subject.id, paging["limit"], paging["after"])
    items = [subject_body(request, SubjectResource(context, s.id, s, is_member=True)) for s in rows]
    next_query = {"limit": paging["limit"], "after": cursor(rows[-1].name, rows[-1].id)} if more else None
    return hm.collection(request, context, "subjects", items, next_query=next_query)


@documented('addSubject', '/subjects/', 'Create a subject (researchers); the creator is its first member',
            link='subjects', body=SUBJECT_BODY, ok=201, result=SUBJECT, errors=(403,), etag=True,
            tag='subjects')
@view_config(context=Subjects, request_method="POST", renderer="json", permission=Permissions.SUBJECTS_ADD)
def create_subject(context, request):
    data = request.bodies.check("subject", writable(json_object(request), READ_ONLY_KEYS))
    now = request.now
    subject = records.insert_new(request.dbsession, Subject, {
        "id": new_id(), "name": data["name"], "description": data.get("description"),
        "is_public": data.get("is_public", False), "creator_id": request.user.id, "created": now, "modified": now,
        "version": 1})
    records.insert_new(request.dbsession, SubjectMember, {"subject_id": subject.id, "user_id": request.user.id,
                                                          "created": now})
    resource = SubjectResource(context, subject.id, subject, is_member=True)
    hm.written(request, hm.url(request, resource), subject)
    return subject_body(request, resource)


@documented('getSubject', '/subjects/{subject_id}/', 'A subject (members; anyone for a public one)',
            result=SUBJECT, errors=(404,), etag=True)
@view_config(context=SubjectResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_subject(context, request):
    hm.set_etag(request, context.subject)
    return subject_body(request, context)


@documented('changeSubject', '/subjects/{subject_id}/', 'Change a subject (members)', body=SUBJECT_CHANGE,
            result=SUBJECT, errors=(403, 404), etag=True, if_match=True)
@view_config(context=SubjectResource, request_method="PATCH", renderer="json", permission=Permissions.SUBJECT_WRITE)
def patch_subject(context, request):
    """Merges the fields given over the subject and checks the result as a whole."""
    data = writable(json_object(request), READ_ONLY_KEYS)
    subject = locked(request, context.subject)
    hm.check_if_match(request, subject)
    current = {"name": subject.name, "description": subject.description, "is_public": subject.is_public}
    merged = request.bodies.check("subject", {**current, **data})
    for name in current:
        setattr(subject, name, merged[name])
    records.bump(subject)
    hm.set_etag(request, subject)
    return subject_body(request, context)


# --- members --------------------------------------------------------------------------------------------


def member_body(request, members: Members, member: SubjectMember, user: User) -> dict:
    body = hm.representation(request, MemberResource(members, member.user_id, member), "subject-member", [],
                             user=user_url(request, member.user_id), username=user.username,
                             is_creator=member.user_id == members.subject.creator_id)
    body["@changes"] = {"creation_time": member.created, "modification_time": member.created}
    return body


@documented('listMembers', '/subjects/{subject_id}/members/', "A subject's members (members)", link='members',
            result=Page(MEMBER), errors=(403, 404), query=Paging)
@view_config(context=Members, request_method="GET", renderer="json", permission=Permissions.SUBJECT_MEMBERS)
def list_members(context, request):
    """The members, in the order they joined (the creator first)."""
    paging = query(request, Paging())
    stmt = select(SubjectMember, User).join(User, User.id == SubjectMember.user_id).where(
        SubjectMember.subject_id == context.subject.id)
    rows, more = keyset_page(request.dbsession, stmt, SubjectMember.created, SubjectMember.user_id, paging["limit"],
                             paging["after"], parse=parse_datetime)
    items = [member_body(request, context, member, user) for member, user in rows]
    next_query = None
    if more:
        next_query = {"limit": paging["limit"], "after": cursor(rows[-1][0].created, rows[-1][0].user_id)}
    return hm.collection(request, context, "subject-members", items, next_query=next_query)


NO_RESEARCHER = "No researcher has this @url, id or username: only researchers can be members of a subject."


def new_member(request, data: dict) -> User:
    """The researcher a member body names, by `user` (their @url or id) or by `username`; a 400 otherwise."""
    if ("user" in data) == ("username" in data):
        raise ValidationFailure("Invalid JSON input", [problem("user", "Give the user's @url (or id) in `user`, "
                                                                       "or their `username`: one of the two.")])
    if "user" in data:
        name, user_id = "user", hm.reference_id(request, request.root["users"], data["user"])
        user = request.dbsession.get(User, user_id) if user_id is not None else None
    else:
        name = "username"
        user = request.dbsession.scalar(select(User).where(User.username == data["username"].strip().lower()))
    # One answer whether nobody has that name or someone of another role has it: a researcher must not learn
    # from it which usernames exist, nor who is a client or a professional (issue 25).
    if user is None or user.role != Role.RESEARCHER:
        raise ValidationFailure("Invalid JSON input", [problem(name, NO_RESEARCHER)])
    return user


@documented('addMember', '/subjects/{subject_id}/members/', 'Share the subject with a researcher (members)',
            link='members', body=File("subject_member", "SubjectMemberBody"), ok=201, result=MEMBER, errors=(403, 404),
            also={200: 'A member already: the membership is answered'})
@view_config(context=Members, request_method="POST", renderer="json", permission=Permissions.SUBJECT_MEMBERS)
def add_member(context, request):
    """Share the subject with a researcher: 201, or 200 with the membership when they are a member already."""
    user = new_member(request, request.bodies.check("subject_member", json_object(request)))
    key = (context.subject.id, user.id)
    member, created = records.insert_unless_exists(
        request.dbsession, SubjectMember, {"subject_id": key[0], "user_id": key[1], "created": request.now},
        lambda: request.dbsession.get(SubjectMember, key))
    hm.written(request, hm.url(request, MemberResource(context, user.id, member)), created=created)
    return member_body(request, context, member, user)


@documented('getMember', '/subjects/{subject_id}/members/{user_id}/', 'One membership (members)', result=MEMBER,
            errors=(403, 404))
@view_config(context=MemberResource, request_method="GET", renderer="json", permission=Permissions.SUBJECT_MEMBERS)
def get_member(context, request):
    user = request.dbsession.get(User, context.member.user_id)
    return member_body(request, context.__parent__, context.member, user)


@documented('removeMember', '/subjects/{subject_id}/members/{user_id}/',
            'End a membership (members; the creator stays)', ok=204, errors=(403, 404, 409))
@view_config(context=MemberResource, request_method="DELETE", permission=Permissions.SUBJECT_MEMBERS)
def remove_member(context, request):
    """End a membership (one's own too); the creator stays a member."""
    if context.member.user_id == context.__parent__.subject.creator_id:
        raise HTTPConflict("The creator of a subject stays one of its members.")
    request.dbsession.delete(context.member)
    return HTTPNoContent()
