"""The clock of a case's current stage, kept in the case's stage_* columns (docs/domain/clocks.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridcity.db.models import Case
from gridcity.domain.clock import StageClock, WorkingCalendar, traffic_light
from gridcity.domain.durations import TimeUnit
from gridcity.domain.errors import Conflict
from gridcity.domain.workflow import STAGE_OF_STATE, CaseState
from gridcity.services.platform import Platform


def clock_of(case: Case) -> StageClock:
    if case.stage is None or case.stage_started_at is None or case.stage_unit is None:
        raise Conflict("this case has no running stage clock")
    return StageClock(
        started_at=case.stage_started_at,
        unit=TimeUnit(case.stage_unit),
        budget_seconds=case.stage_budget_s or 0.0,
        paused_seconds=case.stage_paused_s or 0.0,
        paused_since=case.stage_paused_since,
    )


def store_clock(case: Case, clock: StageClock, calendar: WorkingCalendar) -> None:
    case.stage_started_at = clock.started_at
    case.stage_unit = clock.unit.value
    case.stage_budget_s = clock.budget_seconds
    case.stage_paused_s = clock.paused_seconds
    case.stage_paused_since = clock.paused_since
    case.stage_deadline = clock.deadline(calendar)
    _look_again(case)


def store_deadline(calendar: WorkingCalendar, case: Case) -> None:
    if case.stage is not None:
        case.stage_deadline = clock_of(case).deadline(calendar)
        _look_again(case)


def _look_again(case: Case) -> None:
    """The clock changed: the deadline sweep looks at the case at its next pass (it then works out
    when to look next); a suspended clock waits for its resume."""
    case.sweep_at = case.stage_started_at if case.stage_deadline is not None else None


def restart_clock(
    platform: Platform, db: Session, calendar: WorkingCalendar, case: Case, now: datetime
) -> None:
    stage = STAGE_OF_STATE[CaseState(case.state)]
    case.stage = stage.value if stage else None
    case.stage_warned = 0  # a new stage round: its warnings start afresh (the level stays)
    if stage is None:
        case.stage_started_at = case.stage_unit = case.stage_budget_s = None
        case.stage_paused_since = case.stage_deadline = case.sweep_at = None
        case.stage_paused_s = 0.0
        return
    book = platform.catalogue(db)
    limit = book.limit(book.find(case.class_code, case.standard, case.kind), stage.value, case.urgency)
    store_clock(case, StageClock.start(calendar, now, limit), calendar)


def case_clock(platform: Platform, db: Session, case: Case) -> dict[str, Any] | None:
    """The current stage's clock as the API and pages show it."""
    if case.stage is None or case.stage_started_at is None:
        return None
    calendar = platform.calendar(db)
    clock = clock_of(case)
    now = platform.now()
    elapsed = clock.elapsed(calendar, now)
    return {
        "stage": case.stage,
        "started_at": case.stage_started_at,
        "deadline": case.stage_deadline,
        "unit": case.stage_unit,
        "limit_seconds": clock.budget_seconds,
        "elapsed_seconds": elapsed,
        "remaining_seconds": clock.budget_seconds - elapsed,
        "paused": clock.paused_since is not None,
        "light": traffic_light(elapsed, clock.budget_seconds, platform.settings.yellow_ratio).value,
    }
