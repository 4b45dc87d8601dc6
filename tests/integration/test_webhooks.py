"""Webhooks out on SQLite and PostgreSQL, against a real HTTP receiver on 127.0.0.1: subscriptions,
signed deliveries, retries with backoff and the attempt log, and the outbox's guarantees — nothing
sent for a change that rolled back, nothing lost for one that committed, a worker killed in the
middle of a delivery included (at-least-once: the receiver deduplicates by the delivery id)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import event, select
from tests.support import photos_for
from typer.testing import CliRunner

from gridcity import cli
from gridcity.db.models import Case, OutboxMessage, User, WebhookDelivery, WebhookSubscription
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.services import cases, integrations, webhooks
from gridcity.worker import Job, Worker, default_jobs, sweep_job, webhooks_job

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
CGW, SW = "110101-CGW", "110101-SW"  # 东城区城管委, 东城区水务局
SECRET = "s3cret-for-the-tests-0123456789"


class Receiver:
    """A webhook receiver: records every request; answers 500 to the next `failures` requests."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures = 0
        self.lock = threading.Lock()
        self.arrived = threading.Event()  # set at each request
        self.hold: threading.Event | None = None  # when set: answer only once this event is set
        self.delays: dict[str, float] = {}  # path → seconds it takes to answer there
        self.events: list[tuple[str, str]] = []  # ("arrived" | "answered", path) in order, and the test's own
        self.in_flight: Counter[str] = Counter()
        self.most_in_flight: Counter[str] = Counter()  # per path: the most requests held at once
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    status = 500 if receiver.failures > 0 else 200
                    receiver.failures = max(0, receiver.failures - 1)
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body, "status": status}
                    )
                    receiver.events.append(("arrived", self.path))
                    receiver.in_flight[self.path] += 1
                    receiver.most_in_flight[self.path] = max(
                        receiver.most_in_flight[self.path], receiver.in_flight[self.path]
                    )
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                if self.path in receiver.delays:
                    threading.Event().wait(receiver.delays[self.path])  # a slow receiver
                with receiver.lock:
                    receiver.events.append(("answered", self.path))
                    receiver.in_flight[self.path] -= 1
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def note(self, what: str, text: str) -> None:
        """An event of the test's own, in order with the requests."""
        with self.lock:
            self.events.append((what, text))

    def at(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verified(request: dict[str, Any], secret: str = SECRET) -> dict[str, Any]:
    """The request's JSON body, after checking its signature as a receiver would."""
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Gridcity-Signature"], expected)
    body = json.loads(request["body"])
    assert request["headers"]["X-Gridcity-Delivery"] == str(body["delivery_id"])
    assert request["headers"]["X-Gridcity-Event"] == body["event"]
    assert int(request["headers"]["X-Gridcity-Timestamp"]) > 0
    return body  # type: ignore[no-any-return]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def subscribe(platform, db, receiver):  # type: ignore[no-untyped-def]
    """subscribe(events, path, department=CGW | None, scope='') → this test's subscription to the
    receiver at `path`; disabled when the test ends, so no other test hears of it."""
    made: list[str] = []

    def make(
        events: list[str], path: str, department: str | None = CGW, scope: str = "", url: str | None = None
    ) -> WebhookSubscription:
        name = f"test-{uuid.uuid4().hex[:10]}"
        target = url or receiver.url + path
        sub, _ = webhooks.add_subscription(
            platform, db, name, target, events, department=department, scope=scope, secret=SECRET
        )
        made.append(name)
        return sub

    yield make
    for name in made:
        webhooks.disable_subscription(platform, db, name)


class Desk:
    """The people of a test and the steps they take, through services.cases."""

    def __init__(self, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.db = platform, db
        self.supervisor = make_user("supervisor")
        self.leader = make_user("shift_leader")
        self.dispatcher = make_user("dispatcher")
        self.handler = make_user("handler", CGW)
        self.cgw = platform.unit_id(db, CGW, "department")
        self.sw = platform.unit_id(db, SW, "department")

    def report(self) -> int:
        report = cases.Report(
            class_code="06010",
            kind="event",
            standard="GB/T 47678.5-2026",
            lon=DONGHUAMEN[0],
            lat=DONGHUAMEN[1],
            description="webhook test",
        )
        return cases.report_case(self.platform, self.db, self.supervisor, report)[0].id

    def act(self, user: User, case_id: int, action: str, note: str = "", **fields: Any) -> Case:
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        assert case is not None
        photos = photos_for(self.platform, self.db, user, action)
        request = cases.ActionRequest(action, case.version, note or f"{action} (test)", fields, photos)
        return cases.transition(self.platform, self.db, user, case_id, request)

    def dispatched(self, department: int | None = None) -> int:
        case_id = self.report()
        self.act(self.leader, case_id, "file")
        self.act(self.dispatcher, case_id, "dispatch", department_id=department or self.cgw)
        return case_id

    def disposing(self) -> int:
        case_id = self.dispatched()
        self.act(self.handler, case_id, "accept")
        return case_id


@pytest.fixture
def desk(platform, db, make_user) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(platform, db, make_user)


def deliveries(db, sub: WebhookSubscription) -> list[WebhookDelivery]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(
        db.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == sub.id)
            .order_by(WebhookDelivery.id)
        )
    )


# --- subscriptions --------------------------------------------------------------------------


def test_subscriptions_are_checked_and_kept_by_the_city_admin(platform, db, make_user, subscribe) -> None:  # type: ignore[no-untyped-def]
    sub = subscribe(["dispatched", "closed"], "/cgw")
    assert sub.active and sub.events == ["dispatched", "closed"] and sub.org_unit_id is not None
    assert sub.name in {s.name for s in webhooks.list_subscriptions(db)}

    def add(**kw: Any) -> Any:
        args = {"name": f"x-{uuid.uuid4().hex[:8]}", "url": "https://example.org/hook", "events": ["closed"]}
        args.update(kw)
        return webhooks.add_subscription(
            platform, db, args.pop("name"), args.pop("url"), args.pop("events"), **args
        )

    for url in ("ftp://example.org/x", "example.org/hook", "http:///nohost", "https://" + "a" * 600):
        with pytest.raises(Invalid):
            add(url=url)
    with pytest.raises(Invalid, match="unknown event"):
        add(events=["dispatched", "exploded"])
    with pytest.raises(Invalid, match="at least one event"):
        add(events=[])
    with pytest.raises(NotFound):
        add(department="110101-NOPE")
    with pytest.raises(NotFound):
        add(scope="999999")
    with pytest.raises(Invalid, match="secret"):
        add(secret="short")
    with pytest.raises(Conflict):
        add(name=sub.name)
    with pytest.raises(Forbidden):
        add(actor=make_user("admin", "110101"))  # a district admin: only the city's admins dock systems
    with pytest.raises(Forbidden):
        webhooks.list_subscriptions(db, actor=make_user("dispatcher"))

    city_admin = make_user("admin", "110000")
    made, secret = add(actor=city_admin, scope="110101001")
    assert made.created_by == city_admin.username and len(secret) >= 32  # a random secret
    webhooks.disable_subscription(platform, db, made.name, actor=city_admin)
    assert not made.active and made.disabled_at is not None


# --- delivery -------------------------------------------------------------------------------


def test_a_dispatch_is_delivered_signed_to_the_department_it_went_to(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe
) -> None:
    cgw = subscribe(["dispatched", "closed"], "/cgw")
    water = subscribe(["dispatched"], "/water", department=SW)
    district = subscribe(["any"], "/district", department=None, scope="110101")
    elsewhere = subscribe(["any"], "/elsewhere", department=None, scope="110102")  # 西城区

    case_id = desk.dispatched()
    report = webhooks.deliver(platform, db)
    assert report.outcomes["delivered"] == 4  # cgw: dispatch; district: report, file, dispatch

    [request] = receiver.at("/cgw")
    body = verified(request)
    assert body["event"] == "dispatched" and body["topic"] == "case.dispatch" and body["attempt"] == 1
    assert body["case_id"] == case_id
    assert body["payload"]["department_id"] == desk.cgw and body["payload"]["to_state"] == "dispatched"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert receiver.at("/water") == [] and receiver.at("/elsewhere") == []
    # sent concurrently, they may arrive in any order: the delivery ids (and event_seq) give it
    district_bodies = sorted((verified(r) for r in receiver.at("/district")), key=lambda b: b["delivery_id"])
    assert [b["topic"] for b in district_bodies] == ["case.report", "case.file", "case.dispatch"]

    [delivery] = deliveries(db, cgw)
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_status == 200
    [attempt] = webhooks.attempts_of(db, delivery.id)
    assert attempt.ok and attempt.status_code == 200 and attempt.finished_at is not None
    assert attempt.duration_ms is not None and attempt.duration_ms >= 0
    assert deliveries(db, water) == [] and deliveries(db, elsewhere) == []
    assert len(deliveries(db, district)) == 3

    # nothing more to send: a second pass sends nothing again
    assert sum(webhooks.deliver(platform, db).outcomes.values()) == 0
    assert len(receiver.requests) == 4


def test_failed_attempts_are_retried_with_exponential_backoff_and_logged(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, clock
) -> None:
    sub = subscribe(["dispatched"], "/cgw")
    receiver.failures = 2
    desk.dispatched()
    base = platform.settings.webhook_backoff_base_s

    assert webhooks.deliver(platform, db).outcomes == {"retry": 1}
    [delivery] = deliveries(db, sub)
    assert delivery.status == "pending" and delivery.last_status == 500
    assert delivery.next_attempt_at == clock() + timedelta(seconds=base)
    # not due yet: nothing is sent
    assert sum(webhooks.deliver(platform, db).outcomes.values()) == 0

    clock.advance(seconds=base)
    assert webhooks.deliver(platform, db).outcomes == {"retry": 1}
    [delivery] = deliveries(db, sub)
    assert delivery.next_attempt_at == clock() + timedelta(seconds=2 * base)  # doubled

    clock.advance(seconds=2 * base)
    assert webhooks.deliver(platform, db).outcomes == {"delivered": 1}
    [delivery] = deliveries(db, sub)
    assert delivery.status == "delivered" and delivery.attempts == 3

    log = webhooks.attempts_of(db, delivery.id)
    assert [(a.attempt, a.status_code, a.ok) for a in log] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    bodies = [verified(r) for r in receiver.at("/cgw")]
    assert {b["delivery_id"] for b in bodies} == {delivery.id}  # the same delivery, three times
    assert [b["attempt"] for b in bodies] == [1, 2, 3]


def test_a_delivery_gives_up_after_the_configured_attempts(  # type: ignore[no-untyped-def]
    platform, db, desk, subscribe, clock, monkeypatch
) -> None:
    monkeypatch.setattr(platform.settings, "webhook_max_attempts", 2)
    monkeypatch.setattr(platform.settings, "webhook_backoff_base_s", 10.0)
    sub = subscribe(["dispatched"], "", url="http://127.0.0.1:9/refused")  # nothing listens there
    desk.dispatched()

    assert webhooks.deliver(platform, db).outcomes == {"retry": 1}
    clock.advance(seconds=10)
    assert webhooks.deliver(platform, db).outcomes == {"failed": 1}
    [delivery] = deliveries(db, sub)
    assert delivery.status == "failed" and delivery.last_status is None and delivery.last_error
    log = webhooks.attempts_of(db, delivery.id)
    assert len(log) == 2 and all(a.error and a.status_code is None and not a.ok for a in log)
    clock.advance(days=1)
    assert sum(webhooks.deliver(platform, db).outcomes.values()) == 0  # given up: never again


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, monkeypatch
) -> None:
    monkeypatch.setattr(platform.settings, "webhook_timeout_s", 0.3)
    sub = subscribe(["dispatched"], "/slow")
    desk.dispatched()
    receiver.hold = threading.Event()
    try:
        assert webhooks.deliver(platform, db).outcomes == {"retry": 1}
    finally:
        receiver.hold.set()
    [delivery] = deliveries(db, sub)
    [attempt] = webhooks.attempts_of(db, delivery.id)
    assert attempt.status_code is None and "timed out" in (attempt.error or "")
    assert attempt.duration_ms is not None and attempt.duration_ms >= 300


def test_disabling_a_subscription_cancels_what_it_still_had_to_get(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe
) -> None:
    sub = subscribe(["dispatched"], "/cgw")
    desk.dispatched()
    webhooks.fan_out(platform, db)
    webhooks.disable_subscription(platform, db, sub.name)
    webhooks.deliver(platform, db)
    assert [d.status for d in deliveries(db, sub)] == ["cancelled"]
    assert receiver.at("/cgw") == []


# --- the guarantees -------------------------------------------------------------------------


def test_a_change_that_rolled_back_is_never_delivered(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe
) -> None:
    subscribe(["disposed"], "/cgw")
    case_id = desk.disposing()
    webhooks.deliver(platform, db)
    assert receiver.at("/cgw") == []

    written: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "INSERT INTO outbox" in statement:
            written.append(statement)

    event.listen(platform.engine, "before_cursor_execute", watch)
    try:
        # report done naming a real photo and one that does not exist: refused after the history row
        # and the outbox message were written, in the same transaction, which rolls back
        photo = photos_for(platform, db, desk.handler, "report_done")
        db.expire_all()
        version = db.get(Case, case_id).version
        request = cases.ActionRequest("report_done", version, note="done", attachments=[*photo, 2**31 - 1])
        with pytest.raises(Invalid, match="does not exist"):
            cases.transition(platform, db, desk.handler, case_id, request)
    finally:
        event.remove(platform.engine, "before_cursor_execute", watch)
    assert written, "the outbox message was written before the refusal"
    db.expire_all()
    assert db.get(Case, case_id).state == "disposing"
    topics = db.scalars(select(OutboxMessage.topic).where(OutboxMessage.case_id == case_id)).all()
    assert "case.report_done" not in topics

    webhooks.deliver(platform, db)
    assert receiver.at("/cgw") == []  # never sent

    desk.act(desk.handler, case_id, "report_done")  # the real one commits: delivered once
    webhooks.deliver(platform, db)
    [request] = receiver.at("/cgw")
    assert verified(request)["topic"] == "case.report_done"


def test_a_committed_change_is_delivered_even_when_the_worker_dies_mid_delivery(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, clock
) -> None:
    sub = subscribe(["dispatched"], "/cgw")
    desk.dispatched()

    def post_then_die(item: webhooks.Claimed, timeout: float) -> webhooks.Answer:
        webhooks.post(item, timeout)  # the receiver gets it …
        raise SystemExit("killed")  # … and the worker dies before recording the answer

    with pytest.raises(SystemExit):
        webhooks.deliver(platform, db, transport=post_then_die)
    db.rollback()
    [delivery] = deliveries(db, sub)
    assert delivery.status == "pending" and delivery.locked_until is not None
    [unfinished] = webhooks.attempts_of(db, delivery.id)
    assert unfinished.finished_at is None and unfinished.status_code is None  # an attempt with no answer

    # another worker, while the dead one's lease runs: it does not send the delivery twice at once
    assert sum(webhooks.deliver(platform, db).outcomes.values()) == 0
    # the lease over, the next run sends it again
    clock.advance(seconds=platform.settings.webhook_lease_s)
    assert webhooks.deliver(platform, db).outcomes == {"delivered": 1}
    [delivery] = deliveries(db, sub)
    assert delivery.status == "delivered" and delivery.attempts == 2
    log = webhooks.attempts_of(db, delivery.id)
    assert [(a.attempt, a.ok, a.finished_at is not None) for a in log] == [(1, False, False), (2, True, True)]

    # at-least-once: the receiver saw it twice and keeps it once, by the delivery id header
    requests = receiver.at("/cgw")
    assert len(requests) == 2
    assert len({r["headers"]["X-Gridcity-Delivery"] for r in requests}) == 1
    assert all(verified(r)["topic"] == "case.dispatch" for r in requests)


_WORKER = """
import sys
from gridcity.config import Settings
from gridcity.services import webhooks
from gridcity.services.platform import Platform
platform = Platform(Settings(database_url=sys.argv[1], _env_file=None))
with platform.sessions() as db:
    print(webhooks.deliver(platform, db).summary(), flush=True)
"""


def test_a_worker_process_killed_while_posting_loses_nothing(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, clock
) -> None:
    """A real worker process, SIGKILLed while the receiver holds its POST: the delivery stays leased,
    and once the lease is over the next run delivers it, with the same delivery id."""
    sub = subscribe(["dispatched"], "/cgw")
    desk.dispatched()
    receiver.hold = threading.Event()
    url = platform.engine.url.render_as_string(hide_password=False)
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert receiver.arrived.wait(60), worker.stderr.read().decode() if worker.poll() is not None else ""
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()  # type: ignore[union-attr]
        worker.stderr.close()  # type: ignore[union-attr]
        receiver.hold.set()
    receiver.hold = None

    [delivery] = deliveries(db, sub)
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.locked_until is not None
    [attempt] = webhooks.attempts_of(db, delivery.id)
    assert attempt.finished_at is None  # the dead worker never recorded an answer

    clock.set(max(datetime.now(UTC), delivery.locked_until) + timedelta(seconds=1))  # the lease is over
    assert webhooks.deliver(platform, db).outcomes == {"delivered": 1}
    [delivery] = deliveries(db, sub)
    assert delivery.status == "delivered" and delivery.attempts == 2
    requests = receiver.at("/cgw")
    assert len(requests) == 2 and len({r["headers"]["X-Gridcity-Delivery"] for r in requests}) == 1
    assert [verified(r)["attempt"] for r in requests] == [1, 2]


def test_a_worker_killed_before_fanning_out_loses_nothing(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, monkeypatch
) -> None:
    """The fan-out is one transaction with the messages it takes: killed inside it, it is rolled back
    and the messages wait for the next run."""
    subscribe(["dispatched"], "/cgw")
    desk.dispatched()

    def die(*args: Any, **kwargs: Any) -> Any:
        raise SystemExit("killed while fanning out")

    monkeypatch.setattr(webhooks, "pg_insert", die)
    monkeypatch.setattr(webhooks, "sqlite_insert", die)
    with pytest.raises(SystemExit):
        webhooks.deliver(platform, db)
    monkeypatch.undo()
    db.rollback()
    webhooks.deliver(platform, db)
    [request] = receiver.at("/cgw")
    assert verified(request)["topic"] == "case.dispatch"


def test_a_stopping_worker_claims_nothing_it_will_not_send(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, monkeypatch
) -> None:
    """SIGTERM while a POST is out: the pass records its answer and claims nothing more — what it
    has not sent is left as it was (no attempt counted, no lease to wait for); the next run sends it."""
    monkeypatch.setattr(platform.settings, "webhook_concurrency", 1)  # one at a time to this receiver
    sub = subscribe(["dispatched"], "/cgw")
    desk.dispatched()
    desk.dispatched()
    report = webhooks.deliver(platform, db, stop=lambda: len(receiver.requests) >= 1)
    assert report.outcomes == {"delivered": 1}
    sent, unsent = sorted(deliveries(db, sub), key=lambda d: d.status)
    assert (sent.status, unsent.status) == ("delivered", "pending")
    assert unsent.attempts == 0 and unsent.locked_until is None
    assert webhooks.attempts_of(db, unsent.id) == []
    assert webhooks.deliver(platform, db).outcomes == {"delivered": 1}
    assert len({r["headers"]["X-Gridcity-Delivery"] for r in receiver.at("/cgw")}) == 2


def test_two_workers_claim_different_deliveries(platform, db, desk, subscribe) -> None:  # type: ignore[no-untyped-def]
    sub = subscribe(["any"], "/all")
    for _ in range(2):
        desk.disposing()  # the department hears of 2 changes of each: dispatch, accept
    webhooks.fan_out(platform, db)
    pending = [d.id for d in deliveries(db, sub)]
    assert len(pending) >= 4

    claimed: list[list[int]] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with platform.sessions() as session:
            barrier.wait()
            items = webhooks.claim(platform, session, limit=len(pending))
            claimed.append([i.delivery_id for i in items])

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first, second = claimed
    assert not set(first) & set(second)  # never the same delivery in two workers
    assert set(pending) <= set(first) | set(second)


SLOW_S = 3.0  # seconds the slow receiver takes per request


def test_a_slow_receiver_delays_neither_another_subscription_nor_the_sweep(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, monkeypatch
) -> None:
    """The real worker loops against a receiver that takes 3 s a request: its deliveries go out two
    at a time (the per-subscription bound); another subscription's arrive, and the deadline sweep
    passes, before the slow one has answered any; a stop then ends cleanly — the POSTs in flight are
    answered and recorded, nothing else is claimed, nothing is left leased."""
    monkeypatch.setattr(platform.settings, "webhook_concurrency", 2)
    slow = subscribe(["dispatched"], "/slow", department=SW)
    fast = subscribe(["dispatched"], "/fast")
    receiver.delays["/slow"] = SLOW_S
    for _ in range(4):
        desk.dispatched(desk.sw)
    for _ in range(2):
        desk.dispatched()
    worker = Worker(
        platform,
        [Job("sweep", 0.2, sweep_job), Job("webhooks", 0.2, webhooks_job)],
        echo=lambda line: receiver.note("line", line),
    )
    runner = threading.Thread(target=worker.run)
    runner.start()

    def seen(what: str, start: str) -> int:
        with receiver.lock:
            return sum(1 for kind, text in receiver.events if kind == what and text.startswith(start))

    try:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while seen("arrived", "/fast") < 2 or seen("line", "sweep ") < 2:
            assert datetime.now(UTC) < deadline, receiver.events
            receiver.arrived.wait(0.05)
    finally:
        worker.stop()
        runner.join(60)
    assert not runner.is_alive()

    order = receiver.events
    first_slow_answer = order.index(("answered", "/slow"))
    fast_arrivals = [i for i, e in enumerate(order) if e == ("arrived", "/fast")]
    sweeps = [i for i, (kind, text) in enumerate(order) if kind == "line" and text.startswith("sweep ")]
    assert len(fast_arrivals) == 2 and max(fast_arrivals) < first_slow_answer, order
    assert sweeps[1] < first_slow_answer, order  # two sweep passes while the slow receiver held its first
    assert receiver.most_in_flight["/slow"] == 2  # the slow one got two at once, never more
    assert [d.status for d in deliveries(db, fast)] == ["delivered", "delivered"]

    # the clean stop: what was sent is recorded, the rest untouched and free for the next run
    slow_deliveries = deliveries(db, slow)
    sent = [d for d in slow_deliveries if d.attempts]
    assert len(sent) >= 2 and all(d.status == "delivered" and d.locked_until is None for d in sent)
    assert all(a.finished_at is not None for d in sent for a in webhooks.attempts_of(db, d.id))
    untouched = [d for d in slow_deliveries if not d.attempts]
    assert all(d.status == "pending" and d.locked_until is None for d in untouched)
    assert len(sent) + len(untouched) == 4


def test_the_worker_runs_delivery_as_a_job(platform, db, desk, receiver, subscribe) -> None:  # type: ignore[no-untyped-def]
    subscribe(["dispatched"], "/cgw")
    desk.dispatched()
    jobs = {job.name: job for job in default_jobs(60.0)}
    summary = jobs["webhooks"].run(platform, threading.Event())
    assert summary.startswith("webhooks:") and "delivered 1" in summary
    assert len(receiver.at("/cgw")) == 1


def test_the_loop_with_a_department_system_dispatch_out_accept_in(  # type: ignore[no-untyped-def]
    platform, db, desk, receiver, subscribe, client
) -> None:
    """The department's system hears of the dispatch by webhook, accepts by the inbound API, and the
    platform's subscribers hear of the acceptance."""
    subscribe(["dispatched"], "/cgw-system")
    watcher = subscribe(["accepted"], "/district", department=None, scope="110101")
    integration, key = integrations.issue_integration(platform, db, f"sys-{uuid.uuid4().hex[:8]}", CGW)
    case_id = desk.dispatched()
    webhooks.deliver(platform, db)
    [note] = receiver.at("/cgw-system")
    told = verified(note)["payload"]
    assert told["case_id"] == case_id and told["to_state"] == "dispatched"

    r = client.post(
        f"/api/v1/integrations/cases/{told['case_id']}/accept", headers={"X-Api-Key": key}, json={}
    )
    assert r.status_code == 200, r.text
    webhooks.deliver(platform, db)
    [accepted] = receiver.at("/district")
    body = verified(accepted)
    assert body["event"] == "accepted" and body["payload"]["case_id"] == case_id
    assert [d.status for d in deliveries(db, watcher)] == ["delivered"]
    integrations.revoke_integration(platform, db, integration.name)


@pytest.mark.backends("sqlite")
def test_webhooks_from_the_command_line(platform, db, receiver, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    name = f"cli-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli.app, list(args))
        return result.exit_code, result.output

    code, out = run(
        "webhooks", "add", name, "--url", receiver.url + "/x", "--event", "closed", "--department", CGW
    )
    assert code == 0 and "signing secret" in out
    code, out = run("webhooks", "list")
    assert code == 0 and name in out and CGW in out
    code, out = run("webhooks", "add", name + "b", "--url", "ftp://x", "--event", "closed")
    assert code == 1 and "not an http" in out
    code, out = run("webhooks", "disable", name)
    assert code == 0 and "disabled" in out
    code, out = run("webhooks", "disable", "no-such-subscription")
    assert code == 1 and "no webhook subscription" in out
    code, out = run("integrations", "add", name, "--department", CGW)
    assert code == 0 and "X-Api-Key" in out
    key = out.strip().splitlines()[-1]
    assert len(key) >= 24
    code, out = run("integrations", "list")
    assert code == 0 and name in out and "active" in out
    code, out = run("integrations", "add", name + "x", "--department", "110101")
    assert code == 1 and "no department" in out
    code, out = run("integrations", "revoke", name)
    assert code == 0 and "revoked" in out
