"""API.md §8 throttling: failed sign-ins per username and per address, registrations and refreshes per
address; past a limit 429 with Retry-After in the error shape, the right password included, until the
window has passed; and the counts hold across two server processes sharing a Redis store."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
import webtest

from hyperdiary import main
from hyperdiary.ratelimit import SETTING
from hyperdiary.models import dispose
from tests.conftest import PASSWORD, Api, create_user, empty_tables, link


def sign_in(testapp, username, password, address="192.0.2.1", status="*"):
    anonymous = Api(testapp)
    return testapp.post_json(anonymous.url("auth.token"), {"username": username, "password": password},
                             extra_environ={"REMOTE_ADDR": address}, status=status)


@pytest.fixture
def testapp(app_settings, app):
    """An app with the contract's default limits (testing.ini raises them for the rest of the suite), on
    the suite's database; its counts start at zero."""
    settings = {key: value for key, value in app_settings.items() if not key.startswith(SETTING)}
    throttled = main({}, **settings)
    yield webtest.TestApp(throttled, extra_environ={"HTTP_HOST": "example.com"})
    dispose(throttled.registry)
    empty_tables(app.registry["dbengine"])


def assert_429(response):
    assert response.status_int == 429, response
    assert set(response.json) == {"code", "message", "extra"} and response.json["code"] == 429
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert int(response.headers["Retry-After"]) >= 1
    return int(response.headers["Retry-After"])


def test_five_failures_from_one_address_refuse_that_address_even_the_right_password(app, testapp):
    create_user(app, "dora", "client")
    create_user(app, "erik", "client")
    for _ in range(5):
        assert sign_in(testapp, "dora", "wrong", address="192.0.2.66").status_int == 401
    retry = assert_429(sign_in(testapp, "DORA", PASSWORD, address="192.0.2.66"))
    assert retry <= 15 * 60
    # Another account from the same address is not affected.
    assert sign_in(testapp, "erik", PASSWORD, address="192.0.2.66").status_int == 200


def test_a_strangers_guesses_do_not_lock_the_person_out(app, testapp):
    """Five wrong passwords from the stranger's address; the person signs in from their own."""
    create_user(app, "dora", "client")
    for _ in range(5):
        assert sign_in(testapp, "dora", "wrong", address="203.0.113.66").status_int == 401
    assert_429(sign_in(testapp, "dora", "wrong", address="203.0.113.66"))
    assert sign_in(testapp, "dora", PASSWORD, address="192.0.2.10").status_int == 200
    # Nor do a few guesses from each of several addresses.
    for attempt in range(40):
        assert sign_in(testapp, "dora", "wrong", address=f"198.18.0.{attempt}").status_int == 401
    assert sign_in(testapp, "dora", PASSWORD, address="192.0.2.10").status_int == 200


def test_fifty_failures_for_a_username_from_all_addresses_refuse_it_everywhere(app, testapp):
    create_user(app, "dora", "client")
    for attempt in range(50):
        assert sign_in(testapp, "dora", "wrong", address=f"198.18.{attempt // 4}.{attempt % 4}").status_int == 401
    retry = assert_429(sign_in(testapp, "dora", PASSWORD, address="192.0.2.10"))
    assert retry <= 60 * 60


def test_twenty_failures_from_an_address_refuse_every_username(app, testapp):
    create_user(app, "dora", "client")
    for attempt in range(20):
        assert sign_in(testapp, f"nobody{attempt % 4}", "wrong", address="198.51.100.7").status_int == 401
    assert assert_429(sign_in(testapp, "dora", PASSWORD, address="198.51.100.7")) <= 60
    # The account itself is fine from elsewhere.
    assert sign_in(testapp, "dora", PASSWORD, address="198.51.100.8").status_int == 200


def test_successful_sign_ins_are_not_counted(app, testapp):
    create_user(app, "dora", "client")
    for _ in range(8):
        assert sign_in(testapp, "dora", PASSWORD).status_int == 200
    for _ in range(4):
        assert sign_in(testapp, "dora", "wrong").status_int == 401
    assert sign_in(testapp, "dora", PASSWORD).status_int == 200


@pytest.mark.parametrize("name, value", [("token_username_address", "3 per hour"), ("token_address", "3 per hour"),
                                         ("token_username", "3 per hour")])
def test_each_sign_in_limit_is_configurable(app, app_settings, testapp, name, value):
    settings = {key: val for key, val in app_settings.items() if not key.startswith(SETTING)}
    settings[SETTING + name] = value
    limited = main({}, **settings)
    try:
        limited_app = webtest.TestApp(limited, extra_environ={"HTTP_HOST": "example.com"})
        create_user(app, "dora", "client")
        # The same username and address each time, so that whichever count is configured fills up.
        for _ in range(3):
            assert sign_in(limited_app, "dora", "wrong").status_int == 401
        assert_429(sign_in(limited_app, "dora", PASSWORD))
    finally:
        dispose(limited.registry)


def test_registration_is_limited_per_address(testapp):
    anonymous = Api(testapp)
    register = anonymous.url("auth.register")
    for number in range(20):
        testapp.post_json(register, {"username": f"user{number}", "email": f"u{number}@example.org",
                                     "password": PASSWORD}, extra_environ={"REMOTE_ADDR": "203.0.113.5"}, status=201)
    assert_429(testapp.post_json(register, {"username": "one_more", "email": "m@example.org", "password": PASSWORD},
                                 extra_environ={"REMOTE_ADDR": "203.0.113.5"}, status=429))
    testapp.post_json(register, {"username": "elsewhere", "email": "e@example.org", "password": PASSWORD},
                      extra_environ={"REMOTE_ADDR": "203.0.113.6"}, status=201)


def test_refresh_is_limited_per_address(client, testapp):
    refresh = client.url("auth.refresh")
    for _ in range(60):
        testapp.post_json(refresh, {"refresh": "not-a-token"}, extra_environ={"REMOTE_ADDR": "203.0.113.9"},
                          status=401)
    assert_429(testapp.post_json(refresh, {"refresh": client.refresh}, extra_environ={"REMOTE_ADDR": "203.0.113.9"},
                                 status=429))


@pytest.fixture
def quick_app(app_settings):
    """The app with a window of two seconds, to see one pass."""
    settings = {key: value for key, value in app_settings.items() if not key.startswith(SETTING)}
    settings["hyperdiary.ratelimit.token_username_address"] = "2 per 2 seconds"
    app = main({}, **settings)
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    dispose(app.registry)


def test_the_right_password_works_again_once_the_window_has_passed(app, testapp, quick_app):
    create_user(app, "dora", "client")
    for _ in range(2):
        assert sign_in(quick_app, "dora", "wrong").status_int == 401
    assert_429(sign_in(quick_app, "dora", PASSWORD))
    time.sleep(2.1)
    assert sign_in(quick_app, "dora", PASSWORD).status_int == 200


# --- a burst of correct sign-ins is queued, not refused ----------------------------------------------------


def test_a_burst_of_twenty_correct_sign_ins_is_answered_and_others_are_served_meanwhile(app_settings, testapp):
    """20 sign-ins at once on a server of 4 worker threads (production.ini's), one hash at a time and the
    default queue: every one answers 200 (the earlier default queue, as short as the hashes running, gave
    18 × 503 out of 20). Meanwhile GET / is answered in a fraction of the burst's time: sign-ins hold at most
    half the worker threads (server.SignInLane; in waitress's one queue, a GET waited behind the whole burst).
    The hash costs enough here that the burst lasts a while."""
    import threading

    from hyperdiary import server as hyperdiary_server
    from tests.conftest import stop_server

    settings = {key: value for key, value in app_settings.items()
                if not key.startswith("hyperdiary.password_hashing.")}
    settings.update({"hyperdiary.password_hashing.concurrency": "1", "hyperdiary.argon2.memory_cost": "32768",
                     "hyperdiary.argon2.time_cost": "3"})
    burst_app = main({}, **settings)
    server = hyperdiary_server.create_server(burst_app, host="127.0.0.1", port=0, threads=4)
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    try:
        for number in range(5):
            create_user(burst_app, f"person{number}", "client")
        base = f"http://127.0.0.1:{server.effective_port}"
        token_path = "/" + link(Api(testapp).root(), "auth.token").split("/", 3)[3]
        start = threading.Barrier(21)
        answers, others = [], []
        done = threading.Event()

        def sign_in_now(number):
            start.wait(timeout=30)
            answers.append(post(base + token_path, {"username": f"person{number % 5}", "password": PASSWORD})[0])

        def meanwhile():
            start.wait(timeout=30)
            while not done.is_set():
                began = time.monotonic()
                with urllib.request.urlopen(base + "/", timeout=120) as response:
                    assert response.status == 200
                others.append(time.monotonic() - began)
                time.sleep(0.02)

        threads = [threading.Thread(target=sign_in_now, args=(number,)) for number in range(20)]
        poller = threading.Thread(target=meanwhile)
        for thread in [*threads, poller]:
            thread.start()
        began = time.monotonic()
        for thread in threads:
            thread.join(timeout=300)
        burst = time.monotonic() - began
        done.set()
        poller.join(timeout=120)
        assert sorted(answers) == [200] * 20, answers
        assert burst > 1, f"the burst took {burst:.2f} s: too short to tell"
        assert others and max(others) < burst / 2, (burst, max(others))
    finally:
        stop_server(server, runner)
        dispose(burst_app.registry)


# --- two processes, one Redis ---------------------------------------------------------------------

REDIS_URL = os.environ.get("HYPERDIARY_TEST_REDIS_URL", "redis://127.0.0.1:6379")

SERVE = """
import json, sys, waitress
from hyperdiary import main
settings = json.loads(sys.argv[1])
server = waitress.create_server(main({}, **settings), host="127.0.0.1", port=0, threads=2)
print(server.effective_port, flush=True)
server.run()
"""


def redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def two_servers(app_settings):
    if not redis_answers():
        pytest.skip(f"no Redis answers at {REDIS_URL} (HYPERDIARY_TEST_REDIS_URL): the shared-store test needs one")
    # A key prefix of this test's own, so that other runs sharing the Redis count apart.
    settings = {key: value for key, value in app_settings.items() if not key.startswith(SETTING)}
    settings.update({"hyperdiary.ratelimit.storage_url": REDIS_URL,
                     "hyperdiary.ratelimit.key_prefix": f"hdtest-{uuid.uuid4().hex}"})
    processes = []
    try:
        for _ in range(2):
            process = subprocess.Popen([sys.executable, "-c", SERVE, json.dumps(settings)], stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, text=True)
            processes.append(process)
        yield [f"http://127.0.0.1:{process.stdout.readline().strip()}" for process in processes]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
            process.stdout.close()


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.status, dict(error.headers)


def test_counts_hold_across_two_processes_with_a_shared_store(app, testapp, two_servers):
    create_user(app, "dora", "client")
    first, second = two_servers
    token_path = "/" + link(Api(testapp).root(), "auth.token").split("/", 3)[3]
    for server in (first, second, first, second, first):
        assert post(server + token_path, {"username": "dora", "password": "wrong"})[0] == 401
    for server in (first, second):
        status, headers = post(server + token_path, {"username": "dora", "password": PASSWORD})
        assert status == 429 and int(headers["Retry-After"]) >= 1


def test_an_unreachable_shared_store_is_a_503_not_an_open_door(app_settings, errors):
    settings = {key: value for key, value in app_settings.items() if not key.startswith(SETTING)}
    settings["hyperdiary.ratelimit.storage_url"] = "redis://127.0.0.1:1"
    unreachable = main({}, **settings)
    try:
        testapp = webtest.TestApp(unreachable, extra_environ={"HTTP_HOST": "example.com"})
        response = sign_in(testapp, "dora", "wrong", status=503)
        assert response.json["code"] == 503 and response.headers["Retry-After"] == "5"
    finally:
        dispose(unreachable.registry)
    assert errors == []
