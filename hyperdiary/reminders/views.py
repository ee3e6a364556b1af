"""The client's `notifications` settings (GET, PATCH) and the root's `push.key`."""
import datetime

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from .. import hypermedia as hm
from .. import records
from ..documented import File, Named, documented
from ..shapes import BOOLEAN, STRING, described, nullable, obj, representation
from ..inputs import json_object, writable
from ..kinds import kind_links
from ..models.meta import new_id
from ..resources.root import Root
from ..security import Permissions
from .models import NotificationSettings
from .resources import Notifications


# The schemas of what these views answer (hyperdiary/documented.py).
HH_MM = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$", "description": "a wall-clock time in the client's zone"}
SETTINGS = Named("NotificationSettings", representation(
    "How reminders reach the client; links `subscriptions` and `deliveries`. No @changes while the defaults hold "
    "(nothing stored yet).", optional=("@changes",),
    email=described(BOOLEAN, "also by e-mail, to the user's address"),
    quiet_hours=nullable(obj(("start", "end"), start=HH_MM, end=HH_MM)),
    details=described(BOOLEAN, "messages name what they remind of"),
    channels=described(obj(("email", "push"), email=BOOLEAN, push=BOOLEAN), "the channels this server has")))
PUSH_KEY = Named("PushKey", representation(
    "The VAPID public key a browser subscribes with.", changes=False,
    vapid_public_key=described(STRING, "applicationServerKey: an uncompressed P-256 point, base64url")))


def stored_settings(dbsession, client_id: str) -> NotificationSettings | None:
    return dbsession.scalars(select(NotificationSettings).where(NotificationSettings.client_id == client_id)).first()


def hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def settings_body(request, context: Notifications, settings: NotificationSettings | None) -> dict:
    """The settings as the API shows them: the defaults while nothing is stored (no @changes then)."""
    quiet = None
    if settings is not None and settings.quiet_start is not None:
        quiet = {"start": hhmm(settings.quiet_start), "end": hhmm(settings.quiet_end)}
    return hm.representation(
        request, context, "notifications", hm.links(*kind_links(request, context)), record=settings,
        email=bool(settings and settings.email), quiet_hours=quiet, details=bool(settings and settings.details),
        channels=request.registry["reminders"].channels.states())


@documented("getNotificationSettings", "/clients/{client_id}/notifications/",
            "How reminders reach the client, and which channels the server has (the client)", link="notifications",
            result=SETTINGS, errors=(404,))
@view_config(context=Notifications, request_method="GET", renderer="json", permission=Permissions.NOTIFICATIONS)
def get_settings(context, request):
    """The settings: the defaults until the client first changes them."""
    settings = stored_settings(request.dbsession, context.client.id)
    if settings is not None:
        hm.set_etag(request, settings)
    return settings_body(request, context, settings)


@documented("changeNotificationSettings", "/clients/{client_id}/notifications/",
            "Change the notification settings (the fields given)", link="notifications",
            body=File("notifications", "NotificationSettingsChange", ("channels",), change=True), result=SETTINGS,
            errors=(404,), etag=True, if_match=True)
@view_config(context=Notifications, request_method="PATCH", renderer="json", permission=Permissions.NOTIFICATIONS)
def patch_settings(context, request):
    """The fields given change; `quiet_hours: null` ends quiet hours. The first PATCH stores the row."""
    data = request.bodies.check("notifications", writable(json_object(request), _READ_ONLY))
    settings = stored_settings(request.dbsession, context.client.id)
    if settings is None:
        settings = NotificationSettings(id=new_id(), client_id=context.client.id, email=False, details=False,
                                        created=request.now, modified=request.now, version=1)
        request.dbsession.add(settings)
    else:
        hm.check_if_match(request, settings)
        records.bump(settings, request.now)
    for name in ("email", "details"):
        if name in data:
            setattr(settings, name, data[name])
    if "quiet_hours" in data:
        quiet = data["quiet_hours"]
        settings.quiet_start = datetime.time.fromisoformat(quiet["start"]) if quiet else None
        settings.quiet_end = datetime.time.fromisoformat(quiet["end"]) if quiet else None
    request.dbsession.flush()
    hm.set_etag(request, settings)
    return settings_body(request, context, settings)


# The representation's field the server keeps: in a body, a 400 naming it (API.md §8; inputs.writable ignores
# the hypermedia keys).
_READ_ONLY = frozenset({"channels"})


@documented("getPushKey", "/push-key",
            "The VAPID public key for a browser's PushManager.subscribe (no link while Web Push is off)",
            link="push.key", result=PUSH_KEY, errors=(404,), public=True)
@view_config(context=Root, name="push-key", request_method="GET", renderer="json", permission=Permissions.VIEW)
def push_key(context, request):
    """The VAPID public key a browser subscribes with (its applicationServerKey); 404 while Web Push is off."""
    push = request.registry["reminders"].channels.push
    if push is None:
        raise HTTPNotFound()
    return hm.representation(request, context, "push-key", [], vapid_public_key=push.public_key) | {
        "@url": hm.url(request, context, "push-key")}
