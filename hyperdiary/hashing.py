"""Password hashing that cannot starve other requests (API.md §8).

An argon2id hash costs about 0.4 s of CPU and 64 MiB by design, and each one runs on several threads
(its lanes). Eight sign-ins at once on two cores took `GET /` from a median of 1.5 ms to 2 s: the hashes
took the CPU, and the requests waiting for them took every worker thread of the server. Here at most
`concurrency` hashes run at once in a process (default: half the cores, at least one), and at most
`queue` requests wait for one, each at most `max_wait` seconds; a request beyond that is answered at once
with 503 and Retry-After.

The queue is deep by default (32, waiting up to 5 s each): a burst of sign-ins (20 people at nine in the
morning) is queued and answered in turn (API.md §8), not refused. With the queue as short as the hashes
running (the earlier default), a burst on a server of 4 worker threads got 18 × 503 out of 20: whatever
worker thread picked up a sign-in beyond the second refused it at once, and the next one, and so on. A
sign-in that waits here holds its worker thread; hyperdiary's waitress (server.SignInLane) lets sign-ins hold
at most half of them, and the rest of a burst waits there, holding none, so other requests keep being served.

The bound is per process on purpose: it shares out the CPU of the machine the process runs on.
Throttling guessers across processes is ratelimit.py's work.
"""
import os
import threading

# Seconds: a hash takes well under one, so a slot is likely free by then (faults.busy answers with it).
RETRY_AFTER = 1
QUEUE = 32
MAX_WAIT = 5.0


class HashingBusy(Exception):
    """More sign-ins are waiting for a password hash than the server lets wait."""


def default_concurrency() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // 2)


class BoundedHasher:
    """An argon2 PasswordHasher (its attributes pass through) whose hash and verify take a slot."""

    def __init__(self, hasher, concurrency: int | None = None, queue: int | None = None, max_wait: float = MAX_WAIT):
        self.hasher = hasher
        self.concurrency = concurrency or default_concurrency()
        self.queue = QUEUE if queue is None else queue
        self.max_wait = max_wait
        self._running = threading.BoundedSemaphore(self.concurrency)
        # Running plus waiting: a request that finds these all taken does not wait at all.
        self._admitted = threading.BoundedSemaphore(self.concurrency + self.queue)

    def __getattr__(self, name):
        return getattr(self.hasher, name)

    def _bounded(self, work, *args):
        if not self._admitted.acquire(blocking=False):
            raise HashingBusy()
        try:
            if not self._running.acquire(timeout=self.max_wait):
                raise HashingBusy()
            try:
                return work(*args)
            finally:
                self._running.release()
        finally:
            self._admitted.release()

    def hash(self, password, **kwargs):
        return self._bounded(lambda: self.hasher.hash(password, **kwargs))

    def verify(self, hash, password):
        return self._bounded(self.hasher.verify, hash, password)


def bounded(hasher, settings) -> BoundedHasher:
    def setting(name, kind):
        value = settings.get(f"hyperdiary.password_hashing.{name}")
        return kind(value) if value not in (None, "") else None

    return BoundedHasher(hasher, setting("concurrency", int), setting("queue", int),
                         setting("max_wait", float) or MAX_WAIT)
