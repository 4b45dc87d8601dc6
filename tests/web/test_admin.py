"""The admin pages (系统管理) as an admin of the city or of a district uses them: each section works,
changes take effect where people notice them, and nothing outside the admin's own area can be
seen or changed — refused by the services, not only hidden from the page."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import CST
from tests.support import post_login
from tests.web.test_pages import csrf_of, sign_in

from gridcity.app import create_app
from gridcity.db.models import OrgUnit
from gridcity.domain.taxonomy import Stage

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
GARBAGE_REF = "GB/T 47678.5-2026:event:06010"


def _page(client: TestClient, url: str) -> tuple[str, str]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return r.text, csrf_of(r.text)


def _rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _own_days(html: str) -> str:
    """The table of the city's own days on the calendar page ('' when there are none)."""
    if 'id="own-days"' not in html:
        return ""
    return html.split('id="own-days"', 1)[1].split("</table>", 1)[0]


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


@pytest.fixture
def other_client(platform):  # type: ignore[no-untyped-def]
    """A second browser: another person's session beside the admin's."""
    with TestClient(create_app(platform=platform)) as c:
        yield c


# --- access and overview -------------------------------------------------------------------


def test_admins_land_on_the_overview_of_their_own_area(client, make_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/admin", follow_redirects=False).headers["location"].startswith("/login")
    sign_in(client, make_user("dispatcher"))
    refused = client.get("/admin")
    assert refused.status_code == 403 and "管理员" in refused.text

    city_admin, district_admin = make_user("admin", "110000"), make_user("admin", "110101")
    sign_in(client, district_admin)
    assert client.get("/", follow_redirects=False).headers["location"] == "/admin"
    page = client.get("/admin")
    assert page.status_code == 200 and "东城区" in page.text
    for section in (
        "/admin/territory",
        "/admin/classes",
        "/admin/calendar",
        "/admin/departments",
        "/admin/users",
    ):
        assert f'href="{section}"' in page.text

    def count(html: str, name: str) -> int:
        marker = f'data-count="{name}">'
        return int(html.split(marker, 1)[1].split("<", 1)[0])

    district_before = count(page.text, "users")
    assert count(page.text, "city_management") > 1000  # 东城区's unit grids
    assert count(page.text, "classes") > 400
    sign_in(client, city_admin)
    city_before = count(client.get("/admin").text, "users")
    assert city_before > district_before
    make_user("supervisor", "110102")  # someone in 西城区: the city admin counts them, 东城区's does not
    assert count(client.get("/admin").text, "users") == city_before + 1
    sign_in(client, district_admin)
    assert count(client.get("/admin").text, "users") == district_before


# --- users and roles -----------------------------------------------------------------------


def _add_user(client: TestClient, token: str, **fields: str) -> Any:
    form = {"csrf_token": token, "password": "long-enough-1", "display_name": "新同事", **fields}
    return client.post("/admin/users", data=form, follow_redirects=False)


def test_a_district_admin_adds_a_user_who_can_sign_in(client, other_client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, "/admin/users")
    name = _unique("jdy-")
    r = _add_user(client, token, username=name, role="supervisor", unit="110101001")
    assert r.status_code == 303
    listed = client.get(r.headers["location"])
    assert name in listed.text and "东华门街道" in listed.text and "监督员" in listed.text
    r = post_login(other_client, name, "long-enough-1")
    assert (
        r.status_code == 303 and other_client.get("/", follow_redirects=False).headers["location"] == "/field"
    )


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"role": "supervisor", "unit": "110101001", "password": "short"}, 422, "密码至少 10 个字符"),
        ({"role": "supervisor", "unit": "110101001", "password": "qwertyuiop"}, 422, "常见密码"),
        ({"role": "wizard", "unit": "110101001"}, 422, "未知的角色"),
        ({"role": "admin", "unit": "110000"}, 403, "不在您的辖区"),  # above the admin's tier
        ({"role": "supervisor", "unit": "110102001"}, 403, "不在您的辖区"),  # another district
        ({"role": "handler", "unit": "110101001"}, 422, "department"),  # a handler works in a department
        ({"role": "supervisor", "unit": "999999"}, 404, "没有编码为"),
    ],
)
def test_bad_new_users_are_refused_with_a_message_and_nothing_written(  # type: ignore[no-untyped-def]
    client, make_user, fields, status, message
) -> None:
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, "/admin/users")
    name = _unique("bad-")
    r = _add_user(client, token, username=name, **fields)
    assert r.status_code == status and message in r.text
    assert 'value="' + name + '"' in r.text  # the form keeps what was typed
    assert name not in client.get("/admin/users", params={"q": name}).text.split("user-list", 1)[1]


def test_forms_without_the_csrf_token_change_nothing(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110000"))
    name = _unique("forged-")
    r = _add_user(client, "0" * 64, username=name, role="supervisor", unit="110101001")
    assert r.status_code == 403 and "来自其他网站" in r.text  # the CSRF refusal, in the person's language
    assert name not in client.get("/admin/users", params={"q": name}).text.split("user-list", 1)[1]
    for url, form in [
        ("/admin/departments", {"code": "BJ-FORGED", "name": "伪造", "scope_code": ""}),
        ("/admin/calendar/days", {"day": "2026-12-09", "kind": "rest", "note": "伪造"}),
        ("/admin/classes/edit", {"ref": GARBAGE_REF, "part": "limits", "limit_dispose": "1 minutes"}),
    ]:
        assert client.post(url, data=form).status_code == 403
    assert "BJ-FORGED" not in client.get("/admin/departments").text
    assert "2026-12-09" not in _own_days(client.get("/admin/calendar", params={"year": 2026}).text)


def test_a_duplicate_username_is_a_conflict(client, make_user) -> None:  # type: ignore[no-untyped-def]
    existing = make_user("supervisor")
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, "/admin/users")
    r = _add_user(client, token, username=existing.username, role="supervisor", unit="110101")
    assert r.status_code == 409 and "已存在" in r.text


def test_change_role_and_unit_within_the_area_only(client, make_user) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("supervisor", "110101001")
    neighbour = make_user("supervisor", "110102")
    admin = make_user("admin", "110101")
    sign_in(client, admin)
    page, token = _page(client, f"/admin/users/{worker.id}")
    assert worker.username in page
    url = f"/admin/users/{worker.id}"
    form = {"csrf_token": token, "role": "operator", "unit": "110101002", "display_name": "调岗"}
    r = client.post(url, data=form, follow_redirects=False)
    assert r.status_code == 303
    after = client.get(r.headers["location"]).text
    assert "受理员" in after and "景山街道" in after and "调岗" in after
    # moving them out of the district, or touching someone of another district, is refused
    out = client.post(
        url, data={"csrf_token": token, "role": "operator", "unit": "110102", "display_name": "x"}
    )
    assert out.status_code == 403 and "不在您的辖区" in out.text
    assert "景山街道" in client.get(url).text  # unchanged
    theirs = client.get(f"/admin/users/{neighbour.id}")
    assert theirs.status_code == 403 and "不在您的辖区" in theirs.text
    for path, form in [
        ("", {"role": "operator", "unit": "110102", "display_name": "x"}),
        ("/active", {"active": "0"}),
        ("/password", {"password": "new-password-1"}),
    ]:
        r = client.post(f"/admin/users/{neighbour.id}{path}", data={"csrf_token": token, **form})
        assert r.status_code == 403 and "不在您的辖区" in r.text
    # and an admin does not demote or deactivate themselves
    own = client.post(f"/admin/users/{admin.id}/active", data={"csrf_token": token, "active": "0"})
    assert own.status_code == 403 and "不能停用自己的账号" in own.text


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(  # type: ignore[no-untyped-def]
    client, other_client, make_user, login
) -> None:
    worker = make_user("dispatcher")
    headers = login(worker)
    sign_in(other_client, worker)
    assert other_client.get("/", follow_redirects=False).headers["location"].startswith("/work")
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, f"/admin/users/{worker.id}")
    r = client.post(
        f"/admin/users/{worker.id}/active", data={"csrf_token": token, "active": "0"}, follow_redirects=False
    )
    assert r.status_code == 303 and "已停用" in client.get(r.headers["location"]).text
    assert other_client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert other_client.get("/api/v1/me", headers=headers).status_code == 401
    refused = post_login(other_client, worker.username, "secret-pw")
    assert refused.status_code == 401
    inactive = client.get("/admin/users", params={"active": "0", "q": worker.username})
    assert worker.username in inactive.text
    r = client.post(
        f"/admin/users/{worker.id}/active", data={"csrf_token": token, "active": "1"}, follow_redirects=False
    )
    assert r.status_code == 303
    sign_in(other_client, worker)


def test_reset_password(client, other_client, make_user) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("operator")
    sign_in(other_client, worker)
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, f"/admin/users/{worker.id}")
    url = f"/admin/users/{worker.id}/password"
    short = client.post(url, data={"csrf_token": token, "password": "1234567"})
    assert short.status_code == 422 and "密码至少 10 个字符" in short.text
    done = client.post(url, data={"csrf_token": token, "password": "a-new-secret"}, follow_redirects=False)
    assert done.status_code == 303
    assert other_client.get("/", follow_redirects=False).headers["location"] == "/login"  # signed out
    assert post_login(other_client, worker.username, "secret-pw").status_code == 401
    sign_in(other_client, worker, password="a-new-secret")


def test_user_list_filters_and_csv_stay_within_the_area(client, make_user) -> None:  # type: ignore[no-untyped-def]
    mine = make_user("leader", "110101003")
    theirs = make_user("leader", "110102")
    sign_in(client, make_user("admin", "110101"))
    page = client.get("/admin/users", params={"role": "leader"}).text
    assert mine.username in page and theirs.username not in page
    by_unit = client.get("/admin/users", params={"unit": "110101003"}).text
    assert mine.username in by_unit
    rows = _rows(client.get("/admin/users.csv", params={"role": "leader"}))
    assert rows[0][:3] == ["username", "display_name", "role"]
    names = {r[0] for r in rows[1:]}
    assert mine.username in names and theirs.username not in names
    assert all(r[3].startswith("110101") for r in rows[1:])
    assert client.get("/admin/users", params={"role": "wizard"}).status_code == 422


# --- departments ---------------------------------------------------------------------------


def test_departments_add_rename_and_export_within_the_area(client, make_user, db) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    page, token = _page(client, "/admin/departments")
    assert (
        "东城区城市管理委员会" in page and "北京市水务局" not in page
    )  # a city bureau is above the district
    code = _unique("110101-T")
    form = {
        "csrf_token": token,
        "code": code,
        "name": "东城区测试中心",
        "scope_code": "110101",
        "networks": "city_management",
    }
    r = client.post("/admin/departments", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert code in client.get(r.headers["location"]).text
    rows = _rows(client.get("/admin/departments.csv"))
    assert rows[0][0] == "code" and [code, "东城区测试中心", "district", "110101"] in [r[:4] for r in rows]
    assert all(r[3].startswith("110101") for r in rows[1:])

    refused = [
        ({"code": _unique("110102-T"), "scope_code": "110102"}, 403, "不在您的辖区"),
        ({"code": _unique("BJ-T"), "scope_code": ""}, 403, "不在您的辖区"),
        ({"code": code, "scope_code": "110101"}, 409, "已被占用"),
        ({"code": "空格 code", "scope_code": "110101"}, 422, "不是有效的部门编码"),
        ({"code": _unique("X-"), "scope_code": "110101"}, 422, "须以 110101- 开头"),
        ({"code": "110101-CGZF", "scope_code": "110101"}, 409, "已被占用"),
        ({"code": "110101-ZZZ", "scope_code": "110101", "networks": "weather"}, 422, "networks"),
    ]
    for bad, status, message in refused:
        r = client.post("/admin/departments", data={**form, **bad})
        assert r.status_code == status and message in r.text, bad
    codes = [bad["code"] for bad, _, _ in refused]
    assert set(db.scalars(select(OrgUnit.code).where(OrgUnit.code.in_(codes)))) == {code, "110101-CGZF"}

    unit_id = client.get("/admin/departments", params={"q": code}).text.split("/admin/departments/", 1)[1]
    unit_id = unit_id.split("/", 1)[0]
    rename = {"csrf_token": token, "name": "东城区测试服务中心"}
    r = client.post(f"/admin/departments/{unit_id}/rename", data=rename, follow_redirects=False)
    assert r.status_code == 303 and "东城区测试服务中心" in client.get(r.headers["location"]).text
    empty = client.post(f"/admin/departments/{unit_id}/rename", data={"csrf_token": token, "name": " "})
    assert empty.status_code == 422


def test_a_district_admin_cannot_rename_a_department_of_another_district(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110000"))
    _, token = _page(client, "/admin/departments")
    code = _unique("110102-T")
    form = {
        "csrf_token": token,
        "code": code,
        "name": "西城区测试中心",
        "scope_code": "110102",
        "networks": "city_management",
    }
    assert client.post("/admin/departments", data=form).status_code == 200  # redirected to the list
    # 110102-CGZF is the catalogue's 执法局 of 西城区, set up when 西城区's departments are
    clash = client.post("/admin/departments", data={**form, "code": "110102-CGZF"})
    assert clash.status_code == 409 and "部门目录" in clash.text
    unit_id = client.get("/admin/departments", params={"q": code}).text.split("/admin/departments/", 1)[1]
    unit_id = unit_id.split("/", 1)[0]
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, "/admin/departments")
    assert code not in client.get("/admin/departments").text
    r = client.post(f"/admin/departments/{unit_id}/rename", data={"csrf_token": token, "name": "改名"})
    assert r.status_code == 403 and "不在您的辖区" in r.text


# --- classes -------------------------------------------------------------------------------


def _dispatch_garbage(client: TestClient, staff: dict[str, dict[str, str]]) -> dict[str, Any]:
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "暴露垃圾"}
    case = client.post("/api/v1/cases", json=body, headers=staff["supervisor"]).json()
    url = f"/api/v1/cases/{case['id']}/actions"
    case = client.post(
        url, json={"action": "file", "version": case["version"]}, headers=staff["shift_leader"]
    ).json()
    case = client.post(
        url, json={"action": "dispatch", "version": case["version"]}, headers=staff["dispatcher"]
    ).json()
    assert case["clock"]["stage"] == "dispose", case
    return case  # type: ignore[no-any-return]


def _limits_form(client: TestClient, token: str, **changes: str) -> Any:
    page = client.get("/admin/classes/edit", params={"ref": GARBAGE_REF}).text
    form = {"csrf_token": token, "ref": GARBAGE_REF, "part": "limits"}
    for stage in (s.value for s in Stage):  # every post's limits, as the page shows them
        for prefix in ("limit_", "urgent_"):
            name = prefix + stage
            form[name] = page.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]
    form.update(changes)
    return client.post("/admin/classes/edit", data=form, follow_redirects=False)


def test_classes_list_search_and_csv(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    page = client.get("/admin/classes", params={"q": "暴露垃圾", "standard": "GB/T 47678.5-2026"}).text
    assert "06010" in page and "暴露垃圾" in page and "工作小时" in page
    # in 东城区 each street's sanitation station owns exposed garbage
    assert "（街道）环卫所" in page.split("<code>06010</code>", 1)[1].split("</tr>", 1)[0]
    # for the admin of 东华门街道 that is their own station, by name
    sign_in(client, make_user("admin", "110101001"))
    page = client.get("/admin/classes", params={"q": "06010", "kind": "event"}).text
    assert "东华门街道环卫所" in page.split("<code>06010</code>", 1)[1].split("</tr>", 1)[0]
    rows = _rows(client.get("/admin/classes.csv", params={"q": "06010", "kind": "event"}))
    assert rows[0][:5] == ["standard", "kind", "code", "name", "network"]
    garbage = next(r for r in rows[1:] if r[2] == "06010" and r[0] == "GB/T 47678.5-2026")
    header = rows[0]
    assert garbage[3] == "暴露垃圾" and garbage[header.index("limit_dispose")] == "4 work_hours"
    assert garbage[header.index("limit_rework")] == "2 work_hours"  # half the disposal limit
    owner = header.index("owner_code")
    assert garbage[owner : owner + 2] == ["110101001-HW", "东华门街道环卫所"]
    assert len(_rows(client.get("/admin/classes.csv"))) > 400
    assert client.get("/admin/classes", params={"kind": "planet"}).status_code == 422


@pytest.mark.own_city
def test_a_changed_time_limit_is_used_by_the_next_case(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    staff = {r: login(make_user(r)) for r in ("supervisor", "shift_leader", "dispatcher")}
    sign_in(client, make_user("admin", "110000"))
    page, token = _page(client, "/admin/classes/edit?ref=" + GARBAGE_REF)
    original = page.split('name="limit_dispose" value="', 1)[1].split('"', 1)[0]
    bad = _limits_form(client, token, limit_dispose="3 parsecs")
    assert bad.status_code == 422 and "parsecs" in bad.text and 'value="3 parsecs"' in bad.text
    assert (
        f'name="limit_dispose" value="{original}"'
        in client.get("/admin/classes/edit?ref=" + GARBAGE_REF).text
    )
    assert _dispatch_garbage(client, staff)["clock"]["limit_seconds"] != 6 * 3600
    r = _limits_form(client, token, limit_dispose="6 work_hours")
    assert r.status_code == 303 and "已保存" in client.get(r.headers["location"]).text
    assert _dispatch_garbage(client, staff)["clock"]["limit_seconds"] == 6 * 3600
    listed = client.get("/admin/classes", params={"q": "06010", "kind": "event"}).text
    assert "6工作小时" in listed
    assert _limits_form(client, token, limit_dispose=original).status_code == 303
    assert _dispatch_garbage(client, staff)["clock"]["limit_seconds"] != 6 * 3600


@pytest.mark.own_city
def test_a_district_admin_sets_the_owner_in_their_area_only(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    page, token = _page(client, "/admin/classes/edit?ref=" + GARBAGE_REF)
    assert "disabled" in page.split('name="part" value="limits"', 1)[1].split("</fieldset>", 1)[0]
    limits = _limits_form(client, token, limit_dispose="1 work_hours")
    assert limits.status_code == 403 and "适用于全市" in limits.text
    code = _unique("110101-OWN")
    dept = {
        "csrf_token": token,
        "code": code,
        "name": "东城区垃圾专班",
        "scope_code": "110101",
        "networks": "city_management",
    }
    assert client.post("/admin/departments", data=dept, follow_redirects=False).status_code == 303

    form = {"csrf_token": token, "ref": GARBAGE_REF, "part": "area"}
    elsewhere = client.post("/admin/classes/edit", data={**form, "area": "110102", "area_owner": code})
    assert elsewhere.status_code == 403 and "不在您的辖区" in elsewhere.text
    foreign = client.post("/admin/classes/edit", data={**form, "area": "110101", "area_owner": "110102-CGZF"})
    assert foreign.status_code == 403
    r = client.post(
        "/admin/classes/edit", data={**form, "area": "110101", "area_owner": code}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "东城区垃圾专班" in client.get(r.headers["location"]).text.split('id="owner-here"', 1)[1][:200]
    # the next case of the class in 东城区 is proposed to the new department
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "暴露垃圾"}
    case = client.post("/api/v1/cases", json=body, headers=login(make_user("supervisor"))).json()
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=login(make_user("dispatcher"))).json()
    assert (detail.get("proposed_department") or {}).get("code") == code, detail.get("proposed_department")
    clear = {**form, "part": "clear_area", "area": "110101"}
    assert client.post("/admin/classes/edit", data=clear, follow_redirects=False).status_code == 303
    after = client.get("/admin/classes/edit", params={"ref": GARBAGE_REF}).text
    assert "东城区垃圾专班" not in after.split('id="owner-here"', 1)[1].split("</dd>", 1)[0]
    assert 'id="area-owners"' not in after


# --- the working calendar ------------------------------------------------------------------


@pytest.mark.own_city
def test_a_city_rest_day_set_on_the_page_moves_a_deadline(client, clock, make_user, login) -> None:  # type: ignore[no-untyped-def]
    monday_4pm = datetime(2026, 12, 7, 16, 0, tzinfo=CST)
    clock.set(monday_4pm)
    staff = {r: login(make_user(r)) for r in ("supervisor", "shift_leader", "dispatcher")}
    before = datetime.fromisoformat(_dispatch_garbage(client, staff)["deadline"]).astimezone(CST)
    assert before.date().isoformat() == "2026-12-08"
    sign_in(client, make_user("admin", "110000"))
    page, token = _page(client, "/admin/calendar?year=2026")
    assert 'data-day="2026-10-01"' in page and 'class="holiday rest' in page  # 国庆节
    no_reason = client.post(
        "/admin/calendar/days", data={"csrf_token": token, "day": "2026-12-08", "kind": "rest"}
    )
    assert no_reason.status_code == 422 and "请填写原因" in no_reason.text
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "2026-12-08", "kind": "rest", "note": "城市停工日"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    shown = client.get(r.headers["location"]).text
    assert "城市停工日" in _own_days(shown)
    after = datetime.fromisoformat(_dispatch_garbage(client, staff)["deadline"]).astimezone(CST)
    assert after == before + timedelta(days=1)
    cleared = client.post("/admin/calendar/days/clear", data={"csrf_token": token, "day": "2026-12-08"})
    assert cleared.status_code == 200
    assert datetime.fromisoformat(_dispatch_garbage(client, staff)["deadline"]).astimezone(CST) == before
    again = client.post("/admin/calendar/days/clear", data={"csrf_token": token, "day": "2026-12-08"})
    assert again.status_code == 404 and "没有本市设定" in again.text


@pytest.mark.own_city
def test_the_calendar_is_the_city_admins_and_unknown_years_warn(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    page, token = _page(client, "/admin/calendar?year=2027")
    assert "国家节假日表尚未收录 2027 年" in page and 'action="/admin/calendar/days"' not in page
    assert "does not know" not in page  # the warning in the page's language ([8])
    new_year = page.split('data-day="2027-01-01"', 1)[0].rsplit("<td", 1)[1]  # a Friday
    assert (
        "computed" in new_year
        and "rest" in new_year
        and "元旦" in page.split('data-day="2027-01-01"', 1)[1][:200]
    )
    assert "市级平台管理员" in page
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "2027-01-01", "kind": "rest", "note": "元旦"},
    )
    assert r.status_code == 403 and "只有市级管理员可以设置工作日历" in r.text
    assert "元旦" not in _own_days(client.get("/admin/calendar", params={"year": 2027}).text)
    assert client.get("/admin/calendar", params={"year": 1900}).status_code == 422
    assert client.get("/admin/calendar", params={"year": "soon"}).status_code == 422
    sign_in(client, make_user("admin", "110000"))
    _, token = _page(client, "/admin/calendar")
    bad = client.post(
        "/admin/calendar/days", data={"csrf_token": token, "day": "2027-02-30", "kind": "rest", "note": "x"}
    )
    assert bad.status_code == 422 and "不是日期" in bad.text
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "2027-02-13", "kind": "work", "note": "调休上班"},
        follow_redirects=False,
    )
    assert r.status_code == 303  # a Saturday made a working day in a year the national table lacks
    page = client.get(r.headers["location"]).text
    cell = page.split('data-day="2027-02-13"', 1)[0].rsplit("<td", 1)[1]
    assert "own" in cell and "work" in cell

    # the computed holidays of 2027 confirmed with one button: they become the city's own days
    assert 'id="confirm-computed"' in page and "确认计算出的法定节假日（13）" in page
    r = client.post(
        "/admin/calendar/confirm", data={"csrf_token": token, "year": "2027"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "已确认 13" in page and 'id="confirm-computed"' not in page
    spring = page.split('data-day="2027-02-06"', 1)[0].rsplit("<td", 1)[1]
    assert "own" in spring and "rest" in spring
    known = client.post("/admin/calendar/confirm", data={"csrf_token": token, "year": "2026"})
    assert known.status_code == 422 and "已收录 2026 年" in known.text


# --- territory and grids -------------------------------------------------------------------


def _upload(client: TestClient, token: str, layer: str, content: bytes, name: str = "grids.geojson") -> Any:
    return client.post(
        "/admin/territory/grids",
        data={"csrf_token": token, "layer": layer},
        files={"file": (name, content, "application/geo+json")},
        follow_redirects=False,
    )


def _versions(client: TestClient, parent: str) -> list[str]:
    page = client.get("/admin/territory", params={"layer": "city_management", "parent": parent}).text
    return [part.split('"', 1)[0] for part in page.split('data-version="')[1:]]


def test_the_territory_page_maps_the_area_and_lists_grid_versions(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    page = client.get("/admin/territory").text
    assert (
        'id="admin-map"' in page and 'data-scope="110101"' in page and "/static/js/admin_territory.js" in page
    )
    for word in ("单元网格", "社会服务网格", "公共安全网格"):
        assert word in page
    assert "110101001" in page.split('id="grid-versions"', 1)[1]
    assert "110102" not in page.split('id="grid-versions"', 1)[1]
    ps = client.get("/admin/territory", params={"layer": "public_security", "parent": "110101001"}).text
    assert 'data-layer="public_security"' in ps and 'data-layer="city_management"' not in ps
    assert client.get("/admin/territory", params={"layer": "weather"}).status_code == 422
    # a street's admin sees their street's communities and grids only
    sign_in(client, make_user("admin", "110101001"))
    street = client.get("/admin/territory", params={"layer": "all"}).text
    assert 'data-outline="community"' in street
    listed = {part.split('"', 1)[0] for part in street.split('data-parent="')[1:]}
    assert listed and all(code.startswith("110101001") for code in listed)
    assert 'data-layer="public_security"' in street
    # the download of another district's grids is refused
    r = client.get(
        "/admin/territory/grids.geojson", params={"layer": "public_security", "parent": "110102001"}
    )
    assert r.status_code == 403 and "不在您的辖区" in r.text


@pytest.mark.own_city
def test_an_imported_grid_file_becomes_the_version_locate_uses(client, make_user) -> None:  # type: ignore[no-untyped-def]
    here = client.get("/api/v1/locate", params={"lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]}).json()
    community, grid = here["community"]["code"], here["grids"]["city_management"]
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, "/admin/territory")
    download = client.get(
        "/admin/territory/grids.geojson", params={"layer": "city_management", "parent": community}
    )
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    original = download.content
    features = json.loads(original)["features"]
    assert grid in {f["properties"]["code"] for f in features} and len(features) < 100
    versions_before = _versions(client, community)

    renumbered = json.loads(original)
    for f in renumbered["features"]:
        f["properties"] = {"code": community + "9" + f["properties"]["code"][-2:]}
    r = _upload(client, token, "city_management", json.dumps(renumbered).encode())
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert f"已导入 {len(features)} 个网格，成为 1 个社区（街道）的新版本" in page
    assert len(_versions(client, community)) == len(versions_before) + 1
    new_code = community + "9" + grid[-2:]
    assert (
        client.get("/api/v1/locate", params={"lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]}).json()["grids"][
            "city_management"
        ]
        == new_code
    )
    # the new grids are joined to the other two networks (三网对照)
    detail = client.get(f"/api/v1/grids/city_management/{new_code}").json()
    for layer in ("social_service", "public_security"):
        share = sum(o["share"] for o in detail["overlaps"] if o["layer"] == layer)
        assert abs(share - 1.0) < 0.01
    assert _upload(client, token, "city_management", original).status_code == 303  # back to the old codes
    assert (
        client.get("/api/v1/locate", params={"lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]}).json()["grids"][
            "city_management"
        ]
        == grid
    )


def test_bad_grid_files_change_nothing(client, make_user) -> None:  # type: ignore[no-untyped-def]
    here = client.get("/api/v1/locate", params={"lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]}).json()
    community = here["community"]["code"]
    sign_in(client, make_user("admin", "110101"))
    _, token = _page(client, "/admin/territory")
    good = client.get(
        "/admin/territory/grids.geojson", params={"layer": "city_management", "parent": community}
    ).json()
    before = _versions(client, community)
    moved = json.loads(json.dumps(good))
    ring = moved["features"][0]["geometry"]["coordinates"][0]
    moved["features"][0]["geometry"]["coordinates"][0] = [[x + 0.01, y] for x, y in ring]
    point = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": grid_code(community)},
                "geometry": {"type": "Point", "coordinates": list(DONGHUAMEN)},
            }
        ],
    }
    square = [[116.36, 39.91], [116.361, 39.91], [116.361, 39.911], [116.36, 39.911], [116.36, 39.91]]
    xicheng = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "110102001PS001"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    cases = [
        (b"hello, not json", "city_management", 422, "不是有效的 GeoJSON 文件"),
        (b"\xff\xfe\x00binary", "city_management", 422, "不是 GeoJSON 文件"),
        (b"", "city_management", 422, "空文件"),
        (json.dumps(point).encode(), "city_management", 422, "Point"),
        (json.dumps(moved).encode(), "city_management", 422, "越过了所属"),
        (json.dumps(xicheng).encode(), "public_security", 403, "不在您的辖区"),
        (json.dumps(good).encode(), "weather", 422, "没有“weather”这个网格图层"),
    ]
    for content, layer, status, message in cases:
        r = _upload(client, token, layer, content)
        assert r.status_code == status and message in r.text, (message, r.text[:500])
        assert 'id="admin-map"' in r.text  # the message is on the territory page itself
    assert _versions(client, community) == before
    forged = _upload(client, "0" * 64, "city_management", json.dumps(good).encode())
    assert forged.status_code == 403 and _versions(client, community) == before


def grid_code(community: str) -> str:
    return community + "001"
