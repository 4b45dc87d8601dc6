import math

import numpy as np
import pytest
import shapely
from coordTransform import coordTransform
from shapely.geometry import Point, Polygon, box

from gridcity.spatial.crs import (
    area_m2,
    distance_m,
    from_metric,
    gcj02_to_wgs84,
    metric_epsg,
    project_points,
    to_metric,
    utm_epsg,
)

TIANANMEN_GCJ = (116.397477, 39.908692)


def test_gcj02_conversion_matches_the_library_scalar_function():
    lons = np.array([TIANANMEN_GCJ[0], 116.3, 116.7])
    lats = np.array([TIANANMEN_GCJ[1], 40.0, 39.6])
    out_lon, out_lat = gcj02_to_wgs84(lons, lats)
    assert isinstance(out_lon, np.ndarray) and out_lon.dtype == np.float64
    for i in range(3):
        expected = coordTransform.gcj02_to_wgs84(float(lons[i]), float(lats[i]))
        assert out_lon[i] == pytest.approx(expected[0], abs=1e-12)
        assert out_lat[i] == pytest.approx(expected[1], abs=1e-12)


def test_gcj02_offset_in_beijing_is_a_few_hundred_metres_south_west():
    lon, lat = gcj02_to_wgs84([TIANANMEN_GCJ[0]], [TIANANMEN_GCJ[1]])
    moved = distance_m(TIANANMEN_GCJ[0], TIANANMEN_GCJ[1], lon[0], lat[0])
    assert 300 < moved < 800
    assert lon[0] < TIANANMEN_GCJ[0] and lat[0] < TIANANMEN_GCJ[1]


def test_gcj02_keeps_shape_leaves_points_outside_china_and_nan_alone():
    lon, lat = gcj02_to_wgs84(np.array([[2.35, math.nan]]), np.array([[48.85, 39.9]]))
    assert lon.shape == (1, 2)
    assert (lon[0, 0], lat[0, 0]) == (2.35, 48.85)
    assert math.isnan(lon[0, 1])
    empty_lon, empty_lat = gcj02_to_wgs84([], [])
    assert empty_lon.shape == (0,) and empty_lat.shape == (0,)
    with pytest.raises(ValueError, match="shape"):
        gcj02_to_wgs84([116.0, 116.1], [39.9])


def test_converted_community_points_fall_inside_their_street(streets, community_rows):
    rows = [r for r in community_rows if r["longitude"]]
    lons = np.array([float(r["longitude"]) for r in rows])
    lats = np.array([float(r["latitude"]) for r in rows])
    wlon, wlat = gcj02_to_wgs84(lons, lats)

    def share_inside(xs, ys):
        hits = [streets[r["code"][:9]].contains(Point(x, y)) for r, x, y in zip(rows, xs, ys, strict=True)]
        return sum(hits) / len(hits)

    assert len(rows) > 250
    converted, raw = share_inside(wlon, wlat), share_inside(lons, lats)
    assert converted >= 0.93
    assert converted > raw + 0.2  # the raw GCJ-02 points are visibly off


def test_utm_zone_for_beijing():
    assert utm_epsg(116.4, 39.9) == 32650
    assert utm_epsg(-0.1, -33.0) == 32730
    assert metric_epsg(box(116.3, 39.8, 116.5, 40.0)) == 32650
    with pytest.raises(ValueError):
        metric_epsg(Polygon())


def test_metric_round_trip_and_explicit_epsg():
    square = box(116.39, 39.90, 116.40, 39.91)
    metric = to_metric(square)
    assert metric.bounds[0] > 100_000  # metres, not degrees
    back = from_metric(metric, 32650)
    assert shapely.equals_exact(back, square, tolerance=1e-9)
    web_mercator = to_metric(square, epsg=3857)
    assert web_mercator.area > metric.area * 1.5  # Mercator inflates area at 40°N
    arrays = to_metric(np.array([square, Point(116.39, 39.90)]), 32650)
    assert arrays[0].equals_exact(metric, tolerance=1e-6)
    assert arrays[1].distance(metric) == pytest.approx(0.0, abs=1e-6)  # a corner of the square
    with pytest.raises(ValueError, match="epsg"):
        to_metric(np.array([square]))
    xs, _ys = project_points([116.395], [39.905], 32650)
    assert xs[0] == pytest.approx(metric.centroid.x, abs=1.0)


def test_area_is_geodesic_and_agrees_with_utm():
    square = box(116.39, 39.90, 116.40, 39.91)
    area = area_m2(square)
    assert 900_000 < area < 1_000_000  # ~855 m x 1110 m
    assert area == pytest.approx(to_metric(square).area, rel=2e-3)
    clockwise_with_hole = Polygon(
        square.exterior.coords[::-1], [box(116.394, 39.904, 116.396, 39.906).exterior.coords]
    )
    assert area_m2(clockwise_with_hole) == pytest.approx(
        area - area_m2(box(116.394, 39.904, 116.396, 39.906))
    )


def test_distance_scalar_and_vectorised():
    assert distance_m(116.4, 39.0, 116.4, 40.0) == pytest.approx(111_050, rel=2e-3)
    d = distance_m(
        np.array([116.4, 116.4]), np.array([39.9, 39.9]), np.array([116.4, 116.41]), np.array([39.9, 39.9])
    )
    assert isinstance(d, np.ndarray)
    assert d[0] == 0.0 and d[1] == pytest.approx(855, rel=0.01)
