"""A citizen on a phone (375 × 740) reports a problem on the public portal without signing in:
finds the place with the phone's position, taps the exact spot on the map, picks the class by
typing, describes it, attaches a photo, sends it, keeps the number and receipt key, then follows
the case — in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from tests.browser.conftest import ARTIFACTS
from tests.support import png
from tests.web.test_portal import GARBAGE_REF

from gridcity.db.models import Attachment, Case


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": 39.9140, "longitude": 116.4040},
        permissions=["geolocation"],
    )
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_report_on_the_map_from_a_phone_then_follow_it(phone: Page, live_server, db) -> None:  # type: ignore[no-untyped-def]
    page = phone
    page.goto(f"{live_server}/portal")
    page.get_by_role("link", name="我要上报").click()
    expect(page.locator("#report-map[data-ready='1']")).to_be_attached()
    # the whole city's districts are drawn as vector outlines (no tiles needed)
    expect(page.locator("#report-map path").first).to_be_attached()

    # the phone's position brings the map to the street, then the citizen taps the exact spot
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#place-status")).to_contain_text("东华门街道")
    page.locator("#report-map").tap(position={"x": 200, "y": 150})
    expect(page.locator("#report-map[data-picked='inside']")).to_be_attached()
    expect(page.locator("#place-status")).to_contain_text("东城区")
    tapped = (float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value()))
    assert tapped != (116.4040, 39.9140), "the tap, not the GPS fix, chose the place"

    page.get_by_placeholder("搜索类别").fill("暴露垃圾")
    page.locator("#class-select").select_option(GARBAGE_REF)
    page.get_by_label("问题描述").fill("手机上报：路边有一堆生活垃圾")
    page.locator("input[name=photos]:not([capture])").set_input_files(
        files=[{"name": "spot.png", "mimeType": "image/png", "buffer": png()}]
    )
    expect(page.locator("#photo-previews img")).to_have_count(1)
    # nothing on the page is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("button", name="提交上报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("上报成功")
    number = page.locator("#case-number").inner_text()
    key = page.locator("#receipt-key").inner_text()
    assert re.fullmatch(r"\d{16}", number) and re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", key)

    case = db.get(Case, int(number[8:]))
    assert case.channel == "citizen" and case.street_code.startswith("110101")
    assert (round(case.lon, 6), round(case.lat, 6)) == tapped
    assert len(db.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()) == 1

    page.get_by_role("link", name="查看办理进度").click()
    expect(page.locator("h2")).to_contain_text(number)
    expect(page.locator("h2")).to_contain_text("已上报")
    expect(page.locator("ol.timeline")).to_contain_text("上报 → 已上报")
    expect(page.locator("body")).not_to_contain_text("手机上报")  # the description is not published
