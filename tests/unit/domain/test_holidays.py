"""Statutory holidays computed from the rules in force (domain.holidays) for the years the national
table does not know: checked against the national table for the years it knows, and by hand."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from gridcity.domain.clock import WorkingCalendar
from gridcity.domain.holidays import StatutoryHoliday, statutory_rest_days


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_computed_day_is_a_holiday_of_the_national_table(year: int) -> None:
    computed = statutory_rest_days(year)
    assert len(computed) == 13  # 元旦 1, 春节 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3
    for day, holiday in computed.items():
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        assert is_holiday and not chinese_calendar.is_workday(day), (day, holiday)
        assert name is not None


def test_the_national_tables_named_days_are_the_computed_ones_or_their_bridges() -> None:
    # Every holiday of 2026's notice is a computed day or joins one (调休 bridges, a weekend between).
    computed = statutory_rest_days(2026)
    day = date(2026, 1, 1)
    while day.year == 2026:
        _holiday, name = chinese_calendar.get_holiday_detail(day)
        if name is not None and not chinese_calendar.is_workday(day):
            near = {day + timedelta(days=k) for k in range(-6, 7)}
            assert near & set(computed), day
        day += timedelta(days=1)


def test_2027_and_2028_by_hand() -> None:
    days_2027 = statutory_rest_days(2027)
    assert days_2027[date(2027, 1, 1)] is StatutoryHoliday.NEW_YEAR
    assert [d for d, h in days_2027.items() if h is StatutoryHoliday.SPRING_FESTIVAL] == [
        date(2027, 2, 5),  # 除夕
        date(2027, 2, 6),  # 正月初一
        date(2027, 2, 7),
        date(2027, 2, 8),
    ]
    assert days_2027[date(2027, 4, 5)] is StatutoryHoliday.TOMB_SWEEPING
    assert days_2027[date(2027, 6, 9)] is StatutoryHoliday.DRAGON_BOAT
    assert days_2027[date(2027, 9, 15)] is StatutoryHoliday.MID_AUTUMN
    days_2028 = statutory_rest_days(2028)
    assert days_2028[date(2028, 1, 26)] is StatutoryHoliday.SPRING_FESTIVAL
    assert days_2028[date(2028, 10, 3)] is StatutoryHoliday.NATIONAL_DAY  # 中秋 shares it
    assert StatutoryHoliday.MID_AUTUMN not in days_2028.values() and len(days_2028) == 12


def test_the_working_calendar_rests_on_computed_days_of_unknown_years() -> None:
    cal = WorkingCalendar()
    assert not cal.is_workday(date(2027, 1, 1))  # a Friday
    assert not cal.is_workday(date(2028, 1, 26))  # a Wednesday, 正月初一
    assert cal.is_workday(date(2028, 1, 24))  # the Monday before 除夕
    assert cal.unknown_years == {2027, 2028}
    city = WorkingCalendar(overrides={date(2027, 1, 1): True})  # the city's own word wins
    assert city.is_workday(date(2027, 1, 1))


def test_the_rules_reach_no_year_before_they_came_into_force_and_every_year_after() -> None:
    assert statutory_rest_days(2003) == {}  # 2003 had other rules (and the table does not know it)
    assert not WorkingCalendar().is_workday(date(2003, 1, 4))  # a Saturday: weekends still rest
    assert WorkingCalendar().is_workday(date(2003, 1, 1))  # Monday–Friday, as before
    days_2100 = statutory_rest_days(2100)  # the API shows years up to 2100
    assert len(days_2100) == 13 and days_2100[date(2100, 2, 9)] is StatutoryHoliday.SPRING_FESTIVAL
