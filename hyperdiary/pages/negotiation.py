"""Content negotiation: the JSON a view answered, or the HTML page of it.

One tween, right around the router: it sees each answer as the view (or the exception view) made it. When
the request prefers `text/html` over `application/json` and the answer is JSON, the body becomes the page
of that JSON; status, ETag, Location and the other headers stay. Both forms carry `Vary: Accept`, so no
cache hands one to a caller that asked for the other.
"""
import orjson

from ..rendering import HTML, add_vary, negotiated
from . import render

JSON_TYPES = ("application/json",)

# Pages load only what this server serves: its style sheet and its script (no inline script), images of
# its own or inlined (`data:`, the images entries hold), and send forms and fetches only to itself.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'")


def prefers_html(request) -> bool:
    """Whether `text/html` ranks first among the forms of a representation (rendering.negotiated). A tie
    (`*/*`, no header) is JSON: the API's own answer, as before pages existed."""
    return negotiated(request) == HTML


def html_tween(handler, registry):
    def tween(request):
        html = prefers_html(request)
        response = handler(request)
        if response.content_type in JSON_TYPES:
            add_vary(response)
            if html and response.body:
                # Compressed already (by something inside this tween): decoded, made a page, compressed again.
                encoding = response.content_encoding
                if encoding in ("gzip", "identity"):
                    response.decode_content()
                if not response.content_encoding:
                    page(request, response)
                    if encoding == "gzip":
                        response.encode_content("gzip")
        return response

    return tween


def page(request, response):
    """Turn a JSON answer into its page, in place."""
    body = orjson.loads(response.body)
    response.text = ""
    response.content_type = "text/html"
    response.charset = "UTF-8"
    response.text = render.page(request, body, response)
    # Whatever policy the JSON carried (`default-src 'none'`) does not fit a page that loads its style sheet.
    response.headers["Content-Security-Policy"] = CSP

