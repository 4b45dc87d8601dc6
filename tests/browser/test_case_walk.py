"""One case across every role, entirely through the pages, in a real browser: a citizen reports on
the portal from a phone → the operator sends it to a supervisor → the supervisor verifies it on the
field page → the shift leader files it → the dispatcher dispatches it → the department accepts it
and reports it done with a photo → the supervisor checks it on the field page → the shift leader
closes it → the citizen sees it closed and rates it, and the command centre sees the rating. Each
step asserts what that person sees. The walk is made twice: by people who read Chinese (the
default) and by people who chose English, whose every page — as the browser shows it, scripts'
text included — must hold no catalogue key, no workflow code and no Chinese outside the data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.browser.conftest import ARTIFACTS, SCREENSHOTS
from tests.support import png
from tests.web.test_page_language import NOTES, TEMPLATE_AREA_WORDS, Data, problems
from tests.web.test_portal import GARBAGE_REF

from gridcity.domain.workflow import CaseAction, CaseState
from gridcity.web import i18n

DONGHUAMEN = {"latitude": 39.9140, "longitude": 116.4040, "accuracy": 15}


@pytest.fixture(params=["zh", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def people(
    browser: Browser, live_server: str, lang: str, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Page]]:
    """people("citizen") → that person's own browser (phone or console) in the walk's language,
    kept for the whole walk; on failure every open page leaves a screenshot."""
    contexts: dict[str, BrowserContext] = {}

    def open_for(who: str) -> Page:
        if who not in contexts:
            phone = who in ("citizen", "supervisor")
            contexts[who] = browser.new_context(
                viewport={"width": 375, "height": 740} if phone else {"width": 1366, "height": 768},
                is_mobile=phone,
                has_touch=phone,
                locale="zh-CN" if lang == "zh" else "en-GB",
                geolocation=DONGHUAMEN,
                permissions=["geolocation"],
            )
            contexts[who].add_cookies([{"name": i18n.COOKIE, "value": lang, "url": live_server}])
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


class Words:
    """What the pages say in the walk's language: the page catalogue's words and the workflow's
    labels, so that the walk finds its buttons in English as it does in Chinese."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.t = i18n.translator(lang)

    def action(self, action: CaseAction) -> str:
        return i18n.action_label(action.value, self.lang)

    def state(self, state: CaseState) -> str:
        return i18n.state_label(state.value, self.lang)


@pytest.fixture
def say(lang: str) -> Words:
    return Words(lang)


@pytest.fixture
def read(platform, lang: str) -> Callable[[Page], None]:  # type: ignore[no-untyped-def]
    """read(page): what the person sees (the live page, scripts' text included) holds nothing
    untranslated — no catalogue key, no workflow code, and in English no Chinese outside the data."""

    def check(page: Page) -> None:
        page.wait_for_load_state("networkidle")
        data = Data(platform, [*NOTES, *TEMPLATE_AREA_WORDS, *WALK_TEXTS])  # with the walk's people
        found = problems(page.content(), lang, data)
        assert not found, f"{page.url} [{lang}]:\n" + "\n".join(found)

    return check


# what the walk's people write (data: a note stays in the language it was written in)
WALK_TEXTS = [
    "东华门大街路边一堆生活垃圾，已经两天了",
    "请到现场核实",
    "现场属实，约两袋生活垃圾",
    "符合立案条件",
    "请尽快清运",
    "已清运，地面冲洗干净",
    "复查已清理干净",
    "处置完毕，结案",
    "处理很快，谢谢",
]


def sign_in(page: Page, base: str, user, say: Words | None = None) -> None:  # type: ignore[no-untyped-def]
    t = (say or Words("zh")).t
    page.goto(f"{base}/login")
    page.get_by_label(t("username")).fill(user.username)
    page.get_by_label(t("password")).fill("secret-pw")
    page.get_by_role("button", name=t("sign_in")).click()


def open_from_queue(page: Page, base: str, queue: str, number: str, say: Words | None = None) -> None:
    """Find the case in a console queue by its number and open its page."""
    t = (say or Words("zh")).t
    page.goto(f"{base}/work?queue={queue}")
    page.get_by_placeholder(t("number")).fill(number)
    page.get_by_role("button", name=t("search")).click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)


def act(page: Page, action: str, note: str, photo: Path | None = None, say: Words | None = None) -> None:
    """Open an action's form on the case page, fill it and submit."""
    t = (say or Words("zh")).t
    page.locator("details.action summary", has_text=action).click()
    form = page.locator("details[open] form")
    form.get_by_label(t("note"), exact=False).first.fill(note)
    if photo is not None:
        form.locator("input[type=file]").set_input_files(str(photo))
    form.get_by_role("button", name=t("submit")).click()


def test_a_citizens_report_walks_through_every_role_to_a_rating(
    people, live_server, make_user, say: Words, read, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    base, t, A, S = live_server, say.t, CaseAction, CaseState
    photo = tmp_path / "scene.png"
    photo.write_bytes(png())
    operator, supervisor, leader = make_user("operator"), make_user("supervisor"), make_user("shift_leader")
    dispatcher = make_user("dispatcher")
    handler = make_user("handler", "110101001-HW")  # 东华门街道's sanitation unit: owner of 06010 there

    # 1. a citizen reports on the portal from a phone, without signing in
    citizen = people("citizen")
    citizen.goto(f"{base}/portal/report")
    expect(citizen.locator("#report-map[data-ready='1']")).to_be_attached()
    citizen.get_by_role("button", name=t("portal.gps")).click()
    expect(citizen.locator("#place-status")).to_contain_text("东华门街道")
    read(citizen)
    citizen.get_by_placeholder(t("portal.class_search")).fill("暴露垃圾")
    citizen.locator("#class-select").select_option(GARBAGE_REF)
    citizen.get_by_label(t("portal.description")).fill(WALK_TEXTS[0])
    citizen.locator("input[name=photos]:not([capture])").set_input_files(str(photo))
    if say.lang == "zh":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        citizen.screenshot(path=str(SCREENSHOTS / "portal.png"), full_page=True)
    citizen.get_by_role("button", name=t("portal.send")).click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text(t("portal.received"))
    read(citizen)
    number = citizen.locator("#case-number").inner_text()
    key = citizen.locator("#receipt-key").inner_text()
    assert re.fullmatch(r"\d{16}", number)

    # 2. the operator finds it in 待受理 and sends a supervisor to verify it
    console = people("operator")
    sign_in(console, base, operator, say)
    expect(console.get_by_role("link", name=re.compile(t("queue.accept")))).to_have_class("current")
    read(console)
    open_from_queue(console, base, "accept", number, say)
    expect(console.get_by_role("heading", level=1)).to_contain_text(say.state(S.REPORTED))
    read(console)
    console.locator("details.action summary", has_text=say.action(A.SEND_VERIFY)).click()
    console.locator("details[open] select[name=assignee_id]").select_option(label=supervisor.display_name)
    console.locator("details[open] form").get_by_label(t("note")).first.fill(WALK_TEXTS[1])
    console.locator("details[open] form").get_by_role("button", name=t("submit")).click()
    expect(console.get_by_role("heading", level=1)).to_contain_text(say.state(S.VERIFYING))

    # 3. the supervisor verifies it on the field page, with a photo
    field = people("supervisor")
    sign_in(field, base, supervisor, say)
    expect(field).to_have_url(f"{base}/field")
    read(field)
    field.get_by_role("link", name=t("field.tasks")).click()
    field.locator(".task-list .task", has_text=number).click()
    expect(field.locator(".badge.verify")).to_have_text(i18n.stage_label("verify", say.lang))
    read(field)
    field.locator("summary", has_text=say.action(A.VERIFY_OK)).click()
    form = field.locator("details[open] form")
    form.get_by_label(t("note")).first.fill(WALK_TEXTS[2])
    form.locator("input[type=file][capture]").set_input_files(str(photo))
    form.get_by_role("button", name=f"{t('submit')} · {say.action(A.VERIFY_OK)}").click()
    expect(field.locator(".success")).to_contain_text(number)

    # 4. the shift leader files it
    console = people("shift_leader")
    sign_in(console, base, leader, say)
    open_from_queue(console, base, "file", number, say)
    expect(console.get_by_role("heading", level=1)).to_contain_text(say.state(S.ACCEPTED))
    expect(console.locator("ol.timeline")).to_contain_text(WALK_TEXTS[2])
    act(console, say.action(A.FILE), WALK_TEXTS[3], say=say)
    expect(console.get_by_role("heading", level=1)).to_contain_text(say.state(S.FILED))
    read(console)

    # 5. the dispatcher dispatches it to the proposed department
    console = people("dispatcher")
    sign_in(console, base, dispatcher, say)
    open_from_queue(console, base, "dispatch", number, say)
    console.locator("details.action summary", has_text=say.action(A.DISPATCH)).first.click()
    act_form = console.locator("details[open] form")
    # the class's owner at this place is proposed: 东华门's sanitation unit (环卫)
    expect(act_form.locator("select[name=department_id] option:checked")).to_contain_text("环卫")
    read(console)
    act_form.get_by_label(t("note")).first.fill(WALK_TEXTS[4])
    act_form.get_by_role("button", name=t("submit")).click()
    expect(console.get_by_role("heading", level=1)).to_contain_text(say.state(S.DISPATCHED))
    read(console)

    # 6. the department accepts it on its desk and reports it done with a photo
    desk = people("handler")
    sign_in(desk, base, handler, say)
    expect(desk).to_have_url(f"{base}/dept")
    read(desk)
    row = desk.locator("table.cases tr", has_text=number)
    row.get_by_role("button", name=t("dept.accept")).click()
    expect(desk.get_by_role("status")).to_contain_text(number)
    desk.get_by_role("link", name=number).click()
    read(desk)
    act(desk, say.action(A.REPORT_DONE), WALK_TEXTS[5], photo, say=say)
    expect(desk.get_by_role("heading", level=1)).to_contain_text(say.state(S.DISPOSED))

    # 7. the supervisor checks it on the field page
    field.goto(f"{base}/field/tasks")
    read(field)
    field.locator(".task-list .task", has_text=number).click()
    expect(field.locator(".badge.check")).to_have_text(i18n.stage_label("check", say.lang))
    field.locator("summary", has_text=say.action(A.CHECK_PASS)).click()
    form = field.locator("details[open] form")
    form.get_by_label(t("note")).first.fill(WALK_TEXTS[6])
    form.locator("input[type=file][capture]").set_input_files(str(photo))
    form.get_by_role("button", name=f"{t('submit')} · {say.action(A.CHECK_PASS)}").click()
    expect(field.locator(".success")).to_contain_text(number)

    # 8. the shift leader closes it
    console = people("shift_leader")
    open_from_queue(console, base, "close", number, say)
    act(console, say.action(A.CLOSE), WALK_TEXTS[7], say=say)
    expect(console.get_by_role("heading", level=1)).to_contain_text(say.state(S.CLOSED))
    read(console)

    # 9. the citizen sees it closed, with every step but no names, and rates it
    citizen.goto(f"{base}/track?number={number}")
    expect(citizen.locator("h2")).to_contain_text(say.state(S.CLOSED))
    timeline = citizen.locator("ol.timeline")
    steps = (A.SEND_VERIFY, A.VERIFY_OK, A.FILE, A.DISPATCH, A.ACCEPT, A.REPORT_DONE, A.CHECK_PASS, A.CLOSE)
    for step in steps:
        expect(timeline).to_contain_text(say.action(step))
    body = citizen.locator("body")
    for private in (supervisor.username, handler.username, WALK_TEXTS[2], WALK_TEXTS[0][:6]):
        expect(body).not_to_contain_text(private)
    read(citizen)
    rating = citizen.locator("#rate")
    rating.get_by_label(re.compile("★★★★★")).check()
    rating.get_by_label(t("portal.comment")).fill(WALK_TEXTS[8])
    rating.locator("input[name=key]").fill(key)
    rating.get_by_role("button", name=t("portal.rate")).click()
    expect(citizen.get_by_role("status")).to_contain_text(t("portal.rated"))
    expect(citizen.locator("body")).to_contain_text("★★★★★")
    read(citizen)

    # 10. the command centre sees the rating and the citizen's comment on the case page
    console = people("shift_leader")
    console.reload()
    expect(console.locator("ul.ratings")).to_contain_text("★★★★★")
    expect(console.locator("ul.ratings")).to_contain_text(WALK_TEXTS[8])
    read(console)
