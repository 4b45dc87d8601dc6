"""Territory and the three grid layers: import, generation, versions, crosswalk, point lookup."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import case, delete, func, select, true, update
from sqlalchemy.orm import Session, undefer

from gridcity.db import bulk
from gridcity.db.engine import unit_of_work
from gridcity.db.models import Grid, GridCrosswalk, OrgUnit
from gridcity.domain import bounded_json
from gridcity.domain.assessment import LEVEL_LABELS
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.registry import StaffLayer
from gridcity.domain.territory import (
    GridLayer,
    parse_code,
    validate_community_code,
    validate_district_code,
    validate_street_code,
)
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress
from gridcity.services.territory_state import LAYERS
from gridcity.spatial import communities as community_cells
from gridcity.spatial import gridgen
from gridcity.spatial.crosswalk import compute_crosswalk
from gridcity.spatial.crs import area_m2
from gridcity.spatial.geojson import POLYGONAL, Feature, read_features, write_feature_collection

DEFAULT_GRID_AREA = {
    GridLayer.CITY_MANAGEMENT.value: gridgen.UNIT_GRID_AREA_M2,
    GridLayer.SOCIAL_SERVICE.value: gridgen.SOCIAL_SERVICE_AREA_M2,
    GridLayer.PUBLIC_SECURITY.value: gridgen.PUBLIC_SECURITY_AREA_M2,
}


def _zh(kind: str) -> str:
    """A territory level's Chinese name (区, 街道, 社区) for a refusal."""
    return LEVEL_LABELS.get(kind, (kind, kind))[0]


# --- the organisation tree -----------------------------------------------------------------


def ensure_city(db: Session, code: str, name: str) -> OrgUnit:
    """The root of the tree: the city and its platform (市级平台)."""
    city = db.scalar(select(OrgUnit).where(OrgUnit.kind == "city"))
    if city is None:
        city = OrgUnit(code=code, name=name, kind="city", tier="city", scope_code="", networks=list(LAYERS))
        db.add(city)
        db.flush()
    return city


def _set_geometry(unit: OrgUnit | Grid, geometry: BaseGeometry) -> None:
    unit.geom_wkb = shapely.to_wkb(geometry)
    unit.min_lon, unit.min_lat, unit.max_lon, unit.max_lat = (float(v) for v in geometry.bounds)
    unit.area_m2 = area_m2(geometry)


def unit_geometry(unit: OrgUnit | Grid) -> BaseGeometry | None:
    return shapely.from_wkb(unit.geom_wkb) if unit.geom_wkb else None


def _upsert_unit(
    db: Session,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit,
    geometry: BaseGeometry | None,
    attrs: dict[str, Any],
) -> OrgUnit:
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        unit = OrgUnit(code=code, kind=kind, tier=kind, scope_code=code, networks=list(LAYERS))
        db.add(unit)
    elif unit.kind != kind:
        raise Invalid(
            message(
                "territory.kind_clash",
                kind=unit.kind,
                kind2=kind,
                unit_code=code,
                kind_zh=_zh(unit.kind),
                kind2_zh=_zh(kind),
            )
        )
    unit.name, unit.parent, unit.attrs = name, parent, attrs
    if geometry is not None:
        _set_geometry(unit, geometry)
    return unit


def import_districts(
    platform: Platform, db: Session, source: str | Path, progress: Progress = SILENT, attribution: str = ""
) -> int:
    """Districts (区) from GeoJSON: properties `district_code` (6 digits) and `name`."""
    features = read_features(source, geometry_types=POLYGONAL)
    with unit_of_work(db):
        city = ensure_city(db, platform.settings.city_code, platform.settings.city_name)
        for i, feature in enumerate(progress.track(features, len(features), "districts 区")):
            code = _prop(feature.properties, i, "district_code", "code")
            validate_district_code(code)
            _upsert_unit(
                db,
                code,
                _prop(feature.properties, i, "name"),
                "district",
                city,
                feature.geometry,
                {"source": attribution} if attribution else {},
            )
    platform.invalidate("territory", "units")
    return len(features)


def import_streets(
    platform: Platform, db: Session, source: str | Path, progress: Progress = SILENT, attribution: str = ""
) -> int:
    """Streets/townships (街道/乡/镇) from GeoJSON: `street_code_9` (or `street_code`), `name`; the
    district comes from the code's first six digits and must be imported first."""
    features = read_features(source, geometry_types=POLYGONAL)
    with unit_of_work(db):
        districts = {u.code: u for u in db.scalars(select(OrgUnit).where(OrgUnit.kind == "district"))}
        for i, feature in enumerate(progress.track(features, len(features), "streets 街道")):
            code = _prop(feature.properties, i, "street_code_9", "street_code", "code")
            validate_street_code(code)
            district = districts.get(code[:6])
            if district is None:
                raise Invalid(
                    message(
                        "territory.street_without_district", i=i, street_code=code, district_code=code[:6]
                    )
                )
            _upsert_unit(
                db,
                code,
                _prop(feature.properties, i, "name"),
                "street",
                district,
                feature.geometry,
                {"source": attribution} if attribution else {},
            )
    platform.invalidate("territory", "units")
    return len(features)


def _prop(props: dict[str, Any], index: int, *names: str) -> str:
    for name in names:
        value = props.get(name)
        if value not in (None, ""):
            return str(value)
    raise Invalid(
        message("territory.missing_property", index=index, names=" / ".join(repr(n) for n in names))
    )


@dataclass
class CommunityImport:
    created: int = 0
    synthetic: int = 0  # streets with no community rows: one community covering the street
    without_point: list[str] = field(default_factory=list)  # listed, but no centre point to place them


def import_communities_csv(
    platform: Platform,
    db: Session,
    source: str | Path,
    district_codes: Sequence[str] | None = None,
    progress: Progress = SILENT,
    attribution: str = "",
) -> CommunityImport:
    """Communities/villages (社区/村) from a CSV of 12-digit codes with centre points in GCJ-02.

    No public polygons exist, so each community's area is derived: the Voronoi cell of its centre
    (converted to WGS84) clipped to its street. The derivation is recorded in the unit's attributes.
    """
    try:
        text = Path(source).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(message("territory.not_text", source=source)) from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and not {"code", "name"} <= set(rows[0]):
        raise Invalid(message("territory.community_columns"))
    wanted = set(district_codes or [])
    communities = [
        r
        for r in rows
        if len(r.get("code", "")) == 12
        and r.get("level", "village") == "village"
        and (not wanted or r["code"][:6] in wanted)
    ]
    for r in communities:
        validate_community_code(r["code"])
    lons = [_float(r.get("longitude")) for r in communities]
    lats = [_float(r.get("latitude")) for r in communities]
    centres = community_cells.centres_by_street([r["code"] for r in communities], lons, lats)
    names = {r["code"]: r["name"] for r in communities}
    result = CommunityImport()
    derived = {
        "geometry_source": "derived: Voronoi cell of the community centre (GCJ-02 converted to WGS84) "
        "clipped to its street; no official community polygons are published",
        **({"source": attribution} if attribution else {}),
    }
    with unit_of_work(db):
        stmt = select(OrgUnit).where(OrgUnit.kind == "street")
        streets = [s for s in db.scalars(stmt) if not wanted or s.code[:6] in wanted]
        listed_by_street: dict[str, list[str]] = {}
        for r in communities:
            listed_by_street.setdefault(r["code"][:9], []).append(r["code"])
        for street in progress.track(streets, len(streets), "communities 社区"):
            polygon = unit_geometry(street)
            if polygon is None:
                continue
            cells = community_cells.derive_community_cells(polygon, centres.get(street.code, {}))
            if not cells:
                cells = community_cells.whole_street_community(street.code, polygon)
                result.synthetic += 1
                attrs = {**derived, "geometry_source": "synthetic: the whole street (no community listed)"}
                for code, geometry in cells.items():
                    _upsert_unit(db, code, f"{street.name}(全街道)", "community", street, geometry, attrs)
                    result.created += 1
                continue
            for code, geometry in cells.items():
                _upsert_unit(db, code, names[code], "community", street, geometry, derived)
                result.created += 1
            result.without_point += [c for c in listed_by_street.get(street.code, []) if c not in cells]
    platform.invalidate("territory", "units")
    return result


def _float(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else float("nan")
    except ValueError:
        return float("nan")


# --- grids ---------------------------------------------------------------------------------


@dataclass
class GridRun:
    layer: str
    created: int = 0
    superseded: int = 0
    resized: list[str] = field(default_factory=list)  # parents whose cell size had to grow (999 cap)


def _check_layer(layer: str) -> str:
    if layer not in LAYERS:
        raise Invalid(message("territory.unknown_layer", layer=layer, layers=", ".join(LAYERS)))
    return layer


def generate_grids(
    platform: Platform,
    db: Session,
    layer: str,
    district_codes: Sequence[str],
    target_area_m2: float | None = None,
    progress: Progress = SILENT,
) -> GridRun:
    """Generate one layer's grids inside the given districts as a new version (the current grids
    of those parents are closed, never edited). Unit and social-service grids are cut inside each
    community; public-security grids inside each street."""
    _check_layer(layer)
    target = target_area_m2 or DEFAULT_GRID_AREA[layer]
    if target < 100:
        raise Invalid(message("territory.target_area"))
    parent_kind = "street" if layer == GridLayer.PUBLIC_SECURITY else "community"
    parents = [
        u
        for u in db.scalars(
            select(OrgUnit)
            .options(undefer(OrgUnit.geom_wkb))  # the polygons cut below, in this one query
            .where(OrgUnit.kind == parent_kind)
            .order_by(OrgUnit.code)
        )
        if u.code[:6] in set(district_codes)
    ]
    if not parents:
        raise NotFound(
            message(
                "territory.no_parents",
                parent_kind=parent_kind,
                district_codes=", ".join(district_codes),
                parent_kind_zh=_zh(parent_kind),
            )
        )
    run = GridRun(layer)
    now = platform.now()
    with unit_of_work(db):
        for parent in progress.track(parents, len(parents), f"grids {layer}"):
            polygon = unit_geometry(parent)
            if polygon is None:
                continue
            if layer == GridLayer.CITY_MANAGEMENT:
                grids = gridgen.generate_unit_grids(polygon, parent.code, target)
            elif layer == GridLayer.SOCIAL_SERVICE:
                grids = gridgen.generate_social_service_grids(polygon, parent.code, target)
            else:
                grids = gridgen.generate_public_security_grids(polygon, parent.code, target)
            if grids.resized:
                run.resized.append(parent.code)
            run.superseded += _close_current(db, layer, parent, now)
            version = _next_version(db, layer, parent)
            for g in grids:
                row = _grid_row(layer, g.code, parent, version, now, "generated")
                _set_geometry(row, g.geometry)
                db.add(row)
                run.created += 1
    platform.invalidate("territory", "units")
    return run


def import_grids(
    platform: Platform,
    db: Session,
    layer: str,
    source: str | Path | dict[str, Any],
    progress: Progress = SILENT,
) -> GridRun:
    """Import one layer's grids from GeoJSON (property `code`), as a new version of every parent
    they cover. A grid must lie inside its community (or street, for public-security grids)."""
    _check_layer(layer)
    features = read_features(source, geometry_types=POLYGONAL)
    run = GridRun(layer)
    now = platform.now()
    parent_kind = "street" if layer == GridLayer.PUBLIC_SECURITY else "community"
    units = {u.code: u for u in db.scalars(select(OrgUnit).where(OrgUnit.kind == parent_kind))}
    by_parent: dict[str, list[tuple[str, BaseGeometry]]] = {}
    for i, feature in enumerate(features):
        code = _prop(feature.properties, i, "code", "grid_code")
        parent_code = _grid_parent_code(layer, code)
        parent = units.get(parent_code)
        if parent is None:
            raise Invalid(
                message(
                    "territory.parent_missing",
                    i=i,
                    parent_kind=parent_kind,
                    parent_code=parent_code,
                    grid_code=code,
                    parent_kind_zh=_zh(parent_kind),
                )
            )
        parent_polygon = unit_geometry(parent)
        outside = feature.geometry.difference(parent_polygon).area if parent_polygon is not None else 0.0
        if outside > 0.01 * feature.geometry.area:
            raise Invalid(
                message(
                    "territory.crosses_parent",
                    i=i,
                    parent_kind=parent_kind,
                    parent_code=parent_code,
                    grid_code=code,
                    parent_kind_zh=_zh(parent_kind),
                )
            )
        by_parent.setdefault(parent_code, []).append((code, feature.geometry))
    with unit_of_work(db):
        for parent_code, grids in progress.track(list(by_parent.items()), len(by_parent), f"grids {layer}"):
            parent = units[parent_code]
            codes = [c for c, _ in grids]
            if len(set(codes)) != len(codes):
                raise Invalid(message("territory.duplicate_codes", parent_code=parent_code))
            run.superseded += _close_current(db, layer, parent, now)
            version = _next_version(db, layer, parent)
            for code, geometry in grids:
                row = _grid_row(layer, code, parent, version, now, "imported")
                _set_geometry(row, geometry)
                db.add(row)
                run.created += 1
    platform.invalidate("territory", "units")
    return run


def _grid_parent_code(layer: str, code: str) -> str:
    parsed = parse_code(code)
    if layer == GridLayer.PUBLIC_SECURITY:
        return code[:9]
    if layer == GridLayer.SOCIAL_SERVICE:
        return code[6:18]
    if parsed.level != "grid":
        raise Invalid(message("territory.not_unit_grid_code", grid_code=code))
    return code[:12]


def _parent_filter(layer: str, parent: OrgUnit) -> Any:
    column = Grid.street_code if layer == GridLayer.PUBLIC_SECURITY else Grid.community_code
    return column == parent.code


def _close_current(db: Session, layer: str, parent: OrgUnit, now: datetime) -> int:
    result = db.execute(
        update(Grid)
        .where(Grid.layer == layer, Grid.valid_to.is_(None), _parent_filter(layer, parent))
        .values(valid_to=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _next_version(db: Session, layer: str, parent: OrgUnit) -> int:
    from sqlalchemy import func

    current = db.scalar(
        select(func.max(Grid.version)).where(Grid.layer == layer, _parent_filter(layer, parent))
    )
    return (current or 0) + 1


def _grid_row(layer: str, code: str, parent: OrgUnit, version: int, now: datetime, source: str) -> Grid:
    street_code = parent.code[:9]
    return Grid(
        layer=layer,
        code=code,
        version=version,
        district_code=street_code[:6],
        street_code=street_code,
        community_code=None if layer == GridLayer.PUBLIC_SECURITY else parent.code,
        valid_from=now,
        valid_to=None,
        responsible_unit_id=parent.id if parent.kind == "street" else parent.parent_id,
        source=source,
        attrs={},
    )


def current_grids(db: Session, layer: str, district_codes: Iterable[str] | None = None) -> list[Grid]:
    """The current grids of a layer, with their geometry (loaded in the same query, not one
    query per grid)."""
    stmt = (
        select(Grid)
        .options(undefer(Grid.geom_wkb))
        .where(Grid.layer == layer, Grid.valid_to.is_(None))
        .order_by(Grid.code)
    )
    if district_codes:
        stmt = stmt.where(Grid.district_code.in_(list(district_codes)))
    return list(db.scalars(stmt).all())


def rebuild_crosswalk(platform: Platform, db: Session, progress: Progress = SILENT) -> int:
    """Store which current grids of each layer overlap which of the others, with the overlap area."""
    layers = {layer: current_grids(db, layer) for layer in LAYERS}
    pairs = [(a, b) for i, a in enumerate(LAYERS) for b in LAYERS[i + 1 :]]
    count = 0
    with unit_of_work(db):
        db.execute(delete(GridCrosswalk))
        for a, b in progress.track(pairs, len(pairs), "crosswalk 三网对照"):
            rows_a, rows_b = layers[a], layers[b]
            if not rows_a or not rows_b:
                continue
            ids_a = {g.code: g.id for g in rows_a}
            ids_b = {g.code: g.id for g in rows_b}
            overlaps = compute_crosswalk(
                [(g.code, unit_geometry(g)) for g in rows_a], [(g.code, unit_geometry(g)) for g in rows_b]
            )
            bulk.insert_rows(  # tens of thousands of rows: without the ORM's per-row cost
                db.connection(),
                GridCrosswalk.__table__,  # type: ignore[arg-type]
                ("grid_a_id", "grid_b_id", "layer_a", "layer_b", "overlap_m2"),
                ((ids_a[ka], ids_b[kb], a, b, m2) for ka, kb, m2 in overlaps),
            )
            count += len(overlaps)
    return count


# --- reading grids -------------------------------------------------------------------------

MAX_GRIDS_PER_WINDOW = 5000


def grids_in_window(
    db: Session, layer: str, bbox: tuple[float, float, float, float], limit: int = MAX_GRIDS_PER_WINDOW
) -> tuple[list[Grid], bool]:
    """Current grids of a layer whose bounding box meets the window (for map layers); and whether
    more exist than `limit`."""
    _check_layer(layer)
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lon < max_lon and min_lat < max_lat):
        raise Invalid(message("territory.bbox_form"))
    stmt = (
        select(Grid)
        .where(
            Grid.layer == layer,
            Grid.valid_to.is_(None),
            Grid.max_lon >= min_lon,
            Grid.min_lon <= max_lon,
            Grid.max_lat >= min_lat,
            Grid.min_lat <= max_lat,
        )
        .order_by(Grid.code)
        .limit(limit + 1)
    )
    rows = list(db.scalars(stmt).all())
    return rows[:limit], len(rows) > limit


def grid_properties(grid: Grid) -> dict[str, Any]:
    return {
        "layer": grid.layer,
        "code": grid.code,
        "version": grid.version,
        "district_code": grid.district_code,
        "street_code": grid.street_code,
        "community_code": grid.community_code,
        "area_m2": round(grid.area_m2 or 0.0, 1),
        "valid_from": grid.valid_from.isoformat(),
        "source": grid.source,
    }


def grids_feature_collection(grids: Sequence[Grid]) -> dict[str, Any]:
    """Grids as GeoJSON, their codes and versions as properties."""
    features = [Feature(grid_properties(g), shapely.from_wkb(g.geom_wkb)) for g in grids]
    return write_feature_collection(features)


def grid_with_overlaps(db: Session, layer: str, code: str) -> tuple[Grid, list[tuple[Grid, float]]]:
    """The current version of a grid, and the grids of the other layers it overlaps (三网对照)."""
    _check_layer(layer)
    grid = db.scalar(select(Grid).where(Grid.layer == layer, Grid.code == code, Grid.valid_to.is_(None)))
    if grid is None:
        raise NotFound(
            message("territory.no_grid", layer=layer, grid_code=code, layer_zh=StaffLayer(layer).label_zh)
        )
    pairs = db.execute(
        select(GridCrosswalk.grid_a_id, GridCrosswalk.grid_b_id, GridCrosswalk.overlap_m2).where(
            (GridCrosswalk.grid_a_id == grid.id) | (GridCrosswalk.grid_b_id == grid.id)
        )
    ).all()
    other_ids = {a if b == grid.id else b: m2 for a, b, m2 in pairs}
    others = db.scalars(select(Grid).where(Grid.id.in_(list(other_ids)))).all() if other_ids else []
    overlaps = sorted(((g, other_ids[g.id]) for g in others), key=lambda p: (p[0].layer, -p[1]))
    return grid, overlaps


def boundaries(db: Session, level: str, parent_code: str | None) -> dict[str, Any]:
    """District or street outlines (simplified for drawing), as GeoJSON."""
    if level not in ("district", "street", "community"):
        raise Invalid(message("territory.bad_level"))
    stmt = select(OrgUnit).where(OrgUnit.kind == level, OrgUnit.geom_wkb.is_not(None)).order_by(OrgUnit.code)
    if parent_code:
        stmt = stmt.where(OrgUnit.code.startswith(parent_code))
    units = db.scalars(stmt).all()
    # ~10 m tolerance: invisible at city zoom, and a tenth of the bytes
    features = [
        Feature(
            {"code": u.code, "name": u.name, "level": level}, shapely.from_wkb(u.geom_wkb).simplify(0.0001)
        )
        for u in units
    ]
    return write_feature_collection(features)


# --- administration within a tier (系统管理) ----------------------------------------------------


def grid_scope_clause(scope: str) -> Any:
    """The grids of a territory (a platform's scope code; '' = the whole city)."""
    if not scope:
        return true()
    if len(scope) == 6:
        return Grid.district_code == scope
    if len(scope) == 9:
        return Grid.street_code == scope
    return Grid.community_code == scope


def grid_counts(db: Session, scope: str) -> dict[str, int]:
    """How many current grids of each layer lie in a territory."""
    rows = db.execute(
        select(Grid.layer, func.count())
        .where(Grid.valid_to.is_(None), grid_scope_clause(scope))
        .group_by(Grid.layer)
    ).all()
    counts = dict.fromkeys(LAYERS, 0)
    counts.update({layer: int(n) for layer, n in rows})
    return counts


@dataclass(frozen=True)
class GridVersion:
    layer: str
    parent_code: str  # the community (or street, for public-security grids) the version covers
    version: int
    valid_from: datetime
    valid_to: datetime | None
    count: int
    source: str


def grid_versions(
    db: Session, scope: str, layer: str | None = None, parent: str | None = None, limit: int = 500
) -> tuple[list[GridVersion], int]:
    """Every version of the grids of each community (street) and layer in a territory, newest first
    within each parent; and how many there are in all."""
    if layer:
        _check_layer(layer)
    parent_col = case(
        (Grid.layer == GridLayer.PUBLIC_SECURITY.value, Grid.street_code), else_=Grid.community_code
    ).label("parent_code")
    stmt = select(
        Grid.layer,
        parent_col,
        Grid.version,
        func.min(Grid.valid_from),
        func.max(Grid.valid_to),
        func.count(),
        func.max(Grid.source),
    ).where(grid_scope_clause(scope))
    if layer:
        stmt = stmt.where(Grid.layer == layer)
    if parent:
        if not parent.isdigit() or len(parent) > 12:
            raise Invalid(message("territory.bad_parent", parent=parent))
        stmt = stmt.where(Grid.street_code.startswith(parent[:9]))
        if len(parent) > 9:
            stmt = stmt.where(Grid.community_code.startswith(parent))
    grouped = stmt.group_by(Grid.layer, parent_col, Grid.version).subquery()
    total = db.scalar(select(func.count()).select_from(grouped)) or 0
    rows = db.execute(
        select(grouped)
        .order_by(grouped.c.layer, grouped.c.parent_code, grouped.c.version.desc())
        .limit(limit)
    ).all()
    versions = [GridVersion(r[0], r[1] or "", r[2], r[3], r[4], int(r[5]), r[6] or "") for r in rows]
    return versions, int(total)


def grids_of_parent(db: Session, scope: str, layer: str, parent: str) -> list[Grid]:
    """The current grids of a layer in a district, street or community within a territory (for a
    download that `import_grids` takes back)."""
    _check_layer(layer)
    parent = parent.strip()
    if not parent.isdigit() or len(parent) not in (6, 9, 12):
        raise Invalid(message("territory.name_parent"))
    if not parent.startswith(scope) and not scope.startswith(parent):
        raise Forbidden(message("territory.outside_area", parent=parent, scope=scope))
    if layer == GridLayer.PUBLIC_SECURITY and len(parent) == 12:
        raise Invalid(message("territory.ps_per_street"))
    column = {6: Grid.district_code, 9: Grid.street_code, 12: Grid.community_code}[len(parent)]
    stmt = (
        select(Grid)
        .where(Grid.layer == layer, Grid.valid_to.is_(None), column == parent, grid_scope_clause(scope))
        .order_by(Grid.code)
    )
    return list(db.scalars(stmt))


@dataclass
class GridUpload:
    run: GridRun
    versions: dict[str, int]  # parent code -> the new version
    crosswalk: int  # overlap rows stored for the new grids


def import_grid_upload(
    platform: Platform, db: Session, user: Principal, layer: str, data: bytes, filename: str = "upload"
) -> GridUpload:
    """An admin's uploaded GeoJSON file of one layer's grids, as a new version of every community
    (street) it covers — all inside the admin's area, or nothing is written. The crosswalk of the
    new grids with the other two layers is stored afterwards."""
    _check_layer(layer)
    scope = _admin_scope(user)
    if not data.strip():
        raise Invalid(message("grid_file.empty", filename=filename))
    settings = platform.settings
    if len(data) > settings.max_import_bytes:
        raise Invalid(
            message(
                "grid_file.too_large", filename=filename, limit=settings.max_import_bytes // (1024 * 1024)
            )
        )
    try:  # bounded: a file nested too deep or with too many coordinates is refused before parsing
        document = bounded_json.loads(
            data.decode("utf-8-sig"), filename, max_arrays=settings.max_import_positions
        )
    except UnicodeDecodeError:
        raise Invalid(message("grid_file.not_text", filename=filename)) from None
    except json.JSONDecodeError as exc:
        raise Invalid(
            message("grid_file.bad_json", filename=filename, msg=exc.msg, lineno=exc.lineno, colno=exc.colno)
        ) from None
    if not isinstance(document, dict):
        raise Invalid(message("grid_file.not_collection", filename=filename))
    raw_features = document.get("features")
    if isinstance(raw_features, list) and len(raw_features) > settings.max_import_features:
        refusal = message(
            "bounds.too_many_features",
            source=filename,
            count=len(raw_features),
            limit=settings.max_import_features,
        )
        raise Invalid(refusal)
    features = read_features(document, geometry_types=POLYGONAL)
    if not features:
        raise Invalid(message("grid_file.no_grids", filename=filename))
    parents = set()
    for i, feature in enumerate(features):
        code = _prop(feature.properties, i, "code", "grid_code")
        parent = _grid_parent_code(layer, code)
        if not parent.startswith(scope):
            raise Forbidden(
                message(
                    "territory.import_outside_area",
                    i=i,
                    parent=parent,
                    org_unit_name=user.org_unit.name,
                    scope=scope,
                    grid_code=code,
                )
            )
        parents.add(parent)
    run = import_grids(platform, db, layer, document)
    crosswalk = refresh_crosswalk(db, layer, sorted(parents))
    column = Grid.street_code if layer == GridLayer.PUBLIC_SECURITY else Grid.community_code
    versions = {
        str(parent): int(version)
        for parent, version in db.execute(
            select(column, func.max(Grid.version))
            .where(Grid.layer == layer, column.in_(sorted(parents)), Grid.valid_to.is_(None))
            .group_by(column)
        ).all()
    }
    return GridUpload(run, versions, crosswalk)


def refresh_crosswalk(db: Session, layer: str, parents: Sequence[str]) -> int:
    """Store the overlaps of one layer's current grids in these communities (streets) with the
    current grids of the other two layers, and forget the overlaps of grids no longer current —
    the part of `rebuild_crosswalk` a new version of a few parents changes."""
    column = Grid.street_code if layer == GridLayer.PUBLIC_SECURITY else Grid.community_code
    new = list(
        db.scalars(
            select(Grid).where(Grid.layer == layer, Grid.valid_to.is_(None), column.in_(list(parents)))
        )
    )
    count = 0
    with unit_of_work(db):
        stale = select(Grid.id).where(Grid.valid_to.is_not(None))
        db.execute(
            delete(GridCrosswalk).where(
                GridCrosswalk.grid_a_id.in_(stale) | GridCrosswalk.grid_b_id.in_(stale)
            )
        )
        if not new:
            return 0
        ids = [g.id for g in new]
        db.execute(
            delete(GridCrosswalk).where(GridCrosswalk.grid_a_id.in_(ids) | GridCrosswalk.grid_b_id.in_(ids))
        )
        bounds = (
            min(g.min_lon or 0.0 for g in new),
            min(g.min_lat or 0.0 for g in new),
            max(g.max_lon or 0.0 for g in new),
            max(g.max_lat or 0.0 for g in new),
        )
        mine = [(g.code, unit_geometry(g)) for g in new]
        my_ids = {g.code: g.id for g in new}
        for other in LAYERS:
            if other == layer:
                continue
            others, _ = grids_in_window(db, other, bounds, limit=1_000_000)
            if not others:
                continue
            their_ids = {g.code: g.id for g in others}
            overlaps = compute_crosswalk(mine, [(g.code, unit_geometry(g)) for g in others])
            first = LAYERS.index(layer) < LAYERS.index(other)
            for mk, ok, m2 in overlaps:
                a, b = (my_ids[mk], their_ids[ok]) if first else (their_ids[ok], my_ids[mk])
                la, lb = (layer, other) if first else (other, layer)
                db.add(GridCrosswalk(grid_a_id=a, grid_b_id=b, layer_a=la, layer_b=lb, overlap_m2=m2))
                count += 1
    return count


def _admin_scope(user: Principal) -> str:
    if user is None or user.role != "admin":
        raise Forbidden(message("territory.import_admin_only"))
    return str(user.org_unit.scope_code)


def area_bounds(db: Session, scope_code: str) -> list[float] | None:
    """[min_lon, min_lat, max_lon, max_lat] around the territory under a unit's scope code (the
    whole city for ""), for a map's first view; None while that territory has no boundaries."""
    row = db.execute(
        select(
            func.min(OrgUnit.min_lon),
            func.min(OrgUnit.min_lat),
            func.max(OrgUnit.max_lon),
            func.max(OrgUnit.max_lat),
        ).where(
            OrgUnit.kind.in_(["district", "street", "community"]),
            OrgUnit.code.startswith(scope_code),
            OrgUnit.min_lon.is_not(None),
        )
    ).one()
    return None if row[0] is None else [round(float(v), 5) for v in row]
