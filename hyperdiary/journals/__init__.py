"""Journals (a client's self-reflection notes) and their tags: the two kinds' declarations and rules. Tag
types, which tags are made from, are in tagtypes.py; the statistics per day in views.py."""
import colander
from sqlalchemy import exists, select, update

from .. import hypermedia as hm
from .. import kinds, localtime
from ..errors import ValidationFailure, problem
from ..goals import OUT_OF_RANGE
from ..inputs import DateRange, Listing, StrictString, parse_datetime, span
from . import charts, fhir
from .models import Journal, Tag, TagType
from ..records import bump
from ..clients.resources import ClientResource
from ..resources.root import Root
from .resources import JournalResource, Journals, JournalTags, TagResource, TagTypes
from ..security import Permissions


def tagtype_reference(request, reference, name) -> str:
    """The id of the tag type a reference (its @url or id) names; a 400 naming `name` otherwise."""
    tagtype_id = hm.reference_id(request, request.root["tagtypes"], reference)
    if tagtype_id is None:
        raise ValidationFailure("Invalid JSON input" if name != "tag" else "Invalid query parameters",
                                [problem(name, "Not the @url of a tag type (from the `tagtypes` link).")])
    return tagtype_id


class TagKind(kinds.Kind):
    """A tag on a journal: a tag type (by its @url) and the client's words about it. A tag's change is its
    journal's change (the journal's representation holds its tags), for ETags and sync."""

    name, model, body = "tag", Tag, "tag"
    parent, parent_column, collection, collection_type = JournalResource, "journal_id", "tags", "journal-tags"
    collection_class, item_class = JournalTags, TagResource
    fields = ("tagtype", "name", "description")
    read_only = frozenset({"name", "tags"})
    order, ascending = "created", True
    put = True
    write_permission, grants = Permissions.JOURNAL_WRITE, ("owner",)
    erase = {"description": None}
    example = {"tagtype": "<the @url of a tag type>", "description": "after the meeting"}
    change = {"description": "before the meeting"}
    references = {"tagtype": ("tagtypes", {"name": "trigger"})}
    represented = {"tagtype": {"type": "string", "format": "uri", "description": "the tag type's @url"},
                   "name": {"type": "string", "description": "the tag type's name"}}
    summaries = {"list": "A journal's tags, oldest first", "create": "Tag a journal", "get": "A tag",
                 "patch": "Change a tag", "put": "Replace a tag", "delete": "Delete a tag"}

    def values(self, request, data, current=None, *, replace=False):
        if current is not None and not replace:
            data = {"tagtype": current.tagtype_id, "description": current.description, **data}
        request.bodies.check("tag", data)
        tagtype_id = tagtype_reference(request, data["tagtype"], "tagtype")
        if request.dbsession.get(TagType, tagtype_id) is None:
            raise ValidationFailure("Invalid JSON input", [problem("tagtype", "No tag type has this @url.")])
        return {"tagtype_id": tagtype_id, "description": data.get("description")}

    def represent_many(self, request, base_url, rows):
        """Each tag with its type's @url and name; rows read with their type's name (`tagtype_name`, as a
        journal's page reads them) need no query for it."""
        if not rows:
            return []
        names = {row.tagtype_id: row.tagtype_name for row in rows if "tagtype_name" in row._fields} \
            if hasattr(rows[0], "_fields") else {}
        missing = {row.tagtype_id for row in rows} - set(names)
        if missing:
            names.update(request.dbsession.execute(
                select(TagType.id, TagType.name).where(TagType.id.in_(missing))).all())
        tagtypes = hm.url(request, request.root["tagtypes"])
        return [{"@links": [{"name": "tagtype", "url": f"{tagtypes}{row.tagtype_id}/"}],
                 "tagtype": f"{tagtypes}{row.tagtype_id}/", "name": names[row.tagtype_id],
                 "description": row.description} for row in rows]

    def changed(self, request, context, record):
        bump(context.journal, request.now)


class JournalListing(Listing, DateRange):
    session = colander.SchemaNode(StrictString(), missing=None, description="only journals of this session")
    tag = colander.SchemaNode(StrictString(), missing=None,
                              description="only journals with a tag of this type (its @url or id)")


class JournalKind(kinds.Kind):
    """A journal: `title` or `description` (at least one), `journal_timestamp` (default now), `session`;
    its live tags, read-only, in its representation. A POST identical to a journal (same timestamp, title
    and description) answers that journal."""

    name, model, body = "journal", Journal, "journal"
    parent, parent_column, collection = ClientResource, "client_id", "journals"
    collection_class, item_class = Journals, JournalResource
    fields = ("title", "description", "journal_timestamp", "session")
    read_only = frozenset({"tags"})
    links = (kinds.Link("tags", "tags"),)
    parent_links = (("journals", "", Permissions.VIEW), ("journals.stats", "stats", Permissions.VIEW))
    collection_links = (("stats", "stats", Permissions.VIEW),)
    order = "journal_timestamp"
    listing = JournalListing
    dedupe = ("journal_timestamp", "title", "description")
    put = True
    write_permission, grants = Permissions.JOURNAL_WRITE, ("owner",)
    erase = {"title": None, "description": None, "session": None}
    identical = "An identical journal (same timestamp, title and description) exists already."
    example = {"title": "A good day", "description": "Walked by the sea.", "journal_timestamp": "2024-05-01T20:00:00Z"}
    change = {"title": "A very good day"}
    counted = (kinds.Counted("journal_timestamp"),)
    represented = {"tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}}
    summaries = {"list": "Journals, most recent first, with their tags; or every change since modified_after",
                 "create": "Write a journal", "get": "A journal with its tags",
                 "patch": "Change a journal's fields (null clears one)", "put": "Replace a journal's fields",
                 "delete": "Delete a journal and its tags (a tombstone stays)"}

    def values(self, request, data, current=None, *, replace=False):
        """A POST (the timestamp defaults to now), a PATCH (merged onto `current`) or a PUT (`replace`: what
        the body leaves out is cleared, and the timestamp is required)."""
        data = request.bodies.check("journal", data)
        if current is None or replace:
            fields = dict.fromkeys(self.fields)
        else:
            fields = {name: getattr(current, name) for name in self.fields}
        fields.update({name: data[name] for name in self.fields if name in data})
        problems = []
        when = fields["journal_timestamp"]
        if isinstance(when, str):
            fields["journal_timestamp"] = parse_datetime(when)  # the schema's format let only valid ones through
            # Statistics reckon local days, which some zones cannot at the calendar's edges (as for goals, moods).
            if not localtime.reckonable(fields["journal_timestamp"]):
                problems.append(problem("journal_timestamp", OUT_OF_RANGE))
        elif when is None and current is None:
            fields["journal_timestamp"] = request.now
        elif when is None:
            problems.append(problem("journal_timestamp", "A journal keeps a timestamp: give its date-time."))
        if not (fields["title"] or "").strip() and not (fields["description"] or "").strip():
            problems.append(problem("title", "A journal needs a title or a description."))
        if problems:
            raise ValidationFailure("Invalid JSON input", problems)
        return fields

    def filter(self, request, context, stmt, params):
        """`fromdate`/`todate` (in the client's time zone unless `time_zone` names another), `session`, `tag`."""
        covering = span(params, context.client.time_zone).covering(Journal.journal_timestamp)
        if covering:  # (an unfiltered listing keeps the kind's own statement, built once)
            stmt = stmt.where(*covering)
        if params["session"] is not None:
            stmt = stmt.where(Journal.session == params["session"])
        if params["tag"] is not None:
            tagtype_id = tagtype_reference(request, params["tag"], "tag")
            stmt = stmt.where(exists().where(Tag.client_id == Journal.client_id, Tag.journal_id == Journal.id,
                                             Tag.tagtype_id == tagtype_id, Tag.deleted.is_(None)))
        return stmt

    def represent_many(self, request, base_url, rows):
        """Each journal with its live tags, oldest first, fetched with their types' names for the whole page
        in one query, at their own collection's URL below each journal."""
        tags = {row.id: [] for row in rows}
        # A journal still at version 1 was never changed, so it never had a tag (a tag's change is its
        # journal's, TagKind.changed): a new journal, and most of a page, need no look at the tags.
        tagged = [row.id for row in rows if row.version > 1]
        if tagged:
            for tag in request.dbsession.execute(
                    select(Tag.__table__, TagType.name.label("tagtype_name")).join(TagType, TagType.id == Tag.tagtype_id)
                    .where(Tag.client_id == rows[0].client_id, Tag.journal_id.in_(tagged), Tag.deleted.is_(None))
                    .order_by(Tag.created, Tag.id)):
                tags[tag.journal_id].append(tag)
        tag_kind = TagKind.of(request)
        return [{"title": row.title, "description": row.description, "journal_timestamp": row.journal_timestamp,
                 "session": row.session,
                 "tags": tag_kind.render(request, f"{base_url}{row.id}/{tag_kind.collection}/", tags[row.id])
                 if tags[row.id] else []}
                for row in rows]

    def deleting(self, request, record):
        """A journal's tags go with it, their words erased."""
        request.dbsession.execute(
            update(Tag).where(Tag.client_id == record.client_id, Tag.journal_id == record.id, Tag.deleted.is_(None))
            .values(deleted=request.now, modified=request.now, version=Tag.version + 1, description=None))

    def fhir(self, request, bodies, context):
        """A DocumentReference per journal (journals/fhir.py)."""
        return fhir.resources(request, bodies, context)


def includeme(config):
    config.add_chart("journals", charts.data, name="journals", title="Journals per day", place=2)
    config.add_child(Root, "tagtypes", TagTypes)
    config.add_root_link("tagtypes", "tagtypes", signed_in=True)
    config.add_body_columns("tagtype", TagType)
    config.add_record_kind(JournalKind)
    config.add_record_kind(TagKind)
    config.scan(".views")
    config.scan(".tagtypes")
