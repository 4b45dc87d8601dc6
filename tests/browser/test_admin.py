"""A district admin at a 1366×768 console: the territory page draws the grids of their area on the
map, layer by layer; a new user added through the form appears in the list — in a real browser."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect


def test_admin_sees_grids_on_the_map_and_adds_a_user(page: Page, live_server, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("admin", "110101")
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(admin.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("系统管理")

    page.get_by_role("link", name="区域与网格", exact=True).click()
    expect(page.locator("#admin-map[data-ready='1']")).to_be_attached()
    expect(page.locator("#admin-map path").first).to_be_visible()  # the street outlines of 东城区
    # the whole district is in view: the public-security grids (few and large) are drawn at once
    page.get_by_role("radio", name="公共安全网格").check()
    expect(page.locator("#admin-map path[stroke='#c2410c']").first).to_be_visible()
    police = int(page.locator("#admin-map").get_attribute("data-drawn") or 0)
    assert police > 10
    # closer in, the unit grids replace them
    page.get_by_role("radio", name="单元网格").check()
    page.evaluate("window.gridcityAdminMap.setView([39.914, 116.404], 17)")
    expect(page.locator("#admin-map[data-layer='city_management']")).to_be_attached()
    expect(page.locator("#admin-map path[stroke='#0b62a4']").first).to_be_visible()
    expect(page.locator("#admin-map path[stroke='#c2410c']")).to_have_count(0)
    # a grid's popup names its version and the grids of the other networks it overlaps
    page.locator("#admin-map").click()  # the map's centre, 东华门, lies in a unit grid
    expect(page.locator(".leaflet-popup-content")).to_contain_text("public_security")
    # the versions table and the import form fit beside and below the map
    expect(page.locator("#grid-versions")).to_contain_text("110101001")
    box = page.locator("#admin-map").bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 330

    page.get_by_role("link", name="用户与角色", exact=True).click()
    name = f"zhang-{uuid.uuid4().hex[:6]}"
    form = page.locator("#add-user")
    form.get_by_label("用户名").fill(name)
    form.get_by_label("姓名").fill("张网格")
    form.get_by_label("角色").select_option("supervisor")
    form.get_by_label("所属单位").fill("110101001")
    form.get_by_label("初始密码").fill("grid-pass-1")
    form.get_by_role("button", name="新增用户").click()
    expect(page.get_by_role("status")).to_contain_text(name)
    row = page.locator("#user-list tr", has_text=name)
    expect(row).to_contain_text("张网格")
    expect(row).to_contain_text("东华门街道")
    expect(row).to_contain_text("监督员")
