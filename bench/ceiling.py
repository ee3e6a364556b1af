"""The ceiling: bare Pyramid + waitress, no database, no auth. Two views: GET a ~300-byte JSON
document, POST a ~200-byte body validated by a cached Draft 2020-12 validator. hyperdiary's figures
are read as fractions of these, measured in the same run on the same machine.

    python bench/ceiling.py PORT
"""
import sys

import orjson
import waitress
from jsonschema import Draft202012Validator
from pyramid.config import Configurator
from pyramid.response import Response

DOCUMENT = {
    "@url": "http://127.0.0.1/clients/0123456789abcdef0123456789abcdef/diary/entries/fedcba9876543210fedcba98765432/",
    "@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1",
    "@links": [],
    "@changes": {"creation_time": "2024-04-11T11:41:09Z", "modification_time": "2024-04-11T11:41:09Z"},
    "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5,
}
VALIDATOR = Draft202012Validator({
    "type": "object", "required": ["@type", "dt", "emotion", "intensity"],
    "properties": {"@type": {"type": "string"}, "dt": {"type": "string"},
                   "emotion": {"enum": ["happy", "angry", "sad", "scared"]},
                   "intensity": {"type": "integer", "minimum": 1, "maximum": 5},
                   "situation": {"type": "string"}},
})


def get_document(request):
    return Response(body=orjson.dumps(DOCUMENT), content_type="application/json", charset="UTF-8")


def post_document(request):
    body = orjson.loads(request.body)
    errors = [e.message for e in VALIDATOR.iter_errors(body)]
    status = 400 if errors else 201
    return Response(body=orjson.dumps({"errors": errors} if errors else body), status=status,
                    content_type="application/json", charset="UTF-8")


def make_app():
    with Configurator() as config:
        config.add_route("document", "/document")
        config.add_view(get_document, route_name="document", request_method="GET")
        config.add_view(post_document, route_name="document", request_method="POST")
    return config.make_wsgi_app()


if __name__ == "__main__":
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    waitress.serve(make_app(), host="127.0.0.1", port=int(sys.argv[1]), threads=threads, _quiet=True)
