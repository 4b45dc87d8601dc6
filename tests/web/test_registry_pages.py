"""我的网格 and 重点人员 as a grid worker and a police officer use them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from tests.web.test_pages import csrf_of, sign_in

from gridcity.db.models import PersonalAccessLog, RegistryVisit
from gridcity.domain.registry import id_check_char
from gridcity.services.registry import records as reg

DONGHUAMEN = (116.4040, 39.9140)


def _id() -> str:
    # a birth day in 1940–1959 and a sequence number, both drawn: the module's tests share one city,
    # where an ID number drawn from 1,000 met an earlier test's resident now and then
    draw = uuid.uuid4().int
    born = date(1940, 1, 1) + timedelta(days=draw % 7300)
    first = f"110101{born:%Y%m%d}{draw // 7300 % 1000:03d}"
    return first + id_check_char(first)


def _setup(platform: Any, db: Any, make_user: Any) -> tuple[Any, Any, Any, Any, str]:
    tag = uuid.uuid4().hex[:6]
    admin, worker, police = make_user("admin"), make_user("grid_worker"), make_user("police")
    where = reg.locate(platform, db, *DONGHUAMEN)
    reg.assign_grid(platform, db, admin, worker.username, where.ss_grid_code)
    reg.assign_grid(platform, db, admin, police.username, where.ps_grid_code)
    house = reg.create_place(
        platform, db, admin, reg.PlaceInput("house", f"房{tag}", f"东华门{tag}号", *DONGHUAMEN)
    )
    household = reg.create_household(platform, db, admin, house.id, tag)
    elder_id = _id()
    elder = reg.add_resident(
        platform,
        db,
        admin,
        reg.ResidentInput(household.id, f"钱{tag}", "head", elder_id, "13600136000", tags=["elderly_alone"]),
    )
    reg.add_resident(
        platform, db, admin, reg.ResidentInput(household.id, f"孙{tag}", "child", tags=["key_person"])
    )
    return worker, police, household, elder, elder_id


def test_grid_worker_page_masks_reveals_with_reason_and_records_a_visit(
    client, platform, db, make_user
) -> None:  # type: ignore[no-untyped-def]
    worker, _, household, elder, elder_id = _setup(platform, db, make_user)
    sign_in(client, worker)
    assert client.get("/", follow_redirects=False).headers["location"] == "/grid"
    page = client.get("/grid", params={"q": elder.name})
    assert page.status_code == 200 and "我的网格" in page.text
    assert elder.name in page.text and "独居老人" in page.text
    assert "136****6000" in page.text and "13600136000" not in page.text and elder_id not in page.text
    # public-security tags are not the grid worker's
    assert "重点人员" not in page.text.split('<main id="main"')[1]
    token = csrf_of(page.text)

    refused = client.post(f"/registry/residents/{elder.id}/reveal", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422 and "请说明查看个人信息明文的原因" in refused.text
    shown = client.post(
        f"/registry/residents/{elder.id}/reveal", data={"csrf_token": token, "reason": "电话回访老人"}
    )
    assert shown.status_code == 200 and elder_id in shown.text and "13600136000" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    db.expire_all()
    logged = db.scalars(select(PersonalAccessLog).where(PersonalAccessLog.record_id == elder.id)).all()
    assert [(e.username, e.reason) for e in logged] == [(worker.username, "电话回访老人")]

    form = {
        "csrf_token": token,
        "household_id": str(household.id),
        "kind": "visit",
        "note": "上门走访，一切正常",
    }
    done = client.post("/registry/visits", data=form, follow_redirects=True)
    assert done.status_code == 200 and "已记录" in done.text and "上门走访，一切正常" in done.text
    assert (
        db.scalar(select(RegistryVisit).where(RegistryVisit.household_id == household.id)).user_id
        == worker.id
    )
    assert client.post("/registry/visits", data={**form, "csrf_token": "x" * 64}).status_code == 403
    assert client.get("/police").status_code == 403


def test_police_page_lists_key_persons_only(client, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    _, police, _, elder, _ = _setup(platform, db, make_user)
    sign_in(client, police)
    assert client.get("/", follow_redirects=False).headers["location"] == "/police"
    page = client.get("/police")
    assert page.status_code == 200 and "重点人员" in page.text
    assert f"孙{elder.name[1:]}" in page.text and elder.name not in page.text
    assert client.get("/grid").status_code == 403


def test_grid_worker_reports_a_service_request_as_a_case(client, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    worker, _, household, elder, elder_id = _setup(platform, db, make_user)
    sign_in(client, worker)
    page = client.get("/grid", params={"q": elder.name})
    assert 'name="class_code"' in page.text and "SS0102" in page.text and "独居老人关爱" in page.text
    token = csrf_of(page.text)
    form = {
        "csrf_token": token,
        "household_id": str(household.id),
        "resident_id": str(elder.id),
        "kind": "service_request",
        "note": "老人想申请助餐服务",
        "class_code": "SS0102",
    }
    done = client.post("/registry/visits", data=form, follow_redirects=True)
    assert done.status_code == 200 and "已上报为案件" in done.text
    db.expire_all()
    visit = db.scalar(select(RegistryVisit).where(RegistryVisit.household_id == household.id))
    assert visit.case_id is not None and f'href="/cases/{visit.case_id}"' in done.text
    case_page = client.get(f"/cases/{visit.case_id}")
    assert case_page.status_code == 200 and "老人想申请助餐服务" in case_page.text
    assert elder.name not in case_page.text and elder_id not in case_page.text

    unknown = client.post("/registry/visits", data={**form, "class_code": "XX0000"})
    assert unknown.status_code == 422 and "XX0000" in unknown.text

    # a request recorded without a class is reported later from the visit list
    later = client.post(
        "/registry/visits", data={**form, "class_code": "", "note": "楼道堆物"}, follow_redirects=True
    )
    assert "已记录" in later.text
    db.expire_all()
    request = db.scalar(
        select(RegistryVisit).where(
            RegistryVisit.note == "楼道堆物", RegistryVisit.household_id == household.id
        )
    )
    assert request.case_id is None and f'action="/registry/visits/{request.id}/case"' in later.text
    url = f"/registry/visits/{request.id}/case"
    made = client.post(url, data={"csrf_token": token, "class_code": "SS0206"}, follow_redirects=True)
    assert made.status_code == 200 and "已上报为案件" in made.text
    db.expire_all()
    assert db.get(RegistryVisit, request.id).case_id is not None
    again = client.post(url, data={"csrf_token": token, "class_code": "SS0206"})
    assert again.status_code == 409 and "已转为案件" in again.text


def _read_in_clear(client, platform, db, make_user):  # type: ignore[no-untyped-def]
    worker, _, _, elder, _ = _setup(platform, db, make_user)
    sign_in(client, worker)
    token = csrf_of(client.get("/grid").text)
    shown = client.post(
        f"/registry/residents/{elder.id}/reveal", data={"csrf_token": token, "reason": "核实助餐资格"}
    )
    assert shown.status_code == 200
    client.cookies.clear()
    return worker, elder


def test_admin_reads_the_access_log(client, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    worker, elder = _read_in_clear(client, platform, db, make_user)
    admin = make_user("admin")
    sign_in(client, admin)
    assert 'href="/registry/access-log"' in client.get("/admin").text
    page = client.get("/registry/access-log")
    assert page.status_code == 200 and "个人信息访问日志" in page.text
    for label in ("访问人", "时间", "对象", "原因"):
        assert label in page.text
    assert worker.username in page.text and "核实助餐资格" in page.text
    masked = elder.name[0] + "*" * (len(elder.name) - 1)
    assert masked in page.text and elder.name not in page.text

    mine = client.get("/registry/access-log", params={"username": worker.username})
    assert "核实助餐资格" in mine.text and mine.text.count('data-log="') == 1
    other = client.get("/registry/access-log", params={"username": admin.username})
    assert "核实助餐资格" not in other.text and 'data-log="' not in other.text
    today = platform.now().astimezone(platform.calendar().tz).date()
    by_day = {"resident_id": str(elder.id), "since": today.isoformat(), "until": today.isoformat()}
    assert "核实助餐资格" in client.get("/registry/access-log", params=by_day).text
    tomorrow = {"resident_id": str(elder.id), "since": (today + timedelta(days=1)).isoformat()}
    assert "核实助餐资格" not in client.get("/registry/access-log", params=tomorrow).text

    bad = client.get("/registry/access-log", params={"since": "2026-02-30"})
    assert bad.status_code == 422 and "不是日期" in bad.text
    assert client.get("/registry/access-log", params={"resident_id": "abc"}).status_code == 422
    backwards = client.get("/registry/access-log", params={"since": "2026-05-02", "until": "2026-05-01"})
    assert backwards.status_code == 422 and "晚于结束日期" in backwards.text
    client.get("/lang/en")
    english = client.get("/registry/access-log", params={"username": worker.username})
    assert "Personal-data access log" in english.text and "ID number, phone" in english.text


def test_access_log_page_is_for_admins_only(client, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    for role in ("grid_worker", "leader", "dispatcher"):
        sign_in(client, make_user(role))
        refused = client.get("/registry/access-log")
        assert refused.status_code == 403, role
        assert "核实" not in refused.text
        client.cookies.clear()
