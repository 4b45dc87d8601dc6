"""Coordinate systems: GCJ-02 → WGS84, WGS84 ⇄ a metric CRS, areas and distances in metres.

Everything the platform stores is WGS84 lon/lat (EPSG:4326, x = longitude). Chinese web maps and
many public tables publish GCJ-02 (火星坐标), offset by a few hundred metres, so points from them
must be converted before they meet our polygons. Lengths and areas are never measured in degrees:
geometry is projected to a metric CRS (UTM by default) first.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from coordTransform import coordTransform as _ct
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

WGS84_EPSG = 4326
_GEOD = Geod(ellps="WGS84")


def gcj02_to_wgs84(lons: ArrayLike, lats: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert GCJ-02 lon/lat arrays to WGS84 in one call (the library's C batch path).

    Points outside China are returned unchanged (that is the GCJ-02 definition). NaN in, NaN out,
    so rows without a point can be converted together with the rest and filtered afterwards.
    """
    x = np.ascontiguousarray(lons, dtype=np.float64)
    y = np.ascontiguousarray(lats, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"lons and lats differ in shape: {x.shape} vs {y.shape}")
    out_x, out_y = _ct.gcj02_to_wgs84(x.ravel(), y.ravel())
    return (
        np.asarray(out_x, dtype=np.float64).reshape(x.shape),
        np.asarray(out_y, dtype=np.float64).reshape(y.shape),
    )


def utm_epsg(lon: float, lat: float) -> int:
    """The WGS84 UTM zone EPSG code for a location (Beijing → 32650, zone 50N)."""
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def metric_epsg(geom: BaseGeometry) -> int:
    """The UTM zone of a geometry's bounding-box centre: the metric CRS to measure it in."""
    if geom.is_empty:
        raise ValueError("cannot choose a metric CRS for an empty geometry")
    minx, miny, maxx, maxy = geom.bounds
    return utm_epsg((minx + maxx) / 2.0, (miny + maxy) / 2.0)


@lru_cache(maxsize=64)
def transformer(src_epsg: int, dst_epsg: int) -> Transformer:
    """Transformers are slow to build and thread-safe to reuse, so keep one per CRS pair."""
    return Transformer.from_crs(src_epsg, dst_epsg, always_xy=True)


def _transform(geom, src_epsg: int, dst_epsg: int):
    tr = transformer(src_epsg, dst_epsg)

    def apply(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack((x, y))

    return shapely.transform(geom, apply)


def to_metric(geom, epsg: int | None = None):
    """Project WGS84 geometry (one or a numpy array of them) to metres; default CRS: its UTM zone.

    Pass ``epsg`` (from :func:`metric_epsg`) to keep several geometries in one frame, and give the
    same value to :func:`from_metric` to come back.
    """
    if epsg is None:
        if not isinstance(geom, BaseGeometry):
            raise ValueError("pass epsg explicitly when projecting an array of geometries")
        epsg = metric_epsg(geom)
    return _transform(geom, WGS84_EPSG, epsg)


def from_metric(geom, epsg: int):
    """Inverse of :func:`to_metric`: geometry in ``epsg`` metres back to WGS84 lon/lat."""
    return _transform(geom, epsg, WGS84_EPSG)


def project_points(
    lons: ArrayLike, lats: ArrayLike, epsg: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project lon/lat arrays to ``epsg`` metres without building geometries."""
    x, y = transformer(WGS84_EPSG, epsg).transform(
        np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
    )
    return np.asarray(x), np.asarray(y)


DENSIFY_DEG = 0.0005  # ~50 m


def metric_area(geoms, epsg: int) -> NDArray[np.float64]:
    """Planar area in m² in ``epsg`` of WGS84 geometries (an array, or one → 0-d array), vectorised.

    An edge that is straight in lon/lat (as GeoJSON means it) is slightly curved in UTM, so edges
    are first split every ``DENSIFY_DEG``: otherwise the same ground measured with more vertices
    (e.g. after another layer cut it) would differ by ~1e-5, and crosswalk totals would not add up.
    """
    return np.asarray(shapely.area(to_metric(shapely.segmentize(geoms, DENSIFY_DEG), epsg)))


def area_m2(geom_wgs84: BaseGeometry) -> float:
    """Ellipsoidal (geodesic) area in m² of a WGS84 polygon, independent of any projection.

    Rings are oriented first (shells counter-clockwise, holes clockwise) because pyproj sums signed
    ring areas: a clockwise shell with a hole would otherwise add the hole instead of removing it.
    """
    oriented = shapely.orient_polygons(geom_wgs84, exterior_cw=False)
    area, _perimeter = _GEOD.geometry_area_perimeter(oriented)
    return abs(float(area))


def distance_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike):
    """Geodesic distance in metres between WGS84 points (scalars → float, arrays → ndarray)."""
    _az12, _az21, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist) if np.ndim(dist) == 0 else np.asarray(dist)
