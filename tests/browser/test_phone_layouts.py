"""Every page a phone user opens, on a 375 × 812 phone (mobile user agent, touch) over the demo city:
nothing is wider than the screen (no sideways scrolling) and no table cell is squeezed so narrow
that a name wraps one character per line — tables become cards with each cell labelled. Pages
reached through a link (a task, a case, a user, a class) follow the first one the list shows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import SCREENSHOTS

from gridcity.services import demo, rankings
from gridcity.services.platform import Platform

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)

# what each person opens: a path, or (list, link) to follow the list's first link of that kind
PAGES: dict[str | None, list[str | tuple[str, str]]] = {
    None: ["/portal", "/portal/report", "/portal/map", "/portal/classes", "/portal/rankings", "/track"],
    "citizen": ["/portal", "/portal/report", "/portal/rankings"],
    "supervisor": ["/field", "/field/report", "/field/tasks", ("/field/tasks", "a[href^='/field/tasks/']")],
    "grid_worker": ["/grid"],
    "police": ["/police"],
    "handler": ["/dept", ("/dept", "a[href^='/cases/']")],
    "leader": ["/dashboard/rankings", "/dashboard/rankings?period={month}&kind=street"],
    "admin": [
        "/admin",
        "/admin/users",
        ("/admin/users", "a[href^='/admin/users/']"),
        "/admin/departments",
        "/admin/departments?page=2",
        "/admin/classes",
        ("/admin/classes", "a[href^='/admin/classes/edit?']"),
        "/admin/calendar",
        "/admin/territory",
        "/admin/supervisors",
        "/admin/webhooks",
        "/admin/integrations",
        "/admin/open311",
        "/registry/access-log",
    ],
}

# the document's width, and every visible table cell with 3 or more characters that is narrower
# than 3 characters of its font (the cells of a table turned into cards keep their header hidden)
MEASURE = """() => {
  const root = document.documentElement;
  const narrow = [];
  for (const cell of document.querySelectorAll("td, th")) {
    if (!cell.offsetParent || cell.closest("table.cards > thead")) continue;
    const text = cell.innerText.trim();
    const size = parseFloat(getComputedStyle(cell).fontSize);
    const width = cell.getBoundingClientRect().width;
    if ([...text].length >= 3 && width < 3 * size) {
      narrow.push(`${text.slice(0, 20)} (${Math.round(width)} px)`);
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, narrow};
}"""


def _phone(browser: Browser) -> Page:
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        user_agent=PHONE_UA,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
    )
    return context.new_page()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    page = _phone(browser)
    yield page
    page.context.close()


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def _fits(page: Page, where: str) -> None:
    page.wait_for_load_state("load")
    seen = page.evaluate(MEASURE)
    assert seen["clientWidth"] == 375, where
    assert seen["scrollWidth"] <= seen["clientWidth"], f"{where} is {seen['scrollWidth']} px wide"
    assert not seen["narrow"], f"{where}: cells narrower than 3 characters: {seen['narrow'][:5]}"


@pytest.mark.parametrize("who", list(PAGES), ids=[who or "visitor" for who in PAGES])
def test_every_page_a_phone_user_opens_fits_the_screen(
    phone: Page, demo_city: tuple[str, Platform], who: str | None
) -> None:
    base, platform = demo_city
    month = rankings.ended_months(platform, 1)[0]  # the demo published it
    if who:
        _sign_in(phone, base, who)
    for item in PAGES[who]:
        if isinstance(item, tuple):
            listing, link = item
            phone.goto(f"{base}{listing}")
            href = phone.locator(link).first.get_attribute("href")
            assert href, f"{listing} lists no {link}"
            path = href
        else:
            path = item.format(month=month)
        response = phone.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        _fits(phone, f"{who or 'visitor'} {path}")


def test_a_table_on_a_phone_is_cards_with_labelled_cells(
    phone: Page, demo_city: tuple[str, Platform]
) -> None:
    """The department desk's queue: each case a card, each line labelled with its column's header."""
    base, _ = demo_city
    _sign_in(phone, base, "handler")
    phone.goto(f"{base}/dept")
    first = phone.locator("table.cards tbody tr").first
    expect(first).to_be_visible()
    number = first.locator("td[data-label='案件编号']")
    expect(number).to_be_visible()
    # a card: the cells stack, each as wide as the card
    box, card = number.bounding_box(), first.bounding_box()
    assert box and card and box["width"] > 0.8 * card["width"]
    assert phone.evaluate(
        "el => getComputedStyle(el, '::before').content", number.element_handle()
    ).startswith('"案件编号')


def test_the_demo_shows_its_last_month_published(phone: Page, demo_city: tuple[str, Platform]) -> None:
    """A fresh demo publishes its last ended month: the public rankings page is not empty."""
    base, platform = demo_city
    month = rankings.ended_months(platform, 1)[0]
    phone.goto(f"{base}/portal/rankings")
    expect(phone.get_by_role("heading", level=2).first).to_contain_text(f"{month} · 区")
    expect(phone.locator("table.rank-table").first).to_contain_text("东城区")
    _fits(phone, "visitor /portal/rankings")


def test_the_readme_phone_screenshot(browser: Browser, demo_city: tuple[str, Platform]) -> None:
    """The grid worker's 我的网格 on a phone, for the README (docs/screenshots/phone.png)."""
    base, _ = demo_city
    page = _phone(browser)
    try:
        _sign_in(page, base, "grid_worker")
        page.goto(f"{base}/grid")
        expect(page.locator("table.cards").first).to_be_visible()
        _fits(page, "grid_worker /grid")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "phone.png"))
    finally:
        page.context.close()
