"""The social registry's pages over the demo city, in a real browser: the grid worker's 我的网格
(residents masked, a service request reported as a case, a resident shown in full with a reason),
the admin's 个人信息访问日志, and the admin tabs 事件推送订阅 and 部门系统对接."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from tests.browser.conftest import SCREENSHOTS

from gridcity.services import demo
from gridcity.services.platform import Platform

MASKED_ID = re.compile(r"^\d{6}\*{8}[\dX]{4}$")
MASKED_PHONE = re.compile(r"^\d{3}\*{4}\d{4}$")
CLEAR_ID = re.compile(r"^\d{17}[\dX]$")


def sign_in(page: Page, base: str, username: str, landing: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}{landing}")


def masked_rows(page: Page) -> Locator:
    """The residents on 我的网格 with a masked ID number that the reader may show in full."""
    return page.locator("section.household tbody tr").filter(
        has=page.locator("summary", has_text="查看完整信息"),
        has_text=re.compile(r"\d{6}\*{8}[\dX]{4}"),
    )


def reveal(page: Page, row: Locator, reason: str) -> tuple[int, str]:
    """Show a resident of 我的网格 in full, giving the reason: (resident id, ID number in clear)."""
    action = row.locator("form[action$='/reveal']").get_attribute("action") or ""
    resident_id = int(action.split("/")[3])
    if not row.locator("details").evaluate("d => d.open"):
        row.locator("summary", has_text="查看完整信息").click()
    row.get_by_label("查看事由（将记录）").fill(reason)
    row.get_by_role("button", name="查看完整信息").click()
    expect(page.get_by_role("status")).to_contain_text("本次查看已记录查看人、时间与事由")
    id_number = page.locator("dt", has_text="身份证号").locator("+ dd code").inner_text()
    return resident_id, id_number


@pytest.fixture
def grid_worker(browser: Browser, demo_city: tuple[str, Platform]) -> Iterator[Page]:
    """The demo grid worker (网格员 of 东华门街道), signed in, in a context of their own."""
    base, _ = demo_city
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "grid_worker", "/grid")
    yield page
    context.close()


def test_grid_worker_reports_a_service_request_and_reveals_a_resident(
    page: Page, demo_city: tuple[str, Platform]
) -> None:
    base, _ = demo_city
    sign_in(page, base, "grid_worker", "/grid")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的网格")
    expect(page.locator("main code").first).to_contain_text("110101001")  # the grids of 东华门街道
    households = page.locator("section.household")
    expect(households.first).to_be_visible()
    assert households.count() > 5

    # the residents' ID numbers and phones are masked; nothing in clear on the page
    ids = [t for t in page.locator("section.household tbody td:nth-child(3) code").all_inner_texts() if t]
    phones = [t for t in page.locator("section.household tbody td:nth-child(4) code").all_inner_texts() if t]
    assert ids and all(MASKED_ID.match(t) for t in ids)
    assert phones and all(MASKED_PHONE.match(t) or "*" in t for t in phones)
    listed = "\n".join(households.all_inner_texts())
    assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", listed)
    assert not re.search(r"(?<!\d)1\d{10}(?!\d)", listed)

    # a service request with a case class: reported as a case at once
    household = households.first
    note = f"楼道灯坏了，老人夜里出门不便 {uuid.uuid4().hex[:6]}"
    household.locator("summary", has_text="记录走访").click()
    form = household.locator("details[open] form")
    form.get_by_label("类型").select_option(label="服务诉求")
    form.get_by_label("立案类别").fill("SS0102")
    form.get_by_label("情况").fill(note)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "registry-grid.png"))
    form.get_by_role("button", name="记录走访").click()
    expect(page.get_by_role("status")).to_have_text("已上报为案件")
    visit = page.locator("tr[data-visit]", has_text=note)
    expect(visit).to_contain_text("服务诉求")
    link = visit.get_by_role("link")
    expect(link).to_have_text(re.compile(r"^案件 \S+$"))
    number = link.inner_text().removeprefix("案件 ")
    link.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    facts = page.locator("dl.facts")
    expect(facts.locator("dt", has_text="说明").locator("+ dd")).to_have_text(note)
    expect(facts).to_contain_text("SS0102 独居老人关爱")

    # a resident in full: the reason is asked, then the ID number shows in clear
    page.locator("header").get_by_role("link", name="我的网格").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的网格")
    row = masked_rows(page).first
    masked = row.locator("td:nth-child(3) code").inner_text()
    name = row.locator("td").first.inner_text()
    row.locator("summary", has_text="查看完整信息").click()
    reason_box = row.get_by_label("查看事由（将记录）")
    row.get_by_role("button", name="查看完整信息").click()  # no reason: the browser asks for one
    assert reason_box.evaluate("e => e.validity.valueMissing")
    expect(page).to_have_url(f"{base}/grid")
    _, id_number = reveal(page, row, f"核实助餐资格 {uuid.uuid4().hex[:6]}")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert CLEAR_ID.match(id_number), id_number
    assert id_number[:6] == masked[:6] and id_number[-4:] == masked[-4:]
    page.screenshot(path=str(SCREENSHOTS / "registry-reveal.png"))


def test_admin_reads_and_filters_the_access_log(
    page: Page, demo_city: tuple[str, Platform], grid_worker: Page
) -> None:
    base, _ = demo_city
    tag = uuid.uuid4().hex[:6]
    # the grid worker shows two residents in full, each with a reason of its own
    rows = masked_rows(grid_worker)
    first_id, _ = reveal(grid_worker, rows.nth(0), f"电话回访老人 {tag}")
    grid_worker.goto(f"{base}/grid")
    second_id, _ = reveal(grid_worker, rows.nth(1), f"核对低保材料 {tag}")
    assert first_id != second_id

    sign_in(page, base, "admin", "/admin")
    page.locator("nav.admin-tabs").get_by_role("link", name="个人信息访问日志").click()
    expect(page).to_have_url(f"{base}/registry/access-log")
    expect(page.get_by_role("heading", level=1)).to_have_text("个人信息访问日志")
    log = page.locator("#access-log tbody tr")
    first = log.filter(has_text=f"电话回访老人 {tag}")
    expect(first).to_have_count(1)
    expect(first).to_contain_text("grid_worker")
    expect(first).to_contain_text("网格员")
    expect(first).to_contain_text(f"#{first_id}")
    expect(first).to_contain_text("身份证号")
    expect(log.filter(has_text=f"核对低保材料 {tag}")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "registry-access-log.png"))

    # by the resident: only the reads of that resident
    filters = page.locator("#access-log-filter")
    filters.get_by_label("人员编号").fill(str(first_id))
    filters.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(rf"resident_id={first_id}"))
    expect(log.filter(has_text=f"电话回访老人 {tag}")).to_have_count(1)
    expect(log.filter(has_text=f"核对低保材料 {tag}")).to_have_count(0)
    for text in log.all_inner_texts():
        assert f"#{first_id}" in text
    expect(filters.get_by_label("人员编号")).to_have_value(str(first_id))

    # bad filters: the message on the page, not a server error
    filters.get_by_label("起始日期").fill("2026-05-02")
    filters.get_by_label("截止日期").fill("2026-05-01")
    filters.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("alert")).to_contain_text("晚于结束日期")
    expect(page.get_by_role("heading", level=1)).to_have_text("个人信息访问日志")
    filters.get_by_label("起始日期").fill("")
    filters.get_by_label("截止日期").fill("")
    filters.get_by_label("人员编号").fill("abc")
    filters.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("alert")).to_contain_text("不是数字")
    # a date input holds only real dates: an impossible one comes from an edited link
    response = page.goto(f"{base}/registry/access-log?since=2026-02-30")
    assert response is not None and response.status == 422
    expect(page.get_by_role("alert")).to_contain_text("不是日期")
    expect(filters).to_be_visible()


def test_admin_subscribes_a_webhook_and_issues_and_revokes_a_department_key(
    page: Page, browser: Browser, demo_city: tuple[str, Platform]
) -> None:
    base, _ = demo_city
    tabs = page.locator("nav.admin-tabs")
    sign_in(page, base, "admin", "/admin")

    # 事件推送订阅: the signing secret is shown once, when the subscription is made
    tabs.get_by_role("link", name="事件推送订阅").click()
    expect(page).to_have_url(f"{base}/admin/webhooks")
    name = f"district-{uuid.uuid4().hex[:8]}"
    url = f"http://127.0.0.1:9/{name}/events"
    form = page.locator("#webhook-add")
    form.get_by_label("订阅名称").fill(name)
    form.get_by_label("推送地址").fill(url)
    form.get_by_label("accepted").check()
    form.get_by_role("button", name="新增订阅").click()
    shown = page.locator("#webhook-new-secret")
    expect(shown).to_contain_text(name)
    expect(shown).to_contain_text("仅显示这一次")
    secret = page.locator("#webhook-secret").inner_text()
    assert len(secret) >= 32
    row = page.locator(f"#webhook-subscriptions tr[data-subscription='{name}']")
    expect(row).to_contain_text(url)
    expect(row).to_contain_text("accepted")
    expect(row).to_contain_text("启用")
    tabs.get_by_role("link", name="事件推送订阅").click()
    expect(row).to_be_visible()
    expect(page.locator("#webhook-new-secret")).to_have_count(0)
    assert secret not in page.content()
    # disabled again, so the shared demo city sends nothing to it
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="停用").click()
    expect(row).to_contain_text("已停用")

    # 部门系统对接: the key is shown once; revoked (after the confirmation) it stops working
    tabs.get_by_role("link", name="部门系统对接").click()
    expect(page).to_have_url(f"{base}/admin/integrations")
    system = f"cgw-orders-{uuid.uuid4().hex[:8]}"
    form = page.locator("#integration-add")
    form.get_by_label("系统名称").fill(system)
    form.get_by_label("部门").select_option(index=1)
    form.get_by_role("button", name="签发对接密钥").click()
    expect(page.locator("#integration-new-key")).to_contain_text(system)
    key = page.locator("#integration-key").inner_text()
    assert len(key) >= 20
    system_side = browser.new_context()  # the department's system: no session, only the key
    api = f"{base}/api/v1/integrations/cases"
    assert system_side.request.get(api, headers={"X-Api-Key": key}).status == 200
    row = page.locator(f"#integration-systems tr[data-system='{system}']")
    expect(row).to_contain_text("启用")
    expect(row).to_contain_text("admin")
    tabs.get_by_role("link", name="部门系统对接").click()
    expect(page.locator("#integration-new-key")).to_have_count(0)
    assert key not in page.content()

    asked: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.get_by_role("button", name="吊销密钥").click()
    expect(row).to_contain_text("已吊销")
    assert asked == ["吊销后该系统的密钥立即失效。确定吊销？"]
    expect(row.get_by_role("button", name="吊销密钥")).to_have_count(0)
    assert system_side.request.get(api, headers={"X-Api-Key": key}).status == 403
    system_side.close()
