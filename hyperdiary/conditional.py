"""304 Not Modified, decided here rather than by WebOb when the answer is served, so that the audit trail
records the status actually answered (API.md §9: a 304 was recorded as 200).

- `If-None-Match: *` (RFC 9110 §13.1.2): "answer only if nothing exists here". On a GET or HEAD of a resource
  that exists, that is a 304 whether or not the resource has an ETag. WebOb's conditional responses never see
  it: its `*` (AnyETag) is falsy, so `If-None-Match: *` was answered 200.
- `If-None-Match` naming the answer's ETag (hypermedia.set_etag): WebOb would turn the 200 into a 304 only
  as the answer is written out, after every tween; this tween, under the audit's, makes it a 304 first."""
from pyramid.tweens import EXCVIEW
from webob.etag import AnyETag

SAFE = ("GET", "HEAD")


def if_none_match_any(handler, registry):
    """A tween over the exception views and under the audit: the view runs as usual (so a resource that does
    not exist, or that the caller may not see, answers its 404 or 401), and its 2xx becomes a 304."""

    def conditional(request):
        response = handler(request)
        if request.method in SAFE and 200 <= response.status_code < 300 and (
                request.if_none_match is AnyETag
                or (response.conditional_response and response.etag and response.etag in request.if_none_match)):
            response.status = 304
            response.body = b""
            # A 304 carries no representation: only the validators and headers of the 200 it stands for.
            del response.content_type
        return response

    return conditional


def includeme(config):
    config.add_tween("hyperdiary.conditional.if_none_match_any", over=EXCVIEW,
                     under="hyperdiary.audit.audit_tween_factory")
