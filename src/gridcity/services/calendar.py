"""The city's working calendar: its own days (holidays, 调休 make-up days) over the national table."""

from __future__ import annotations

import calendar as _months
from datetime import date, timedelta
from typing import Any

import chinese_calendar
from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import CalendarDay
from gridcity.domain.clock import WorkingCalendar
from gridcity.domain.errors import Invalid, NotFound
from gridcity.domain.holidays import StatutoryHoliday, statutory_rest_days
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services.access import require_city_admin
from gridcity.services.platform import Platform


def set_day(
    platform: Platform, db: Session, user: Principal | None, day: date, is_workday: bool, note: str = ""
) -> CalendarDay:
    """Declare a day a working day or a rest day for the whole city (overrides the national table)."""
    require_city_admin(user, message("task.calendar"))
    with unit_of_work(db):
        row = db.get(CalendarDay, day)
        if row is None:
            row = CalendarDay(day=day, is_workday=is_workday, note=note)
            db.add(row)
        row.is_workday, row.note = is_workday, note[:200]
    platform.invalidate("calendar")
    return row


def clear_day(platform: Platform, db: Session, user: Principal | None, day: date) -> None:
    require_city_admin(user, message("task.calendar"))
    with unit_of_work(db):
        row = db.get(CalendarDay, day)
        if row is None:
            raise NotFound(message("calendar.no_setting", day=day))
        db.delete(row)
    platform.invalidate("calendar")


def confirm_computed(platform: Platform, db: Session, user: Principal | None, year: int) -> list[date]:
    """The city admin confirms the statutory holidays computed for a year the national table does
    not know (`domain.holidays`): each becomes the city's own rest day, named and marked confirmed,
    so the year's deadlines no longer rest on a computation nobody checked. A day the city already
    set is left as it is. The 调休 make-up days still come from the State Council's notice: the
    admin enters them one by one. Returns the days confirmed now."""
    require_city_admin(user, message("task.calendar"))
    if WorkingCalendar.national_table_knows(year):
        raise Invalid(message("calendar.nothing_to_confirm", year=year))
    computed = statutory_rest_days(year)
    if not computed:
        raise Invalid(message("calendar.no_rules", year=year))
    with unit_of_work(db):
        first, last = date(year, 1, 1), date(year, 12, 31)
        of_year = select(CalendarDay.day).where(CalendarDay.day >= first, CalendarDay.day <= last)
        own = set(db.scalars(of_year))
        confirmed = [day for day in sorted(computed) if day not in own]
        for day in confirmed:
            note = f"{computed[day].value}（法定节假日，已确认）"
            db.add(CalendarDay(day=day, is_workday=False, note=note))
    if confirmed:
        platform.invalidate("calendar")
    return confirmed


def year_view(platform: Platform, db: Session, year: int) -> dict[str, Any]:
    """The city's own days of a year, and a warning when deadlines in that year fall back to
    weekends plus these days because the national holiday table does not know the year yet."""
    rows = db.scalars(
        select(CalendarDay).where(extract("year", CalendarDay.day) == year).order_by(CalendarDay.day)
    ).all()
    known = WorkingCalendar.national_table_knows(year)
    days = _listed_days(year, {r.day: r for r in rows})
    unconfirmed = sum(1 for d in days if d["source"] == "computed")
    warning = None
    if not known and unconfirmed:
        warning = str(message("calendar.unconfirmed_year", year=year, count=unconfirmed))
    elif not known:
        warning = str(message("calendar.confirmed_year", year=year))
    return {
        "year": year,
        "national_table_known": known,
        "unconfirmed": unconfirmed,
        "warning": warning,
        "days": days,
        "work_periods": platform.settings.work_periods,
    }


def _listed_days(year: int, own: dict[date, CalendarDay]) -> list[dict[str, Any]]:
    """Every day of the year that is not an ordinary weekday or weekend day: the city's own days
    (source `city`, named by their note), and otherwise the national table's holidays and make-up
    days (`national`) or, for a year it does not know, the computed statutory holidays (`computed`)."""
    names = _holiday_names()
    listed = []
    day = date(year, 1, 1)
    while day.year == year:
        row = own.get(day)
        if row is not None:
            listed.append(
                {"day": day.isoformat(), "is_workday": row.is_workday, "name": row.note, "source": "city"}
            )
        else:
            national, holiday = national_day(day)
            if national in ("holiday", "makeup", "computed"):
                name = names.get(holiday, (holiday, holiday))[0] if holiday else ""
                source = "computed" if national == "computed" else "national"
                listed.append(
                    {
                        "day": day.isoformat(),
                        "is_workday": national == "makeup",
                        "name": name,
                        "source": source,
                    }
                )
        day += timedelta(days=1)
    return listed


def _holiday_names() -> dict[str, tuple[str, str]]:
    """A holiday's (Chinese, English) names by the key `national_day` gives it."""
    names = {h.value: (h.chinese, h.value) for h in chinese_calendar.Holiday}
    names.update({h.value: (h.value, h.english) for h in StatutoryHoliday})
    return names


def national_day(day: date) -> tuple[str, str | None]:
    """What the national table says of a day: ('holiday' | 'makeup' | 'weekend' | 'workday' |
    'computed' | 'unknown', the holiday's key or None). 'makeup' is a weekend day worked (调休);
    in a year the installed table does not know, 'computed' is a statutory holiday computed from the
    rules in force (`domain.holidays`, keyed by its Chinese name) and 'unknown' any other day
    (weekends rest, Monday–Friday work)."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        computed = statutory_rest_days(day.year).get(day)
        return ("computed", computed.value) if computed is not None else ("unknown", None)
    if workday:
        return ("makeup", name) if day.weekday() >= 5 else ("workday", None)
    if is_holiday and name:
        return "holiday", name
    return "weekend", None


def month_grid(platform: Platform, db: Session, year: int) -> list[dict[str, Any]]:
    """The year as twelve month grids (weeks from Monday) for the calendar page: each day with the
    national table's verdict, the city's own setting, and whether deadlines count it as working."""
    if not 2000 <= year <= 2100:
        raise Invalid(message("calendar.years"))
    overrides = {
        r.day: r
        for r in db.scalars(
            select(CalendarDay).where(
                CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
            )
        )
    }
    calendar = platform.calendar(db)
    names = _holiday_names()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in _months.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                national, holiday = national_day(day)
                own = overrides.get(day)
                row.append(
                    {
                        "day": day,
                        "national": national,
                        "holiday": names.get(holiday or "", (holiday, holiday)) if holiday else None,
                        "override": None if own is None else own.is_workday,
                        "note": own.note if own is not None else "",
                        "workday": calendar.is_workday(day),
                    }
                )
            weeks.append(row)
        months.append({"month": month, "weeks": weeks})
    return months


def next_unknown_year(today: date, horizon_days: int = 60) -> int | None:
    """A year the national table does not know that deadlines reach within `horizon_days`."""
    for year in sorted({today.year, (today + timedelta(days=horizon_days)).year}):
        if not WorkingCalendar.national_table_knows(year):
            return year
    return None
