"""Supervisors' responsibility grids (责任网格) and patrols (巡查): admins assign unit grids to
supervisors; a supervisor reads their own, goes on and off duty and sends the GPS track in batches;
the platform staff read the grids patrolled today. docs/domain/supervision.md §责任网格."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import answers
from gridcity.api.responses.patrol import (
    DutyOut,
    GridHoldings,
    GridsAssigned,
    GridsEnded,
    MyGrids,
    PatrolledToday,
    PointsRecorded,
)
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services import patrol, supervisor_grids

router = APIRouter(tags=["supervision"])

GridCode = Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[0-9A-Za-z]+$")]


class Assignment(BaseModel):
    username: str = Field(max_length=80, description="the supervisor (监督员)")
    grid_codes: list[GridCode] = Field(
        min_length=1, max_length=supervisor_grids.MAX_GRIDS_PER_CALL, description="unit grid codes"
    )


@router.get("/supervisor-grids", response_model=Any, responses=answers(GridHoldings, 401, 403, 422))
def list_grids(
    db: DbDep,
    user: UserDep,
    username: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """The current assignments of unit grids to supervisors in the admin's area (admins), by grid."""
    items, total = supervisor_grids.list_for(db, user, username, limit, offset)
    return {"items": [h.view() for h in items], "total": total}


@router.post("/supervisor-grids", response_model=Any, responses=answers(GridsAssigned, 401, 403, 404, 422))
def assign(platform: PlatformDep, db: DbDep, user: UserDep, body: Assignment) -> dict[str, Any]:
    """Give unit grids to a supervisor (admins; everything or nothing). A grid another supervisor
    holds moves (their assignment ends now); a grid outside the supervisor's organisation unit's
    territory, or outside the admin's area, is refused with the codes named."""
    return supervisor_grids.assign(platform, db, user, body.username, body.grid_codes).view()


@router.delete(
    "/supervisor-grids/{grid_code}", response_model=Any, responses=answers(GridsEnded, 401, 403, 404, 422)
)
def unassign(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    grid_code: Annotated[str, Path(max_length=24, pattern=r"^[0-9A-Za-z]+$")],
) -> dict[str, Any]:
    """End the assignment of a unit grid (admins); 404 when nobody holds it."""
    ended = supervisor_grids.unassign(platform, db, user, [grid_code])
    if not ended:
        raise NotFound(message("patrol.grid_unassigned", grid=grid_code))
    return {"ended": ended}


def _supervisor(user: Principal) -> None:
    if user.role != Role.SUPERVISOR:
        raise Forbidden(message("patrol.for_supervisors"))


@router.get("/me/grids", response_model=Any, responses=answers(MyGrids, 401, 403))
def my_grids(platform: PlatformDep, db: DbDep, user: UserDep) -> dict[str, Any]:
    """The unit grids the calling supervisor holds, those visited today, and their duty."""
    _supervisor(user)
    held = supervisor_grids.grids_of(db, user.id)
    day = patrol.today(platform, db)
    visited = {v.grid_code for v in patrol.patrolled_on(platform, db, day) if v.user_id == user.id}
    return {
        "items": held,
        "visited_today": [g for g in held if g in visited],
        "duty": patrol.duty_view(patrol.open_duty(db, user.id)),
    }


class Duty(BaseModel):
    on_duty: bool


@router.get("/patrol/duty", response_model=Any, responses=answers(DutyOut, 401, 403))
def duty(db: DbDep, user: UserDep) -> dict[str, Any]:
    """Whether the calling supervisor is on duty (在岗), and since when."""
    _supervisor(user)
    return patrol.duty_view(patrol.open_duty(db, user.id))


@router.put("/patrol/duty", response_model=Any, responses=answers(DutyOut, 401, 403, 422))
def set_duty(platform: PlatformDep, db: DbDep, user: UserDep, body: Duty) -> dict[str, Any]:
    """Go on duty or off duty (supervisors). Going on duty twice keeps the first start."""
    return patrol.duty_view(patrol.set_duty(platform, db, user, body.on_duty))


class Point(BaseModel):
    at: AwareDatetime = Field(description="when the phone took the position (with its offset)")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class Batch(BaseModel):
    points: list[Point] = Field(min_length=1, max_length=patrol.MAX_BATCH)


@router.post("/patrol/points", response_model=Any, responses=answers(PointsRecorded, 401, 403, 422))
def points(platform: PlatformDep, db: DbDep, user: UserDep, body: Batch) -> dict[str, Any]:
    """A batch of the calling supervisor's GPS points (at most 500): refused whole when a point is
    in the future or older than the retention; points taken off duty are skipped, points sent
    before are stored once."""
    batch = [patrol.PointIn(p.at, p.lon, p.lat, p.accuracy_m) for p in body.points]
    return patrol.record_points(platform, db, user, batch).view()


PATROL_READERS = (Role.ADMIN, Role.LEADER, Role.SHIFT_LEADER, Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR)


@router.get("/patrols", response_model=Any, responses=answers(PatrolledToday, 401, 403, 422))
def patrolled(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    day: Annotated[date | None, Query(description="local day; default today")] = None,
) -> dict[str, Any]:
    """The unit grids patrolled on a day in the caller's area (platform staff)."""
    if user.role not in PATROL_READERS or user.org_unit.kind == "department":
        raise Forbidden(message("page.staff_only"))
    if day is not None and not 1970 <= day.year <= 2100:
        raise Invalid(message("patrol.day_range"), key="day")
    chosen = day or patrol.today(platform, db)
    visited = patrol.patrolled_on(platform, db, chosen, str(user.org_unit.scope_code or ""))
    return {"day": chosen.isoformat(), "items": [_visit_view(v) for v in visited]}


def _visit_view(v: patrol.PatrolledGrid) -> dict[str, Any]:
    return {
        "grid_code": v.grid_code,
        "supervisor": {"id": v.user_id, "name": v.display_name},
        "first_at": v.first_at.astimezone(UTC),
        "assigned": v.assigned,
    }
