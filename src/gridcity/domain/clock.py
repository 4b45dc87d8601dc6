"""Working calendar and stage clocks: deadlines, elapsed time and the traffic light of a case stage.

Time limits come in three units (see `durations.TimeUnit`):

* ``MINUTES``    – calendar time, the clock never stops;
* ``WORK_HOURS`` – only seconds inside the work periods of working days count;
* ``WORK_DAYS``  – measured in working seconds too, one working day = `WorkingCalendar.workday_seconds`
  (so 20 work_days from Monday 10:00 ends at 10:00 twenty working days later).

Every quantity returned by this module is a number of *seconds in the unit's measure*: calendar seconds
for ``MINUTES``, working seconds for both working units.

Datetimes: every public datetime must be timezone-aware (a naive one raises `Invalid`). Results are
returned in the tzinfo of the datetime they were computed from (`add(start, ...)` → `start.tzinfo`,
`StageClock.deadline` → `started_at.tzinfo`). Arithmetic is done on absolute instants (integer
microseconds since the epoch), never on wall-clock fields, so mixed time zones and DST are safe.
Work periods are wall-clock times in the calendar's own zone (default Asia/Shanghai).

Which days are working days: a city override wins; else `chinese_calendar` (public holidays and the
make-up working days, 调休) for the years it knows; else – years it does not know (it raises
NotImplementedError, e.g. 2027 with chinese-calendar 1.11) – the statutory holidays computed from the
rules in force (`domain.holidays`: 元旦, 春节 by the lunar calendar, 清明 by the solar term, …) and
otherwise Monday to Friday. Every year that needed that fallback is recorded in
`WorkingCalendar.unknown_years` so an admin can be warned to confirm the computed days and enter the
year's 调休 make-up days as overrides when the State Council's notice comes.

Performance: working time is indexed per local year (a cumulative sum of working seconds per day,
built lazily once per year and cached), so `add` and `elapsed` cost a bisection plus a few period
comparisons whatever the length of the limit; nothing iterates second by second.

Pure domain code: stdlib, `chinese_calendar` and (through `domain.holidays`) `lunar_python` only.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.errors import Invalid
from gridcity.domain.holidays import statutory_rest_days
from gridcity.domain.messages import message

__all__ = [
    "DEFAULT_PERIODS",
    "DEFAULT_TZ",
    "DEFAULT_YELLOW_RATIO",
    "ClockFace",
    "Light",
    "StageClock",
    "WorkPeriod",
    "WorkingCalendar",
    "traffic_light",
]

DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_YELLOW_RATIO = 0.8

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = 1_000_000  # microseconds per second
_ONE_US = timedelta(microseconds=1)
_CALENDAR_SECONDS = {TimeUnit.MINUTES: 60.0, TimeUnit.WORK_HOURS: 3600.0, TimeUnit.WORK_DAYS: 86400.0}
_MAX_EMPTY_YEARS = 10  # years in a row without any working time before `add` gives up


# --------------------------------------------------------------------------------------------- light


class Light(StrEnum):
    """Traffic light of a stage: green (on time), yellow (≥ the warning ratio), red (overdue)."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label_zh(self) -> str:
        return {"green": "绿", "yellow": "黄", "red": "红"}[self.value]

    @property
    def color(self) -> str:
        """Hex colour for maps and lists."""
        return {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}[self.value]


def traffic_light(
    elapsed_seconds: float, budget_seconds: float, yellow_ratio: float = DEFAULT_YELLOW_RATIO
) -> Light:
    """elapsed ≤ ratio·budget → green; ratio·budget < elapsed ≤ budget → yellow; > budget → red.

    Exactly 80 % is still green, exactly 100 % is still yellow. A zero budget is green at 0, red after.
    """
    if not 0 < yellow_ratio <= 1:
        raise Invalid(message("clock.yellow_ratio", ratio=yellow_ratio))
    return _light(elapsed_seconds, budget_seconds, yellow_ratio)


def _light(elapsed_seconds: float, budget_seconds: float, yellow_ratio: float) -> Light:
    """`traffic_light` with the ratio already checked (a `ClockFace` checks it once)."""
    if elapsed_seconds != elapsed_seconds or not budget_seconds >= 0:  # NaN, negative
        raise Invalid(message("clock.bad_light_input", elapsed=elapsed_seconds, budget=budget_seconds))
    if budget_seconds == 0:
        return Light.RED if elapsed_seconds > 0 else Light.GREEN
    ratio = elapsed_seconds / budget_seconds  # division keeps exact percentages exact (0.8 == 11520/14400)
    if ratio > 1:
        return Light.RED
    if ratio > yellow_ratio:
        return Light.YELLOW
    return Light.GREEN


# ------------------------------------------------------------------------------------------ calendar


def _seconds_of_day(value: time) -> float:
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / _US


@dataclass(frozen=True)
class WorkPeriod:
    """One daily work period in the calendar's local wall-clock time, e.g. 08:30–12:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise Invalid(message("clock.period_needs_times"))
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise Invalid(message("clock.period_with_zone"))
        if self.start >= self.end:
            raise Invalid(message("clock.period_backwards", period=str(self)))

    @classmethod
    def parse(cls, text: str) -> WorkPeriod:
        """Parse '08:30-12:00' (also '08:30–12:00' or '08:30~12:00')."""
        cleaned = str(text).strip().replace("–", "-").replace("~", "-")
        try:
            start, end = (part.strip() for part in cleaned.split("-"))
            return cls(time.fromisoformat(start), time.fromisoformat(end))
        except ValueError as exc:
            raise Invalid(message("clock.not_a_period", text=text)) from exc

    @property
    def seconds(self) -> float:
        return _seconds_of_day(self.end) - _seconds_of_day(self.start)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


DEFAULT_PERIODS: tuple[WorkPeriod, ...] = (
    WorkPeriod(time(8, 30), time(12, 0)),
    WorkPeriod(time(13, 30), time(17, 30)),
)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise Invalid(message("clock.not_datetime", name=name, type=type(value).__name__))
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(message("clock.naive_datetime", name=name, value=value.isoformat()))


def _to_us(value: datetime) -> int:
    """Absolute instant as integer microseconds since the epoch (exact)."""
    return (value - _EPOCH) // _ONE_US


def _from_us(us: int, tz) -> datetime:  # type: ignore[no-untyped-def]
    return (_EPOCH + timedelta(microseconds=us)).astimezone(tz)


def _unit(unit: TimeUnit | str) -> TimeUnit:
    if type(unit) is TimeUnit:  # most calls (a clock's own unit): no lookup
        return unit
    try:
        return TimeUnit(unit)
    except ValueError as exc:
        raise Invalid(message("clock.unknown_unit", unit=unit)) from exc


def _seconds_to_us(seconds: float, what: str = "seconds") -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise Invalid(message("clock.not_finite", what=what, value=seconds))
    if seconds < 0:
        raise Invalid(message("clock.negative", what=what, value=seconds))
    return round(seconds * _US)


@dataclass(frozen=True)
class _Year:
    """Working time of one local calendar year: per day its work intervals (absolute µs) and a prefix sum."""

    first: date
    intervals: tuple[tuple[tuple[int, int], ...], ...]  # per day of year
    cum: tuple[int, ...]  # cum[i] = working µs of the year before day i; len = days + 1
    starts: tuple[int, ...]  # starts[i] = the first instant (µs) of day i; len = days + 1 (next 1 Jan)

    @property
    def total(self) -> int:
        return self.cum[-1]


class WorkingCalendar:
    """Which days are working days and which hours of them are working time.

    `overrides` maps a date to True (force working day) or False (force rest day) and wins over
    everything else. The calendar caches its answers: build a new one when the city's table changes.
    """

    def __init__(
        self,
        periods: Sequence[WorkPeriod] = DEFAULT_PERIODS,
        tz: str = DEFAULT_TZ,
        overrides: Mapping[date, bool] | None = None,
        use_national_holidays: bool = True,
    ) -> None:
        for period in periods:
            if not isinstance(period, WorkPeriod):
                raise Invalid(message("clock.not_a_work_period", value=period))
        ordered = tuple(sorted(periods, key=lambda p: (p.start, p.end)))
        if not ordered:
            raise Invalid(message("clock.no_periods"))
        for before, after in pairwise(ordered):
            if after.start < before.end:
                raise Invalid(message("clock.periods_overlap", before=str(before), after=str(after)))
        try:
            self._tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise Invalid(message("clock.unknown_zone", zone=tz)) from exc
        cleaned: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise Invalid(message("clock.override_not_date", value=day))
            cleaned[day] = bool(working)
        self.periods: tuple[WorkPeriod, ...] = ordered
        self.tz_name: str = tz
        self.overrides: Mapping[date, bool] = cleaned
        self.use_national_holidays: bool = bool(use_national_holidays)
        self.unknown_years: set[int] = set()
        self._workday_cache: dict[date, bool] = {}
        self._years: dict[int, _Year] = {}
        self._last_end: tuple[int, tuple[int, int]] | None = None  # elapsed(): the last end located
        self._last_year = 0  # _day_of(): the year of the last instant placed

    def __repr__(self) -> str:
        periods = ", ".join(str(p) for p in self.periods)
        return (
            f"WorkingCalendar(periods=[{periods}], tz={self.tz_name!r}, overrides={len(self.overrides)}, "
            f"use_national_holidays={self.use_national_holidays})"
        )

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def workday_seconds(self) -> float:
        """Length of one full working day (sum of the periods): 27000 s (7.5 h) by default."""
        return float(sum(p.seconds for p in self.periods))

    # ---- days

    def is_workday(self, day: date) -> bool:
        """Override > chinese_calendar (years it knows) > the computed statutory holidays and
        Monday–Friday (years it does not know, recorded in `unknown_years`).

        An aware datetime is accepted and read as its date in the calendar's time zone.
        """
        if isinstance(day, datetime):
            _require_aware(day, "day")
            day = day.astimezone(self._tz).date()
        elif not isinstance(day, date):
            raise Invalid(message("clock.not_a_date", function="is_workday", value=day))
        cached = self._workday_cache.get(day)
        if cached is None:
            cached = self._compute_workday(day)
            self._workday_cache[day] = cached
        return cached

    def _compute_workday(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        if self.use_national_holidays:
            try:
                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                self.unknown_years.add(day.year)
                if day in statutory_rest_days(day.year):
                    return False
        return day.weekday() < 5

    @staticmethod
    def national_table_knows(year: int) -> bool:
        """Does the installed chinese-calendar know this year's holidays and make-up days?"""
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def work_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Working intervals of a local date as aware datetimes in the calendar's zone; [] on rest days."""
        if isinstance(day, datetime) or not isinstance(day, date):
            raise Invalid(message("clock.not_a_date", function="work_intervals", value=day))
        year = self._year(day.year)
        index = day.toordinal() - year.first.toordinal()
        return [(_from_us(s, self._tz), _from_us(e, self._tz)) for s, e in year.intervals[index]]

    def _day_intervals(self, day: date) -> tuple[tuple[int, int], ...]:
        if not self.is_workday(day):
            return ()
        out: list[tuple[int, int]] = []
        last_end: int | None = None
        for period in self.periods:
            start = _to_us(datetime.combine(day, period.start, tzinfo=self._tz))
            end = _to_us(datetime.combine(day, period.end, tzinfo=self._tz))
            if last_end is not None:
                start = max(start, last_end)  # DST gaps can bend wall-clock order; keep intervals disjoint
            if end > start:
                out.append((start, end))
                last_end = end
        return tuple(out)

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            if not 1 <= year <= 9999:
                raise Invalid(message("clock.year_out_of_range", year=year))
            first = date(year, 1, 1)
            days = (date(year, 12, 31) - first).days + 1
            intervals = tuple(self._day_intervals(first + timedelta(days=i)) for i in range(days))
            cum = [0]
            for day_intervals in intervals:
                cum.append(cum[-1] + sum(e - s for s, e in day_intervals))
            zone = self._tz
            starts = [
                _to_us(datetime.combine(first + timedelta(days=i), time(0), tzinfo=zone)) for i in range(days)
            ]
            end = date(year + 1, 1, 1) if year < 9999 else None
            starts.append(_to_us(datetime.combine(end, time(0), tzinfo=zone)) if end else 2**63)
            table = _Year(first, intervals, tuple(cum), tuple(starts))
            self._years[year] = table
        return table

    def _locate(self, moment: datetime) -> tuple[int, int]:
        """(local year, working µs of that year before `moment`)."""
        return self._locate_us(_to_us(moment))

    def _day_of(self, us: int) -> tuple[int, _Year, int]:
        """(local year, its table, day of the year) of an instant (µs): the day whose first instant
        is the last not after it — the local date, found without converting to the zone's wall clock
        (which costs more than the bisection once the year's table is built)."""
        year = self._last_year
        table = self._years.get(year)
        if table is None or not table.starts[0] <= us < table.starts[-1]:
            year = (_EPOCH + timedelta(microseconds=us)).astimezone(self._tz).year
            table = self._year(year)
            self._last_year = year
        return year, table, bisect_right(table.starts, us) - 1

    def _locate_us(self, us: int) -> tuple[int, int]:
        year, table, index = self._day_of(us)
        worked = table.cum[index]
        for start, end in table.intervals[index]:
            if us <= start:
                break
            worked += min(us, end) - start
        return year, worked

    def local_date(self, moment: datetime) -> date:
        """The date of an aware moment in the calendar's zone (for one moment the zone's own
        conversion costs less than `_day_of`: no date to build from the day of the year)."""
        return moment.astimezone(self._tz).date()

    # ---- measures

    def budget_seconds(self, duration: Duration) -> float:
        """The limit in its unit's measure: MINUTES → calendar s; WORK_HOURS / WORK_DAYS → working s."""
        if not isinstance(duration, Duration):
            raise Invalid(message("clock.not_a_duration", value=duration))
        if duration.unit is TimeUnit.MINUTES:
            return duration.amount * 60.0
        if duration.unit is TimeUnit.WORK_HOURS:
            return duration.amount * 3600.0
        return duration.amount * self.workday_seconds

    def add(self, start: datetime, duration: Duration) -> datetime:
        """Deadline of `duration` counted from `start` (returned in start's tzinfo)."""
        return self.add_seconds(start, self.budget_seconds(duration), duration.unit)

    def add_seconds(self, start: datetime, seconds: float, unit: TimeUnit) -> datetime:
        """The moment at which `seconds` of the unit's measure have passed since `start`.

        Working units start counting at the next work period when `start` is outside working time; a
        result that falls exactly on a period end stays there (17:30, not the next morning). Zero
        seconds returns `start` unchanged.
        """
        _require_aware(start, "start")
        unit = _unit(unit)
        amount = _seconds_to_us(seconds)
        if amount == 0:
            return start
        if not unit.is_working_time:
            return _from_us(_to_us(start) + amount, start.tzinfo)
        year, worked = self._locate(start)
        target = worked + amount  # working µs since the start of `year`
        empty_years = 0
        while True:
            table = self._year(year)
            if target <= table.total:
                break
            empty_years = empty_years + 1 if table.total == 0 else 0
            if empty_years >= _MAX_EMPTY_YEARS:
                first = year - empty_years + 1
                raise Invalid(message("clock.no_working_time", years=_MAX_EMPTY_YEARS, first=first))
            target -= table.total
            year += 1
        index = bisect_left(table.cum, target) - 1  # cum[index] < target <= cum[index + 1]
        rest = target - table.cum[index]
        for period_start, period_end in table.intervals[index]:
            length = period_end - period_start
            if rest <= length:
                return _from_us(period_start + rest, start.tzinfo)
            rest -= length
        raise AssertionError("unreachable: the prefix sums and the intervals disagree")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime, unit: TimeUnit) -> float:
        """Seconds of the unit's measure between `start` and `end` (0 if end <= start)."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        return self._elapsed_us(_to_us(start), _to_us(end), _unit(unit) is not TimeUnit.MINUTES)

    def _elapsed_us(self, start_us: int, end_us: int, working: bool) -> float:
        """`elapsed` between two instants (µs), in working or calendar seconds."""
        if end_us <= start_us:
            return 0.0
        if not working:
            return (end_us - start_us) / _US
        start_year, start_worked = self._locate_us(start_us)
        # the clocks of a list are read up to one moment: its place in the calendar is kept
        last = self._last_end
        if last is None or last[0] != end_us:
            last = self._last_end = (end_us, self._locate_us(end_us))
        end_year, end_worked = last[1]
        total = end_worked - start_worked
        for year in range(start_year, end_year):
            total += self._year(year).total
        return total / _US


# --------------------------------------------------------------------------------------------- clock


@dataclass(frozen=True)
class StageClock:
    """The clock of one case stage; immutable, every operation returns a new StageClock.

    `budget_seconds` and `paused_seconds` are in the unit's measure (working seconds for working units).
    Time spent suspended (between `pause` and `resume`) is not counted; `extend` adds to the budget.
    Operations expect `now` not to be earlier than the clock's last change.
    """

    started_at: datetime
    unit: TimeUnit
    budget_seconds: float
    paused_seconds: float = 0.0
    paused_since: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.started_at, "started_at")
        object.__setattr__(self, "unit", _unit(self.unit))
        for name in ("budget_seconds", "paused_seconds"):
            value = getattr(self, name)
            _seconds_to_us(value, name)
            object.__setattr__(self, name, float(value))
        if self.paused_since is not None:
            _require_aware(self.paused_since, "paused_since")
            if _to_us(self.paused_since) < _to_us(self.started_at):
                raise Invalid(message("clock.suspended_before_start"))

    @classmethod
    def start(cls, calendar: WorkingCalendar, started_at: datetime, limit: Duration) -> StageClock:
        return cls(started_at=started_at, unit=limit.unit, budget_seconds=calendar.budget_seconds(limit))

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def pause(self, now: datetime) -> StageClock:
        """Suspend the stage (挂起). Pausing an already paused clock is an `Invalid` error."""
        _require_aware(now, "now")
        if self.paused_since is not None:
            raise Invalid(message("clock.already_suspended", since=self.paused_since.isoformat()))
        if _to_us(now) < _to_us(self.started_at):
            raise Invalid(message("clock.suspended_before_start"))
        return replace(self, paused_since=now)

    def resume(self, calendar: WorkingCalendar, now: datetime) -> StageClock:
        """End the suspension: the paused time, in the unit's measure, goes to `paused_seconds`."""
        _require_aware(now, "now")
        if self.paused_since is None:
            raise Invalid(message("clock.not_suspended"))
        if _to_us(now) < _to_us(self.paused_since):
            raise Invalid(message("clock.resumed_before_suspension"))
        paused = calendar.elapsed(self.paused_since, now, self.unit)
        return replace(self, paused_seconds=self.paused_seconds + paused, paused_since=None)

    def extend(self, calendar: WorkingCalendar, extra: Duration) -> StageClock:
        """Add an approved extension (延期) to the budget, converted to this clock's measure.

        On a working clock: minutes count as working minutes, work_hours as 3600 working s, work_days as
        `workday_seconds`. On a calendar (MINUTES) clock the work units count as their calendar length:
        work_hours × 3600 s, work_days × 86400 s.
        """
        if not isinstance(extra, Duration):
            raise Invalid(message("clock.not_a_duration", value=extra))
        if self.unit.is_working_time:
            seconds = calendar.budget_seconds(extra)
        else:
            seconds = extra.amount * _CALENDAR_SECONDS[extra.unit]
        return replace(self, budget_seconds=self.budget_seconds + seconds)

    def elapsed(self, calendar: WorkingCalendar, now: datetime) -> float:
        """Seconds of the unit's measure since the start, minus suspensions; frozen while paused."""
        return ClockFace(calendar, now).elapsed(
            self.started_at, self.unit, self.paused_seconds, self.paused_since
        )

    def remaining(self, calendar: WorkingCalendar, now: datetime) -> float:
        """Budget minus elapsed; negative once overdue."""
        return self.budget_seconds - self.elapsed(calendar, now)

    def deadline(self, calendar: WorkingCalendar, now: datetime | None = None) -> datetime | None:
        """The moment elapsed reaches the budget (in started_at's tzinfo); None while paused.

        The deadline depends only on the clock's state; `now` is accepted for symmetry with the other
        methods and only checked for being aware.
        """
        if now is not None:
            _require_aware(now, "now")
        if self.paused_since is not None:
            return None
        return calendar.add_seconds(self.started_at, self.budget_seconds + self.paused_seconds, self.unit)

    def light(
        self, calendar: WorkingCalendar, now: datetime, yellow_ratio: float = DEFAULT_YELLOW_RATIO
    ) -> Light:
        return traffic_light(self.elapsed(calendar, now), self.budget_seconds, yellow_ratio)


_WORKING = {unit.value: unit.is_working_time for unit in TimeUnit}


class ClockFace:
    """The clocks of many cases read at one moment with one calendar — a list of thousands of cases
    read from its columns: elapsed time and light from the stored fields of each clock (already
    checked when stored), without a `StageClock` per case; the same rules as `StageClock.elapsed`
    and `traffic_light`, and the calendar's place of `now` found once."""

    __slots__ = ("_now_us", "calendar", "now", "yellow_ratio")

    def __init__(
        self, calendar: WorkingCalendar, now: datetime, yellow_ratio: float = DEFAULT_YELLOW_RATIO
    ) -> None:
        _require_aware(now, "now")
        if not 0 < yellow_ratio <= 1:
            raise Invalid(message("clock.yellow_ratio", ratio=yellow_ratio))
        self.calendar = calendar
        self.now = now
        self.yellow_ratio = yellow_ratio
        self._now_us = _to_us(now)

    def elapsed(
        self, started_at: datetime, unit: str, paused_seconds: float, paused_since: datetime | None
    ) -> float:
        """The one rule of a stage's elapsed time (`StageClock.elapsed` reads it here): seconds of
        the unit's measure from the start to now — to the suspension while suspended — minus the
        earlier suspensions."""
        working = _WORKING.get(unit)
        if working is None:
            raise Invalid(message("clock.unknown_unit", unit=unit))
        end_us = self._now_us
        if paused_since is not None:
            end_us = min(end_us, _to_us(paused_since))
        return max(0.0, self.calendar._elapsed_us(_to_us(started_at), end_us, working) - paused_seconds)

    def light(self, elapsed_seconds: float, budget_seconds: float) -> Light:
        """`traffic_light(elapsed_seconds, budget_seconds, yellow_ratio)`."""
        return _light(elapsed_seconds, budget_seconds, self.yellow_ratio)
