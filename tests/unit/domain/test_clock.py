"""Working calendar, deadlines and stage clocks, on real 2026 dates.

The 2026 calendar facts used below were checked against chinese-calendar 1.11:
Mid-autumn 2026-09-25 (Fri) and National Day 2026-10-01..07 are rest days, the make-up working days
(调休) are Sunday 2026-09-20 and Saturday 2026-10-10; December 2026 has no holiday; 2027 is unknown to
the package (NotImplementedError), so the clock falls back to weekends plus the city's overrides.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcity.domain.clock import (
    DEFAULT_PERIODS,
    Light,
    StageClock,
    WorkingCalendar,
    WorkPeriod,
    traffic_light,
)
from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.errors import Invalid

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()  # shared: its per-year cache keeps the property tests fast

HOUR = 3600
WORKDAY = 27000  # 08:30–12:00 + 13:30–17:30 = 7.5 h


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def wh(amount: float) -> Duration:
    return Duration(amount, TimeUnit.WORK_HOURS)


# ------------------------------------------------------------------------------------ working days


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 16), True),  # ordinary Friday
        (date(2026, 10, 17), False),  # ordinary Saturday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 5), False),  # National Day holiday on a Monday
        (date(2026, 10, 10), True),  # make-up working Saturday
        (date(2026, 9, 20), True),  # make-up working Sunday
        (date(2026, 9, 25), False),  # Mid-autumn, a Friday
    ],
)
def test_is_workday_follows_the_2026_national_calendar(day: date, working: bool) -> None:
    assert CAL.is_workday(day) is working


def test_is_workday_without_national_holidays_is_monday_to_friday() -> None:
    plain = WorkingCalendar(use_national_holidays=False)
    assert plain.is_workday(date(2026, 10, 1)) is True
    assert plain.is_workday(date(2026, 10, 10)) is False
    assert plain.unknown_years == set()


def test_overrides_win_over_chinese_calendar() -> None:
    cal = WorkingCalendar(overrides={date(2026, 10, 5): True, date(2026, 10, 10): False})
    assert cal.is_workday(date(2026, 10, 5)) is True
    assert cal.is_workday(date(2026, 10, 10)) is False


def test_unknown_year_falls_back_to_weekends_and_is_recorded() -> None:
    cal = WorkingCalendar(overrides={date(2027, 1, 1): False})
    assert cal.unknown_years == set()
    assert cal.is_workday(date(2027, 1, 1)) is False  # the city's own holiday table
    assert cal.unknown_years == set()  # an override answered, no fallback needed yet
    assert cal.is_workday(date(2027, 1, 4)) is True  # Monday
    assert cal.is_workday(date(2027, 1, 9)) is False  # Saturday
    assert cal.unknown_years == {2027}


def test_is_workday_accepts_an_aware_datetime_in_the_calendar_zone() -> None:
    # 2026-10-09 17:00 UTC is already Saturday 2026-10-10 01:00 in Shanghai: a make-up working day.
    assert CAL.is_workday(datetime(2026, 10, 9, 17, tzinfo=UTC)) is True


def test_workday_seconds_and_custom_periods() -> None:
    assert CAL.workday_seconds == WORKDAY
    summer = WorkingCalendar(periods=[WorkPeriod.parse("14:00-18:00"), WorkPeriod.parse("08:00–12:00")])
    assert summer.workday_seconds == 8 * HOUR
    assert summer.periods[0].start == time(8, 0)  # sorted
    # 4 work hours from Friday 16:00 with 08:00–12:00 / 14:00–18:00 → Monday 10:00.
    assert summer.add(at(2026, 10, 16, 16), wh(4)) == at(2026, 10, 19, 10)


@pytest.mark.parametrize(
    "build",
    [
        lambda: WorkPeriod(time(12), time(8, 30)),
        lambda: WorkPeriod(time(9), time(9)),
        lambda: WorkPeriod.parse("morning"),
        lambda: WorkingCalendar(periods=[]),
        lambda: WorkingCalendar(periods=[WorkPeriod.parse("08:00-12:00"), WorkPeriod.parse("11:00-13:00")]),
        lambda: WorkingCalendar(tz="Mars/Olympus_Mons"),
    ],
)
def test_bad_calendar_configuration_is_invalid(build) -> None:
    with pytest.raises(Invalid):
        build()


# -------------------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("start", "limit", "deadline"),
    [
        # Friday 16:00 + 4 wh: 1.5 h on Friday, 2.5 h on Monday morning.
        (at(2026, 10, 16, 16), "4 work_hours", at(2026, 10, 19, 11)),
        # The lunch break 12:00–13:30 is skipped.
        (at(2026, 10, 19, 11), "2 work_hours", at(2026, 10, 19, 14, 30)),
        # Ends exactly at a period end: stays at 12:00 / 17:30, not the next period.
        (at(2026, 10, 19, 10), "2 work_hours", at(2026, 10, 19, 12)),
        (at(2026, 10, 19, 16, 30), "1 work_hours", at(2026, 10, 19, 17, 30)),
        # Set outside working time: counting starts at the next period start.
        (at(2026, 10, 17, 9), "4 work_hours", at(2026, 10, 19, 14)),  # Saturday
        (at(2026, 10, 19, 12, 30), "1 work_hours", at(2026, 10, 19, 14, 30)),  # lunch
        (at(2026, 10, 19, 20), "30 minutes", at(2026, 10, 19, 20, 30)),  # calendar minutes never stop
        (at(2026, 10, 16, 23), "2 hours", at(2026, 10, 17, 1)),  # '2 hours' = calendar time
        # National Day: Wednesday 2026-09-30 16:00 + 4 wh → Thursday 2026-10-08 11:00.
        (at(2026, 9, 30, 16), "4 work_hours", at(2026, 10, 8, 11)),
        # Make-up working days count: Friday 10-09 → Saturday 10-10; Friday 09-18 → Sunday 09-20.
        (at(2026, 10, 9, 16), "4 work_hours", at(2026, 10, 10, 11)),
        (at(2026, 9, 18, 16), "4 work_hours", at(2026, 9, 20, 11)),
        # Work days are whole working days of 7.5 h: Monday 10:00 + 2 wd → Wednesday 10:00.
        (at(2026, 10, 19, 10), "2 work_days", at(2026, 10, 21, 10)),
        # 5 wd from Tuesday 2026-09-29 10:00 over the Golden Week: 09-30, 10-08, 10-09, 10-10, 10-12.
        (at(2026, 9, 29, 10), "5 work_days", at(2026, 10, 12, 10)),
        # The last working moment of 2026 (Thursday 12-31 17:30) and the first of 2027 (Monday 01-04).
        (at(2026, 12, 31, 16, 30), "1 work_hours", at(2026, 12, 31, 17, 30)),
        # 2027 is unknown to the table: 元旦 (Friday 01-01) is a computed statutory holiday
        (at(2026, 12, 31, 16, 30), "1.5 work_hours", at(2027, 1, 4, 9)),
        # Zero is zero, even outside working time.
        (at(2026, 10, 17, 9), "0 work_hours", at(2026, 10, 17, 9)),
    ],
)
def test_deadlines_a_dispatcher_would_recognise(start: datetime, limit: str, deadline: datetime) -> None:
    assert CAL.add(start, Duration.parse(limit)) == deadline


def test_result_keeps_the_input_time_zone() -> None:
    start = datetime(2026, 10, 16, 8, tzinfo=UTC)  # Friday 16:00 in Shanghai
    deadline = CAL.add(start, wh(4))
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2026, 10, 19, 3, tzinfo=UTC)  # Monday 11:00 in Shanghai


def test_override_making_a_monday_a_rest_day_pushes_the_deadline() -> None:
    cal = WorkingCalendar(overrides={date(2026, 10, 19): False})
    assert cal.add(at(2026, 10, 16, 16), wh(4)) == at(2026, 10, 20, 11)


def test_override_cancelling_a_make_up_day_pushes_the_deadline() -> None:
    cal = WorkingCalendar(overrides={date(2026, 10, 10): False})
    assert cal.add(at(2026, 10, 9, 16), wh(4)) == at(2026, 10, 12, 11)


def test_without_national_holidays_national_day_is_worked() -> None:
    plain = WorkingCalendar(use_national_holidays=False)
    assert plain.add(at(2026, 9, 30, 16), wh(4)) == at(2026, 10, 1, 11)


def test_december_deadline_reaching_into_2027_skips_the_computed_new_year() -> None:
    # Tuesday 2026-12-15 10:00 + 20 wd. December 2026: 16–18, 21–25, 28–31 = 12 working days; then
    # 2027, which the national table does not know: 元旦 (Friday 01-01) is computed as a rest day.
    start = at(2026, 12, 15, 10)
    cal = WorkingCalendar()
    assert cal.add(start, Duration.parse("20 work_days")) == at(2027, 1, 13, 10)
    assert cal.unknown_years == {2027}

    # With the city's own holiday table for 2027 the New Year's Day is not worked.
    city = WorkingCalendar(overrides={date(2027, 1, 1): False})
    assert city.unknown_years == set()
    assert city.add(start, Duration.parse("20 work_days")) == at(2027, 1, 13, 10)
    assert city.unknown_years == {2027}
    assert city.elapsed(start, at(2027, 1, 13, 10), TimeUnit.WORK_DAYS) == 20 * WORKDAY


def test_elapsed_measures() -> None:
    friday, monday = at(2026, 10, 16, 9), at(2026, 10, 19, 9)
    assert CAL.elapsed(friday, monday, TimeUnit.WORK_HOURS) == 3 * HOUR + 4 * HOUR + HOUR / 2
    assert CAL.elapsed(friday, monday, TimeUnit.WORK_DAYS) == WORKDAY
    assert CAL.elapsed(friday, monday, TimeUnit.MINUTES) == 72 * HOUR
    assert CAL.elapsed(monday, friday, TimeUnit.WORK_HOURS) == 0
    assert CAL.elapsed(at(2026, 10, 1, 9), at(2026, 10, 7, 17), TimeUnit.WORK_HOURS) == 0  # Golden Week


def test_budget_seconds() -> None:
    assert CAL.budget_seconds(Duration.parse("30 minutes")) == 1800
    assert CAL.budget_seconds(wh(4)) == 4 * HOUR
    assert CAL.budget_seconds(Duration.parse("20 work_days")) == 20 * WORKDAY


def test_naive_datetimes_are_invalid() -> None:
    naive = datetime(2026, 10, 16, 16)
    with pytest.raises(Invalid):
        CAL.add(naive, wh(4))
    with pytest.raises(Invalid):
        CAL.elapsed(at(2026, 10, 16, 9), naive, TimeUnit.MINUTES)
    with pytest.raises(Invalid):
        StageClock.start(CAL, naive, wh(4))
    with pytest.raises(Invalid):
        CAL.add_seconds(at(2026, 10, 16, 9), -1, TimeUnit.WORK_HOURS)


# ------------------------------------------------------------------------------------ stage clock


def test_suspension_over_a_weekend_adds_only_working_time() -> None:
    clock = StageClock.start(CAL, at(2026, 10, 16, 9), wh(8))  # Friday 09:00, 8 working hours
    assert clock.deadline(CAL) == at(2026, 10, 19, 9, 30)  # 7 h on Friday, 1 h on Monday

    paused = clock.pause(at(2026, 10, 16, 17))
    assert paused.deadline(CAL) is None
    frozen = 3 * HOUR + 3.5 * HOUR
    assert paused.elapsed(CAL, at(2026, 10, 17, 12)) == frozen  # Saturday: frozen at Friday 17:00
    assert paused.elapsed(CAL, at(2026, 10, 19, 8)) == frozen

    resumed = paused.resume(CAL, at(2026, 10, 19, 9))  # Monday 09:00
    assert resumed.paused_seconds == HOUR  # Fri 17:00–17:30 + Mon 08:30–09:00, not the 64-h weekend
    assert resumed.deadline(CAL) == at(2026, 10, 19, 10, 30)
    assert resumed.elapsed(CAL, at(2026, 10, 19, 10)) == frozen + HOUR
    assert resumed.remaining(CAL, at(2026, 10, 19, 10)) == HOUR / 2
    assert resumed.remaining(CAL, at(2026, 10, 19, 11)) == -HOUR / 2


def test_suspension_of_a_calendar_clock_counts_calendar_time() -> None:
    clock = StageClock.start(CAL, at(2026, 10, 16, 16), Duration.parse("120 minutes"))
    resumed = clock.pause(at(2026, 10, 16, 17)).resume(CAL, at(2026, 10, 19, 9))
    assert resumed.paused_seconds == 64 * HOUR
    assert resumed.deadline(CAL) == at(2026, 10, 19, 10)


def test_two_suspensions_add_up() -> None:
    clock = StageClock.start(CAL, at(2026, 10, 19, 8, 30), wh(4))  # Monday 08:30 → 14:00
    clock = clock.pause(at(2026, 10, 19, 9)).resume(CAL, at(2026, 10, 19, 9, 30))
    clock = clock.pause(at(2026, 10, 19, 11, 30)).resume(CAL, at(2026, 10, 19, 14))  # 30 min + lunch + 30 min
    assert clock.paused_seconds == 1.5 * HOUR
    assert clock.deadline(CAL) == at(2026, 10, 19, 15, 30)


def test_pausing_twice_or_resuming_a_running_clock_is_invalid() -> None:
    clock = StageClock.start(CAL, at(2026, 10, 19, 9), wh(4))
    paused = clock.pause(at(2026, 10, 19, 10))
    with pytest.raises(Invalid):
        paused.pause(at(2026, 10, 19, 11))
    with pytest.raises(Invalid):
        clock.resume(CAL, at(2026, 10, 19, 11))
    with pytest.raises(Invalid):
        paused.resume(CAL, at(2026, 10, 19, 9, 30))  # before the suspension
    with pytest.raises(Invalid):
        clock.pause(at(2026, 10, 19, 8))  # before the start


def test_clock_is_immutable() -> None:
    clock = StageClock.start(CAL, at(2026, 10, 19, 9), wh(4))
    clock.pause(at(2026, 10, 19, 10))
    assert clock.paused_since is None
    with pytest.raises(AttributeError):
        clock.budget_seconds = 0  # type: ignore[misc]


def test_extension_of_two_work_hours_moves_the_deadline_by_two_working_hours() -> None:
    clock = StageClock.start(CAL, at(2026, 10, 19, 9), wh(4))  # Monday 09:00
    before = clock.deadline(CAL)
    assert before == at(2026, 10, 19, 14, 30)
    extended = clock.extend(CAL, wh(2))
    assert extended.budget_seconds == 6 * HOUR
    assert extended.deadline(CAL) == at(2026, 10, 19, 16, 30)
    assert CAL.elapsed(before, extended.deadline(CAL), TimeUnit.WORK_HOURS) == 2 * HOUR
    # Another 2 wh crosses the night: 16:30 → 17:30, then Tuesday 08:30 → 09:30.
    assert extended.extend(CAL, wh(2)).deadline(CAL) == at(2026, 10, 20, 9, 30)


def test_extension_unit_conversion() -> None:
    working = StageClock.start(CAL, at(2026, 10, 19, 9), wh(4))
    assert working.extend(CAL, Duration.parse("30 minutes")).budget_seconds == 4 * HOUR + 1800
    assert working.extend(CAL, Duration.parse("1 work_days")).budget_seconds == 4 * HOUR + WORKDAY
    calendar = StageClock.start(CAL, at(2026, 10, 19, 9), Duration.parse("60 minutes"))
    assert calendar.extend(CAL, wh(2)).budget_seconds == 3 * HOUR
    assert calendar.extend(CAL, Duration.parse("1 work_days")).budget_seconds == HOUR + 86400


@pytest.mark.parametrize(
    ("percent", "elapsed", "light"),
    [
        (79, 11376, Light.GREEN),
        (80, 11520, Light.GREEN),
        (81, 11664, Light.YELLOW),
        (100, 14400, Light.YELLOW),
        (101, 14544, Light.RED),
    ],
)
def test_traffic_light_thresholds(percent: int, elapsed: int, light: Light) -> None:
    assert elapsed == 14400 * percent // 100
    assert traffic_light(elapsed, 14400) is light


@pytest.mark.parametrize(
    ("now", "light"),
    [
        (at(2026, 10, 19, 11, 39, 36), Light.GREEN),  # 79 % of 4 wh from Monday 08:30
        (at(2026, 10, 19, 11, 42), Light.GREEN),  # 80 %
        (at(2026, 10, 19, 11, 44, 24), Light.YELLOW),  # 81 %
        (at(2026, 10, 19, 14, 0), Light.YELLOW),  # 100 %, after the lunch break
        (at(2026, 10, 19, 14, 2, 24), Light.RED),  # 101 %
    ],
)
def test_stage_clock_light_on_the_wall_clock(now: datetime, light: Light) -> None:
    clock = StageClock.start(CAL, at(2026, 10, 19, 8, 30), wh(4))
    assert clock.light(CAL, now) is light


def test_light_ratio_is_configurable_and_labelled() -> None:
    assert traffic_light(60, 100, yellow_ratio=0.5) is Light.YELLOW
    assert traffic_light(0, 0) is Light.GREEN
    assert traffic_light(1, 0) is Light.RED
    assert [light.label_zh for light in Light] == ["绿", "黄", "红"]
    assert all(light.color.startswith("#") and len(light.color) == 7 for light in Light)
    with pytest.raises(Invalid):
        traffic_light(1, 100, yellow_ratio=1.5)


# ------------------------------------------------------------------------------------- properties

PROPS = settings(max_examples=80, deadline=None, database=None)

starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31, 23, 59, 59), timezones=st.just(SH)
) | st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))
units = st.sampled_from(list(TimeUnit))
amounts = {
    TimeUnit.MINUTES: st.floats(min_value=0, max_value=60 * 24 * 60, allow_nan=False),
    TimeUnit.WORK_HOURS: st.floats(min_value=0, max_value=400, allow_nan=False),
    TimeUnit.WORK_DAYS: st.floats(min_value=0, max_value=60, allow_nan=False),
}
durations = units.flatmap(lambda unit: amounts[unit].map(lambda amount: Duration(amount, unit)))


@PROPS
@given(start=starts, duration=durations)
def test_add_then_elapsed_round_trips(start: datetime, duration: Duration) -> None:
    deadline = CAL.add(start, duration)
    assert deadline >= start
    assert CAL.elapsed(start, deadline, duration.unit) == pytest.approx(CAL.budget_seconds(duration), abs=1)


@PROPS
@given(
    start=starts,
    unit=units,
    first=st.integers(min_value=0, max_value=90 * 86400),
    second=st.integers(min_value=0, max_value=90 * 86400),
)
def test_elapsed_is_monotone_and_additive(start: datetime, unit: TimeUnit, first: int, second: int) -> None:
    middle = start + timedelta(seconds=first)
    end = middle + timedelta(seconds=second)
    to_middle, to_end = CAL.elapsed(start, middle, unit), CAL.elapsed(start, end, unit)
    assert 0 <= to_middle <= to_end
    assert to_middle + CAL.elapsed(middle, end, unit) == pytest.approx(to_end, abs=1e-6)


@PROPS
@given(
    start=starts,
    duration=durations,
    pause_after=st.integers(min_value=0, max_value=30 * 86400),
    pause_for=st.integers(min_value=0, max_value=30 * 86400),
)
def test_pause_and_resume_push_the_deadline_by_the_paused_time(
    start: datetime, duration: Duration, pause_after: int, pause_for: int
) -> None:
    clock = StageClock.start(CAL, start, duration)
    paused_at = start + timedelta(seconds=pause_after)
    resumed_at = paused_at + timedelta(seconds=pause_for)
    resumed = clock.pause(paused_at).resume(CAL, resumed_at)
    paused_time = CAL.elapsed(paused_at, resumed_at, duration.unit)
    assert resumed.paused_seconds == paused_time
    before, after = clock.deadline(CAL), resumed.deadline(CAL)
    assert before is not None and after is not None
    assert after >= before
    assert CAL.elapsed(before, after, duration.unit) == pytest.approx(paused_time, abs=1e-3)


def test_default_periods_are_the_city_default() -> None:
    assert [str(p) for p in DEFAULT_PERIODS] == ["08:30-12:00", "13:30-17:30"]


# --- the lean reading of many clocks ([10]: a map window reads 20,000) ---------------------------


def _located_by_the_wall_clock(calendar: WorkingCalendar, moment: datetime) -> tuple[int, int]:
    """(local year, working µs of it before `moment`) as the calendar placed a moment before [10]:
    through its local date in the zone."""
    us = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    day = moment.astimezone(calendar.tz).date()
    year = calendar._year(day.year)
    index = day.toordinal() - year.first.toordinal()
    worked = year.cum[index]
    for start, end in year.intervals[index]:
        if us <= start:
            break
        worked += min(us, end) - start
    return day.year, worked


# zones whose clocks jump at midnight (São Paulo until 2019, Santiago) or in the night (Berlin)
DST_CALENDARS = [
    WorkingCalendar(tz=zone, periods=[WorkPeriod.parse("00:00-02:30"), WorkPeriod.parse("08:30-17:30")])
    for zone in ("America/Sao_Paulo", "America/Santiago", "Europe/Berlin", "Asia/Shanghai")
]


@pytest.mark.parametrize("calendar", DST_CALENDARS, ids=lambda c: c.tz_name)
def test_every_local_midnight_of_a_year_with_jumps_is_placed_as_by_the_wall_clock(
    calendar: WorkingCalendar,
) -> None:
    day = date(2018, 1, 1)
    while day.year == 2018:
        midnight = datetime.combine(day, time(0), tzinfo=calendar.tz).astimezone(UTC)
        for step in (-1, 0, 1, 3600 * 10**6):
            moment = midnight + timedelta(microseconds=step)
            assert calendar._locate(moment) == _located_by_the_wall_clock(calendar, moment), moment
        day += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(
    calendar=st.sampled_from(DST_CALENDARS),
    moment=st.datetimes(
        min_value=datetime(2017, 12, 20), max_value=datetime(2019, 1, 10), timezones=st.just(UTC)
    ),
    near_midnight=st.booleans(),
)
def test_a_moment_is_placed_by_the_days_first_instants_as_by_the_wall_clock(
    calendar: WorkingCalendar, moment: datetime, near_midnight: bool
) -> None:
    if near_midnight:  # the edges: a local midnight and the microseconds around it
        local = moment.astimezone(calendar.tz)
        midnight = datetime.combine(local.date(), time(0), tzinfo=calendar.tz).astimezone(UTC)
        moment = midnight + timedelta(microseconds=moment.microsecond % 3 - 1)
    assert calendar._locate(moment) == _located_by_the_wall_clock(calendar, moment)
    assert calendar.local_date(moment) == moment.astimezone(calendar.tz).date()


@settings(max_examples=300, deadline=None)
@given(
    unit=st.sampled_from(list(TimeUnit)),
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(SH)
    ),
    budget=st.integers(min_value=0, max_value=40 * WORKDAY),
    paused_s=st.integers(min_value=0, max_value=3 * WORKDAY),
    paused_after=st.one_of(st.none(), st.integers(min_value=0, max_value=30 * 86400)),
    now_after=st.integers(min_value=-86400, max_value=60 * 86400),
)
def test_a_clock_face_reads_a_stored_clock_as_the_stage_clock_does(
    unit: TimeUnit, start: datetime, budget: int, paused_s: int, paused_after: int | None, now_after: int
) -> None:
    from gridcity.domain.clock import ClockFace

    since = None if paused_after is None else start + timedelta(seconds=paused_after)
    now = start + timedelta(seconds=now_after)
    clock = StageClock(
        started_at=start,
        unit=unit,
        budget_seconds=float(budget),
        paused_seconds=float(paused_s),
        paused_since=since,
    )
    # the rule before [10], from the calendar's own measure
    end = since if since is not None and since < now else now
    expected = max(0.0, CAL.elapsed(start, end, unit) - paused_s)
    face = ClockFace(CAL, now, 0.8)
    assert clock.elapsed(CAL, now) == expected
    assert face.elapsed(start.astimezone(UTC), unit.value, float(paused_s), since) == expected
    assert face.light(expected, float(budget)) is traffic_light(expected, float(budget), 0.8)
