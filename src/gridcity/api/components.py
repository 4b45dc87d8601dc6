"""The component registry (管理部件) over HTTP: components of a map window (paged, or as GeoJSON for
the map), the nearest components of a class around a point, one component with its history and
the cases about it, and an admin's change of one component."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import (
    ComponentDetail,
    ComponentFeatures,
    ComponentList,
    NearestComponents,
    answers,
    refusal,
)
from gridcity.api.views import FastJSON, case_summary, split_values
from gridcity.domain.components import DEFAULT_LINK_RADIUS_M, MAX_SEARCH_RADIUS_M, parse_state
from gridcity.domain.territory import parse_bbox
from gridcity.services.components import records as components

router = APIRouter(prefix="/components", tags=["components"])

MAX_MAP_FEATURES = components.MAX_PAGE_SIZE - 1


def _states(values: list[str] | None) -> list[str]:
    return [parse_state(v).value for v in split_values(values)]


@router.get("", response_model=None, responses=answers(ComponentList, 401, 422))
def list_components(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    bbox: str = Query(description="min_lon,min_lat,max_lon,max_lat"),
    class_code: Annotated[list[str] | None, Query()] = None,
    state: Annotated[
        list[str] | None, Query(description="完好|破损|丢失|废弃|移除 or intact|damaged|…")
    ] = None,
    page: int = Query(default=1, ge=1, le=1_000_000),
    page_size: int = Query(default=100, ge=1, le=components.MAX_PAGE_SIZE),
) -> FastJSON:
    """The current components in a map window, a page at a time (ordered by position)."""
    rows, total = components.in_window(
        db, parse_bbox(bbox), split_values(class_code), _states(state), page, page_size
    )
    catalogue = platform.catalogue(db)
    return FastJSON(
        {
            "total": total,
            "page": page,
            "page_size": page_size,
            "items": [components.summary(r, catalogue) for r in rows],
        }
    )


@router.get(".geojson", response_model=None, responses=answers(ComponentFeatures, 401, 422))
def components_geojson(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    bbox: str = Query(description="min_lon,min_lat,max_lon,max_lat"),
    class_code: Annotated[list[str] | None, Query()] = None,
    state: Annotated[list[str] | None, Query()] = None,
    limit: int = Query(default=2000, ge=1, le=MAX_MAP_FEATURES),
) -> FastJSON:
    """The map layer: at most `limit` components of the window as GeoJSON points; `truncated` says
    there are more (the map asks the reader to zoom in instead of loading them all)."""
    rows, _ = components.in_window(
        db, parse_bbox(bbox), split_values(class_code), _states(state), 1, limit + 1, count=False
    )
    catalogue = platform.catalogue(db)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": components.summary(r, catalogue),
        }
        for r in rows[:limit]
    ]
    return FastJSON({"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit})


@router.get("/nearest", response_model=None, responses=answers(NearestComponents, 401, 422))
def nearest_components(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    lon: float = Query(ge=-180, le=180),
    lat: float = Query(ge=-90, le=90),
    class_code: Annotated[list[str] | None, Query()] = None,
    radius: float = Query(default=DEFAULT_LINK_RADIUS_M, gt=0, le=MAX_SEARCH_RADIUS_M, description="metres"),
    limit: int = Query(default=10, ge=1, le=100),
) -> FastJSON:
    """Components in service within `radius` metres of the point, nearest first, with the distance."""
    found = components.nearest(db, lon, lat, split_values(class_code) or None, radius, limit)
    catalogue = platform.catalogue(db)
    return FastJSON({"items": [components.summary(n, catalogue) for n in found]})


@router.get("/{code}", response_model=None, responses=answers(ComponentDetail, 401, 404, 422))
def get_component(platform: PlatformDep, db: DbDep, user: UserDep, code: str) -> FastJSON:
    """A component: its current version, every version (history) and the newest cases about it
    that the caller may see."""
    record = components.get_component(db, user, code)  # type: ignore[arg-type]
    out = components.detail(record, platform.catalogue(db))
    out["cases"] = [case_summary(platform, db, c) for c in record.cases]
    return FastJSON(out)


@router.patch(
    "/{code}",
    response_model=None,
    responses=answers(ComponentDetail, 401, 404, 422)
    | refusal(403, "Components are changed by platform admins, within their area."),
)
def change_component(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    code: str,
    changes: Annotated[dict[str, Any], Body(examples=[{"state": "破损", "note": "井盖破损待更换"}])],
) -> FastJSON:
    """A platform admin's change of one component (state, name, note, maintainer): a new version."""
    components.change_component(platform, db, user, code, changes)  # type: ignore[arg-type]
    record = components.get_component(db, user, code)  # type: ignore[arg-type]
    return FastJSON(components.detail(record, platform.catalogue(db)))
