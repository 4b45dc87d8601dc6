"""The maps' search box (地图搜索): a street, a community, a district, a unit grid by code, a case by
number and — for platform staff — the registry's places and addresses, ranked, each with where to
fly to and the outline to draw.

Names match by substring (街道 names are short: 东华门 finds 东华门街道); codes by prefix. The
territory is searched in memory (`Platform.territory()` and `services.map_labels`), a case by its
number through the caller's visibility, places by one query in the caller's area. The public
portal's search (`public=True`) finds territory, grids and the public fields of a case only: never
a place, never a case's description, reporter or exact point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import Case
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services import map_labels, public
from gridcity.services.access import visibility_clause
from gridcity.services.platform import Platform
from gridcity.services.registry import records

MAX_TEXT = 50
LIMIT = 10
# the order of kinds among equally good matches
KINDS = ("case", "grid", "street", "community", "district", "place")
_LEVEL_OF_LENGTH = {6: "district", 9: "street", 12: "community"}
_SIMPLIFY = {"district": 0.0003, "street": 0.0001, "community": 0.00005, "grid": 0.0}


@dataclass
class Hit:
    """One search result: what it is, its name, the names above it, where it is."""

    kind: str  # one of KINDS
    key: str  # a territory or grid code, a case number, a place id
    name: str
    parents: list[str] = field(default_factory=list)  # e.g. the street and district of a community
    lon: float = 0.0
    lat: float = 0.0
    bbox: list[float] | None = None  # min_lon, min_lat, max_lon, max_lat; None: a point
    outline: dict[str, Any] | None = None  # GeoJSON geometry to draw
    extra: dict[str, Any] = field(default_factory=dict)  # a case's class and state, a place's kind
    rank: tuple[Any, ...] = ()


def search(
    platform: Platform,
    db: Session,
    user: Principal | None,
    text: str,
    *,
    public_only: bool = False,
    limit: int = LIMIT,
) -> list[Hit]:
    """The best `limit` hits for `text`; `public_only` (or no staff user) searches what the portal
    may show."""
    text = " ".join(text.split())[:MAX_TEXT]
    if not text:
        return []
    staff = not public_only and user is not None and user.role != Role.CITIZEN
    scope = _scope(user) if staff else ""
    hits = _territory(platform, db, text, scope) + _grids(platform, db, text, scope)
    hits += _case(platform, db, user if staff else None, text)
    if staff:
        hits += _places(db, user, text)
    hits.sort(key=lambda h: h.rank)
    return hits[:limit]


def _scope(user: Principal | None) -> str:
    if user is None or user.org_unit.kind == "department":
        return ""
    return str(user.org_unit.scope_code or "")


def _quality(text: str, name: str, code: str) -> int | None:
    """0 exact, 1 prefix, 2 inside the name; codes by prefix; None: no match."""
    if text in (name, code):
        return 0
    if name.startswith(text) or (text.isdigit() and code.startswith(text)):
        return 1
    if text in name:
        return 2
    return None


def _rank(quality: int, kind: str, in_area: bool, name: str) -> tuple[Any, ...]:
    return (quality, 0 if in_area else 1, KINDS.index(kind), len(name), name)


def _outline(geometry: BaseGeometry | None, level: str) -> tuple[dict[str, Any] | None, list[float] | None]:
    if geometry is None:
        return None, None
    tolerance = _SIMPLIFY.get(level, 0.0)
    shape = geometry.simplify(tolerance) if tolerance else geometry
    return mapping(shape), [round(float(v), 6) for v in geometry.bounds]


def _point(geometry: BaseGeometry | None) -> tuple[float, float]:
    if geometry is None:
        return 0.0, 0.0
    p = shapely.point_on_surface(geometry)
    return round(float(p.x), 6), round(float(p.y), 6)


def _parents(names: dict[str, str], code: str) -> list[str]:
    """The names of the community, street and district above a code, nearest first."""
    return [names[c] for c in (code[:12], code[:9], code[:6]) if c != code and c in names]


def _territory(platform: Platform, db: Session, text: str, scope: str) -> list[Hit]:
    state = platform.territory(db)
    found: list[tuple[int, str, str]] = []
    for code, name in state.names.items():
        level = _LEVEL_OF_LENGTH.get(len(code))
        if level is None:
            continue
        quality = _quality(text, name, code)
        if quality is not None:
            found.append((quality, code, name))
    found.sort(key=lambda f: (f[0], len(f[2]), f[1]))
    hits = []
    for quality, code, name in found[: 4 * LIMIT]:
        level = _LEVEL_OF_LENGTH[len(code)]
        geometry = map_labels.level_labels(state, level).geometry(code)
        outline, bbox = _outline(geometry, level)
        lon, lat = _point(geometry)
        in_area = code.startswith(scope) or scope.startswith(code)
        hits.append(
            Hit(
                level,
                code,
                name,
                _parents(state.names, code),
                lon,
                lat,
                bbox,
                outline,
                rank=_rank(quality, level, in_area, name),
            )
        )
    return hits


def _grids(platform: Platform, db: Session, text: str, scope: str) -> list[Hit]:
    """Unit grids by code (the first 12 digits name the community; at least 12 to ask)."""
    code = text.replace(" ", "")
    if not code.isdigit() or len(code) < 12:
        return []
    state = platform.territory(db)
    labels = map_labels.level_labels(state, "grid")
    hits = []
    for found in labels.codes_starting(code, LIMIT):
        geometry = labels.geometry(found)
        outline, bbox = _outline(geometry, "grid")
        lon, lat = _point(geometry)
        quality = 0 if found == code else 1
        hits.append(
            Hit(
                "grid",
                found,
                found,
                _parents(state.names, found),
                lon,
                lat,
                bbox,
                outline,
                rank=_rank(quality, "grid", found.startswith(scope), found),
            )
        )
    return hits


def _case(platform: Platform, db: Session, user: Principal | None, text: str) -> list[Hit]:
    """A case by its number: staff see any case they may see; the public sees the public fields of
    a case of the public map's networks (its point rounded as on the public map)."""
    case_id = platform.case_id_from_number(text)
    if case_id is None:
        return []
    stmt = select(Case).where(Case.id == case_id)
    if user is not None:
        stmt = stmt.where(visibility_clause(user))
    else:
        stmt = stmt.where(Case.network.in_(public.MAP_NETWORKS), Case.state.not_in(public.MAP_HIDDEN_STATES))
    case = db.scalar(stmt)
    if case is None or platform.case_number(case) != text:
        return []
    names = platform.territory(db).names
    lon, lat = case.lon, case.lat
    if user is None:
        lon, lat = round(lon, public.MAP_DECIMALS), round(lat, public.MAP_DECIMALS)
    extra: dict[str, Any] = {"class_name": case.class_name, "state": case.state}
    if user is not None:
        extra["id"] = case.id
    street = names.get(case.street_code, case.street_code)
    return [Hit("case", text, text, [street], lon, lat, None, None, extra, rank=_rank(0, "case", True, text))]


def _places(db: Session, user: Principal | None, text: str) -> list[Hit]:
    hits = []
    for place in records.find_places(db, user, text, limit=LIMIT):
        geometry = shapely.from_wkb(place.geom_wkb) if place.geom_wkb else None
        outline, bbox = _outline(geometry, "place")
        quality = 0 if text in (place.name, place.address) else 1 if place.name.startswith(text) else 2
        hits.append(
            Hit(
                "place",
                str(place.id),
                place.name,
                [place.address] if place.address else [],
                place.lon,
                place.lat,
                bbox,
                outline,
                {"place_kind": place.kind},
                rank=_rank(quality, "place", True, place.name),
            )
        )
    return hits
