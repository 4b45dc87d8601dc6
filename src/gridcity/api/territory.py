"""Territory, grids and classes: locate a point, read the class catalogue, list departments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from gridcity.api.deps import DbDep, PlatformDep, UserDep, require_roles
from gridcity.api.views import unit_ref
from gridcity.db.models import OrgUnit
from gridcity.domain.workflow import Role
from gridcity.services import classes

router = APIRouter(tags=["territory"])


@router.get("/locate")
def locate(
    platform: PlatformDep,
    db: DbDep,
    lon: float = Query(ge=-180, le=180, description="WGS84 longitude"),
    lat: float = Query(ge=-90, le=90, description="WGS84 latitude"),
) -> dict[str, Any]:
    """District, street, community and the grid of each of the three layers at a point (404 outside)."""
    state = platform.territory(db)
    place = state.locate(lon, lat)
    named = lambda code: {"code": code, "name": state.names.get(code)} if code else None  # noqa: E731
    return {
        "lon": lon,
        "lat": lat,
        "district": named(place.district_code),
        "street": named(place.street_code),
        "community": named(place.community_code),
        "grids": place.grids,
    }


@router.get("/classes")
def list_classes(
    platform: PlatformDep,
    db: DbDep,
    standard: str | None = None,
    network: str | None = None,
    kind: str | None = Query(default=None, description="component | event"),
    q: str | None = Query(default=None, max_length=50, description="search in code and name"),
) -> dict[str, Any]:
    """The class catalogue with each class's network, owner, criteria and time limits."""
    book = platform.catalogue(db)
    items = book.search(standard=standard, network=network, kind=kind, text=q)
    return {"total": len(items), "items": [classes.public_view(c) for c in items]}


@router.get("/classes/{standard_or_code}")
def get_class(
    platform: PlatformDep, db: DbDep, standard_or_code: str, standard: str | None = None
) -> dict[str, Any]:
    return classes.public_view(platform.catalogue(db).find(standard_or_code, standard))


@router.patch("/classes/{code}", dependencies=[require_roles(Role.ADMIN)])
def patch_class(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    code: str,
    patch: dict[str, Any],
    standard: str | None = None,
) -> dict[str, Any]:
    """Edit a class (admin): e.g. {"limits": {"dispose": "3 work_hours"}, "owner_department": "BJ-SW"}."""
    return classes.public_view(classes.patch_class(platform, db, user, code, standard, patch))


@router.get("/org-units")
def org_units(
    db: DbDep,
    user: UserDep,
    kind: str | None = Query(default=None, description="city|district|street|community|department"),
    parent_code: str | None = None,
    q: str | None = Query(default=None, max_length=50),
    limit: int = Query(default=200, ge=1, le=2000),
) -> dict[str, Any]:
    """Organisation units, e.g. the departments a dispatcher can choose."""
    stmt = select(OrgUnit).order_by(OrgUnit.code).limit(limit)
    if kind:
        stmt = stmt.where(OrgUnit.kind == kind)
    if parent_code:
        parent = select(OrgUnit.id).where(OrgUnit.code == parent_code).scalar_subquery()
        stmt = stmt.where(OrgUnit.parent_id == parent)
    if q:
        stmt = stmt.where(OrgUnit.name.contains(q) | OrgUnit.code.contains(q))
    return {"items": [unit_ref(u) for u in db.scalars(stmt)]}
