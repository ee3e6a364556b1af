"""A client's `professionals` (API.md §9): who has it in their caseload, and since when, so that a
client sees who can read its data."""
from pyramid.view import view_config
from sqlalchemy import select

from ..shapes import DATE_TIME, STRING, URI, described, obj
from ..documented import Named, Page, documented
from .. import hypermedia as hm
from ..inputs import Paging, parse_datetime, query
from ..accounts.models import CaseloadAssignment, User
from ..paging import cursor, keyset_page
from .resources import ClientResource
from ..security import Permissions


# The schemas of what these views answer or read (hyperdiary/documented.py).
PROFESSIONAL_SCHEMA = Named('Professional', obj(("@url", "@type", "username", "first_name", "last_name", "since"), **{
        "@url": URI, "@type": URI, "username": STRING, "first_name": STRING, "last_name": STRING,
        "since": described(DATE_TIME, "when the client was put in their caseload")}))


@documented('listClientProfessionals', '/clients/{client_id}/professionals',
            'The professionals whose caseload holds the client, and since when', link='professionals',
            result=Page(PROFESSIONAL_SCHEMA), errors=(404,), query=Paging)
@view_config(context=ClientResource, name="professionals", request_method="GET", renderer="json",
             permission=Permissions.VIEW)
def professionals(context, request):
    """Oldest assignment first, keyset-paged on (since, professional id)."""
    paging = query(request, Paging())
    stmt = (select(User.id, User.username, User.first_name, User.last_name, CaseloadAssignment.created)
            .join(CaseloadAssignment, CaseloadAssignment.professional_id == User.id)
            .where(CaseloadAssignment.client_id == context.client.id))
    rows, more = keyset_page(request.dbsession, stmt, CaseloadAssignment.created, CaseloadAssignment.professional_id,
                             paging["limit"], paging["after"], parse=parse_datetime)
    users_url = hm.url(request, request.root["users"])
    items = [{"@url": f"{users_url}{row.id}/", "@type": hm.type_iri(request, "professional"),
              "username": row.username, "first_name": row.first_name, "last_name": row.last_name,
              "since": row.created} for row in rows]
    next_query = {"limit": paging["limit"], "after": cursor(rows[-1].created, rows[-1].id)} if more else None
    return hm.collection(request, context, "professionals", items, next_query=next_query, view_name="professionals")
