"""Reminders that reach people (API.md §12), with real parts: a push receiver on 127.0.0.1 that decrypts each
message with the subscription's own keys (RFC 8291) and checks its VAPID signature (RFC 8292), an SMTP server
in process (aiosmtpd), and on PostgreSQL two `deliver` processes at once."""
import base64
import datetime
import email
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import zoneinfo

import http_ece
import webtest
import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hyperdiary import goals, main
from hyperdiary.models import dispose, writer
from hyperdiary.scripts import cli
from hyperdiary.reminders.channels import Channels, Mail
from hyperdiary.reminders.worker import Worker
from tests.conftest import PASSWORD, Api, create_user, empty_tables, link, pages, sign_in

HERE = os.path.dirname(os.path.abspath(__file__))


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """What a browser holds for one subscription: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def keys(self) -> dict:
        point = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        return {"p256dh": b64(point), "auth": b64(self.auth)}


def verify_vapid(header: str, audience: str) -> str:
    """The VAPID public key (k) of an `Authorization: vapid t=…, k=…` header whose JWT is signed by it
    (ES256) for `audience`; AssertionError otherwise."""
    scheme, _, params = header.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    signed, _, signature = token.rpartition(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    raw = unb64(signature)
    public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                  signed.encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64(signed.split(".")[1]))
    assert claims["aud"] == audience and claims["exp"] > time.time() and claims["sub"].startswith("mailto:")
    return key


class PushReceiver:
    """A push service on 127.0.0.1: each POST to /<name> is decrypted with that browser's keys, as the browser
    would, after its VAPID signature is checked; `status` is what it answers."""

    def __init__(self):
        self.browsers, self.received, self.status, self.lock = {}, [], 201, threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                name = self.path.strip("/")
                with receiver.lock:
                    key = verify_vapid(self.headers["Authorization"], receiver.origin)
                    browser = receiver.browsers[name]
                    assert self.headers["Content-Encoding"] == "aes128gcm"
                    plain = http_ece.decrypt(body, private_key=browser.key, auth_secret=browser.auth,
                                             version="aes128gcm")
                    receiver.received.append((name, json.loads(plain), key))
                    status = receiver.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscription(self, name: str) -> dict:
        browser = self.browsers[name] = Browser()
        return {"endpoint": f"{self.origin}/{name}", "keys": browser.keys()}


@pytest.fixture
def receiver():
    receiver = PushReceiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.url = f"smtp://127.0.0.1:{controller.port}"
    yield box
    controller.stop()


def worker(app, mailbox=None) -> Worker:
    reminders = app.registry["reminders"]
    mail = Mail(mailbox.url, "reminders@hyperdiary.test") if mailbox else None
    engine = app.registry["dbengine"]
    return Worker(engine, writer(engine), reminders.sources, Channels(reminders.channels.push, mail),
                  "http://example.com/")


def daily_goal(client, **fields):
    body = dict(title="Take my medication", is_onetime=False, frequency="Daily", startdate="2026-03-01T08:00:00Z",
                targetdate="2026-03-05T08:00:00Z", reminder=True, remindertime="09:00")
    body.update(fields)
    return client.post(link(client.client(), "goals"), json=body, status=201).json


def at(text) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def deliveries(client, settings):
    return [(d["channel"], d["status"]) for d in client.get(link(settings, "deliveries")).json["@items"]]


# --- the API ---------------------------------------------------------------------------------------------


def test_settings_subscriptions_and_who_sees_them(client, professional, caseload, receiver, app):
    own = client.client()
    notifications = link(own, "notifications")
    settings = client.get(notifications).json
    assert settings["email"] is False and settings["details"] is False and settings["quiet_hours"] is None
    # The suite configures Web Push, not SMTP.
    assert settings["channels"] == {"email": False, "push": True}
    assert "notifications" not in {entry["name"] for entry in professional.get(caseload).json["@links"]}
    professional.get(notifications, status=404)
    quiet = {"start": "22:00", "end": "07:30"}
    changed = client.patch(notifications, json={"details": True, "quiet_hours": quiet}).json
    assert changed["details"] is True and changed["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    for bad in ({"email": "yes"}, {"quiet_hours": {"start": "7"}}, {"colour": "red"}):
        client.patch(notifications, json=bad, status=400)
    assert client.get(notifications).json["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    subscriptions = link(settings, "subscriptions")
    body = receiver.subscription("phone")
    first = client.post(subscriptions, json=body, status=201).json
    again = client.post(subscriptions, json=body, status=200).json
    assert again["@url"] == first["@url"] and first["keys"] == body["keys"]
    for bad in (dict(body, endpoint="http://push.example.org/x"), dict(body, endpoint="ftp://x/"),
                dict(body, keys={"p256dh": "x", "auth": "y"}), {"endpoint": body["endpoint"]}):
        client.post(subscriptions, json=bad, status=400)
    with app.registry["dbengine"].connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM push_subscriptions")).scalar() == 1
    client.delete(first["@url"], status=204)
    assert client.get(subscriptions).json["@items"] == []


def test_push_key_is_the_key_that_signs(anonymous, client, receiver, app):
    key = anonymous.get(anonymous.url("push.key")).json["vapid_public_key"]
    assert len(unb64(key)) == 65 and unb64(key)[0] == 4
    me = client.client()
    settings = client.get(link(me, "notifications")).json
    client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201)
    daily_goal(client)
    worker(app).run_pass(at("2026-03-02T09:05:00"))
    assert [k for _, _, k in receiver.received] == [key]


# --- Web Push ------------------------------------------------------------------------------------------


def test_push_reaches_the_browser_once_and_says_nothing_about_health(client, receiver, app):
    me = client.client()
    notifications = link(me, "notifications")
    settings = client.get(notifications).json
    client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201)
    client.post(link(settings, "subscriptions"), json=receiver.subscription("laptop"), status=201)
    goal = daily_goal(client)
    items = client.get(link(goal, "tracking")).json["@items"]
    # 2 March 09:10: the 1 March reminder is more than an hour late (missed), the 2 March one is sent.
    stats = worker(app).run_pass(at("2026-03-02T09:10:00"))
    assert (stats.sent, stats.missed) == (2, 2)
    assert sorted(name for name, _, _ in receiver.received) == ["laptop", "phone"]
    for _, payload, _ in receiver.received:
        assert payload == {"title": "Your diary", "body": "Something is waiting for you.", "url": items[1]["@url"]}
        assert "medication" not in json.dumps(payload).lower()
    assert sorted(deliveries(client, settings)) == [("push", "missed")] * 2 + [("push", "sent")] * 2
    # Again, and by another worker: nothing more.
    assert worker(app).run_pass(at("2026-03-02T09:20:00")).sent == 0
    assert len(receiver.received) == 2
    # With `details`, the goal's title.
    client.patch(notifications, json={"details": True})
    worker(app).run_pass(at("2026-03-03T09:00:00"))
    assert {payload["title"] for _, payload, _ in receiver.received[2:]} == {"Take my medication"}
    # A completed item is not reminded of.
    client.patch(client.get(link(goal, "tracking")).json["@items"][3]["@url"], json={"iscompleted": True})
    assert worker(app).run_pass(at("2026-03-04T09:30:00")).sent == 0


def test_gone_ends_the_subscription_and_failures_are_retried(client, receiver, app):
    me = client.client()
    settings = client.get(link(me, "notifications")).json
    subscriptions = link(settings, "subscriptions")
    client.post(subscriptions, json=receiver.subscription("phone"), status=201)
    daily_goal(client)
    receiver.status = 500
    assert worker(app).run_pass(at("2026-03-01T09:00:00")).failed == 1
    assert worker(app).run_pass(at("2026-03-01T09:00:30")).failed == 0  # backing off: one minute
    receiver.status = 201
    assert worker(app).run_pass(at("2026-03-01T09:01:30")).sent == 1  # the retry
    assert sorted(deliveries(client, settings)) == [("push", "failed"), ("push", "sent")]
    delivery = client.get(link(settings, "deliveries")).json["@items"][0]
    assert client.get(delivery["@url"]).json == delivery
    client.patch(delivery["@url"], json={"status": "sent"}, status=405)
    client.delete(delivery["@url"], status=405)
    receiver.status = 410
    assert worker(app).run_pass(at("2026-03-02T09:00:00")).gone == 1
    assert client.get(subscriptions).json["@items"] == []
    assert ("push", "gone") in deliveries(client, settings)


def test_the_worker_finds_ledger_rows_and_subscriptions_by_their_key(client, receiver, app):
    """A retry reclaimed, read and recorded, and a subscription ended as gone: each statement that picks rows
    of the ledger or of the subscriptions by id names their client too (hyperdiary/distribution.py), so that
    the key (client_id, id) finds them: by id alone SQLite scanned the whole table (EXPLAIN QUERY PLAN)."""
    from tests.distribution import unnamed

    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters[0] if executemany else parameters))

    settings = client.get(link(client.client(), "notifications")).json
    client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201)
    daily_goal(client)
    engine = app.registry["dbengine"]
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        receiver.status = 500
        assert worker(app).run_pass(at("2026-03-01T09:00:00")).failed == 1
        receiver.status = 410
        assert worker(app).run_pass(at("2026-03-01T09:01:30")).gone == 1  # the retry: the subscription is gone
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    by_id = [(statement, parameters) for statement, parameters in sent
             if re.search(r"(reminder_dispatches|push_subscriptions)\.id (=|IN)", statement)]
    assert len(by_id) >= 4  # the retry reclaimed, read, its outcome recorded; the subscription ended
    columns = {"reminder_dispatches": "client_id", "push_subscriptions": "client_id"}
    assert [statement for statement, _ in by_id if unnamed(statement, columns)] == []
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            for statement, parameters in by_id:
                plan = " ".join(row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                              parameters))
                assert "SCAN" not in plan, (statement, plan)


def test_quiet_hours_hold_a_reminder_until_they_end(client, receiver, app):
    me = client.client()
    client.patch(me["@url"], json={"time_zone": "Europe/Amsterdam"})
    notifications = link(me, "notifications")
    settings = client.patch(notifications, json={"quiet_hours": {"start": "22:00", "end": "07:00"}}).json
    client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201)
    daily_goal(client, remindertime="23:00")
    # 23:00 in Amsterdam on 1 March is 22:00Z: quiet until 07:00 there (06:00Z), then sent, not missed.
    assert worker(app).run_pass(at("2026-03-01T22:00:00")).sent == 0
    assert worker(app).run_pass(at("2026-03-02T05:59:00")).sent == 0
    assert worker(app).run_pass(at("2026-03-02T06:00:00")).sent == 1


# --- e-mail ---------------------------------------------------------------------------------------------


def test_email_through_a_real_smtp_server(client, mailbox, app):
    me = client.client()
    notifications = link(me, "notifications")
    client.patch(notifications, json={"email": True})
    goal = daily_goal(client)
    assert worker(app, mailbox).run_pass(at("2026-03-01T09:30:00")).sent == 1
    (recipients, message), = mailbox.messages
    assert recipients == ["carol@example.org"] and message["From"] == "reminders@hyperdiary.test"
    text = message.get_payload(decode=True).decode()
    assert "medication" not in (message["Subject"] + text).lower()
    assert client.get(link(goal, "tracking")).json["@items"][0]["@url"] in text
    client.patch(notifications, json={"details": True})
    worker(app, mailbox).run_pass(at("2026-03-02T09:30:00"))
    assert mailbox.messages[1][1]["Subject"] == "Take my medication"
    settings = client.get(notifications).json
    assert deliveries(client, settings) == [("email", "sent"), ("email", "sent")]


# --- the client's data ------------------------------------------------------------------------------------


def test_export_and_erasure_take_the_reminders_along(client, receiver, app):
    me = client.client()
    settings = client.get(link(me, "notifications")).json
    client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201)
    daily_goal(client)
    worker(app).run_pass(at("2026-03-01T09:00:00"))
    client.patch(link(me, "notifications"), json={"details": True})
    exported = client.get(link(me, "export")).json
    assert exported["notifications"]["details"] is True
    assert [s["endpoint"] for s in exported["subscriptions"]] == [receiver.origin + "/phone"]
    assert [d["status"] for d in exported["deliveries"]] == ["sent"]
    client.delete(client.url("me"), json={"password": PASSWORD}, status=204)
    with app.registry["dbengine"].connect() as conn:
        for table in ("push_subscriptions", "reminder_deliveries", "reminder_dispatches", "notification_settings"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_the_clients_writes_are_audited(client, receiver):
    me = client.client()
    notifications = link(me, "notifications")
    client.patch(notifications, json={"email": True})
    settings = client.get(notifications).json
    subscription = client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201).json
    client.delete(subscription["@url"], status=204)
    events = {(event["action"], event["resource"]) for event in client.get(link(me, "audit")).json["@items"]}
    assert {("update", notifications), ("create", subscription["@url"]), ("delete", subscription["@url"])} <= events


def test_without_settings_the_channels_are_off(app_settings):
    """`make serve` needs no SMTP server and no VAPID key: the channels are off and say so."""
    settings = {key: value for key, value in app_settings.items() if not key.startswith("hyperdiary.webpush.")}
    bare = main({}, **settings)
    try:
        testapp = webtest.TestApp(bare, extra_environ={"HTTP_HOST": "example.com"})
        anonymous = Api(testapp)
        assert "push.key" not in {entry["name"] for entry in anonymous.root()["@links"]}
        testapp.get("http://example.com/push-key", status=404)
        testapp.post_json(anonymous.url("auth.register"), {"username": "nina", "email": "nina@example.org",
                                                            "password": PASSWORD}, status=201)
        nina = sign_in(testapp, "nina")
        assert nina.get(link(nina.client(), "notifications")).json["channels"] == {"email": False, "push": False}
    finally:
        empty_tables(bare.registry["dbengine"])
        dispose(bare.registry)


def test_the_worker_runs_until_stopped(app, client, receiver):
    settings = client.get(link(client.client(), "notifications")).json
    client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201)
    daily_goal(client, startdate="2026-03-01T08:00:00Z")
    passes, stop = [], threading.Event()
    the_worker = worker(app)
    run_pass = the_worker.run_pass

    def counted(now=None):
        passes.append(run_pass(now))
        if len(passes) == 3:
            stop.set()
        return passes[-1]
    the_worker.run_pass = counted
    thread = threading.Thread(target=the_worker.run, kwargs={"interval": 0.01, "stop": stop})
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and len(passes) == 3


def test_deliver_once_from_the_command_line(app, app_settings, client, receiver):
    """`hyperdiary deliver --once --config INI` sends what is due now and logs a line for its pass."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(minutes=2)
    settings = client.get(link(client.client(), "notifications")).json
    client.post(link(settings, "subscriptions"), json=receiver.subscription("phone"), status=201)
    client.post(link(client.client(), "goals"), json={
        "title": "Walk", "is_onetime": True, "targetdate": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "reminder": True,
        "remindertime": now.strftime("%H:%M:%S"), "reminderdate": now.date().isoformat()}, status=201)
    environment = dict(os.environ, HYPERDIARY_DATABASE_URL=app_settings["sqlalchemy.url"],
                       HYPERDIARY_VAPID_PRIVATE_KEY=app_settings["hyperdiary.webpush.vapid_private_key"],
                       HYPERDIARY_WEBPUSH_ALLOW_HTTP_HOSTS="127.0.0.1")
    result = subprocess.run([sys.executable, "-m", "hyperdiary.scripts.cli", "deliver", "--once", "--config",
                             os.path.join(HERE, "..", "..", "testing.ini")], env=environment, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "deliver pass: 1 due, 1 sent, 0 failed, 0 missed, 0 gone" in result.stderr + result.stdout
    assert [name for name, _, _ in receiver.received] == ["phone"]


def test_vapid_keys_never_overwrite_a_key(tmp_path, capsys):
    key = tmp_path / "vapid.pem"
    cli.main(["vapid-keys", "--out", str(key)])
    assert oct(key.stat().st_mode & 0o777) == "0o600" and b"PRIVATE KEY" in key.read_bytes()
    public = capsys.readouterr().out.rsplit(" ", 1)[1].strip()
    assert len(unb64(public)) == 65
    with pytest.raises(SystemExit):
        cli.main(["vapid-keys", "--out", str(key)])


# --- due times across daylight saving time --------------------------------------------------------------


CHANGES = {"Europe/Amsterdam": ("2026-03-29", "2026-10-25"), "America/New_York": ("2026-03-08", "2026-11-01")}


@pytest.mark.parametrize("zone", sorted(CHANGES))
def test_a_daily_9_oclock_goal_is_due_at_9_local_on_both_sides_of_both_changes(client, zone, app):
    me = client.client()
    client.patch(me["@url"], json={"time_zone": zone})
    tz = zoneinfo.ZoneInfo(zone)
    # 09:00 local on 1 March, in winter.
    start = datetime.datetime(2026, 3, 1, 9, tzinfo=tz).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    goal = daily_goal(client, startdate=start, targetdate="2026-11-30T12:00:00Z")
    items = list(pages(client, link(goal, "tracking"), {"limit": 500}))
    due = [at(item["duedate"].replace("Z", "+00:00")) for page in items for item in page["@items"]]
    assert {moment.astimezone(tz).strftime("%H:%M") for moment in due} == {"09:00"}
    days = {moment.astimezone(tz).date().isoformat(): moment for moment in due}
    for change in CHANGES[zone]:
        day = datetime.date.fromisoformat(change)
        for other in (day - datetime.timedelta(days=1), day, day + datetime.timedelta(days=1)):
            assert days[other.isoformat()].astimezone(tz).hour == 9
    # Summer and winter instants differ by the hour the clocks moved.
    assert len({moment.astimezone(datetime.UTC).hour for moment in due}) == 2
    # The calendar feed expands to the same instants.
    calendar = icalendar.Calendar.from_ical(client.get(link(me, "goals.ics")).body)
    starts = sorted(todo.decoded("dtstart").astimezone(datetime.UTC) for todo in recurring_ical_events.of(
        calendar, components=["VTODO"]).between(datetime.datetime(2026, 1, 1), datetime.datetime(2027, 1, 1)))
    assert starts == sorted(due)
    # The tracker lists each item on its local day.
    for change in CHANGES[zone]:
        tracker = client.get(link(me, "goals.tracker"), params={"fromdate": change, "todate": change}).json
        (listed,), = [day["goals"] for day in tracker["goaltracker"]]
        assert tracker["goaltracker"][0]["date"] == change
        assert at(listed["duedate"].replace("Z", "+00:00")) == days[change]
    # The reminders, as the API lists them and as the worker finds them, fall at 09:00 local too.
    listed = pages(client, link(me, "goals.reminders"), {"until": "2026-12-01T00:00:00Z", "limit": 500})
    reminders = [at(item["remind_at"].replace("Z", "+00:00")) for page in listed for item in page["@items"]]
    assert sorted(reminders) == sorted(due)
    with app.registry["dbengine"].connect() as conn:
        source = goals.GoalReminders()
        found = list(source.due(conn, datetime.datetime(2026, 10, 20), datetime.datetime(2026, 11, 3),
                                lambda column: sa.true()))
    assert {r.at.replace(tzinfo=datetime.UTC).astimezone(tz).strftime("%H:%M") for r in found} == {"09:00"}
    assert len(found) == 14


# --- several workers --------------------------------------------------------------------------------------


RUN_AT = """
import sys
from pyramid.paster import get_app
app = get_app(sys.argv[1])
worker = app.registry["reminders"].worker(app.registry)
print("ready", flush=True)
sys.stdin.readline()  # both workers begin their pass at the same moment
print(worker.run_pass().sent, flush=True)
"""


def test_two_deliver_processes_send_each_reminder_once(app, receiver, app_settings):
    if app.registry["dbengine"].dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SQLite: one worker)")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    remind = now - datetime.timedelta(minutes=5)
    engine = app.registry["dbengine"]
    clients = 150
    try:
        ids = [create_user(app, f"person{n}", "client") for n in range(clients)]
        with engine.begin() as conn:
            client_ids = conn.execute(sa.text("SELECT id FROM clients ORDER BY id")).scalars().all()
            for n, client_id in enumerate(client_ids):
                goal_id, item_id, sub_id = (f"{n:03d}" + kind * 29 for kind in "abc")
                conn.execute(sa.text(
                    "INSERT INTO goals (id, client_id, title, is_onetime, frequency, days, startdate, reminder, "
                    "remindertime, is_therapist_approved, created, modified, version) VALUES (:id, :client, 'x', "
                    "true, 'One Time', '[]', :now, true, :time, false, :now, :now, 1)"),
                    {"id": goal_id, "client": client_id, "now": now, "time": remind.time()})
                conn.execute(sa.text(
                    "INSERT INTO goal_tracking (id, goal_id, client_id, duedate, iscompleted, reminderdate, "
                    "remindertime, created, modified, version) VALUES (:id, :goal, :client, :now, false, :day, "
                    ":time, :now, :now, 1)"),
                    {"id": item_id, "goal": goal_id, "client": client_id, "now": now, "day": remind.date(),
                     "time": remind.time()})
                keys = receiver.subscription(f"client{n}")
                conn.execute(sa.text(
                    "INSERT INTO push_subscriptions (id, client_id, endpoint, p256dh, auth, created, modified, "
                    "version) VALUES (:id, :client, :endpoint, :p256dh, :auth, :now, :now, 1)"),
                    dict(id=sub_id, client=client_id, endpoint=keys["endpoint"], now=now, **keys["keys"]))
        environment = dict(os.environ, HYPERDIARY_DATABASE_URL=app_settings["sqlalchemy.url"],
                           HYPERDIARY_VAPID_PRIVATE_KEY=app_settings["hyperdiary.webpush.vapid_private_key"],
                           HYPERDIARY_WEBPUSH_ALLOW_HTTP_HOSTS="127.0.0.1")
        ini = os.path.join(HERE, "..", "..", "testing.ini")
        workers = [subprocess.Popen([sys.executable, "-c", RUN_AT, ini], env=environment, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for process in workers:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in workers:
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=120) for process in workers]
        assert [process.returncode for process in workers] == [0, 0], outputs
        sent = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
        names = sorted(name for name, _, _ in receiver.received)
        assert names == sorted(f"client{n}" for n in range(clients)), "each reminder exactly once"
        assert sum(sent) == clients
    finally:
        empty_tables(engine)
    assert len(ids) == clients
