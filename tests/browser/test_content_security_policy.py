"""The Content-Security-Policy in a real browser, over the demo city: the main pages of several
roles run and draw with no violation (no inline script, no inline style, nothing from another
origin), no console error and no script error; the confirm dialogs, the public map's period choice
and the API docs (Swagger UI and ReDoc, from /static) work without inline script."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect
from sqlalchemy import select

from gridcity.db.models import Attachment, User
from gridcity.services import demo, users, webhooks
from gridcity.services.platform import Platform

# every violation the page sees, reported to the test before the page can navigate away
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber].join(" "));
});
"""


@dataclass
class Watched:
    """A browser context whose pages report CSP violations, console errors, script errors and
    any request to another origin."""

    context: BrowserContext
    base: str
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def page(self) -> Page:
        page = self.context.new_page()
        page.on(
            "console", lambda m: self.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
        )
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        # what actually came from elsewhere (a request the policy blocks never leaves: no response)
        page.on(
            "response",
            lambda r: None if r.url.startswith((self.base, "data:")) else self.foreign.append(r.url),
        )
        return page

    def clean(self, page: Page, *, expected: tuple[tuple[str, str], ...] = ()) -> None:
        """No violation, console error, script error or answer from elsewhere; `expected`: the
        violations a vendored library is known to cause (and the policy to stop), each as the start
        of the violation and a piece of the console's words for it."""
        page.wait_for_timeout(300)  # a violation's report crosses to the test asynchronously
        violations = tuple(v for v, _ in expected)
        assert [v for v in self.violations if not v.startswith(violations)] == [], self.violations
        assert [e for e in self.errors if not any(words in e for _, words in expected)] == [], self.errors
        assert self.foreign == [], self.foreign  # nothing from a CDN or any other site


@pytest.fixture
def watched(browser: Browser, demo_city: tuple[str, Platform]) -> Iterator[Watched]:
    base, _ = demo_city
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    seen = Watched(context, base)
    context.expose_function("cspViolation", lambda text: seen.violations.append(text))
    context.add_init_script(REPORT_VIOLATIONS)
    yield seen
    context.close()


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def visit(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_the_pages_of_each_role_run_under_the_policy(
    watched: Watched, demo_city: tuple[str, Platform]
) -> None:
    base, platform = demo_city
    with platform.sessions() as db:
        photo = db.scalars(select(Attachment).where(Attachment.case_id.is_not(None)).limit(1)).one()
        case_id = photo.case_id
    page = watched.page()

    sign_in(page, base, "dispatcher")
    visit(page, f"{base}/work")
    expect(page.locator("table tbody tr").first).to_be_visible()
    visit(page, f"{base}/map")
    expect(page.locator("#map[data-draws]")).to_be_attached(timeout=15_000)
    expect(page.locator("#map .case-cluster").first).to_be_visible()
    visit(page, f"{base}/cases/{case_id}")
    thumb = page.locator(f"img[src='/api/v1/attachments/{photo.id}']")
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")  # the photo itself shows

    sign_in(page, base, "supervisor")
    visit(page, f"{base}/field")
    sign_in(page, base, "leader")
    visit(page, f"{base}/dashboard")
    expect(page.locator("#dashboard[data-ready='1']")).to_be_attached(timeout=20_000)
    sign_in(page, base, "grid_worker")
    visit(page, f"{base}/grid")

    page.context.clear_cookies()
    visit(page, f"{base}/portal")
    visit(page, f"{base}/portal/map")
    # the period choice submits its form by itself (a data attribute and forms.js, no onchange=)
    current = page.locator("#days").input_value()
    other = next(
        v for v in page.locator("#days option").evaluate_all("os => os.map(o => o.value)") if v != current
    )
    page.locator("#days").select_option(other)
    page.wait_for_url(f"**/portal/map?days={other}")
    page.wait_for_load_state("networkidle")
    visit(page, f"{base}/portal/rankings")
    watched.clean(page)


def test_a_confirm_dialog_guards_disabling_a_webhook(
    watched: Watched, demo_city: tuple[str, Platform]
) -> None:
    base, platform = demo_city
    with platform.sessions() as db:
        admin = users.principal_of(db.scalars(select(User).where(User.username == "admin")).one())
        webhooks.add_subscription(
            platform, db, "csp-check", "https://receiver.example/hook", [webhooks.ANY], actor=admin
        )
    page = watched.page()
    sign_in(page, base, "admin")
    visit(page, f"{base}/admin/webhooks")
    row = page.locator("tr[data-subscription='csp-check']")
    answers = iter([False, True])
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", answer)
    row.get_by_role("button").click()  # dismissed: nothing sent, still active
    expect(row.get_by_role("button")).to_be_visible()
    row.get_by_role("button").click()  # accepted: disabled
    expect(page.locator("tr[data-subscription='csp-check']").get_by_role("button")).to_have_count(0)
    assert len(asked) == 2 and asked[0]  # the question, in the page's words
    visit(page, f"{base}/admin/integrations")
    visit(page, f"{base}/admin/supervisors")
    watched.clean(page)


def test_the_api_docs_render_from_static_files(watched: Watched, demo_city: tuple[str, Platform]) -> None:
    base, _ = demo_city
    page = watched.page()
    loaded: list[str] = []
    page.on("response", lambda r: loaded.append(r.url))
    visit(page, f"{base}/docs")
    # Swagger UI drew the API: its title and the operations of the tags
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("gridcity")
    expect(page.locator(".opblock").first).to_be_visible()
    assert f"{base}/static/vendor/swagger-ui/swagger-ui-bundle.js" in loaded
    assert f"{base}/static/js/swagger_init.js" in loaded
    watched.clean(page)
    visit(page, f"{base}/redoc")
    expect(page.get_by_role("heading", name="gridcity").first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/cases").first).to_be_attached()
    assert f"{base}/static/vendor/redoc/redoc.standalone.js" in loaded
    # Two attempts of ReDoc's bundle the policy stops, and the page works without: its sidebar's
    # logo from cdn.redoc.ly, hard-coded (nothing is fetched from there: `foreign` stays empty), and
    # its search probing `Function()` for a worker (caught: it indexes in the page instead)
    logo = "https://cdn.redoc.ly/redoc/logo-mini"
    bundle = f"{base}/static/vendor/redoc/redoc.standalone.js:"
    watched.clean(
        page,
        expected=(
            (f"img-src {logo}", f"Loading the image '{logo}"),
            (f"script-src eval {bundle}", "Evaluating a string as JavaScript violates"),
        ),
    )
