"""The analysis dashboard's page and its data endpoints as a signed-in person uses them: who may
open it, what their area limits, how bad input is answered, and that every CSV download holds
exactly the figures of the chart's JSON.

Cases are made through the real services at moments in 2023, a year no other test uses."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.integration.test_analysis import DONGHUAMEN, TIANTAN, Desk
from tests.web.test_pages import sign_in

from gridcity.web.dashboard import CHARTS

CST = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=CST)


@pytest.fixture
def desk(platform, db, make_user, clock) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(platform, db, make_user, clock)


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def test_console_roles_open_the_dashboard_and_others_are_refused(client, make_user) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/dashboard", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/dashboard"
    assert client.get("/dashboard/data/daily.json").status_code == 401

    for role in ("leader", "shift_leader", "dispatcher", "operator", "admin"):
        sign_in(client, make_user(role))
        page = client.get("/dashboard")
        assert page.status_code == 200, role
        assert (
            "统计分析" in page.text and 'id="chart-daily"' in page.text and 'id="table-overdue"' in page.text
        )
        assert '<a href="/dashboard">统计分析</a>' in page.text  # the nav link
        assert "/static/vendor/echarts/echarts.min.js" in page.text
        assert "/static/vendor/leaflet.heat/leaflet-heat.js" in page.text
        data = client.get("/dashboard/data/daily.json")
        assert data.status_code == 200 and data.json()["chart"] == "daily", role

    for role in ("handler", "supervisor", "citizen"):
        sign_in(client, make_user(role))
        page = client.get("/dashboard")
        assert page.status_code == 403 and "领导" in page.text, role
        assert 'href="/dashboard"' not in page.text  # no link to a page they cannot open
        refused = client.get("/dashboard/data/overdue.json")
        assert refused.status_code == 403 and "本页面供" in refused.json()["detail"], role
        assert client.get("/dashboard/data/overdue.csv").status_code == 403, role


def test_bad_dates_and_filters_get_a_clear_422(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("leader"))
    for query, message in (
        ({"from": "2023-02-30"}, "不是日期"),  # a page speaks Chinese unless the person chose English
        ({"from": "2023-03-10", "to": "2023-03-01"}, "晚于结束日期"),
        ({"from": "2019-01-01", "to": "2023-01-01"}, "最多只能选 731 天"),
        ({"network": "water"}, "未知的网络"),
        ({"class_code": "99999"}, "不是类别编码"),
        ({"street": "110101"}, "不是街道编码"),
    ):
        page = client.get("/dashboard", params=query)
        assert page.status_code == 422 and message in page.text, query
        data = client.get("/dashboard/data/rates.json", params=query)
        assert data.status_code == 422 and message in data.json()["detail"], query
        assert client.get("/dashboard/data/rates.csv", params=query).status_code == 422
    assert client.get("/dashboard/data/daily.json", params={"stack": "colour"}).status_code == 422
    assert client.get("/dashboard/data/hotspots.json", params={"level": "planet"}).status_code == 422
    bad_box = client.get("/dashboard/data/hotspots.json", params={"level": "grid", "bbox": "1,2,0,3"})
    assert bad_box.status_code == 422 and "地图范围“1,2,0,3”" in bad_box.json()["detail"]
    unknown = client.get("/dashboard/data/pie.json")
    assert unknown.status_code == 404 and "没有“pie”这个图表" in unknown.json()["detail"]


def test_a_street_user_sees_only_their_street(client, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    for point in (DONGHUAMEN, DONGHUAMEN, TIANTAN):
        desk.report("06020", at(4, 10), point)
    day = {"from": "2023-04-10", "to": "2023-04-10", "class_code": "06020"}

    sign_in(client, desk.leader)  # the district's leader: both streets
    assert client.get("/dashboard/data/daily.json", params=day).json()["meta"]["total"] == 3
    streets = client.get("/dashboard/data/hotspots.json", params={**day, "level": "street"}).json()
    assert [(r[1], r[3]) for r in streets["rows"]] == [("110101001", 2), ("110101016", 1)]

    sign_in(client, desk.street_leader)  # 东华门街道 only
    assert client.get("/dashboard/data/daily.json", params=day).json()["meta"]["total"] == 2
    streets = client.get("/dashboard/data/hotspots.json", params={**day, "level": "street"}).json()
    assert [(r[1], r[3]) for r in streets["rows"]] == [("110101001", 2)]
    other = client.get("/dashboard/data/daily.json", params={**day, "street": "110101016"})
    assert other.status_code == 403 and "不在您的辖区内" in other.json()["detail"]
    assert client.get("/dashboard", params={"street": "110101016"}).status_code == 403
    page = client.get("/dashboard")
    assert "东华门街道" in page.text and "天坛街道" not in page.text  # the street filter's choices
    heat = client.get("/dashboard/data/heat.json", params=day).json()
    assert sum(r[2] for r in heat["rows"]) == 2


def test_every_csv_holds_exactly_the_figures_of_its_json(client, desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    code = "06042"  # 垃圾站（箱）满溢: disposal within 4 working hours
    desk.closed(code, at(5, 8, 9), done=at(5, 8, 11))
    desk.dispatched(code, at(5, 9, 9), TIANTAN)  # overdue by the time we look
    desk.report(code, at(5, 10, 14))
    clock.set(at(5, 12, 16))
    sign_in(client, desk.leader)
    query = {"from": "2023-05-08", "to": "2023-05-12", "class_code": code}
    for chart in CHARTS:
        extra = {"level": "grid"} if chart == "hotspots" else {"stack": "class"} if chart == "daily" else {}
        data = client.get(f"/dashboard/data/{chart}.json", params={**query, **extra})
        assert data.status_code == 200, chart
        body = data.json()
        rows = csv_rows(client.get(f"/dashboard/data/{chart}.csv", params={**query, **extra}))
        assert rows[0] == body["columns"], chart
        assert rows[1:] == [[as_text(v) for v in row] for row in body["rows"]], chart
        assert body["meta"]["from"] == "2023-05-08" and body["meta"]["to"] == "2023-05-12"

    daily = client.get("/dashboard/data/daily.json", params={**query, "stack": "class"}).json()
    assert daily["columns"] == ["日期", "垃圾站（箱）满溢(06042)", "合计"]
    assert [r[1] for r in daily["rows"]] == [1, 1, 1, 0, 0]
    rates = client.get("/dashboard/data/rates.json", params=query).json()
    assert rates["rows"] == [["2023-05-08", "2023-05-12", 2, 1, 1, 50.0, 50.0]]
    overdue = client.get("/dashboard/data/overdue.json", params=query).json()
    # the dispatched case, then the one still waiting to be filed (its 15 minutes long past)
    assert overdue["meta"]["total"] == 2 and [r[4] for r in overdue["rows"]] == ["天坛街道", "东华门街道"]
    assert overdue["rows"][0][5:] == ["处置", "2023-05-09 14:30", 24.0, "工作小时"]
    assert overdue["rows"][1][3] == "已受理" and overdue["rows"][1][5:7] == ["立案", "2023-05-10 14:15"]
    assert overdue["meta"]["queue"] == "/work?queue=all&overdue=1&sort=deadline&class_code=06042"

    # the file name says what and when
    disposition = client.get("/dashboard/data/rates.csv", params=query).headers["content-disposition"]
    assert "gridcity-rates-2023-05-08-2023-05-12.csv" in disposition


def test_the_page_shows_the_chosen_period_and_speaks_english(client, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(at(6, 14))
    sign_in(client, make_user("dispatcher"))
    page = client.get("/dashboard")
    assert 'name="from" value="2023-05-16"' in page.text and 'name="to" value="2023-06-14"' in page.text
    assert 'class="preset current" data-from="2023-05-16" data-to="2023-06-14">近30天' in page.text
    assert 'data-from="2023-05-01" data-to="2023-05-31">上月' in page.text
    chosen = client.get(
        "/dashboard", params={"from": "2023-06-01", "to": "2023-06-14", "network": "social_service"}
    )
    assert 'data-query="from=2023-06-01&amp;to=2023-06-14&amp;network=social_service"' in chosen.text
    assert '<option value="social_service" selected>' in chosen.text
    client.get("/lang/en")
    english = client.get("/dashboard")
    assert "Cases reported per day" in english.text and "Download data (CSV)" in english.text
    columns = client.get("/dashboard/data/rates.json").json()["columns"]
    assert columns[:3] == ["Week from", "Week to", "Filed"]
    client.get("/lang/zh")
