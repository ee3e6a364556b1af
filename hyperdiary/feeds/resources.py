"""Secret calendar feeds: a client's list of them (`clients/<id>/calendarfeeds/`), and the secret URLs
themselves (`feeds/<secret>/goals.ics`), which need no header at all."""
import secrets

from pyramid.authorization import DENY_ALL, Allow, Everyone
from sqlalchemy import select

from ..accounts import token_hash
from .models import CalendarFeed
from ..clients.models import Client
from ..accounts.models import User
from ..security import Permissions, user_principal
from ..resources import Resource, is_id

ID_LENGTH = 32  # a client's id (models.meta.new_id)
RANDOM_LENGTH = 43  # secrets.token_urlsafe(32)


def new_secret(client_id: str) -> str:
    """A feed's secret: its client's id, and 256 random bits (which alone make it secret)."""
    return client_id + secrets.token_urlsafe(32)


class CalendarFeedResource(Resource):
    def __init__(self, parent, name, feed):
        super().__init__(parent, name)
        self.feed = feed


class CalendarFeeds(Resource):
    """The client's feeds: for the client alone. Its professionals read its goals, but a feed is a key
    the client hands to a calendar app of its own; admins do not need one either."""

    @property
    def client(self):
        return self.__parent__.client

    @property
    def __acl__(self):
        return ((Allow, user_principal(self.client.user_id), (Permissions.VIEW, Permissions.CALENDAR_FEEDS)),
                DENY_ALL)

    def __getitem__(self, name):
        feed = self.find(CalendarFeed, name)
        if feed is None or feed.client_id != self.client.id:
            raise KeyError(name)
        return CalendarFeedResource(self, name, feed)


class SecretFeed(Resource):
    """One feed's secret URL; its view `goals.ics` serves the client's goals calendar, to anyone who
    has the URL."""

    __acl__ = ((Allow, Everyone, Permissions.VIEW), DENY_ALL)

    def __init__(self, parent, name, client, feed_id):
        super().__init__(parent, name)
        self.client = client
        self.feed_id = feed_id


# Built once: the client of a live feed, by the hash of its secret, and the feed's id. Only while the user is
# active: deactivating deletes the user's feeds (accounts.revoke_user); this also covers a feed created in a
# race with the deactivation.
_CLIENT_OF_FEED = (select(Client.__table__, CalendarFeed.id.label("feed_id"))
                   .join(CalendarFeed, CalendarFeed.client_id == Client.id)
                   .join(User, User.id == Client.user_id)
                   .where(User.is_active.is_(True)))


class SecretFeeds(Resource):
    """`feeds/<secret>/`: a secret names its feed, anything else is a 404."""

    # A calendar app sends no Authorization header; a browser that does must not be turned away.
    ignores_bearer_token = True

    def __getitem__(self, name):
        # A secret is the client's id and 43 random URL-safe characters (secrets.token_urlsafe(32)), so that its
        # lookup names the client (a database distributed by client asks the one node that holds it,
        # docs/scaling.md); a feed made before that (migration 0013) has the 43 characters alone. No query for
        # anything else.
        if len(name) == ID_LENGTH + RANDOM_LENGTH and is_id(name[:ID_LENGTH]):
            found = _CLIENT_OF_FEED.where(CalendarFeed.token_hash == token_hash(name),
                                          CalendarFeed.client_id == name[:ID_LENGTH])
        elif len(name) == RANDOM_LENGTH:
            found = _CLIENT_OF_FEED.where(CalendarFeed.token_hash == token_hash(name))
        else:
            raise KeyError(name)
        client = self.dbsession.connection().execute(found).first()
        if client is None:
            raise KeyError(name)
        return SecretFeed(self, name, client, client.feed_id)
