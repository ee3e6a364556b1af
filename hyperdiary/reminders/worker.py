"""`hyperdiary deliver`: the worker that sends due reminders (API.md §12), and the sources it asks.

A source (`config.add_reminder_source(source)`; goals register theirs) is an object with a `name` (at most
50 characters, stored with each reminder) and one method,

    due(connection, since, until, unsettled) -> Iterable[Reminder]

that runs one statement on `connection` (SQLAlchemy Core, autocommit) and yields the reminders whose instant
lies in [since, until] and whose record's id column satisfies the SQL condition `unsettled(id_column)`: the
reminder was not yet sent or recorded, or one of its sends waits for a retry. docs/architecture.md says more.

Exactly once: every reminder and channel target (a push subscription, or the client's e-mail) gets a row in
the ledger (`reminder_dispatches`) under a unique key, written and committed *before* the send. Of workers
that find the same reminder due, one INSERT makes the row and that worker sends; the others' INSERT ... ON
CONFLICT DO NOTHING returns nothing and they send nothing. A retry is claimed by a compare-and-set UPDATE
(state `retry` to `sending`), which also one worker wins. A worker that dies between its claim and its
record leaves the row `sending`: that send happened or not, and it is not tried again (at most once; the
trade is in docs/decisions.md).
"""
import datetime
import logging
import signal
import threading
import time
import zoneinfo
from typing import Callable, Iterable, NamedTuple

from sqlalchemy import and_, bindparam, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit_partitions
from ..localtime import naive_utc, zone
from ..accounts.models import User
from ..clients.models import Client
from ..models.meta import new_id
from .channels import FAILED, GONE, SENT, Channels, now as utc_now
from .models import Delivery, Dispatch, NotificationSettings, PushSubscription

log = logging.getLogger("hyperdiary.deliver")

WINDOW = datetime.timedelta(hours=1)  # sent from its time until an hour after; later it is missed
RETRY_FOR = datetime.timedelta(days=1)  # failures are retried this long after the first attempt's time
FIRST_RETRY, LONGEST_WAIT = 60, 3600  # seconds: the backoff doubles from one minute to an hour
# How far back a pass looks: quiet hours can defer a reminder by up to a day, retries go on for another.
LOOKBACK = datetime.timedelta(days=2) + WINDOW
INTERVAL = 30  # seconds at most between passes
CHUNK = 1000  # ids per IN (...) list


class Reminder(NamedTuple):
    """A reminder a source found due."""

    source: str  # the source's name
    subject_id: str  # the id of the record it reminds of (a tracking item), at most 32 characters
    client_id: str
    at: datetime.datetime  # its instant, naive UTC
    about: str  # the record's path below the API's root ("clients/…/goals/…/tracking/…/"): the message's link
    title: str  # what a message names when the client allows `details` (health content: only then)


class Source:
    """The interface (documentation; any object with these two members is a source)."""

    name: str

    def due(self, connection, since: datetime.datetime, until: datetime.datetime,
            unsettled: Callable) -> Iterable[Reminder]:
        raise NotImplementedError


def unsettled_condition(source: str, now: datetime.datetime):
    """`unsettled(id_column)` for a source: no ledger row for the record yet, or one that waits for a retry
    that is due."""
    def unsettled(column):
        mine = and_(Dispatch.source == source, Dispatch.subject_id == column)
        return or_(~exists().where(mine),
                   exists().where(mine, Dispatch.state == "retry", Dispatch.next_attempt <= now))
    return unsettled


def quiet_end(at: datetime.datetime, start: datetime.time | None, end: datetime.time | None,
              tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """When a reminder due `at` may be sent: `at`, or the end of the quiet hours (local wall-clock times,
    a start after the end spanning midnight) it falls in."""
    if start is None or start == end:
        return at
    local = tz.fromutc(at.replace(tzinfo=tz)).replace(tzinfo=None)
    clock = local.time()
    if start < end:
        inside, day = start <= clock < end, local.date()
    else:
        inside = clock >= start or clock < end
        day = local.date() + datetime.timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return at
    return naive_utc(datetime.datetime.combine(day, end, tzinfo=tz))


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT))


class Recipient(NamedTuple):
    """What a pass needs to know of a client."""

    tz: zoneinfo.ZoneInfo
    email: bool  # also by e-mail
    details: bool
    quiet_start: datetime.time | None
    quiet_end: datetime.time | None
    subscriptions: list
    address: str | None


class Stats(NamedTuple):
    due: int
    sent: int
    failed: int
    missed: int
    gone: int
    seconds: float

    def line(self) -> str:
        return (f"deliver pass: {self.due} due, {self.sent} sent, {self.failed} failed, {self.missed} missed, "
                f"{self.gone} gone ({self.seconds:.2f} s)")


def _insert(dialect: str):
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](Dispatch.__table__)


def _chunks(values: list, size=CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _keyed(model, keys: list) -> tuple:
    """Where-conditions for the rows of `model` with these (client id, id) keys. On both columns: the statement
    names the clients (hyperdiary/distribution.py) and is answered by the key's index, (client_id, id); `id` alone
    begins no index, and SQLite scanned the whole ledger for it. (Ids are unique: pairing the two lists adds no row.)"""
    return model.client_id.in_(sorted({client for client, _ in keys})), model.id.in_([key for _, key in keys])


class Worker:
    def __init__(self, engine, write_engine, sources, channels: Channels, base_url: str):
        self.engine, self.write_engine = engine, write_engine
        self.sources, self.channels, self.base_url = list(sources), channels, base_url
        self.dialect = engine.dialect.name

    # --- one pass --------------------------------------------------------------------------------------

    def run_pass(self, now: datetime.datetime | None = None) -> Stats:
        started = time.perf_counter()
        now = now or utc_now()
        with self.engine.connect() as connection:
            found = [reminder for source in self.sources
                     for reminder in source.due(connection, now - LOOKBACK, now,
                                                unsettled_condition(source.name, now))]
        counts = {SENT: 0, FAILED: 0, "missed": 0, GONE: 0}
        if found:
            self._deliver(found, now, counts)
        return Stats(len(found), counts[SENT], counts[FAILED], counts["missed"], counts[GONE],
                     time.perf_counter() - started)

    def _deliver(self, found: list[Reminder], now, counts):
        clients = self._clients({r.client_id for r in found})
        ledger = self._ledger(found)
        new, retries, missed, settled = [], [], [], []
        for reminder in found:
            client = clients.get(reminder.client_id)
            if client is None:
                continue
            start = quiet_end(reminder.at, client.quiet_start, client.quiet_end, client.tz)
            if start > now:
                continue  # inside quiet hours: sent when they end
            targets = [("push", sub.id) for sub in client.subscriptions] if self.channels.push else []
            if self.channels.mail and client.email and client.address:
                targets.append(("email", "email"))
            if not targets:
                settled.append(self._row(reminder, "none", "none", "settled", start, now))
                continue
            for channel, target in targets:
                row = ledger.get((reminder.source, reminder.subject_id, channel, target))
                if row is None:
                    late = now > start + WINDOW
                    state = "missed" if late else "sending"
                    (missed if late else new).append(self._row(reminder, channel, target, state, start, now))
                elif row.state == "retry" and row.next_attempt <= now:
                    retries.append((row.client_id, row.id))
        with self.write_engine.begin() as connection:
            owned = self._claim(connection, new + missed + settled)
            owned |= self._reclaim(connection, retries, now)
            missed_rows = [row for row in missed if row["id"] in owned]
            self._record(connection, [(row, "missed") for row in missed_rows], now)
        counts["missed"] += len(missed_rows)
        sends = [row for row in new if row["id"] in owned]
        if retries:
            sends += self._rows([key for key in retries if key[1] in owned])
        if sends:
            self._send(sends, {r.subject_id: r for r in found}, clients, now, counts)

    def _clients(self, client_ids: set) -> dict:
        """(zone, settings, live subscriptions, e-mail address) of each client: two statements per CHUNK."""
        found = {}
        with self.engine.connect() as connection:
            for ids in _chunks(sorted(client_ids)):
                rows = connection.execute(
                    select(Client.id, Client.time_zone, User.email.label("address"), NotificationSettings.email,
                           NotificationSettings.details, NotificationSettings.quiet_start,
                           NotificationSettings.quiet_end)
                    .join(User, User.id == Client.user_id)
                    .outerjoin(NotificationSettings, NotificationSettings.client_id == Client.id)
                    .where(Client.id.in_(ids))).all()
                subscriptions = {}
                if self.channels.push:
                    for sub in connection.execute(select(PushSubscription.__table__).where(
                            PushSubscription.client_id.in_(ids), PushSubscription.deleted.is_(None))
                            .order_by(PushSubscription.created, PushSubscription.id)):
                        subscriptions.setdefault(sub.client_id, []).append(sub)
                for row in rows:
                    found[row.id] = Recipient(zone(row.time_zone), bool(row.email), bool(row.details), row.quiet_start,
                                              row.quiet_end, subscriptions.get(row.id, []), row.address)
        return found

    def _ledger(self, found: list[Reminder]) -> dict:
        """The ledger rows of these reminders (a retry's state), by key: one statement per CHUNK."""
        ledger = {}
        with self.engine.connect() as connection:
            for ids in _chunks(sorted({r.subject_id for r in found})):
                for row in connection.execute(select(Dispatch.__table__).where(Dispatch.subject_id.in_(ids))):
                    ledger[(row.source, row.subject_id, row.channel, row.target)] = row
        return ledger

    @staticmethod
    def _row(reminder: Reminder, channel, target, state, start, now) -> dict:
        return {"id": new_id(), "client_id": reminder.client_id, "source": reminder.source,
                "subject_id": reminder.subject_id, "channel": channel, "target": target, "state": state,
                "attempts": 1 if state == "sending" else 0, "due": start, "next_attempt": None, "modified": now,
                "about": reminder.about}

    def _claim(self, connection, rows: list[dict]) -> set:
        """Write the ledger rows; the ids of those this worker wrote (a row another worker holds already is
        not written, and not this worker's to send)."""
        owned = set()
        statement = _insert(self.dialect).on_conflict_do_nothing().returning(Dispatch.id)
        for chunk in _chunks(rows, 500):
            values = [{key: value for key, value in row.items() if key != "about"} for row in chunk]
            owned.update(connection.execute(statement.values(values)).scalars())
        return owned

    def _reclaim(self, connection, keys: list, now) -> set:
        """Retries ((client id, id) of ledger rows) this worker now holds: their ids."""
        owned = set()
        for chunk in _chunks(keys):
            owned.update(connection.execute(
                update(Dispatch).where(*_keyed(Dispatch, chunk), Dispatch.state == "retry", Dispatch.next_attempt <= now)
                .values(state="sending", attempts=Dispatch.attempts + 1, modified=now)
                .returning(Dispatch.id)).scalars())
        return owned

    def _rows(self, keys: list) -> list[dict]:
        """Claimed retries ((client id, id)) as rows to send."""
        rows = []
        with self.engine.connect() as connection:
            for chunk in _chunks(keys):
                rows += [dict(row._mapping) for row in connection.execute(
                    select(Dispatch.__table__).where(*_keyed(Dispatch, chunk)))]
        return rows

    # --- sending and recording ----------------------------------------------------------------------------

    def _message(self, reminder: Reminder, details: bool) -> dict:
        """What a lock screen or a mailbox shows: without `details`, only that something is waiting."""
        if details:
            return {"title": reminder.title, "body": "A reminder from your diary.",
                    "url": self.base_url + reminder.about}
        return {"title": "Your diary", "body": "Something is waiting for you.", "url": self.base_url + reminder.about}

    def _send(self, sends: list[dict], reminders: dict, clients: dict, now, counts):
        results = []
        subscriptions = {sub.id: sub for client in clients.values() for sub in client.subscriptions}
        try:
            for row in sends:
                reminder = reminders.get(row["subject_id"])
                client = clients.get(row["client_id"])
                if reminder is None or client is None:
                    continue
                row["about"] = reminder.about
                message = self._message(reminder, client.details)
                if row["channel"] == "push":
                    sub = subscriptions.get(row["target"])
                    result = self.channels.push.send(sub, message)[0] if sub is not None else GONE
                else:
                    result = self.channels.mail.send(client.address, message["title"],
                                                     f"{message['body']}\n\n{message['url']}\n")[0]
                results.append((row, result))
        finally:
            if self.channels.mail:
                self.channels.mail.close()
            with self.write_engine.begin() as connection:
                self._record(connection, results, now)
        for _, result in results:
            counts[result] += 1

    def _record(self, connection, results: list, now):
        """Each attempt's outcome: the ledger row's state, a delivery the client can read, and a subscription
        its push service says is gone ends."""
        if not results:
            return
        ledger, deliveries, gone = [], [], []
        for row, result in results:
            state, next_attempt = result, None
            if result == FAILED:
                attempts = row.get("attempts") or 1
                next_attempt = now + backoff(attempts)
                if next_attempt <= row["due"] + RETRY_FOR:
                    state = "retry"
                else:
                    next_attempt = None
            elif result == GONE:
                gone.append((row["client_id"], row["target"]))
            ledger.append({"client": row["client_id"], "key": row["id"], "state": state, "next_attempt": next_attempt, "modified": now})
            deliveries.append({"id": new_id(), "client_id": row["client_id"], "time": now, "channel": row["channel"],
                               "status": result, "about": row.get("about") or "", "created": now,
                               "modified": now, "version": 1})
        connection.execute(update(Dispatch.__table__).where(Dispatch.client_id == bindparam("client"),
                                                            Dispatch.id == bindparam("key"))
                           .values(state=bindparam("state"), next_attempt=bindparam("next_attempt"),
                                   modified=bindparam("modified")), ledger)
        connection.execute(Delivery.__table__.insert(), deliveries)
        if gone:
            connection.execute(update(PushSubscription).where(*_keyed(PushSubscription, gone),
                                                              PushSubscription.deleted.is_(None))
                               .values(deleted=now, modified=now, version=PushSubscription.version + 1,
                                       endpoint="", p256dh="", auth="", dedupe_key=None))

    # --- until stopped ------------------------------------------------------------------------------------

    def run(self, once=False, interval=INTERVAL, stop: threading.Event | None = None):
        """Passes `interval` seconds apart (at most INTERVAL) until `stop` is set, or SIGTERM or SIGINT arrive
        when no `stop` is given (the command); one pass with `once`. A pass that fails is logged and the next
        one tries again (a database restart does not end the worker)."""
        interval = min(interval, INTERVAL)
        if stop is None:
            stop = threading.Event()
            if not once:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(signum, lambda *_: stop.set())
        while True:
            try:
                # The audit trail's months ahead (PostgreSQL): made here, never by a request.
                with self.write_engine.begin() as connection:
                    audit_partitions.ensure(connection, utc_now())
                stats = self.run_pass()
                log.info(stats.line())
            except Exception:  # a database that went away: the next pass tries again
                if once:
                    raise
                log.exception("deliver pass failed")
            if once or stop.wait(interval):
                return
