"""A client's secret calendar feeds (link `goals.ics.feeds`): create one (the answer holds its secret URL,
once), list them, end one; and the secret URL, which serves the goals calendar to a calendar app that
sends no header at all."""

import colander
from pyramid.httpexceptions import HTTPNoContent, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import delete, select

from ..shapes import NULLABLE_TEXT, URI, described, representation
from ..documented import Named, Page, documented
from .. import audit
from .. import goals as goals_model
from .. import hypermedia as hm
from ..accounts import token_hash
from ..inputs import Paging, StrictString, body, parse_datetime, query
from .models import CalendarFeed
from ..models.meta import new_id, utcnow
from ..paging import cursor, keyset_page
from ..clients.resources import ClientResource
from .resources import CalendarFeedResource, CalendarFeeds, SecretFeed, new_secret
from ..security import Permissions

CALENDAR = "goals.ics"


# The schemas of what these views answer or read (hyperdiary/documented.py).
CALENDAR_FEED_SCHEMA = Named('CalendarFeed', representation(
        "A secret calendar feed of a client's goals; its secret URL only in the answer that created it.",
        optional=("feed",), name=NULLABLE_TEXT,
        feed=described(URI, "the secret URL of the calendar: shown this once, kept only as a hash")))


def feed_body(request, feeds: CalendarFeeds, feed) -> dict:
    url = f"{hm.url(request, feeds)}{feed.id}/"
    return {"@url": url, "@type": hm.type_iri(request, "calendar-feed"), "@links": [], "@changes": hm.changes(feed),
            "name": feed.name}


class NewFeed(colander.MappingSchema):
    name = colander.SchemaNode(StrictString(), missing=None, validator=colander.Length(1, 100),
                               description="a label of one's own")


@documented('addCalendarFeed', '/clients/{client_id}/calendarfeeds/',
            'A new secret URL of the goals calendar, for a calendar app (the client)', link='goals.ics.feeds',
            body=NewFeed, ok=201, result=CALENDAR_FEED_SCHEMA, errors=(404,), etag=True, body_required=False)
@view_config(context=CalendarFeeds, request_method="POST", renderer="json", permission=Permissions.CALENDAR_FEEDS)
def create_feed(context, request):
    """A new feed: 201 with its `feed`, the secret URL, which is shown this once (only its hash is kept)."""
    data = body(request, NewFeed()) if request.body.strip() else {"name": None}
    secret = new_secret(context.client.id)
    moment = utcnow()
    feed = CalendarFeed(id=new_id(), client_id=context.client.id, token_hash=token_hash(secret), name=data["name"],
                        created=moment, modified=moment, version=1)
    request.dbsession.add(feed)
    request.dbsession.flush()
    answer = feed_body(request, context, feed)
    answer["feed"] = f"{request.base_url}feeds/{secret}/{CALENDAR}"
    hm.written(request, answer["@url"], feed)
    return answer


@documented('listCalendarFeeds', '/clients/{client_id}/calendarfeeds/',
            "The client's secret calendar feeds, oldest first, without their secrets (the client)",
            link='goals.ics.feeds', result=Page(CALENDAR_FEED_SCHEMA), errors=(404,), query=Paging)
@view_config(context=CalendarFeeds, request_method="GET", renderer="json", permission=Permissions.VIEW)
def list_feeds(context, request):
    """The client's feeds, oldest first, without their secrets."""
    params = query(request, Paging())
    stmt = select(CalendarFeed).where(CalendarFeed.client_id == context.client.id)
    rows, more = keyset_page(request.dbsession, stmt, CalendarFeed.created, CalendarFeed.id, params["limit"],
                             params["after"], parse=parse_datetime)
    next_query = {"limit": params["limit"], "after": cursor(rows[-1].created, rows[-1].id)} if more else None
    return hm.collection(request, context, "calendar-feeds", [feed_body(request, context, feed) for feed in rows],
                         next_query=next_query)


@documented('getCalendarFeed', '/clients/{client_id}/calendarfeeds/{feed_id}/',
            'A secret calendar feed (the client)', result=CALENDAR_FEED_SCHEMA, errors=(404,), etag=True,
            if_none_match=True)
@view_config(context=CalendarFeedResource, request_method="GET", renderer="json", permission=Permissions.VIEW)
def get_feed(context, request):
    hm.set_etag(request, context.feed)
    return feed_body(request, context.__parent__, context.feed)


@documented('endCalendarFeed', '/clients/{client_id}/calendarfeeds/{feed_id}/',
            'End a feed: its secret URL answers 404 from now on', ok=204, errors=(404,), if_match=True)
@view_config(context=CalendarFeedResource, request_method="DELETE", permission=Permissions.CALENDAR_FEEDS)
def end_feed(context, request):
    """Ends the feed: its secret URL answers 404 from now on. The row goes (a feed is no record of the
    client's that a device syncs)."""
    hm.check_if_match(request, context.feed)
    # One DELETE statement: of two racing, the second deletes no row and answers 404 (an ORM delete of a
    # row gone meanwhile raised StaleDataError, a 500).
    ended = request.dbsession.execute(delete(CalendarFeed).where(CalendarFeed.client_id == context.feed.client_id,
                                                                    CalendarFeed.id == context.feed.id)
                                      .execution_options(synchronize_session=False)).rowcount
    if not ended:
        raise HTTPNotFound()
    return HTTPNoContent()


@documented('getSecretCalendar', '/feeds/{feed_secret}/goals.ics',
            'The goals calendar, to anyone with the secret URL (no header needed)', result='Calendar', errors=(404,),
            public=True, media='text/calendar',
            parameters={"feed_secret": "the secret of a feed, from its `feed` URL"})
@view_config(context=SecretFeed, name=CALENDAR, request_method="GET", permission=Permissions.VIEW)
def secret_calendar(context, request):
    """The client's goals calendar, the same document as its `goals.ics`. Audited (API.md §9) as a read by no
    user (`actor` null) of the feed's @url: the secret itself is kept out of the trail, which the client and
    admins read."""
    client = ClientResource(request.root["clients"], context.client.id, context.client)
    feed = CalendarFeedResource(CalendarFeeds(client, "calendarfeeds"), context.feed_id, None)
    audit.note(request, client_id=context.client.id, resource=audit.path_below_root(request, hm.url(request, feed)))
    document = goals_model.client_calendar(request.dbsession, context.client, hm.url(request, client["goals"]))
    return Response(body=document, content_type="text/calendar", charset="UTF-8")
