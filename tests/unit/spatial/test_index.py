import time

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from gridcity.spatial.gridgen import generate_unit_grids
from gridcity.spatial.index import LayerIndex, TerritoryIndex

FORBIDDEN_CITY = (116.397, 39.918)
SHANGHAI = (121.47, 31.23)
DONGHUAMEN = "110101001"
DONGCHENG = "110101"


@pytest.fixture(scope="module")
def territory(districts, streets, donghuamen_cells):
    grids = [g for code, cell in donghuamen_cells.items() for g in generate_unit_grids(cell, code)]
    return TerritoryIndex.build(
        {
            "district": districts.items(),
            "street": streets.items(),
            "community": donghuamen_cells.items(),
            "city_management": [(g.code, g.geometry) for g in grids],
        }
    )


def test_the_forbidden_city_is_in_donghuamen(territory, streets):
    resolved = territory.resolve_one(*FORBIDDEN_CITY)
    assert resolved["district"] == DONGCHENG
    assert resolved["street"] == DONGHUAMEN
    assert resolved["community"].startswith(DONGHUAMEN)
    assert resolved["city_management"].startswith(resolved["community"])
    assert len(resolved["city_management"]) == 15
    inside = streets[DONGHUAMEN].representative_point()
    assert territory.resolve_one(inside.x, inside.y)["street"] == DONGHUAMEN


def test_points_outside_beijing_resolve_to_none(territory):
    assert territory.resolve_one(*SHANGHAI) == {
        "district": None,
        "street": None,
        "community": None,
        "city_management": None,
    }


def test_bulk_resolution_matches_single_lookups(territory, streets):
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = streets[DONGHUAMEN].bounds
    lons = np.concatenate([rng.uniform(minx - 0.01, maxx + 0.01, 300), [FORBIDDEN_CITY[0], SHANGHAI[0]]])
    lats = np.concatenate([rng.uniform(miny - 0.01, maxy + 0.01, 300), [FORBIDDEN_CITY[1], SHANGHAI[1]]])
    resolved = territory.resolve(lons, lats)
    assert set(resolved) == {"district", "street", "community", "city_management"}
    assert resolved["street"].dtype == object and resolved["street"].shape == (302,)
    assert resolved["street"][-2] == DONGHUAMEN and resolved["street"][-1] is None
    for i in range(0, 302, 15):
        assert {k: v[i] for k, v in resolved.items()} == territory.resolve_one(lons[i], lats[i])
    # Every point in a unit grid is in the community the grid code names.
    in_grid = resolved["city_management"] != None  # noqa: E711 (elementwise on an object array)
    assert in_grid.sum() > 50
    assert all(
        g[:12] == c
        for g, c in zip(resolved["city_management"][in_grid], resolved["community"][in_grid], strict=True)
    )


def test_shared_edge_goes_to_the_lowest_index_every_time():
    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)
    located = LayerIndex(["L", "R"], [left, right]).locate([1.0, 1.0, 0.5], [0.5, 0.5, 0.5])
    assert located.tolist() == ["L", "L", "L"]
    swapped = LayerIndex(["R", "L"], [right, left])
    assert swapped.locate([1.0], [0.5]).tolist() == ["R"]
    assert swapped.locate_one(1.0, 0.5) == "R"
    assert swapped.locate_one(1.5, 0.5) == "R" and swapped.locate_one(0.5, 0.5) == "L"


def test_corner_shared_by_four_squares_resolves_to_the_first():
    squares = [box(x, y, x + 1, y + 1) for x in (1, 0) for y in (1, 0)]
    index = LayerIndex(["a", "b", "c", "d"], squares)
    assert index.locate([1.0], [1.0]).tolist() == ["a"]
    assert index.locate_one(1.0, 1.0) == "a"


def test_empty_and_mismatched_input():
    index = LayerIndex(["a"], [box(0, 0, 1, 1)])
    assert index.locate(np.array([]), np.array([])).shape == (0,)
    assert index.locate(5.0, 5.0).tolist() == [None]
    assert len(index) == 1 and index.keys.tolist() == ["a"]
    with pytest.raises(ValueError, match="1-D"):
        index.locate([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="keys"):
        LayerIndex(["a", "b"], [box(0, 0, 1, 1)])
    empty = LayerIndex([], [])
    assert len(empty) == 0
    assert empty.locate([0.5], [0.5]).tolist() == [None] and empty.locate_one(0.5, 0.5) is None


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="unknown layers"):
        TerritoryIndex({"grid": LayerIndex([], [])})


def test_building_35000_polygons_is_fast_and_agrees_with_a_bare_tree():
    side = 0.001
    n = 35_000
    cols, rows = np.divmod(np.arange(n), 175)
    x0, y0 = 116.3 + cols * side, 39.8 + rows * side
    squares = shapely.box(x0, y0, x0 + side, y0 + side)
    keys = [f"k{i}" for i in range(n)]
    start = time.perf_counter()
    index = LayerIndex(keys, squares)
    assert time.perf_counter() - start < 2.0
    assert len(index) == n
    rng = np.random.default_rng(1)
    lons, lats = rng.uniform(116.29, 116.51, 20_000), rng.uniform(39.79, 39.98, 20_000)
    located = index.locate(lons, lats)
    point_idx, geom_idx = shapely.STRtree(squares).query(shapely.points(lons, lats), predicate="within")
    expected = np.full(len(lons), None, dtype=object)
    expected[point_idx] = np.array(keys, dtype=object)[geom_idx]
    assert (located == expected).all()
    assert (located == None).sum() > 0  # noqa: E711
