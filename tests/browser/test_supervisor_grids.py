"""In a real browser: a district admin picks a supervisor's grid on the map of 责任网格 and assigns it;
the supervisor, on the phone, goes on duty, the track is sent, the grid shows as visited today."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from tests.browser.conftest import ARTIFACTS

from gridcity.db.models import PatrolPoint
from gridcity.services import supervisor_grids

GRID = "110101001015009"  # the unit grid at 东华门 (39.914, 116.404)


def sign_in(page: Page, live_server: str, user, lands: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server}{lands}")


@pytest.mark.own_city
def test_admin_assigns_a_grid_picked_on_the_map(page: Page, live_server, db, make_user) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor", "110101001")
    sign_in(page, live_server, make_user("admin", "110101"), "/admin")
    page.get_by_role("link", name="责任网格", exact=True).click()
    expect(page.locator("#supervisor-map[data-ready='1']")).to_be_attached()
    page.evaluate("window.gridcitySupervisorMap.setView([39.914, 116.404], 17)")
    expect(page.locator("#supervisor-map path[stroke='#9aa5b1']").first).to_be_visible()  # unassigned
    page.locator("#supervisor-map").click()  # the map's centre lies in the grid at 东华门
    expect(page.locator("#supervisor-grids")).to_have_value(GRID)
    expect(page.locator("#supervisor-map path[stroke='#f59e0b']")).to_have_count(1)  # picked
    page.locator("#supervisor-choice").select_option(supervisor.username)
    page.get_by_role("button", name="分配", exact=True).click()
    expect(page.locator(".admin-ok")).to_contain_text("新增 1 个")
    expect(page.locator(f"#supervisor-holdings tr[data-grid='{GRID}']")).to_contain_text(
        supervisor.display_name
    )
    assert supervisor_grids.grids_of(db, supervisor.id) == [GRID]
    # back on the map, the grid has the supervisor's colour, no longer grey
    page.evaluate("window.gridcitySupervisorMap.setView([39.914, 116.404], 17)")
    expect(page.locator("#supervisor-map path[stroke='#f59e0b']")).to_have_count(0)


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


@pytest.mark.own_city
def test_the_on_duty_toggle_sends_the_track(phone: Page, live_server, platform, db, clock, make_user) -> None:  # type: ignore[no-untyped-def]
    # the phone stamps its positions with the real time (the emulated one: when the phone was made);
    # the duty starts a minute before, as far as the server's clock goes
    clock.set(datetime.now(UTC) - timedelta(minutes=1))
    supervisor = make_user("supervisor", "110101001")
    supervisor_grids.assign(platform, db, None, supervisor.username, [GRID])
    sign_in(phone, live_server, supervisor, "/field")
    expect(phone.locator("#duty-state")).to_have_text("未在岗")
    expect(phone.locator("#my-grids li")).to_have_text([GRID])
    phone.get_by_role("button", name="开始巡查（上岗）").click()
    expect(phone.locator("#duty-state")).to_have_text("在岗中")
    expect(phone.locator("#patrol[data-waiting='1']")).to_be_attached()  # the first position, kept
    phone.evaluate("window.gridcityPatrol.flush()")
    expect(phone.locator("#patrol-status")).to_contain_text("已上传 1 个轨迹点")
    db.expire_all()
    [point] = db.scalars(select(PatrolPoint).where(PatrolPoint.user_id == supervisor.id)).all()
    assert point.grid_code == GRID and abs(point.lat - 39.914) < 1e-6
    phone.reload()
    expect(phone.locator(f"#my-grids li.visited[data-grid='{GRID}']")).to_be_visible()
    phone.get_by_role("button", name="结束巡查（下岗）").click()
    expect(phone.locator("#duty-state")).to_have_text("未在岗")
    # nothing sticks out of the phone's screen
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


@pytest.mark.own_city
def test_the_console_map_shows_the_grids_patrolled_today(
    page: Page, live_server, platform, db, clock, make_user
) -> None:  # type: ignore[no-untyped-def]
    from gridcity.services import patrol

    supervisor = make_user("supervisor", "110101001")
    patrol.set_duty(platform, db, supervisor, True)
    patrol.record_points(platform, db, supervisor, [patrol.PointIn(clock.t, 116.404, 39.914, 10.0)])
    sign_in(page, live_server, make_user("shift_leader"), "/work?queue=file")
    page.goto(f"{live_server}/map")
    expect(page.locator("#map-patrolled-status[data-count='1']")).to_have_text("今日已巡查 1 个网格")
    expect(page.locator("#map path[stroke='#7a3db8']")).to_have_count(1)
    page.get_by_label("今日巡查网格").uncheck()
    expect(page.locator("#map path[stroke='#7a3db8']")).to_have_count(0)
