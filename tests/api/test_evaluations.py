"""GET /api/v1/evaluations as a leader, an admin or a shift leader uses it: the shape of a row (every
indicator as value / numerator / denominator), who may read it and which rows they see, and a clear
422 for a bad period, kind or level."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from tests.conftest import Clock
from tests.support import photos_for

from gridcity.services import cases

CST = ZoneInfo("Asia/Shanghai")
DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
PERIOD = "2026-07"  # no other test makes cases in July 2026


def _closed_case(platform, db, make_user, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    """One supervisor report in July, filed, dispatched, disposed on time, checked and closed."""
    staff = {r: make_user(r) for r in ("supervisor", "operator", "shift_leader", "dispatcher", "handler")}
    clock.set(datetime(2026, 7, 6, 9, 0, tzinfo=CST))  # a Monday
    report = cases.Report(class_code="06010", kind="event", lon=DONGHUAMEN[0], lat=DONGHUAMEN[1])
    case, _ = cases.report_case(platform, db, staff["supervisor"], report)
    steps = [
        ("shift_leader", "file", {}),
        ("dispatcher", "dispatch", {"department_id": staff["handler"].org_unit_id}),
        ("handler", "accept", {}),
        ("handler", "report_done", {}),
        ("operator", "assign_check", {"assignee_id": staff["supervisor"].id}),
        ("supervisor", "check_pass", {}),
        ("shift_leader", "close", {}),
    ]
    for role, action, fields in steps:
        clock.advance(minutes=5)
        photos = photos_for(platform, db, staff[role], action)
        request = cases.ActionRequest(action, case.version, "ok", fields, photos)
        case = cases.transition(platform, db, staff[role], case.id, request)
    assert case.state == "closed"
    return case.id


@pytest.fixture
def july(platform, db, make_user, clock) -> int:  # type: ignore[no-untyped-def]
    case_id = _closed_case(platform, db, make_user, clock)
    clock.set(datetime(2026, 8, 3, 9, 0, tzinfo=CST))  # evaluated in August
    return case_id


def test_a_row_carries_every_indicator_with_its_numerator_and_denominator(
    client, login, make_user, july
) -> None:  # type: ignore[no-untyped-def]
    leader = make_user("leader", "110000")  # the city's leader sees every district
    r = client.get(
        "/api/v1/evaluations",
        params={"period": PERIOD, "kind": "region", "level": "district"},
        headers=login(leader),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == PERIOD and body["kind"] == "region" and body["level"] == "district"
    assert body["from"] == "2026-07-01T00:00:00+08:00" and body["to"] == "2026-08-01T00:00:00+08:00"
    assert body["as_of"].startswith("2026-08-03") and body["area"] == ""
    assert body["counted_from"] == "rollups"  # a whole month
    codes = [row["scope"]["code"] for row in body["rows"]]
    assert len(codes) == 16 and "110101" in codes and "110102" in codes  # every district of Beijing
    dongcheng = next(row for row in body["rows"] if row["scope"]["code"] == "110101")
    assert dongcheng["scope"]["name"] == "东城区" and dongcheng["peer_group"] == "首都功能核心区"
    closure = dongcheng["indicators"]["closure_rate"]  # every July case of the tests was closed
    assert closure["numerator"] == closure["denominator"] >= 1 and closure["value"] == 100.0
    described = {item["key"]: item for item in body["indicators"]}
    assert described["closure_rate"]["label"] == "结案率" and described["closure_rate"]["unit"] == "%"
    assert described["closure_rate"]["weight"] == 27 and described["rework_rate"]["weight"] == 0
    assert described["satisfaction"]["weight"] == 10 and described["hotline_response_rate"]["weight"] == 0
    assert described["public_report_rate"]["lower_is_better"] is True
    assert sum(item["weight"] for item in body["indicators"]) == 100
    assert set(dongcheng["indicators"]) == set(described)
    for key, item in dongcheng["indicators"].items():
        assert {"value", "numerator", "denominator", "score"} <= set(item), key
    rating = dongcheng["indicators"]["satisfaction"]  # nobody rated: no value, not a zero
    assert (rating["numerator"], rating["denominator"], rating["value"]) == (0, 0, None)
    assert isinstance(dongcheng["composite"], float) and dongcheng["grade"] in {"A", "B", "C", "D", "E"}
    assert dongcheng["rank"] == 1  # the only district of its peer group with cases
    # a district without a case that month is not assessed (no composite, no grade, no rank)
    quiet = next(row for row in body["rows"] if row["scope"]["code"] == "110108")
    assert quiet["composite"] is None and quiet["grade"] is None and quiet["rank"] is None


def test_each_reader_sees_only_their_area(client, login, make_user, july) -> None:  # type: ignore[no-untyped-def]
    district_leader = make_user("leader")  # 东城区
    r = client.get("/api/v1/evaluations", params={"period": PERIOD}, headers=login(district_leader))
    assert r.status_code == 200 and [row["scope"]["code"] for row in r.json()["rows"]] == ["110101"]

    street_shift_leader = make_user("shift_leader", "110101001")  # 东华门街道
    r = client.get(
        "/api/v1/evaluations",
        params={"period": PERIOD, "level": "community"},
        headers=login(street_shift_leader),
    )
    assert r.status_code == 200
    communities = [row["scope"]["code"] for row in r.json()["rows"]]
    assert communities and all(code.startswith("110101001") for code in communities)
    # the street's own district is not its area: no rows, not the district's figures
    r = client.get("/api/v1/evaluations", params={"period": PERIOD}, headers=login(street_shift_leader))
    assert r.status_code == 200 and r.json()["rows"] == []

    admin = make_user("admin")  # 东城区's admin: its departments, not the city's bureaus
    r = client.get(
        "/api/v1/evaluations", params={"period": PERIOD, "kind": "department"}, headers=login(admin)
    )
    assert r.status_code == 200
    departments = [row["scope"]["code"] for row in r.json()["rows"]]
    assert "110101-CGW" in departments and not any(code.startswith("BJ-") for code in departments)
    cgw = next(row for row in r.json()["rows"] if row["scope"]["code"] == "110101-CGW")
    assert cgw["indicators"]["on_time_disposal_rate"]["numerator"] >= 1

    elsewhere = make_user("supervisor", "110102")  # 西城区's supervisor is not 东城区's to see
    r = client.get(
        "/api/v1/evaluations", params={"period": PERIOD, "kind": "post"}, headers=login(district_leader)
    )
    assert r.status_code == 200
    people = {row["scope"]["id"] for row in r.json()["rows"]}
    assert people and elsewhere.id not in people
    assert all(row["scope"]["level"] == "supervisor" for row in r.json()["rows"])


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "handler", "citizen"])
def test_other_roles_may_not_read_evaluations(client, login, make_user, role: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/evaluations", params={"period": PERIOD}, headers=login(make_user(role)))
    assert r.status_code == 403 and "leaders" in r.json()["detail"]


def test_without_a_token_it_asks_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/evaluations", params={"period": PERIOD}).status_code == 401


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2026-13"}, "not a month"),
        ({"period": "July"}, "not a month"),
        ({"period": "2026-07-10..2026-07-01"}, "before or when it starts"),
        ({"from": "2026-07-01"}, "both from and to"),
        ({"period": "2026-07", "from": "2026-07-01", "to": "2026-07-08"}, "either a period or from/to"),
        ({"period": "2026-07", "kind": "people"}, "unknown kind"),
        ({"period": "2026-07", "kind": "region", "level": "province"}, "unknown region level"),
        ({"period": "2026-07", "kind": "post", "level": "handler"}, "unknown post"),
        ({"period": "2026-07", "kind": "department", "level": "street"}, "leave level out"),
    ],
)
def test_a_bad_period_kind_or_level_is_a_422_with_a_message(
    client, login, make_user, params, message
) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/evaluations", params=params, headers=login(make_user("leader")))
    assert r.status_code == 422 and message in r.json()["detail"], r.text


def test_rows_come_a_page_at_a_time_in_rank_order(client, login, make_user, july) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("leader", "110000"))
    params = {"period": PERIOD, "level": "street"}
    everything = client.get("/api/v1/evaluations", params=params, headers=headers).json()
    assert everything["total"] == len(everything["rows"]) == 343  # every street of Beijing
    ranked = [row["rank"] for row in everything["rows"] if row["rank"] is not None]
    assert ranked and ranked == sorted(ranked)
    second = client.get(
        "/api/v1/evaluations", params={**params, "page": 2, "page_size": 100}, headers=headers
    )
    assert second.status_code == 200 and second.json()["total"] == 343
    assert second.json()["rows"] == everything["rows"][100:200]
    bad = client.get("/api/v1/evaluations", params={**params, "page_size": 0}, headers=headers)
    assert bad.status_code == 422 and "page_size" in bad.json()["detail"]


def test_a_range_of_days_and_the_default_month(client, login, make_user, july) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("leader"))
    r = client.get("/api/v1/evaluations", params={"from": "2026-07-01", "to": "2026-07-16"}, headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["period"] == "2026-07-01..2026-07-16" and body["months"] == pytest.approx(
        15 * 86400 / 2629746
    )
    assert body["counted_from"] == "cases"  # not whole months: counted from the cases
    assert body["rows"][0]["indicators"]["closure_rate"]["numerator"] >= 1
    # without a period: last month, as of now (the clock says 3 August)
    r = client.get("/api/v1/evaluations", headers=headers)
    assert r.status_code == 200 and r.json()["period"] == PERIOD
