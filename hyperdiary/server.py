"""waitress, as hyperdiary serves with it: `[server:main] use = egg:hyperdiary#waitress` in the ini files
takes waitress's own settings.

One change: waitress 3.0 closes an HTTP/1.1 connection after every 204 and 304 (it sees neither a
Content-Length nor chunking, which RFC 9110 forbids on them, and so cannot tell where the next answer
starts). A 204 and a 304 end with their header, so the connection can carry the next request: a client
deleting or revalidating many records should not pay a new TCP connection for each.

Two: sign-ins have a lane of their own (`SignInLane`). A password hash is slow by design, and a sign-in waits
for its turn to hash (hashing.py); in waitress's one queue, a burst of sign-ins took every worker thread, and
every other request waited behind the whole burst (GET / 16.5 s behind 20 sign-ins). Here sign-ins (and
registrations, which hash too) hold at most half the worker threads; the rest of a burst waits in a queue of
its own, holding no thread, and is answered in turn, while the other threads serve everything else.

Three: what waitress answers itself, before the application sees a request (431 for headers over
`max_request_header_size`, 400 for a malformed request line, chunking or Content-Length, 413 over
`max_request_body_size`), is in the contract's error shape (API.md §2, §8) with the security headers
every answer carries, not waitress's plain text."""
import itertools
import json
from collections import deque

import waitress
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.server import create_server as waitress_server
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask

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


# The requests that hash a password (views/auth.py, pages/session.py): POSTs to these, below any prefix.
HASHING_PATHS = ("/auth/token", "/auth/session", "/auth/register")
# Sign-ins beyond this many waiting in the lane go to the common queue (and from there, past hashing.py's own
# bound, are answered 503): a flood of sign-ins must not queue without end.
LANE_BACKLOG = 256


def hashes_password(channel) -> bool:
    request = channel.requests[0] if channel.requests else None
    return (request is not None and request.error is None and request.command == "POST"
            and request.path.rstrip("/").endswith(HASHING_PATHS))


class SignInLane(ThreadedTaskDispatcher):
    """waitress's dispatcher, whose sign-ins take at most `lane` worker threads at a time. Tasks are served in
    the order they came, skipping sign-ins while the lane is full (waitress.task.ThreadedTaskDispatcher's loop,
    with a second queue)."""

    def __init__(self, lane: int):
        super().__init__()
        self.lane = lane
        self.sign_ins = deque()
        self.signing_in = 0
        self.order = itertools.count()

    def add_task(self, task):
        if hashes_password(task):
            with self.lock:
                if len(self.sign_ins) < LANE_BACKLOG:
                    self.sign_ins.append((next(self.order), task))
                    self.queue_cv.notify()
                    return
        with self.lock:
            self.queue.append((next(self.order), task))
            self.queue_cv.notify()

    def _lane_open(self) -> bool:
        return bool(self.sign_ins) and self.signing_in < self.lane

    def handler_thread(self, thread_no):
        while True:
            with self.lock:
                while not self.queue and not self._lane_open() and self.stop_count == 0:
                    self.active_count -= 1
                    self.queue_cv.wait()
                    self.active_count += 1
                if self.stop_count > 0:
                    self.active_count -= 1
                    self.stop_count -= 1
                    self.threads.discard(thread_no)
                    self.thread_exit_cv.notify()
                    break
                signing_in = self._lane_open() and (not self.queue or self.sign_ins[0][0] < self.queue[0][0])
                if signing_in:
                    self.signing_in += 1
                    task = self.sign_ins.popleft()[1]
                else:
                    task = self.queue.popleft()[1]
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)
            finally:
                if signing_in:
                    with self.lock:
                        self.signing_in -= 1
                        self.queue_cv.notify()

    def shutdown(self, cancel_pending=True, timeout=5):
        """waitress's shutdown (the threads stop), then what is still queued in either queue is cancelled."""
        super().shutdown(cancel_pending=False, timeout=timeout)
        if not cancel_pending:
            return False
        with self.lock:
            for _, task in sorted([*self.queue, *self.sign_ins], key=lambda entry: entry[0]):
                task.cancel()
            self.queue.clear()
            self.sign_ins.clear()
            self.queue_cv.notify_all()
        return True


def create_server(app, **settings):
    """waitress.create_server, whose servers make hyperdiary's channels (each listening socket is a
    server of its own when several are configured) and share a dispatcher with a lane for sign-ins."""
    threads = Adjustments(**settings).threads
    dispatcher = SignInLane(lane=max(1, threads // 2))
    dispatcher.set_thread_count(threads)
    server = waitress_server(app, _dispatcher=dispatcher, **settings)
    for candidate in [server, *getattr(server, "map", {}).values()]:
        if isinstance(candidate, BaseWSGIServer):
            candidate.channel_class = Channel
    return server


def serve_paste(app, global_conf, **settings):
    """PasteDeploy's server runner (`pserve`)."""
    waitress.serve(app, _server=create_server, **settings)
    return 0
