"""The demo's component census (部件普查) of 东城区: tens of thousands of components of the common
GB/T 47678.5 classes, placed along the edges of the unit grids, loaded through the real census
import (`services.components.records.import_components`) from a census file with the standard's columns.

There is no road data in the demo, so the unit grids' edges stand for the streets and lanes: each
class is laid along a share of the edges at the spacing typical of it (a street lamp every ~40 m,
a sewer cover every ~80 m, a fire hydrant every ~120 m, a bus stop every ~500 m …), a few metres
to one side of the edge, inside a unit grid of the district. The owner (主管部门) of each component
is the department the class catalogue routes the class to at that place, as a case would be.
Everything is seeded: the same seed gives the same census, codes included.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import Grid, OrgUnit
from gridcity.domain.components import ComponentState, component_code
from gridcity.domain.errors import NotFound
from gridcity.domain.messages import message
from gridcity.domain.routing import route
from gridcity.domain.taxonomy import NATIONAL_STANDARD, ClassDef, ClassKind
from gridcity.services.components import records as components
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress

SOURCE = "实测"  # 数据来源: field survey


@dataclass(frozen=True)
class Placement:
    """How a class stands along the streets: every `spacing_m` (±15 %) on a `share` of the grid
    edges, `offset_m` to one side of the edge."""

    class_code: str
    spacing_m: float
    share: float
    offset_m: float
    cover: bool = False  # a manhole cover: more often lost or broken than other components


# The common classes of GB/T 47678.5 in a city centre, with the spacing a census finds along a
# street (about 57,000 components over the ≈970 km of 东城区's unit-grid edges).
PLACEMENTS: tuple[Placement, ...] = (
    Placement("01037", 40, 0.48, 2.5),  # 路灯
    Placement("01002", 80, 0.48, 1.5, cover=True),  # 污水井盖
    Placement("01003", 90, 0.4, 1.8, cover=True),  # 雨水井盖
    Placement("01004", 60, 0.12, 3.0, cover=True),  # 雨水箅子
    Placement("01001", 150, 0.4, 1.6, cover=True),  # 供水井盖
    Placement("01005", 200, 0.32, 2.2, cover=True),  # 电力井盖
    Placement("01007", 200, 0.32, 2.4, cover=True),  # 通信井盖
    Placement("01011", 250, 0.32, 1.7, cover=True),  # 燃气井盖
    Placement("01010", 300, 0.24, 1.9, cover=True),  # 热力井盖
    Placement("01006", 160, 0.24, 2.6, cover=True),  # 路灯井盖
    Placement("01013", 120, 0.48, 3.0),  # 消防设施 (fire hydrants)
    Placement("03005", 200, 0.4, 3.2),  # 垃圾箱
    Placement("04002", 12, 0.032, 3.5),  # 行道树
    Placement("02012", 300, 0.32, 3.4),  # 路名牌
    Placement("02004", 500, 0.2, 3.6),  # 公交站设施
    Placement("03001", 600, 0.32, 5.0),  # 公共厕所
    Placement("04007", 300, 0.12, 3.8),  # 街头座椅
    Placement("01050", 300, 0.2, 2.8),  # 监控电子眼设施
    Placement("01048", 400, 0.2, 4.0),  # 变压器（箱）
    Placement("02027", 300, 0.16, 3.3),  # 存车支架
    Placement("03008", 400, 0.16, 4.2),  # 宣传栏
    Placement("01042", 800, 0.2, 3.1),  # 邮筒
    Placement("01075", 600, 0.12, 4.5),  # 快递柜
    Placement("02014", 400, 0.12, 2.0),  # 交通信号灯
)

# share of the states: (intact, damaged, lost, abandoned)
_COVER_STATES = (0.955, 0.03, 0.012, 0.003)
_OTHER_STATES = (0.97, 0.025, 0.002, 0.003)
_STATES = (ComponentState.INTACT, ComponentState.DAMAGED, ComponentState.LOST, ComponentState.ABANDONED)
_FIRST_DAY = date(2024, 1, 1)
_LAST_DAY = date(2025, 12, 31)

# the census file's header: the standard's names of the fields (GB/T 47678.5)
HEADER = (
    "管理部件标识码",
    "管理部件名称",
    "主管部门代码",
    "主管部门名称",
    "权属单位名称",
    "管理部件状态",
    "初始日期",
    "变更日期",
    "数据来源",
    "备注",
    "经度",
    "纬度",
)


def census_rows(platform: Platform, db: Session, district_code: str, seed: int) -> Iterator[tuple[str, ...]]:
    """The demo census of a district, as rows in the order of `HEADER`."""
    rng = random.Random(seed)
    grids = db.execute(
        select(Grid.street_code, Grid.geom_wkb)
        .where(Grid.layer == "city_management", Grid.valid_to.is_(None), Grid.district_code == district_code)
        .order_by(Grid.code)
    ).all()
    if not grids:
        raise NotFound(message("demo.no_unit_grids", district_code=district_code))
    polygons = shapely.from_wkb([g.geom_wkb for g in grids])
    streets = [g.street_code for g in grids]
    min_x, min_y, max_x, max_y = shapely.total_bounds(polygons)
    lon0, lat0 = (min_x + max_x) / 2, (min_y + max_y) / 2
    # a local plane in metres (equirectangular about the district's centre: exact to 0.1 % here)
    k_lat = math.pi * 6_371_008.8 / 180
    k_lon = k_lat * math.cos(math.radians(lat0))

    def to_metres(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(((xy[:, 0] - lon0) * k_lon, (xy[:, 1] - lat0) * k_lat))

    edges = shapely.line_merge(shapely.union_all(shapely.transform(shapely.boundary(polygons), to_metres)))
    lines = np.array(shapely.get_parts(edges))
    lengths = shapely.length(lines)
    tree = shapely.STRtree(polygons)
    book = platform.catalogue(db)
    owners = _owners(platform, db, district_code)
    sequence: dict[str, int] = {}

    for placement in PLACEMENTS:
        cls = book.find(placement.class_code, NATIONAL_STANDARD, ClassKind.COMPONENT.value)
        line_ids, distances, sides = _positions(rng, placement, lengths)
        if not len(line_ids):
            continue
        points = _beside(lines[line_ids], lengths[line_ids], distances, sides * placement.offset_m)
        lon = points[:, 0] / k_lon + lon0
        lat = points[:, 1] / k_lat + lat0
        grid_of = _grid_of(tree, lon, lat)
        thresholds = list(itertools.accumulate(_COVER_STATES if placement.cover else _OTHER_STATES))
        component_code(district_code, cls.code, 1)  # the class code makes valid codes
        for i in range(len(lon)):
            if grid_of[i] < 0:
                continue  # the edge is the district's boundary and this side lies outside it
            street = streets[grid_of[i]]
            owner_code, owner_name = owners(cls, street)
            seq = sequence[cls.code] = sequence.get(cls.code, 0) + 1
            draw = rng.random() * thresholds[-1]
            state = _STATES[next((k for k, t in enumerate(thresholds) if draw < t), 0)]
            initial = _FIRST_DAY + timedelta(days=rng.randrange((_LAST_DAY - _FIRST_DAY).days + 1))
            changed = note = None
            if state is not ComponentState.INTACT:
                changed = min(initial + timedelta(days=rng.randrange(30, 400)), _LAST_DAY)
                note = f"巡查发现{state.label_zh}"
            yield (
                f"{district_code}{cls.code}{seq:06d}",
                cls.name,
                owner_code,
                owner_name,
                owner_name,
                state.label_zh,
                f"{initial:%Y%m%d}",
                f"{changed:%Y%m%d}" if changed else "",
                SOURCE,
                note or "",
                f"{lon[i]:.7f}",
                f"{lat[i]:.7f}",
            )


def _positions(
    rng: random.Random, placement: Placement, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edge, distance along it, side ±1) of each component of a class."""
    line_ids: list[int] = []
    distances: list[float] = []
    sides: list[float] = []
    spacing = placement.spacing_m
    for i, length in enumerate(lengths.tolist()):
        if rng.random() >= placement.share:
            continue
        side = 1.0 if rng.random() < 0.5 else -1.0
        d = rng.uniform(0.2, 1.0) * spacing / 2
        while d < length:
            line_ids.append(i)
            distances.append(d)
            sides.append(side)
            d += spacing * rng.uniform(0.85, 1.15)
    return np.array(line_ids, dtype=np.int64), np.array(distances), np.array(sides)


def _beside(lines: np.ndarray, lengths: np.ndarray, distances: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The points `offsets` metres to the left (positive) or right of the lines at `distances`."""
    step = np.minimum(0.5, lengths / 4)
    ahead = np.minimum(distances + step, lengths)
    behind = np.maximum(distances - step, 0.0)
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines, behind))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines, ahead))
    at = shapely.get_coordinates(shapely.line_interpolate_point(lines, distances))
    tangent = b - a
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    norm[norm == 0] = 1.0
    normal = np.column_stack((-tangent[:, 1], tangent[:, 0])) / norm[:, None]
    result: np.ndarray = at + normal * offsets[:, None]
    return result


def _grid_of(tree: shapely.STRtree, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The index of the grid holding each point, -1 for none."""
    found = np.full(len(lon), -1, dtype=np.int64)
    points, grids = tree.query(shapely.points(lon, lat), predicate="within")
    found[points] = grids
    return found


def _owners(
    platform: Platform, db: Session, district_code: str
) -> Callable[[ClassDef, str], tuple[str, str]]:
    """(owner code, owner name) of a class at a street: the department the catalogue routes the
    class to there; the code only when it is a unified social credit code (attrs.uscc)."""
    book = platform.catalogue(db).catalogue
    units = {
        u.code: (str((u.attrs or {}).get("uscc") or ""), u.name)
        for u in db.scalars(select(OrgUnit).where(OrgUnit.kind == "department"))
    }
    cache: dict[tuple[str, str], tuple[str, str]] = {}

    def owner(cls: ClassDef, street_code: str) -> tuple[str, str]:
        key = (cls.code, street_code)
        if key not in cache:
            code = route(book, cls, district_code, street_code).owner
            if code not in units:
                raise NotFound(
                    message("demo.no_owner", cls_code=cls.code, cls_name=cls.name, department=code)
                )
            cache[key] = units[code]
        return cache[key]

    return owner


def load_census(
    platform: Platform,
    db: Session,
    district_code: str,
    seed: int,
    progress: Progress = SILENT,
    recorded_at: datetime | None = None,
) -> components.CensusRun:
    """Write the demo census of the district to a census file and import it (recorded at
    `recorded_at`, default now: the demo records it before its three months of cases)."""
    with tempfile.TemporaryDirectory(prefix="gridcity-census-") as tmp:
        path = Path(tmp) / f"{district_code}-部件普查.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(census_rows(platform, db, district_code, seed))
        db.rollback()
        real_now = platform.now
        if recorded_at is not None:
            platform.now = lambda: recorded_at
        try:
            run = components.import_components(
                platform, db, path, progress=progress, recorded_by=f"demo census {district_code}"
            )
        finally:
            platform.now = real_now
    if run.rejected:  # the placement keeps every point inside a unit grid: a reject is a bug
        progress.note(f"demo census: {run.rejected} rows rejected ({', '.join(run.reasons)})")
    return run
