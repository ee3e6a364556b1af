"""Journals (a client's self-reflection notes): list with filters, write, sync, daily statistics; each
journal's tags. Tag types, which tags are made from, are in views/tagtypes.py."""
import colander
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config
from sqlalchemy import exists, func, select, update

from .. import hypermedia as hm
from .. import localtime
from ..errors import ValidationFailure, problem
from ..inputs import (REPRESENTATION_KEYS, DateRange, Listing, StrictString, json_object, parse_datetime, query, span,
                      writable)
from ..goals import OUT_OF_RANGE
from ..models import Journal, Tag, TagType
from ..models.meta import new_id, utcnow
from ..paging import records_page
from ..records import bump, dedupe_key, flush_or_conflict, insert_unless_exists, soft_delete
from ..resources.journals import JournalResource, Journals, JournalTags, TagResource
from ..security import Permissions

# What a representation carries that a client may send back unchanged: ignored in a body.
READ_ONLY = REPRESENTATION_KEYS | {"tags"}
IDENTICAL = "An identical journal (same timestamp, title and description) exists already."

# What a journal's representation reads: plain rows, not ORM objects, in listings.
COLUMNS = (Journal.id, Journal.title, Journal.description, Journal.journal_timestamp, Journal.session,
           Journal.created, Journal.modified, Journal.deleted)


# --- representations ----------------------------------------------------------------------------------


def tag_body(request, tags_url: str, tag, tagtype_name: str) -> dict:
    tagtype_url = hm.url(request, request.root["tagtypes"]) + tag.tagtype_id + "/"
    return {"@url": f"{tags_url}{tag.id}/", "@type": hm.type_iri(request, "tag"),
            "@links": [{"name": "tagtype", "url": tagtype_url}], "@changes": hm.changes(tag),
            "tagtype": tagtype_url, "name": tagtype_name, "description": tag.description}


def journal_body(request, journal_url: str, journal, tags: list) -> dict:
    """A journal with its live tags (`tags`: (Tag, tag type name) pairs)."""
    tags_url = journal_url + "tags/"
    return {"@url": journal_url, "@type": hm.type_iri(request, "journal"),
            "@links": [{"name": "tags", "url": tags_url}], "@changes": hm.changes(journal),
            "title": journal.title, "description": journal.description,
            "journal_timestamp": journal.journal_timestamp, "session": journal.session,
            "tags": [tag_body(request, tags_url, tag, name) for tag, name in tags]}


def tags_of(request, journal_ids) -> dict[str, list]:
    """The live tags of these journals, oldest first, in one query: {journal id: [(Tag, name)]}."""
    found = {journal_id: [] for journal_id in journal_ids}
    if journal_ids:
        rows = request.dbsession.execute(
            select(Tag, TagType.name).join(TagType, TagType.id == Tag.tagtype_id)
            .where(Tag.journal_id.in_(journal_ids), Tag.deleted.is_(None)).order_by(Tag.created, Tag.id))
        for tag, name in rows:
            found[tag.journal_id].append((tag, name))
    return found


def one_journal(request, context: JournalResource) -> dict:
    journal = context.journal
    hm.set_etag(request, journal)
    return journal_body(request, hm.url(request, context), journal, tags_of(request, [journal.id])[journal.id])


# --- reading bodies -------------------------------------------------------------------------------------


FIELDS = ("title", "description", "journal_timestamp", "session")


def journal_fields(request, data: dict, current: Journal | None = None, *, replace=False) -> dict:
    """The journal's fields from a body checked by schemas/journal.json: a POST (`current` None; the
    timestamp defaults to now), a PATCH (merged onto `current`) or a PUT (`replace`: what the body
    leaves out is cleared, and the timestamp is required)."""
    data = request.bodies.check("journal", writable(data, READ_ONLY))
    if current is None or replace:
        fields = dict.fromkeys(FIELDS)
    else:
        fields = {name: getattr(current, name) for name in FIELDS}
    fields.update({name: data[name] for name in FIELDS if name in data})
    problems = []
    when = fields["journal_timestamp"]
    if isinstance(when, str):
        fields["journal_timestamp"] = parse_datetime(when)  # the schema's format let only valid ones through
        # Statistics reckon local days, which some zones cannot at the calendar's edges (as for goals, moods).
        if not localtime.reckonable(fields["journal_timestamp"]):
            problems.append(problem("journal_timestamp", OUT_OF_RANGE))
    elif when is None and current is None:
        fields["journal_timestamp"] = utcnow()
    elif when is None:
        problems.append(problem("journal_timestamp", "A journal keeps a timestamp: give its date-time."))
    if not (fields["title"] or "").strip() and not (fields["description"] or "").strip():
        problems.append(problem("title", "A journal needs a title or a description."))
    if problems:
        raise ValidationFailure("Invalid JSON input", problems)
    return fields


def journal_key(fields: dict) -> str:
    return dedupe_key(fields["journal_timestamp"], fields["title"], fields["description"])


# --- journals -------------------------------------------------------------------------------------------


class JournalListing(Listing, DateRange):
    session = colander.SchemaNode(StrictString(), missing=None)
    tag = colander.SchemaNode(StrictString(), missing=None)


def tagtype_reference(request, reference, name) -> str:
    """The id of the tag type a reference (its @url or id) names; a 400 naming `name` otherwise."""
    tagtype_id = hm.reference_id(request, request.root["tagtypes"], reference)
    if tagtype_id is None:
        raise ValidationFailure("Invalid JSON input" if name != "tag" else "Invalid query parameters",
                                [problem(name, "Not the @url of a tag type (from the `tagtypes` link).")])
    return tagtype_id


@view_config(context=Journals, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_journals(context, request):
    """Most recent `journal_timestamp` first, each with its tags; filters `fromdate`/`todate` (in the
    client's time zone unless `time_zone` names another), `session`, `tag`; or, with `modified_after`,
    every change since then (tombstones included)."""
    params = query(request, JournalListing())
    within = span(params, context.client.time_zone)
    stmt = select(*COLUMNS).where(Journal.client_id == context.client.id,
                                  *within.covering(Journal.journal_timestamp))
    if params["session"] is not None:
        stmt = stmt.where(Journal.session == params["session"])
    if params["tag"] is not None:
        tagtype_id = tagtype_reference(request, params["tag"], "tag")
        stmt = stmt.where(exists().where(Tag.journal_id == Journal.id, Tag.tagtype_id == tagtype_id,
                                         Tag.deleted.is_(None)))
    rows, next_query = records_page(request, stmt, Journal, Journal.journal_timestamp, params)
    tags = tags_of(request, [row.id for row in rows if row.deleted is None])
    base = hm.url(request, context)
    items = hm.records(request, rows, base, hm.type_iri(request, "journal"),
                       lambda row: journal_body(request, f"{base}{row.id}/", row, tags[row.id]))
    links = hm.links(hm.link(request, "stats", context, "stats"))
    return hm.collection(request, context, "journals", items, links, next_query=next_query)


@view_config(context=Journals, request_method="POST", renderer="json", permission=Permissions.JOURNAL_WRITE)
def create_journal(context, request):
    """201 with the new journal; an identical POST (same timestamp, title and description) answers 200
    with the existing one, also when the two race."""
    fields = journal_fields(request, json_object(request))
    key = journal_key(fields)
    client_id = context.client.id
    now = utcnow()
    values = dict(fields, id=new_id(), client_id=client_id, dedupe_key=key, created=now, modified=now, version=1)
    journal, created = insert_unless_exists(
        request.dbsession, Journal, values,
        lambda: request.dbsession.scalar(select(Journal).where(Journal.client_id == client_id,
                                                                Journal.dedupe_key == key)))
    url = f"{hm.url(request, context)}{journal.id}/"
    hm.written(request, url, journal, created)
    tags = [] if created else tags_of(request, [journal.id])[journal.id]
    return journal_body(request, url, journal, tags)


@view_config(context=JournalResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_journal(context, request):
    return one_journal(request, context)


def change_journal(context, request, *, replace):
    journal = context.journal
    data = json_object(request)
    hm.check_if_match(request, journal)
    fields = journal_fields(request, data, journal, replace=replace)
    for name, value in fields.items():
        setattr(journal, name, value)
    journal.dedupe_key = journal_key(fields)
    bump(journal)
    flush_or_conflict(request.dbsession, IDENTICAL)
    return one_journal(request, context)


@view_config(context=JournalResource, request_method="PATCH", renderer="json", permission=Permissions.JOURNAL_WRITE)
def patch_journal(context, request):
    """Changes the fields given (null clears one)."""
    return change_journal(context, request, replace=False)


@view_config(context=JournalResource, request_method="PUT", renderer="json", permission=Permissions.JOURNAL_WRITE)
def put_journal(context, request):
    """Replaces the journal's fields: those left out are cleared (its timestamp is required)."""
    return change_journal(context, request, replace=True)


@view_config(context=JournalResource, request_method="DELETE", permission=Permissions.JOURNAL_WRITE)
def delete_journal(context, request):
    """Soft delete of the journal and its tags; their words are erased, a tombstone stays for sync."""
    journal = context.journal
    hm.check_if_match(request, journal)
    soft_delete(journal, title=None, description=None, session=None, dedupe_key=None)
    request.dbsession.execute(
        update(Tag).where(Tag.journal_id == journal.id, Tag.deleted.is_(None))
        .values(deleted=journal.deleted, modified=journal.deleted, version=Tag.version + 1, description=None))
    return HTTPNoContent()


@view_config(context=Journals, name="stats", request_method="GET", renderer="json", permission=Permissions.VIEW)
def journal_stats(context, request):
    """How many journals each local calendar day has, counted by the database (GROUP BY)."""
    within = span(query(request, DateRange()), context.client.time_zone)
    conditions = [Journal.client_id == context.client.id, Journal.deleted.is_(None),
                  *within.covering(Journal.journal_timestamp)]
    day = within.local_date_of(request.dbsession, Journal.journal_timestamp, conditions)
    stats = []
    if day is not None:
        day = day.label("journaldate")
        rows = request.dbsession.execute(
            select(day, func.count().label("count")).where(*conditions).group_by(day).order_by(day))
        stats = [{"journaldate": row.journaldate, "count": row.count} for row in rows]
    body = hm.representation(request, context, "journal-stats", [])
    body["@url"] = request.url
    body["journalstats"] = stats
    return body


# --- tags -----------------------------------------------------------------------------------------------


def tag_fields(request, data: dict, current: Tag | None = None, *, replace=False) -> dict:
    """{tagtype_id, description} from a body checked by schemas/tag.json; a PATCH merges onto `current`."""
    data = writable(data, READ_ONLY | {"name"})
    if current is not None and not replace:
        data = {"tagtype": current.tagtype_id, "description": current.description, **data}
    request.bodies.check("tag", data)
    tagtype_id = tagtype_reference(request, data["tagtype"], "tagtype")
    if request.dbsession.get(TagType, tagtype_id) is None:
        raise ValidationFailure("Invalid JSON input", [problem("tagtype", "No tag type has this @url.")])
    return {"tagtype_id": tagtype_id, "description": data.get("description")}


def one_tag(request, context: TagResource) -> dict:
    tag = context.tag
    hm.set_etag(request, tag)
    return tag_body(request, hm.url(request, context.__parent__), tag,
                    request.dbsession.get(TagType, tag.tagtype_id).name)


def journal_changed(journal: Journal):
    """A journal's representation holds its tags: a tag's change is the journal's, for ETags and sync."""
    bump(journal)


@view_config(context=JournalTags, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_tags(context, request):
    """The journal's live tags, oldest first (`modified_after`: every change, tombstones included)."""
    params = query(request, Listing())
    stmt = select(Tag).where(Tag.journal_id == context.journal.id)
    rows, next_query = records_page(request, stmt, Tag, Tag.created, params, descending=False)
    names = dict(request.dbsession.execute(
        select(TagType.id, TagType.name).where(TagType.id.in_({tag.tagtype_id for tag in rows}))).all())
    base = hm.url(request, context)
    items = hm.records(request, rows, base, hm.type_iri(request, "tag"),
                       lambda tag: tag_body(request, base, tag, names[tag.tagtype_id]))
    return hm.collection(request, context, "journal-tags", items, next_query=next_query)


@view_config(context=JournalTags, request_method="POST", renderer="json", permission=Permissions.JOURNAL_WRITE)
def add_tag(context, request):
    fields = tag_fields(request, json_object(request))
    now = utcnow()
    tag = Tag(journal_id=context.journal.id, created=now, modified=now, **fields)
    request.dbsession.add(tag)
    request.dbsession.flush()
    journal_changed(context.journal)
    resource = TagResource(context, tag.id, tag)
    hm.written(request, hm.url(request, resource))
    return one_tag(request, resource)


@view_config(context=TagResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_tag(context, request):
    return one_tag(request, context)


def change_tag(context, request, *, replace):
    data = json_object(request)
    hm.check_if_match(request, context.tag)
    for name, value in tag_fields(request, data, context.tag, replace=replace).items():
        setattr(context.tag, name, value)
    bump(context.tag)
    journal_changed(context.journal)
    return one_tag(request, context)


@view_config(context=TagResource, request_method="PATCH", renderer="json", permission=Permissions.JOURNAL_WRITE)
def patch_tag(context, request):
    return change_tag(context, request, replace=False)


@view_config(context=TagResource, request_method="PUT", renderer="json", permission=Permissions.JOURNAL_WRITE)
def put_tag(context, request):
    return change_tag(context, request, replace=True)


@view_config(context=TagResource, request_method="DELETE", permission=Permissions.JOURNAL_WRITE)
def delete_tag(context, request):
    hm.check_if_match(request, context.tag)
    soft_delete(context.tag, description=None)
    journal_changed(context.journal)
    return HTTPNoContent()
