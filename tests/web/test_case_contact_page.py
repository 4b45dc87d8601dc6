"""The reporter's callback contact on the console's case page, on SQLite and PostgreSQL: masked for
the staff who may see the case, shown in full after a reason (refused in Chinese without one), the
read in the admin's access log; the history says the portal reporter left a contact."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.web.test_pages import csrf_of, sign_in
from tests.web.test_portal import portal_report

from gridcity.db.models import PersonalAccessLog

NAME, PHONE = "王小五", "13912348000"


def reads(db: Any, case_id: int) -> list[PersonalAccessLog]:
    db.expire_all()
    stmt = select(PersonalAccessLog).where(
        PersonalAccessLog.record_kind == "case_contact", PersonalAccessLog.record_id == case_id
    )
    return list(db.scalars(stmt))


def test_the_case_page_masks_the_contact_and_reveals_it_with_a_logged_reason(client, db, make_user) -> None:  # type: ignore[no-untyped-def]
    number, _ = portal_report(client, contact="named", contact_name=NAME, contact_phone=PHONE)
    case_id = int(number[8:])
    dispatcher, admin = make_user("dispatcher"), make_user("admin")
    sign_in(client, dispatcher)

    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "回访联系方式" in page.text and "王**" in page.text and "139****8000" in page.text
    assert PHONE not in page.text and NAME not in page.text
    assert "市民服务平台（留有联系方式）" in page.text and "匿名上报" not in page.text
    assert "市民上报 · 留有联系方式" in page.text
    token = csrf_of(page.text)

    for reason in ("", "看看"):
        refused = client.post(f"/cases/{case_id}/contact", data={"csrf_token": token, "reason": reason})
        assert refused.status_code == 422
        assert "查看完整联系方式需要填写事由" in refused.text and PHONE not in refused.text
        assert "139****8000" in refused.text  # the same page, the contact still masked
    assert reads(db, case_id) == []

    shown = client.post(f"/cases/{case_id}/contact", data={"csrf_token": token, "reason": "回访核实处置结果"})
    assert shown.status_code == 200
    assert f'href="tel:{PHONE}"' in shown.text and NAME in shown.text
    assert "本次查看已记入个人信息访问日志" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    [row] = reads(db, case_id)
    assert (row.username, row.reason) == (dispatcher.username, "回访核实处置结果")
    # without a CSRF token nothing is read
    assert client.post(f"/cases/{case_id}/contact", data={"reason": "回访核实处置结果"}).status_code == 403
    assert len(reads(db, case_id)) == 1

    client.cookies.clear()
    sign_in(client, admin)
    log = client.get("/registry/access-log", params={"username": dispatcher.username})
    assert log.status_code == 200
    assert "案件回访联系方式" in log.text and f'href="/cases/{case_id}"' in log.text and number in log.text
    assert "回访核实处置结果" in log.text and "姓名、电话" in log.text and PHONE not in log.text


def test_a_department_not_given_the_case_cannot_read_the_contact(client, db, make_user) -> None:  # type: ignore[no-untyped-def]
    number, _ = portal_report(client, contact="named", contact_name=NAME, contact_phone=PHONE)
    case_id = int(number[8:])
    sign_in(client, make_user("handler"))
    token = csrf_of(client.get("/work").text)
    assert client.get(f"/cases/{case_id}").status_code == 404
    refused = client.post(
        f"/cases/{case_id}/contact", data={"csrf_token": token, "reason": "回访核实处置结果"}
    )
    assert refused.status_code == 404 and PHONE not in refused.text and "139****8000" not in refused.text
    assert reads(db, case_id) == []


def test_an_anonymous_report_shows_no_contact_and_says_anonymous_in_both_languages(client, make_user) -> None:  # type: ignore[no-untyped-def]
    anonymous, _ = portal_report(client)
    named, _ = portal_report(client, contact="named", contact_name=NAME, contact_phone=PHONE)
    sign_in(client, make_user("dispatcher"))
    page = client.get(f"/cases/{int(anonymous[8:])}")
    assert "市民上报 · 匿名" in page.text and "回访联系方式" not in page.text
    assert '/contact#contact"' not in page.text  # no reveal form
    client.get("/lang/en")
    english = client.get(f"/cases/{int(named[8:])}")
    assert "Callback contact" in english.text and "Citizen report · contact left" in english.text
    assert "Show the full contact" in english.text and "查看完整联系方式" not in english.text
