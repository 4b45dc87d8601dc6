"""A command centre's working day in a real browser: the shift leader files a case correcting its
class and urgency; the dispatcher dispatches it with a 配合单位 found by typing in the department
search, sees the confirmation and goes on to the next case; bulk-dispatches three cases from the
queue; works the queue with j/k/x/o and the ? help; prints a case sheet without the navigation."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def sign_in(page: Page, base: str, user) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()


def reported(client, login, make_user, words: str = "路口暴露垃圾") -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": words}
    r = client.post("/api/v1/cases", json=body, headers=login(make_user("supervisor")))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def filed(client, login, make_user) -> dict:  # type: ignore[no-untyped-def, type-arg]
    case = reported(client, login, make_user)
    body = {"action": "file", "version": case["version"]}
    headers = login(make_user("shift_leader"))
    r = client.post(f"/api/v1/cases/{case['id']}/actions", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_file_with_corrections_dispatch_with_an_assisting_department_and_go_on(  # type: ignore[no-untyped-def]
    page: Page, live_server, client, make_user, login
) -> None:
    case = reported(client, login, make_user, "浏览器测试：井盖破损被当成垃圾上报")
    filed(client, login, make_user)  # another case waits for dispatch: the "next case"

    sign_in(page, live_server, make_user("shift_leader"))
    page.goto(f"{live_server}/work?queue=file&q={case['number']}")
    page.get_by_role("link", name=case["number"]).click()
    expect(page).to_have_url(re.compile(r"\?queue=file$"))
    page.locator("details.action summary", has_text="立案").first.click()
    form = page.locator("details[open] form")
    # the class picker shows the case's class; typing narrows it and takes the first match
    expect(form.locator("select[name=class_ref]")).to_have_value("GB/T 47678.5-2026:event:06010")
    form.get_by_placeholder("输入名称或代码筛选").fill("污水井盖")
    expect(form.locator("select[name=class_ref]")).to_have_value("GB/T 47678.5-2026:event:01002")
    form.locator("select[name=urgency]").select_option(label="紧急")
    form.get_by_label("说明").fill("实为污水井盖，位于路口")
    form.get_by_role("button", name="提交").click()
    expect(page.locator("p.flash")).to_contain_text("已办理：立案")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已立案")
    expect(page.locator("dl.facts")).to_contain_text("01002 污水井盖异常")
    expect(page.locator("dd.urgency")).to_have_text("紧急")

    page.context.clear_cookies()
    sign_in(page, live_server, make_user("dispatcher"))
    page.goto(f"{live_server}/work?queue=dispatch&q={case['number']}")
    page.get_by_role("link", name=case["number"]).click()
    page.locator("details.action summary", has_text="派遣").first.click()
    form = page.locator("details[open] form")
    assisting = form.locator("[data-picker]", has=page.locator("select[name=cooperating_ids]"))
    # the lead is the routing's suggestion; the assisting department is found by typing its name
    expect(form.locator("select[name=department_id] option:checked")).to_contain_text("（建议）")
    search = assisting.get_by_placeholder("输入名称或代码筛选")
    search.fill("水务局")
    search.press("Enter")  # chooses the first match, never submits the form
    expect(assisting.locator(".picker-chosen")).to_contain_text("北京市水务局")
    form.get_by_label("说明").fill("请尽快处置，水务局配合")
    form.get_by_role("button", name="提交").click()
    flash = page.locator("p.flash")
    expect(flash).to_contain_text("已派遣至")
    expect(flash).to_contain_text("配合单位：")
    expect(flash).to_contain_text("北京市水务局")
    flash.get_by_role("link", name="下一件").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+\?queue=dispatch$"))
    assert f"/cases/{case['id']}?" not in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("已立案")


def test_bulk_dispatch_and_the_keyboard(page: Page, live_server, client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    picked = [filed(client, login, make_user) for _ in range(3)]
    sign_in(page, live_server, make_user("dispatcher"))
    page.goto(f"{live_server}/work?queue=dispatch")
    for case in picked:
        page.get_by_label(f"选择 {case['number']}").check()
    bulk = page.locator("fieldset.bulk")
    bulk.get_by_placeholder("输入名称或代码筛选").fill("110101-CGW")
    expect(bulk.locator("select[name=department_id] option:checked")).to_contain_text("东城区城市管理委员会")
    bulk.get_by_role("button", name="对所选案件执行").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("批量操作结果")
    expect(page.locator("p[role=status]")).to_have_text("3 件成功，0 件未办理")
    for case in picked:
        row = page.locator("table.bulk-results tr", has_text=case["number"])
        expect(row).to_contain_text("已派遣至 东城区城市管理委员会")

    # the keyboard on the queue: j/k move, x ticks, ? shows the help, o opens
    for _ in range(2):
        filed(client, login, make_user)
    page.goto(f"{live_server}/work?queue=dispatch")
    expect(page.locator("html[data-keys=ready]")).to_be_attached()
    rows = page.locator("table.cases tbody tr")
    page.get_by_placeholder("案件编号").focus()
    page.keyboard.press("j")  # typing in a field: the field's
    expect(page.locator("tr.key-current")).to_have_count(0)
    page.evaluate("document.activeElement.blur()")  # out of the field
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("key-current"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("key-current"))
    page.keyboard.press("x")
    expect(rows.nth(1).locator("input[type=checkbox]")).to_be_checked()
    page.keyboard.press("?")
    help_ = page.get_by_role("dialog", name="键盘快捷键")
    expect(help_).to_be_visible()
    expect(help_).to_contain_text("下一条 / 上一条")
    page.keyboard.press("Escape")
    expect(help_).to_be_hidden()
    number = rows.nth(1).locator("a[data-key-open]").inner_text()
    page.keyboard.press("o")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.locator("html[data-keys=ready]")).to_be_attached()
    # on the case page: a opens the main action, ready to fill
    page.keyboard.press("a")
    expect(page.locator("details.action").first).to_have_attribute("open", "")
    expect(page.locator("details[open] .picker-filter").first).to_be_focused()  # type to find one


def test_the_case_sheet_prints_without_navigation(page: Page, live_server, client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = filed(client, login, make_user)
    sign_in(page, live_server, make_user("dispatcher"))
    page.goto(f"{live_server}/cases/{case['id']}")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    expect(page.locator("header.bar")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header.bar", "section.actions", "nav.case-nav", "#case-map", "button[data-print]"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator(".sheet-title")).to_contain_text("案件单")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case["number"])
    facts = page.locator("dl.facts")
    for words in ("06010 暴露垃圾", "东华门街道", "监督员上报", "时限"):
        expect(facts).to_contain_text(words)
    expect(page.locator("ol.timeline li")).to_have_count(2)  # the report and the filing
    page.emulate_media(media="screen")
    expect(page.locator("header.bar")).to_be_visible()


def test_a_stale_action_is_refused_in_chinese_and_changes_nothing(  # type: ignore[no-untyped-def]
    page: Page, live_server, client, make_user, login
) -> None:
    """Two shift leaders open the same case; the second, acting on what has meanwhile changed, is
    told in Chinese — on the page, not as a developer's message — and the case keeps the first one's
    action."""
    case = reported(client, login, make_user, "浏览器测试：两人同时处理")
    sign_in(page, live_server, make_user("shift_leader"))
    page.goto(f"{live_server}/cases/{case['id']}")
    page.locator("details.action summary", has_text="立案").first.click()  # the form holds version 1

    other = login(make_user("shift_leader"))
    body = {"action": "file", "version": case["version"], "note": "另一位值班长已立案"}
    assert client.post(f"/api/v1/cases/{case['id']}/actions", json=body, headers=other).status_code == 200

    form = page.locator("details[open] form")
    form.get_by_label("说明").fill("我也来立案")
    form.get_by_role("button", name="提交").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"案件 {case['number']} 在您打开后已被他人处理")
    expect(alert).to_contain_text("请刷新后再操作")
    expect(alert).not_to_contain_text("changed since you loaded it")
    page.goto(f"{live_server}/cases/{case['id']}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("另一位值班长已立案")
    expect(timeline).not_to_contain_text("我也来立案")
