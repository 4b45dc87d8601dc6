"""Pure rules of the analysis dashboard (统计分析): reporting periods and their presets, weeks,
the anomaly rule, and how a case's history divides into stage runs.

These are trend figures for the console, not the assessment indicators of docs/domain/assessment.md
(those, with their exact denominators, are `domain.assessment`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.taxonomy import Stage
from gridcity.domain.workflow import REQUEST_STATES, STAGE_OF_STATE, CaseState

# --- periods -----------------------------------------------------------------------------------

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years of days: longer periods belong to the monthly indicators
PRESETS = ("last_30", "this_month", "last_month", "last_90")


@dataclass(frozen=True)
class Period:
    """A period of local calendar dates, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def preset_period(name: str, today: date) -> Period:
    """The period a preset button chooses, as seen on `today` (local date)."""
    if name == "last_30":
        return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)
    if name == "last_90":
        return Period(today - timedelta(days=89), today)
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "last_month":
        last_day = today.replace(day=1) - timedelta(days=1)
        return Period(last_day.replace(day=1), last_day)
    raise Invalid(message("analysis.unknown_preset", name=name, presets=", ".join(PRESETS)))


def parse_period(start_text: str, end_text: str, today: date) -> Period:
    """The period from two ISO dates (YYYY-MM-DD); either may be empty: the default is the 30 days
    ending today, an empty start means 30 days up to the end, an empty end means 30 days from the
    start. Refuses a start after the end and periods longer than MAX_DAYS."""

    def parsed(text: str, what: str) -> date | None:
        text = text.strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            which_zh = "开始" if what == "start" else "结束"
            raise Invalid(message("analysis.not_a_date", which=what, which_zh=which_zh, text=text)) from None

    start, end = parsed(start_text, "start"), parsed(end_text, "end")
    span = timedelta(days=DEFAULT_DAYS - 1)
    if start is None and end is None:
        end = today
    if start is None:
        assert end is not None
        start = end - span
    if end is None:
        end = start + span
    if start > end:
        raise Invalid(message("analysis.starts_after_end", start=start, end=end))
    period = Period(start, end)
    if period.days > MAX_DAYS:
        raise Invalid(message("analysis.too_long", days=period.days, most=MAX_DAYS))
    return period


def week_start(day: date) -> date:
    """The Monday of the week a date is in (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


# --- anomalies ---------------------------------------------------------------------------------

BASELINE_WEEKS = 8
ANOMALY_MIN_COUNT = 5
ANOMALY_SIGMAS = 3.0


@dataclass(frozen=True)
class Anomaly:
    """How one grid's or class's latest week compares with its own baseline weeks."""

    current: int
    baseline: tuple[int, ...]
    mean: float
    sd: float
    spread: float  # the sd used by the rule: max(sd, √mean, 1)
    threshold: float  # mean + ANOMALY_SIGMAS · spread
    flagged: bool

    @property
    def score(self) -> float:
        """How many spreads above the baseline mean the latest week lies."""
        return (self.current - self.mean) / self.spread


def anomaly(
    current: int,
    baseline: Sequence[int],
    min_count: int = ANOMALY_MIN_COUNT,
    sigmas: float = ANOMALY_SIGMAS,
) -> Anomaly:
    """The anomaly rule (异常提示): the latest week is flagged when it has at least `min_count`
    cases AND lies more than `sigmas` spreads above the mean of the baseline weeks.

    The spread is the baseline's standard deviation (population), but never less than √mean (the
    spread of a Poisson count with that mean) nor less than 1 — so a grid whose baseline happens to
    be flat, or empty, does not raise an alarm at every small rise; and `min_count` keeps 0 → 2
    from being an alarm at all."""
    if not baseline:
        raise Invalid(message("analysis.no_baseline"))
    if current < 0 or any(n < 0 for n in baseline):
        raise Invalid(message("analysis.negative_counts"))
    mean = statistics.fmean(baseline)
    sd = statistics.pstdev(baseline)
    spread = max(sd, math.sqrt(mean), 1.0)
    threshold = mean + sigmas * spread
    return Anomaly(
        current=current,
        baseline=tuple(baseline),
        mean=mean,
        sd=sd,
        spread=spread,
        threshold=threshold,
        flagged=current >= min_count and current > threshold,
    )


# --- stage runs --------------------------------------------------------------------------------

# The stage a state's time belongs to in the dashboard's runs: a request waiting for the platform's
# decision stays inside the run it interrupted (the disposal; the filing for a void), so one
# disposal is one run however many requests it made.
RUN_STAGE_OF_STATE: dict[CaseState, Stage | None] = {
    **STAGE_OF_STATE,
    **{state: Stage.DISPOSE for state in REQUEST_STATES},
    CaseState.VOID_REQUESTED: Stage.FILE,
}
# The stages a run can be of, in the order of the case loop (the rework runs count with the
# disposal, the decisions inside the runs they interrupted).
RUN_STAGES = tuple(s for s in Stage if s in set(RUN_STAGE_OF_STATE.values()))
# The states whose time counts towards a stage in the dashboard's average time per stage. As on the
# case clock (docs/domain/clocks.md), time spent suspended (挂账) or waiting for a decision is not
# counted.
STAGE_TIME_OF_STATE: dict[CaseState, Stage | None] = {
    **RUN_STAGE_OF_STATE,
    CaseState.SUSPENDED: None,
    CaseState.VOID_REQUESTED: None,
    **{state: None for state in REQUEST_STATES},
}


@dataclass(frozen=True)
class StageRun:
    """One stretch of a case in one stage: entered at `start`, left at `end`; `intervals` are the
    parts of it that count (suspensions left out)."""

    stage: Stage
    start: datetime
    end: datetime
    intervals: tuple[tuple[datetime, datetime], ...]

    def measure(self, elapsed: Callable[[datetime, datetime], float]) -> float:
        """The run's length by a measure of time, e.g. working seconds of the working calendar."""
        return sum(elapsed(a, b) for a, b in self.intervals)


def _stage_of(state: str, table: dict[CaseState, Stage | None] = RUN_STAGE_OF_STATE) -> Stage | None:
    try:
        return table[CaseState(state)]
    except ValueError:
        return None  # not a state of the workflow: no stage


def stage_runs(changes: Iterable[tuple[datetime, str]]) -> list[StageRun]:
    """The finished stage runs of one case from its state changes, in order: (when, state entered).

    A run of a stage starts when the case enters a state of that stage from a state of another (or
    no) stage, and ends when it enters a state of another stage. Runs still going at the last change
    are not finished and not returned. A failed check (核查不通过) ends the check run and starts a new
    disposal run; each run is counted on its own."""
    runs: list[StageRun] = []
    current: Stage | None = None
    started: datetime | None = None
    intervals: list[tuple[datetime, datetime]] = []
    previous: tuple[datetime, str] | None = None
    for at, state in changes:
        if previous is not None and current is not None:
            counted = _stage_of(previous[1], STAGE_TIME_OF_STATE) is not None
            if counted and at > previous[0]:
                intervals.append((previous[0], at))
        stage = _stage_of(state)
        if stage != current:
            if current is not None and started is not None:
                runs.append(StageRun(current, started, at, tuple(intervals)))
            current, started, intervals = stage, at, []
        previous = (at, state)
    return runs
