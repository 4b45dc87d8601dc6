"""The second factor in a real browser ([9]): a staff member sets up an authenticator from the key the
page shows (the code computed by pyotp, as an app would), then signs in in two steps; someone whose
role must have one is taken from the password straight to the set-up."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import Page, expect


def _key(page: Page) -> str:
    return page.locator("#totp-secret").inner_text().replace(" ", "")


def _sign_in(page: Page, url: str, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()


def test_set_up_then_sign_in_in_two_steps(
    page: Page, live_server, platform, make_user, clock, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    leader = make_user("shift_leader")
    page.goto(f"{live_server}/login")
    _sign_in(page, live_server, leader.username)
    page.get_by_role("link", name="账号安全").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("双因素认证")
    expect(page.get_by_role("img", name="验证器二维码").locator("svg")).to_be_visible()
    secret = _key(page)
    page.get_by_label("验证器中的 6 位验证码").fill(pyotp.TOTP(secret).at(clock()))
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("恢复码")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="继续").click()
    expect(page.locator("main")).to_contain_text("已启用")
    page.get_by_role("button", name="退出").click()

    # a link opened signed out: the password, then the code, then the page asked for
    clock.advance(seconds=30)
    page.goto(f"{live_server}/work?queue=close")
    _sign_in(page, live_server, leader.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("输入动态验证码")
    page.get_by_label("验证码或恢复码").fill(
        "000000" if pyotp.TOTP(secret).at(clock()) != "000000" else "111111"
    )
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("alert")).to_have_text("验证码错误或已过期")
    page.get_by_label("验证码或恢复码").fill(pyotp.TOTP(secret).at(clock()))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(re.compile(r"/work\?queue=close$"))
    page.get_by_role("button", name="退出").click()

    # a dispatcher, whose role the city's setting names, sets one up before any page
    monkeypatch.setattr(platform.settings, "second_factor_roles", ["dispatcher"])
    dispatcher = make_user("dispatcher")
    _sign_in(page, live_server, dispatcher.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("绑定验证器")
    expect(page.locator("main")).to_contain_text("您的角色须使用双因素认证登录")
    page.get_by_label("验证器中的 6 位验证码").fill(pyotp.TOTP(_key(page)).at(clock()))
    page.get_by_role("button", name="确认绑定").click()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    page.get_by_role("link", name="继续").click()
    expect(page.locator(".who")).to_contain_text(dispatcher.display_name)
