"""A link to a case, opened signed out, lands on the case after signing in; the first Tab reaches the
skip link — in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def test_a_case_link_survives_sign_in(page: Page, live_server, client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "登录后回到案件"}
    case = client.post("/api/v1/cases", json=body, headers=login(make_user("supervisor"))).json()
    leader = make_user("shift_leader")
    favicon = page.request.get(f"{live_server}/favicon.ico")
    assert favicon.ok and favicon.headers["content-type"].startswith("image/svg+xml")

    page.goto(f"{live_server}/cases/{case['id']}")
    expect(page).to_have_url(re.compile(r"/login\?next=/cases/\d+$"))
    page.get_by_label("用户名").fill(leader.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server}/cases/{case['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case["number"])
    # the first Tab reaches the skip link, shown while focused; it leads past the navigation
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # a page that does not exist: an error page with the navigation and sign-out, not JSON
    page.goto(f"{live_server}/cases/abc")
    expect(page.get_by_role("heading", level=1)).to_contain_text("422 · 输入有误")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
