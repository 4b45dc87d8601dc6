"""Sign-in throttling and lockout, for the pages' /login and the API's token endpoint alike
(docs/security.md#sign-in).

Failed sign-ins are counted twice: per username (as typed: an unknown name is counted, delayed and
locked exactly like a real account, so no answer tells them apart) and per client address (IPv6 by
its /64, what one machine is usually given). After the free failures each further one makes the
next attempt of that username or address wait base × 2^(n-1) seconds, at most the maximum; an
attempt within the wait is refused at once ("try again in N seconds") without checking the
password — the server never sleeps on it. `signin_lock_after` failures of one username lock it for
`signin_lock_minutes`: every attempt is refused, with the right password too, until the lock runs
out or an admin unlocks it. Each lock and unlock is a row of `signin_lock_events` (append-only):
who, when, why.

The counters live in the database (`signin_counters`), not in the process: every process of an
installation counts the same failures, and a restart forgets nothing. A failure costs one upsert
per counter; a sign-in already costs an argon2 check (a third of a second), so the write is noise.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridcity.config import Settings
from gridcity.db.engine import unit_of_work
from gridcity.db.models import OrgUnit, SigninCounter, SigninLockEvent, User
from gridcity.domain.errors import Forbidden, Invalid, NotFound, TooManyRequests
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services.platform import Platform
from gridcity.services.users import admin_scope, in_tier

ACCOUNT = "account"
ADDRESS = "address"
UNKNOWN_ADDRESS = "unknown"
MAX_REASON = 500
CLI_NAME = "command line"
SYSTEM_NAME = "system"


@dataclass(frozen=True)
class Rules:
    """The settings of the throttle, in one value."""

    free_failures: int
    address_free_failures: int
    delay_base_s: float
    delay_max_s: float
    lock_after: int
    lock: timedelta
    window: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return cls(
            free_failures=settings.signin_free_failures,
            address_free_failures=settings.signin_address_free_failures,
            delay_base_s=settings.signin_delay_base_s,
            delay_max_s=settings.signin_delay_max_s,
            lock_after=settings.signin_lock_after,
            lock=timedelta(minutes=settings.signin_lock_minutes),
            window=timedelta(minutes=settings.signin_window_minutes),
        )

    def delay(self, failures: int, free: int) -> float:
        """Seconds the next attempt waits after `failures` failures, of which `free` cost nothing."""
        beyond = failures - free
        if beyond <= 0:
            return 0.0
        return float(min(self.delay_base_s * 2 ** min(beyond - 1, 60), self.delay_max_s))


def address_key(host: str | None) -> str:
    """The counter key of a client address: IPv4 as it is, IPv6 by its /64 (one machine, or one
    customer of a provider, usually holds a whole /64). The address is the one the ASGI server
    gives as the peer: behind a reverse proxy, uvicorn takes it from X-Forwarded-For only when the
    proxy's own address is listed in FORWARDED_ALLOW_IPS (by default 127.0.0.1 and ::1)."""
    if not host:
        return UNKNOWN_ADDRESS
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 address a.b.c.d
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _counters(db: Session, username: str, address: str) -> dict[str, SigninCounter]:
    rows = db.scalars(
        select(SigninCounter).where(
            or_(
                (SigninCounter.kind == ACCOUNT) & (SigninCounter.key == username),
                (SigninCounter.kind == ADDRESS) & (SigninCounter.key == address),
            )
        )
    )
    return {row.kind: row for row in rows}


def check(platform: Platform, db: Session, username: str, address: str) -> bool:
    """Refuse an attempt while its username is locked or while it or the address must wait
    (TooManyRequests with the seconds to wait). When the password may be checked: whether the
    username has failures counted (a success then forgives them)."""
    rules = Rules.of(platform.settings)
    now = platform.now()
    found = _counters(db, username, address)
    account = found.get(ACCOUNT)
    if account is not None and account.locked_until is not None and account.locked_until > now:
        left = account.locked_until - now
        raise TooManyRequests(
            message("signin.locked", minutes=math.ceil(left.total_seconds() / 60)), retry_after=_seconds(left)
        )
    waits = []
    for counter, free in ((account, rules.free_failures), (found.get(ADDRESS), rules.address_free_failures)):
        if counter is None or counter.last_failure_at < now - rules.window:
            continue
        until = counter.last_failure_at + timedelta(seconds=rules.delay(counter.failures, free))
        if until > now:
            waits.append(until - now)
    if waits:
        left = max(waits)
        raise TooManyRequests(message("signin.wait", seconds=_seconds(left)), retry_after=_seconds(left))
    return account is not None


def _count_failure(db: Session, kind: str, key: str, now: datetime, window: timedelta) -> None:
    """failures + 1, or 1 when the last failure is older than the window: one statement, so two
    processes counting at once both count."""
    table = SigninCounter.__table__
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(kind=kind, key=key, failures=1, last_failure_at=now)
    db.execute(
        stmt.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={
                "failures": case((table.c.last_failure_at < now - window, 1), else_=table.c.failures + 1),
                "last_failure_at": now,
            },
        )
    )


_PRUNE_EVERY_S = 300.0
_last_prune = 0.0


def failed(platform: Platform, db: Session, username: str, address: str, user_id: int | None) -> None:
    """Count a failed attempt against the username and the address; lock the username (and
    record the lock) when this failure is its `lock_after`-th within the window."""
    global _last_prune
    rules = Rules.of(platform.settings)
    now = platform.now()
    with unit_of_work(db):
        _count_failure(db, ACCOUNT, username, now, rules.window)
        _count_failure(db, ADDRESS, address, now, rules.window)
        account = db.get(SigninCounter, (ACCOUNT, username), populate_existing=True)
        if account is not None and account.failures >= rules.lock_after:
            # the lock is the consequence of these failures: after it the count starts again
            account.failures, account.locked_until = 0, now + rules.lock
            db.add(
                SigninLockEvent(
                    at=now,
                    username=username,
                    user_id=user_id,
                    action="lock",
                    locked_until=account.locked_until,
                    failures=rules.lock_after,
                    address=address,
                    by_name=SYSTEM_NAME,
                    reason=f"{rules.lock_after} failed sign-ins within {rules.window}",
                )
            )
        if time.monotonic() - _last_prune > _PRUNE_EVERY_S:
            _last_prune = time.monotonic()
            # counters of failures long past and no lock running are forgotten
            db.execute(
                delete(SigninCounter).where(
                    SigninCounter.last_failure_at < now - rules.window,
                    or_(SigninCounter.locked_until.is_(None), SigninCounter.locked_until < now),
                )
            )


def succeeded(db: Session, username: str, seen_failures: bool) -> None:
    """A right password outside any lock or wait: the username's failures are forgiven (the
    address's are not: one good account must not clear the way for guessing others)."""
    if not seen_failures:
        return  # nothing to forgive: a sign-in without failures writes nothing here
    with unit_of_work(db):
        db.execute(delete(SigninCounter).where(SigninCounter.kind == ACCOUNT, SigninCounter.key == username))


# --- what an admin sees and does ----------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    username: str
    user_id: int | None
    display_name: str | None
    locked_until: datetime


def _visible(scope: str, user_scope: str | None) -> bool:
    """An admin sees locks of the accounts of their area; a name of no account only the city admin."""
    return in_tier(scope, user_scope) if user_scope is not None else scope == ""


def current_locks(platform: Platform, db: Session, admin: Principal | None) -> list[Lock]:
    """The usernames locked now (`admin` None: the command line, everything)."""
    scope = "" if admin is None else admin_scope(admin)
    rows = db.execute(
        select(SigninCounter.key, SigninCounter.locked_until, User.id, User.display_name, OrgUnit.scope_code)
        .outerjoin(User, User.username == SigninCounter.key)
        .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(SigninCounter.kind == ACCOUNT, SigninCounter.locked_until > platform.now())
        .order_by(SigninCounter.locked_until.desc())
    )
    return [
        Lock(key, user_id, display, until)
        for key, until, user_id, display, user_scope in rows
        if until is not None and _visible(scope, user_scope if user_id is not None else None)
    ]


def lock_events(
    db: Session, admin: Principal | None, username: str | None = None, limit: int = 100
) -> Sequence[SigninLockEvent]:
    """The latest locks and unlocks an admin may see, newest first."""
    scope = "" if admin is None else admin_scope(admin)
    stmt = (
        select(SigninLockEvent, OrgUnit.scope_code)
        .outerjoin(User, User.id == SigninLockEvent.user_id)
        .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
        .order_by(SigninLockEvent.at.desc(), SigninLockEvent.id.desc())
    )
    if username is not None:
        stmt = stmt.where(SigninLockEvent.username == username)
    if scope:
        stmt = stmt.where(OrgUnit.scope_code.startswith(scope))
    return [event for event, _scope in db.execute(stmt.limit(limit))]


def unlock(
    platform: Platform, db: Session, admin: Principal | None, username: str, reason: str
) -> SigninLockEvent:
    """Lift the lock of a username before it runs out (an admin of the account's area, or the
    command line with `admin` None), and record who did it and why."""
    scope = "" if admin is None else admin_scope(admin)
    reason = reason.strip()
    if not reason:
        raise Invalid(message("signin.reason_needed"))
    if len(reason) > MAX_REASON:
        raise Invalid(message("signin.long_reason", limit=MAX_REASON))
    now = platform.now()
    account = db.scalar(select(User).where(User.username == username))
    if not _visible(scope, account.org_unit.scope_code if account is not None else None):
        raise Forbidden(message("signin.lock_outside_area", username=username))
    counter = db.get(SigninCounter, (ACCOUNT, username))
    if counter is None or counter.locked_until is None or counter.locked_until <= now:
        raise NotFound(message("signin.not_locked", username=username))
    with unit_of_work(db):
        db.delete(counter)  # the failures go with the lock: the person starts afresh
        event = SigninLockEvent(
            at=now,
            username=username,
            user_id=account.id if account is not None else None,
            action="unlock",
            by_user_id=admin.id if admin is not None else None,
            by_name=admin.username if admin is not None else CLI_NAME,
            reason=reason,
        )
        db.add(event)
    return event


def event_view(event: SigninLockEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "username": event.username,
        "user_id": event.user_id,
        "action": event.action,
        "locked_until": event.locked_until,
        "failures": event.failures,
        "address": event.address,
        "by": event.by_name,
        "reason": event.reason,
    }
