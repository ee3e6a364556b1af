"""A client's push subscriptions and deliveries as record kinds: listed, paged, synced, exported and erased
like every other record of the client (hyperdiary/kinds.py)."""
import urllib.parse

from .. import kinds
from ..errors import ValidationFailure, problem
from ..security import Permissions
from ..shapes import STRING, URI, described, obj
from .channels import allowed_http_hosts
from .models import Delivery, PushSubscription
from .resources import Deliveries, DeliveryResource, Notifications, SubscriptionResource, Subscriptions


class SubscriptionKind(kinds.Kind):
    """A browser's PushSubscription `{endpoint, keys: {p256dh, auth}}`. The same endpoint again is the same
    subscription (200); a delete ends it, as does a push service that answers 404 or 410."""

    name, model, body = "push-subscription", PushSubscription, "pushsubscription"
    parent, parent_column, collection = Notifications, "client_id", "subscriptions"
    collection_class, item_class = Subscriptions, SubscriptionResource
    fields = ("endpoint", "keys")
    parent_links = (("subscriptions", "", Permissions.NOTIFICATIONS),)
    order = "created"
    dedupe = ("endpoint",)
    identical = "A subscription with this endpoint exists already."
    view_permission = write_permission = Permissions.NOTIFICATIONS
    grants = ("owner",)
    # Where a browser's push service reached it is the client's: a deleted one keeps none of it.
    erase = {"endpoint": "", "p256dh": "", "auth": ""}
    example = {"endpoint": "https://push.example.org/send/abc", "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg"}}
    change = {"keys": {"p256dh": example["keys"]["p256dh"], "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}
    represented = {"endpoint": URI, "keys": obj(("p256dh", "auth"), p256dh=STRING, auth=STRING)}
    tag = "push subscriptions"
    summaries = {"create": "Subscribe a browser (its PushSubscription); the same endpoint again answers that one",
                 "delete": "End a push subscription"}

    def values(self, request, data, current=None, *, replace=False):
        fields = super().values(request, data, current, replace=replace)
        endpoint = urllib.parse.urlsplit(fields["endpoint"])
        hosts = request.registry["reminders"].allowed_http_hosts
        if not (endpoint.scheme == "https" or (endpoint.scheme == "http" and endpoint.hostname in hosts)) \
                or not endpoint.hostname:
            raise ValidationFailure("Invalid JSON input", [problem(
                "endpoint", "A push endpoint must be an https URL.")])
        return {"endpoint": fields["endpoint"], "p256dh": fields["keys"]["p256dh"], "auth": fields["keys"]["auth"]}

    def stored(self, record):
        return {"endpoint": record.endpoint, "keys": {"p256dh": record.p256dh, "auth": record.auth}}

    def represent_many(self, request, base_url, rows):
        return [{"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}} for row in rows]


class DeliveryKind(kinds.Kind):
    """One attempt to reach the client: `{time, channel, status, about}`. Written by the worker only: nobody
    creates, changes or deletes one through the API (405; `write_permission` is granted to no one besides)."""

    name, model, body = "reminder-delivery", Delivery, False
    parent, parent_column, collection = Notifications, "client_id", "deliveries"
    collection_class, item_class = Deliveries, DeliveryResource
    fields = ("time", "channel", "status", "about")
    parent_links = (("deliveries", "", Permissions.NOTIFICATIONS),)
    order = "time"
    represented = {"channel": {"enum": ["push", "email"]}, "status": {"enum": ["sent", "failed", "missed", "gone"]},
                   "about": described(URI, "the @url of what it reminded of")}
    tag = "deliveries"
    summaries = {"list": "What was sent or tried, newest first"}
    creatable = deletable = changeable = False
    view_permission = Permissions.NOTIFICATIONS
    write_permission = Permissions.DELIVERIES_WRITE

    def represent_many(self, request, base_url, rows):
        # `about` is kept as a path below the API's root: the @url is the request's own base.
        return [{"time": row.time, "channel": row.channel, "status": row.status,
                 "about": request.base_url + row.about} for row in rows]


def includeme(config):
    config.add_record_kind(SubscriptionKind)
    config.add_record_kind(DeliveryKind)

