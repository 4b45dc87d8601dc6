"""A dispatcher calls a citizen back, in a real browser: the case page shows the contact the citizen
left on the portal masked, refuses to show it in full without a reason (in Chinese), shows it with
one; the admin finds the read in the personal-data access log."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.web.test_portal import portal_report

NAME, PHONE = "赵六", "13712348000"


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(f"{base}/login")


def test_the_contact_is_masked_and_revealed_with_a_logged_reason(  # type: ignore[no-untyped-def]
    page: Page, live_server, client, make_user
) -> None:
    number, _ = portal_report(client, contact="named", contact_name=NAME, contact_phone=PHONE)
    case_id = int(number[8:])
    dispatcher, admin = make_user("dispatcher"), make_user("admin")

    sign_in(page, live_server, dispatcher.username)
    page.goto(f"{live_server}/cases/{case_id}")
    contact = page.locator("section#contact")
    expect(contact.locator(".contact-phone")).to_have_text("137****8000")
    expect(contact.locator(".contact-name")).to_have_text("赵*")
    expect(page.locator("ol.timeline")).to_contain_text("市民服务平台（留有联系方式）")
    expect(page.locator("dd.reporter")).to_have_text("市民上报 · 留有联系方式")

    contact.get_by_role("button", name="查看完整联系方式").click()
    expect(page.locator("section#contact [role=alert]")).to_contain_text("查看完整联系方式需要填写事由")
    expect(page.locator("section#contact .contact-phone")).to_have_text("137****8000")

    page.locator("section#contact").get_by_label("查看事由").fill("回访核实处置结果")
    page.locator("section#contact").get_by_role("button", name="查看完整联系方式").click()
    expect(page.locator("section#contact [role=status]")).to_contain_text("已记入个人信息访问日志")
    expect(page.locator("section#contact .contact-phone a")).to_have_attribute("href", f"tel:{PHONE}")
    expect(page.locator("section#contact .contact-name")).to_have_text(NAME)

    page.context.clear_cookies()
    sign_in(page, live_server, admin.username)
    page.goto(f"{live_server}/registry/access-log?username={dispatcher.username}")
    row = page.locator("#access-log tbody tr").first
    expect(row).to_contain_text("案件回访联系方式")
    expect(row).to_contain_text("回访核实处置结果")
    expect(row.get_by_role("link", name=number)).to_have_attribute("href", f"/cases/{case_id}")
