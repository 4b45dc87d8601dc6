"""The column mapping of a case import: every problem of a bad mapping is named; rows are read
into times, class, status, place and department, or rejected with a reason."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gridcity.domain.errors import Invalid
from gridcity.domain.import_mapping import ClassTarget, Rejected, parse_mapping

GOOD = """
[source]
name = "hotline"
id = "工单编号"

[time]
timezone = "Asia/Shanghai"
format = "%Y/%m/%d %H:%M"
reported = "受理时间"
closed = "办结时间"

[location]
lon = "经度"
lat = "纬度"
address = "地址"
[location.places]
"东华门大街1号" = [116.404, 39.914]

[description]
columns = ["诉求内容", "补充"]

[class]
column = "类别"
[class.map]
"暴露垃圾" = "06010"
"井盖" = { code = "01010", kind = "component" }

[status]
column = "状态"
[status.map]
"已办结" = "closed"
"办理中" = "open"

[department]
column = "承办单位"
[department.map]
"城管委" = "110101-CGW"
"""

ROW = {
    "工单编号": "A-1",
    "受理时间": "2026/11/02 09:30",
    "办结时间": "2026/11/03 16:00",
    "经度": "116.41",
    "纬度": "39.92",
    "地址": "某街",
    "诉求内容": "垃圾堆放",
    "补充": "NA",
    "类别": "暴露垃圾",
    "状态": "已办结",
    "承办单位": "城管委",
}


def test_a_good_mapping_reads_a_row() -> None:
    mapping = parse_mapping(GOOD)
    row = mapping.read(ROW)
    cst = ZoneInfo("Asia/Shanghai")
    assert row.external_id == "import:hotline:A-1"
    assert row.reported_at == datetime(2026, 11, 2, 9, 30, tzinfo=cst)
    assert row.filed_at == row.reported_at  # no filing column: filed when reported
    assert row.closed_at == datetime(2026, 11, 3, 16, 0, tzinfo=cst)
    assert (row.lon, row.lat) == (116.41, 39.92)
    assert row.target == ClassTarget("06010")
    assert row.status == "closed" and row.department_code == "110101-CGW"
    assert row.description == "垃圾堆放"  # "NA" cells are left out
    assert mapping.channel == "hotline" and mapping.crs == "wgs84"
    assert mapping.classes["井盖"] == ClassTarget("01010", None, "component")


def test_an_address_is_located_only_through_the_places_table() -> None:
    mapping = parse_mapping(GOOD)
    found = mapping.read({**ROW, "经度": "", "纬度": "", "地址": "东华门大街1号"})
    assert (found.lon, found.lat) == (116.404, 39.914)
    with pytest.raises(Rejected, match="cannot be located"):
        mapping.read({**ROW, "经度": "", "纬度": "", "地址": "无名路"})


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"工单编号": ""}, "no id"),
        ({"受理时间": "2 Nov 2026"}, "does not match the time format"),
        ({"受理时间": ""}, "no time"),
        ({"类别": "噪音"}, "not in the class mapping"),
        ({"状态": "退回"}, "not in the status mapping"),
        ({"办结时间": ""}, "without a close time"),
        ({"办结时间": "2026/11/01 08:00"}, "closed before it was reported"),
        ({"经度": "east", "纬度": "39.9"}, "not numbers"),
        ({"经度": "200", "纬度": "39.9"}, "not a lon/lat"),
        ({"经度": "0", "纬度": "0"}, "no location"),
        ({"经度": "", "纬度": "", "地址": ""}, "no coordinates and no address"),
    ],
)
def test_rows_that_cannot_be_read_are_rejected_with_the_reason(change: dict[str, str], reason: str) -> None:
    with pytest.raises(Rejected, match=reason):
        parse_mapping(GOOD).read({**ROW, **change})


def test_an_open_row_needs_no_close_time_and_unmapped_departments_are_left_to_routing() -> None:
    row = parse_mapping(GOOD).read({**ROW, "状态": "办理中", "办结时间": "", "承办单位": "某公司"})
    assert row.status == "open" and row.closed_at is None and row.department_code is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not toml = = 1", "not valid TOML"),
        (
            "[time]\nreported = 'x'\n[class]\ncolumn='c'\n[class.map]\na='1'",
            "the 'source' section is missing",
        ),
        (GOOD.replace('id = "工单编号"', ""), "source.id is missing"),
        (GOOD.replace('name = "hotline"', 'name = "a:b"'), "source.name has no ':'"),
        (GOOD.replace('id = "工单编号"', 'id = "工单编号"\nchannel = "fax"'), "source.channel 'fax'"),
        (GOOD.replace("Asia/Shanghai", "Mars/Olympus"), "not a timezone"),
        (GOOD.replace("%Y/%m/%d %H:%M", "yyyy-mm-dd"), "neither 'iso' nor a strptime format"),
        (GOOD.replace('reported = "受理时间"', ""), "time.reported is missing"),
        (GOOD.replace('lat = "纬度"', ""), "lon and location.lat go together"),
        (GOOD.replace('lat = "纬度"', 'lat = "纬度"\ncrs = "bd09"'), "crs 'bd09' is not supported"),
        (GOOD.replace("[116.404, 39.914]", '"here"'), "must be a pair of lon, lat"),
        (GOOD.replace('"暴露垃圾" = "06010"', '"暴露垃圾" = 6010'), "must be a class code"),
        (GOOD.replace('kind = "component"', 'kind = "thing"'), "kind is component or event"),
        (GOOD.replace('"办理中" = "open"', '"办理中" = "pending"'), "'pending' is not one of"),
        (GOOD.replace('closed = "办结时间"', ""), "closed statuses need time.closed"),
        (GOOD.replace('"城管委" = "110101-CGW"', '"城管委" = 5'), "must be a department code"),
        (GOOD + "\n[extras]\na = 1\n", "unknown section 'extras'"),
    ],
)
def test_a_bad_mapping_names_its_problem(text: str, problem: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_mapping(text)
    assert problem in caught.value.message


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace('id = "工单编号"', "").replace("Asia/Shanghai", "Nowhere/Zone")
    with pytest.raises(Invalid) as caught:
        parse_mapping(text)
    problems = caught.value.details["problems"]
    assert isinstance(problems, list) and len(problems) == 2


def test_times_with_an_offset_keep_it() -> None:
    mapping = parse_mapping(GOOD.replace('format = "%Y/%m/%d %H:%M"', 'format = "iso"'))
    row = mapping.read({**ROW, "受理时间": "2026-11-02T09:30:00+00:00", "办结时间": "2026-11-03T09:30:00"})
    assert row.reported_at == datetime(2026, 11, 2, 9, 30, tzinfo=ZoneInfo("UTC"))
    assert row.closed_at == datetime(2026, 11, 3, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
