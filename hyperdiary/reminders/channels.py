"""The channels a deployment has configured (API.md §12): Web Push with a VAPID key, e-mail through an SMTP
server. A channel without its settings is off; nothing else needs them (`make serve` runs without)."""
import base64
import datetime
import email.message
import email.utils
import smtplib
import ssl
import time
import urllib.parse
from typing import NamedTuple

import orjson
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

# Results of one send: it reached the service, the service says the subscription is no more (404/410), or
# it failed (retried with backoff).
SENT, GONE, FAILED = "sent", "gone", "failed"
TIMEOUT = 10  # seconds a push service or an SMTP server may take


def words(setting) -> list[str]:
    return (setting or "").split()


class Push:
    """Web Push: payloads encrypted with RFC 8291 aes128gcm for the subscription's keys and signed with
    VAPID (RFC 8292), both by pywebpush (http_ece and py_vapid); one HTTP session, so that a pass reuses
    its connections to a push service."""

    def __init__(self, key_path: str, subject: str):
        self.vapid = Vapid.from_file(private_key_file=key_path)
        self.subject = subject
        self.session = requests.Session()

    @property
    def public_key(self) -> str:
        """The applicationServerKey: the uncompressed P-256 point, base64url without padding."""
        raw = self.vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def send(self, subscription, payload: dict) -> tuple[str, str]:
        """(result, detail) of sending `payload` (JSON) to a subscription row."""
        endpoint = urllib.parse.urlsplit(subscription.endpoint)
        # A fresh claims dict per send: pywebpush writes `aud` and `exp` into the one it is given.
        claims = {"sub": self.subject, "aud": f"{endpoint.scheme}://{endpoint.netloc}",
                  "exp": int(time.time()) + 12 * 3600}
        try:
            webpush({"endpoint": subscription.endpoint,
                     "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}},
                    data=orjson.dumps(payload), vapid_private_key=self.vapid, vapid_claims=claims,
                    content_encoding="aes128gcm", ttl=3600, timeout=TIMEOUT, requests_session=self.session)
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            return (GONE if status in (404, 410) else FAILED), f"push service answered {status}"
        except (requests.RequestException, ValueError, OSError) as error:
            return FAILED, f"{type(error).__name__}: {error}"[:200]
        return SENT, ""


class Mail:
    """E-mail through an SMTP server: `smtp://host:port` (plain), `smtp+starttls://user:password@host:port`
    (STARTTLS, then login), `smtps://…` (TLS from the start). One connection per pass."""

    SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

    def __init__(self, url: str, sender: str, tls_context: ssl.SSLContext | None = None):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in self.SCHEMES:
            raise ValueError(f"hyperdiary.smtp.url: use smtp://, smtp+starttls:// or smtps://, not {parts.scheme!r}")
        self.scheme, self.host = parts.scheme, parts.hostname or "localhost"
        self.port = parts.port or self.SCHEMES[parts.scheme]
        self.user = urllib.parse.unquote(parts.username) if parts.username else None
        self.password = urllib.parse.unquote(parts.password) if parts.password else None
        self.sender = sender
        self.tls_context = tls_context or ssl.create_default_context()
        self.connection = None

    def connect(self):
        if self.scheme == "smtps":
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=self.tls_context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            if self.scheme == "smtp+starttls":
                connection.starttls(context=self.tls_context)
        if self.user:
            connection.login(self.user, self.password or "")
        return connection

    def send(self, recipient: str, subject: str, text: str) -> tuple[str, str]:
        message = email.message.EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message["Date"] = email.utils.formatdate(usegmt=True)
        message["Message-ID"] = email.utils.make_msgid(domain="hyperdiary")
        message.set_content(text)
        try:
            if self.connection is None:
                self.connection = self.connect()
            self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            return FAILED, f"recipient refused: {list(error.recipients.values())[0]!r}"[:200]
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return FAILED, f"{type(error).__name__}: {error}"[:200]
        return SENT, ""

    def close(self):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.connection = None


class Channels(NamedTuple):
    push: Push | None
    mail: Mail | None

    def states(self) -> dict:
        """What `notifications.channels` says: which channels this deployment has."""
        return {"email": self.mail is not None, "push": self.push is not None}


def configured(settings) -> Channels:
    """The channels of these settings. A VAPID key path that is set but cannot be read fails here, at start-up
    (a misconfiguration, not an unconfigured channel)."""
    key = settings.get("hyperdiary.webpush.vapid_private_key")
    sender = settings.get("hyperdiary.mail.from")
    subject = settings.get("hyperdiary.webpush.subject") or f"mailto:{sender or 'hyperdiary@localhost'}"
    push = Push(key, subject) if key else None
    smtp = settings.get("hyperdiary.smtp.url")
    mail = Mail(smtp, sender) if smtp and sender else None
    return Channels(push, mail)


def allowed_http_hosts(settings) -> frozenset:
    return frozenset(words(settings.get("hyperdiary.webpush.allow_http_hosts")))


def public_url(settings) -> str:
    """Where the API is reached, for the links in messages (the worker has no request to build them from)."""
    return (settings.get("hyperdiary.public_url") or "http://localhost:6543/").rstrip("/") + "/"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
