"""The city's working calendar: its own days move deadlines; years the national table lacks warn."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.conftest import CST

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def _dispatch_garbage_at(client, clock, staff, moment) -> datetime:  # type: ignore[no-untyped-def]
    clock.set(moment)
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "暴露垃圾"}
    case = client.post("/api/v1/cases", json=body, headers=staff["supervisor"]).json()
    url = f"/api/v1/cases/{case['id']}/actions"
    case = client.post(
        url, json={"action": "file", "version": case["version"]}, headers=staff["shift_leader"]
    ).json()
    case = client.post(
        url, json={"action": "dispatch", "version": case["version"]}, headers=staff["dispatcher"]
    ).json()
    assert case["clock"]["stage"] == "dispose" and case["clock"]["unit"] == "work_hours"
    return datetime.fromisoformat(case["deadline"]).astimezone(CST)


@pytest.mark.own_city
def test_a_city_rest_day_pushes_working_hour_deadlines(client, clock, make_user, login) -> None:  # type: ignore[no-untyped-def]
    monday_4pm = datetime(2026, 12, 7, 16, 0, tzinfo=CST)
    clock.set(monday_4pm)  # sign in on that day: tokens expire
    staff = {r: login(make_user(r)) for r in ("supervisor", "shift_leader", "dispatcher")}
    admin = login(make_user("admin", "110000"))
    # exposed garbage has 4 working hours: 1.5 on Monday, 2.5 on Tuesday morning
    assert _dispatch_garbage_at(client, clock, staff, monday_4pm) == datetime(2026, 12, 8, 11, 0, tzinfo=CST)

    r = client.put(
        "/api/v1/calendar/2026-12-08", json={"is_workday": False, "note": "城市停工日"}, headers=admin
    )
    assert r.status_code == 200
    assert _dispatch_garbage_at(client, clock, staff, monday_4pm) == datetime(2026, 12, 9, 11, 0, tzinfo=CST)
    listed = client.get("/api/v1/calendar", params={"year": 2026}).json()
    own = {"day": "2026-12-08", "is_workday": False, "name": "城市停工日", "source": "city"}
    national = {"day": "2026-10-01", "is_workday": False, "name": "国庆节", "source": "national"}
    assert own in listed["days"] and national in listed["days"]
    assert listed["national_table_known"] is True and listed["warning"] is None
    assert client.delete("/api/v1/calendar/2026-12-08", headers=admin).status_code == 204


def test_only_the_city_admin_sets_days_and_unknown_years_warn(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    district_admin = login(make_user("admin", "110101"))
    r = client.put("/api/v1/calendar/2027-01-01", json={"is_workday": False}, headers=district_admin)
    assert r.status_code == 403
    bad = client.put("/api/v1/calendar/2027-02-30", json={"is_workday": False}, headers=district_admin)
    assert bad.status_code == 422
    view = client.get("/api/v1/calendar", params={"year": 2027}).json()
    assert view["national_table_known"] is False
    assert "2027" in view["warning"]


def test_a_year_the_national_table_lacks_lists_its_computed_statutory_holidays(client) -> None:  # type: ignore[no-untyped-def]
    days = {d["day"]: d for d in client.get("/api/v1/calendar", params={"year": 2028}).json()["days"]}
    assert days["2028-01-01"] == {
        "day": "2028-01-01",
        "is_workday": False,
        "name": "元旦",
        "source": "computed",
    }
    # 春节 from 除夕 (2028-01-25) to 正月初三, by the lunar calendar
    assert [d for d in days if d.startswith("2028-01-2")] == [
        "2028-01-25",
        "2028-01-26",
        "2028-01-27",
        "2028-01-28",
    ]
    assert days["2028-04-04"]["name"] == "清明节" and days["2028-05-28"]["name"] == "端午节"
    assert all(d["source"] == "computed" and d["is_workday"] is False for d in days.values())
    assert len(days) == 12  # 13 days, but 中秋 falls on 国庆 (2028-10-03)


@pytest.mark.own_city
def test_the_city_admin_confirms_a_years_computed_holidays(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    """[7] item 8: the computed statutory holidays of a year the table lacks become the city's own
    rest days at the city admin's word; a day the city already set stays as it was."""
    admin = login(make_user("admin", "110000"))  # the city platform's admin
    made = client.put(
        "/api/v1/calendar/2028-01-25", json={"is_workday": True, "note": "调休上班"}, headers=admin
    )
    assert made.status_code == 200
    before = client.get("/api/v1/calendar", params={"year": 2028}).json()
    assert before["unconfirmed"] == 11 and "confirm 2028's 11 computed holidays" in before["warning"]

    district = login(make_user("admin", "110101"))
    refused = client.post("/api/v1/calendar/confirm", json={"year": 2028}, headers=district)
    assert refused.status_code == 403
    done = client.post("/api/v1/calendar/confirm", json={"year": 2028}, headers=admin)
    assert done.status_code == 200
    confirmed = done.json()["confirmed"]
    assert len(confirmed) == 11 and "2028-01-26" in confirmed and "2028-01-25" not in confirmed

    after = client.get("/api/v1/calendar", params={"year": 2028}).json()
    days = {d["day"]: d for d in after["days"]}
    assert after["unconfirmed"] == 0 and "make-up working days" in after["warning"]
    assert days["2028-01-26"] == {
        "day": "2028-01-26",
        "is_workday": False,
        "name": "春节（法定节假日，已确认）",
        "source": "city",
    }
    assert days["2028-01-25"]["is_workday"] is True  # the city's own setting kept
    again = client.post("/api/v1/calendar/confirm", json={"year": 2028}, headers=admin)
    assert again.json()["confirmed"] == []  # nothing left to confirm, nothing written twice

    known = client.post("/api/v1/calendar/confirm", json={"year": 2026}, headers=admin)
    assert known.status_code == 422 and "knows 2026" in known.json()["detail"]
    before_rules = client.post("/api/v1/calendar/confirm", json={"year": 2003}, headers=admin)
    assert before_rules.status_code == 422
    assert client.post("/api/v1/calendar/confirm", json={"year": 1999}, headers=admin).status_code == 422
