"""The clock of a case's current post, kept in the case's stage_* columns (docs/domain/clocks.md).

One clock runs at a time, the post's that must act now. While a department's request (extension,
return, suspension) or a void waits for the platform's decision, the clock it interrupted is
*parked*: paused at the request and kept with the request (`pending_request["parked"]`), while the
decision's own clock runs in the columns; the decision resumes it (the wait not counted), or starts
the next post's clock when the case moves on (an approved return: dispatch again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from gridcity.db.models import Case
from gridcity.domain.clock import ClockFace, Light, StageClock, WorkingCalendar
from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.errors import Conflict
from gridcity.domain.messages import message
from gridcity.domain.taxonomy import Stage
from gridcity.domain.workflow import STAGE_OF_STATE, CaseAction, CaseState, case_number, next_stage
from gridcity.services.platform import Platform


def clock_of(case: ClockFields) -> StageClock:
    if case.stage is None or case.stage_started_at is None or case.stage_unit is None:
        raise Conflict(message("clock.no_stage_clock"))
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


def start_state_clock(
    platform: Platform, db: Session, calendar: WorkingCalendar, case: Case, now: datetime
) -> None:
    """Start the clock of the post that acts in the case's state, at `now` (a new or imported case)."""
    restart_clock(platform, db, calendar, case, STAGE_OF_STATE[CaseState(case.state)], now)


def restart_clock(
    platform: Platform, db: Session, calendar: WorkingCalendar, case: Case, stage: Stage | None, now: datetime
) -> None:
    """Start `stage`'s clock afresh at `now`, with the class's limit for it at the case's urgency."""
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


def follow(
    platform: Platform,
    db: Session,
    calendar: WorkingCalendar,
    case: Case,
    action: CaseAction,
    to_state: CaseState,
    now: datetime,
) -> None:
    """Move the clock along with an action that takes the case to `to_state` (its state already set)."""
    current = Stage(case.stage) if case.stage else None
    parked = parked_clock(case) if current is Stage.DECIDE else None
    basis = Stage(parked["stage"]) if parked else current
    target = next_stage(basis, to_state, action)
    if target is Stage.DECIDE and current is not Stage.DECIDE:
        _park(case, calendar, now)
        restart_clock(platform, db, calendar, case, Stage.DECIDE, now)
    elif current is Stage.DECIDE and target is not Stage.DECIDE:
        if parked is not None and target is basis:
            _unpark(case, calendar, parked, now, keep_paused=to_state is CaseState.SUSPENDED)
        else:
            restart_clock(platform, db, calendar, case, target, now)
        case.pending_request = None  # decided
    elif target is not current:
        restart_clock(platform, db, calendar, case, target, now)
    else:
        store_deadline(calendar, case)


# --- the clock parked while a decision is awaited -------------------------------------------------


def parked_clock(case: Case) -> dict[str, Any] | None:
    """The clock a pending request interrupted, as stored with the request; None when there is none."""
    request = case.pending_request or {}
    parked = request.get("parked")
    return parked if isinstance(parked, dict) else None


def _park(case: Case, calendar: WorkingCalendar, now: datetime) -> None:
    if case.stage is None or case.stage_started_at is None:
        return  # no clock was running: nothing to resume after the decision
    clock = clock_of(case)
    if not clock.paused:
        clock = clock.pause(now)
    case.pending_request = {**(case.pending_request or {}), "parked": _as_json(case, clock)}


def _unpark(
    case: Case, calendar: WorkingCalendar, parked: dict[str, Any], now: datetime, keep_paused: bool
) -> None:
    clock = _from_json(parked)
    if not keep_paused:  # the wait for the decision is not counted (an approved suspension goes on)
        clock = clock.resume(calendar, now)
    case.stage = parked["stage"]
    case.stage_warned = int(parked.get("warned", 0))
    store_clock(case, clock, calendar)


def extend_parked(case: Case, calendar: WorkingCalendar, extension: Duration) -> None:
    """An approved extension (延期) adds to the disposal clock the request interrupted."""
    parked = parked_clock(case)
    if parked is None:
        raise Conflict(message("clock.no_disposal_clock"))
    clock = _from_json(parked).extend(calendar, extension)
    case.pending_request = {**(case.pending_request or {}), "parked": {**parked, **_clock_json(clock)}}


def _as_json(case: Case, clock: StageClock) -> dict[str, Any]:
    return {"stage": case.stage, "warned": case.stage_warned or 0, **_clock_json(clock)}


def _clock_json(clock: StageClock) -> dict[str, Any]:
    return {
        "started_at": clock.started_at.isoformat(),
        "unit": clock.unit.value,
        "budget_s": clock.budget_seconds,
        "paused_s": clock.paused_seconds,
        "paused_since": clock.paused_since.isoformat() if clock.paused_since else None,
    }


def _from_json(parked: dict[str, Any]) -> StageClock:
    since = parked.get("paused_since")
    return StageClock(
        started_at=datetime.fromisoformat(parked["started_at"]),
        unit=TimeUnit(parked["unit"]),
        budget_seconds=float(parked["budget_s"]),
        paused_seconds=float(parked["paused_s"]),
        paused_since=datetime.fromisoformat(since) if since else None,
    )


# The columns a clock is read from: a list reads them with the rest of its row (`ClockReader`
# takes a Case or a row of these columns alike).
CLOCK_COLUMNS = (
    Case.stage,
    Case.stage_started_at,
    Case.stage_unit,
    Case.stage_budget_s,
    Case.stage_paused_s,
    Case.stage_paused_since,
    Case.stage_deadline,
)


class ClockFields(Protocol):
    """What a clock is read from: a Case, or a row selected with CLOCK_COLUMNS."""

    @property
    def stage(self) -> str | None: ...
    @property
    def stage_started_at(self) -> datetime | None: ...
    @property
    def stage_unit(self) -> str | None: ...
    @property
    def stage_budget_s(self) -> float | None: ...
    @property
    def stage_paused_s(self) -> float | None: ...
    @property
    def stage_paused_since(self) -> datetime | None: ...
    @property
    def stage_deadline(self) -> datetime | None: ...


class ClockReader:
    """Reads the clocks of cases at one moment (the platform's now when made) with the city's
    calendar: one for a request, however many cases it shows, so a list of thousands does not look
    up the calendar and the time for each, nor build a `StageClock` per case (`ClockFace`)."""

    def __init__(self, platform: Platform, db: Session) -> None:
        self.calendar = platform.calendar(db)
        self.now = platform.now()
        self.yellow_ratio = platform.settings.yellow_ratio
        self.face = ClockFace(self.calendar, self.now, self.yellow_ratio)

    def clock(self, case: ClockFields) -> dict[str, Any] | None:
        """The current stage's clock as the API and pages show it; None when no clock runs."""
        read = self._read(
            case.stage,
            case.stage_started_at,
            case.stage_unit,
            case.stage_budget_s,
            case.stage_paused_s,
            case.stage_paused_since,
            case.stage_deadline,
            with_elapsed=True,
        )
        if read is None:
            return None
        budget, elapsed, light = read
        assert elapsed is not None
        return {
            "stage": case.stage,
            "stage_name": stage.label_zh if (stage := Stage.known(case.stage)) else case.stage,
            "started_at": case.stage_started_at,
            "deadline": case.stage_deadline,
            "unit": case.stage_unit,
            "limit_seconds": budget,
            "elapsed_seconds": elapsed,
            "remaining_seconds": budget - elapsed,
            "paused": case.stage_paused_since is not None,
            "light": light.value,
        }

    def light(self, case: ClockFields) -> str | None:
        """The clock's traffic light (green, yellow, red); None when no clock runs."""
        return self.light_of(
            case.stage,
            case.stage_started_at,
            case.stage_unit,
            case.stage_budget_s,
            case.stage_paused_s,
            case.stage_paused_since,
            case.stage_deadline,
        )

    def light_of(
        self,
        stage: str | None,
        started_at: datetime | None,
        unit: str | None,
        budget_s: float | None,
        paused_s: float | None,
        paused_since: datetime | None,
        deadline: datetime | None,
    ) -> str | None:
        """`light` from the values of CLOCK_COLUMNS, in their order (a row's, unpacked)."""
        read = self._read(stage, started_at, unit, budget_s, paused_s, paused_since, deadline, False)
        return read[2].value if read is not None else None

    def number(self, case_id: int, reported_at: datetime) -> str:
        """The case number (`Platform.case_number`) with this reader's calendar."""
        return case_number(case_id, self.calendar.local_date(reported_at))

    def _read(
        self,
        stage: str | None,
        started_at: datetime | None,
        unit: str | None,
        budget_s: float | None,
        paused_s: float | None,
        paused_since: datetime | None,
        deadline: datetime | None,
        with_elapsed: bool,
    ) -> tuple[float, float | None, Light] | None:
        """(budget, elapsed, light) of the stored clock; None when no clock runs. The elapsed time
        of an overdue clock is worked out only `with_elapsed` (its light is red whatever it is)."""
        if stage is None or started_at is None:
            return None
        if unit is None:
            raise Conflict(message("clock.no_stage_clock"))
        budget = float(budget_s or 0.0)
        if deadline is not None and deadline < self.now:
            # past the deadline is overdue, the one rule of the queues' filter
            # (CaseFilter(overdue=True)); after working hours the working time elapsed stays at the
            # budget, which alone is yellow
            elapsed = (
                self.face.elapsed(started_at, unit, paused_s or 0.0, paused_since) if with_elapsed else None
            )
            return budget, elapsed, Light.RED
        elapsed = self.face.elapsed(started_at, unit, paused_s or 0.0, paused_since)
        return budget, elapsed, self.face.light(elapsed, budget)


def case_clock(platform: Platform, db: Session, case: ClockFields) -> dict[str, Any] | None:
    """The current stage's clock as the API and pages show it (`ClockReader.clock` for one case)."""
    return ClockReader(platform, db).clock(case)
