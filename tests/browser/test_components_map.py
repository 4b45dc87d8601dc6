"""The console map's component layer over the real demo city (its census of 东城区, about 57,000
components): nothing is loaded for the whole district, the components of the visible streets are
loaded once the map is at street level — one request per pause in moving — and a component's
popup leads to its page. Saves components.png for the docs (tests/browser/conftest.py: SCREENSHOTS)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Request, expect
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_demo_console import sign_in

DONGSI = (39.9245, 116.4170)  # 东四: hutongs between two main streets


def _clickable_near_centre(page: Page) -> int:
    """The index of the component marker nearest the map's centre that no case marker covers."""
    return int(
        page.evaluate(
            """() => {
              const box = document.getElementById("map").getBoundingClientRect();
              const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
              let best = -1, bestDistance = Infinity;
              document.querySelectorAll("#map path.component-marker").forEach((path, i) => {
                const r = path.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
                const d = Math.hypot(x - cx, y - cy);
                if (d < bestDistance && document.elementFromPoint(x, y) === path) {
                  best = i;
                  bestDistance = d;
                }
              });
              return best;
            }"""
        )
    )


def test_console_map_draws_the_components_of_the_visible_streets_only(browser: Browser, demo_city) -> None:  # type: ignore[no-untyped-def]
    demo_server, _ = demo_city
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    asked: list[str] = []

    def watch(request: Request) -> None:
        if "/api/v1/components.geojson" in request.url:
            asked.append(request.url)

    page.on("request", watch)
    try:
        sign_in(page, demo_server, "dispatcher")
        page.goto(f"{demo_server}/map")
        mapped = page.locator("#map")
        expect(page.locator("#map[data-component-draws]")).to_be_attached(timeout=15_000)
        # the whole district: the layer loads nothing and says why
        expect(page.locator("#map-components-status")).to_have_text("放大地图以显示部件")
        assert page.locator("#map path.component-marker").count() == 0 and asked == []

        # street level at 东四: the components of the window, coloured by state
        page.evaluate(f"window.gridcityMap.setView([{DONGSI[0]}, {DONGSI[1]}], 17)")
        expect(page.locator("#map path.component-marker").first).to_be_visible(timeout=15_000)
        shown = int(mapped.get_attribute("data-components") or 0)
        assert 200 < shown < 2000 and mapped.get_attribute("data-components-truncated") == "0"
        expect(page.locator("#map-components-status")).to_have_text(f"部件 {shown} 个")
        assert page.locator("#map path.component-marker").count() == shown
        assert page.locator("#map path.component-marker.state-damaged").count() >= 1
        assert len(asked) == 1
        west, south, east, north = (
            float(v) for v in re.search(r"bbox=([^&]+)", asked[0]).group(1).split(",")
        )  # type: ignore[union-attr]
        assert west < DONGSI[1] < east and south < DONGSI[0] < north and east - west < 0.02

        # three quick moves: one request, for where the map came to rest
        draws = int(mapped.get_attribute("data-component-draws") or 0)
        page.evaluate(
            "for (const dx of [120, 120, 120]) { window.gridcityMap.panBy([dx, 0], { animate: false }); }"
        )
        expect(page.locator(f"#map[data-component-draws='{draws + 1}']")).to_be_attached(timeout=15_000)
        assert len(asked) == 2

        # a component's popup: its class, state and the link to its page
        page.locator("#map path.component-marker").nth(_clickable_near_centre(page)).click()
        popup = page.locator(".leaflet-popup-content")
        link = popup.get_by_role("link")
        expect(link).to_have_attribute("href", re.compile(r"^/components/110101\d{11}$"))
        code = link.inner_text()
        page.wait_for_timeout(400)  # the popup's fade-in
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "components.png"))

        link.click()
        expect(page.locator("h1")).to_contain_text(code)
        expect(page.locator("#component-map[data-ready]")).to_be_attached(timeout=15_000)
        expect(page.locator("table.component-history tbody tr")).to_have_count(1)
        expect(page.get_by_text("demo census 110101")).to_be_visible()

        # back out to the district: the layer empties and asks to zoom in again
        page.go_back()
        expect(page.locator("#map[data-component-draws]")).to_be_attached(timeout=15_000)
        page.evaluate("window.gridcityMap.setZoom(14)")
        expect(page.locator("#map-components-status")).to_have_text("放大地图以显示部件", timeout=15_000)
        assert page.locator("#map path.component-marker").count() == 0
    finally:
        context.close()
