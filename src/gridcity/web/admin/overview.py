"""The admin pages (系统管理): an admin of the city, a district or a street manages territory and
grids, the class catalogue, the working calendar, departments and users — each within the area of
their own platform unit (the services refuse anything outside it, so hiding a link is never the
only guard). This module holds the overview; the sections live beside it in this package."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from gridcity.db.models import CalendarDay, OrgUnit, User
from gridcity.services import calendar, departments, territory
from gridcity.web.admin import calendar as admin_calendar
from gridcity.web.admin import classes as admin_classes
from gridcity.web.admin import integrations as admin_integrations
from gridcity.web.admin import open311 as admin_open311
from gridcity.web.admin import people as admin_people
from gridcity.web.admin import retention as admin_retention
from gridcity.web.admin import supervisors as admin_supervisors
from gridcity.web.admin import territory as admin_territory
from gridcity.web.admin.common import admin_scope, scope_name, words
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)
for _section in (
    admin_territory,
    admin_supervisors,
    admin_classes,
    admin_calendar,
    admin_people,
    admin_open311,
    admin_integrations,
    admin_retention,
):
    router.include_router(_section.router)


@router.get("/admin")
def overview(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    """Counts of everything the admin manages, each linking to its section."""
    scope = admin_scope(user)
    today = platform.now().astimezone(platform.calendar().tz).date()
    with platform.sessions() as db:
        in_tier = OrgUnit.scope_code.startswith(scope)
        user_counts = dict(
            db.execute(
                select(User.active, func.count())
                .join(OrgUnit, User.org_unit_id == OrgUnit.id)
                .where(in_tier)
                .group_by(User.active)
            ).all()
        )
        department_count = len(departments.departments_in_tier(db, user))
        grids = territory.grid_counts(db, scope)
        book = platform.catalogue(db)
        classes = list(book.catalogue)
        with_area_owner = sum(
            1 for c in classes if any(str(area).startswith(scope) for area in c.owner_by_area)
        )
        days = {
            year: db.scalar(
                select(func.count()).where(
                    CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
                )
            )
            or 0
            for year in (today.year, today.year + 1)
        }
        unknown = calendar.next_unknown_year(today)
        warning = calendar.year_view(platform, db, unknown)["warning"] if unknown else None
    return render(
        request,
        "admin/overview.html",
        user=user,
        section="overview",
        area=scope_name(user, words(request)),
        users_active=user_counts.get(True, 0),
        users_total=sum(user_counts.values()),
        department_count=department_count,
        grids=grids,
        class_count=len(classes),
        with_area_owner=with_area_owner,
        days=days,
        warning=warning,
        unknown_year=unknown,
    )
