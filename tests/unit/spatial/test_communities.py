import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from gridcity.domain.errors import Invalid
from gridcity.spatial.communities import centres_by_street, derive_community_cells, whole_street_community
from gridcity.spatial.crs import to_metric

DONGHUAMEN = "110101001"
STREET = box(116.39, 39.90, 116.41, 39.91)  # ~1.7 km x 1.1 km


def assert_tiles(cells, street):
    """No gaps: the union is the street; no overlaps: the areas add up to the street's area."""
    union = shapely.union_all(list(cells.values()))
    assert abs(union.area - street.area) / street.area < 1e-6
    assert abs(sum(c.area for c in cells.values()) - street.area) / street.area < 1e-6
    assert union.symmetric_difference(street).area / street.area < 1e-6


def test_cells_of_a_synthetic_street_are_nearest_centre_regions():
    centres = {
        "110101001001": Point(116.395, 39.905),
        "110101001002": Point(116.405, 39.905),
    }
    cells = derive_community_cells(STREET, centres)
    assert set(cells) == set(centres)
    assert_tiles(cells, STREET)
    # Equidistant centres split the street down the middle (in metres, so close to 116.40).
    assert cells["110101001001"].bounds[2] == pytest.approx(116.40, abs=1e-4)
    assert all(cells[c].contains(p) for c, p in centres.items())


def test_a_centre_outside_its_street_is_moved_inside_and_keeps_a_cell():
    centres = {"a": Point(116.395, 39.905), "b": Point(116.43, 39.905)}  # b is 1.7 km east of the street
    cells = derive_community_cells(STREET, centres)
    assert_tiles(cells, STREET)
    assert to_metric(cells["b"], 32650).area > 1000
    assert cells["b"].bounds[2] == pytest.approx(116.41)  # b holds the eastern edge


def test_duplicate_centres_each_get_a_share_around_the_shared_spot():
    spot = Point(116.40, 39.905)
    centres = {"a": spot, "b": Point(spot.x + 1e-6, spot.y), "c": Point(116.392, 39.902)}
    cells = derive_community_cells(STREET, centres)
    assert_tiles(cells, STREET)
    assert all(to_metric(cell, 32650).area > 10_000 for cell in cells.values())
    assert cells["a"].distance(spot) < 1e-6 and cells["b"].distance(spot) < 1e-6  # they meet at the spot


def test_one_community_gets_the_whole_street_none_gives_nothing():
    assert derive_community_cells(STREET, {"only": Point(0, 0)}) == {"only": STREET}
    assert derive_community_cells(STREET, {}) == {}


def test_real_street_cells_tile_the_street(streets, centres, donghuamen_cells):
    street = streets[DONGHUAMEN]
    assert set(donghuamen_cells) == set(centres[DONGHUAMEN])
    assert len(donghuamen_cells) >= 10
    assert_tiles(donghuamen_cells, street)
    assert all(c.geom_type in ("Polygon", "MultiPolygon") and c.is_valid for c in donghuamen_cells.values())


def test_every_street_of_dongcheng_and_xicheng_tiles(streets, centres):
    for street_code, points in centres.items():
        cells = derive_community_cells(streets[street_code], points)
        assert_tiles(cells, streets[street_code])


def test_street_without_communities_gets_one_synthetic_community():
    assert whole_street_community(DONGHUAMEN, STREET) == {"110101001999": STREET}
    with pytest.raises(Invalid):
        whole_street_community("110101", STREET)


def test_centres_are_converted_from_gcj02_and_grouped_skipping_missing_points():
    grouped = centres_by_street(
        ["110101001001", "110101001002", "110101002001"],
        np.array([116.413146, math.nan, 116.41]),
        np.array([39.922958, math.nan, 39.93]),
    )
    assert set(grouped) == {"110101001", "110101002"}
    assert set(grouped["110101001"]) == {"110101001001"}
    moved = grouped["110101001"]["110101001001"]
    assert moved.x < 116.413146 and moved.y < 39.922958
    with pytest.raises(Invalid):
        centres_by_street(["1101"], [116.4], [39.9])
