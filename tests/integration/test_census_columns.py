"""The columnar CSV census import (`services.components.census_columns`) against the row by row import: the
same file gives the same stored components (every column) and the same rejects, on both
databases; a re-run changes nothing; a changed row makes version 2.

Each test writes the same rows twice, under two series of sequence numbers of its own (codes never
repeat in the shared test database), around its own spots of 东城区 (not those of
test_components.py)."""

from __future__ import annotations

import csv
import uuid
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gridcity.db import components as components_db
from gridcity.db.models import Component, OrgUnit
from gridcity.domain.registry import uscc_check_char
from gridcity.services.components import records as components

HEADER = [
    "管理部件标识码",
    "管理部件名称",
    "主管部门代码",
    "主管部门名称",
    "权属单位代码",
    "权属单位名称",
    "养护单位名称",
    "管理部件状态",
    "初始日期",
    "变更日期",
    "数据来源",
    "经度",
    "纬度",
    "几何",
    "部件类型代码",
    "备注",
]
WATER, SEWAGE = "01001", "01002"
SPOTS = {"equivalence": (116.3950, 39.9480), "versions": (116.4150, 39.9100)}
_series = count(700_000, 100)  # a series of 100 codes per census


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def _census(seq: int, lon: float, lat: float, owner: str) -> list[list[str]]:
    """Every kind of row, good and bad; codes from `seq` on."""
    known = _uscc("91110101" + "MA01CEN70")  # a department's credit code (set up by the test)
    stranger = _uscc("91110105" + "MA02XXXX1")  # a valid code no department has
    wrong = known[:-1] + ("0" if known[-1] != "0" else "1")  # its check character mistyped
    codes = iter(range(seq, seq + 100))

    def code(cls: str = WATER, district: str = "110101") -> str:
        return f"{district}{cls}{next(codes):06d}"

    def row(c: str, **values: str) -> list[str]:
        cells = {
            "管理部件标识码": c,
            "管理部件名称": "供水井盖",
            "主管部门代码": "",
            "主管部门名称": "北京市水务局",
            "权属单位代码": "",
            "权属单位名称": "",
            "养护单位名称": "",
            "管理部件状态": "完好",
            "初始日期": "20240601",
            "变更日期": "",
            "数据来源": "",
            "经度": f"{lon:.7f}",
            "纬度": f"{lat:.7f}",
            "几何": "",
            "部件类型代码": "",
            "备注": "",
        }
        cells.update(values)
        return [cells[h] for h in HEADER]

    def at(i: int) -> dict[str, str]:
        return {"经度": f"{lon + 0.00011 * i:.7f}", "纬度": f"{lat + 0.00007 * (i % 5):.7f}"}

    first, twice, bad_class = code(), code(), code(SEWAGE)
    rows = [
        row(first, **at(1)),
        row(code(), **at(2), 初始日期="2024-06-01", 变更日期="2025-01-05", 管理部件状态="damaged"),
        row(code(), **at(3), 主管部门代码=known, 主管部门名称=owner, 权属单位代码=stranger.lower()),
        row(code(), **at(4), 主管部门代码=stranger, 养护单位名称="  东城养护中心\u3000", 数据来源="实测"),
        row(code(), **at(5), 主管部门代码=wrong),  # a mistyped credit code
        row(code(SEWAGE), **at(6), 管理部件名称="\u3000污水井盖 ", 部件类型代码=SEWAGE, 备注="新装"),
        row(twice, **at(7)),
        row(code(), **at(8), 管理部件名称=""),
        row(code(), **at(9), 管理部件名称="井" * 61),
        row(code(), **at(10), 管理部件状态="坏了"),
        row(code(), **at(11), 初始日期="20241301"),
        row(code(), **at(12), 初始日期="20240601", 变更日期="20240501"),
        row(first, **at(13)),  # a duplicate in the same batch
        row(code(), **at(14), 部件类型代码=SEWAGE),  # declared class differs from the code's
        row(code(), **{**at(15), "经度": "abc"}),
        row(code(), **{**at(16), "经度": "200"}),
        row(code(), 经度="1.1643e2", 纬度=f"{lat + 0.0002:.7f}"),  # a number float() reads
        row(code(), 经度="121.47", 纬度="31.23"),  # Shanghai
        row(code(district="110102"), **at(17)),  # a 西城 code at a 东城 point
        row(f"1101010100100000{next(codes) % 10}X"),
        row(f"110101{WATER}000000"),  # sequence 0
        row(code("99001"), **at(18)),  # no such class
        row(bad_class.replace(SEWAGE, "99002"), **at(19)),
        row(twice, **at(20)),  # a duplicate in a later batch
        row(
            code("02017"),
            经度="",
            纬度="",
            管理部件名称="道路护栏",
            几何=f"LINESTRING ({lon} {lat + 0.0003}, {lon + 0.0004} {lat + 0.0003})",
        ),
        row(code(), 经度="", 纬度="", 几何="POINT (1 2"),  # not WKT
        row("".join(chr(0xFF10 + int(d)) for d in f"110101{WATER}999999"), **at(21)),  # full-width digits
        row(code(), **at(22))[:-1],  # without its last cell (a short row)
        [*row(code(), **at(23)), "extra"],  # a cell too many
        row(code(), **at(24), 初始日期=""),
        row(code(), 经度=f"{lon + 0.0013:.15f}1", 纬度=f" {lat + 0.00013:.15f}3 "),  # digits past a double's
        row(bad_class.replace(SEWAGE, "99002"), **at(25)),  # again: not a duplicate of a rejected row
    ]
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _stored(db: Any, codes: list[str], base: int) -> dict[str, dict[str, Any]]:
    """The stored versions of the codes, keyed by code with the series' base taken off."""
    rows = db.scalars(select(Component).where(Component.code.in_(codes))).all()
    out = {}
    for c in rows:
        values = {k: getattr(c, k) for k in components_db.ALL_COLUMNS}
        key = _relative(values.pop("code"), base)
        out[f"{key}/{values['version']}"] = values
    return out


def _relative(code: str, base: int) -> str:
    if len(code) in (16, 17) and code.isascii() and code.isdigit() and 0 <= int(code[-6:]) - base < 100:
        return f"{code[:-6]}+{int(code[-6:]) - base}"
    return code


def _rejects(path: Path, codes: dict[str, str]) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    out = []
    for reason, line, *cells in rows:
        for code, key in codes.items():
            reason = reason.replace(code, key)
            cells = [key if c == code else c for c in cells]
        out.append((reason, line, *cells))
    return out


def _department(db: Any, name: str) -> int:
    unit = OrgUnit(
        code=f"CENSUS-{uuid.uuid4().hex[:8]}",
        name=name,
        kind="department",
        tier="city",
        scope_code="110000",
        attrs={"uscc": _uscc("91110101" + "MA01CEN70")},
    )
    db.add(unit)
    db.commit()
    return unit.id


def test_columnar_and_row_imports_store_the_same_components_and_rejects(
    platform, db, tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    clock.advance(microseconds=123_457)  # the time of a version round-trips to the microsecond
    lon, lat = SPOTS["equivalence"]
    assert platform.territory(db).locate(lon, lat).district_code == "110101"
    owner = f"普查测试管理公司{uuid.uuid4().hex[:6]}"
    unit_id = _department(db, owner)
    runs, stored, rejected = {}, {}, {}
    for columnar in (True, False):
        base = next(_series)  # each run its own series of codes
        rows = _census(base, lon, lat, owner)
        path = _write(tmp_path / ("columns" if columnar else "rows") / "census.csv", rows)
        run = components.import_components(platform, db, path, batch_size=4, columnar=columnar)
        runs[columnar] = run
        codes = sorted({r[0] for r in rows})
        stored[columnar] = _stored(db, codes, base)
        rejected[columnar] = _rejects(run.rejects_path, {c: _relative(c, base) for c in codes})

    fast, slow = runs[True], runs[False]
    assert (fast.read, fast.created, fast.changed, fast.unchanged, fast.rejected, fast.batches) == (
        slow.read,
        slow.created,
        slow.changed,
        slow.unchanged,
        slow.rejected,
        slow.batches,
    )
    assert sorted(fast.reasons.values()) == sorted(slow.reasons.values())  # by reason: their codes differ
    assert (fast.read, fast.created, fast.rejected) == (32, 11, 21), fast.reasons
    assert rejected[True] == rejected[False]
    assert stored[True] == stored[False]
    assert len(stored[True]) == 11

    by_key = stored[True]
    owned = [v for v in by_key.values() if v["owner_unit_id"] == unit_id]
    assert len(owned) == 1 and owned[0]["keeper_code"] == owned[0]["keeper_code"].upper()
    line = next(v for v in by_key.values() if v["geom_wkb"] is not None)
    assert line["class_code"] == "02017"
    trimmed = next(v for v in by_key.values() if v["class_code"] == SEWAGE)
    assert (trimmed["name"], trimmed["note"], trimmed["source"]) == ("污水井盖", "新装", None)
    reasons = [r[0] for r in rejected[True]]
    assert sum("appears more than once" in r for r in reasons) == 2
    assert sum("class 99002 is not a component class" in r for r in reasons) == 2
    assert any("check character" in r for r in reasons)
    assert any("lies outside the city's territory" in r for r in reasons)


def test_a_columnar_census_run_again_is_unchanged_and_a_changed_row_is_version_2(
    platform, db, tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    lon, lat = SPOTS["versions"]
    base = next(_series)
    rows = _census(base, lon, lat, "北京市水务局")
    path = _write(tmp_path / "census.csv", rows)
    first = components.import_components(platform, db, path, batch_size=4)
    again = components.import_components(platform, db, path, batch_size=7)
    assert (again.created, again.changed, again.unchanged, again.rejected) == (
        0,
        0,
        first.created,
        first.rejected,
    )

    clock.advance(days=3)
    rows[0][HEADER.index("管理部件状态")] = "破损"
    census = components.import_components(platform, db, _write(tmp_path / "census2.csv", rows), batch_size=5)
    assert (census.created, census.changed, census.unchanged) == (0, 1, first.created - 1)
    record = components.get_component(db, None, rows[0][0])
    assert [(v.version, v.state) for v in record.versions] == [(1, "intact"), (2, "damaged")]
    assert record.versions[0].valid_to == record.versions[1].valid_from == clock()
