"""Territory, grids and classes: locate a point, read the class catalogue, list departments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from gridcity.api.deps import DbDep, PlatformDep, UserDep, require_roles
from gridcity.api.responses import (
    BoundaryFeatures,
    ClassList,
    ClassOut,
    GridDetail,
    GridFeatures,
    Located,
    UnitList,
    answers,
    refusal,
)
from gridcity.api.views import FastJSON, unit_ref
from gridcity.db.models import OrgUnit
from gridcity.domain.territory import parse_bbox
from gridcity.domain.workflow import Role
from gridcity.services import classes, territory

router = APIRouter(tags=["territory"])


@router.get(
    "/locate",
    response_model=Any,
    responses=answers(Located, 422) | refusal(404, "The point lies outside the city's territory."),
)
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


@router.get("/classes", response_model=Any, responses=answers(ClassList, 422))
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


@router.get(
    "/classes/{standard_or_code}",
    response_model=Any,
    responses=answers(ClassOut, 404)
    | refusal(422, "The code names classes of several standards: give `standard`."),
)
def get_class(
    platform: PlatformDep, db: DbDep, standard_or_code: str, standard: str | None = None
) -> dict[str, Any]:
    return classes.public_view(platform.catalogue(db).find(standard_or_code, standard))


@router.patch(
    "/classes/{code}",
    dependencies=[require_roles(Role.ADMIN)],
    response_model=Any,
    responses=answers(ClassOut, 401, 404, 422)
    | refusal(403, "Admins only; an admin below the city sets only the owner within their own area."),
)
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


@router.get("/org-units", response_model=Any, responses=answers(UnitList, 401, 422))
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


@router.get("/grids", response_model=None, responses=answers(GridFeatures, 422))
def grids_geojson(
    db: DbDep,
    layer: str = Query(default="city_management", description="|".join(territory.LAYERS)),
    bbox: str = Query(description="min_lon,min_lat,max_lon,max_lat (WGS84)"),
) -> FastJSON:
    """The current grids of a layer in a map window, as a GeoJSON FeatureCollection."""
    grids, truncated = territory.grids_in_window(db, layer, parse_bbox(bbox))
    return FastJSON({**territory.grids_feature_collection(grids), "truncated": truncated})


@router.get(
    "/grids/{layer}/{code}",
    response_model=Any,
    responses=answers(GridDetail, 422) | refusal(404, "No current grid of that code in the layer."),
)
def grid_detail(db: DbDep, layer: str, code: str) -> dict[str, Any]:
    """One current grid and the grids of the other two networks it overlaps, with the overlap in m²."""
    grid, overlaps = territory.grid_with_overlaps(db, layer, code)
    area = grid.area_m2 or 1.0
    return {
        **territory.grid_properties(grid),
        "overlaps": [
            {"layer": g.layer, "code": g.code, "overlap_m2": round(m2, 1), "share": round(m2 / area, 4)}
            for g, m2 in overlaps
        ],
    }


@router.get("/boundaries", response_model=None, responses=answers(BoundaryFeatures, 422))
def boundaries(
    db: DbDep,
    level: str = Query(default="street", description="district | street | community"),
    parent: str | None = Query(default=None, max_length=12, description="only units under this code"),
) -> FastJSON:
    """Outlines of districts, streets or communities for a map, as GeoJSON."""
    return FastJSON(territory.boundaries(db, level, parent))
