"""hashing.BoundedHasher: at most `concurrency` hashes at once, at most `queue` waiting; more is
HashingBusy at once, so that sign-ins cannot take every worker thread."""
import threading

import pytest

from hyperdiary.hashing import BoundedHasher, HashingBusy


class SlowHasher:
    """Hashes when told to: each call waits for `release`."""

    time_cost = 1

    def __init__(self):
        self.release = threading.Event()
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def hash(self, password):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.release.wait(timeout=30)
        with self.lock:
            self.running -= 1
        return "hashed:" + password

    def verify(self, hash, password):
        return self.hash(password) == hash


def test_bounded_running_and_waiting():
    slow = SlowHasher()
    hasher = BoundedHasher(slow, concurrency=1, queue=1, max_wait=30)
    results = []
    threads = [threading.Thread(target=lambda: results.append(hasher.hash("x"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    while slow.running == 0:
        threading.Event().wait(0.01)
    with pytest.raises(HashingBusy):  # one hashing, one waiting: a third is refused at once
        hasher.hash("y")
    slow.release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert results == ["hashed:x", "hashed:x"] and slow.most == 1
    assert hasher.verify("hashed:z", "z") is True and hasher.time_cost == 1


def test_a_wait_past_max_wait_is_busy():
    slow = SlowHasher()
    hasher = BoundedHasher(slow, concurrency=1, queue=1, max_wait=0.1)
    holder = threading.Thread(target=hasher.hash, args=("x",))
    holder.start()
    while slow.running == 0:
        threading.Event().wait(0.01)
    with pytest.raises(HashingBusy):
        hasher.hash("y")
    slow.release.set()
    holder.join(timeout=30)
