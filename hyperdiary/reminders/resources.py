"""Where reminders hang in the tree: a client's `notifications` (its settings; its `subscriptions` and
`deliveries` are record kinds below it, hyperdiary/reminders/kinds.py)."""
from pyramid.authorization import DENY_ALL, Allow

from ..kinds import Collection, Item
from ..resources import Resource, child_collection
from ..security import Permissions, user_principal


class Notifications(Resource):
    """A client's notification settings: for the client alone (its professionals read its diary, not how
    its phone is reached; admins do not need it either)."""

    @property
    def client(self):
        return self.__parent__.client

    @property
    def record(self):
        """Subscriptions and deliveries belong to the client record."""
        return self.client

    @property
    def __acl__(self):
        return ((Allow, user_principal(self.client.user_id), (Permissions.VIEW, Permissions.NOTIFICATIONS)),
                DENY_ALL)

    def __getitem__(self, name):
        return child_collection(self, name)


class Subscriptions(Collection):
    """POST a browser's PushSubscription; the same endpoint again answers the existing one."""


class SubscriptionResource(Item):
    pass


class Deliveries(Collection):
    """What was sent or tried, newest first (written by `hyperdiary deliver` only)."""


class DeliveryResource(Item):
    pass
