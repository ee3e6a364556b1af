"""Every answer the suite receives is checked against the OpenAPI document of the app that gave it.

conftest.py wraps webtest.TestApp.do_request with `checked`: the request's method and path find the
documented operation, and the answer's status, documented headers, media type and body must fit it.
- A path the document does not hold (or a method it does not list there) must answer the Error shape
  with 404, 405 (with Allow), or 401 below a resource the caller must sign in to see.
- A 500 (which only a test that provokes one gets) must have the Error shape.
- Answers in a media type the document does not describe (pages and their assets, SVG charts) are let
  through by their content type, whatever their path. (A gzipped answer is checked decoded: webtest
  decodes it before this check sees it.)
- A HEAD answer is checked as its GET, without a body; an OPTIONS answer (a CORS preflight) has no
  operation and is only checked for a 2xx status or an Error body.
"""
import functools
import json
import re

import jsonschema_rs
import webob

# Media types the document does not describe (the pages, their assets, charts' drawings): answers in them
# are not checked, unless the operation lists the type.
UNDESCRIBED_MEDIA = frozenset({"text/html", "image/svg+xml", "text/css", "text/javascript", "application/javascript",
                               "application/manifest+json"})


def path_pattern(template: str) -> re.Pattern:
    steps = ("[^/]+" if re.fullmatch(r"\{\w+\}", step) else re.escape(step) for step in template.split("/"))
    return re.compile("^" + "/".join(steps) + "$")


class Conformance:
    """Checks an answer against the operation the document gives for its method and path, and remembers
    which operations it has seen and which paths it reached only without their final slash."""

    def __init__(self, document):
        self.document = document
        self.paths = [(path_pattern(template), template) for template in document["paths"]]
        self.validators = {}
        self.seen = set()
        self.unslashed = set()

    def template(self, path: str) -> str | None:
        templates = [template for pattern, template in self.paths if pattern.match(path)]
        if not templates:
            # Traversal reaches a resource's default view with or without the final slash.
            templates = [template for pattern, template in self.paths if pattern.match(path + "/")]
            self.unslashed.update(templates)
        if not templates:
            return None
        # OpenAPI: concrete paths match before templated ones (`/subjectlogs/types/`, not `/subjectlogs/{log_id}/`).
        fewest = min(template.count("{") for template in templates)
        templates = [template for template in templates if template.count("{") == fewest]
        assert len(templates) == 1, f"{path} matches {templates}"
        return templates[0]

    def validator(self, key, schema):
        if key not in self.validators:
            root = dict(schema, components=self.document["components"])
            # offline: a $ref never leads off the document (nothing is fetched).
            self.validators[key] = jsonschema_rs.Draft202012Validator(root, validate_formats=True, offline=True)
        return self.validators[key]

    def fits(self, where: str, key, schema, response):
        # A JSON document is checked as parsed; any other (an iCalendar feed) as its text.
        parsed = json.loads(response.body) if response.content_type.endswith("json") else response.text
        problems = [f"{'/'.join(map(str, error.instance_path))}: {error.message}"
                    for error in self.validator(key, schema).iter_errors(parsed)]
        assert problems == [], f"{where} {response.status_code} does not fit the document: {problems}"

    def error_answer(self, where: str, response):
        assert response.content_type == "application/json", f"{where} {response.status_code}: {response.content_type}"
        self.fits(where, "Error", {"$ref": "#/components/schemas/Error"}, response)

    @staticmethod
    def lists(operation, response) -> bool:
        """Does the operation list the answer's media type for its status?"""
        answer = (operation or {}).get("responses", {}).get(str(response.status_code), {})
        return response.content_type in answer.get("content", {})

    def __call__(self, request, response):
        # PATH_INFO as the server gave it (bytes as latin-1): a test may send bytes that are not UTF-8.
        method, path = request.method.upper(), request.environ.get("PATH_INFO") or "/"
        where = f"{method} {path}"
        if response.status_code == 500:
            # No operation answers 500 (the contract has none); a test that provokes one gets the Error shape.
            self.error_answer(where, response)
            return response
        if method == "OPTIONS":
            if response.status_code >= 300:
                self.error_answer(where, response)
            return response
        template = self.template(path)
        operation = None if template is None else self.document["paths"][template].get(
            "get" if method == "HEAD" else method.lower())
        if response.content_type in UNDESCRIBED_MEDIA and not self.lists(operation, response):
            return response
        if operation is None:
            # Not a documented operation: the Error shape, 404 or 405 with the methods that are (or 401 where
            # only a signed-in caller may learn whether the path exists).
            assert response.status_code in (401, 404, 405), f"{where} is not documented, yet answered {response.status}"
            if response.status_code == 405:
                assert "Allow" in response.headers, f"{where} 405 without Allow"
            if method != "HEAD":
                self.error_answer(where, response)
            return response
        where = f"{method} {template}"
        answer = operation["responses"].get(str(response.status_code))
        assert answer is not None, f"{where} answered {response.status_code}, which the document does not list"
        for header in answer.get("headers", {}):
            assert header in response.headers, f"{where} {response.status_code}: no {header} header"
        self.seen.add(operation["operationId"])
        content = answer.get("content")
        if method == "HEAD" or response.status_code == 304:
            assert response.body == b"", f"{where} {response.status_code} has a body"
        elif content is None:
            assert response.body == b"", f"{where} {response.status_code} has an undocumented body"
        else:
            assert response.content_type in content, f"{where} answered {response.content_type}"
            self.fits(where, (operation["operationId"], response.status_code, response.content_type),
                      content[response.content_type]["schema"], response)
        return response


@functools.cache
def conformance_of(app) -> Conformance | None:
    """The checker of an application, with the document it serves (asked once, directly, unchecked); None
    for a WSGI application that is not a Pyramid app (a test of a middleware on a stand-in app): it serves
    no document to check against. A Pyramid app (hyperdiary's) that does not serve its document fails the
    test loudly: a check that turned itself off would let every answer through unchecked. (An assertion is
    not cached: each request of such an app fails.)"""
    if getattr(app, "registry", None) is None:
        return None
    answer = webob.Request.blank("/openapi.json", base_url="http://example.com").get_response(app)
    assert answer.status_code == 200 and answer.content_type == "application/json", (
        f"the app does not serve its OpenAPI document: GET /openapi.json answered {answer.status}: "
        f"{answer.body[:2000]!r}")
    document = json.loads(answer.body)
    assert document.get("openapi", "").startswith("3."), "/openapi.json is not an OpenAPI document"
    return Conformance(document)


def checked(do_request):
    """webtest.TestApp.do_request, with every answer checked against the app's document."""

    @functools.wraps(do_request)
    def do_checked_request(testapp, req, *args, **kwargs):
        response = do_request(testapp, req, *args, **kwargs)
        check = conformance_of(testapp.app)
        return response if check is None else check(req, response)

    return do_checked_request
