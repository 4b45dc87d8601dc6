"""Names on maps without a tile server: where each district, street, community and unit grid writes
its name (or code), and its outline by code for the map search.

The label point of a unit is its *representative point* (`shapely.point_on_surface`: always inside
the polygon, unlike a centroid, which falls outside a crescent-shaped street). Points, boxes and
codes are worked out once per in-memory territory (`Platform.territory()`, rebuilt when the
territory changes) and kept beside it; a map window then asks only for the labels it shows.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.services.territory_state import TerritoryState

# label level → the territory index layer it reads (a unit grid's label is its code)
LEVELS = {"district": "district", "street": "street", "community": "community", "grid": "city_management"}
MAX_LABELS = 600  # per window and level: more would not be read anyway


@dataclass(frozen=True)
class LevelLabels:
    """The label points and boxes of one level, in the index's order."""

    codes: list[str]
    geometries: NDArray[np.object_]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    boxes: NDArray[np.float64]  # min_lon, min_lat, max_lon, max_lat per unit
    by_code: dict[str, int]
    sorted_codes: list[str]  # for a code-prefix search (bisect)

    def geometry(self, code: str) -> BaseGeometry | None:
        i = self.by_code.get(code)
        return None if i is None else self.geometries[i]

    def codes_starting(self, prefix: str, limit: int) -> list[str]:
        """Codes that begin with `prefix`, in order, at most `limit`."""
        start = bisect.bisect_left(self.sorted_codes, prefix)
        found = []
        for code in self.sorted_codes[start : start + limit]:
            if not code.startswith(prefix):
                break
            found.append(code)
        return found


_cache: weakref.WeakKeyDictionary[TerritoryState, dict[str, LevelLabels]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def level_labels(state: TerritoryState, level: str) -> LevelLabels:
    """The labels of one level of this territory (worked out on first use, then kept)."""
    if level not in LEVELS:
        raise Invalid(message("map.bad_level", levels=", ".join(LEVELS)), key="level")
    with _lock:
        kept = _cache.setdefault(state, {})
        if level not in kept:
            kept[level] = _build(state, LEVELS[level])
        return kept[level]


def _build(state: TerritoryState, layer: str) -> LevelLabels:
    index = state.index[layer]
    geometries = index.geometries
    codes = [str(c) for c in index.keys]
    if len(codes):
        points = shapely.point_on_surface(geometries)
        x, y = shapely.get_x(points), shapely.get_y(points)
        boxes = shapely.bounds(geometries)
    else:
        x = y = np.empty(0)
        boxes = np.empty((0, 4))
    return LevelLabels(codes, geometries, x, y, boxes, {c: i for i, c in enumerate(codes)}, sorted(codes))


def labels_in_window(
    state: TerritoryState, level: str, bbox: tuple[float, float, float, float], limit: int = MAX_LABELS
) -> tuple[list[dict[str, Any]], bool]:
    """The labels whose point lies in the window, the largest units first: code, name (a grid's
    code), the point, and the unit's width and height in degrees (the map shows a name only where
    it fits); and whether the window held more than `limit`."""
    labels = level_labels(state, level)
    min_lon, min_lat, max_lon, max_lat = bbox
    inside = np.flatnonzero(
        (labels.x >= min_lon) & (labels.x <= max_lon) & (labels.y >= min_lat) & (labels.y <= max_lat)
    )
    boxes = labels.boxes[inside]
    widths = boxes[:, 2] - boxes[:, 0]
    heights = boxes[:, 3] - boxes[:, 1]
    order = np.argsort(-(widths * heights), kind="stable")[:limit]
    names = state.names
    found = []
    for j in order:
        i = int(inside[j])
        code = labels.codes[i]
        found.append(
            {
                "code": code,
                "name": code if level == "grid" else names.get(code, code),
                "lon": round(float(labels.x[i]), 6),
                "lat": round(float(labels.y[i]), 6),
                "w": round(float(widths[j]), 6),
                "h": round(float(heights[j]), 6),
            }
        )
    return found, len(inside) > limit
