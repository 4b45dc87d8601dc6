"""China's statutory public holidays (法定节假日) of any year, computed from the rules in force, for the
years the national table (`chinese_calendar`, which follows each year's State Council notice) does not
know yet.

The rules: 《全国年节及纪念日放假办法》 as amended by State Council Decree No. 790 (2024-11-10, in
force from 2025): 元旦 1 January; 春节 from 除夕 (the last day of the lunar year) to 正月初三, four
days; 清明节 the day of the solar term 清明; 劳动节 1 and 2 May; 端午节 the 5th of the 5th lunar
month; 中秋节 the 15th of the 8th lunar month; 国庆节 1 to 3 October. Thirteen days in all.

What only the year's notice brings — the 调休 that joins a holiday to a weekend, with the weekend
days worked in exchange — is not computed: the city admin enters those days when the notice comes
(docs/domain/clocks.md). Lunar dates and solar terms come from `lunar_python` (6tail's lunar).

Pure domain code: stdlib and `lunar_python` only."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from lunar_python import Lunar


class StatutoryHoliday(StrEnum):
    NEW_YEAR = "元旦"
    SPRING_FESTIVAL = "春节"
    TOMB_SWEEPING = "清明节"
    LABOUR_DAY = "劳动节"
    DRAGON_BOAT = "端午节"
    MID_AUTUMN = "中秋节"
    NATIONAL_DAY = "国庆节"

    @property
    def english(self) -> str:
        return _ENGLISH[self]


_ENGLISH = {
    StatutoryHoliday.NEW_YEAR: "New Year's Day",
    StatutoryHoliday.SPRING_FESTIVAL: "Spring Festival",
    StatutoryHoliday.TOMB_SWEEPING: "Tomb-sweeping Day",
    StatutoryHoliday.LABOUR_DAY: "Labour Day",
    StatutoryHoliday.DRAGON_BOAT: "Dragon Boat Festival",
    StatutoryHoliday.MID_AUTUMN: "Mid-autumn Festival",
    StatutoryHoliday.NATIONAL_DAY: "National Day",
}


def _solar(lunar: Lunar) -> date:
    solar = lunar.getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


RULES_IN_FORCE_FROM = 2025  # Decree No. 790; earlier years had other rules (and the national table)


@cache
def statutory_rest_days(year: int) -> dict[date, StatutoryHoliday]:
    """The statutory holidays of a Gregorian year, day by day (a day two holidays share, such as a
    中秋 on 1 October, is named by the first). None for a year before the rules came into force:
    what they say does not reach back (lunar_python computes the calendar for any year)."""
    if year < RULES_IN_FORCE_FROM:
        return {}
    days: dict[date, StatutoryHoliday] = {}

    def add(day: date, holiday: StatutoryHoliday) -> None:
        if day.year == year:
            days.setdefault(day, holiday)

    add(date(year, 1, 1), StatutoryHoliday.NEW_YEAR)
    new_year = _solar(Lunar.fromYmd(year, 1, 1))  # 正月初一 of the lunar year starting in `year`
    for offset in range(-1, 3):  # 除夕 to 初三
        add(new_year + timedelta(days=offset), StatutoryHoliday.SPRING_FESTIVAL)
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    add(date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), StatutoryHoliday.TOMB_SWEEPING)
    add(date(year, 5, 1), StatutoryHoliday.LABOUR_DAY)
    add(date(year, 5, 2), StatutoryHoliday.LABOUR_DAY)
    add(_solar(Lunar.fromYmd(year, 5, 5)), StatutoryHoliday.DRAGON_BOAT)
    for day in (1, 2, 3):
        add(date(year, 10, day), StatutoryHoliday.NATIONAL_DAY)
    add(_solar(Lunar.fromYmd(year, 8, 15)), StatutoryHoliday.MID_AUTUMN)
    return dict(sorted(days.items()))
