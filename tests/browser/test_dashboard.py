"""The analysis dashboard in a real browser at 1366×768: a leader opens it from the menu, the charts
draw, a new period or filter redraws them without reloading, the overdue table lists a known late
case, and bad input is said on the page. Over the demo city it is drawn for the README's
screenshot, and its time printed (not asserted: a timing is not a test)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from tests.browser.conftest import SCREENSHOTS
from tests.integration.test_analysis import TIANTAN, Desk

from gridcity.db.models import Case
from gridcity.services import demo
from gridcity.services.platform import Platform

CST = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2023, month, day, hour, tzinfo=CST)


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_leader_reads_the_dashboard_and_changes_the_period(
    page: Page, live_server: str, platform, db, make_user, clock
) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(platform, db, make_user, clock)
    # a month of cases in 2023 (a year only the dashboard's tests use), and one long overdue
    for day in range(21, 29):
        desk.closed("06040", at(2, day, 9), done=at(2, day, 11))
    for day in range(1, 17, 3):
        desk.report("06041", at(3, day), TIANTAN)
    late = desk.dispatched("06037", at(3, 13, 9))  # 动物尸体: 2 working hours
    clock.set(at(3, 20, 10))

    sign_in(page, live_server, desk.leader.username, "secret-pw")
    page.get_by_role("link", name="统计分析").click()
    dashboard = page.locator("#dashboard[data-ready='1']")
    expect(dashboard).to_be_attached(timeout=15_000)
    for chart in ("daily", "rates", "stage_times"):
        expect(page.locator(f"#chart-{chart}[data-ready='1'] canvas").first).to_be_visible()
    expect(page.locator("#chart-daily")).to_have_attribute("data-points", "30")
    expect(page.locator("[data-figure=daily]")).to_contain_text("合计")
    # the overdue table lists the late case, linked to its page
    link = page.locator("#table-overdue").get_by_role("link", name=platform.case_number(late))
    expect(link).to_have_attribute("href", f"/cases/{late.id}")
    expect(page.locator("#table-overdue")).to_contain_text("动物尸体")
    # the hot-spot map draws the areas of the user's district, coloured by their cases
    expect(page.locator("#dash-map path.leaflet-interactive").first).to_be_visible()
    expect(page.locator("#table-top_classes")).to_contain_text("天坛街道")

    # another period: everything is drawn again, the page is not reloaded, the address follows
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="近90天").click()
    expect(page.locator("#dashboard[data-draws='2'][data-ready='1']")).to_be_attached(timeout=15_000)
    expect(page.locator("#chart-daily")).to_have_attribute("data-points", "90")
    assert page.evaluate("window.notReloaded") is True
    assert "from=2022-12-21" in page.url and "to=2023-03-20" in page.url
    csv_link = page.locator("a.csv[data-chart=rates]")
    expect(csv_link).to_have_attribute("href", "/dashboard/data/rates.csv?from=2022-12-21&to=2023-03-20")

    # one class only: the daily total is that class's cases of the 90 days
    page.get_by_label("类别代码").fill("06041")
    page.get_by_role("button", name="更新").click()
    expect(page.locator("#dashboard[data-draws='3'][data-ready='1']")).to_be_attached(timeout=15_000)
    expect(page.locator("[data-figure=daily]")).to_have_text("合计 6")
    expect(page.locator("#table-overdue")).not_to_contain_text("动物尸体")

    # the heat map instead of the areas
    page.get_by_label("热力图").check()
    expect(page.locator("#dash-map canvas.leaflet-heatmap-layer")).to_be_attached()

    # a period that ends before it starts is refused, and the person is told why
    page.locator("input[name=from]").fill("2023-03-25")
    page.get_by_role("button", name="更新").click()
    expect(page.locator("#dash-status")).to_contain_text("晚于结束日期")


def test_the_dashboard_over_the_demo_city(browser: Browser, demo_city: tuple[str, Platform]) -> None:
    base, platform = demo_city
    with platform.sessions() as db:
        most_late = db.scalars(
            select(Case)
            .where(Case.stage_deadline < platform.now())
            .order_by(Case.stage_deadline, Case.id.desc())
        ).first()
    assert most_late is not None
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, base, "leader", demo.DEMO_PASSWORD)
        page.goto(f"{base}/dashboard")
        root = page.locator("#dashboard[data-ready='1']")
        expect(root).to_be_attached(timeout=20_000)
        first_ms = int(root.get_attribute("data-draw-ms") or 0)
        total = int((page.locator("[data-figure=daily]").inner_text()).split()[-1])
        assert total > 500  # a month of the demo's three, not a handful
        first_row = page.locator("#table-overdue tbody tr").first
        expect(first_row.get_by_role("link")).to_have_text(platform.case_number(most_late))

        page.get_by_role("button", name="近90天").click()
        expect(page.locator("#dashboard[data-draws='2'][data-ready='1']")).to_be_attached(timeout=20_000)
        quarter_ms = int(page.locator("#dashboard").get_attribute("data-draw-ms") or 0)
        page.get_by_role("button", name="近30天").click()
        expect(page.locator("#dashboard[data-draws='3'][data-ready='1']")).to_be_attached(timeout=20_000)
        print(
            f"\ndashboard over the demo: {total} cases in the last 30 days, every chart drawn {first_ms} ms"
            f" after the page asked; the last 90 days redrawn in {quarter_ms} ms"
        )
        page.wait_for_timeout(300)  # let the charts' entry animation settle
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    finally:
        context.close()
