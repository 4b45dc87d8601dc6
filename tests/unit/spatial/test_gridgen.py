import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from gridcity.domain.errors import Invalid
from gridcity.domain.territory import validate_social_service_grid_code, validate_unit_grid_code
from gridcity.spatial.crs import from_metric, to_metric
from gridcity.spatial.gridgen import (
    SLIVER_FRACTION,
    generate_coarse_grids,
    generate_public_security_grids,
    generate_social_service_grids,
    generate_unit_grids,
)

UTM50 = 32650
COMMUNITY = "110101001002"  # 银闸社区, 东华门街道
DONGHUAMEN = "110101001"


def metric_rect(x0, y0, x1, y1):
    """A WGS84 polygon that is the exact rectangle [x0, x1] x [y0, y1] in UTM 50N metres."""
    return from_metric(shapely.segmentize(box(x0, y0, x1, y1), 100.0), UTM50)


def assert_tiles(grids, polygon):
    geoms = [g.geometry for g in grids]
    union = shapely.union_all(geoms)
    assert abs(union.area - polygon.area) / polygon.area < 1e-6  # no gaps
    assert abs(sum(g.area for g in geoms) - polygon.area) / polygon.area < 1e-6  # no overlaps
    assert union.symmetric_difference(polygon).area / polygon.area < 1e-6


def grid_at(grids, x, y):
    point = from_metric(Point(x, y), UTM50)
    [hit] = [g.code for g in grids if g.geometry.contains(point)]
    return hit


def test_codes_run_north_to_south_then_west_to_east():
    rect = metric_rect(447_000, 4_417_000, 447_500, 4_417_300)  # 5 x 3 squares of 100 m
    grids = generate_unit_grids(rect, COMMUNITY)
    assert [g.code for g in grids] == [f"{COMMUNITY}{i:03d}" for i in range(1, 16)]
    assert grid_at(grids, 447_050, 4_417_250) == COMMUNITY + "001"  # north-west
    assert grid_at(grids, 447_450, 4_417_250) == COMMUNITY + "005"  # north-east
    assert grid_at(grids, 447_050, 4_417_150) == COMMUNITY + "006"  # second row starts west
    assert grid_at(grids, 447_450, 4_417_050) == COMMUNITY + "015"  # south-east
    assert all(g.area_m2 == pytest.approx(10_000, rel=1e-6) for g in grids)
    assert_tiles(grids, rect)
    assert not grids.resized and grids.cell_side_m == pytest.approx(100.0)


def test_slivers_are_merged_into_a_neighbour():
    # 520 m x 310 m: the 20 m and 10 m edge strips are under the 30 % threshold.
    rect = metric_rect(447_000, 4_417_000, 447_520, 4_417_310)
    grids = generate_unit_grids(rect, COMMUNITY)
    assert len(grids) == 15
    assert min(g.area_m2 for g in grids) >= SLIVER_FRACTION * 10_000
    assert all(g.geometry.geom_type == "Polygon" for g in grids)
    assert sum(g.area_m2 for g in grids) == pytest.approx(520 * 310, rel=1e-6)
    assert_tiles(grids, rect)


def test_real_community_grids(donghuamen_cells):
    community = donghuamen_cells[COMMUNITY]
    grids = generate_unit_grids(community, COMMUNITY)
    assert_tiles(grids, community)
    codes = [g.code for g in grids]
    assert len(set(codes)) == len(codes) == len(grids) > 10
    assert all(len(c) == 15 and c.startswith(COMMUNITY) and validate_unit_grid_code(c) for c in codes)
    areas = np.array([g.area_m2 for g in grids])
    assert 7_000 <= areas.mean() <= 13_000
    assert areas.min() >= SLIVER_FRACTION * 10_000
    assert all(g.geometry.is_valid for g in grids)


def test_all_donghuamen_communities_tile(donghuamen_cells):
    for code, cell in donghuamen_cells.items():
        grids = generate_unit_grids(cell, code)
        assert_tiles(grids, cell)
        assert min(g.area_m2 for g in grids) >= SLIVER_FRACTION * 10_000 or len(grids) == 1


def test_more_than_999_grids_grow_the_cell():
    rect = metric_rect(447_000, 4_417_000, 448_000, 4_418_000)  # 1 km², 2000 cells of 500 m²
    grids = generate_unit_grids(rect, COMMUNITY, target_area_m2=500)
    assert len(grids) <= 999
    assert grids.resized and grids.effective_area_m2 > 1_000 and grids.requested_area_m2 == 500
    assert grids[-1].code.endswith(f"{len(grids):03d}")
    assert_tiles(grids, rect)


def test_a_tiny_community_is_one_grid():
    rect = metric_rect(447_010, 4_417_010, 447_040, 4_417_040)  # 900 m²
    [grid] = generate_unit_grids(rect, COMMUNITY)
    assert grid.code == COMMUNITY + "001"
    assert grid.area_m2 == pytest.approx(900, rel=1e-6)


def test_social_service_grids_use_20_digit_codes_and_00_for_a_whole_community():
    small = metric_rect(447_000, 4_417_000, 447_200, 4_417_200)
    [whole] = generate_social_service_grids(small, COMMUNITY)
    assert whole.code == "000000" + COMMUNITY + "00"
    large = metric_rect(447_000, 4_417_000, 448_000, 4_417_600)
    grids = generate_social_service_grids(large, COMMUNITY, service_class="010100")
    assert [g.code for g in grids] == [f"010100{COMMUNITY}{i:02d}" for i in range(1, len(grids) + 1)]
    assert 6 <= len(grids) <= 12  # 0.6 km² in squares of 316 m that do not line up with the edges
    assert_tiles(grids, large)
    assert all(validate_social_service_grid_code(g.code) for g in grids)


def test_public_security_grids_follow_the_street_across_communities(streets, donghuamen_cells):
    street = streets[DONGHUAMEN]
    grids = generate_public_security_grids(street, DONGHUAMEN)
    assert_tiles(grids, street)
    assert [g.code for g in grids][:2] == ["110101001PS001", "110101001PS002"]
    assert 0.7 * 400_000 <= np.mean([g.area_m2 for g in grids]) <= 1.3 * 400_000
    crossing = [
        g for g in grids if sum(g.geometry.intersection(c).area > 1e-9 for c in donghuamen_cells.values()) > 1
    ]
    assert crossing  # beats are not nested in communities


def test_coarse_grids_with_custom_code_shape():
    rect = metric_rect(447_000, 4_417_000, 447_400, 4_417_200)
    grids = generate_coarse_grids(rect, "X", 40_000, 4)  # 200 m squares, aligned
    assert [g.code for g in grids] == ["X0001", "X0002"]
    [single] = generate_coarse_grids(rect, "X", 1_000_000, 2, single_seq=0)
    assert single.code == "X00"


@pytest.mark.parametrize(
    ("polygon", "code", "target", "message"),
    [
        (Point(116.4, 39.9), COMMUNITY, 10_000, "Polygon or MultiPolygon, got Point"),
        (box(116.39, 39.90, 116.40, 39.91), "11010100100", 10_000, "community code must be 12 digits"),
        (box(116.39, 39.90, 116.40, 39.91), COMMUNITY, 0, "positive"),
        (shapely.Polygon(), COMMUNITY, 10_000, "empty or invalid"),
    ],
)
def test_bad_input_is_invalid(polygon, code, target, message):
    with pytest.raises(Invalid, match=message):
        generate_unit_grids(polygon, code, target)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    points=st.lists(st.tuples(st.floats(0, 600), st.floats(0, 600)), min_size=3, max_size=12, unique=True),
    radius=st.floats(20, 200),
)
def test_any_blob_is_tiled_exactly(points, radius):
    blob_m = shapely.buffer(shapely.MultiPoint([(447_000 + x, 4_417_000 + y) for x, y in points]), radius)
    blob = from_metric(blob_m, UTM50)
    grids = generate_unit_grids(blob, COMMUNITY)
    assert_tiles(grids, blob)
    assert len({g.code for g in grids}) == len(grids)
    if len(grids) > 1:
        assert min(g.area_m2 for g in grids) >= SLIVER_FRACTION * 10_000 * (1 - 1e-9) or any(
            g.geometry.geom_type == "MultiPolygon" for g in grids
        )
    assert sum(g.area_m2 for g in grids) == pytest.approx(to_metric(blob, UTM50).area, rel=1e-6)
