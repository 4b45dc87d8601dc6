"""The reporter's callback contact (回访联系方式) through the JSON API, on SQLite and PostgreSQL:
staff who may see the case see it masked, read it in clear with a reason, and the read is in the
admin's personal-data access log; citizens, other departments, the public portal and Open311 never
see it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.web.test_portal import portal_report

from gridcity.db.models import PersonalAccessLog

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
NAME, PHONE = "张三丰", "13800138000"


def report(client: Any, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "路边暴露垃圾", **extra}
    r = client.post("/api/v1/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def log_rows(db: Any, case_id: int) -> list[PersonalAccessLog]:
    db.expire_all()
    stmt = select(PersonalAccessLog).where(
        PersonalAccessLog.record_kind == "case_contact", PersonalAccessLog.record_id == case_id
    )
    return list(db.scalars(stmt))


def test_staff_see_the_contact_masked_and_reveal_it_with_a_logged_reason(  # type: ignore[no-untyped-def]
    client, db, make_user, login
) -> None:
    operator, dispatcher, admin = make_user("operator"), make_user("dispatcher"), make_user("admin")
    case = report(client, login(operator), channel="hotline", contact_name=NAME, contact_phone=PHONE)
    url = f"/api/v1/cases/{case['id']}"

    seen = client.get(url, headers=login(dispatcher))
    assert seen.status_code == 200
    assert seen.json()["contact"] == {"name": "张**", "phone": "138****8000", "masked": True}
    assert PHONE not in seen.text and NAME not in seen.text

    for body in ({}, {"reason": ""}, {"reason": "  看看 "}):
        refused = client.post(
            f"{url}/contact", json=body, headers={**login(dispatcher), "Accept-Language": "zh"}
        )
        assert refused.status_code == 422, refused.text
        assert "事由" in refused.json()["detail"] and PHONE not in refused.text
    assert log_rows(db, case["id"]) == []

    shown = client.post(f"{url}/contact", json={"reason": "回访核实处置结果"}, headers=login(dispatcher))
    assert shown.status_code == 200, shown.text
    assert shown.json() == {"name": NAME, "phone": PHONE, "masked": False}
    assert shown.headers["cache-control"] == "no-store"
    [row] = log_rows(db, case["id"])
    assert (row.username, row.role, row.action, row.reason) == (
        dispatcher.username,
        "dispatcher",
        "view",
        "回访核实处置结果",
    )
    assert row.fields == ["name", "phone"] and row.scope_code.startswith("110101001")
    assert row.detail["case_number"] == case["number"]
    # the case itself still shows the contact masked: the read in clear was for that reply only
    assert client.get(url, headers=login(dispatcher)).json()["contact"]["masked"] is True

    log = client.get("/api/v1/registry/access-log", headers=login(admin))
    assert log.status_code == 200
    [entry] = [
        e for e in log.json()["items"] if e["record_kind"] == "case_contact" and e["record_id"] == case["id"]
    ]
    assert (entry["username"], entry["reason"]) == (dispatcher.username, "回访核实处置结果")
    assert PHONE not in log.text


def test_the_history_says_a_portal_reporter_left_a_contact(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    dispatcher = login(make_user("dispatcher"))
    named, _ = portal_report(client, contact="named", contact_name=NAME, contact_phone="138 0013 8000")
    anonymous, _ = portal_report(client)
    seen = client.get(f"/api/v1/cases/{int(named[8:])}", headers=dispatcher).json()
    assert seen["channel"] == "citizen"
    assert seen["history"][0]["actor"]["name"] == "市民服务平台（留有联系方式）"
    assert seen["contact"] == {"name": "张**", "phone": "138****8000", "masked": True}
    bare = client.get(f"/api/v1/cases/{int(anonymous[8:])}", headers=dispatcher).json()
    assert bare["history"][0]["actor"]["name"] == "市民服务平台（匿名上报）" and bare["contact"] is None


def test_citizens_other_departments_and_cases_without_contact(client, db, make_user, login) -> None:  # type: ignore[no-untyped-def]
    operator, dispatcher, handler = make_user("operator"), make_user("dispatcher"), make_user("handler")
    citizen, other_citizen = make_user("citizen"), make_user("citizen")
    own = report(client, login(citizen), contact_name=NAME, contact_phone=PHONE)
    assert own["contact"] is None and PHONE not in str(own)

    # the citizen sees their case without the contact and may not read it in clear
    mine = client.get(f"/api/v1/cases/{own['id']}", headers=login(citizen))
    assert mine.status_code == 200 and mine.json()["contact"] is None
    refused = client.post(
        f"/api/v1/cases/{own['id']}/contact", json={"reason": "我想看看"}, headers=login(citizen)
    )
    assert refused.status_code == 403 and PHONE not in refused.text
    # another citizen, and a department the case was not sent to, do not see the case at all
    for user in (other_citizen, handler):
        assert client.get(f"/api/v1/cases/{own['id']}", headers=login(user)).status_code == 404
        hidden = client.post(
            f"/api/v1/cases/{own['id']}/contact", json={"reason": "回访核实"}, headers=login(user)
        )
        assert hidden.status_code == 404 and PHONE not in hidden.text
    assert log_rows(db, own["id"]) == []
    # staff see it masked
    assert (
        client.get(f"/api/v1/cases/{own['id']}", headers=login(dispatcher)).json()["contact"]["phone"]
        == "138****8000"
    )

    bare = report(client, login(operator), channel="hotline")
    assert client.get(f"/api/v1/cases/{bare['id']}", headers=login(dispatcher)).json()["contact"] is None
    none = client.post(
        f"/api/v1/cases/{bare['id']}/contact",
        json={"reason": "回访核实"},
        headers={**login(dispatcher), "Accept-Language": "zh-CN"},
    )
    assert none.status_code == 404 and "没有留下联系方式" in none.json()["detail"]
    assert log_rows(db, bare["id"]) == []


def test_open311_and_the_public_track_page_never_show_the_contact(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    operator = make_user("operator")
    case = report(client, login(operator), channel="hotline", contact_name=NAME, contact_phone=PHONE)
    for path in (
        f"/open311/v2/requests/{case['number']}.json",
        f"/open311/v2/requests/{case['number']}.xml",
        f"/track?number={case['number']}",
        "/portal/cases.geojson?days=30",
    ):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        for secret in (PHONE, "138****8000", NAME, "张**"):
            assert secret not in r.text, (path, secret)


def test_the_department_the_case_is_sent_to_sees_and_reveals_the_contact(
    client, db, make_user, login
) -> None:  # type: ignore[no-untyped-def]
    operator, shift_leader, dispatcher = (
        make_user("operator"),
        make_user("shift_leader"),
        make_user("dispatcher"),
    )
    handler, other_handler = make_user("handler"), make_user("handler", "110101001-HW")
    case = report(client, login(operator), channel="hotline", contact_name=NAME, contact_phone=PHONE)
    url = f"/api/v1/cases/{case['id']}"
    unit = client.get("/api/v1/me", headers=login(handler)).json()["org_unit"]["id"]
    for user, action, fields in (
        (operator, "accept_report", {}),
        (shift_leader, "file", {}),
        (dispatcher, "dispatch", {"department_id": unit}),
    ):
        case = client.post(
            f"{url}/actions",
            json={"action": action, "version": case["version"], **fields},
            headers=login(user),
        ).json()
    assert case["state"] == "dispatched"

    assert client.get(url, headers=login(handler)).json()["contact"]["phone"] == "138****8000"
    shown = client.post(f"{url}/contact", json={"reason": "电话联系上报人确认位置"}, headers=login(handler))
    assert shown.status_code == 200 and shown.json()["phone"] == PHONE
    assert [r.username for r in log_rows(db, case["id"])] == [handler.username]
    # a handler of another department: the case is not theirs to see
    assert client.get(url, headers=login(other_handler)).status_code == 404
    refused = client.post(f"{url}/contact", json={"reason": "电话联系上报人"}, headers=login(other_handler))
    assert refused.status_code == 404 and PHONE not in refused.text
    assert len(log_rows(db, case["id"])) == 1
