"""A case as a point of a map (`GET /api/v1/cases.geojson`, the console map's `/map/cases.json`):
one place for the feature's shape, read from the few columns it shows, not from ORM objects — a
map window holds up to 20,000 cases."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any, Protocol

import orjson
from sqlalchemy import Row

from gridcity.db.models import Case
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
