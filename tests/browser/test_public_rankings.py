"""A resident on a phone (375 px wide) opens the published monthly rankings: the best and the
worst district of the peer group are marked, the correction note is readable, and nothing is wider
than the screen — in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import ARTIFACTS
from tests.integration.test_evaluation import CST
from tests.integration.test_rankings import build_month

from gridcity.db.models import SupervisionEntry
from gridcity.services import rankings

PERIOD = "2025-08"  # no other test makes cases or publishes rankings then


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_a_phone_sees_the_best_and_worst_districts(
    phone: Page, live_server, platform, db, make_user, clock
) -> None:  # type: ignore[no-untyped-def]
    _, ids = build_month(platform, db, make_user, clock, monday=date(2025, 8, 4))
    db.add(
        SupervisionEntry(
            case_id=ids["X"], month=PERIOD, added_at=datetime(2025, 8, 20, tzinfo=CST), reason="escalated"
        )
    )
    db.commit()
    clock.set(datetime(2025, 9, 1, 9, tzinfo=CST))
    leader = make_user("leader", "110000")
    rankings.publish(platform, db, leader, PERIOD, "district")
    rankings.publish(platform, db, leader, PERIOD, "district", "一件案件的结案时间有误，已按原始记录更正")

    page = phone
    page.goto(f"{live_server}/portal/rankings?period={PERIOD}&kind=district")
    group = page.locator("section.rank-group", has=page.get_by_role("heading", name="首都功能核心区"))
    expect(group.locator("tr.rank-best")).to_contain_text("东城区")
    expect(group.locator("tr.rank-worst")).to_contain_text("西城区")
    expect(group.locator("tr.rank-best")).to_be_visible()
    expect(group.locator(".rank-summary")).to_contain_text("最好：东城区")
    expect(group.locator(".rank-summary")).to_contain_text("最差：西城区")
    expect(page.get_by_role("note")).to_contain_text("一件案件的结案时间有误")
    expect(page.locator("table.rank-supervision")).to_contain_text("金融街")

    # choosing the month and kind works from the form
    page.select_option("select[name=kind]", "district")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("tr.rank-best").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 376)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert wide == []
