"""Crosswalks between layers: which polygons of layer A overlap which of layer B, and by how much.

The three grid networks (三网) cut the same ground differently; joining them (三网融合) means
knowing, for example, which unit grids make up a police beat and what share of each. The
overlap areas are measured in metres (UTM), so a row of the crosswalk says "grid X contributes
N m² to beat Y", and the rows of one A polygon add up to its area where B covers it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridcity.spatial.crs import metric_area, metric_epsg


def compute_crosswalk(
    a: Sequence[tuple[str, BaseGeometry]],
    b: Sequence[tuple[str, BaseGeometry]],
    min_overlap_m2: float = 1.0,
) -> list[tuple[str, str, float]]:
    """``(key_a, key_b, overlap m²)`` for every pair overlapping by at least ``min_overlap_m2``.

    Pairs that only touch along an edge (zero area) or overlap by floating-point noise are left
    out by the threshold. All areas are measured in one UTM zone, chosen from the extent of both
    layers, so rows from different places are comparable. Rows are ordered by A then B position.
    """
    if not a or not b:
        return []
    keys_a = [k for k, _ in a]
    keys_b = [k for k, _ in b]
    geoms_a = np.array([g for _, g in a], dtype=object)
    geoms_b = np.array([g for _, g in b], dtype=object)
    idx_a, idx_b = shapely.STRtree(geoms_b).query(geoms_a, predicate="intersects")
    if idx_a.size == 0:
        return []
    overlaps = shapely.intersection(geoms_a[idx_a], geoms_b[idx_b])
    epsg = metric_epsg(shapely.box(*shapely.total_bounds(np.concatenate((geoms_a, geoms_b)))))
    areas = metric_area(overlaps, epsg)
    keep = areas >= min_overlap_m2
    order = np.lexsort((idx_b[keep], idx_a[keep]))
    rows_a, rows_b, rows_area = idx_a[keep][order], idx_b[keep][order], areas[keep][order]
    return [(keys_a[i], keys_b[j], float(area)) for i, j, area in zip(rows_a, rows_b, rows_area, strict=True)]
