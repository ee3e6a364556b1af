"""The request: what every request carries beyond Pyramid's own, each computed once, on first use.

These live on one Request class (config.set_request_factory) rather than being added with
config.add_request_method(..., reify=True): for such properties Pyramid builds a new subclass of the
request for every request, which cost about a sixth of a simple GET."""
import collections
import re
import urllib.parse

import pyramid_tm
from pyramid.decorator import reify
from pyramid.request import Request as PyramidRequest

from .models.meta import utcnow
from .rendering import add_headers


# What a query may hold besides letters, digits and -._~ (RFC 3986: pchar, "/" and "?"), and a `%` that
# does not start an escape.
_QUERY_SAFE = "!$&'()*+,;=:@/?%"
_LONE_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")


class Request(PyramidRequest):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.response_callbacks = collections.deque((add_headers,))  # every answer's (rendering.add_headers)
    @reify
    def tm(self):
        """The transaction manager (pyramid_tm's, which the tween of models.includeme uses)."""
        return pyramid_tm.create_tm(self)

    @reify
    def dbsession(self):
        """This request's database session (models.includeme says which kind)."""
        return self.registry["request_dbsession"](self)

    @reify
    def dbconnection(self):
        """The connection this request's own statements run on (the lineage, a page): the session's, or for a
        read on PostgreSQL one of the read pool's that the session uses too (models.includeme)."""
        return self.registry["request_dbconnection"](self)

    @reify
    def lineage(self):
        """The caller and the records the path names, read in one statement (hyperdiary/lineage.py)."""
        return self.registry["lineage"](self)

    @reify
    def user(self):
        """The caller's identity (accounts.Identity: id, role, username), or None when anonymous."""
        return self.registry["request_identity"](self)

    @reify
    def now(self):
        """The request's moment (naive UTC): what it writes is created, modified or dated at one instant."""
        return utcnow()

    @reify
    def base_url(self) -> str:
        """The root's URL, ending with a slash (webob builds application_url anew on every access)."""
        return self.application_url + "/"

    @property
    def url(self) -> str:
        """The request's URL as a valid URI: the query string as sent may hold what a URI may not (a lone
        `%`, a space, raw bytes), and pages and reports echo it as their @url. Those characters are
        percent-encoded; a URL that was valid stays as it was."""
        query = self.environ.get("QUERY_STRING", "")
        if not query:
            return self.path_url
        return self.path_url + "?" + urllib.parse.quote(_LONE_PERCENT.sub("%25", query), safe=_QUERY_SAFE,
                                                        encoding="latin-1")

    @property
    def entry_schemas(self):
        return self.registry["entry_schemas"]

    @property
    def bodies(self):
        return self.registry["bodies"]

    @property
    def subjectlog_types(self):
        return self.registry["subjectlog_types"]


def includeme(config):
    config.set_request_factory(Request)
