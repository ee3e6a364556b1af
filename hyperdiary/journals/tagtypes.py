"""Tag types: the kinds of tags a journal can carry, shared by every client."""
from pyramid.httpexceptions import HTTPConflict
from pyramid.view import view_config
from sqlalchemy import select

from .. import hypermedia as hm
from ..documented import File, Page, Shape, documented
from ..inputs import Paging, json_object, query, writable
from .models import TagType
from ..models.meta import new_id, utcnow
from ..records import insert_new
from ..paging import cursor, keyset_page
from .resources import TagTypeResource, TagTypes
from ..security import Permissions

# The representation of a tag type (its fields typed by the model's columns).
TAGTYPE = Shape("TagType", "A kind of tag, shared by every journal.", TagType, ("name", "description"))


def tagtype_body(request, resource_url: str, tagtype) -> dict:
    return {"@url": resource_url, "@type": hm.type_iri(request, "tagtype"), "@links": [],
            "@changes": hm.changes(tagtype), "name": tagtype.name, "description": tagtype.description}


@documented('listTagTypes', '/tagtypes/', 'Every tag type, by name', link='tagtypes', result=Page(TAGTYPE),
            query=Paging)
@view_config(context=TagTypes, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_tagtypes(context, request):
    """Every tag type, by name."""
    paging = query(request, Paging())
    rows, more = keyset_page(request.dbsession, select(TagType), TagType.name, TagType.id, paging["limit"],
                             paging["after"])
    base = hm.url(request, context)
    items = [tagtype_body(request, f"{base}{row.id}/", row) for row in rows]
    next_query = dict(request.GET, limit=paging["limit"], after=cursor(rows[-1].name, rows[-1].id)) if more else None
    links = hm.links(hm.link(request, "add", context, permission=Permissions.TAGTYPES_ADD))
    return hm.collection(request, context, "tagtypes", items, links, next_query=next_query)


@documented('addTagType', '/tagtypes/', 'Add a tag type (professionals, admins)', link='tagtypes',
            body=File("tagtype", "TagTypeBody", ()), ok=201, result=TAGTYPE, errors=(403, 409), etag=True)
@view_config(context=TagTypes, request_method="POST", renderer="json", permission=Permissions.TAGTYPES_ADD)
def add_tagtype(context, request):
    """201 with the new type; a name that is taken answers 409 (tag types are shared by everyone)."""
    data = request.bodies.check("tagtype", writable(json_object(request)))
    now = utcnow()
    name = data["name"].strip()
    tagtype = insert_new(request.dbsession, TagType, {"id": new_id(), "name": name, "description": data.get("description"),
                                                      "created": now, "modified": now, "version": 1})
    if tagtype is None:
        raise HTTPConflict(f"A tag type named {name!r} exists already.")
    url = f"{hm.url(request, context)}{tagtype.id}/"
    hm.written(request, url, tagtype)
    return tagtype_body(request, url, tagtype)


@documented('getTagType', '/tagtypes/{tagtype_id}/', 'A tag type', result=TAGTYPE, errors=(404,), etag=True,
            if_none_match=True)
@view_config(context=TagTypeResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_tagtype(context, request):
    hm.set_etag(request, context.tagtype)
    return tagtype_body(request, hm.url(request, context), context.tagtype)
