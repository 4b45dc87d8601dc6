"""Assessment (绩效评价, docs/domain/assessment.md): indicators, composite scores and grades — pure
functions over counts.

The database side (`db.evaluation`) counts *facts* per scope key with a few set-based GROUP BY
queries; this module turns a vector of facts into indicators (numerator / denominator / value),
scores, a composite and a grade. Weights, bands, limits, grades and peer groups are configuration
(`data/assessment/default.toml`, overridable by `GRIDCITY_ASSESSMENT_CONFIG`).

Definitions
===========
This is the one place the definitions are written down; `db.evaluation` counts exactly these facts
and nothing here or there restates them differently.

Period and evaluation time
--------------------------
* A period is a calendar month of the city's timezone ('YYYY-MM') or any [from, to) range of local
  days. Counts scored by bands are per month: a count is divided by the period's length in months
  (a calendar month, or several whole ones, counts exactly; any other range counts its length in
  seconds / 2,629,746 s, the mean Gregorian month).
* A **case belongs to the period in which it was filed (立案, `filed_at`)** — for regions and
  departments alike — whatever happens to it later. Self-handled cases (自行处置) are filed at the
  moment the supervisor closes them, so they count as filed and closed (on time).
* What became of a case (closed or not, overdue or not, reworked, rated) is judged at the
  **evaluation time** (now): a case filed on 31 March and closed on 1 April counts in March —
  evaluated on 1 April before its disposal deadline, in neither 应结案数 nor 结案数 (not yet due);
  evaluated after its closure, in both. A month's figures therefore settle as its cases close; a
  published month is frozen as a snapshot (the ranking slice).
* Work of a person (the post indicators) belongs to the period in which the person did it (the
  history row's time) and is judged against the deadline as it stood at that moment, which the
  history row records (`on_time`, or `waited_s` for steps without a stage clock). This reads only
  the append-only history, so post figures never change afterwards — except the two accuracy
  indicators, which look at what happened to the case later (at evaluation time). A task not done
  is not counted until it is done (late): overdue open tasks are the deadline sweep's and the
  supervision list's business.

Cases (region and department rows; a department row counts the cases whose responsible department
it is now — a case returned (退回) leaves the department's books, and a reopened case waiting for
re-dispatch is on no department's books; its ratings, though, stay with the department that did the
rated work: `case_ratings.department_id`)
----------------------------------------
* 立案数 `filed`: cases filed in the period. A void case is never counted (in this workflow a case
  can only be voided before it is filed).
* 应结案数 `due` = 结案数 + 超期未结案数: the filed cases that are closed, plus those still open whose
  current stage is past its deadline at evaluation time (`open_overdue`). An open case still within
  its time limit is not yet due and is in neither number (the standard's 应结案 — "due for
  closure" — which is why the example of docs/domain/assessment.md has 972 due of 996 filed). A
  suspended case (挂账) has no running deadline, so suspension never makes a case due; a case
  checked and waiting for its closure has no stage clock either.
* 结案数 `closed`: of them, closed at evaluation time (any closing type: normal, overdue, erroneous,
  special, self-handled).
* 按期结案数 `closed_on_time`: closed, and on time: self-handled, or never reworked and its disposal
  was reported by the disposal deadline as it stood then (`dispose_deadline`: approved extensions
  added, suspended time and the wait for a decision not counted), or its class has no disposal
  limit. The closing type's label is not consulted: the timestamps decide. A reworked case (返工)
  is never on time for its department.
* 应处置数 `dispose_due` = 处置数 + 超期未处置数: cases whose disposal the responsible department
  has reported (`disposed`: disposed, checked or closed, not self-handled), plus those not yet
  reported whose disposal deadline has passed at evaluation time (`dispose_overdue`).
* 按期处置数 `disposed_on_time`: disposed by the disposal deadline as it stood, never reworked (as above).
* 返工数 `reworked`: cases of 应结案数 that failed a check (核查不通过) at least once — a case, not a
  number of reworks, so 返工率 = 返工数 / 应结案数 stays within 0–100 %.
* 监督举报率 `public_report_rate` (regions) = 公众举报立案数 / 立案数: filed cases that came through a
  public channel (`[channels] public`: citizen web/mobile, the 12345 hotline, media — not the
  supervisors, sensors or higher-level assignment), i.e. problems the supervisors did not find.
  Lower is better; scored by bands.
* 立案数分值: regions by filed cases per unit grid per month (the city-management unit grids current
  at evaluation time), departments by filed cases per month; scored by bands.
* Citizen satisfaction (满意度) `satisfaction` = average stars of the ratings (`case_ratings`, one per
  closure: the reporter's stars on the portal, or an operator's 回访 of a 12345 caller — 满意 5, 基本满意
  3, 不满意 1, `domain.callbacks`) of these cases; 不满意率 `dissatisfied_rate` = share of ratings of at
  most `[satisfaction] dissatisfied_at_most` stars (2). Scored as (average − 1) / 4 × 100 unless bands
  are given. A department row counts the ratings of its own work (the rating's department).
* 接诉即办, the 12345 (channel `hotline`) rates — shown, and ranked on lists of their own, not weighted
  by default:
  - 响应率 `hotline_response_rate` = 按时响应数 / 应响应数: 应响应数 `hotline_due` = hotline cases whose
    current department has answered the latest dispatch (签收, or a return request before it;
    `cases.response_s`, calendar seconds) + those still waiting for the answer past the limit at
    evaluation time (`hotline_unanswered_late`, a fact of time); on time when answered within
    `[hotline] respond_within` (2 hours). A dispatch still within its limit is not yet due.
  - 解决率 `hotline_resolution_rate` = callbacks in which the caller says it was solved / callbacks.
  - 满意率 `hotline_satisfaction_rate` = callbacks 满意 or 基本满意 / callbacks.

Posts (one row per person of the role)
--------------------------------------
* Supervisor 监督员:
  - 有效上报率 = 有效上报数 / 上报数: their own reports (channel supervisor) made in the period and
    decided by evaluation time (filed, rejected or voided; reports still waiting are not counted);
    valid = filed (立案, or fixed on the spot 自行处置).
  - 漏报率 = 漏报数 / (漏报数 + 有效上报数): public-channel reports made in the period that were
    filed — problems a supervisor should have found first — in the supervisor's responsibility
    grids (责任网格, `services.supervisor_grids`) as they were assigned at the end of the period (or
    at evaluation time, if earlier). A supervisor who holds no grid then falls back to the area
    rule: the public reports of their organisation unit's territory, shared by every supervisor of
    the area without grids (a city that has not assigned grids keeps its figures). Lower is better.
  - 巡查覆盖率 = Σ grids visited / Σ grids assigned over the working days of the period that are
    over at evaluation time: a grid held that day counts once in the denominator, and in the
    numerator when a GPS point of the supervisor's patrol track fell in it that day
    (`services.patrol`). Rest days of the working calendar are not counted.
  - 按时核实率: their verifications (核实属实 / 不属实) done in the period by the verification deadline.
  - 按时核查率: their checks (核查通过 / 不通过) done in the period by the check deadline (the check
    stage's clock starts when the department reports the disposal).
* Acceptance operator 受理员:
  - 受理数: cases on which they took an intake decision (派发核实, 受理, 不予受理): a case counts once
    per person, in the period of their first intake decision on it (so months add up to a year);
    scored by bands per month.
  - 核实按时派发率: verification tasks sent (派发核实) within `[operator] verify_dispatch_within` of
    the report arriving (or being sent back to intake).
  - 核查按时派发率: check tasks assigned (派发核查) within `[operator] check_dispatch_within` of the
    disposal being reported.
  - 按时受理率: their intake decisions by the intake post's deadline (docs/domain/clocks.md).
* Shift leader 值班长:
  - 按时立案率: filings (立案) by the filing post's own deadline (a clock per post,
    docs/domain/clocks.md §Stages).
  - 准确立案率: filings not found wrong later — the case was neither transferred to another network
    (转办) nor closed as erroneous (差错结案) afterwards (voiding after filing does not exist here).
  - 按时结案率: closures (结案) by the closing post's deadline (rows from before it had a clock:
    within `[shift_leader] close_within` of the check passing).
  - 按时审批率: decisions on a void request by the decision's deadline.
* Dispatcher 派遣员:
  - 派遣数: dispatches in the period; scored by bands per month.
  - 按时派遣率: dispatches by the dispatch post's own deadline (from the filing).
  - 按时审批率: decisions on a department's request (return, extension, suspension) by the
    decision's deadline.
  - 准确派遣率: dispatches whose department did not have the case returned (退回 approved) afterwards
    — the case had to be re-dispatched to another department. A rework, a reopening or a transfer
    to another network is not a wrong dispatch.
* History rows written before the rows carried timing facts count in 派遣数 and 受理数 but in none of
  the on-time rates (neither on time nor late).

How they are counted
--------------------
* Whole months are read from the rollups (`domain.rollups`: which part of each fact is a running
  count kept with every case change, and which — the facts of time, 超期未结案 and 超期未处置 — is
  counted at evaluation time over the open cases); any other period is counted from the cases and
  the history (`db.evaluation`). Both give the same numbers.

Values, scores, composites, grades
----------------------------------
* Every indicator is numerator / denominator. `value` is numerator / denominator × 100 for rates,
  the average for stars, and per month (per grid per month for regions' 立案数) for counts; it is
  None when the denominator is 0. Values are exact fractions; what is shown is rounded half-up to
  2 places.
* Score (0–100) of an indicator: its bands when configured; else a rate's value (higher is better)
  or 100 − value (lower is better), stars (average − 1) / 4 × 100. Counts need bands.
* Composite = Σ weight × score / Σ weight over the weighted indicators that have a value; the weights
  of one composite sum to 100. An indicator without data (denominator 0) drops out and the others
  keep their proportions; a row with no data for any weighted rate has no composite (不参评) —
  a band score of a count alone does not make a grade. The composite is computed from the exact
  scores and then rounded.
* Grade of the rounded composite: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below (configurable).
* Rank: by composite, highest first, ties sharing a rank (1, 2, 2, 4); districts within their peer
  group (`[[peer_group]]`, e.g. Beijing's four functional zones), every other row within its level.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import Message, message

# --- scopes ----------------------------------------------------------------------------------


class ScopeKind(StrEnum):
    REGION = "region"
    DEPARTMENT = "department"
    POST = "post"


REGION_LEVELS = ("district", "street", "community", "grid")
POST_LEVELS = ("supervisor", "operator", "shift_leader", "dispatcher")
LEVEL_LABELS = {
    "district": ("区", "District"),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "grid": ("单元网格", "Unit grid"),
    "department": ("专业部门", "Department"),
    "supervisor": ("监督员", "Supervisor"),
    "operator": ("受理员", "Acceptance operator"),
    "shift_leader": ("值班长", "Shift leader"),
    "dispatcher": ("派遣员", "Dispatcher"),
}


def check_scope(kind: str | None, level: str | None) -> tuple[ScopeKind, str]:
    """(kind, level) of a request, with the defaults (region → district, post → supervisor);
    `Invalid` naming what is allowed otherwise."""
    try:
        scope = ScopeKind(kind or ScopeKind.REGION)
    except ValueError:
        raise Invalid(message("assessment.unknown_scope", kind=kind), key="kind") from None
    if scope is ScopeKind.REGION:
        level = level or "district"
        if level not in REGION_LEVELS:
            levels = ", ".join(REGION_LEVELS)
            raise Invalid(message("assessment.unknown_region_level", level=level, levels=levels), key="level")
    elif scope is ScopeKind.DEPARTMENT:
        if level not in (None, "", "department"):
            raise Invalid(message("assessment.department_level", level=level), key="level")
        level = "department"
    else:
        level = level or "supervisor"
        if level not in POST_LEVELS:
            raise Invalid(
                message("assessment.unknown_post", post=level, posts=", ".join(POST_LEVELS)), key="level"
            )
    return scope, level


def composite_of(kind: ScopeKind, level: str) -> str:
    """The name of the composite (the configuration section) a row of (kind, level) is scored by."""
    if kind is ScopeKind.REGION:
        return "region"
    if kind is ScopeKind.DEPARTMENT:
        return "department"
    return level


# --- periods ---------------------------------------------------------------------------------

MEAN_MONTH_SECONDS = 2_629_746  # 365.2425 days / 12


@dataclass(frozen=True)
class Period:
    """[start, end) in the city's timezone; `months` is its length in months for per-month counts."""

    label: str
    start: datetime
    end: datetime
    months: Fraction


def _first_of_month(day: date) -> bool:
    return day.day == 1


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def month_period(text: str, tz: ZoneInfo | str) -> Period:
    """The calendar month 'YYYY-MM' in the city's timezone."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    text = (text or "").strip()
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not (parts[0] + parts[1]).isdigit():
        raise Invalid(message("assessment.not_a_month", text=text), key="period")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or year < 1900:
        raise Invalid(message("assessment.not_a_month", text=text), key="period")
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(text, _local_midnight(first, zone), _local_midnight(following, zone), Fraction(1))


def range_period(first_day: date, end_day: date, tz: ZoneInfo | str) -> Period:
    """The local days [first_day, end_day) — `end_day` is the first day *not* included."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    if end_day <= first_day:
        raise Invalid(message("assessment.period_backwards", end=end_day, first=first_day), key="period")
    start, end = _local_midnight(first_day, zone), _local_midnight(end_day, zone)
    if _first_of_month(first_day) and _first_of_month(end_day):
        months = Fraction((end_day.year - first_day.year) * 12 + end_day.month - first_day.month)
    else:
        seconds = int((end - start).total_seconds())
        months = Fraction(seconds, MEAN_MONTH_SECONDS)
    return Period(f"{first_day.isoformat()}..{end_day.isoformat()}", start, end, months)


def whole_months(period: Period) -> list[str] | None:
    """The calendar months ('YYYY-MM') a period consists of, or None when it is not whole months
    (the rollups are kept per month)."""
    start, end = period.start, period.end
    if start.tzinfo is None or end.tzinfo is None:
        return None
    local_end = end.astimezone(start.tzinfo)
    if (start.day, start.time()) != (1, time(0)) or (local_end.day, local_end.time()) != (1, time(0)):
        return None
    months = []
    year, month = start.year, start.month
    while (year, month) < (local_end.year, local_end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = year + (month == 12), month % 12 + 1
    return months or None


def parse_period(
    period: str | None, tz: ZoneInfo | str, first_day: str | None = None, end_day: str | None = None
) -> Period:
    """A month ('YYYY-MM'), or 'YYYY-MM-DD..YYYY-MM-DD', or the days `first_day` / `end_day`."""
    if first_day or end_day:
        if period:
            raise Invalid(message("assessment.period_or_range"), key="period")
        if not (first_day and end_day):
            raise Invalid(message("assessment.range_needs_both"), key="period")
        return range_period(_day(first_day), _day(end_day), tz)
    if not period:
        raise Invalid(message("assessment.no_period"), key="period")
    if ".." in period:
        a, b = period.split("..", 1)
        return range_period(_day(a), _day(b), tz)
    return month_period(period, tz)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(message("assessment.not_a_day", text=text), key="period") from None


# --- indicators ------------------------------------------------------------------------------


class Unit(StrEnum):
    PERCENT = "%"
    STARS = "stars"
    PER_MONTH = "per_month"  # a count per month
    PER_GRID_MONTH = "per_grid_month"  # a count per unit grid per month

    @property
    def label(self) -> str:
        return {"%": "%", "stars": "星", "per_month": "件/月", "per_grid_month": "件/网格/月"}[self.value]


@dataclass(frozen=True)
class Indicator:
    key: str
    zh: str
    en: str
    numerator: str  # a fact
    denominator: str | None  # a fact; None: a plain count
    unit: Unit
    higher_is_better: bool = True

    @property
    def is_count(self) -> bool:
        return self.unit in (Unit.PER_MONTH, Unit.PER_GRID_MONTH)


def _i(key: str, zh: str, en: str, num: str, den: str | None, unit: Unit, higher: bool = True) -> Indicator:
    return Indicator(key, zh, en, num, den, unit, higher)


_P = Unit.PERCENT
_CASE_INDICATORS = (
    _i("closure_rate", "结案率", "Closure rate", "closed", "due", _P),
    _i("on_time_closure_rate", "按期结案率", "On-time closure rate", "closed_on_time", "due", _P),
    _i("disposal_rate", "处置率", "Disposal rate", "disposed", "dispose_due", _P),
    _i("on_time_disposal_rate", "按期处置率", "On-time disposal rate", "disposed_on_time", "dispose_due", _P),
    _i("rework_rate", "返工率", "Rework rate", "reworked", "due", _P, higher=False),
    _i("satisfaction", "满意度（平均星级）", "Satisfaction (average stars)", "stars", "ratings", Unit.STARS),
    _i("dissatisfied_rate", "不满意率", "Dissatisfied share", "dissatisfied", "ratings", _P, higher=False),
    # 接诉即办: the 12345 channel's three rates (Beijing ranks streets by them, separately)
    _i(
        "hotline_response_rate",
        "12345响应率",
        "12345 response rate",
        "hotline_responses_on_time",
        "hotline_due",
        _P,
    ),
    _i(
        "hotline_resolution_rate",
        "12345解决率",
        "12345 resolution rate",
        "callbacks_solved",
        "callbacks",
        _P,
    ),
    _i(
        "hotline_satisfaction_rate",
        "12345满意率",
        "12345 satisfaction rate",
        "callbacks_satisfied",
        "callbacks",
        _P,
    ),
)
# The 12345 rates' facts (counted with the case facts).
HOTLINE_FACTS = (
    "hotline_responses",
    "hotline_responses_on_time",
    "callbacks",
    "callbacks_solved",
    "callbacks_satisfied",
)

# 按时审批率: the deciding posts' decisions on requests by the decision's own deadline
_DECISION_RATE = _i(
    "on_time_decision_rate", "按时审批率", "On-time decision rate", "decisions_on_time", "decisions_timed", _P
)

INDICATORS: dict[str, tuple[Indicator, ...]] = {
    "region": (
        _i("filed", "立案数", "Cases filed", "filed", "grids", Unit.PER_GRID_MONTH),
        _i(
            "public_report_rate",
            "监督举报率",
            "Public report rate",
            "public_reports",
            "filed",
            _P,
            higher=False,
        ),
        *_CASE_INDICATORS,
    ),
    "department": (
        _i("filed", "立案数", "Cases filed", "filed", None, Unit.PER_MONTH),
        *_CASE_INDICATORS,
    ),
    "supervisor": (
        _i("valid_report_rate", "有效上报率", "Valid report rate", "valid_reports", "reports", _P),
        _i("missed_report_rate", "漏报率", "Missed report rate", "missed", "missed_base", _P, higher=False),
        _i(
            "on_time_verify_rate",
            "按时核实率",
            "On-time verification rate",
            "verify_on_time",
            "verify_timed",
            _P,
        ),
        _i("on_time_check_rate", "按时核查率", "On-time check rate", "check_on_time", "check_timed", _P),
        _i("patrol_coverage", "巡查覆盖率", "Patrol coverage", "grids_visited", "grids_assigned", _P),
    ),
    "operator": (
        _i("intake", "受理数", "Reports taken in", "intake", None, Unit.PER_MONTH),
        _i(
            "on_time_verify_dispatch_rate",
            "核实按时派发率",
            "Verification sent on time",
            "verify_sent_on_time",
            "verify_sent_timed",
            _P,
        ),
        _i(
            "on_time_check_dispatch_rate",
            "核查按时派发率",
            "Check sent on time",
            "check_sent_on_time",
            "check_sent_timed",
            _P,
        ),
        _i("on_time_intake_rate", "按时受理率", "On-time intake rate", "intake_on_time", "intake_timed", _P),
    ),
    "shift_leader": (
        _i(
            "on_time_filing_rate", "按时立案率", "On-time filing rate", "filings_on_time", "filings_timed", _P
        ),
        _i("accurate_filing_rate", "准确立案率", "Accurate filing rate", "filings_accurate", "filings", _P),
        _i(
            "on_time_closing_rate",
            "按时结案率",
            "On-time closing rate",
            "closings_on_time",
            "closings_timed",
            _P,
        ),
        _DECISION_RATE,
    ),
    "dispatcher": (
        _i("dispatched", "派遣数", "Dispatches", "dispatches", None, Unit.PER_MONTH),
        _i(
            "on_time_dispatch_rate",
            "按时派遣率",
            "On-time dispatch rate",
            "dispatches_on_time",
            "dispatches_timed",
            _P,
        ),
        _i(
            "accurate_dispatch_rate",
            "准确派遣率",
            "Accurate dispatch rate",
            "dispatches_accurate",
            "dispatches",
            _P,
        ),
        _DECISION_RATE,
    ),
}
COMPOSITES = tuple(INDICATORS)

# The facts each composite's rows are counted with (db.evaluation returns these per scope key);
# the derived ones are sums of others (`derive_facts`).
CASE_FACTS = (
    "filed",
    "public_reports",
    "closed",
    "closed_on_time",
    "open_overdue",
    "reworked",
    "disposed",
    "disposed_on_time",
    "dispose_overdue",
    "ratings",
    "stars",
    "dissatisfied",
    *HOTLINE_FACTS,
    "hotline_unanswered_late",
)
POST_FACTS: dict[str, tuple[str, ...]] = {
    "supervisor": (
        "reports",
        "valid_reports",
        "missed",
        "verify_timed",
        "verify_on_time",
        "check_timed",
        "check_on_time",
        "grids_assigned",
        "grids_visited",
    ),
    "operator": (
        "intake",
        "verify_sent_timed",
        "verify_sent_on_time",
        "check_sent_timed",
        "check_sent_on_time",
        "intake_timed",
        "intake_on_time",
    ),
    "shift_leader": (
        "filings",
        "filings_timed",
        "filings_on_time",
        "filings_accurate",
        "closings_timed",
        "closings_on_time",
        "decisions_timed",
        "decisions_on_time",
    ),
    "dispatcher": (
        "dispatches",
        "dispatches_timed",
        "dispatches_on_time",
        "dispatches_accurate",
        "decisions_timed",
        "decisions_on_time",
    ),
}

# Supervisor facts counted from the patrols and the assignments (services.patrol), not rolled up:
# their source is already one row per supervisor, day and grid.
PATROL_FACTS = ("grids_assigned", "grids_visited")


def derive_facts(facts: Mapping[str, int]) -> dict[str, int]:
    """The facts plus those derived from them: 应结案数 `due`, 应处置数 `dispose_due`, 12345
    应响应数 `hotline_due`, and the 漏报率 base `missed_base`."""
    out = dict(facts)
    if "closed" in out or "open_overdue" in out:
        out["due"] = out.get("closed", 0) + out.get("open_overdue", 0)
    if "disposed" in out or "dispose_overdue" in out:
        out["dispose_due"] = out.get("disposed", 0) + out.get("dispose_overdue", 0)
    if "hotline_responses" in out or "hotline_unanswered_late" in out:
        out["hotline_due"] = out.get("hotline_responses", 0) + out.get("hotline_unanswered_late", 0)
    if "missed" in out or "valid_reports" in out:
        out["missed_base"] = out.get("missed", 0) + out.get("valid_reports", 0)
    return out


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bands:
    """Scores by thresholds. `at_least` (higher is better): the score of the last band whose
    threshold the value reaches; the first threshold is 0. `at_most` (lower is better): the score
    of the first band whose threshold the value does not exceed; the last threshold covers every
    value (100 for a rate)."""

    direction: str  # "at_least" | "at_most"
    steps: tuple[tuple[Fraction, Fraction], ...]  # (threshold, score), thresholds ascending

    def score(self, value: Fraction) -> Fraction:
        if self.direction == "at_least":
            result = self.steps[0][1]
            for threshold, score in self.steps:
                if value >= threshold:
                    result = score
            return result
        for threshold, score in self.steps:
            if value <= threshold:
                return score
        return self.steps[-1][1]  # beyond the last threshold (validated to cover every rate)


@dataclass(frozen=True)
class CompositeConfig:
    weights: dict[str, Fraction]
    bands: dict[str, Bands] = field(default_factory=dict)


@dataclass(frozen=True)
class PeerGroup:
    name: str
    districts: tuple[str, ...]


@dataclass(frozen=True)
class AssessmentConfig:
    source: str
    grades: tuple[tuple[str, Fraction], ...]  # (grade, lowest score), descending; below the last: E
    lowest_grade: str
    public_channels: tuple[str, ...]
    dissatisfied_at_most: int
    composites: dict[str, CompositeConfig]
    verify_dispatch_within: Duration
    check_dispatch_within: Duration
    close_within: Duration
    # 12345: a department answers a hotline case's dispatch (签收 or a return request) within this
    respond_within: Duration
    peer_groups: tuple[PeerGroup, ...] = ()

    def peer_group_of(self, district_code: str) -> str | None:
        for group in self.peer_groups:
            if district_code in group.districts:
                return group.name
        return None


DEFAULT_CONFIG_PARTS = ("data", "assessment", "default.toml")
_TOP_KEYS = {"grades", "channels", "satisfaction", "hotline", "peer_group", *COMPOSITES}
_SECTION_KEYS = {
    "operator": {"weights", "bands", "verify_dispatch_within", "check_dispatch_within"},
    "shift_leader": {"weights", "bands", "close_within"},
}
KNOWN_CHANNELS = ("supervisor", "citizen", "hotline", "sensor", "higher_level", "media")


def default_config_text() -> str:
    return resources.files("gridcity").joinpath(*DEFAULT_CONFIG_PARTS).read_text(encoding="utf-8")


def load_config(path: Path | str | None = None) -> AssessmentConfig:
    """The shipped defaults, with a city's file (if given) laid over them, validated."""
    base = _toml(default_config_text(), "default.toml")
    if path is None:
        return parse_config(base, "default.toml")
    location = Path(path)
    try:
        text = location.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid(
            message("assessment.config_unreadable", source=str(location), error=exc.strerror)
        ) from None
    return parse_config(merge_config(base, _toml(text, str(location))), str(location))


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(message("assessment.config_not_toml", source=source, error=str(exc))) from None


def merge_config(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A city's file over the defaults: a section's keys replace the default's (a `weights` table is
    replaced whole, so the weights written are all the weights); within `bands`, each indicator's
    bands replace the default's; `[[peer_group]]` entries, when given, replace all groups."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            section = merged[key]
            for sub, sub_value in value.items():
                if sub == "bands" and isinstance(sub_value, dict) and isinstance(section.get("bands"), dict):
                    section["bands"] = {**section["bands"], **sub_value}
                else:
                    section[sub] = sub_value
        else:
            merged[key] = value
    return merged


def parse_config(data: Mapping[str, Any], source: str = "configuration") -> AssessmentConfig:
    """Validate a configuration document; `Invalid` names the file and the key at fault."""

    def fail(where: str, reason: str | Message) -> Invalid:
        return Invalid(
            message("assessment.config_problem", source=source, at=where, reason=reason), key=where
        )

    unknown = set(data) - _TOP_KEYS
    if unknown:
        sections = ", ".join(sorted(_TOP_KEYS))
        raise fail(", ".join(sorted(unknown)), message("assessment.unknown_section", sections=sections))

    # grades
    grades_raw = data.get("grades")
    if not isinstance(grades_raw, dict) or not grades_raw:
        raise fail("grades", message("assessment.grades_missing"))
    grades: list[tuple[str, Fraction]] = []
    for name, value in grades_raw.items():
        score = _number(value, fail, f"grades.{name}")
        if not 0 < score <= 100:
            raise fail(f"grades.{name}", message("assessment.grade_range", value=value))
        grades.append((str(name), score))
    for (a, sa), (b, sb) in pairwise(grades):
        if sb >= sa:
            raise fail("grades", message("assessment.grades_order", b=b, sb=sb, a=a, sa=sa))
    lowest = _next_grade_letter(grades[-1][0])

    channels = data.get("channels", {})
    public = channels.get("public") if isinstance(channels, dict) else None
    if not isinstance(public, list) or not public:
        raise fail("channels.public", message("assessment.channels_missing"))
    bad = [c for c in public if c not in KNOWN_CHANNELS]
    if bad:
        channels_all = ", ".join(KNOWN_CHANNELS)
        raise fail(
            "channels.public", message("assessment.unknown_channel", channel=bad[0], channels=channels_all)
        )

    satisfaction = data.get("satisfaction", {})
    dissatisfied = satisfaction.get("dissatisfied_at_most", 2) if isinstance(satisfaction, dict) else None
    if not isinstance(dissatisfied, int) or isinstance(dissatisfied, bool) or not 1 <= dissatisfied <= 4:
        raise fail("satisfaction.dissatisfied_at_most", message("assessment.stars"))

    composites: dict[str, CompositeConfig] = {}
    for name in COMPOSITES:
        section = data.get(name)
        if not isinstance(section, dict):
            raise fail(name, message("assessment.section_missing"))
        allowed = _SECTION_KEYS.get(name, {"weights", "bands"})
        extra = set(section) - allowed
        if extra:
            keys = ", ".join(sorted(allowed))
            raise fail(f"{name}.{sorted(extra)[0]}", message("assessment.unknown_key", keys=keys))
        composites[name] = _composite(name, section, fail)

    hotline = data.get("hotline", {"respond_within": "2 hours"})
    if not isinstance(hotline, dict) or set(hotline) - {"respond_within"}:
        raise fail("hotline", message("assessment.hotline_keys"))
    limits = {}
    for section, key in (
        ("operator", "verify_dispatch_within"),
        ("operator", "check_dispatch_within"),
        ("shift_leader", "close_within"),
        ("hotline", "respond_within"),
    ):
        text = (hotline if section == "hotline" else data[section]).get(key)
        if text is None:
            raise fail(f"{section}.{key}", message("assessment.limit_missing"))
        try:
            limit = Duration.parse(str(text))
        except Invalid as exc:
            raise fail(f"{section}.{key}", exc.reason) from None
        if limit.unit is not TimeUnit.MINUTES or limit.amount <= 0:
            raise fail(f"{section}.{key}", message("assessment.limit_calendar"))
        limits[key] = limit

    groups: list[PeerGroup] = []
    seen: dict[str, str] = {}
    raw_groups = data.get("peer_group", [])
    if not isinstance(raw_groups, list):
        raise fail("peer_group", message("assessment.peer_groups_form"))
    for n, group in enumerate(raw_groups, start=1):
        name = group.get("name") if isinstance(group, dict) else None
        districts = group.get("districts") if isinstance(group, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(districts, list) or not districts:
            raise fail(f"peer_group[{n}]", message("assessment.peer_group_entry"))
        for code in districts:
            if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
                raise fail(f"peer_group[{n}].districts", message("assessment.peer_district_code", code=code))
            if code in seen:
                refusal = message("assessment.peer_district_twice", code=code, group=seen[code])
                raise fail(f"peer_group[{n}].districts", refusal)
            seen[code] = name
        groups.append(PeerGroup(name.strip(), tuple(districts)))

    return AssessmentConfig(
        source=source,
        grades=tuple(grades),
        lowest_grade=lowest,
        public_channels=tuple(public),
        dissatisfied_at_most=dissatisfied,
        composites=composites,
        verify_dispatch_within=limits["verify_dispatch_within"],
        check_dispatch_within=limits["check_dispatch_within"],
        close_within=limits["close_within"],
        peer_groups=tuple(groups),
        respond_within=limits["respond_within"],
    )


def _next_grade_letter(last: str) -> str:
    if len(last) == 1 and last.isalpha() and last.upper() != "Z":
        return chr(ord(last) + 1)
    return f"<{last}"


def _number(value: Any, fail: Any, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(where, message("assessment.not_a_number", value=value))
    return Fraction(str(value))


def _composite(name: str, section: Mapping[str, Any], fail: Any) -> CompositeConfig:
    indicators = {i.key: i for i in INDICATORS[name]}
    raw = section.get("weights")
    if not isinstance(raw, dict) or not raw:
        raise fail(f"{name}.weights", message("assessment.weights_missing", example=next(iter(indicators))))
    weights: dict[str, Fraction] = {}
    for key, value in raw.items():
        if key not in indicators:
            refusal = message("assessment.not_an_indicator", composite=name, indicators=", ".join(indicators))
            raise fail(f"{name}.weights.{key}", refusal)
        weight = _number(value, fail, f"{name}.weights.{key}")
        if weight < 0:
            raise fail(f"{name}.weights.{key}", message("assessment.negative_weight"))
        weights[key] = weight
    total = sum(weights.values(), Fraction(0))
    if total != 100:
        shown = ", ".join(f"{k} {float(v):g}" for k, v in weights.items())
        raise fail(
            f"{name}.weights", message("assessment.weights_sum", total=f"{float(total):g}", shown=shown)
        )

    bands: dict[str, Bands] = {}
    raw_bands = section.get("bands", {})
    if not isinstance(raw_bands, dict):
        raise fail(f"{name}.bands", message("assessment.bands_form"))
    for key, steps in raw_bands.items():
        if key not in indicators:
            refusal = message("assessment.not_an_indicator", composite=name, indicators=", ".join(indicators))
            raise fail(f"{name}.bands.{key}", refusal)
        bands[key] = _bands(indicators[key], steps, fail, f"{name}.bands.{key}")
    for key, weight in weights.items():
        if weight and indicators[key].is_count and key not in bands:
            raise fail(f"{name}.bands.{key}", message("assessment.count_needs_bands", indicator=key))
    return CompositeConfig(weights, bands)


def _bands(indicator: Indicator, steps: Any, fail: Any, where: str) -> Bands:
    direction = "at_least" if indicator.higher_is_better else "at_most"
    other = "at_most" if direction == "at_least" else "at_least"
    if not isinstance(steps, list) or not steps:
        raise fail(where, message("assessment.bands_list", direction=direction))
    parsed: list[tuple[Fraction, Fraction]] = []
    for n, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or set(step) != {direction, "score"}:
            if isinstance(step, dict) and other in step:
                refusal = message(
                    "assessment.band_direction",
                    direction=direction,
                    indicator=indicator.key,
                    better="higher" if indicator.higher_is_better else "lower",
                    better_zh="越高越好" if indicator.higher_is_better else "越低越好",
                    other=other,
                )
            else:
                refusal = message("assessment.band_entry", direction=direction)
            raise fail(f"{where}[{n}]", refusal)
        threshold = _number(step[direction], fail, f"{where}[{n}].{direction}")
        score = _number(step["score"], fail, f"{where}[{n}].score")
        if not 0 <= score <= 100:
            raise fail(f"{where}[{n}].score", message("assessment.score_range", value=step["score"]))
        if threshold < 0:
            raise fail(f"{where}[{n}].{direction}", message("assessment.negative_threshold"))
        parsed.append((threshold, score))
    for (t0, s0), (t1, s1) in pairwise(parsed):
        if t1 <= t0:
            raise fail(
                where,
                message("assessment.thresholds_order", later=f"{float(t1):g}", earlier=f"{float(t0):g}"),
            )
        if direction == "at_least" and s1 < s0:
            refusal = message(
                "assessment.scores_fall",
                indicator=indicator.key,
                later=f"{float(s1):g}",
                earlier=f"{float(s0):g}",
            )
            raise fail(where, refusal)
        if direction == "at_most" and s1 > s0:
            refusal = message(
                "assessment.scores_rise",
                indicator=indicator.key,
                later=f"{float(s1):g}",
                earlier=f"{float(s0):g}",
            )
            raise fail(where, refusal)
    if direction == "at_least" and parsed[0][0] != 0:
        raise fail(where, message("assessment.first_band"))
    if direction == "at_most":
        cover = 100 if indicator.unit is Unit.PERCENT else None
        if cover is not None and parsed[-1][0] < cover:
            raise fail(where, message("assessment.last_band"))
    return Bands(direction, tuple(parsed))


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorValue:
    indicator: Indicator
    numerator: int
    denominator: int | None
    value: Fraction | None  # exact; None when the denominator is 0
    score: Fraction | None  # 0–100, None without a value
    weight: Fraction  # in the composite (0: shown, not weighted)


@dataclass(frozen=True)
class Assessment:
    indicators: tuple[IndicatorValue, ...]
    composite: Fraction | None
    grade: str | None

    def indicator(self, key: str) -> IndicatorValue:
        return next(i for i in self.indicators if i.indicator.key == key)


def indicator_value(indicator: Indicator, facts: Mapping[str, int], months: Fraction) -> Fraction | None:
    """The exact value of one indicator from the facts (None when its denominator is 0)."""
    numerator = facts.get(indicator.numerator, 0)
    denominator = facts.get(indicator.denominator, 0) if indicator.denominator else None
    if indicator.unit is Unit.PER_MONTH:
        return Fraction(numerator) / months if months else None
    if not denominator:
        return None
    if indicator.unit is Unit.PER_GRID_MONTH:
        return Fraction(numerator, denominator) / months if months else None
    if indicator.unit is Unit.STARS:
        return Fraction(numerator, denominator)
    return Fraction(100 * numerator, denominator)


def indicator_score(indicator: Indicator, value: Fraction | None, bands: Bands | None) -> Fraction | None:
    if value is None:
        return None
    if bands is not None:
        return bands.score(value)
    if indicator.unit is Unit.STARS:
        return (value - 1) / 4 * 100
    if indicator.is_count:
        return None  # a count is scored only by its bands
    return value if indicator.higher_is_better else 100 - value


def assess(
    composite: str, facts: Mapping[str, int], months: Fraction, config: AssessmentConfig
) -> Assessment:
    """Every indicator of a row, its composite and grade, from the row's facts."""
    settings = config.composites[composite]
    all_facts = derive_facts(facts)
    values: list[IndicatorValue] = []
    for indicator in INDICATORS[composite]:
        value = indicator_value(indicator, all_facts, months)
        score = indicator_score(indicator, value, settings.bands.get(indicator.key))
        values.append(
            IndicatorValue(
                indicator,
                all_facts.get(indicator.numerator, 0),
                all_facts.get(indicator.denominator, 0) if indicator.denominator else None,
                value,
                score,
                settings.weights.get(indicator.key, Fraction(0)),
            )
        )
    score = composite_score(values)
    return Assessment(tuple(values), score, grade(score, config) if score is not None else None)


def composite_score(values: Iterable[IndicatorValue]) -> Fraction | None:
    """Σ weight × score / Σ weight over the weighted indicators with a score; None when no weighted
    rate (an indicator with a denominator, not a count) has data."""
    terms = [(v.weight, v.score, v.indicator) for v in values if v.weight > 0]
    present = [(w, s, i) for w, s, i in terms if s is not None]
    if not any(not i.is_count for _, _, i in present):
        return None
    total = sum((w for w, _, _ in present), Fraction(0))
    return sum((w * s for w, s, _ in present if s is not None), Fraction(0)) / total


def grade(score: Fraction, config: AssessmentConfig) -> str:
    """The grade of a composite as shown (rounded to 2 places): A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E."""
    shown = Fraction(rounded(score))
    for name, lowest in config.grades:
        if shown >= lowest:
            return name
    return config.lowest_grade


def rounded(value: Fraction, places: int = 2) -> Decimal:
    """Half-up rounding of an exact value (66.665 → 66.67, never binary float surprises)."""
    exact = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if value.denominator != 1
        else Decimal(value.numerator)
    )
    # Decimal division carries 28 significant digits: enough for any count a city produces
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def shown(value: Fraction | None) -> float | None:
    """A value as the API and the tables show it: rounded half-up to 2 places."""
    return None if value is None else float(rounded(value))


def rank(scores: Sequence[Fraction | None], groups: Sequence[str | None] | None = None) -> list[int | None]:
    """Competition ranks (1, 2, 2, 4) by score, highest first, within each group; None unscored."""
    keys = groups if groups is not None else [None] * len(scores)
    ranks: list[int | None] = [None] * len(scores)
    for group in set(keys):
        members = [
            (s, n) for n, (s, g) in enumerate(zip(scores, keys, strict=True)) if g == group and s is not None
        ]
        members.sort(key=lambda m: m[0], reverse=True)
        previous: Fraction | None = None
        current = 0
        for position, (score, n) in enumerate(members, start=1):
            if score != previous:
                current, previous = position, score
            ranks[n] = current
    return ranks


def local_month_of(moment: datetime, tz: ZoneInfo | str) -> str:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return moment.astimezone(zone).strftime("%Y-%m")


def previous_month(moment: datetime, tz: ZoneInfo | str) -> str:
    """'YYYY-MM' of the month before `moment`'s local month (the usual month to evaluate)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    first = moment.astimezone(zone).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")
