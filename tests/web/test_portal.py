"""The public portal as citizens use it, without signing in: report on a map with a photo, follow
the case, rate it after closure and reopen it with the receipt key; the public map and class list
never show a person's data. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from tests.support import png, upload_photo
from tests.web.test_pages import sign_in

from gridcity.db.models import Attachment, Case, CaseRating, PublicReceipt, User
from gridcity.domain.taxonomy import DEFAULT_PHOTO_REQUIRED
from gridcity.services import contact_store, public

DONGHUAMEN = (116.4040, 39.9140)
# a point with more decimals than the public map shows, in 东华门街道 too
NEAR_DONGHUAMEN = (116.40437, 39.91462)
GARBAGE_REF = "GB/T 47678.5-2026:event:06010"
PS_REF = "GRIDCITY-PS-2026:event:PS0101"  # a public-security lead: never open to the public


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the form has no CSRF token"
    return found.group(1)


def report_form(client: Any, **fields: Any) -> dict[str, str]:
    page = client.get("/portal/report")
    assert page.status_code == 200
    form = {
        "csrf_token": token_of(page.text),
        "client_key": re.search(r'name="client_key" value="([0-9a-f]+)"', page.text).group(1),  # type: ignore[union-attr]
        "class_ref": GARBAGE_REF,
        "lon": str(DONGHUAMEN[0]),
        "lat": str(DONGHUAMEN[1]),
        "description": "东华门大街路口西侧有一堆生活垃圾",
        "contact": "anonymous",
    }
    form.update({k: str(v) for k, v in fields.items()})
    return form


def receipt_of(html: str) -> tuple[str, str | None]:
    number = re.search(r'id="case-number"[^>]*>(\d{16})<', html)
    key = re.search(r'id="receipt-key"[^>]*>([2-9A-Z]{5}-[2-9A-Z]{5})<', html)
    assert number, "the receipt shows the case number"
    return number.group(1), key.group(1) if key else None


def portal_report(client: Any, files: Any = None, **fields: Any) -> tuple[str, str | None]:
    r = client.post("/portal/report", data=report_form(client, **fields), files=files)
    assert r.status_code == 201, r.text
    return receipt_of(r.text)


def case_of(db: Any, number: str) -> Case:
    db.expire_all()
    case = db.get(Case, int(number[8:]))
    assert case is not None
    return case


def counts(db: Any) -> tuple[int, int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(Case)),
        db.scalar(select(func.count()).select_from(Attachment)),
        db.scalar(select(func.count()).select_from(PublicReceipt)),
    )


def close_case(client: Any, login: Any, make_user: Any, case_id: int) -> dict[str, Any]:
    """Staff take the citizen's report through verify → file → dispatch → accept → report done →
    check → close, as in tests/api/test_case_loop.py."""
    people = {r: make_user(r) for r in ("operator", "supervisor", "shift_leader", "dispatcher", "handler")}
    heads = {r: login(u) for r, u in people.items()}
    unit = client.get("/api/v1/me", headers=heads["handler"]).json()["org_unit"]["id"]
    case = client.get(f"/api/v1/cases/{case_id}", headers=heads["operator"]).json()
    steps: list[tuple[str, dict[str, Any]]] = [
        ("operator", {"action": "send_verify", "assignee_id": people["supervisor"].id}),
        ("supervisor", {"action": "verify_ok"}),
        ("shift_leader", {"action": "file"}),
        ("dispatcher", {"action": "dispatch", "department_id": unit}),
        ("handler", {"action": "accept"}),
        ("handler", {"action": "report_done", "note": "已清运"}),
        ("supervisor", {"action": "check_pass"}),
        ("shift_leader", {"action": "close"}),
    ]
    if case["state"] == "filed":  # a reopened case starts again at dispatch
        steps = steps[3:]
    for role, body in steps:
        if body["action"] in DEFAULT_PHOTO_REQUIRED:  # the scene's photo, as the class requires
            body = {**body, "attachment_ids": [upload_photo(client, heads[role])]}
        r = client.post(
            f"/api/v1/cases/{case_id}/actions",
            json={"note": "处理记录：联系了王师傅", **body, "version": case["version"]},
            headers=heads[role],
        )
        assert r.status_code == 200, r.text
        case = r.json()
    assert case["state"] == "closed"
    return case


# --- reporting ---------------------------------------------------------------------------------


def test_anonymous_report_with_photo_and_contact_becomes_a_located_citizen_case(client, db, platform) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/portal/report")
    assert page.status_code == 200
    assert GARBAGE_REF in page.text and "暴露垃圾" in page.text
    assert PS_REF not in page.text  # public-security leads are not open to the public
    assert 'capture="environment"' in page.text and 'accept="image/*"' in page.text
    # the anonymous visitor's form carries the token their own cookie holds (double submit)
    assert client.cookies.get("gridcity_csrf") == token_of(page.text)

    photo = png()
    form = report_form(client, contact="named", contact_name="张三", contact_phone="+86 138-0013-8000")
    r = client.post("/portal/report", data=form, files=[("photos", ("spot.png", photo, "image/png"))])
    assert r.status_code == 201, r.text
    number, key = receipt_of(r.text)
    assert key is not None
    assert "凭证码只显示这一次" in r.text and "任何人都可以查询" in r.text

    case = case_of(db, number)
    assert case.channel == "citizen" and case.state == "reported"
    assert case.class_code == "06010" and case.standard == "GB/T 47678.5-2026"
    assert case.street_code == "110101001" and case.grid_code and case.grid_code.startswith("110101001")
    assert contact_store.read(platform.settings, case) == contact_store.Contact("张三", "+86138-0013-8000")
    reporter = db.get(User, case.reporter_id)
    assert reporter.username == public.PORTAL_USERNAME and reporter.role == "citizen"
    assert not reporter.active and reporter.org_unit.kind == "city"  # nobody signs in as it
    stored = db.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert [(a.content_type, a.size) for a in stored] == [("image/png", len(photo))]
    receipt = db.get(PublicReceipt, case.id)
    assert receipt is not None and key.replace("-", "") not in receipt.key_hash  # only a hash is kept

    # anyone may follow it by number; nothing personal is shown
    track = client.get("/track", params={"number": number})
    assert track.status_code == 200 and "已上报" in track.text and "东华门街道" in track.text
    for private in (
        "张三",
        "138-0013-8000",
        "东华门大街路口西侧",
        "spot.png",
        "public-portal",
        "市民服务平台（",
    ):
        assert private not in track.text, private


def test_a_repeated_form_files_one_case_and_issues_a_new_key(client, db) -> None:  # type: ignore[no-untyped-def]
    form = report_form(client)
    first = client.post("/portal/report", data=form)
    again = client.post("/portal/report", data=form)
    assert (first.status_code, again.status_code) == (201, 200)
    (number, key1), (number2, key2) = receipt_of(first.text), receipt_of(again.text)
    assert number == number2 and key1 != key2 and "未重复立案" in again.text
    assert db.scalar(select(func.count()).select_from(Case).where(Case.client_key.like("portal:%"))) >= 1
    assert (
        db.scalar(
            select(func.count()).select_from(Case).where(Case.client_key == f"portal:{form['client_key']}")
        )
        == 1
    )


@pytest.mark.parametrize(
    ("fields", "photo", "message"),
    [
        ({"lon": "121.4737", "lat": "31.2304"}, None, "不在本市范围内"),  # 上海
        ({"lon": "", "lat": ""}, None, "请在地图上点选问题位置"),
        ({"lon": "east", "lat": "39.9"}, None, "不在本市范围内"),
        ({"class_ref": "GB/T 47678.5-2026:event:99999"}, None, "所选类别不存在"),
        ({"class_ref": PS_REF}, None, "不接受市民上报"),
        ({"class_ref": ""}, None, "请选择问题类别"),
        ({"description": "   "}, None, "请简单描述问题"),
        ({"contact": "named", "contact_name": "李四", "contact_phone": "call me"}, None, "电话号码格式不对"),
        ({"contact": "named", "contact_name": "李四", "contact_phone": "1234"}, None, "电话号码格式不对"),
        ({"contact": "named", "contact_name": "", "contact_phone": "13800138000"}, None, "请填写联系人"),
        ({}, ("notes.png", b"this is not a picture"), "不是 JPEG、PNG 或 WebP"),
    ],
)
def test_bad_reports_are_refused_with_a_message_keeping_the_text_and_write_nothing(  # type: ignore[no-untyped-def]
    client, db, fields, photo, message
) -> None:
    before = counts(db)
    fields = {"description": "路边有一堆建筑垃圾", **fields}  # (the parameter is shared by both databases)
    form = report_form(client, **fields)
    files = [("photos", (photo[0], photo[1], "image/png"))] if photo else None
    r = client.post("/portal/report", data=form, files=files)
    assert r.status_code == 422, r.text
    assert message in r.text and 'role="alert"' in r.text
    if form["description"].strip():
        assert form["description"] in r.text  # what the citizen typed is still there
    if photo:
        assert "照片需要重新选择" in r.text
    assert counts(db) == before


def test_forms_without_the_anonymous_token_are_refused_and_write_nothing(client, db) -> None:  # type: ignore[no-untyped-def]
    before = counts(db)
    form = report_form(client)
    assert client.post("/portal/report", data={**form, "csrf_token": ""}).status_code == 403
    assert client.post("/portal/report", data={**form, "csrf_token": "0" * 64}).status_code == 403
    client.cookies.delete("gridcity_csrf")  # a page on another site cannot send the visitor's cookie value
    assert client.post("/portal/report", data=form).status_code == 403
    assert counts(db) == before
    rate = client.post("/track/rate", data={"number": "2026111600000001", "stars": "5", "key": "X"})
    assert rate.status_code == 403


def test_a_signed_in_citizen_reports_under_their_own_account_without_a_key(  # type: ignore[no-untyped-def]
    client, db, make_user, login
) -> None:
    citizen = make_user("citizen")
    sign_in(client, citizen)
    page = client.get("/portal/report")
    assert citizen.username in page.text or citizen.display_name in page.text
    r = client.post("/portal/report", data=report_form(client))
    assert r.status_code == 201, r.text
    number, key = receipt_of(r.text)
    assert key is None and "无需凭证码" in r.text
    case = case_of(db, number)
    assert case.reporter_id == citizen.id and db.get(PublicReceipt, case.id) is None
    assert number in client.get("/portal").text  # 我上报的案件

    close_case(client, login, make_user, case.id)
    track = client.get("/track", params={"number": number})
    assert 'name="key"' not in track.text and "无需凭证码" in track.text
    token = token_of(track.text)
    rated = client.post(
        "/track/rate", data={"csrf_token": token, "number": number, "stars": "5"}, follow_redirects=False
    )
    assert rated.status_code == 303
    assert db.scalar(select(CaseRating.stars).where(CaseRating.case_id == case.id)) == 5


# --- following, rating, reopening --------------------------------------------------------------


def test_rating_needs_closure_and_the_key_once_per_closure_one_to_five(  # type: ignore[no-untyped-def]
    client, db, make_user, login, clock
) -> None:
    number, key = portal_report(client)
    assert key is not None
    case_id = int(number[8:])
    track = client.get("/track", params={"number": number})
    assert "/track/rate" not in track.text  # no rating before closure
    token = client.cookies["gridcity_csrf"]  # what a rating form would carry
    early = client.post("/track/rate", data={"csrf_token": token, "number": number, "stars": "4", "key": key})
    assert early.status_code == 409 and "结案后才能评价" in early.text

    clock.advance(hours=1)
    close_case(client, login, make_user, case_id)
    track = client.get("/track", params={"number": number})
    assert track.status_code == 200 and "已结案" in track.text
    assert "/track/rate" in track.text and "/track/reopen" in track.text
    assert "联系了王师傅" not in track.text and "已清运" not in track.text  # staff notes stay inside

    def rate(**form: str) -> Any:
        return client.post(
            "/track/rate", data={"csrf_token": token, "number": number, **form}, follow_redirects=False
        )

    no_key = rate(stars="4")
    assert no_key.status_code == 403 and "请输入上报时获得的凭证码" in no_key.text
    wrong = rate(stars="4", key="ABCDE-FGHJK", comment="还行")
    assert wrong.status_code == 403 and "凭证码与该案件不符" in wrong.text and "还行" in wrong.text
    for bad in ("0", "6", "five", ""):
        r = rate(stars=bad, key=key)
        assert r.status_code == 422 and "请选择 1 到 5 星" in r.text, bad
    assert db.scalar(select(func.count()).select_from(CaseRating).where(CaseRating.case_id == case_id)) == 0

    # the key as a person might type it: lower case, without the dash
    done = rate(stars="4", key=key.replace("-", "").lower(), comment="清理及时，谢谢！13800138000")
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    assert "感谢您的评价" in shown.text and "★★★★☆" in shown.text
    assert "清理及时" not in shown.text  # the comment is for staff
    db.expire_all()
    rating = db.scalar(select(CaseRating).where(CaseRating.case_id == case_id))
    assert (rating.round, rating.stars, rating.rated_at) == (0, 4, clock.t)

    twice = rate(stars="5", key=key)
    assert twice.status_code == 409 and "每次结案只能评价一次" in twice.text
    db.expire_all()
    assert db.scalar(select(CaseRating.stars).where(CaseRating.case_id == case_id)) == 4


def test_the_database_refuses_stars_outside_one_to_five(db, client) -> None:  # type: ignore[no-untyped-def]
    number, _ = portal_report(client)
    db.add(CaseRating(case_id=int(number[8:]), round=0, stars=6, comment="", rated_at=datetime.now(UTC)))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_reopen_within_the_window_with_the_key_then_rate_the_new_closure(  # type: ignore[no-untyped-def]
    client, db, make_user, login, clock, platform
) -> None:
    number, key = portal_report(client)
    case_id = int(number[8:])
    close_case(client, login, make_user, case_id)
    clock.advance(days=platform.settings.reopen_days - 1)
    track = client.get("/track", params={"number": number})
    token = token_of(track.text)
    version = re.search(r'name="version" value="(\d+)"', track.text).group(1)  # type: ignore[union-attr]
    base = {"csrf_token": token, "number": number, "version": version}

    no_reason = client.post("/track/reopen", data={**base, "key": key, "reason": " "})
    assert no_reason.status_code == 422 and "请说明问题为什么没有解决" in no_reason.text
    wrong = client.post("/track/reopen", data={**base, "key": "22222-22222", "reason": "垃圾又堆满了"})
    assert wrong.status_code == 403 and "垃圾又堆满了" in wrong.text
    assert case_of(db, number).state == "closed"

    done = client.post(
        "/track/reopen", data={**base, "key": key, "reason": "垃圾又堆满了"}, follow_redirects=False
    )
    assert done.status_code == 303
    case = case_of(db, number)
    assert case.state == "filed" and case.reopen_count == 1 and case.closed_at is None
    last = case.events[-1]
    assert (last.action, last.actor_id, last.note) == ("reopen", case.reporter_id, "垃圾又堆满了")
    shown = client.get(done.headers["location"])
    assert "案件已重新打开" in shown.text and "已立案" in shown.text and "垃圾又堆满了" not in shown.text

    # the second closure can be rated again, once
    close_case(client, login, make_user, case_id)
    token = token_of(client.get("/track", params={"number": number}).text)
    form = {"csrf_token": token, "number": number, "key": key, "stars": "2"}
    assert client.post("/track/rate", data=form, follow_redirects=False).status_code == 303
    assert client.post("/track/rate", data=form).status_code == 409
    db.expire_all()
    rounds = db.execute(select(CaseRating.round, CaseRating.stars).where(CaseRating.case_id == case_id)).all()
    assert sorted(rounds) == [(1, 2)]


def test_reopen_after_the_window_is_refused_with_a_message(  # type: ignore[no-untyped-def]
    client, db, make_user, login, clock, platform
) -> None:
    number, key = portal_report(client)
    close_case(client, login, make_user, int(number[8:]))
    clock.advance(days=platform.settings.reopen_days, hours=1)
    track = client.get("/track", params={"number": number})
    assert "/track/reopen" not in track.text and "期限" in track.text
    version = case_of(db, number).version
    r = client.post(
        "/track/reopen",
        data={
            "csrf_token": token_of(track.text),
            "number": number,
            "version": str(version),
            "key": key,
            "reason": "没修好",
        },
    )
    assert r.status_code == 409 and f"已超过结案后 {platform.settings.reopen_days} 天的期限" in r.text
    case = case_of(db, number)
    assert case.state == "closed" and case.reopen_count == 0


def test_public_security_cases_are_not_public(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    body = {"class_code": "PS0101", "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "可疑人员徘徊"}
    r = client.post(
        "/api/v1/cases", json={**body, "channel": "hotline"}, headers=login(make_user("operator"))
    )
    assert r.status_code == 201, r.text
    assert client.get("/track", params={"number": r.json()["number"]}).status_code == 404
    assert r.json()["number"] not in client.get("/portal/cases.geojson").text


# --- the public map ----------------------------------------------------------------------------

PUBLIC_PROPERTIES = {"number", "class_name", "state", "state_label", "street", "reported_on"}


def test_public_map_shows_recent_cases_rounded_and_never_personal_data(client, db) -> None:  # type: ignore[no-untyped-def]
    number, _ = portal_report(
        client,
        lon=str(NEAR_DONGHUAMEN[0]),
        lat=str(NEAR_DONGHUAMEN[1]),
        description="王五家门口的垃圾桶倒了",
        contact="named",
        contact_name="王五",
        contact_phone="13912345678",
        files=[("photos", ("door.png", png(), "image/png"))],
    )
    r = client.get("/portal/cases.geojson", params={"days": 30})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["features"], "recent cases are on the map"
    for feature in data["features"]:
        assert set(feature["properties"]) == PUBLIC_PROPERTIES
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (round(lon, 3), round(lat, 3))
    ours = next(f for f in data["features"] if f["properties"]["number"] == number)
    assert ours["geometry"]["coordinates"] == [116.404, 39.915]
    assert ours["properties"]["street"] == "东华门街道" and ours["properties"]["state_label"] == "已上报"
    raw = json.dumps(data, ensure_ascii=False)
    for private in (
        "王五",
        "13912345678",
        "垃圾桶倒了",
        "door.png",
        "public-portal",
        "116.40437",
        "39.91462",
    ):
        assert private not in raw, private

    exported = client.get("/portal/cases.csv", params={"days": 30})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["number", "class_name", "state", "state_label", "street", "reported_on", "lon", "lat"]
    row = next(r for r in rows[1:] if r[0] == number)
    assert row[1:5] == ["暴露垃圾", "reported", "已上报", "东华门街道"] and row[6:] == ["116.404", "39.915"]
    assert "王五" not in exported.text and "13912345678" not in exported.text

    page = client.get("/portal/map")
    assert (
        page.status_code == 200 and "leaflet.markercluster.js" in page.text and "portal_map.js" in page.text
    )
    assert client.get("/portal/cases.geojson", params={"days": 5}).status_code == 422
    assert client.get("/portal/boundaries.geojson").json()["features"]  # the base layer, without a session
    assert client.get("/portal/locate.json", params={"lon": 121.47, "lat": 31.23}).status_code == 404
    assert "东华门街道" in client.get("/portal/locate.json", params={"lon": 116.404, "lat": 39.914}).text


# --- the class list and the home page ----------------------------------------------------------


def test_class_list_publishes_departments_and_time_limits(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/portal/classes", params={"q": "暴露垃圾"})
    assert page.status_code == 200
    assert "06010" in page.text and "暴露垃圾" in page.text
    assert "所在街道环卫所" in page.text and "所在街道城市管理办公室" in page.text  # owner, cooperating
    assert "4 个工作小时" in page.text and "30 分钟" in page.text and "1 小时" in page.text
    assert "受理 → 立案 → 派遣 → 处置 → 核查 → 结案" in page.text
    assert "可疑人员" not in client.get("/portal/classes", params={"q": "可疑"}).text.split("</form>")[-1]

    street = client.get("/portal/classes", params={"q": "06010", "area": "110101001"})
    assert "东华门街道环卫所" in street.text and "所在街道" not in street.text.split("</form>")[-1]

    exported = client.get("/portal/classes.csv", params={"q": "06010", "area": "110101001"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:8] == [
        "standard",
        "kind",
        "code",
        "name",
        "major_name",
        "network",
        "responsible_department",
        "cooperating_units",
    ]
    ours = next(r for r in rows[1:] if r[0] == "GB/T 47678.5-2026" and r[2] == "06010")
    assert ours[6] == "东华门街道环卫所" and ours[rows[0].index("limit_dispose")] == "4 个工作小时"
    assert ours[rows[0].index("limit_file")] == "15 分钟"  # a clock per post: filing 15 minutes

    bad = client.get("/portal/classes", params={"area": "999"})
    assert bad.status_code == 422 and "没有这个区或街道" in bad.text


def test_portal_home_offers_every_service_in_chinese_first(client) -> None:  # type: ignore[no-untyped-def]
    home = client.get("/portal")
    assert home.status_code == 200
    for link in ('href="/portal/report"', 'action="/track"', 'href="/portal/map"', 'href="/portal/classes"'):
        assert link in home.text
    assert "我要上报" in home.text and "我上报的案件" not in home.text  # anonymous: no own list
    client.get("/lang/en")
    assert "Report a problem" in client.get("/portal").text
    client.get("/lang/zh")
