"""Webhooks out: signed HTTP POSTs to the systems docked with the platform (departments, utility
enterprises, district platforms, the government information platform …) when cases change.

How a change travels:
1. Every change of a case writes an outbox message (`services.outbox`, topic `case.<action>`) in
   the same transaction as the change: a change that rolls back leaves no message, one that commits
   always leaves one.
2. `fan_out` (the worker) takes the messages not yet fanned out, in id order, and writes one
   delivery per subscription that wants the message (unique per subscription and message), then
   marks the message done (`OutboxMessage.delivered_at`) — all in one transaction.
3. `claim` leases due deliveries to this worker (`locked_until`) and writes an attempt row (started);
   the POST happens outside any transaction; `record` completes the attempt row and either marks the
   delivery delivered (a 2xx answer), schedules the next try (exponential backoff: base × 2^(n-1)
   seconds after the n-th failed attempt, capped), or gives up after the configured attempts.
4. `deliver` (one pass of the worker) sends concurrently: a bounded pool of sender threads, at most
   `webhook_concurrency` POSTs in flight to one subscription and `webhook_total_concurrency` in all;
   it claims only what it can send at once (so a slow receiver's backlog never takes another
   subscription's places) and claims more as POSTs end. Each sender records its own answer.

Guarantees: at-least-once. A worker that dies after claiming leaves the delivery leased; when the
lease runs out (`webhook_lease_s`) the next run sends it again (its unfinished attempt row stays
in the log). So a receiver may see the same delivery twice: it must deduplicate by the
`X-Gridcity-Delivery` header (the delivery id, the same on every attempt). Several workers may run
at once: on PostgreSQL they claim with `FOR UPDATE SKIP LOCKED` and share the work; SQLite has one
writer, and each claim is one UPDATE … RETURNING, so two workers never claim the same delivery in
the same lease. Order: messages are fanned out in outbox order; under concurrency and retries the
arrival order is not guaranteed — the payload's `event_seq` orders one case's changes.

The request: `POST <url>` with a JSON body (`delivery_id`, `event`, `topic`, `attempt`, `sent_at`,
`created_at`, `case_id`, `payload`) and the headers
- `X-Gridcity-Signature: sha256=<hex>` — HMAC-SHA256 of the raw body with the subscription's secret
  (the body carries `sent_at`, so the signature covers the time too);
- `X-Gridcity-Timestamp` — Unix seconds of `sent_at`; `X-Gridcity-Delivery` — the delivery id;
  `X-Gridcity-Event` — the event name.
Any 2xx answer is success; anything else (3xx included: redirects are not followed), a timeout or a
connection error is a failed attempt.

Events a subscription may ask for (`EVENTS`); "to me": a subscription of a department (or
enterprise) hears only of the cases with that department (the payload's `department_id` after the
change); one of an outside platform hears of the cases in its territory (`scope_code`, a district,
street or community code; '' the whole city). The sweep's yellow/red warnings are notifications to
people only; `overdue` is the sweep's escalation (`case.escalate`) of a case past its deadline.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import Select, Table, case, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import (
    Case,
    OrgUnit,
    OutboxMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from gridcity.domain.errors import Conflict, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseAction, CaseState
from gridcity.services.access import require_city_admin
from gridcity.services.platform import Platform

# event name -> (what it means, does this outbox message (topic, payload) count as it)
ANY = "any"
EVENTS: dict[str, tuple[str, Callable[[str, Mapping[str, Any]], bool]]] = {
    "dispatched": (
        "派遣 dispatched to the department (or sent back to it for rework, 返工)",
        lambda topic, p: (
            p.get("to_state") == CaseState.DISPATCHED and p.get("from_state") != p.get("to_state")
        ),
    ),
    "accepted": ("签收 the department accepted the case", lambda t, p: t == f"case.{CaseAction.ACCEPT}"),
    "extension_requested": (
        "申请延期 an extension was asked for",
        lambda t, p: t == f"case.{CaseAction.REQUEST_EXTENSION}",
    ),
    "extension_decided": (
        "延期审批 an extension was approved or denied",
        lambda t, p: t in (f"case.{CaseAction.APPROVE_EXTENSION}", f"case.{CaseAction.DENY_EXTENSION}"),
    ),
    "disposed": (
        "处置反馈 the department reported it done",
        lambda t, p: t == f"case.{CaseAction.REPORT_DONE}",
    ),
    "overdue": (
        "超时升级 escalated by the deadline sweep: past its deadline",
        lambda t, p: t == f"case.{CaseAction.ESCALATE}",
    ),
    "closed": (
        "结案 closed",
        lambda t, p: p.get("to_state") == CaseState.CLOSED and p.get("from_state") != CaseState.CLOSED,
    ),
    "reopened": ("重新办理 reopened by the citizen", lambda t, p: t == f"case.{CaseAction.REOPEN}"),
    ANY: ("every change of a case", lambda t, p: True),
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")
MIN_SECRET = 16
FAN_OUT_FACTOR = 10  # outbox messages fanned out per transaction: this × webhook_batch_size
MAX_URL = 500
SIGNATURE_HEADER = "X-Gridcity-Signature"
TIMESTAMP_HEADER = "X-Gridcity-Timestamp"
DELIVERY_HEADER = "X-Gridcity-Delivery"
EVENT_HEADER = "X-Gridcity-Event"


def events_of(topic: str, payload: Mapping[str, Any]) -> list[str]:
    """The event names an outbox message counts as (besides `any`), in `EVENTS` order."""
    return [name for name, (_, test) in EVENTS.items() if name != ANY and test(topic, payload)]


def event_for(
    events: Sequence[str],
    org_unit_id: int | None,
    scope_code: str,
    topic: str,
    payload: Mapping[str, Any],
    place: str | None,
) -> str | None:
    """The event under which a subscription (its `events`, department, scope) receives a message,
    or None when it does not want it. `place`: the case's most precise territory code."""
    if org_unit_id is not None and payload.get("department_id") != org_unit_id:
        return None
    if scope_code and not (place or "").startswith(scope_code):
        return None
    names = events_of(topic, payload)
    for name in names:
        if name in events:
            return name
    if ANY in events:
        return names[0] if names else topic.removeprefix("case.")
    return None


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- subscriptions --------------------------------------------------------------------------


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(message("webhook.bad_url", url=url))
    if len(url) > MAX_URL:
        raise Invalid(message("webhook.long_url", limit=MAX_URL))
    return url


def check_events(events: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(e.strip() for e in events if e and e.strip()))
    if not chosen:
        raise Invalid(message("webhook.no_event", events=", ".join(EVENTS)))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise Invalid(
            message("webhook.unknown_event", unknown=", ".join(map(repr, unknown)), events=", ".join(EVENTS))
        )
    return chosen


def add_subscription(
    platform: Platform,
    db: Session,
    name: str,
    url: str,
    events: Sequence[str],
    *,
    department: str | None = None,
    scope: str = "",
    secret: str | None = None,
    actor: Principal | None = None,
    creator: str | None = None,
) -> tuple[WebhookSubscription, str]:
    """Subscribe a docked system. `department`: the code of a department or enterprise (it hears
    of its own cases); otherwise an outside platform hearing of the cases in `scope` (a territory
    code, '' the whole city). Returns the subscription and its secret (random when not given)."""
    require_city_admin(actor, message("task.webhooks"))
    name = (name or "").strip()
    if not _NAME.match(name):
        raise Invalid(message("webhook.bad_name", name=name))
    url = check_url(url)
    chosen = check_events(events)
    unit_id: int | None = None
    scope = (scope or "").strip()
    if department:
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == department.strip()))
        if unit is None or unit.kind != "department":
            raise NotFound(message("department.no_department", department=department))
        if scope:
            raise Invalid(message("webhook.department_scope"))
        unit_id = unit.id
    elif scope:
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == scope))
        if unit is None or unit.kind not in ("district", "street", "community"):
            raise NotFound(message("webhook.no_scope", scope=scope))
    secret = secrets.token_urlsafe(32) if secret is None else secret
    if len(secret) < MIN_SECRET:
        raise Invalid(message("webhook.short_secret", minimum=MIN_SECRET))
    if db.scalar(select(WebhookSubscription.id).where(WebhookSubscription.name == name)) is not None:
        raise Conflict(message("webhook.exists", name=name))
    try:
        with unit_of_work(db):
            sub = WebhookSubscription(
                name=name,
                org_unit_id=unit_id,
                scope_code=scope,
                events=chosen,
                url=url,
                secret=secret,
                active=True,
                # it hears of what changes from now on, not of the history
                start_after_id=db.scalar(select(func.max(OutboxMessage.id))) or 0,
                created_by=actor.username if actor is not None else (creator or "command line"),
                created_at=platform.now(),
            )
            db.add(sub)
    except IntegrityError:
        raise Conflict(message("webhook.exists", name=name)) from None
    return sub, secret


def list_subscriptions(db: Session, actor: Principal | None = None) -> list[WebhookSubscription]:
    require_city_admin(actor, message("task.webhooks"))
    return list(db.scalars(select(WebhookSubscription).order_by(WebhookSubscription.name)))


def delivery_counts(db: Session) -> dict[int, Counter[str]]:
    """Per subscription id: its deliveries by status."""
    counts: dict[int, Counter[str]] = {}
    rows = db.execute(
        select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count()).group_by(
            WebhookDelivery.subscription_id, WebhookDelivery.status
        )
    )
    for sub_id, status, n in rows:
        counts.setdefault(sub_id, Counter())[status] = n
    return counts


def disable_subscription(
    platform: Platform, db: Session, name: str, actor: Principal | None = None
) -> WebhookSubscription:
    """Stop a subscription: nothing more is sent to it; its pending deliveries are cancelled."""
    require_city_admin(actor, message("task.webhooks"))
    sub = db.scalar(select(WebhookSubscription).where(WebhookSubscription.name == (name or "").strip()))
    if sub is None:
        raise NotFound(message("webhook.not_found", name=name))
    if sub.active:
        with unit_of_work(db):
            sub.active = False
            sub.disabled_at = platform.now()
            db.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.subscription_id == sub.id, WebhookDelivery.status == "pending")
                .values(status="cancelled", locked_until=None)
            )
    return sub


# --- delivery -------------------------------------------------------------------------------


def _postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def fan_out(platform: Platform, db: Session, limit: int | None = None) -> tuple[int, int]:
    """Turn up to `limit` outbox messages not yet fanned out (in id order) into deliveries, in one
    transaction (default: ten times the delivery batch; a fan-out is cheap, a backlog goes fast).
    Returns (messages taken, deliveries written)."""
    limit = limit or FAN_OUT_FACTOR * platform.settings.webhook_batch_size
    outbox = cast(Table, OutboxMessage.__table__)
    pick = select(outbox.c.id).where(outbox.c.delivered_at.is_(None)).order_by(outbox.c.id).limit(limit)
    if _postgres(db):
        pick = pick.with_for_update(skip_locked=True)  # two workers take different messages
    with unit_of_work(db):
        now = platform.now()
        connection = db.connection()
        # one UPDATE … RETURNING takes the messages: on SQLite the first statement already writes,
        # so two workers queue for the one writer instead of both reading the same messages
        taken = connection.execute(
            update(outbox)
            .where(outbox.c.id.in_(pick))
            .values(delivered_at=now)
            .returning(outbox.c.id, outbox.c.topic, outbox.c.case_id, outbox.c.payload)
        ).all()
        if not taken:
            return 0, 0
        subs = db.execute(
            select(
                WebhookSubscription.id,
                WebhookSubscription.events,
                WebhookSubscription.org_unit_id,
                WebhookSubscription.scope_code,
                WebhookSubscription.start_after_id,
            ).where(WebhookSubscription.active.is_(True))
        ).all()
        places: dict[int, str] = {}
        if any(s.scope_code for s in subs):
            ids = {m.case_id for m in taken if m.case_id is not None}
            rows = db.execute(
                select(Case.id, Case.district_code, Case.street_code, Case.community_code).where(
                    Case.id.in_(ids)
                )
            )
            places = {r.id: r.community_code or r.street_code or r.district_code for r in rows}
        deliveries = []
        for message in sorted(taken, key=lambda m: m.id):
            for sub in subs:
                if message.id <= sub.start_after_id:
                    continue
                payload = message.payload or {}
                event = event_for(
                    sub.events,
                    sub.org_unit_id,
                    sub.scope_code,
                    message.topic,
                    payload,
                    places.get(message.case_id),
                )
                if event is not None:
                    deliveries.append(
                        {
                            "subscription_id": sub.id,
                            "outbox_id": message.id,
                            "event": event,
                            "status": "pending",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                    )
        if deliveries:
            maker: Any = pg_insert if _postgres(db) else sqlite_insert
            stmt = maker(WebhookDelivery.__table__).on_conflict_do_nothing(
                index_elements=["subscription_id", "outbox_id"]
            )
            connection.execute(stmt, deliveries)
    return len(taken), len(deliveries)


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to this worker for one attempt, with the request to send."""

    delivery_id: int
    attempt_id: int
    attempt: int
    subscription_id: int
    url: str
    event: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Answer:
    """What one POST got: a status code, or an error (timeout, refused connection …)."""

    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def claim(
    platform: Platform,
    db: Session,
    limit: int | None = None,
    per_subscription: int | None = None,
    busy: Mapping[int, int] | None = None,
) -> list[Claimed]:
    """Lease up to `limit` due deliveries of active subscriptions to this worker and write their
    attempt rows (started), in one transaction. The caller sends them and `record`s each answer.
    `per_subscription`: at most this many of one subscription, less what this worker already has in
    flight to it (`busy`: subscription id → deliveries being sent), so that a slow receiver's backlog
    never takes the places of another subscription's deliveries."""
    settings = platform.settings
    limit = limit or settings.webhook_batch_size
    d = cast(Table, WebhookDelivery.__table__)
    with unit_of_work(db):
        now = platform.now()
        active = select(WebhookSubscription.id).where(WebhookSubscription.active.is_(True))
        is_due = (
            d.c.status == "pending",
            d.c.next_attempt_at <= now,
            or_(d.c.locked_until.is_(None), d.c.locked_until <= now),
            d.c.subscription_id.in_(active),
        )
        if per_subscription is None:
            due = select(d.c.id).where(*is_due).order_by(d.c.next_attempt_at, d.c.id).limit(limit)
            if _postgres(db):
                due = due.with_for_update(of=d, skip_locked=True)
        else:
            due = _due_within_room(d, is_due, limit, per_subscription, busy or {})
            if _postgres(db):
                # FOR UPDATE may not sit on a window function: lock the chosen rows in an outer
                # select that checks them again (a row another worker took meanwhile drops out)
                due = select(d.c.id).where(d.c.id.in_(due), *is_due).with_for_update(of=d, skip_locked=True)
        connection = db.connection()
        leased = connection.execute(
            update(d)
            .where(d.c.id.in_(due))
            .values(locked_until=now + timedelta(seconds=settings.webhook_lease_s), attempts=d.c.attempts + 1)
            .returning(d.c.id, d.c.attempts, d.c.subscription_id, d.c.outbox_id, d.c.event)
        ).all()
        if not leased:
            return []
        leased = sorted(leased, key=lambda r: r.id)
        subs = {
            s.id: s
            for s in db.execute(
                select(WebhookSubscription.id, WebhookSubscription.url, WebhookSubscription.secret).where(
                    WebhookSubscription.id.in_({r.subscription_id for r in leased})
                )
            )
        }
        messages = {
            m.id: m
            for m in db.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.topic,
                    OutboxMessage.case_id,
                    OutboxMessage.payload,
                    OutboxMessage.created_at,
                ).where(OutboxMessage.id.in_({r.outbox_id for r in leased}))
            )
        }
        attempt_table = cast(Table, WebhookAttempt.__table__)
        attempt_ids = (
            connection.execute(
                insert(attempt_table).returning(attempt_table.c.id, sort_by_parameter_order=True),
                [
                    {"delivery_id": r.id, "attempt": r.attempts, "started_at": now, "ok": False}
                    for r in leased
                ],
            )
            .scalars()
            .all()
        )
    stamp = int(now.timestamp())
    claimed = []
    for row, attempt_id in zip(leased, attempt_ids, strict=True):
        sub, message = subs[row.subscription_id], messages[row.outbox_id]
        body = json.dumps(
            {
                "delivery_id": row.id,
                "event": row.event,
                "topic": message.topic,
                "attempt": row.attempts,
                "sent_at": now.isoformat(),
                "created_at": message.created_at.isoformat(),
                "case_id": message.case_id,
                "payload": message.payload,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "gridcity-webhooks",
            EVENT_HEADER: row.event,
            DELIVERY_HEADER: str(row.id),
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: sign(sub.secret, body),
        }
        claimed.append(
            Claimed(
                row.id, int(attempt_id), row.attempts, row.subscription_id, sub.url, row.event, body, headers
            )
        )
    return claimed


def _due_within_room(
    d: Table, is_due: Sequence[Any], limit: int, per_subscription: int, busy: Mapping[int, int]
) -> Select[Any]:
    """The ids of the due deliveries, oldest first, with at most the room left per subscription:
    each subscription's due deliveries numbered in order, those past its room left out."""
    position = (
        func.row_number()
        .over(partition_by=d.c.subscription_id, order_by=(d.c.next_attempt_at, d.c.id))
        .label("position")
    )
    ranked = select(d.c.id, d.c.subscription_id, d.c.next_attempt_at, position).where(*is_due).subquery()
    room = {sub: max(per_subscription - n, 0) for sub, n in busy.items() if n}
    allowed: Any = (
        case(room, value=ranked.c.subscription_id, else_=per_subscription) if room else per_subscription
    )
    return (
        select(ranked.c.id)
        .where(ranked.c.position <= allowed)
        .order_by(ranked.c.next_attempt_at, ranked.c.id)
        .limit(limit)
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx answer is a failed attempt, not a new request elsewhere


_opener = urllib.request.build_opener(_NoRedirects)


def post(item: Claimed, timeout: float) -> Answer:
    """POST one claimed delivery; never raises for what the network or the receiver does."""
    request = urllib.request.Request(item.url, data=item.body, headers=item.headers, method="POST")
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(64 * 1024)
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    except urllib.error.URLError as exc:
        error = f"{type(exc.reason).__name__}: {exc.reason}"
    except (OSError, http.client.HTTPException, ValueError) as exc:  # timeouts are OSErrors
        error = f"{type(exc).__name__}: {exc}"
    return Answer(status, error, round((time.perf_counter() - started) * 1000, 3))


def backoff(platform: Platform, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base × 2^(attempts-1), capped."""
    settings = platform.settings
    seconds = settings.webhook_backoff_base_s * 2 ** min(max(attempts - 1, 0), 40)
    return timedelta(seconds=min(seconds, settings.webhook_backoff_max_s))


def record(platform: Platform, db: Session, item: Claimed, answer: Answer) -> str:
    """Complete the attempt row and move the delivery on: 'delivered', 'retry' (its next attempt
    scheduled) or 'failed' (out of attempts). A lease lost meanwhile (another worker took the
    delivery again) changes only the attempt row: 'superseded'."""
    settings = platform.settings
    d = cast(Table, WebhookDelivery.__table__)
    with unit_of_work(db):
        now = platform.now()
        db.execute(
            update(WebhookAttempt)
            .where(WebhookAttempt.id == item.attempt_id)
            .values(
                finished_at=now,
                duration_ms=answer.duration_ms,
                status_code=answer.status_code,
                error=answer.error,
                ok=answer.ok,
            )
        )
        values: dict[str, Any] = {
            "locked_until": None,
            "last_status": answer.status_code,
            "last_error": answer.error,
        }
        if answer.ok:
            outcome = "delivered"
            values.update(status="delivered", delivered_at=now)
        elif item.attempt >= settings.webhook_max_attempts:
            outcome = "failed"
            values.update(status="failed")
        else:
            outcome = "retry"
            values.update(next_attempt_at=now + backoff(platform, item.attempt))
        matched = (
            db.connection()
            .execute(
                update(d)
                .where(d.c.id == item.delivery_id, d.c.attempts == item.attempt, d.c.status == "pending")
                .values(values)
            )
            .rowcount
        )
    return outcome if matched else "superseded"


Transport = Callable[[Claimed, float], Answer]


@dataclass
class DeliveryReport:
    """What one pass of `deliver` did."""

    messages: int = 0  # outbox messages fanned out
    created: int = 0  # deliveries written for them
    outcomes: Counter[str] = field(default_factory=Counter)  # delivered / retry / failed / superseded
    seconds: float = 0.0

    def summary(self) -> str:
        o = self.outcomes
        return (
            f"webhooks: {self.messages} outbox messages → {self.created} deliveries; sent "
            f"{sum(o.values())}: delivered {o['delivered']}, to retry {o['retry']}, given up {o['failed']}"
            f" ({self.seconds:.2f} s)"
        )


ROUND_S = 1.0  # while POSTs are in flight: how often a pass looks for newly due deliveries


class Senders:
    """The POSTs of one delivery pass, each on a thread of a bounded pool: at most `total` at once,
    at most `per_subscription` to one subscription (so a slow receiver fills only its own places).
    Each sender records its answer at once, in a session of its own."""

    def __init__(self, platform: Platform, transport: Transport, per_subscription: int, total: int) -> None:
        self.platform, self.transport = platform, transport
        self.per_subscription, self.total = per_subscription, total
        self._pool = ThreadPoolExecutor(max_workers=total, thread_name_prefix="gridcity-webhook")
        self._changed = threading.Condition()
        self._busy: Counter[int] = Counter()  # subscription id → POSTs in flight
        self._ended: list[str | BaseException] = []  # outcomes (or what ended a sender) not yet taken

    def room(self) -> tuple[int, dict[int, int]]:
        """(places free in all, the POSTs in flight per subscription)."""
        with self._changed:
            return self.total - sum(self._busy.values()), dict(+self._busy)

    def in_flight(self) -> int:
        with self._changed:
            return sum(self._busy.values())

    def submit(self, item: Claimed) -> None:
        with self._changed:
            self._busy[item.subscription_id] += 1
        self._pool.submit(self._send, item)

    def _send(self, item: Claimed) -> None:
        ended: str | BaseException
        try:
            answer = self.transport(item, self.platform.settings.webhook_timeout_s)
            with self.platform.sessions() as db:
                ended = record(self.platform, db, item, answer)
        except BaseException as exc:  # handed to the pass, which raises it: the sender's thread ends
            ended = exc
        with self._changed:
            self._busy[item.subscription_id] -= 1
            self._ended.append(ended)
            self._changed.notify_all()

    def wait(self, timeout: float) -> None:
        """Until a POST ends (its answer recorded) or `timeout` seconds pass."""
        with self._changed:
            if not self._ended:
                self._changed.wait(timeout)

    def take(self) -> list[str]:
        """The outcomes since the last call; raises what ended a sender (a failed `record` …)."""
        with self._changed:
            ended, self._ended = self._ended, []
        for item in ended:
            if isinstance(item, BaseException):
                raise item
        return cast(list[str], ended)

    def close(self) -> list[str]:
        """Wait for the POSTs in flight (each bounded by the POST's timeout) and their records."""
        self._pool.shutdown(wait=True)
        return self.take()


def deliver(
    platform: Platform,
    db: Session,
    stop: Callable[[], bool] = lambda: False,
    transport: Transport = post,
) -> DeliveryReport:
    """One pass of the worker: fan out the waiting outbox messages, then send the due deliveries
    concurrently (`Senders`: bounded per subscription and in all), claiming more as places free up
    and looking for new ones every `ROUND_S` while POSTs are in flight. The pass ends when nothing is
    due and nothing is in flight; at `stop` it claims nothing more and ends once the POSTs in flight
    have their answers recorded (nothing is claimed that is not sent at once, so nothing is left
    leased). `transport` sends one request (`post`; tests wrap it)."""
    settings = platform.settings
    started = time.perf_counter()
    report = DeliveryReport()
    senders = Senders(platform, transport, settings.webhook_concurrency, settings.webhook_total_concurrency)
    try:
        while not stop():
            _fan_out_waiting(platform, db, report, stop)
            free, busy = senders.room()
            limit = min(free, settings.webhook_batch_size)
            batch = claim(platform, db, limit, senders.per_subscription, busy) if limit else []
            for item in batch:
                senders.submit(item)
            if not batch and not senders.in_flight():
                break  # nothing due, nothing under way: the pass is done
            if len(batch) < limit or not limit:  # a full batch: more may be due at once
                senders.wait(ROUND_S)
            report.outcomes.update(senders.take())
    finally:
        report.outcomes.update(senders.close())
    report.seconds = time.perf_counter() - started
    return report


def _fan_out_waiting(
    platform: Platform, db: Session, report: DeliveryReport, stop: Callable[[], bool]
) -> None:
    """Fan out every outbox message waiting, a transaction at a time."""
    while not stop():
        messages, created = fan_out(platform, db)
        report.messages += messages
        report.created += created
        if messages < FAN_OUT_FACTOR * platform.settings.webhook_batch_size:
            break


def attempts_of(db: Session, delivery_id: int) -> list[WebhookAttempt]:
    return list(
        db.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
    )
