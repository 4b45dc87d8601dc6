"""Hostile strings are inert on every page, in a real browser: one test city per module with a
hostile string in every field a person can type (tests/hostile.py), then each person's pages
opened — the maps' popups and tooltips, the dashboard's tables and chart tooltips, the wall, the
search box — while any dialog (alert) fails the test, and so does an element the strings would
have made (an <img src=x>, a <script> calling alert, a javascript: link)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tests.browser.conftest import serve, sign_in_context
from tests.hostile import DONGHUAMEN, MARKUP, PASSWORD, Planted, plant

from gridcity.db.models import Case
from gridcity.services.platform import Platform

pytestmark = pytest.mark.backends("sqlite")  # the pages are the same on both; the services' tests run on both

# What the hostile strings would have put into the page had any of them been taken as markup.
INJECTED = """() => ({
  img: document.querySelectorAll('img[src="x"]').length,
  script: [...document.scripts].filter(s => s.textContent.includes("alert(")).length,
  link: document.querySelectorAll('a[href^="javascript:"]').length,
})"""
CLEAN = {"img": 0, "script": 0, "link": 0}
# the tooltips bound on a Leaflet map (the first 40), opened at once (their content is made on
# opening); how many
OPEN_ALL = """(name) => {
  const map = window[name];
  let n = 0;
  map.eachLayer(l => {
    if (n < 40 && l.getTooltip && l.getTooltip()) {
      l.openTooltip(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter());
      n++;
    }
  });
  return n;
}"""


@pytest.fixture(scope="module")
def hostile_city(city_platform: Platform) -> Iterator[tuple[str, Planted, Platform]]:
    planted = plant(city_platform)
    with serve(city_platform) as url:
        yield url, planted, city_platform


@pytest.fixture(scope="module")
def context_of(
    browser: Browser, hostile_city: tuple[str, Planted, Platform]
) -> Iterator[Callable[[str], BrowserContext]]:
    base, planted, _ = hostile_city
    made: dict[str, BrowserContext] = {}

    def get(who: str) -> BrowserContext:
        if who not in made:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            if who != "anonymous":
                sign_in_context(context, base, planted.people[who].username, PASSWORD)
            made[who] = context
        return made[who]

    yield get
    for context in made.values():
        context.close()


def _settle(page: Page) -> None:
    with contextlib.suppress(PlaywrightTimeout):  # the wall and the bell keep polling
        page.wait_for_load_state("networkidle", timeout=1_000)


def _console_map(page: Page, planted: Planted) -> None:
    expect(page.locator("#map[data-draws]")).to_be_attached()
    drawn = int(page.locator("#map").get_attribute("data-draws") or 0)
    page.evaluate(f"window.gridcityMap.setView([{DONGHUAMEN[1]}, {DONGHUAMEN[0]}], 18)")
    page.wait_for_function("n => Number(document.querySelector('#map').dataset.draws) > n", arg=drawn)
    row = page.locator(f"#map-row-{planted.reported}")
    expect(row).to_contain_text(MARKUP)  # the list shows the class name as text
    row.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(MARKUP)
    page.wait_for_function(OPEN_ALL, arg="gridcityMap")  # until the grids are drawn: some opened
    # the search box: the registry's place named with markup, listed and shown in a popup
    box = page.get_by_role("combobox", name="搜索地图")
    box.fill("img src=x")
    expect(page.locator("#map-search-list [role=option]").first).to_contain_text(MARKUP)
    box.press("Enter")
    expect(page.locator(".leaflet-popup-content").last).to_contain_text(MARKUP)


def _dashboard(page: Page, planted: Planted) -> None:
    expect(page.locator("#dashboard[data-ready='1']")).to_be_attached(timeout=20_000)
    expect(page.locator("#table-top_classes")).to_contain_text(MARKUP)
    page.select_option("#daily-stack", "class")
    expect(page.locator("#chart-daily[data-ready='1']")).to_be_attached()
    page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-daily'))"
        ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0})"
    )
    page.evaluate(OPEN_ALL, "gridcityDashboardMap")


def _wall(page: Page, planted: Planted) -> None:
    expect(page.locator("#main[data-refreshes]")).to_be_attached()
    page.wait_for_function(OPEN_ALL, arg="gridcityWallMap")
    expect(page.locator(".leaflet-tooltip").first).to_contain_text(MARKUP)


def _portal_map(page: Page, planted: Planted) -> None:
    expect(page.locator("#public-map[data-ready='1']")).to_be_attached()
    page.evaluate(f"window.gridcityPublicMap.setView([{DONGHUAMEN[1]}, {DONGHUAMEN[0]}], 18)")
    page.locator(".leaflet-interactive").first.wait_for()
    page.evaluate(
        "() => { let done = false; window.gridcityPublicMap.eachLayer(l => {"
        " if (!done && l.getPopup && l.getPopup()) { l.openPopup(); done = true; } }); }"
    )
    expect(page.locator(".leaflet-popup-content")).to_contain_text(MARKUP)


def _territory_map(name: str) -> Callable[[Page, Planted], None]:
    def open_tooltips(page: Page, planted: Planted) -> None:
        page.evaluate(f"window.{name}.setView([{DONGHUAMEN[1]}, {DONGHUAMEN[0]}], 17)")
        page.wait_for_function(OPEN_ALL, arg=name)

    return open_tooltips


# (who, path, what to open on it)
PAGES: list[tuple[str, str, Callable[[Page, Planted], None] | None]] = [
    ("anonymous", "/portal", None),
    ("anonymous", "/portal/map", _portal_map),
    ("anonymous", "/portal/classes", None),
    ("anonymous", "/track?number={reported_number}", None),
    ("citizen", "/portal", None),
    ("supervisor", "/field", None),
    ("supervisor", "/field/tasks", None),
    ("operator", "/work", None),
    ("operator", "/work?queue=all", None),
    ("operator", "/cases/{reported}", None),
    ("operator", "/cases/{disposing}", None),
    ("operator", "/map", _console_map),
    ("shift_leader", "/wall", _wall),
    ("leader", "/dashboard", _dashboard),
    ("handler", "/dept?tab=disposing", None),
    ("handler", "/cases/{disposing}", None),
    ("admin", "/admin", None),
    ("admin", "/admin/territory", _territory_map("gridcityAdminMap")),
    ("admin", "/admin/supervisors", _territory_map("gridcitySupervisorMap")),
    ("admin", "/admin/classes?q=06010", None),
    ("admin", "/admin/classes/edit?ref={class_ref}", None),
    ("admin", "/admin/departments?q={department}", None),
    ("admin", "/admin/users", None),
    ("admin", "/admin/users/{operator_id}", None),
    ("admin", "/admin/integrations", None),
    ("grid_worker", "/grid", None),
    ("police", "/police", None),
]


def test_hostile_strings_are_inert_on_every_page(
    hostile_city: tuple[str, Planted, Platform], context_of: Callable[[str], BrowserContext]
) -> None:
    base, planted, platform = hostile_city
    with platform.sessions() as db:
        number = platform.case_number(db.get(Case, planted.reported))
    fill = {
        "reported": planted.reported,
        "disposing": planted.disposing,
        "reported_number": number,
        "class_ref": planted.class_ref,
        "department": planted.department,
        "operator_id": planted.people["operator"].id,
    }
    problems: list[str] = []
    for who, path, opened in PAGES:
        page = context_of(who).new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        try:
            response = page.goto(base + path.format(**fill))
            assert response is not None and response.status == 200, f"{path}: {response and response.status}"
            _settle(page)
            if opened is not None:
                opened(page, planted)
                _settle(page)
            injected = page.evaluate(INJECTED)
        finally:
            page.close()
        if dialogs or injected != CLEAN:
            problems.append(f"{who} {path}: dialogs {dialogs}, injected {injected}")
    assert not problems, "\n".join(problems)
