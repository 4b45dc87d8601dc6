"""The component census (部件普查): import with rejects, versioned changes, the nearest component,
and a report linked to the component it is about (both databases).

The test city's database is shared by the tests of a worker: each test here uses its own sequence
numbers (codes never repeat) and its own spot of 东城区 (nearest-component answers stay its own)."""

from __future__ import annotations

import csv
import json
import math
from itertools import count
from pathlib import Path

import pytest
import shapely
from sqlalchemy import select
from typer.testing import CliRunner

from gridcity.cli import app
from gridcity.db.models import Case, Component, OrgUnit
from gridcity.domain.errors import Invalid, NotFound
from gridcity.services import cases
from gridcity.services.components import records as components

HEADER = [
    "管理部件标识码",
    "管理部件名称",
    "主管部门代码",
    "主管部门名称",
    "管理部件状态",
    "初始日期",
    "变更日期",
    "经度",
    "纬度",
    "备注",
]
WATER = "01001"  # 供水井盖
SEWAGE = "01002"  # 污水井盖
_sequences = count(1)


def _seq() -> int:
    return next(_sequences) + 500 * (hash(__name__) % 7)


def _code(cls: str, seq: int, district: str = "110101") -> str:
    return f"{district}{cls}{seq:06d}"


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (
        lon + east_m / (111_195 * math.cos(math.radians(lat))),
        lat + north_m / 111_195,
    )


def _row(code: str, lon: float, lat: float, **values: str) -> dict[str, str]:
    row = {
        "管理部件标识码": code,
        "管理部件名称": "供水井盖" if code[6:11] == WATER else "污水井盖",
        "主管部门代码": "",
        "主管部门名称": "北京市水务局",
        "管理部件状态": "完好",
        "初始日期": "20240601",
        "变更日期": "",
        "经度": f"{lon:.7f}",
        "纬度": f"{lat:.7f}",
        "备注": "",
    }
    row.update(values)
    return row


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(platform, db, path: Path) -> components.CensusRun:  # type: ignore[no-untyped-def]
    return components.import_components(platform, db, path, batch_size=3)


# spots of 东城区 well inside its unit grids, one per test
SPOTS = {
    "import": (116.4100, 39.9200),
    "versions": (116.4180, 39.9260),
    "nearest": (116.4050, 39.9330),
    "report": (116.4230, 39.9150),
    "geojson": (116.3990, 39.9060),
    "api": (116.4120, 39.9400),
}


def test_import_creates_located_components_and_rejects_the_rest_with_reasons(platform, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = SPOTS["import"]
    good = [_code(WATER, _seq()) for _ in range(4)]
    dup = good[0]
    rows = [_row(code, *_offset(lon, lat, 15 * i, 0)) for i, code in enumerate(good)]
    rows += [
        _row(dup, lon, lat),  # the same code again
        _row(_code("99001", _seq()), lon, lat),  # no such class
        _row(_code(WATER, _seq()), 121.47, 31.23),  # Shanghai
        _row(_code(WATER, _seq(), district="110102"), lon, lat),  # 西城 code, 东城 point
        _row(_code(WATER, _seq()), lon, lat, 管理部件状态="坏了"),
        _row("1101010100100000X", lon, lat),
    ]
    path = _write(tmp_path / "census.csv", rows)
    run = _import(platform, db, path)

    assert (run.read, run.created, run.changed, run.unchanged, run.rejected) == (10, 4, 0, 0, 6)
    with run.rejects_path.open(encoding="utf-8") as fh:  # type: ignore[union-attr]
        rejects = list(csv.DictReader(fh))
    reasons = {r["管理部件标识码"]: r["reason"] for r in rejects}
    assert "appears more than once" in reasons[dup]
    assert "is not a component class of GB/T 47678.5-2026" in reasons[rows[5]["管理部件标识码"]]
    assert "outside the city's territory" in reasons[rows[6]["管理部件标识码"]]
    assert "district 110102 is not where the point lies (110101)" in reasons[rows[7]["管理部件标识码"]]
    assert "component state" in reasons[rows[8]["管理部件标识码"]]
    assert "16 digits" in reasons["1101010100100000X"]
    assert [r["line"] for r in rejects] == sorted((r["line"] for r in rejects), key=int)

    stored = db.scalars(select(Component).where(Component.code.in_(good))).all()
    assert len(stored) == 4
    state = platform.territory(db)
    water = db.scalar(select(OrgUnit.id).where(OrgUnit.name == "北京市水务局"))
    for c in stored:
        place = state.locate(c.lon, c.lat)
        assert (c.district_code, c.street_code, c.grid_code) == (
            "110101",
            place.street_code,
            place.grids["city_management"],
        )
        assert (c.version, c.valid_to, c.state, c.owner_unit_id) == (1, None, "intact", water)
        assert c.recorded_by == "import:census.csv"


def test_a_census_run_again_changes_nothing_and_a_changed_row_makes_a_new_version(
    platform, db, tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    lon, lat = SPOTS["versions"]
    codes = [_code(WATER, _seq()) for _ in range(3)]
    rows = [_row(code, *_offset(lon, lat, 20 * i, 0)) for i, code in enumerate(codes)]
    path = _write(tmp_path / "census.csv", rows)
    first = _import(platform, db, path)
    assert first.created == 3

    again = _import(platform, db, path)
    assert (again.created, again.changed, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert (
        db.scalar(select(Component.version).where(Component.code == codes[0], Component.valid_to.is_(None)))
        == 1
    )

    clock.advance(days=30)
    rows[0]["管理部件状态"] = "破损"
    rows[0]["备注"] = "井盖破损"
    rows[1]["管理部件状态"] = "移除"
    rows[1]["变更日期"] = "20250105"
    census = _import(platform, db, _write(tmp_path / "census2.csv", rows))
    assert (census.created, census.changed, census.unchanged) == (0, 2, 1)

    record = components.get_component(db, None, codes[0])
    assert [v.version for v in record.versions] == [1, 2]
    old, new = record.versions
    assert old.valid_to == new.valid_from == clock()
    assert (old.state, new.state, new.note) == ("intact", "damaged", "井盖破损")
    assert new.change_date is not None  # today, in the city's calendar: no survey date was given
    removed = components.get_component(db, None, codes[1]).current
    assert (removed.state, str(removed.change_date)) == ("removed", "2025-01-05")
    # a removed component is no longer found around its point; its record stays
    near = components.nearest(db, removed.lon, removed.lat, [WATER], radius_m=5)
    assert codes[1] not in [n.code for n in near]


def test_nearest_components_of_a_class_within_the_radius_nearest_first(platform, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = SPOTS["nearest"]
    placed = {
        _code(WATER, _seq()): (8, 0),
        _code(WATER, _seq()): (0, 15),
        _code(WATER, _seq()): (30, 0),  # beyond 20 m
        _code(SEWAGE, _seq()): (3, 0),  # another class
    }
    rows = [_row(code, *_offset(lon, lat, e, n)) for code, (e, n) in placed.items()]
    _import(platform, db, _write(tmp_path / "census.csv", rows))
    codes = list(placed)

    found = components.nearest(db, lon, lat, [WATER], radius_m=20)
    assert [n.code for n in found] == [codes[0], codes[1]]
    assert [round(n.distance_m) for n in found] == [8, 15]
    wider = components.nearest(db, lon, lat, [WATER], radius_m=40)
    assert [n.code for n in wider] == codes[:3]
    any_class = components.nearest(db, lon, lat, None, radius_m=10)
    assert [n.code for n in any_class] == [codes[3], codes[0]]
    assert components.nearest(db, lon, lat, [WATER], radius_m=40, limit=1)[0].code == codes[0]
    with pytest.raises(Invalid, match="radius"):
        components.nearest(db, lon, lat, [WATER], radius_m=5000)


def test_a_report_links_the_nearest_component_and_proposes_its_owner(
    platform, db, tmp_path, make_user
) -> None:  # type: ignore[no-untyped-def]
    lon, lat = SPOTS["report"]
    near_code, far_code, sewage_code = _code(WATER, _seq()), _code(WATER, _seq()), _code(SEWAGE, _seq())
    rows = [
        _row(near_code, *_offset(lon, lat, 6, 0)),  # owner 北京市水务局 (the class's usual owner is another)
        _row(far_code, *_offset(lon, lat, 250, 0)),
        _row(sewage_code, *_offset(lon, lat, 2, 0)),
    ]
    _import(platform, db, _write(tmp_path / "census.csv", rows))
    supervisor = make_user("supervisor")
    water = db.scalar(select(OrgUnit.id).where(OrgUnit.name == "北京市水务局"))

    case, _ = cases.report_case(
        platform, db, supervisor, cases.Report(WATER, lon, lat, "井盖松动", kind="component")
    )
    assert case.component_code == near_code
    assert case.proposed_department_id == water
    usual = cases.report_case(
        platform, db, supervisor, cases.Report(WATER, *_offset(lon, lat, 0, 80), kind="component")
    )[0]
    assert usual.component_code is None  # nothing of the class within 20 m
    assert usual.proposed_department_id != water

    # naming the component (from the plate on it) links that one, if it is near enough
    named, _ = cases.report_case(
        platform,
        db,
        supervisor,
        cases.Report(WATER, *_offset(lon, lat, 240, 0), component_code=far_code, kind="component"),
    )
    assert named.component_code == far_code
    with pytest.raises(Invalid, match="m from the reported point"):
        cases.report_case(
            platform, db, supervisor, cases.Report(WATER, lon, lat, component_code=far_code, kind="component")
        )
    with pytest.raises(Invalid, match="not of the reported class 01001"):
        cases.report_case(
            platform,
            db,
            supervisor,
            cases.Report(WATER, lon, lat, component_code=sewage_code, kind="component"),
        )
    with pytest.raises(NotFound):
        cases.report_case(
            platform,
            db,
            supervisor,
            cases.Report(WATER, lon, lat, component_code=_code(WATER, 999_999), kind="component"),
        )
    with pytest.raises(Invalid, match="is not about a component"):
        cases.report_case(
            platform, db, supervisor, cases.Report("06001", lon, lat, component_code=near_code, kind="event")
        )
    # GB/T 47678.5 numbers each component type's matter as the type: 01001 供水井盖异常 is about a 01001
    matter, _ = cases.report_case(
        platform, db, supervisor, cases.Report(WATER, *_offset(lon, lat, 4, 0), kind="event")
    )
    assert matter.component_code == near_code

    record = components.get_component(db, supervisor, near_code)
    assert sorted(c.id for c in record.cases) == sorted([case.id, matter.id])
    assert db.scalar(select(Case.component_code).where(Case.id == case.id)) == near_code


def test_a_geojson_census_keeps_lines_and_areas(platform, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = SPOTS["geojson"]
    fence = _code("02017", _seq())  # 交通护栏: a line
    east, _ = _offset(lon, lat, 40, 0)
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": fence,
                "name": "道路护栏",
                "owner_name": "北京市交通委员会",
                "state": "完好",
                "initial_date": "20240101",
            },
            "geometry": {"type": "LineString", "coordinates": [[lon, lat], [east, lat]]},
        }
    ]
    path = tmp_path / "fences.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    run = _import(platform, db, path)
    assert (run.created, run.rejected) == (1, 0), run.reasons
    stored = db.scalar(select(Component).where(Component.code == fence))
    line = shapely.from_wkb(stored.geom_wkb)
    assert line.geom_type == "LineString"
    assert line.distance(shapely.Point(stored.lon, stored.lat)) < 1e-9
    assert stored.lon == pytest.approx((lon + east) / 2)


def test_cli_imports_a_census_and_reports_rejects(platform, db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    lon, lat = SPOTS["import"]
    code = _code(WATER, _seq())
    path = _write(tmp_path / "cli.csv", [_row(code, *_offset(lon, lat, 0, 40)), _row("123", lon, lat)])
    result = CliRunner().invoke(app, ["import", "components", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 rows: 1 new, 0 changed, 0 unchanged, 1 rejected" in result.output
    assert "cli.csv.rejects.csv" in result.output.replace("\n", "")
    assert db.scalar(select(Component.code).where(Component.code == code)) == code

    missing = CliRunner().invoke(app, ["import", "components", str(tmp_path / "nothing.csv")])
    assert missing.exit_code == 1
    assert "no such file" in missing.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    wrong = CliRunner().invoke(app, ["import", "components", str(bad)])
    assert wrong.exit_code == 1
    assert "lacks the column(s) code, name" in wrong.output
