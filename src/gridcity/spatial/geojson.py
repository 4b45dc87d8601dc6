"""Read and write GeoJSON FeatureCollections, refusing what would silently corrupt the territory.

Boundary files come from many hands. The usual mistakes are a file still in a projected CRS
(metres where degrees belong), a point layer uploaded where polygons are needed, and polygons
that self-intersect by a hair. The first two are rejected with a message naming the feature; the
third is repaired, but only when the repair does not change the area noticeably, because a
larger change means the shape itself is wrong and a person has to look at it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gridcity.domain import bounded_json
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message

POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
REPAIR_MAX_AREA_CHANGE = 0.001  # 0.1 %


@dataclass(frozen=True)
class Feature:
    """One GeoJSON feature: its properties and a shapely geometry in WGS84 lon/lat."""

    properties: dict[str, Any] = field(hash=False)
    geometry: BaseGeometry


def read_features(
    source: str | Path | bytes | Mapping[str, Any],
    *,
    geometry_types: Iterable[str] | None = None,
    max_area_change: float = REPAIR_MAX_AREA_CHANGE,
) -> list[Feature]:
    """Parse and validate a FeatureCollection from a path, JSON text/bytes or an already-loaded dict.

    ``geometry_types`` (e.g. ``{"Polygon", "MultiPolygon"}``) restricts the geometry types allowed.
    Raises :class:`Invalid` naming the feature index for every rule broken.
    """
    data = _load(source)
    allowed = frozenset(geometry_types) if geometry_types is not None else None
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        kind = data.get("type") if isinstance(data, Mapping) else type(data).__name__
        raise Invalid(message("geojson.not_collection", kind=kind))
    raw_features = data.get("features")
    if not isinstance(raw_features, list):
        raise Invalid(message("geojson.no_features"))
    return [_read_feature(i, raw, allowed, max_area_change) for i, raw in enumerate(raw_features)]


def _load(source: str | Path | bytes | Mapping[str, Any]) -> Any:
    """Accept a dict, JSON text or a file path; a string that starts like JSON is treated as text."""
    if isinstance(source, Mapping):
        return source
    try:
        # bounded: a document nested too deep is refused with a message, not a RecursionError
        if isinstance(source, bytes):
            return bounded_json.loads(source, "GeoJSON")
        if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
            return bounded_json.loads(source, "GeoJSON")
        text = Path(source).read_text(encoding="utf-8")
    except json.JSONDecodeError as exc:
        raise Invalid(message("geojson.not_json", error=exc.msg, line=exc.lineno, column=exc.colno)) from exc
    except OSError as exc:
        raise Invalid(
            message("geojson.unreadable", file=str(source), error=str(exc.strerror or exc))
        ) from exc
    except UnicodeDecodeError:
        raise Invalid(message("geojson.not_unicode", file=str(source))) from None
    try:
        return bounded_json.loads(text, str(source))
    except json.JSONDecodeError as exc:
        raise Invalid(
            message(
                "geojson.file_not_json", file=str(source), error=exc.msg, line=exc.lineno, column=exc.colno
            )
        ) from exc


def _read_feature(index: int, raw: Any, allowed: frozenset[str] | None, max_area_change: float) -> Feature:
    if not isinstance(raw, Mapping) or raw.get("type") != "Feature":
        raise Invalid(message("geojson.not_feature", index=index, number=index + 1), feature_index=index)
    properties = raw.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise Invalid(message("geojson.bad_properties", index=index, number=index + 1), feature_index=index)
    geometry = _read_geometry(index, raw.get("geometry"), allowed)
    _check_lonlat(index, geometry)
    if geometry.geom_type in POLYGONAL:
        geometry = _repair_polygon(index, geometry, allowed, max_area_change)
    return Feature(dict(properties), geometry)


def _read_geometry(index: int, raw: Any, allowed: frozenset[str] | None) -> BaseGeometry:
    if not isinstance(raw, Mapping):
        raise Invalid(message("geojson.no_geometry", index=index, number=index + 1), feature_index=index)
    kind = raw.get("type")
    if allowed is not None and kind not in allowed:
        refusal = message(
            "geojson.wrong_type",
            index=index,
            number=index + 1,
            kind=kind,
            expected=" or ".join(sorted(allowed)),
            expected_zh=" 或 ".join(sorted(allowed)),
        )
        raise Invalid(refusal, feature_index=index)
    try:
        geometry = shape(raw)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        refusal = message("geojson.malformed", index=index, number=index + 1, kind=kind, error=str(exc))
        raise Invalid(refusal, feature_index=index) from exc
    if geometry.is_empty:
        raise Invalid(message("geojson.empty", index=index, number=index + 1), feature_index=index)
    return geometry


def _check_lonlat(index: int, geometry: BaseGeometry) -> None:
    """Reject coordinates outside lon/lat range: almost always a file left in a projected CRS."""
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        raise Invalid(message("geojson.not_finite", index=index, number=index + 1), feature_index=index)
    bad = (np.abs(coords[:, 0]) > 180.0) | (np.abs(coords[:, 1]) > 90.0)
    if bad.any():
        x, y = coords[np.argmax(bad)]
        raise Invalid(
            message("geojson.projected", index=index, number=index + 1, x=f"{x:.6g}", y=f"{y:.6g}"),
            feature_index=index,
        )


def _repair_polygon(
    index: int, geometry: BaseGeometry, allowed: frozenset[str] | None, max_area_change: float
) -> BaseGeometry:
    """make_valid a broken polygon, keeping the repair only if the area moves by ≤ max_area_change."""
    if geometry.is_valid:
        return geometry
    reason = shapely.is_valid_reason(geometry)
    repaired = polygonal_part(shapely.make_valid(geometry))
    before, after = abs(geometry.area), repaired.area
    change = abs(after - before) / before if before > 0 else math.inf
    if repaired.is_empty or change > max_area_change:
        most = f"{max_area_change:.1%}"
        refusal = (
            message("geojson.repair_unknown_area", index=index, number=index + 1, reason=reason, most=most)
            if math.isinf(change)
            else message(
                "geojson.repair_changes_area",
                index=index,
                number=index + 1,
                reason=reason,
                change=f"{change:.2%}",
                most=most,
            )
        )
        raise Invalid(refusal, feature_index=index)
    if allowed is not None and repaired.geom_type not in allowed:
        refusal = message(
            "geojson.repair_type", index=index, number=index + 1, reason=reason, kind=repaired.geom_type
        )
        raise Invalid(refusal, feature_index=index)
    return repaired


def polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the polygons of a geometry (overlays and make_valid can add stray lines/points)."""
    if geometry.geom_type in POLYGONAL:
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in POLYGONAL and not p.is_empty]
    if not parts:
        return shapely.Polygon()
    if len(parts) == 1:
        return parts[0]
    return shapely.union_all(parts)


def write_feature_collection(features: Iterable[Feature]) -> dict[str, Any]:
    """A plain-dict FeatureCollection (lists, not tuples) ready for json.dumps or an HTTP response."""
    features = list(features)
    geometries = shapely.to_geojson(np.array([f.geometry for f in features], dtype=object))
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": dict(f.properties), "geometry": json.loads(g)}
            for f, g in zip(features, geometries, strict=True)
        ],
    }
