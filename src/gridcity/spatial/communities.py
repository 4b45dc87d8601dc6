"""Community (社区) polygons derived from community centre points.

Public data gives streets as polygons but communities only as centre points (and not all of
them). A community's area is approximated by the Voronoi cell of its centre clipped to its
street: every spot in the street goes to the nearest community centre, so the cells tile the
street exactly and the street stays the authority for the outer boundary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from gridcity.domain.territory import synthetic_community_code, validate_community_code
from gridcity.spatial.crs import from_metric, gcj02_to_wgs84, metric_epsg, project_points, to_metric
from gridcity.spatial.geojson import polygonal_part

INSET_M = 5.0
"""A centre outside its street is moved to the nearest point at least this far inside it.

Centres land outside their street through GCJ-02 offsets or geocoding slop. Moving them in
(rather than dropping them) keeps every listed community on the map; the inset keeps the seed
off the boundary so its cell cannot collapse to a sliver along the street edge."""

DUPLICATE_M = 1.0
"""Centres closer than this are treated as the same point (several communities geocoded to one
office building). Each is then nudged onto a small circle around the shared spot, in code order,
so each still gets its own cell: the area around the shared spot is split between them in
wedges, which is the fairest reading of 'these communities are all here'. Merging them instead
would leave all but one community without any territory."""

NUDGE_M = 3.0


def derive_community_cells(
    street_polygon: BaseGeometry, centres: Mapping[str, Point]
) -> dict[str, BaseGeometry]:
    """Voronoi cells of the community centres (WGS84 points), clipped to the street polygon.

    Distances are measured in the street's metric CRS; the clip happens in WGS84 against the
    original street polygon, so the cells' union is the street itself (no gaps or overlaps beyond
    floating-point noise). One community gets the whole street; no communities give ``{}``.
    """
    codes = sorted(centres)
    if not codes:
        return {}
    if len(codes) == 1:
        return {codes[0]: street_polygon}
    epsg = metric_epsg(street_polygon)
    street_m = to_metric(street_polygon, epsg)
    xs, ys = project_points([centres[c].x for c in codes], [centres[c].y for c in codes], epsg)
    seeds = _place_inside(street_m, np.column_stack((xs, ys)))
    seeds = _separate_duplicates(street_m, seeds)
    cells_m = _voronoi_cells(street_m, seeds)
    cells = shapely.intersection(from_metric(cells_m, epsg), street_polygon)
    return {code: polygonal_part(cell) for code, cell in zip(codes, cells, strict=True)}


def _inner_target(street_m: BaseGeometry) -> BaseGeometry:
    inner = street_m.buffer(-INSET_M)
    return street_m if inner.is_empty else inner


def _place_inside(street_m: BaseGeometry, seeds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Move seeds that are not strictly inside the street to the nearest point ``INSET_M`` inside."""
    seeds = seeds.copy()
    outside = ~shapely.contains_xy(street_m, seeds[:, 0], seeds[:, 1])
    if outside.any():
        target = _inner_target(street_m)
        for i in np.flatnonzero(outside):
            nearest = nearest_points(target, Point(seeds[i]))[0]
            seeds[i] = (nearest.x, nearest.y)
    return seeds


def _separate_duplicates(street_m: BaseGeometry, seeds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Spread seeds that share a spot (within ``DUPLICATE_M``) onto a circle of ``NUDGE_M``."""
    seeds = seeds.copy()
    groups: list[list[int]] = []
    for i in range(len(seeds)):
        for group in groups:
            if np.hypot(*(seeds[group[0]] - seeds[i])) < DUPLICATE_M:
                group.append(i)
                break
        else:
            groups.append([i])
    for group in groups:
        if len(group) > 1:
            centre = seeds[group[0]].copy()
            for k, i in enumerate(group):
                angle = 2.0 * math.pi * k / len(group)
                seeds[i] = centre + NUDGE_M * np.array([math.cos(angle), math.sin(angle)])
    return _place_inside(street_m, seeds)


def _voronoi_cells(street_m: BaseGeometry, seeds: NDArray[np.float64]) -> NDArray[np.object_]:
    """One Voronoi cell per seed, in seed order, covering the street's envelope with a margin."""
    minx, miny, maxx, maxy = street_m.bounds
    margin = max(maxx - minx, maxy - miny, 1.0)
    extent = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=extent)
    cells = shapely.get_parts(diagram)
    seed_points = shapely.points(seeds)
    # Match by containment rather than rely on `ordered=True` (needs GEOS ≥ 3.12).
    seed_idx, cell_idx = shapely.STRtree(cells).query(seed_points, predicate="within")
    ordered = np.empty(len(seeds), dtype=object)
    ordered[seed_idx] = cells[cell_idx]
    if len(np.unique(seed_idx)) != len(seeds):
        raise ValueError("Voronoi diagram lost a community centre; are two centres identical?")
    return ordered


def whole_street_community(street_code: str, street_polygon: BaseGeometry) -> dict[str, BaseGeometry]:
    """For a street with no community rows at all: one synthetic community covering the street.

    Its code is ``street_code + '999'`` (see ``gridcity.domain.territory.synthetic_community_code``):
    ``'000'`` would be the street's own 12-digit code, and 999 is never issued by NBS.
    """
    return {synthetic_community_code(street_code): street_polygon}


def centres_by_street(
    codes: Sequence[str], lons_gcj02: ArrayLike, lats_gcj02: ArrayLike
) -> dict[str, dict[str, Point]]:
    """Group community centres (GCJ-02, as published) by street, converted to WGS84 points.

    Rows with no point (NaN) are skipped: such communities get no cell and the caller decides
    what to do with them.
    """
    lons, lats = gcj02_to_wgs84(lons_gcj02, lats_gcj02)
    result: dict[str, dict[str, Point]] = {}
    for code, lon, lat in zip(codes, lons, lats, strict=True):
        validate_community_code(code)
        if math.isfinite(lon) and math.isfinite(lat):
            result.setdefault(code[:9], {})[code] = Point(float(lon), float(lat))
    return result
