"""The deadline sweep (docs/domain/supervision.md): yellow and red warnings, escalation street →
district → city platform, and the monthly supervision list (月检查). Run by `gridcity sweep` (cron) and
`gridcity worker` (every minute).

A pass looks only at the cases whose `sweep_at` has come: every change of a stage clock sets it to
the stage's start (`case_clock`), and after a look the sweep sets it to the next moment something
can come due (`domain.escalation.decide`) or to None. So a pass costs the cases with something to
do, not the open cases: a quiet minute of a city with tens of thousands of open cases reads an
empty index range. It walks them in (sweep_at, id) order in batches, one transaction per batch.

What it writes goes through `services.cases.record_system_changes`, a batch at a time: the UPDATE
of each case guarded by the version (and the sweep's marks) it read, then per escalation a history
row ("escalate", the state unchanged), its notifications and outbox message, and the notifications
of the warnings. If a case changed between the read and the write (on SQLite, another process),
the batch is rolled back and worked case by case; a case still changing is left for the next pass.
On PostgreSQL a batch locks its rows from the read on (`FOR UPDATE SKIP LOCKED`), so sweeps running
at once share the work instead of waiting. Either way a warning or an escalation is never written
twice, whatever the number of sweeps and however often they run.

Who hears what: a warning goes to whoever must act for the stage (`notifications.rows_for_warning`);
an escalation to the shift leaders, dispatchers and leaders of the tier's platform
(`domain.escalation.ESCALATION_ROLES`); the responsible department never changes.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, SupervisionEntry
from gridcity.domain.clock import StageClock, WorkingCalendar
from gridcity.domain.durations import TimeUnit
from gridcity.domain.errors import Conflict, DomainError, Invalid
from gridcity.domain.escalation import (
    EscalationPolicy,
    Level,
    SweepDecision,
    SweepFacts,
    WarningKind,
    decide,
    is_urgent_level,
)
from gridcity.domain.messages import message
from gridcity.domain.taxonomy import DEPARTMENT_STAGES, Stage
from gridcity.domain.workflow import ESCALATABLE_STATES, TERMINAL_STATES, CaseAction, CaseState
from gridcity.services.case_clock import CLOCK_COLUMNS
from gridcity.services.cases import SystemChange, SystemEvent, SystemWarning, record_system_changes
from gridcity.services.platform import Platform

log = logging.getLogger("gridcity.sweep")

_COLUMNS = (
    Case.id,
    Case.version,
    Case.state,
    *CLOCK_COLUMNS,  # the clock, as every list reads it (services.case_clock)
    Case.standard,
    Case.kind,
    Case.class_code,
    Case.class_name,
    Case.urgency,
    Case.escalation_level,
    Case.stage_warned,
    Case.sweep_at,
    Case.district_code,
    Case.street_code,
    Case.department_id,
    Case.assignee_id,
    Case.reporter_id,
    Case.reported_at,
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_RETRY = timedelta(hours=1)  # a case that could not be worked out is looked at again after this


@dataclass
class SweepReport:
    """What one pass did."""

    at: datetime
    month: str  # the supervision list's month of this pass, 'YYYY-MM'
    looked_at: int = 0  # cases whose look was due
    warnings: Counter[str] = field(default_factory=Counter)  # 'yellow' / 'red' -> sent
    escalations: Counter[int] = field(default_factory=Counter)  # level -> cases raised to it
    listed: int = 0  # cases put on the month's supervision list by escalation
    carried_over: int = 0  # cases still open from an earlier month's list
    changed_meanwhile: int = 0  # changed by someone while the sweep looked: left for the next pass
    failed: int = 0  # could not be worked out (logged)
    seconds: float = 0.0

    @property
    def escalated(self) -> int:
        return sum(self.escalations.values())

    def summary(self) -> str:
        """One line for a log or a terminal."""
        levels = ", ".join(
            f"{Level(level).label_zh} {self.escalations.get(level, 0)}"
            for level in (Level.STREET, Level.DISTRICT, Level.CITY, Level.SUPERVISION)
        )
        text = (
            f"sweep {self.at.isoformat(timespec='seconds')}: {self.looked_at} cases looked at; "
            f"warnings yellow {self.warnings.get('yellow', 0)}, red {self.warnings.get('red', 0)}; "
            f"escalations {levels}; supervision list {self.month}: {self.listed} added, "
            f"{self.carried_over} carried over"
        )
        if self.changed_meanwhile:
            text += f"; {self.changed_meanwhile} changed meanwhile (next pass)"
        if self.failed:
            text += f"; {self.failed} FAILED (see the log)"
        return text + f"; {self.seconds:.2f} s"


@dataclass
class _Pass:
    platform: Platform
    db: Session
    now: datetime
    policy: EscalationPolicy
    calendar: WorkingCalendar
    report: SweepReport
    urgent: dict[tuple[str, str, str, str], bool] = field(default_factory=dict)


def sweep(
    platform: Platform,
    db: Session,
    now: datetime | None = None,
    batch_size: int | None = None,
    stop: Callable[[], bool] | None = None,
) -> SweepReport:
    """One pass over the cases whose look is due at `now` (default: the platform's now). `stop` is
    asked between batches: when it says True the pass ends there (the rest waits for the next)."""
    started = time.perf_counter()
    now = now or platform.now()
    calendar = platform.calendar(db)
    month = month_of(now, calendar)
    ctx = _Pass(platform, db, now, platform.settings.escalation_policy(), calendar, SweepReport(now, month))
    size = batch_size or platform.settings.sweep_batch_size
    cursor: tuple[datetime, int] | None = None
    while True:
        rows = _batch(ctx, cursor, size)
        if not rows:
            break
        cursor = (rows[-1].sweep_at, rows[-1].id)
        if len(rows) < size or (stop is not None and stop()):
            break
    with unit_of_work(db):
        ctx.report.carried_over = _carry_over(ctx)
    ctx.report.seconds = time.perf_counter() - started
    return ctx.report


def month_of(moment: datetime, calendar: WorkingCalendar) -> str:
    """The city's local month of a moment, 'YYYY-MM'."""
    return moment.astimezone(calendar.tz).strftime("%Y-%m")


# --- one batch ----------------------------------------------------------------------------------


def _due(ctx: _Pass, cursor: tuple[datetime, int] | None, size: int) -> Any:
    stmt = select(*_COLUMNS).where(Case.sweep_at.is_not(None), Case.sweep_at <= ctx.now)
    if cursor is not None:  # keyset: each pass moves forward, even past a case it could not finish
        at, after = cursor
        stmt = stmt.where(or_(Case.sweep_at > at, and_(Case.sweep_at == at, Case.id > after)))
    stmt = stmt.order_by(Case.sweep_at, Case.id).limit(size)
    if ctx.db.get_bind().dialect.name == "postgresql":
        # another sweep's batch is skipped, not waited for; a person's change in flight too (its
        # commit sets sweep_at again, so the next pass sees it)
        stmt = stmt.with_for_update(skip_locked=True, of=Case.__table__)
    return stmt


def _batch(ctx: _Pass, cursor: tuple[datetime, int] | None, size: int) -> Sequence[Row[Any]]:
    """Read and work one batch in one transaction. If that fails — a case changed between the
    read and the write (SQLite, another process), or a database error — the batch is rolled back
    and its cases are worked one by one, each in its own transaction, so one case holds up none of
    the others."""
    with ctx.platform.write_lock:
        try:
            with unit_of_work(ctx.db):
                rows = ctx.db.execute(_due(ctx, cursor, size)).all()
                tallies = _work(ctx, rows)
        except Conflict as exc:
            log.info("sweep batch: %s; working its cases one by one", exc.message)
            rows, tallies = _one_by_one(ctx, cursor, size)
        except Exception:
            log.exception("sweep batch failed; working its cases one by one")
            rows, tallies = _one_by_one(ctx, cursor, size)
    for tally in tallies:
        _count(ctx.report, tally)
    return rows


def _one_by_one(
    ctx: _Pass, cursor: tuple[datetime, int] | None, size: int
) -> tuple[Sequence[Row[Any]], list[_Tally]]:
    with unit_of_work(ctx.db):
        ids = [row.id for row in ctx.db.execute(_due(ctx, cursor, size)).all()]
    rows: list[Row[Any]] = []
    tallies: list[_Tally] = []
    for case_id in ids:
        try:
            with unit_of_work(ctx.db):
                row = ctx.db.execute(_due(ctx, None, 1).where(Case.id == case_id)).first()
                if row is not None:
                    rows.append(row)
                    tallies += _work(ctx, [row])
        except Conflict:
            tallies.append(_Tally(changed_meanwhile=1))
        except Exception:
            log.exception("sweep: case %s failed", case_id)
            tallies.append(_Tally(failed=1))
    return rows, tallies


@dataclass
class _Tally:
    looked_at: int = 1
    warnings: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()
    listed: int = 0
    changed_meanwhile: int = 0
    failed: int = 0


def _count(report: SweepReport, tally: _Tally) -> None:
    report.looked_at += tally.looked_at
    report.warnings.update(tally.warnings)
    report.escalations.update(tally.levels)
    report.listed += tally.listed
    report.changed_meanwhile += tally.changed_meanwhile
    report.failed += tally.failed


def _work(ctx: _Pass, rows: Sequence[Row[Any]]) -> list[_Tally]:
    """Decide for each case what is due and record it all (in the caller's transaction)."""
    changes: list[SystemChange] = []
    decisions: list[SweepDecision | None] = []
    for row in rows:
        case = cast(Case, SimpleNamespace(**row._mapping))
        expect = {"stage_warned": row.stage_warned, "escalation_level": row.escalation_level}
        try:
            decision = _decide(ctx, case)
        except DomainError as exc:  # cannot be worked out (a broken clock?): look again in an hour
            log.warning("sweep: case %s skipped: %s", case.id, exc.message)
            changes.append(SystemChange(case, {"sweep_at": ctx.now + _RETRY}, expect=expect))
            decisions.append(None)
            continue
        if decision is None:  # no clock runs: nothing to look at until one starts
            changes.append(SystemChange(case, {"sweep_at": None}, expect=expect))
        else:
            changes.append(
                SystemChange(
                    case,
                    {
                        "escalation_level": int(decision.level),
                        "stage_warned": int(decision.warned),
                        "sweep_at": decision.next_at,
                    },
                    events=[_escalation(ctx, case, level) for level in decision.levels],
                    warnings=[_warning(ctx, case, kind) for kind in decision.warnings],
                    expect=expect,
                )
            )
        decisions.append(decision)
    recorded = record_system_changes(ctx.platform, ctx.db, ctx.now, changes)
    tallies, entries = [], []
    for change, decision, events in zip(changes, decisions, recorded, strict=True):
        if decision is None:
            failed = "sweep_at" in change.changes and change.changes["sweep_at"] is not None
            tallies.append(_Tally(failed=int(failed)))
            continue
        entries += [
            _entry(ctx, change.case, "escalated", event.id)
            for event, level in zip(events, decision.levels, strict=True)
            if level == Level.SUPERVISION
        ]
        tallies.append(
            _Tally(
                warnings=tuple(k.value for k in decision.warnings),
                levels=tuple(int(level) for level in decision.levels),
            )
        )
    if tallies:
        tallies[0].listed = _list(ctx, entries)
    return tallies


def _decide(ctx: _Pass, case: Case) -> SweepDecision | None:
    if case.stage is None or case.stage_started_at is None or case.stage_unit is None:
        return None
    clock = StageClock(
        started_at=case.stage_started_at,
        unit=TimeUnit(case.stage_unit),
        budget_seconds=case.stage_budget_s or 0.0,
        paused_seconds=case.stage_paused_s or 0.0,
        paused_since=case.stage_paused_since,
    )
    # a department's lateness escalates; the command centre's own is only warned (and so is a
    # request made before its clock was parked, which waits in a state no escalation is taken in)
    escalates = Stage.known(case.stage) in DEPARTMENT_STAGES and CaseState(case.state) in ESCALATABLE_STATES
    facts = SweepFacts(
        clock, _is_urgent(ctx, case), case.escalation_level, case.stage_warned, escalates=escalates
    )
    return decide(ctx.calendar, ctx.policy, facts, ctx.now)


def _is_urgent(ctx: _Pass, case: Case) -> bool:
    key = (case.standard, case.kind, case.class_code, case.urgency)
    if key not in ctx.urgent:
        try:
            cls = ctx.platform.catalogue(ctx.db).find(case.class_code, case.standard, case.kind)
            ctx.urgent[key] = is_urgent_level(cls.urgency_levels, case.urgency)
        except DomainError as exc:  # a class or level the catalogue no longer knows: normal steps
            log.warning("sweep: urgency of case %s taken as normal: %s", case.id, exc.message)
            ctx.urgent[key] = False
    return ctx.urgent[key]


def _stage_label(case: Case) -> str:
    stage = Stage.known(case.stage)
    return stage.label_zh if stage else str(case.stage)


def _local(ctx: _Pass, moment: datetime | None) -> str:
    return moment.astimezone(ctx.calendar.tz).strftime("%m-%d %H:%M") if moment else "—"


def _warning(ctx: _Pass, case: Case, kind: WarningKind) -> SystemWarning:
    stage, deadline = _stage_label(case), _local(ctx, case.stage_deadline)
    if kind is WarningKind.YELLOW:
        return SystemWarning(f"{kind.label_zh}：{stage}时限将到（截止 {deadline}）")
    return SystemWarning(f"{kind.label_zh}：{stage}已超过时限（截止 {deadline}）", red=True)


def _escalation(ctx: _Pass, case: Case, level: Level) -> SystemEvent:
    stage = _stage_label(case)
    data: dict[str, Any] = {
        "level": int(level),
        "tier": level.tier,
        "stage": case.stage,
        "deadline": case.stage_deadline.isoformat() if case.stage_deadline else None,
    }
    if level == Level.SUPERVISION:
        data["month"] = ctx.report.month
        note = f"{stage}超时仍未解决，列入{ctx.report.month}月检查（监督）名单"
    else:
        note = f"{stage}超时（截止 {_local(ctx, case.stage_deadline)}），升级至{level.label_zh}督办"
    return SystemEvent(CaseAction.ESCALATE, note, data)


# --- the monthly supervision list ---------------------------------------------------------------


def _entry(ctx: _Pass, case: Case, reason: str, event_id: int | None = None) -> dict[str, Any]:
    """A case joins the list because its department's stage ran late: which stage, whose, and
    until when it was due."""
    return {
        "case_id": case.id,
        "month": ctx.report.month,
        "added_at": ctx.now,
        "reason": reason,
        "event_id": event_id,
        "stage": case.stage,
        "department_id": case.department_id,
        "deadline": case.stage_deadline,
    }


def _list(ctx: _Pass, entries: Sequence[dict[str, Any]]) -> int:
    """Put cases on the month's list, each once (the (case, month) key decides); how many were added."""
    if not entries:
        return 0
    insert: Any = pg_insert if ctx.db.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = SupervisionEntry.__table__
    stmt = insert(table).on_conflict_do_nothing().returning(table.c.id)  # returns the rows added
    return len(ctx.db.connection().execute(stmt, list(entries)).all())


def _carry_over(ctx: _Pass) -> int:
    """The cases of an earlier month's list that are still open go on this month's list too."""
    earlier = select(SupervisionEntry.case_id).where(SupervisionEntry.month < ctx.report.month)
    this_month = select(SupervisionEntry.case_id).where(SupervisionEntry.month == ctx.report.month)
    ended = [s.value for s in TERMINAL_STATES]
    ids = ctx.db.scalars(
        select(Case.id)
        .where(Case.id.in_(earlier), Case.id.not_in(this_month), Case.state.not_in(ended))
        .order_by(Case.id)
    ).all()
    # each carried over as it first joined: the stage, the department and the deadline it missed
    first: dict[int, SupervisionEntry] = {}
    if ids:
        for entry in ctx.db.scalars(
            select(SupervisionEntry)
            .where(SupervisionEntry.case_id.in_(ids))
            .order_by(SupervisionEntry.month.desc(), SupervisionEntry.id.desc())
        ):
            first[entry.case_id] = entry  # the earliest month's is read last and wins
    return _list(
        ctx,
        [
            {
                "case_id": case_id,
                "month": ctx.report.month,
                "added_at": ctx.now,
                "reason": "carried_over",
                "event_id": None,
                "stage": first[case_id].stage,
                "department_id": first[case_id].department_id,
                "deadline": first[case_id].deadline,
            }
            for case_id in ids
        ],
    )


def check_month(month: str) -> None:
    """A month of the supervision list is written YYYY-MM; anything else is refused."""
    if not _MONTH.match(month or ""):
        raise Invalid(message("sweep.not_a_month", month=month), key="month")


@dataclass(frozen=True)
class SupervisionItem:
    """One line of a month's supervision list: the entry and its case."""

    entry: SupervisionEntry
    case: Case


def supervision_list(db: Session, month: str) -> list[SupervisionItem]:
    """The monthly supervision list (月检查) of `month` ('YYYY-MM'), in the order cases joined it."""
    check_month(month)
    rows = db.execute(
        select(SupervisionEntry, Case)
        .join(Case, Case.id == SupervisionEntry.case_id)
        .where(SupervisionEntry.month == month)
        .order_by(SupervisionEntry.added_at, SupervisionEntry.case_id)
    ).all()
    return [SupervisionItem(entry, case) for entry, case in rows]
