"""The running platform: settings, database, and the in-memory state derived from the database
(class catalogue, working calendar, spatial index), rebuilt when the rows behind them change."""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, TypeVar, cast

import anyio.to_thread
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from gridcity.config import Settings
from gridcity.db.engine import make_engine, make_sessionmaker, side_engine, write_lock
from gridcity.db.models import CalendarDay, CaseClass, Grid, OrgUnit, utcnow
from gridcity.domain.clock import WorkingCalendar, WorkPeriod
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.workflow import case_number, parse_case_number
from gridcity.observability.metrics import CACHE_REBUILDS
from gridcity.services.catalogue import ClassBook
from gridcity.services.rate_limits import IntakeLimits
from gridcity.services.security import PasswordSlots
from gridcity.services.territory_state import TerritoryState
from gridcity.services.write_turns import WriteTurns

T = TypeVar("T")


def parse_work_periods(texts: list[str]) -> list[WorkPeriod]:
    periods = []
    for text in texts:
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as exc:
            raise Invalid(message("platform.bad_work_period", text=text)) from exc
        periods.append(WorkPeriod(start, end))
    return periods


@dataclass
class _Cached:
    """A value derived from database rows, rebuilt when their signature changes."""

    signature_query: Callable[[Session], Any]
    build: Callable[[Session], Any]
    value: Any = None
    signature: Any = None
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Platform:
    """One per process. Services receive it to reach settings and the derived in-memory state."""

    RECHECK_SECONDS = 5.0  # how stale another process's change may look here

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(
            settings.effective_database_url,
            settings.db_pool_timeout_s,
            sqlite_synchronous=settings.sqlite_synchronous,
        )
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self._side: sessionmaker[Session] | None = None  # the derived state's checks: _side_sessions
        self.now: Callable[[], datetime] = utcnow  # injectable: tests and the demo move time
        # the lock every unit of work of this engine takes (db.engine.unit_of_work): SQLite only
        self.write_lock: AbstractContextManager[Any] = write_lock(self.engine)
        self._write_turns = WriteTurns(settings.db_pool_timeout_s)
        # argon2 checks at once in this process, and the rate limits of anonymous intake
        self.password_slots = PasswordSlots(settings.signin_max_concurrent, settings.signin_queue_wait_s)
        self.intake_limits = IntakeLimits(settings)
        self._unit_ids: dict[tuple[str, str | None], int] = {}
        self._unit_refs: dict[int, dict[str, Any]] = {}
        self._cache: dict[str, _Cached] = {
            "calendar": _Cached(
                lambda db: tuple(db.execute(select(func.count(), func.max(CalendarDay.day))).one()),
                self._build_calendar,
            ),
            "catalogue": _Cached(
                lambda db: tuple(db.execute(select(func.count(), func.max(CaseClass.updated_at))).one()),
                self._build_catalogue,
            ),
            "territory": _Cached(
                lambda db: (
                    tuple(db.execute(select(func.count(), func.max(Grid.id), func.max(Grid.valid_to))).one()),
                    tuple(db.execute(select(func.count(), func.max(OrgUnit.id))).one()),
                ),
                self._build_territory,
            ),
        }

    # --- derived state -------------------------------------------------------------------
    def _get(self, name: str, db: Session | None = None) -> Any:
        """The derived state `name`, checked against its rows at most every RECHECK_SECONDS.

        Never a cause of waiting under load: when a check is due, one thread makes it and the
        others go on with the value they have (a few seconds old at most, as RECHECK_SECONDS
        allows); only the first build makes callers wait. A caller without a session of its own is
        checked on a connection outside the pool (`_side_sessions`): it may be holding a pooled
        connection itself, and asking the pool for a second one while every connection is held by
        such callers would wait for the pool's timeout, one caller after another (seen under load
        on PostgreSQL: bench_mixed.py)."""
        entry = self._cache[name]
        if entry.value is not None:
            if _time.monotonic() - entry.checked_at < self.RECHECK_SECONDS:
                return entry.value
            if not entry.lock.acquire(blocking=False):
                return entry.value  # another thread is checking it now
        else:
            entry.lock.acquire()  # the first build: nothing to go on with meanwhile
        try:
            if entry.value is not None and _time.monotonic() - entry.checked_at < self.RECHECK_SECONDS:
                return entry.value  # built or checked while this thread waited for the lock
            session: Session = self._side_sessions() if db is None else db
            try:
                signature = entry.signature_query(session)
                if entry.value is None or signature != entry.signature:
                    entry.value = entry.build(session)
                    entry.signature = signature
                    CACHE_REBUILDS.labels(name).inc()
                entry.checked_at = _time.monotonic()
            finally:
                if db is None:
                    session.close()
        finally:
            entry.lock.release()
        return entry.value

    def _side_sessions(self) -> Session:
        """A session on a connection of its own, outside the pool (db.engine.side_engine); on an
        in-memory SQLite database, whose one connection is the database, the pool's."""
        if self._side is None:
            side = side_engine(self.engine)
            self._side = make_sessionmaker(side) if side is not None else self.sessions
        return self._side()

    async def run_write(self, work: Callable[[], T]) -> T:
        """Run a short write transaction from async code, on a worker thread: the event loop never
        waits for a database, a lock or a pooled connection, so reads and health checks answer
        while writes queue. On SQLite (one writer at a time) the writes of this event loop wait for
        their turn as coroutines (`WriteTurns`: two at once, one writing while the one before it
        syncs and answers), not as threads parked on the write lock, so a burst of reports does
        not take every thread from the reads; a write that waited longer than
        GRIDCITY_DB_POOL_TIMEOUT_S for its turn is not run and the caller is told to come back
        (503, Retry-After). On PostgreSQL writes run side by side, bounded by the connection pool."""
        if self.engine.dialect.name != "sqlite":
            return await anyio.to_thread.run_sync(work)
        async with self._write_turns.turn():
            return await anyio.to_thread.run_sync(work)

    def case_number(self, case: Any) -> str:
        return case_number(case.id, self.calendar().local_date(case.reported_at))

    def case_id_from_number(self, text: str) -> int | None:
        """The id a case number names, if its date part matches the case's report date."""
        parsed = parse_case_number(text)
        return parsed[0] if parsed else None

    def unit_id(self, db: Session, code: str, kind: str | None = None) -> int | None:
        """The id of an organisation unit by code; units are never deleted, so ids are cached."""
        key = (code, kind)
        if key not in self._unit_ids:
            stmt = select(OrgUnit.id).where(OrgUnit.code == code)
            if kind is not None:
                stmt = stmt.where(OrgUnit.kind == kind)
            found = db.scalar(stmt)
            if found is None:
                return None  # not cached: the unit may be created later
            self._unit_ids[key] = found
        return self._unit_ids[key]

    def unit_ref(self, db: Session, unit_id: int | None) -> dict[str, Any] | None:
        """A small, cached description of an organisation unit for views and messages."""
        if unit_id is None:
            return None
        if unit_id not in self._unit_refs:
            unit = db.get(OrgUnit, unit_id)
            if unit is None:
                return None
            self._unit_refs[unit_id] = {
                "id": unit.id,
                "code": unit.code,
                "name": unit.name,
                "kind": unit.kind,
                "tier": unit.tier,
            }
        return self._unit_refs[unit_id]

    def invalidate(self, *names: str) -> None:
        """Forget derived state: 'calendar', 'catalogue', 'territory', 'units' (all when none named)."""
        targets = names or ("units", *self._cache)
        if "units" in targets:
            self._unit_refs.clear()
            self._unit_ids.clear()
        for name in targets:
            if name in self._cache:
                self._cache[name].value = None

    def warm(self) -> list[str]:
        """Build (or check) every derived state now; returns their names. `/readyz` calls it: a
        process is ready once the requests it serves no longer wait for these to be built."""
        for name in self._cache:
            self._get(name)
        return list(self._cache)

    def calendar(self, db: Session | None = None) -> WorkingCalendar:
        return cast(WorkingCalendar, self._get("calendar", db))

    def catalogue(self, db: Session | None = None) -> ClassBook:
        """The effective class catalogue."""
        return cast(ClassBook, self._get("catalogue", db))

    def territory(self, db: Session | None = None) -> TerritoryState:
        """The in-memory territory, for point lookup."""
        return cast(TerritoryState, self._get("territory", db))

    def _build_calendar(self, db: Session) -> WorkingCalendar:
        overrides = {row.day: row.is_workday for row in db.scalars(select(CalendarDay))}
        return WorkingCalendar(
            periods=parse_work_periods(self.settings.work_periods),
            tz=self.settings.timezone,
            overrides=overrides,
        )

    def _build_catalogue(self, db: Session) -> ClassBook:
        return ClassBook.from_db(db)

    def _build_territory(self, db: Session) -> TerritoryState:
        return TerritoryState.from_db(db)
