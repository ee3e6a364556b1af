"""API.md §8: the shipped ini files keep a server available while 200 clients hold connections open and
send their headers slowly (slowloris). A live waitress server with the [server:main] settings of each
ini file, 200 sockets on loopback each sending a header line now and then, bounded in time; meanwhile
normal GETs answer within a second. And no Server header gives the server away."""
import configparser
import pathlib
import socket
import threading
import time
import urllib.request

import pytest
import waitress

from tests.conftest import stop_server

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOCKETS = 200
DRIP_SECONDS = 4.0  # how long the slow clients keep dripping (bounded)
DRIP_EVERY = 0.5


def server_settings(ini: str) -> dict:
    parser = configparser.RawConfigParser()
    parser.read(ROOT / ini)
    settings = dict(parser["server:main"])
    for key in ("use", "listen", "http_port"):
        settings.pop(key, None)
    return settings


@pytest.fixture(params=["development.ini", "production.ini"])
def shipped_server(request, app, testapp):
    server = waitress.create_server(app, host="127.0.0.1", port=0, **server_settings(request.param))
    runner = threading.Thread(target=server.run, name="waitress-shipped", daemon=True)
    runner.start()
    yield f"http://127.0.0.1:{server.effective_port}", server.effective_port
    stop_server(server, runner)


def timed_get(url) -> tuple[int, float, dict]:
    started = time.monotonic()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Connection": "close"}), timeout=10) as response:
        response.read()
        return response.status, time.monotonic() - started, dict(response.headers)


def test_200_slow_clients_leave_the_server_answering(shipped_server):
    url, port = shipped_server
    sockets = []
    try:
        for number in range(SOCKETS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
        answers = []
        deadline = time.monotonic() + DRIP_SECONDS
        line = 0
        while time.monotonic() < deadline:
            for sock in sockets:
                sock.sendall(b"X-Drip-%d: a\r\n" % line)
            line += 1
            answers.append(timed_get(url + "/"))
            time.sleep(DRIP_EVERY)
        assert len(answers) >= 4
        assert all(status == 200 for status, _, _ in answers)
        slowest = max(seconds for _, seconds, _ in answers)
        assert slowest < 1.0, f"a GET took {slowest:.2f} s while {SOCKETS} clients dripped"
        assert "Server" not in answers[0][2]
    finally:
        for sock in sockets:
            sock.close()
