"""Throttling of the endpoints that guessers and bots use (API.md §8), with the `limits` library.

- `auth.token`: failed sign-ins are counted three ways: per username and client address together, per
  address, and per username alone; once any count is full (defaults: 5 for a username from one address in
  15 minutes, 20 per address a minute, 50 for a username in an hour from all addresses) an attempt that would
  add to it answers 429, the right password included, until the window has moved on. A stranger's guesses
  from elsewhere fill the stranger's own count, not the person's: the per-username limit, ten times higher,
  only stops guessing spread over many addresses. Successful sign-ins are not counted.
- `auth.register`: every attempt per address (default 20 an hour); `auth.refresh` likewise (60 a minute).

Windows are moving windows: a 429's Retry-After is the number of seconds until the oldest counted
attempt leaves the window. Counts live in a `limits` storage named by `hyperdiary.ratelimit.storage_url`
(environment HYPERDIARY_RATELIMIT_STORAGE_URL): `memory://` (the default) keeps them in the process,
which is right for one process; several processes behind one proxy share a store
(`redis://127.0.0.1:6379`), or each would allow its own five guesses. The client address is the
request's REMOTE_ADDR: behind a proxy, waitress's `trusted_proxy` settings make that the real client's
(X-Forwarded-For as such could be forged by anyone).
"""
import hashlib
import logging
import math
import time

from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pyramid.httpexceptions import HTTPTooManyRequests
from pyramid.view import exception_view_config

from .errors import error_response

log = logging.getLogger(__name__)

SETTING = "hyperdiary.ratelimit."
STORE_RETRY_AFTER = 5
DEFAULTS = {
    "storage_url": "memory://",
    # Keys in a shared store start with this: several deployments (or test runs) can share one Redis.
    "key_prefix": "hyperdiary",
    "token_username_address": "5 per 15 minutes",
    "token_address": "20 per minute",
    "token_username": "50 per hour",
    "register_address": "20 per hour",
    "refresh_address": "60 per minute",
}


class Throttled(HTTPTooManyRequests):
    def __init__(self, retry_after: int):
        super().__init__("Too many attempts; try again later.")
        # Not `retry_after`: a webob Response (which an HTTPException is) reads that as a date.
        self.seconds = retry_after


def _key(text: str) -> str:
    """A bounded key for any text a caller sent (a username may be a megabyte)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def client_address(request) -> str:
    return request.environ.get("REMOTE_ADDR") or "unknown"


class Throttle:
    def __init__(self, settings):
        def setting(name):
            return settings.get(SETTING + name) or DEFAULTS[name]

        url = setting("storage_url")
        # A shared store's failures come as StorageError (answered 503 below), whatever the backend.
        options = {} if url.startswith("memory") else {"key_prefix": setting("key_prefix"), "wrap_exceptions": True}
        self.storage = storage_from_string(url, **options)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.limits = {name: parse(setting(name)) for name in DEFAULTS if name.endswith(("_username", "_address"))}

    def _retry_after(self, name, key) -> int:
        reset = self.limiter.get_window_stats(self.limits[name], name, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _refuse_if_full(self, *counts):
        for name, key in counts:
            if not self.limiter.test(self.limits[name], name, key):
                raise Throttled(self._retry_after(name, key))

    def _count(self, name, key):
        """Count an attempt; 429 when the limit was full already."""
        if not self.limiter.hit(self.limits[name], name, key):
            raise Throttled(self._retry_after(name, key))

    # --- what the views call ---

    @staticmethod
    def _sign_in_counts(request, username: str):
        username = username.strip().lower()
        address = client_address(request)
        # NUL separates the two: neither a username nor an address holds one.
        return (("token_username_address", _key(f"{username}\0{address}")), ("token_address", _key(address)),
                ("token_username", _key(username)))

    def before_sign_in(self, request, username: str):
        self._refuse_if_full(*self._sign_in_counts(request, username))

    def failed_sign_in(self, request, username: str):
        for name, key in self._sign_in_counts(request, username):
            self.limiter.hit(self.limits[name], name, key)

    def registration(self, request):
        self._count("register_address", _key(client_address(request)))

    def refresh(self, request):
        self._count("refresh_address", _key(client_address(request)))

    def reset(self):
        """Forget every count (tests)."""
        self.storage.reset()


def throttle(request) -> Throttle:
    return request.registry["ratelimit"]


@exception_view_config(Throttled)
def too_many(exc, request):
    return error_response(request, 429, exc.detail, headers={"Retry-After": str(exc.seconds)})


@exception_view_config(StorageError)
def store_unreachable(exc, request):
    """The shared store cannot be reached: the throttled endpoints wait for it rather than let guesses
    through uncounted."""
    log.warning("Throttling store unreachable on %s %s: %s", request.method, request.path_qs, exc)
    return error_response(request, 503, "Sign-in is unavailable for a moment; try again shortly.",
                          headers={"Retry-After": str(STORE_RETRY_AFTER)})


def includeme(config):
    config.registry["ratelimit"] = Throttle(config.get_settings())
    config.scan(".ratelimit")
