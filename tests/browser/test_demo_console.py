"""The console map over the real demo city (`gridcity demo`: 东城区 and 西城区 with generated grids
and 3,000 cases): what the dispatcher sees, and how long it takes to draw. The times are printed
for the README, not asserted — a timing is not a test."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import SCREENSHOTS

from gridcity.services import demo


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_console_map_draws_the_demo_district_then_its_grids(browser: Browser, demo_city) -> None:  # type: ignore[no-untyped-def]
    demo_server, _ = demo_city
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, demo_server, "dispatcher")
        page.goto(f"{demo_server}/map")
        drawn = page.locator("#map[data-draws]")
        expect(drawn).to_be_attached(timeout=15_000)
        # 东城区 as a whole: street outlines and the demo's cases, clustered
        expect(page.locator("#map path.leaflet-interactive").first).to_be_visible()
        expect(page.locator("#map .case-cluster").first).to_be_visible()
        first = int(drawn.get_attribute("data-loaded-ms") or 0)
        open_shown = int(page.locator("#map-status").inner_text().split(" · ")[0])
        assert open_shown > 100  # the demo's open 东城区 cases, not a handful

        # the ended cases too, on request: the whole three months
        page.get_by_label("显示已结束案件").check()
        expect(page.locator("#map[data-draws='2']")).to_be_attached(timeout=15_000)
        all_shown = int(page.locator("#map-status").inner_text().split(" · ")[0])
        all_ms = int(drawn.get_attribute("data-refresh-ms") or 0)
        assert all_shown > 5 * open_shown

        # street level near 东华门: the unit grids appear with the cases as single markers
        page.evaluate("window.gridcityMap.setView([39.914, 116.404], 16)")
        expect(page.locator("#map[data-draws='3']")).to_be_attached(timeout=15_000)
        expect(page.locator("#map path[stroke='#0b62a4']").first).to_be_visible()
        zoomed = int(drawn.get_attribute("data-refresh-ms") or 0)
        grids_shown = int(page.locator("#map-status").inner_text().split(" · ")[1])
        assert grids_shown > 20
        print(
            f"\nconsole map over the demo: 东城区 with its {open_shown} open cases drawn {first} ms after"
            f" navigation; with all {all_shown} cases redrawn in {all_ms} ms; zoomed to street level,"
            f" {grids_shown} unit grids and the cases redrawn in {zoomed} ms"
        )
        page.get_by_label("显示已结束案件").uncheck()
        page.evaluate("window.gridcityMap.setZoom(14)")
        expect(page.locator("#map[data-draws='5']")).to_be_attached(timeout=15_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-map.png"))
    finally:
        context.close()
