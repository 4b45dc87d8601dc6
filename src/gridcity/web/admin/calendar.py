"""The working calendar (工作日历): a year as month grids — national holidays, make-up working days
(调休), weekends and the city's own days — and, for the city platform's admin, forms to set a day
as a rest or working day with its reason, or clear it. The calendar is one for the whole city
(deadlines everywhere count on it), so only the city admin changes it (services.calendar)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services import calendar
from gridcity.services.platform import Platform
from gridcity.web.admin.common import admin_scope, page_or_error, read_form, scope_name, text, words
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    year: int,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    scope = admin_scope(user)
    view = calendar.year_view(platform, db, year)
    months = calendar.month_grid(platform, db, year)
    own = []
    for d in view["days"]:
        if d["source"] != "city":
            continue
        day = date.fromisoformat(d["day"])
        national, _name = calendar.national_day(day)
        own.append({**d, "note": d["name"], "date": day, "national": national})
    return render(
        request,
        "admin/calendar.html",
        status_code=status_code,
        user=user,
        section="calendar",
        area=scope_name(user, words(request)),
        year=year,
        view=view,
        months=months,
        own=own,
        may_change=not scope,
        form=form or {},
        error=error,
        notice=notice,
    )


def _year(value: str | int | None, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        year = int(str(value))
    except ValueError:
        raise Invalid(message("calendar.not_a_year", value=value)) from None
    if not 2000 <= year <= 2100:
        raise Invalid(message("calendar.year_range"))
    return year


@router.get("/admin/calendar")
def calendar_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    year: Annotated[str, Query(max_length=6)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    admin_scope(user)
    shown = _year(year, _this_year(platform))
    notice = f"{words(request)('admin.saved')}: {done}" if done else None
    with platform.sessions() as db:
        return _page(request, platform, db, user, shown, notice=notice)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(message("calendar.not_a_date", value=value)) from None


def _year_of(platform: Platform, day: str) -> int:
    """The year to show after a refused form: the day's, or this year."""
    try:
        year = _day(day).year
    except Invalid:
        year = 0
    return year if 2000 <= year <= 2100 else _this_year(platform)


def _this_year(platform: Platform) -> int:
    """The city's current year (the page's default)."""
    return platform.now().astimezone(platform.calendar().tz).year


@router.post("/admin/calendar/days")
async def set_day(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Set a day as a rest day or a working day for the whole city, with the reason."""
    admin_scope(user)
    form = await read_form(request)
    submitted = {k: str(form.get(k) or "") for k in ("day", "kind", "note")}

    def work(db: Session) -> Response:
        day = _day(text(form, "day", required=message("calendar.day_needed")))
        kind = text(form, "kind")
        if kind not in ("rest", "work"):
            raise Invalid(message("calendar.day_kind"))
        note = text(form, "note", required=message("calendar.reason_needed"), max_length=200)
        if not 2000 <= day.year <= 2100:
            raise Invalid(message("calendar.year_range"))
        calendar.set_day(platform, db, user, day, kind == "work", note)
        return RedirectResponse(f"/admin/calendar?year={day.year}&done={day.isoformat()}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _page(
            request,
            platform,
            db,
            user,
            _year_of(platform, submitted["day"]),
            status_code=exc.status_code,
            error=exc.message,
            form=submitted,
        )

    return await platform.run_write(page_or_error(platform, work, failed))


@router.post("/admin/calendar/days/clear")
async def clear_day(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Remove the city's own setting of a day: the national table (or the weekend) applies again."""
    admin_scope(user)
    form = await read_form(request)
    raw = str(form.get("day") or "")

    def work(db: Session) -> Response:
        day = _day(raw)
        calendar.clear_day(platform, db, user, day)
        return RedirectResponse(f"/admin/calendar?year={day.year}&done={day.isoformat()}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        year = _year_of(platform, raw)
        return _page(request, platform, db, user, year, status_code=exc.status_code, error=exc.message)

    return await platform.run_write(page_or_error(platform, work, failed))


@router.post("/admin/calendar/confirm")
async def confirm_computed(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Confirm a year's computed statutory holidays as the city's own rest days."""
    admin_scope(user)
    form = await read_form(request)
    raw = str(form.get("year") or "")

    def work(db: Session) -> Response:
        year = _year(raw, 0)
        days = calendar.confirm_computed(platform, db, user, year)
        done = f"{words(request)('admin.confirmed')} {len(days)}"
        return RedirectResponse(f"/admin/calendar?year={year}&done={quote(done)}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        try:
            year = _year(raw, _this_year(platform))
        except Invalid:
            year = _this_year(platform)
        return _page(request, platform, db, user, year, status_code=exc.status_code, error=exc.message)

    return await platform.run_write(page_or_error(platform, work, failed))
