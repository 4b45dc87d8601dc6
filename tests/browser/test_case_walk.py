"""One case across every role, entirely through the pages, in a real browser: a citizen reports on
the portal from a phone → the operator sends it to a supervisor → the supervisor verifies it on the
field page → the shift leader files it → the dispatcher dispatches it → the department accepts it
and reports it done with a photo → the supervisor checks it on the field page → the shift leader
closes it → the citizen sees it closed and rates it, and the command centre sees the rating. Each
step asserts what that person sees."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.browser.conftest import ARTIFACTS, SCREENSHOTS
from tests.support import png
from tests.web.test_portal import GARBAGE_REF

DONGHUAMEN = {"latitude": 39.9140, "longitude": 116.4040, "accuracy": 15}


@pytest.fixture
def people(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Page]]:
    """people("citizen") → that person's own browser (phone or console), kept for the whole walk;
    on failure every open page leaves a screenshot."""
    contexts: dict[str, BrowserContext] = {}

    def open_for(who: str) -> Page:
        if who not in contexts:
            phone = who in ("citizen", "supervisor")
            contexts[who] = browser.new_context(
                viewport={"width": 375, "height": 740} if phone else {"width": 1366, "height": 768},
                is_mobile=phone,
                has_touch=phone,
                locale="zh-CN",
                geolocation=DONGHUAMEN,
                permissions=["geolocation"],
            )
            contexts[who].new_page()
        return contexts[who].pages[0]

    yield open_for
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for who, context in contexts.items():
            context.pages[0].screenshot(path=str(ARTIFACTS / f"walk-{who}.png"), full_page=True)
    for context in contexts.values():
        context.close()


def sign_in(page: Page, base: str, user) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录").click()


def open_from_queue(page: Page, base: str, queue: str, number: str) -> None:
    """Find the case in a console queue by its number and open its page."""
    page.goto(f"{base}/work?queue={queue}")
    page.get_by_placeholder("案件编号").fill(number)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)


def act(page: Page, action: str, note: str, photo: Path | None = None) -> None:
    """Open an action's form on the case page, fill it and submit."""
    page.locator("details.action summary", has_text=action).click()
    form = page.locator("details[open] form")
    form.get_by_label("说明").fill(note)
    if photo is not None:
        form.locator("input[type=file]").set_input_files(str(photo))
    form.get_by_role("button", name="提交").click()


def test_a_citizens_report_walks_through_every_role_to_a_rating(
    people, live_server, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    photo = tmp_path / "scene.png"
    photo.write_bytes(png())
    operator, supervisor, leader = make_user("operator"), make_user("supervisor"), make_user("shift_leader")
    dispatcher = make_user("dispatcher")
    handler = make_user("handler", "110101001-HW")  # 东华门街道's sanitation unit: owner of 06010 there

    # 1. a citizen reports on the portal from a phone, without signing in
    citizen = people("citizen")
    citizen.goto(f"{base}/portal/report")
    expect(citizen.locator("#report-map[data-ready='1']")).to_be_attached()
    citizen.get_by_role("button", name="使用我的位置").click()
    expect(citizen.locator("#place-status")).to_contain_text("东华门街道")
    citizen.get_by_placeholder("搜索类别").fill("暴露垃圾")
    citizen.locator("#class-select").select_option(GARBAGE_REF)
    citizen.get_by_label("问题描述").fill("东华门大街路边一堆生活垃圾，已经两天了")
    citizen.locator("input[name=photos]:not([capture])").set_input_files(str(photo))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    citizen.screenshot(path=str(SCREENSHOTS / "portal.png"), full_page=True)
    citizen.get_by_role("button", name="提交上报").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("上报成功")
    number = citizen.locator("#case-number").inner_text()
    key = citizen.locator("#receipt-key").inner_text()
    assert re.fullmatch(r"\d{16}", number)

    # 2. the operator finds it in 待受理 and sends a supervisor to verify it
    console = people("operator")
    sign_in(console, base, operator)
    expect(console.get_by_role("link", name=re.compile("待受理"))).to_have_class("current")
    open_from_queue(console, base, "accept", number)
    expect(console.get_by_role("heading", level=1)).to_contain_text("已上报")
    console.locator("details.action summary", has_text="派发核实").click()
    console.locator("details[open] select[name=assignee_id]").select_option(label=supervisor.display_name)
    console.locator("details[open] form").get_by_label("说明").fill("请到现场核实")
    console.locator("details[open] form").get_by_role("button", name="提交").click()
    expect(console.get_by_role("heading", level=1)).to_contain_text("核实中")

    # 3. the supervisor verifies it on the field page, with a photo
    field = people("supervisor")
    sign_in(field, base, supervisor)
    expect(field).to_have_url(f"{base}/field")
    field.get_by_role("link", name="我的任务").click()
    field.locator(".task-list .task", has_text=number).click()
    expect(field.locator(".badge.verify")).to_have_text("核实")
    field.locator("summary", has_text="核实属实").click()
    form = field.locator("details[open] form")
    form.get_by_label("说明").fill("现场属实，约两袋生活垃圾")
    form.locator("input[type=file][capture]").set_input_files(str(photo))
    form.get_by_role("button", name="提交 · 核实属实").click()
    expect(field.locator(".success")).to_contain_text(number)

    # 4. the shift leader files it
    console = people("shift_leader")
    sign_in(console, base, leader)
    open_from_queue(console, base, "file", number)
    expect(console.get_by_role("heading", level=1)).to_contain_text("已受理")
    expect(console.locator("ol.timeline")).to_contain_text("现场属实")
    act(console, "立案", "符合立案条件")
    expect(console.get_by_role("heading", level=1)).to_contain_text("已立案")

    # 5. the dispatcher dispatches it to the proposed department
    console = people("dispatcher")
    sign_in(console, base, dispatcher)
    open_from_queue(console, base, "dispatch", number)
    console.locator("details.action summary", has_text="派遣").first.click()
    act_form = console.locator("details[open] form")
    # the class's owner at this place is proposed: 东华门's sanitation unit (环卫)
    expect(act_form.locator("select[name=department_id] option:checked")).to_contain_text("环卫")
    act_form.get_by_label("说明").fill("请尽快清运")
    act_form.get_by_role("button", name="提交").click()
    expect(console.get_by_role("heading", level=1)).to_contain_text("已派遣")

    # 6. the department accepts it on its desk and reports it done with a photo
    desk = people("handler")
    sign_in(desk, base, handler)
    expect(desk).to_have_url(f"{base}/dept")
    row = desk.locator("table.cases tr", has_text=number)
    row.get_by_role("button", name="签收").click()
    expect(desk.get_by_role("status")).to_contain_text(f"{number} 已签收")
    desk.get_by_role("link", name=number).click()
    act(desk, "处置反馈", "已清运，地面冲洗干净", photo)
    expect(desk.get_by_role("heading", level=1)).to_contain_text("已反馈")

    # 7. the supervisor checks it on the field page
    field.goto(f"{base}/field/tasks")
    field.locator(".task-list .task", has_text=number).click()
    expect(field.locator(".badge.check")).to_have_text("核查")
    field.locator("summary", has_text="核查通过").click()
    form = field.locator("details[open] form")
    form.get_by_label("说明").fill("复查已清理干净")
    form.locator("input[type=file][capture]").set_input_files(str(photo))
    form.get_by_role("button", name="提交 · 核查通过").click()
    expect(field.locator(".success")).to_contain_text(number)

    # 8. the shift leader closes it
    console = people("shift_leader")
    open_from_queue(console, base, "close", number)
    act(console, "结案", "处置完毕，结案")
    expect(console.get_by_role("heading", level=1)).to_contain_text("已结案")

    # 9. the citizen sees it closed, with every step but no names, and rates it
    citizen.goto(f"{base}/track?number={number}")
    expect(citizen.locator("h2")).to_contain_text("已结案")
    timeline = citizen.locator("ol.timeline")
    for step in ("派发核实", "核实属实", "立案", "派遣", "签收", "处置反馈", "核查通过", "结案"):
        expect(timeline).to_contain_text(step)
    body = citizen.locator("body")
    for private in (supervisor.username, handler.username, "现场属实", "东华门大街路边"):
        expect(body).not_to_contain_text(private)
    rating = citizen.locator("#rate")
    rating.get_by_label(re.compile("★★★★★")).check()
    rating.get_by_label("意见").fill("处理很快，谢谢")
    rating.locator("input[name=key]").fill(key)
    rating.get_by_role("button", name="提交评价").click()
    expect(citizen.get_by_role("status")).to_contain_text("感谢")
    expect(citizen.locator("body")).to_contain_text("★★★★★")

    # 10. the command centre sees the rating and the citizen's comment on the case page
    console = people("shift_leader")
    console.reload()
    expect(console.locator("ul.ratings")).to_contain_text("★★★★★")
    expect(console.locator("ul.ratings")).to_contain_text("处理很快，谢谢")
