from collections import defaultdict

import pytest
import shapely
from shapely.geometry import box

from gridcity.spatial.crosswalk import compute_crosswalk
from gridcity.spatial.crs import metric_area as _metric_area
from gridcity.spatial.gridgen import generate_public_security_grids, generate_unit_grids

DONGHUAMEN = "110101001"
UTM50 = 32650


def metric_area(geom):
    return float(_metric_area(geom, UTM50))


REL = 1e-6


def test_communities_against_police_beats_add_up_to_the_street(streets, donghuamen_cells):
    beats = [(g.code, g.geometry) for g in generate_public_security_grids(streets[DONGHUAMEN], DONGHUAMEN)]
    rows = compute_crosswalk(list(donghuamen_cells.items()), beats)
    assert sum(area for _, _, area in rows) == pytest.approx(metric_area(streets[DONGHUAMEN]), rel=REL)
    per_community = defaultdict(float)
    per_beat = defaultdict(float)
    for community, beat, area in rows:
        per_community[community] += area
        per_beat[beat] += area
    for code, cell in donghuamen_cells.items():
        assert per_community[code] == pytest.approx(metric_area(cell), rel=REL)
    for code, beat in beats:
        assert per_beat[code] == pytest.approx(metric_area(beat), rel=REL)


def test_unit_grids_fall_whole_inside_their_community(donghuamen_cells):
    code = "110101001002"
    grids = [(g.code, g.geometry) for g in generate_unit_grids(donghuamen_cells[code], code)]
    rows = compute_crosswalk(grids, list(donghuamen_cells.items()))
    assert {(a[:12], b) for a, b, _ in rows} == {(code, code)}  # neighbours touching edges are dropped
    assert len(rows) == len(grids)
    assert sum(area for *_, area in rows) == pytest.approx(metric_area(donghuamen_cells[code]), rel=REL)
    for (grid_code, grid), (row_code, _, area) in zip(grids, rows, strict=True):
        assert grid_code == row_code and area == pytest.approx(metric_area(grid), rel=1e-6)


def test_threshold_order_and_empty_inputs():
    a = [("a1", box(116.390, 39.90, 116.391, 39.901)), ("a2", box(116.391, 39.90, 116.392, 39.901))]
    b = [("b1", box(116.3905, 39.90, 116.3915, 39.901)), ("far", box(117.0, 40.0, 117.1, 40.1))]
    rows = compute_crosswalk(a, b)
    assert [(x, y) for x, y, _ in rows] == [("a1", "b1"), ("a2", "b1")]
    assert rows[0][2] == pytest.approx(metric_area(shapely.intersection(a[0][1], b[0][1])))
    assert compute_crosswalk(a, b, min_overlap_m2=1e9) == []
    assert compute_crosswalk([], b) == [] and compute_crosswalk(a, []) == []
    assert compute_crosswalk(a, [("far", b[1][1])]) == []
