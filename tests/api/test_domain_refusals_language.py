"""The domain's refusals through the API speak the client's language ([8]): a bad class code, a bad
map window, a bad evaluation month and a day that does not exist — Chinese when Accept-Language asks
for it, English otherwise, with the catalogue code either way."""

from __future__ import annotations

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
NATIONAL = {"standard": "GB/T 47678.5-2026"}


def test_an_unknown_or_ambiguous_class_code_is_told_in_chinese(client) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/api/v1/classes/99999", params=NATIONAL, headers=ZH)
    assert missing.status_code == 404 and missing.json()["code"] == "class.not_found_in"
    assert missing.json()["detail"] == "GB/T 47678.5-2026 中找不到代码为 99999 的类别"
    english = client.get("/api/v1/classes/99999", params=NATIONAL)
    assert english.status_code == 404 and english.json()["detail"] == "no class 99999 in GB/T 47678.5-2026"
    # component 01001 供水井盖 and matter 01001 供水井盖异常 share a code
    shared = client.get("/api/v1/classes/01001", params=NATIONAL, headers=ZH)
    assert shared.status_code == 422 and shared.json()["code"] == "class.ambiguous"
    assert shared.json()["detail"].startswith("代码 01001 对应多个类别，请注明部件/事件或标准：")


def test_a_bad_map_window_is_told_in_chinese(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    operator = login(make_user("operator"))
    window = {"bbox": "116.5,39.9,116.3,40.0"}  # min > max
    bad = client.get("/api/v1/cases.geojson", params=window, headers={**operator, **ZH})
    assert bad.status_code == 422 and bad.json()["code"] == "territory.bad_bbox"
    assert bad.json()["detail"].startswith("地图范围“116.5,39.9,116.3,40.0”应为四个数字")
    english = client.get("/api/v1/cases.geojson", params=window, headers=operator)
    assert english.status_code == 422 and "is not four numbers min_lon" in english.json()["detail"]


def test_a_month_or_day_that_does_not_exist_is_told_in_chinese(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    leader = login(make_user("leader"))
    month = client.get("/api/v1/evaluations", params={"period": "2026-13"}, headers={**leader, **ZH})
    assert month.status_code == 422 and month.json()["code"] == "assessment.not_a_month"
    assert month.json()["detail"] == "“2026-13”不是月份（请写成 YYYY-MM，例如 2026-11）"
    day = client.get(
        "/api/v1/evaluations", params={"period": "2026-02-30..2026-03-02"}, headers={**leader, **ZH}
    )
    assert day.status_code == 422 and day.json()["code"] == "assessment.not_a_day"
    assert day.json()["detail"] == "“2026-02-30”不是日期（请写成 YYYY-MM-DD）"
    english = client.get("/api/v1/evaluations", params={"period": "2026-13"}, headers=leader)
    assert english.json()["detail"] == "not a month: '2026-13' (write it as YYYY-MM, e.g. 2026-11)"
