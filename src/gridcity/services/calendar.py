"""The city's working calendar: its own days (holidays, 调休 make-up days) over the national table."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from gridcity.db.engine import transaction
from gridcity.db.models import CalendarDay
from gridcity.domain.clock import WorkingCalendar
from gridcity.domain.errors import Forbidden, NotFound
from gridcity.domain.workflow import Role
from gridcity.services.platform import Platform


def _require_city_admin(user: Any | None) -> None:
    """`user` None is the command line, run by whoever runs the installation."""
    if user is not None and (user.role != Role.ADMIN or user.org_unit.kind != "city"):
        raise Forbidden("the working calendar is set by an admin of the city platform")


def set_day(
    platform: Platform, db: Session, user: Any, day: date, is_workday: bool, note: str = ""
) -> CalendarDay:
    """Declare a day a working day or a rest day for the whole city (overrides the national table)."""
    _require_city_admin(user)
    with transaction(db):
        row = db.get(CalendarDay, day)
        if row is None:
            row = CalendarDay(day=day, is_workday=is_workday, note=note)
            db.add(row)
        row.is_workday, row.note = is_workday, note[:200]
    platform.invalidate("calendar")
    return row


def clear_day(platform: Platform, db: Session, user: Any | None, day: date) -> None:
    _require_city_admin(user)
    with transaction(db):
        row = db.get(CalendarDay, day)
        if row is None:
            raise NotFound(f"{day} has no city setting")
        db.delete(row)
    platform.invalidate("calendar")


def year_view(platform: Platform, db: Session, year: int) -> dict[str, Any]:
    """The city's own days of a year, and a warning when deadlines in that year fall back to
    weekends plus these days because the national holiday table does not know the year yet."""
    rows = db.scalars(
        select(CalendarDay).where(extract("year", CalendarDay.day) == year).order_by(CalendarDay.day)
    ).all()
    known = WorkingCalendar.national_table_knows(year)
    warning = None
    if not known:
        warning = (
            f"the national holiday table does not know {year} yet: deadlines that year count Monday to "
            f"Friday plus the city's own days below; enter {year}'s public holidays and make-up working days"
        )
    return {
        "year": year,
        "national_table_known": known,
        "warning": warning,
        "days": [{"day": r.day.isoformat(), "is_workday": r.is_workday, "note": r.note} for r in rows],
        "work_periods": platform.settings.work_periods,
    }
