"""City components (管理部件): identity codes, states and the census row rules.

A component is a fixed object of the city (a manhole cover, a street lamp, a bench) with an
identity code, a class, a place and the departments that own and maintain it. Two generations of
codes coexist (docs/domain/registry.md §Identity codes):

* old generation (CJ/T 214-2007, Beijing): 16 digits = 6 district + 2 major + 2 minor + 6 sequence,
  e.g. ``3205080101000001`` (a water-supply manhole cover);
* GB/T 47678.5-2026: 17 digits = 6 district + 2 major + 3 minor + 6 sequence.

The length tells the standard, and the class code is the digits after the district. These
functions check shapes and vocabulary only; whether the class exists in the city's catalogue or
the point lies in the coded district is for the caller, who knows the catalogue and the map.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

import shapely

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.registry import parse_uscc
from gridcity.domain.taxonomy import BEIJING_STANDARD, NATIONAL_STANDARD

_CODE_RE = re.compile(r"^\d{16,17}$")
# class code length per code length, and the standard it belongs to
_GENERATIONS = {16: (4, BEIJING_STANDARD), 17: (5, NATIONAL_STANDARD)}

DEFAULT_LINK_RADIUS_M = 20.0
"""How far from the reported point a report looks for the component it is about (the manhole
cover within 20 m): a field supervisor's phone fix is good to a few metres, a citizen's often
to ten or twenty."""

MAX_SEARCH_RADIUS_M = 2000.0


class ComponentCode(NamedTuple):  # a tuple: millions are made by a census import
    code: str
    district_code: str
    class_code: str  # major + minor: 4 digits (old generation) or 5 (GB/T 47678)
    sequence: str
    standard: str

    @property
    def major_code(self) -> str:
        return self.class_code[:2]


def parse_component_code(code: object) -> ComponentCode:
    """Split and check an identity code; Invalid with a message a data clerk can act on."""
    text = code.strip() if isinstance(code, str) else str(code).strip() if code is not None else ""
    if not _CODE_RE.match(text):
        raise Invalid(message("component.bad_code", code=text), key="code")
    class_len, standard = _GENERATIONS[len(text)]
    district, cls, seq = text[:6], text[6 : 6 + class_len], text[6 + class_len :]
    if district[:2] == "00" or district[2:] == "0000":
        raise Invalid(message("component.bad_district", code=text, district=district), key="code")
    if cls[:2] == "00" or int(cls[2:]) == 0:
        raise Invalid(message("component.bad_class", code=text, cls=cls), key="code")
    if int(seq) == 0:
        raise Invalid(message("component.zero_sequence", code=text), key="code")
    return ComponentCode(text, district, cls, seq, standard)


def component_code(district_code: str, class_code: str, seq: int) -> str:
    """The identity code of the `seq`-th component of a class in a district (the generation follows
    the class code's length)."""
    if not (1 <= seq <= 999_999):
        raise Invalid(message("component.sequence_range", seq=seq))
    code = f"{district_code}{class_code}{seq:06d}"
    parse_component_code(code)
    return code


class ComponentState(StrEnum):
    """管理部件状态 (GB/T 47678.5: 完好、破损、丢失、废弃、移除)."""

    INTACT = "intact"  # 完好
    DAMAGED = "damaged"  # 破损
    LOST = "lost"  # 丢失
    ABANDONED = "abandoned"  # 废弃
    REMOVED = "removed"  # 移除

    @property
    def label_zh(self) -> str:
        return _STATE_LABELS[self]

    @property
    def in_service(self) -> bool:
        """Still on the ground for a report to be about (a lost cover's hole is; a removed one is not)."""
        return self is not ComponentState.REMOVED


_STATE_LABELS = {
    ComponentState.INTACT: "完好",
    ComponentState.DAMAGED: "破损",
    ComponentState.LOST: "丢失",
    ComponentState.ABANDONED: "废弃",
    ComponentState.REMOVED: "移除",
}
_STATE_BY_TEXT = {
    **{s.value: s for s in ComponentState},
    **{label: s for s, label in _STATE_LABELS.items()},
}
IN_SERVICE_STATES = tuple(s.value for s in ComponentState if s.in_service)


def parse_state(text: object) -> ComponentState:
    state = _STATE_BY_TEXT.get(text) if isinstance(text, str) else None  # type: ignore[call-overload]
    if state is not None:
        return state
    value = str(text or "").strip()
    state = _STATE_BY_TEXT.get(value) or _STATE_BY_TEXT.get(value.lower())
    if state is None:
        labels = "、".join(_STATE_LABELS.values())
        states = ", ".join(ComponentState)
        raise Invalid(
            message("component.unknown_state", value=value, labels=labels, states=states), key="state"
        )
    return state


# 数据来源: the standard lists these and "other"
SOURCES = {
    "实测": "survey",
    "地形图": "topographic map",
    "基础地理数据": "base geographic data",
    "其他": "other",
}

_DATES: dict[str, date] = {}
_DATE_FORMATS = (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"))


def parse_census_date(text: object, what: str) -> date:
    """A census date: YYYYMMDD as the standard writes it (YYYY-MM-DD accepted)."""
    value = str(text or "").strip()
    known = _DATES.get(value)
    if known is not None:
        return known
    for pattern in _DATE_FORMATS:
        m = pattern.match(value)
        if m:
            try:
                day = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
            if len(_DATES) < 100_000:  # a census has few distinct dates: each is parsed once
                _DATES[value] = day
            return day
    raise Invalid(
        message("component.not_a_date", field=what, field_zh=census_label(what), value=value), key=what
    )


# --- distances -----------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0


def search_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) that holds every point within `radius_m` of (lon, lat)."""
    dlat = radius_m / _M_PER_DEG_LAT
    dlon = radius_m / (_M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def ground_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine; exact enough at street scale and beyond)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def check_radius(radius_m: float) -> float:
    if not (0 < radius_m <= MAX_SEARCH_RADIUS_M) or math.isnan(radius_m):
        raise Invalid(message("component.radius", most=f"{MAX_SEARCH_RADIUS_M:,.0f}"), key="radius")
    return radius_m


# --- census rows -----------------------------------------------------------------------------------

# (field, the standard's name, its abbreviation, other accepted column names): a census file may
# use any of them as its header (GB/T 47678.5 table of 管理部件 attributes)
CENSUS_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("code", "管理部件标识码", "GLBJBSM", ("标识码", "部件编码")),
    ("name", "管理部件名称", "GLBJMC", ("部件名称",)),
    ("owner_code", "主管部门代码", "ZGBMDM", ()),
    ("owner_name", "主管部门名称", "ZGBMMC", ("主管部门",)),
    ("keeper_code", "权属单位代码", "QSDWDM", ()),
    ("keeper_name", "权属单位名称", "QSDWMC", ("权属单位",)),
    ("maintainer_code", "养护单位代码", "YHDWDM", ()),
    ("maintainer_name", "养护单位名称", "YHDWMC", ("养护单位",)),
    ("grid_code", "所在单元网格标识码", "SZDYWGBSM", ()),
    ("state", "管理部件状态", "GLBJZT", ("状态",)),
    ("initial_date", "初始日期", "CSRQ", ()),
    ("change_date", "变更日期", "BGRQ", ()),
    ("source", "数据来源", "SJLY", ()),
    ("note", "备注", "BZ", ()),
    ("lon", "经度", "JD", ("longitude", "x")),
    ("lat", "纬度", "WD", ("latitude", "y")),
    ("geometry", "几何", "WKT", ("geom",)),
    ("class_code", "部件类型代码", "BJLXDM", ("class",)),
)
REQUIRED_FIELDS = ("code", "name", "owner_name", "state", "initial_date")
MAX_LENGTHS = {
    "name": 60,
    "owner_name": 100,
    "keeper_name": 100,
    "maintainer_name": 100,
    "source": 30,
    "note": 1000,
}


def census_header(columns: Sequence[str]) -> dict[str, str]:
    """Which column of the file holds each field (by the standard's name, its abbreviation or the
    English field name, any case); Invalid naming what is missing."""
    by_name = {c.strip().lower(): c for c in columns}
    found: dict[str, str] = {}
    for field_name, zh, abbr, others in CENSUS_FIELDS:
        for candidate in (field_name, zh, abbr, *others):
            column = by_name.get(candidate.lower())
            if column is not None:
                found[field_name] = column
                break
    missing = [f for f in REQUIRED_FIELDS if f not in found]
    missing_zh = [census_label(f) for f in missing]
    if "geometry" not in found and not ("lon" in found and "lat" in found):
        missing.append("lon + lat (or geometry)")
        missing_zh.append("经度和纬度（或几何）")
    if missing:
        raise Invalid(
            message("component.census_columns", missing=", ".join(missing), missing_zh="、".join(missing_zh))
        )
    return found


def census_label(field_name: str) -> str:
    """The standard's (Chinese) name of a census field, e.g. 'initial_date' → 初始日期."""
    return next((zh for name, zh, _, _ in CENSUS_FIELDS if name == field_name), field_name)


class CensusRow(NamedTuple):
    """One component as a census file describes it, checked (`read_census_row`)."""

    code: ComponentCode
    name: str
    state: ComponentState
    lon: float
    lat: float
    geom_wkb: bytes | None
    owner_code: str | None
    owner_name: str
    keeper_code: str | None
    keeper_name: str | None
    maintainer_code: str | None
    maintainer_name: str | None
    initial_date: date
    change_date: date | None
    source: str | None
    note: str | None


class CensusReader:
    """Reads the rows of one census file: a CSV row as the list of its cells (in the order of the
    file's `columns`), or a JSON record through `values`. Built once per file, so that a row costs
    no header lookups: a census has millions of rows, and this is most of the time of its import."""

    def __init__(self, columns: Sequence[str]) -> None:
        header = census_header(columns)
        position = {column: i for i, column in enumerate(columns)}
        self.columns = list(columns)
        # an absent field reads the empty cell `read` appends at the row's end (index -1)
        self._at = tuple(position[header[f]] if f in header else -1 for f, *_ in CENSUS_FIELDS)

    def values(self, record: Mapping[str, Any]) -> list[str]:
        """A record (JSON, GeoJSON properties) as the row of cells `read` takes."""
        return [
            "" if (v := record.get(c)) is None else v if isinstance(v, str) else str(v) for c in self.columns
        ]

    def read(self, row: list[str]) -> CensusRow:
        """One row, checked; Invalid with the reason the reject file will show."""
        width = len(self.columns)
        if len(row) != width:  # a short CSV row lacks its last cells; extra cells are ignored
            row = (row + [""] * width)[:width]
        cells = [row[i].strip() if i >= 0 else "" for i in self._at]
        (
            code_text,
            name,
            owner_code,
            owner_name,
            keeper_code,
            keeper_name,
            maintainer_code,
            maintainer_name,
            _grid,
            state,
            initial_text,
            changed_text,
            source,
            note,
            lon,
            lat,
            geometry,
            declared_class,
        ) = cells
        for value, field_name in (
            (code_text, "code"),
            (name, "name"),
            (owner_name, "owner_name"),
            (state, "state"),
            (initial_text, "initial_date"),
        ):
            if not value:
                refusal = message(
                    "component.field_empty", field=field_name, field_zh=census_label(field_name)
                )
                raise Invalid(refusal, key=field_name)
        code = parse_component_code(code_text)
        if declared_class and declared_class != code.class_code:
            raise Invalid(
                message("component.class_differs", declared=declared_class, cls=code.class_code),
                key="class_code",
            )
        for value, field_name in (
            (name, "name"),
            (owner_name, "owner_name"),
            (keeper_name, "keeper_name"),
            (maintainer_name, "maintainer_name"),
            (source, "source"),
            (note, "note"),
        ):
            if len(value) > MAX_LENGTHS[field_name]:
                refusal = message(
                    "component.field_too_long",
                    field=field_name,
                    field_zh=census_label(field_name),
                    most=MAX_LENGTHS[field_name],
                )
                raise Invalid(refusal, key=field_name)
        x, y, wkb = _place(lon or None, lat or None, geometry or None)
        initial = parse_census_date(initial_text, "initial_date")
        changed = parse_census_date(changed_text, "change_date") if changed_text else None
        if changed is not None and changed < initial:
            refusal = message(
                "component.changed_before_initial", changed=f"{changed:%Y%m%d}", initial=f"{initial:%Y%m%d}"
            )
            raise Invalid(refusal, key="change_date")
        return CensusRow(
            code,
            name,
            parse_state(state),
            x,
            y,
            wkb,
            _uscc(owner_code, "owner_code"),
            owner_name,
            _uscc(keeper_code, "keeper_code"),
            keeper_name or None,
            _uscc(maintainer_code, "maintainer_code"),
            maintainer_name or None,
            initial,
            changed,
            source or None,
            note or None,
        )


def _uscc(value: str | None, what: str) -> str | None:
    """A department's unified social credit code (统一社会信用代码), checked as the registry does."""
    if not value:
        return None
    try:
        return parse_uscc(value)
    except Invalid as exc:
        refusal = message(
            "component.bad_credit_code",
            field=what,
            field_zh=census_label(what),
            value=value,
            reason=exc.reason,
        )
        raise Invalid(refusal, key=what) from None


def _place(lon_text: str | None, lat_text: str | None, wkt: str | None) -> tuple[float, float, bytes | None]:
    """(lon, lat, WKB of a line or area): a point from lon/lat, or a geometry in WKT whose point is
    the point for lookups (a line's middle, a point inside an area)."""
    if wkt:
        try:
            geom = shapely.from_wkt(wkt)
        except shapely.errors.GEOSException:
            raise Invalid(message("component.not_wkt", text=wkt[:40]), key="geometry") from None
        if geom is None or geom.is_empty:
            raise Invalid(message("component.empty_geometry"), key="geometry")
        if geom.geom_type == "Point":
            return (*_coordinates(geom.x, geom.y), None)
        if geom.geom_type in ("LineString", "MultiLineString"):
            anchor = geom.interpolate(0.5, normalized=True)
        elif geom.geom_type in ("Polygon", "MultiPolygon"):
            anchor = geom.point_on_surface()
        else:
            raise Invalid(message("component.geometry_type", type=geom.geom_type), key="geometry")
        minx, miny, maxx, maxy = geom.bounds
        _coordinates(minx, miny)
        _coordinates(maxx, maxy)
        return (*_coordinates(anchor.x, anchor.y), shapely.to_wkb(geom))
    if lon_text is None or lat_text is None:
        raise Invalid(message("component.no_point"), key="lon")
    try:
        return (*_coordinates(float(lon_text), float(lat_text)), None)
    except ValueError:
        raise Invalid(
            message("component.lonlat_not_numbers", lon=lon_text, lat=lat_text), key="lon"
        ) from None


def _coordinates(lon: float, lat: float) -> tuple[float, float]:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid(message("component.not_lonlat", lon=lon, lat=lat), key="lon")
    return lon, lat


def reported_component_class(
    kind: str, standard: str, code: str, component_classes: Container[tuple[str, str]]
) -> str | None:
    """The component class a report of this class is about, if any: a component class itself; and
    under GB/T 47678.5, a matter (管理事项) numbered as a component type (01001 供水井盖异常 is about
    01001 供水井盖 — the standard mirrors each of its component types as a matter). In the older
    Beijing tree component and event codes overlap by chance (0101 上水井盖 / 0101 私搭乱建), so
    there only component classes are about components."""
    if kind == "component":
        return code
    if standard == NATIONAL_STANDARD and (standard, code) in component_classes:
        return code
    return None
