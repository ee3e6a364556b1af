"""waitress, as hyperdiary serves with it: `[server:main] use = egg:hyperdiary#waitress` in the ini files
takes waitress's own settings.

One change: waitress 3.0 closes an HTTP/1.1 connection after every 204 and 304 (it sees neither a
Content-Length nor chunking, which RFC 9110 forbids on them, and so cannot tell where the next answer
starts). A 204 and a 304 end with their header, so the connection can carry the next request: a client
deleting or revalidating many records should not pay a new TCP connection for each.

Two: what waitress answers itself, before the application sees a request (431 for headers over
`max_request_header_size`, 400 for a malformed request line, chunking or Content-Length, 413 over
`max_request_body_size`), is in the contract's error shape (API.md §2, §8) with the security headers
every answer carries, not waitress's plain text."""
import json

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.server import create_server as waitress_server
from waitress.task import ErrorTask, WSGITask

from .securityheaders import CONTENT_SECURITY_POLICY, HEADERS

CLOSE = b"\r\nConnection: close"


class Task(WSGITask):
    def build_response_header(self):
        closing = self.close_on_finish or self.request.headers.get("CONNECTION", "").lower() == "close"
        header = super().build_response_header()
        if self.version == "1.1" and not self.has_body and not closing and self.close_on_finish:
            # Only waitress's own reason to close applied: take it back. (An application may not send a
            # Connection header through WSGI, so this one is waitress's.)
            self.close_on_finish = False
            self.response_headers = [(name, value) for name, value in self.response_headers
                                     if name != "Connection"]
            header = header.replace(CLOSE, b"", 1)
        return header


# An error's message, as errors.py cuts its own.
MESSAGE_LENGTH = 300


class JsonErrorTask(ErrorTask):
    """waitress's own error answers (waitress.utilities.Error) as `{"code", "message", "extra"}`."""

    def execute(self):
        error = self.request.error
        message = f"{error.reason}: {error.body}" if error.body else error.reason
        body = json.dumps({"code": error.code, "message": message[:MESSAGE_LENGTH], "extra": []}).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json; charset=UTF-8"),
                                      ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
                                      ("Cache-Control", "no-store"), *HEADERS.items()])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    task_class = Task
    error_task_class = JsonErrorTask


def create_server(app, **settings):
    """waitress.create_server, whose servers make hyperdiary's channels (each listening socket is a
    server of its own when several are configured)."""
    server = waitress_server(app, **settings)
    for candidate in [server, *getattr(server, "map", {}).values()]:
        if isinstance(candidate, BaseWSGIServer):
            candidate.channel_class = Channel
    return server


def serve_paste(app, global_conf, **settings):
    """PasteDeploy's server runner (`pserve`)."""
    waitress.serve(app, _server=create_server, **settings)
    return 0
