"""The command centre's wall view and the maps people can read offline, in a real browser: the
wall refreshing itself (a new case appears, its time changes), the list beside the console map
following the map and the filters, names written on the maps without tiles, and the search box
flying to a street, a unit grid and a place. The README's screenshots of the wall and of the
console with its list are taken over the real demo."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_demo_console import sign_in as demo_sign_in

from gridcity.db.models import User
from gridcity.services import map_search, users
from gridcity.services.registry import records

GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
DONGHUAMEN = (116.4040, 39.9140)
SPREAD = [(116.4040, 39.9140), (116.4045, 39.9143), (116.4180, 39.9300), (116.3990, 39.8850)]


def sign_in(page: Page, base: str, user) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/(work|dashboard|map|admin|grid).*"))


def report(client, headers, point, text: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = {**GARBAGE, "lon": point[0], "lat": point[1], "description": text}
    r = client.post("/api/v1/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def no_horizontal_overflow(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_wall_refreshes_itself(browser: Browser, live_server, client, make_user, login, clock) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    report(client, login(supervisor), DONGHUAMEN, "大屏浏览器测试：第一件")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server, make_user("shift_leader"))
        page.goto(f"{live_server}/wall?every=2")
        root = page.locator("#main[data-refreshes]")
        expect(root).to_be_attached()
        expect(page.get_by_role("heading", level=1)).to_contain_text("城市管理指挥大屏")
        first_time = page.locator("#wall-time").inner_text()
        assert re.fullmatch(r"\d\d:\d\d:\d\d", first_time)
        before = int(page.locator("#wall-reported").inner_text())
        assert before >= 1 and page.locator("#wall-map path.wall-case").count() == before
        expect(page.locator('#wall-lights [data-light="green"] .wall-count')).not_to_have_text("–")

        # a case comes in; at the next refresh (2 s here) the wall shows it and its new time
        clock.advance(seconds=40)
        report(client, login(supervisor), SPREAD[2], "大屏浏览器测试：新来的")
        expect(page.locator("#wall-time")).not_to_have_text(first_time, timeout=10_000)
        expect(page.locator("#wall-reported")).to_have_text(str(before + 1))
        expect(page.locator("#wall-map path.wall-case")).to_have_count(before + 1)
        expect(page.locator("#wall-map path.wall-marker-new")).to_have_count(1)
        assert no_horizontal_overflow(page)

        page.set_viewport_size({"width": 1366, "height": 768})  # a desk's screen: still one screen
        assert no_horizontal_overflow(page)
        assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
        expect(page.locator("#wall-overdue-rows, #wall-none").first).to_be_attached()
    finally:
        context.close()


def test_the_console_list_follows_the_map_and_the_filters(
    page: Page, live_server, client, make_user, login
) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    made = [report(client, headers, p, f"列表浏览器测试 {i}") for i, p in enumerate(SPREAD)]
    sign_in(page, live_server, make_user("dispatcher"))
    page.goto(f"{live_server}/map")
    rows = page.locator("#map-list-rows tr")
    expect(rows.first).to_be_visible()
    the_map = page.locator("#map")
    wide = int(the_map.get_attribute("data-list-total") or 0)
    assert wide >= len(SPREAD)
    expect(page.locator("#map-list-rows")).to_contain_text(made[3]["number"])
    # district zoom: the streets' names are written on the map, grid codes are not
    expect(page.locator(".map-label-street", has_text="东华门街道")).to_be_visible()
    assert page.locator(".map-label-grid").count() == 0

    # closer in: only the window's cases stay in the list
    draws = int(the_map.get_attribute("data-draws") or 0)
    page.evaluate(f"window.gridcityMap.setView([{DONGHUAMEN[1]}, {DONGHUAMEN[0]}], 17)")
    expect(page.locator(f"#map[data-draws='{draws + 1}']")).to_be_attached()
    close = int(the_map.get_attribute("data-list-total") or 0)
    assert 2 <= close < wide
    expect(page.locator("#map-list-rows")).not_to_contain_text(made[3]["number"])

    # a row opens its case's marker; a marker marks its row
    page.locator(f"#map-row-{made[0]['id']} td").nth(1).click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(made[0]["number"])
    expect(page.locator(f"#map-row-{made[0]['id']}")).to_have_class(re.compile("selected"))

    # a filter changes the rows: none of these new cases is overdue
    # (opening a popup may pan the map and draw once more: wait for a draw after the filter's)
    drawn = int(the_map.get_attribute("data-draws") or 0)
    page.get_by_label("仅超时").check()
    page.wait_for_function("n => Number(document.querySelector('#map').dataset.draws) > n", arg=drawn)
    expect(page.locator("#map-list-rows")).not_to_contain_text(made[0]["number"])
    page.get_by_label("仅超时").uncheck()
    expect(page.locator("#map-list-rows")).to_contain_text(made[0]["number"])

    # at grid zoom the unit grids' codes are written on them
    page.evaluate(f"window.gridcityMap.setView([{DONGHUAMEN[1]}, {DONGHUAMEN[0]}], 18)")
    expect(page.locator(".map-label-grid").first).to_be_visible()
    assert re.fullmatch(r"\d{14,15}", page.locator(".map-label-grid").first.inner_text())


@pytest.mark.own_city  # the zoomed window must hold only this test's cases
def test_a_window_with_too_many_cases_shows_the_servers_clusters(
    page: Page, live_server, client, make_user, login, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from gridcity.web import map_data

    headers = login(make_user("supervisor"))
    for i, p in enumerate(SPREAD):
        report(client, headers, p, f"聚合浏览器测试 {i}")
    monkeypatch.setattr(map_data, "MAX_FEATURES", 2)  # the district window holds more than 2
    sign_in(page, live_server, make_user("dispatcher"))
    page.goto(f"{live_server}/map")
    the_map = page.locator("#map[data-clustered='1']")
    expect(the_map).to_be_attached()
    bubbles = page.locator(".server-cluster")
    expect(bubbles.first).to_be_visible()
    counts = [int(t) for t in bubbles.all_inner_texts()]
    assert sum(counts) == int(page.locator("#map").get_attribute("data-list-total") or 0) >= len(SPREAD)
    expect(page.locator("#map-list-rows tr").first).to_be_visible()  # the list stays beside the map

    # the two cases at 东华门 share a cell: a click on its bubble zooms there, where they are few
    # enough to come one by one
    draws = int(page.locator("#map").get_attribute("data-draws") or 0)
    bubbles.filter(has_text=re.compile(r"^[2-9]$")).first.click()
    page.wait_for_function("n => Number(document.querySelector('#map').dataset.draws) > n", arg=draws)
    page.evaluate(f"window.gridcityMap.setView([{DONGHUAMEN[1]}, {DONGHUAMEN[0]}], 18)")
    expect(page.locator("#map[data-clustered='']")).to_be_attached()
    expect(page.locator(".server-cluster")).to_have_count(0)


def test_the_search_flies_to_a_street_a_grid_and_a_place(
    page: Page, live_server, make_user, platform, db
) -> None:  # type: ignore[no-untyped-def]
    place = records.create_place(
        platform,
        db,
        make_user("admin"),
        records.PlaceInput("shop", "浏览器测试书店", "南池子大街12号", 116.4010, 39.9100),
    )
    grid = platform.territory(db).locate(116.4120, 39.9250).grids["city_management"]
    sign_in(page, live_server, make_user("dispatcher"))
    page.goto(f"{live_server}/map")
    expect(page.locator("#map[data-draws]")).to_be_attached()
    box = page.get_by_role("combobox", name="搜索地图")

    def go(text: str, option: str) -> None:
        moves = int(page.locator("#map").get_attribute("data-search-moves") or 0)
        box.fill(text)
        expect(page.locator("#map-search-list [role=option]").first).to_contain_text(option)
        box.press("ArrowDown")
        box.press("ArrowUp")
        box.press("Enter")
        expect(page.locator(f"#map[data-search-moves='{moves + 1}']")).to_be_attached(timeout=10_000)

    def centre() -> tuple[float, float]:
        c = page.evaluate("(() => { const c = window.gridcityMap.getCenter(); return [c.lng, c.lat]; })()")
        return float(c[0]), float(c[1])

    go("东华门", "东华门街道")
    assert page.locator("#map").get_attribute("data-found") == "street:110101001"
    lon, lat = centre()
    assert platform.territory(db).locate(lon, lat).street_code == "110101001"
    expect(page.locator("#map path[stroke='#d1242f']").first).to_be_visible()  # outlined

    go(grid, grid)
    assert page.locator("#map").get_attribute("data-found") == f"grid:{grid}"
    lon, lat = centre()
    assert platform.territory(db).locate(lon, lat).grids["city_management"] == grid
    assert page.evaluate("window.gridcityMap.getZoom()") >= 17

    go("浏览器测试书店", "浏览器测试书店")
    assert page.locator("#map").get_attribute("data-found") == f"place:{place.id}"
    lon, lat = centre()
    assert abs(lon - 116.4010) < 0.0005 and abs(lat - 39.9100) < 0.0005
    expect(page.locator(".leaflet-popup-content")).to_contain_text("南池子大街12号")


def test_the_public_map_names_streets_and_finds_one(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/portal/map")
    expect(page.locator("#public-map[data-ready='1']")).to_be_attached()
    box = page.get_by_role("combobox", name="搜索地图")
    box.fill("东华门")
    expect(page.locator("#map-search-list [role=option]").first).to_contain_text("东华门街道")
    box.press("Enter")
    expect(page.locator("#public-map[data-search-moves='1']")).to_be_attached(timeout=10_000)
    expect(page.locator(".map-label-street, .map-label-community").first).to_be_visible()


def test_screenshots_of_the_wall_and_the_console_list_over_the_demo(browser: Browser, demo_city) -> None:  # type: ignore[no-untyped-def]
    server, platform = demo_city
    with platform.sessions() as db:
        dispatcher = users.principal_of(db.scalar(select(User).where(User.username == "dispatcher")))
        map_search.search(platform, db, dispatcher, "东华门")  # the label index, once per territory
        for text in ("东华门", "社区", "110101001001", "商铺", "胡同"):
            began = time.perf_counter()
            found = map_search.search(platform, db, dispatcher, text)
            ms = 1000 * (time.perf_counter() - began)
            print(f"\nmap search over the demo: {text!r} → {len(found)} hits in {ms:.1f} ms")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        demo_sign_in(page, server, "shift_leader")
        page.goto(f"{server}/wall")
        expect(page.locator("#main[data-refreshes]")).to_be_attached(timeout=15_000)
        assert int(page.locator("#wall-open").inner_text()) > 100
        page.wait_for_timeout(800)  # the street outlines and names
        page.screenshot(path=str(SCREENSHOTS / "wall.png"))

        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(f"{server}/map")
        expect(page.locator("#map[data-draws]")).to_be_attached(timeout=15_000)
        expect(page.locator("#map-list-rows tr").first).to_be_visible()
        expect(page.locator(".map-label-street").first).to_be_visible()
        assert page.locator("#map-list-more").inner_text().startswith("还有")
        page.screenshot(path=str(SCREENSHOTS / "console-list.png"))
    finally:
        context.close()
