"""The request: what every request carries beyond Pyramid's own, each computed once, on first use.

These live on one Request class (config.set_request_factory) rather than being added with
config.add_request_method(..., reify=True): for such properties Pyramid builds a new subclass of the
request for every request, which cost about a sixth of a simple GET."""
import pyramid_tm
from pyramid.decorator import reify
from pyramid.request import Request as PyramidRequest

from .models.meta import utcnow


class Request(PyramidRequest):
    @reify
    def tm(self):
        """The transaction manager (pyramid_tm's, which the tween of models.includeme uses)."""
        return pyramid_tm.create_tm(self)

    @reify
    def dbsession(self):
        """This request's database session (models.includeme says which kind)."""
        return self.registry["request_dbsession"](self)

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
