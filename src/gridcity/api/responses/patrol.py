"""Supervisors' grids and patrols (责任网格、巡查), for the OpenAPI document: see `api.responses`.
Built by `services.supervisor_grids` and `services.patrol`."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from gridcity.api.responses import Shape, sometimes


class SupervisorRef(Shape):
    id: int
    username: str = sometimes("the supervisor's sign-in name")
    name: str


class GridHolding(Shape):
    grid_code: str = Field(description="the unit grid (单元网格)")
    supervisor: SupervisorRef
    unit: str = Field(description="the supervisor's organisation unit")
    since: datetime


class GridHoldings(Shape):
    items: list[GridHolding]
    total: int


class MovedGrid(Shape):
    grid_code: str
    from_: str = Field(alias="from", description="the supervisor who held it before (username)")


class GridsAssigned(Shape):
    username: str
    added: list[str] = Field(description="grids the supervisor did not hold before")
    moved: list[MovedGrid] = Field(description="grids taken from another supervisor")
    unchanged: list[str] = Field(description="grids the supervisor held already")


class GridsEnded(Shape):
    ended: list[str]


class DutyOut(Shape):
    on_duty: bool
    since: datetime | None = Field(description="when the open duty began")


class MyGrids(Shape):
    items: list[str] = Field(description="the unit grids the caller holds")
    visited_today: list[str] = Field(description="those of them visited today (local day)")
    duty: DutyOut


class PointsRecorded(Shape):
    stored: int
    duplicates: int = Field(description="points stored before (same instant): a retried batch")
    off_duty: int = Field(description="points taken while off duty: not stored")
    grids: list[str] = Field(description="the unit grids the stored points fell in")


class PatrolledGridOut(Shape):
    grid_code: str
    supervisor: SupervisorRef
    first_at: datetime
    assigned: bool = Field(description="the grid is one of this supervisor's own")


class PatrolledToday(Shape):
    day: str
    items: list[PatrolledGridOut]


class Pruned(Shape):
    deleted: int
