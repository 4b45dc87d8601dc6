"""Grid generation: cut a community (or street) into roughly equal square grids with stable codes.

The algorithm is the same for the three layers; only the target size and the code shape differ:

1. Squares of side ``sqrt(target)`` in the polygon's UTM zone, on lines at whole multiples of the
   side (origin = the zone's false origin), so re-running gives the same cells and neighbouring
   communities share grid lines.
2. The squares are carried back to WGS84 (they still share their corners exactly, so they still
   tile the plane) and intersected with the *original* polygon: the grids' outer boundary is the
   community's own boundary, not a reprojected copy.
3. A square that cuts the polygon into several separate parts yields several pieces.
4. Slivers — pieces under ``SLIVER_FRACTION`` of the target — are merged, smallest first, into the
   neighbour sharing the longest border, so no grid is absurdly small. A sliver with no neighbour
   along a border (an island) goes to the nearest piece; only then can a grid be a MultiPolygon.
   A polygon smaller than the threshold is a single grid.
5. Grids are numbered north → south by row of their square, west → east inside a row, from 1.
   If more grids than the code has room for would result, the side grows by 5 % until they fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.territory import (
    DEFAULT_SERVICE_CLASS,
    MAX_PUBLIC_SECURITY_SEQ,
    MAX_SOCIAL_SERVICE_SEQ,
    MAX_UNIT_GRID_SEQ,
    public_security_grid_code,
    social_service_grid_code,
    unit_grid_code,
    validate_community_code,
    validate_street_code,
)
from gridcity.spatial.crs import from_metric, metric_area, metric_epsg, to_metric
from gridcity.spatial.geojson import POLYGONAL, polygonal_part

UNIT_GRID_AREA_M2 = 10_000.0
SOCIAL_SERVICE_AREA_M2 = 100_000.0
PUBLIC_SECURITY_AREA_M2 = 400_000.0
SLIVER_FRACTION = 0.3
GROWTH = 1.05
_TOUCH_TOL_M = 1e-3  # shared borders are measured within this distance (float noise on shared edges)


@dataclass(frozen=True)
class GeneratedGrid:
    """One generated grid: code, WGS84 geometry, area in m² (``crs.metric_area``: UTM, ≈0.1 % of geodesic)."""

    code: str
    geometry: BaseGeometry
    area_m2: float


class GridList(list[GeneratedGrid]):
    """The grids of one polygon, plus the cell size actually used (larger than asked if capped)."""

    def __init__(self, grids: list[GeneratedGrid], requested_area_m2: float, cell_side_m: float) -> None:
        super().__init__(grids)
        self.requested_area_m2 = requested_area_m2
        self.cell_side_m = cell_side_m

    @property
    def effective_area_m2(self) -> float:
        return self.cell_side_m**2

    @property
    def resized(self) -> bool:
        """True when the cell had to grow to keep within the code's sequence range (warn the user)."""
        return self.effective_area_m2 > self.requested_area_m2 * (1 + 1e-9)


@dataclass
class _Pieces:
    """Working set: pieces in WGS84 (output) and metres (decisions), with their square's row/col."""

    wgs: list[BaseGeometry]
    metric: list[BaseGeometry]
    row: list[int]
    col: list[int]


def generate_unit_grids(
    community_polygon_wgs84: BaseGeometry,
    community_code: str,
    target_area_m2: float = UNIT_GRID_AREA_M2,
) -> GridList:
    """City-management unit grids (单元网格) of one community, coded community + 3-digit sequence."""
    validate_community_code(community_code)
    return _generate(
        community_polygon_wgs84,
        target_area_m2,
        MAX_UNIT_GRID_SEQ,
        lambda seq, _n: unit_grid_code(community_code, seq),
    )


def generate_coarse_grids(
    polygon: BaseGeometry,
    prefix_code: str,
    target_area_m2: float,
    seq_digits: int,
    *,
    single_seq: int | None = None,
) -> GridList:
    """Same algorithm, code = ``prefix_code`` + zero-padded sequence of ``seq_digits``.

    ``single_seq`` is the sequence used when the polygon is one grid (0 for social-service grids,
    whose '00' means 'not subdivided'). Prefer the layer helpers below, which validate the codes.
    """
    if seq_digits < 1:
        raise Invalid(message("gridgen.seq_digits", digits=seq_digits))

    def code(seq: int, count: int) -> str:
        if count == 1 and single_seq is not None:
            seq = single_seq
        return f"{prefix_code}{seq:0{seq_digits}d}"

    return _generate(polygon, target_area_m2, 10**seq_digits - 1, code)


def generate_social_service_grids(
    community_polygon_wgs84: BaseGeometry,
    community_code: str,
    target_area_m2: float = SOCIAL_SERVICE_AREA_M2,
    service_class: str = DEFAULT_SERVICE_CLASS,
) -> GridList:
    """Social-service grids (社会服务网格) inside one community, 20-digit CJ/T 349-2010 codes."""
    social_service_grid_code(community_code, 0, service_class)  # validates both codes
    return _generate(
        community_polygon_wgs84,
        target_area_m2,
        MAX_SOCIAL_SERVICE_SEQ,
        lambda seq, n: social_service_grid_code(community_code, 0 if n == 1 else seq, service_class),
    )


def generate_public_security_grids(
    street_polygon_wgs84: BaseGeometry,
    street_code: str,
    target_area_m2: float = PUBLIC_SECURITY_AREA_M2,
) -> GridList:
    """Public-security grids (社会治安网格) of one street, across community boundaries."""
    validate_street_code(street_code)
    return _generate(
        street_polygon_wgs84,
        target_area_m2,
        MAX_PUBLIC_SECURITY_SEQ,
        lambda seq, _n: public_security_grid_code(street_code, seq),
    )


def _generate(
    polygon: BaseGeometry,
    target_area_m2: float,
    max_count: int,
    make_code: Callable[[int, int], str],
) -> GridList:
    polygon = _check_polygon(polygon)
    if not (math.isfinite(target_area_m2) and target_area_m2 > 0):
        raise Invalid(message("gridgen.target_area", area=target_area_m2))
    epsg = metric_epsg(polygon)
    polygon_m = to_metric(polygon, epsg)
    shapely.prepare(polygon_m)
    side = max(math.sqrt(target_area_m2), math.sqrt(polygon_m.area / max_count))
    while True:
        pieces = _cut(polygon, polygon_m, epsg, side)
        _merge_slivers(pieces, SLIVER_FRACTION * side * side)
        if len(pieces.wgs) <= max_count:
            break
        side *= GROWTH
    order = sorted(range(len(pieces.wgs)), key=lambda i: _sort_key(pieces, i))
    geoms = np.array([pieces.wgs[i] for i in order], dtype=object)
    areas = metric_area(geoms, epsg)
    n = len(order)
    grids = [
        GeneratedGrid(make_code(seq, n), geom, float(area))
        for seq, (geom, area) in enumerate(zip(geoms, areas, strict=True), 1)
    ]
    return GridList(grids, target_area_m2, side)


def _check_polygon(polygon: BaseGeometry) -> BaseGeometry:
    if not isinstance(polygon, BaseGeometry) or polygon.geom_type not in POLYGONAL:
        kind = getattr(polygon, "geom_type", type(polygon).__name__)
        raise Invalid(message("gridgen.not_polygon", kind=kind))
    if polygon.is_empty or not polygon.is_valid:
        raise Invalid(message("gridgen.bad_polygon", kind=polygon.geom_type))
    return polygon


def _cut(polygon: BaseGeometry, polygon_m: BaseGeometry, epsg: int, side: float) -> _Pieces:
    """Aligned squares → WGS84 → ∩ polygon → one piece per connected part."""
    minx, miny, maxx, maxy = polygon_m.bounds
    cols = np.arange(math.floor(minx / side), math.ceil(maxx / side))
    rows = np.arange(math.floor(miny / side), math.ceil(maxy / side))
    col, row = (a.ravel() for a in np.meshgrid(cols, rows))
    squares = shapely.box(col * side, row * side, (col + 1) * side, (row + 1) * side)
    hit = shapely.intersects(polygon_m, squares)
    col, row, squares = col[hit], row[hit], squares[hit]
    clipped = shapely.intersection(from_metric(squares, epsg), polygon)
    parts, owner = shapely.get_parts(clipped, return_index=True)
    keep = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & ~shapely.is_empty(parts)
    parts, owner = parts[keep], owner[keep]
    parts_m = to_metric(parts, epsg)
    nonzero = shapely.area(parts_m) > 0
    parts, parts_m, owner = parts[nonzero], parts_m[nonzero], owner[nonzero]
    return _Pieces(list(parts), list(parts_m), list(row[owner]), list(col[owner]))


def _merge_slivers(pieces: _Pieces, threshold: float) -> None:
    """Fold pieces under ``threshold`` m², smallest first, into their longest-border neighbour."""
    while len(pieces.wgs) > 1:
        areas = shapely.area(np.array(pieces.metric, dtype=object))
        smallest = int(np.argmin(areas))
        if areas[smallest] >= threshold:
            return
        target = _best_neighbour(pieces, smallest)
        pieces.wgs[target] = polygonal_part(shapely.union(pieces.wgs[target], pieces.wgs[smallest]))
        pieces.metric[target] = polygonal_part(shapely.union(pieces.metric[target], pieces.metric[smallest]))
        for seq in (pieces.wgs, pieces.metric, pieces.row, pieces.col):
            del seq[smallest]


def _best_neighbour(pieces: _Pieces, i: int) -> int:
    """The piece sharing the longest border with piece ``i``; the nearest one if none touches."""
    others = np.array([j for j in range(len(pieces.metric)) if j != i])
    candidates = np.array([pieces.metric[j] for j in others], dtype=object)
    sliver = pieces.metric[i]
    near = shapely.dwithin(candidates, sliver, _TOUCH_TOL_M)
    if near.any():
        halo = shapely.buffer(sliver, _TOUCH_TOL_M)
        shared = shapely.length(shapely.intersection(shapely.boundary(candidates[near]), halo))
        if shared.max() > 10 * _TOUCH_TOL_M:
            return int(others[near][np.argmax(shared)])
    return int(others[np.argmin(shapely.distance(candidates, sliver))])


def _sort_key(pieces: _Pieces, i: int) -> tuple[int, int, float]:
    """North → south by square row, west → east by square column, then by x of the piece."""
    point = pieces.metric[i].representative_point()
    return (-pieces.row[i], pieces.col[i], point.x)
