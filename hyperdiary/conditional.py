"""`If-None-Match: *` (RFC 9110 §13.1.2): "answer only if nothing exists here". On a GET or HEAD of a
resource that exists, that is a 304 whether or not the resource has an ETag. WebOb's conditional
responses never see it: its `*` (AnyETag) is falsy, so `If-None-Match: *` was answered 200."""
from pyramid.tweens import EXCVIEW
from webob.etag import AnyETag

SAFE = ("GET", "HEAD")


def if_none_match_any(handler, registry):
    """A tween over the exception views: the view runs as usual (so a resource that does not exist, or
    that the caller may not see, answers its 404 or 401), and its 2xx becomes a 304."""

    def conditional(request):
        response = handler(request)
        if request.method in SAFE and 200 <= response.status_code < 300 and request.if_none_match is AnyETag:
            response.status = 304
            response.body = b""
            # A 304 carries no representation: only the validators and headers of the 200 it stands for.
            del response.content_type
        return response

    return conditional


def includeme(config):
    config.add_tween("hyperdiary.conditional.if_none_match_any", over=EXCVIEW)
