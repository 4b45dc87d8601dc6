"""Component identity codes, states, census rows and distances (domain.components)."""

from __future__ import annotations

from datetime import date

import pytest
import shapely

from gridcity.domain.components import (
    CensusReader,
    ComponentState,
    census_header,
    check_radius,
    component_code,
    ground_distance_m,
    parse_component_code,
    parse_state,
    search_box,
)
from gridcity.domain.errors import Invalid
from gridcity.domain.taxonomy import BEIJING_STANDARD, NATIONAL_STANDARD


def test_old_generation_code_splits_into_district_class_sequence() -> None:
    code = parse_component_code("3205080101000001")  # docs/domain/registry.md's water-supply manhole cover
    assert (code.district_code, code.class_code, code.sequence) == ("320508", "0101", "000001")
    assert code.standard == BEIJING_STANDARD
    assert code.major_code == "01"


def test_national_code_has_a_three_digit_minor_class() -> None:
    code = parse_component_code(" 11010101001000042 ")
    assert (code.district_code, code.class_code, code.sequence) == ("110101", "01001", "000042")
    assert code.standard == NATIONAL_STANDARD


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "16 digits"),
        ("110101010010000", "16 digits"),  # 15 digits
        ("110101010010000421", "16 digits"),  # 18 digits
        ("11010101001A00042", "16 digits"),
        ("00010101001000042", "not a district code"),
        ("11000001001000042", "not a district code"),
        ("11010100001000042", "not a class code"),
        ("11010101000000042", "not a class code"),
        ("11010101001000000", "sequence starts at 000001"),
    ],
)
def test_bad_codes_are_refused_with_the_reason(text: str, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        parse_component_code(text)


def test_codes_are_built_in_the_generation_of_the_class() -> None:
    assert component_code("110101", "01001", 7) == "11010101001000007"
    assert component_code("110101", "0101", 7) == "1101010101000007"
    with pytest.raises(Invalid):
        component_code("110101", "01001", 1_000_000)


def test_states_read_in_chinese_or_english() -> None:
    assert parse_state("破损") is ComponentState.DAMAGED
    assert parse_state(" Removed ") is ComponentState.REMOVED
    assert ComponentState.LOST.label_zh == "丢失"
    assert ComponentState.LOST.in_service and not ComponentState.REMOVED.in_service
    with pytest.raises(Invalid, match="完好、破损、丢失、废弃、移除"):
        parse_state("broken")


HEADER = [
    "管理部件标识码",
    "GLBJMC",
    "owner_name",
    "主管部门代码",
    "状态",
    "初始日期",
    "BGRQ",
    "经度",
    "纬度",
    "备注",
]


def _row(**values: str) -> dict[str, str]:
    row = {
        "管理部件标识码": "11010101001000042",
        "GLBJMC": "供水井盖",
        "owner_name": "北京市自来水集团",
        "主管部门代码": "",
        "状态": "完好",
        "初始日期": "20240315",
        "BGRQ": "",
        "经度": "116.41",
        "纬度": "39.92",
        "备注": "",
    }
    row.update(values)
    return row


def _read(columns: list[str], record: dict[str, str]):  # type: ignore[no-untyped-def]
    reader = CensusReader(columns)
    return reader.read(reader.values(record))


def test_a_short_csv_row_lacks_its_last_cells() -> None:
    reader = CensusReader(HEADER)
    with pytest.raises(Invalid, match="point is missing"):
        reader.read(
            ["11010101001000042", "供水井盖", "北京市自来水集团", "", "完好", "20240315", "", "116.4"]
        )


def test_header_takes_the_standards_names_abbreviations_or_english() -> None:
    header = census_header(HEADER)
    assert header["code"] == "管理部件标识码"
    assert header["name"] == "GLBJMC"
    assert header["change_date"] == "BGRQ"
    assert header["lon"] == "经度"


def test_header_names_every_missing_column() -> None:
    with pytest.raises(Invalid) as caught:
        census_header(["code", "name", "x"])
    assert "owner_name" in caught.value.message
    assert "state" in caught.value.message
    assert "lon + lat (or geometry)" in caught.value.message


def test_a_good_row_is_read() -> None:
    row = _read(HEADER, _row(BGRQ="2025-01-02", 主管部门代码="911100008021000008"))
    assert row.code.code == "11010101001000042"
    assert row.state is ComponentState.INTACT
    assert (row.lon, row.lat, row.geom_wkb) == (116.41, 39.92, None)
    assert row.initial_date == date(2024, 3, 15)
    assert row.change_date == date(2025, 1, 2)
    assert row.owner_code == "911100008021000008"
    assert row.note is None  # empty cells are absent values


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"GLBJMC": ""}, "name is empty"),
        ({"GLBJMC": "井" * 61}, "longer than 60"),
        ({"状态": "坏了"}, "component state"),
        ({"初始日期": "2024-13-01"}, "not a date"),
        ({"初始日期": "20240230"}, "not a date"),
        ({"BGRQ": "20230101"}, "before initial_date"),
        ({"主管部门代码": "12345"}, "owner_code '12345': a unified social credit code"),
        ({"主管部门代码": "911100008021000009"}, "check character is wrong"),
        ({"经度": "east"}, "not numbers"),
        ({"经度": "200"}, "not a longitude/latitude"),
        ({"纬度": ""}, "point is missing"),
        ({"管理部件标识码": "123"}, "16 digits"),
    ],
)
def test_bad_rows_say_why(values: dict[str, str], words: str) -> None:
    with pytest.raises(Invalid, match=words):
        _read(HEADER, _row(**values))


def test_a_line_component_is_found_by_its_middle_and_keeps_its_shape() -> None:
    header = [*HEADER, "geometry"]
    row = _read(header, _row(经度="", 纬度="", geometry="LINESTRING (116.40 39.92, 116.42 39.92)"))
    assert (round(row.lon, 6), round(row.lat, 6)) == (116.41, 39.92)
    assert row.geom_wkb is not None
    assert shapely.from_wkb(row.geom_wkb).length == pytest.approx(0.02)


def test_an_area_component_is_found_by_a_point_inside_it() -> None:
    header = [*HEADER, "geometry"]
    row = _read(header, _row(geometry="POLYGON ((116.4 39.9, 116.41 39.9, 116.41 39.91, 116.4 39.9))"))
    assert shapely.from_wkb(row.geom_wkb).contains(shapely.Point(row.lon, row.lat))
    with pytest.raises(Invalid, match="not WKT"):
        _read(header, _row(geometry="POLYGON ((oops"))
    with pytest.raises(Invalid, match="not a GeometryCollection"):
        _read(header, _row(geometry="GEOMETRYCOLLECTION (POINT (116.4 39.9))"))


def test_a_declared_class_must_match_the_code() -> None:
    header = [*HEADER, "class_code"]
    with pytest.raises(Invalid, match="differs from the code's class 01001"):
        _read(header, _row(class_code="01002"))


def test_distances_in_metres() -> None:
    # a degree of latitude is about 111.2 km; a degree of longitude at 40° N about 85.3 km
    assert ground_distance_m(116.4, 39.0, 116.4, 40.0) == pytest.approx(111_195, rel=1e-3)
    assert ground_distance_m(116.0, 40.0, 117.0, 40.0) == pytest.approx(85_180, rel=2e-3)
    assert ground_distance_m(116.4, 39.9, 116.4, 39.9) == 0.0


def test_the_search_box_holds_the_whole_circle() -> None:
    lon, lat, r = 116.41, 39.92, 20.0
    min_lon, min_lat, max_lon, max_lat = search_box(lon, lat, r)
    for edge in ((min_lon, lat), (max_lon, lat), (lon, min_lat), (lon, max_lat)):
        assert ground_distance_m(lon, lat, *edge) == pytest.approx(r, rel=1e-3)


def test_the_radius_is_bounded() -> None:
    assert check_radius(20) == 20
    for bad in (0, -5, 2001, float("nan")):
        with pytest.raises(Invalid, match="radius"):
            check_radius(bad)
