"""The working calendar: read it, and (city admin) set the city's own days."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import CalendarConfirmed, CalendarDayOut, CalendarYear, answers, refusal, refusals
from gridcity.api.schemas import Day
from gridcity.services import calendar

router = APIRouter(tags=["calendar"])


class CalendarDayIn(BaseModel):
    is_workday: bool = Field(description="true: a working day (e.g. 调休 make-up day); false: a rest day")
    note: str = Field(default="", max_length=200)


@router.get("/calendar", response_model=Any, responses=answers(CalendarYear, 422))
def get_calendar(platform: PlatformDep, db: DbDep, year: int = Query(ge=2000, le=2100)) -> dict[str, Any]:
    """The city's own days of a year and whether the national holiday table knows that year."""
    return calendar.year_view(platform, db, year)


class ConfirmIn(BaseModel):
    year: int = Field(ge=2000, le=2100, description="a year the national holiday table does not know")


@router.post(
    "/calendar/confirm",
    response_model=Any,
    responses=answers(CalendarConfirmed, 401, 422)
    | refusal(403, "Only the city platform's admin sets the calendar."),
)
def confirm_year(platform: PlatformDep, db: DbDep, user: UserDep, body: ConfirmIn) -> dict[str, Any]:
    """Confirm the statutory holidays computed for a year the national table does not know: each
    becomes the city's own rest day (source `city`); days the city already set are kept."""
    days = calendar.confirm_computed(platform, db, user, body.year)
    return {"year": body.year, "confirmed": [d.isoformat() for d in days]}


@router.put(
    "/calendar/{day}",
    response_model=Any,
    responses=answers(CalendarDayOut, 401, 422)
    | refusal(403, "Only the city platform's admin sets the calendar."),
)
def put_day(platform: PlatformDep, db: DbDep, user: UserDep, day: Day, body: CalendarDayIn) -> dict[str, Any]:
    row = calendar.set_day(platform, db, user, day, body.is_workday, body.note)
    return {"day": row.day.isoformat(), "is_workday": row.is_workday, "note": row.note}


@router.delete(
    "/calendar/{day}",
    status_code=204,
    responses=refusals(401, 422)
    | refusal(403, "Only the city platform's admin sets the calendar.")
    | refusal(404, "The day has no setting of the city."),
)
def delete_day(platform: PlatformDep, db: DbDep, user: UserDep, day: Day) -> None:
    calendar.clear_day(platform, db, user, day)
