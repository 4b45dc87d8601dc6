"""A field supervisor on a phone (375×740, GPS at 东华门): reports a problem with a photo, loses
the connection while sending and sends the kept report again, and verifies a public report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import select
from tests.browser.conftest import ARTIFACTS, SCREENSHOTS
from tests.support import png
from tests.web.test_field import BEIXINQIAO, WANGFUJING, Loop

from gridcity.db.models import Attachment, Case
from gridcity.services.photo_exif import jpeg_with_exif


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        geolocation={"latitude": 39.914, "longitude": 116.404, "accuracy": 15},
        permissions=["geolocation"],
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "scene.png"
    path.write_bytes(png(8, 8))
    return path


def sign_in(page: Page, live_server: str, user) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server}/field")


def fill_report(page: Page, photo: Path, description: str) -> None:
    """On the report page: wait for the GPS fix, add the photo, pick the class, describe."""
    expect(page.locator("#position-status")).to_contain_text("GPS 定位，精度约 ±15 米")
    expect(page.locator("#place")).to_contain_text("东华门街道")
    expect(page.locator("#place")).to_contain_text("110101001015009")
    page.locator("#photo-camera").set_input_files(str(photo))
    expect(page.locator("#photo-previews img")).to_have_count(1)
    page.get_by_placeholder("搜索类别：名称或编码").fill("暴露垃圾")
    page.locator("#class-results button", has_text="暴露垃圾 · 06010").first.click()
    expect(page.locator("#class-ref")).to_have_value("GB/T 47678.5-2026:event:06010")
    page.get_by_label("问题描述").fill(description)


def reports_of(db, user) -> list[Case]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(Case).where(Case.reporter_id == user.id)))


def test_report_a_problem_with_gps_and_a_photo(phone: Page, live_server, make_user, db, photo) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    sign_in(phone, live_server, supervisor)
    phone.get_by_role("link", name="上报问题").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("上报问题")
    # the map shows the point and, at street zoom, the unit grids around it
    expect(phone.locator("#report-map path.leaflet-interactive").first).to_be_visible()
    fill_report(phone, photo, "东华门路口暴露垃圾")
    expect(phone.locator("#report-map path[stroke='#d1242f']").first).to_be_visible()  # its own grid
    # nothing sticks out of the phone's screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "field.png"), full_page=True)

    phone.get_by_role("button", name="提交上报").click()
    result = phone.locator("#report-result .success")
    expect(result).to_contain_text("上报成功")
    expect(result).to_contain_text("110101001015009")
    number = result.locator(".case-number").inner_text()

    (case,) = reports_of(db, supervisor)
    assert case.channel == "supervisor" and case.state == "accepted" and case.class_code == "06010"
    assert case.grid_code == "110101001015009" and case.description == "东华门路口暴露垃圾"
    assert abs(case.lon - 116.404) < 1e-6 and abs(case.lat - 39.914) < 1e-6
    assert len(db.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()) == 1
    # the form is ready for the next report: no photo, no class, a new client key
    expect(phone.locator("#photo-previews img")).to_have_count(0)
    expect(phone.locator("#class-ref")).to_have_value("")
    assert phone.locator("input[name=client_key]").input_value() != case.client_key
    # the class just used is offered first next time
    phone.goto(f"{live_server}/field/report")
    expect(phone.locator("#class-results.chips button").first).to_contain_text("暴露垃圾")
    phone.goto(f"{live_server}/field")
    expect(phone.locator("body")).to_contain_text(number)  # among my latest reports


def test_a_report_that_fails_to_send_is_kept_and_sent_again_once(
    phone: Page, live_server, make_user, db, photo
) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    sign_in(phone, live_server, supervisor)
    phone.goto(f"{live_server}/field/report")
    fill_report(phone, photo, "断网时上报的垃圾")

    phone.route("**/field/report", lambda route: route.abort())  # the network drops
    phone.get_by_role("button", name="提交上报").click()
    expect(phone.locator("#report-result .queued")).to_contain_text("网络不通，上报已保存在本机")
    assert reports_of(db, supervisor) == []

    phone.goto(f"{live_server}/field")
    phone.reload()  # kept on the phone, not in the page
    item = phone.locator("#pending-list .pending-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("断网时上报的垃圾")
    expect(item).to_contain_text("1 张照片")
    expect(phone.locator("#pending-count")).to_have_text("1")

    # the server gets the report but the answer is lost on the way back: still pending on the phone
    def deliver_then_drop(route: Route) -> None:
        route.fetch()
        route.abort()

    phone.unroute("**/field/report")
    phone.route("**/field/report", deliver_then_drop)
    item.get_by_role("button", name="重新发送").click()
    expect(item.locator(".pending-error")).to_contain_text("网络不通")
    assert len(reports_of(db, supervisor)) == 1

    # back online: sending again replays the first case instead of making a second one
    phone.unroute("**/field/report")
    item.get_by_role("button", name="重新发送").click()
    expect(phone.locator("#pending-status .success")).to_contain_text("该上报此前已送达")
    expect(phone.locator("#pending-list")).to_contain_text("没有待重发的上报")
    (case,) = reports_of(db, supervisor)
    assert case.description == "断网时上报的垃圾" and case.grid_code == "110101001015009"
    assert len(db.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()) == 1
    phone.reload()
    expect(phone.locator("#pending-list .pending-item")).to_have_count(0)

    # a kept report can also be thrown away
    phone.goto(f"{live_server}/field/report")
    phone.route("**/field/report", lambda route: route.abort())
    fill_report(phone, photo, "不再需要的上报")
    phone.get_by_role("button", name="提交上报").click()
    expect(phone.locator("#report-result .queued")).to_be_visible()
    phone.unroute("**/field/report")
    phone.goto(f"{live_server}/field")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator("#pending-list .pending-item", has_text="不再需要的上报").get_by_role(
        "button", name="删除"
    ).click()
    expect(phone.locator("#pending-list")).to_contain_text("没有待重发的上报")
    assert len(reports_of(db, supervisor)) == 1


def test_a_refused_report_is_shown_not_kept(phone: Page, live_server, make_user, db, photo) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor", "110101002")  # patrols 景山街道; the phone stands in 东华门
    sign_in(phone, live_server, supervisor)
    phone.goto(f"{live_server}/field/report")
    fill_report(phone, photo, "不在我的街道")
    phone.get_by_role("button", name="提交上报").click()
    expect(phone.locator("#report-result .error")).to_contain_text("不在您负责的巡查区域内")
    expect(phone.locator("#photo-previews img")).to_have_count(1)  # the form keeps what was entered
    phone.goto(f"{live_server}/field")
    expect(phone.locator("#pending-list")).to_contain_text("没有待重发的上报")
    assert reports_of(db, supervisor) == []


def test_verify_the_nearest_task(phone: Page, live_server, platform, db, make_user, clock, photo) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    loop = Loop(platform, db, make_user, clock)
    far = loop.to_verify(supervisor, BEIXINQIAO)  # earlier deadline, but 3 km away
    clock.advance(minutes=5)
    near = loop.to_verify(supervisor, WANGFUJING)
    sign_in(phone, live_server, supervisor)

    phone.get_by_role("link", name="我的任务").click()
    expect(phone.locator(".sort-note")).to_contain_text("按距离排序")  # the phone's position arrived
    tasks = phone.locator(".task-list .task")
    numbers = [platform.case_number(c) for c in (near, far)]
    listed = [t for t in tasks.all_inner_texts() if any(n in t for n in numbers)]
    assert numbers[0] in listed[0] and numbers[1] in listed[1]
    assert "米" in listed[0] and "公里" in listed[1]

    tasks.filter(has_text=numbers[0]).click()
    expect(phone.locator("#case-map[data-ready='1']")).to_be_attached()
    expect(phone.locator(".badge.verify")).to_have_text("核实")
    # without a photo: refused on the page, in Chinese (核实 needs the scene's photo), nothing changed
    phone.locator("summary", has_text="核实属实").click()
    form = phone.locator("details[open] form")
    form.get_by_label("说明").fill("现场属实，垃圾约两袋")
    form.get_by_role("button", name="提交 · 核实属实").click()
    expect(phone.locator(".error")).to_contain_text("核实属实需要至少一张现场照片")
    db.expire_all()
    assert db.get(Case, near.id).state == "verifying"
    # with the photo the phone's camera took on the spot (a real JPEG with its EXIF time and place)
    scene = photo.with_name("IMG_scene.jpg")
    scene.write_bytes(jpeg_with_exif(clock.t - timedelta(minutes=2), WANGFUJING[0], WANGFUJING[1] + 0.0002))
    phone.locator("summary", has_text="核实属实").click()
    form = phone.locator("details[open] form")
    form.get_by_label("说明").fill("现场属实，垃圾约两袋")
    form.locator("input[type=file][capture]").set_input_files(str(scene))
    form.get_by_role("button", name="提交 · 核实属实").click()
    expect(phone.locator(".success")).to_contain_text("已提交")
    expect(phone.locator(".success")).to_contain_text(numbers[0])
    assert numbers[0] not in phone.locator(".task-list").inner_text()

    db.expire_all()
    verified = db.get(Case, near.id)
    assert verified.state == "accepted" and verified.events[-1].note == "现场属实，垃圾约两袋"
    assert len(verified.events[-1].attachments) == 1
    kept = verified.events[-1].attachments[0]
    assert kept.taken_at == clock.t - timedelta(minutes=2) and kept.taken_lon == WANGFUJING[0]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
