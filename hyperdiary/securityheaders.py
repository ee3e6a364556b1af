"""The headers every response carries for the browser's sake (API.md §8), set in one tween.

`nosniff` keeps a browser from reading JSON (a diary entry someone wrote) as HTML or script;
`no-referrer` keeps URLs, which name clients, out of other sites' logs; the Content-Security-Policy
forbids a response from loading or running anything and from being framed. A response that already
has a policy (an HTML page sets one that fits its own needs) keeps it.
"""
from pyramid.tweens import INGRESS

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def security_headers(handler, registry):
    def add(request):
        response = handler(request)
        for name, value in HEADERS.items():
            response.headers[name] = value
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return add


def includeme(config):
    # Over the fault guard (faults.py), so that its answers carry these too.
    config.add_tween("hyperdiary.securityheaders.security_headers", under=INGRESS)
