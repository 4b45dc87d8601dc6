"""A case as a point of a map (`GET /api/v1/cases.geojson`, the console map's `/map/cases.json`):
one place for the feature's shape, read from the few columns it shows, not from ORM objects — a
map window holds up to 20,000 cases. A window that holds more is answered with clusters: the
window cut into cells, each cell's cases as one point with how many there are of each light."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Protocol

import orjson
from sqlalchemy import Row, Select, select

from gridcity.db.models import Case
from gridcity.db.queries import CaseFilter
from gridcity.services.case_clock import CLOCK_COLUMNS, ClockFields, ClockReader
from gridcity.services.platform import Platform

# what a feature shows (the case number is made of the id and the report date; the light, of the
# clock columns)
FEATURE_COLUMNS = (Case.id, Case.lon, Case.lat, Case.class_name, Case.state, Case.reported_at, *CLOCK_COLUMNS)


_feature_values = attrgetter(*(column.key for column in FEATURE_COLUMNS))


class FeatureFields(ClockFields, Protocol):
    """A Case, or a row selected with FEATURE_COLUMNS."""

    @property
    def id(self) -> int: ...
    @property
    def lon(self) -> float: ...
    @property
    def lat(self) -> float: ...
    @property
    def class_name(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def reported_at(self) -> Any: ...


def case_feature(platform: Platform, reader: ClockReader, case: FeatureFields | Row[Any]) -> dict[str, Any]:
    """A case as a GeoJSON point with its number, class, state and traffic light: from a Case, or a
    row of exactly FEATURE_COLUMNS (its values unpacked, in their order: the same answer)."""
    (
        case_id, lon, lat, class_name, state, reported_at,
        stage, started_at, unit, budget_s, paused_s, paused_since, deadline,
    ) = case if isinstance(case, Row) else _feature_values(case)  # fmt: skip
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": case_id,
            "number": reader.number(case_id, reported_at),
            "class_name": class_name,
            "state": state,
            "light": reader.light_of(stage, started_at, unit, budget_s, paused_s, paused_since, deadline),
        },
    }


def case_features(
    platform: Platform, reader: ClockReader, rows: Iterable[Row[Any]], limit: int
) -> tuple[list[orjson.Fragment], bool]:
    """The first `limit` rows (of FEATURE_COLUMNS, read as they come) as features already in JSON,
    and whether there were more. A feature is orjson's rendering of `case_feature` (ints, floats
    and strings: the same bytes as in the whole body), kept as a `Fragment` of the body: a window of
    20,000 features then holds 20,000 byte strings, not 80,000 dicts and lists that the garbage
    collector walks through, several times a request, while the body is made."""
    dumps, fragment = orjson.dumps, orjson.Fragment
    features: list[orjson.Fragment] = []
    more = False
    for row in rows:
        if len(features) < limit:
            features.append(fragment(dumps(case_feature(platform, reader, row))))
        else:
            more = True
    return features, more


# --- clusters: a window that holds more cases than a map shows one by one --------------------

CLUSTER_CELLS = 16  # a window is cut into 16 × 16 cells: at most 256 clusters, ~60 px apart on a screen
CLUSTER_COLUMNS = (Case.lon, Case.lat, *CLOCK_COLUMNS)
# the order a cluster takes its colour from: the most urgent of its cases, so that a red case is
# never hidden in a green bubble (the console map's own clusters follow the same rule)
_URGENCY = {"red": 3, "yellow": 2, "green": 1, None: 0}


@dataclass
class _Cell:
    count: int = 0
    lon_sum: float = 0.0
    lat_sum: float = 0.0
    lights: dict[str, int] = field(default_factory=lambda: {"red": 0, "yellow": 0, "green": 0})


# rows fetched from the database at a time while clustering: a window of a whole city's cases over
# years holds millions, read as a stream (a server-side cursor on PostgreSQL) rather than all at once
CLUSTER_BATCH = 5000


def cluster_rows(flt: CaseFilter, reader: ClockReader) -> Select[Any]:
    """The window's cases, as the few columns a cluster needs (no order: every one is counted),
    streamed CLUSTER_BATCH rows at a time."""
    stmt: Select[Any] = select(*CLUSTER_COLUMNS).where(*flt.clauses(reader.now))  # type: ignore[assignment]
    return stmt.execution_options(yield_per=CLUSTER_BATCH)


def case_clusters(
    reader: ClockReader,
    rows: Iterable[Any],
    bbox: tuple[float, float, float, float],
    cells: int = CLUSTER_CELLS,
) -> list[dict[str, Any]]:
    """Rows of CLUSTER_COLUMNS (`cluster_rows`) in the window `bbox`, cut into cells × cells: per
    cell with cases, a GeoJSON point at their mean position with `count`, `lights` (how many of
    each light, the same light as each case's feature), `light` (the most urgent) and `bbox` (the
    cell: zoom there to see its cases one by one). Cells in row-major order from the south-west."""
    min_lon, min_lat, max_lon, max_lat = bbox
    width, height = (max_lon - min_lon) / cells, (max_lat - min_lat) / cells
    last = cells - 1
    found: dict[tuple[int, int], _Cell] = {}
    for lon, lat, *clock in rows:
        # a case on the window's east or north edge belongs to the last cell, not one beyond it
        key = (min(int((lat - min_lat) / height), last), min(int((lon - min_lon) / width), last))
        cell = found.get(key)
        if cell is None:
            cell = found[key] = _Cell()
        cell.count += 1
        cell.lon_sum += lon
        cell.lat_sum += lat
        light = reader.light_of(*clock)
        if light is not None:
            cell.lights[light] += 1
    clusters = []
    for (row, column), cell in sorted(found.items()):
        worst = max((light for light, n in cell.lights.items() if n), key=_URGENCY.__getitem__, default=None)
        west, south = min_lon + column * width, min_lat + row * height
        mean = [cell.lon_sum / cell.count, cell.lat_sum / cell.count]
        clusters.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": mean},
                "properties": {
                    "cluster": True,
                    "count": cell.count,
                    "light": worst,
                    "lights": cell.lights,
                    "bbox": [west, south, west + width, south + height],
                },
            }
        )
    return clusters
