"""Accessibility: every page each role opens, over the real demo, in Chinese and in English, checked
by axe-core (vendored in tests/browser/vendor/, injected into the page): no serious or critical
WCAG 2 A/AA violation, no table header without a name, exactly one h1.

A page another change adds goes into PAGES as (who, path); a path may name a demo row by a
placeholder ({reported} …), filled in from the demo's database by IDS."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import text
from tests.browser.conftest import ARTIFACTS, sign_in_context

from gridcity.db.models import Case
from gridcity.services import demo
from gridcity.services.platform import Platform

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# the WCAG 2.0 and 2.1 A/AA rules, and axe's best practices (a failure there is reported only if
# it is serious or critical, or one of ALWAYS)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
ALWAYS = {"empty-table-header", "page-has-heading-one"}  # axe rates them minor/moderate; they fail here

# (who, path): who is a demo username, or "anonymous"; the pages each person uses
PAGES: list[tuple[str, str]] = [
    ("anonymous", "/login"),
    ("anonymous", "/portal"),
    ("anonymous", "/portal/report"),
    ("anonymous", "/portal/map"),
    ("anonymous", "/portal/classes"),
    ("anonymous", "/portal/rankings"),
    ("anonymous", "/track"),
    ("anonymous", "/track?number={closed_number}"),
    ("anonymous", "/no-such-page"),
    ("citizen", "/portal"),
    ("citizen", "/portal/report"),
    ("citizen", "/track?number={citizen_number}"),
    ("citizen", "/portal/map"),
    ("citizen", "/portal/classes"),
    ("citizen", "/portal/rankings"),
    ("supervisor", "/field"),
    ("supervisor", "/field/report"),
    ("supervisor", "/field/tasks"),
    ("supervisor", "/field/tasks/{task}"),
    ("operator", "/work"),
    ("operator", "/cases/{reported}"),
    ("operator", "/map"),
    ("operator", "/dashboard"),
    ("shift_leader", "/wall"),
    ("operator", "/components/{component}"),
    ("shift_leader", "/work?queue=file"),
    ("shift_leader", "/cases/{accepted}"),
    ("dispatcher", "/work?queue=dispatch"),
    ("dispatcher", "/cases/{filed}"),
    ("handler", "/dept"),
    ("handler", "/cases/{disposing}"),
    ("leader", "/dashboard"),
    ("leader", "/work?queue=approve"),
    ("leader", "/cases/{closed}"),
    ("leader", "/cases/{no_such_case}"),
    ("admin", "/admin"),
    ("admin", "/admin/territory"),
    ("admin", "/admin/supervisors"),
    ("admin", "/admin/classes"),
    ("admin", "/admin/classes/edit?ref={class_ref}"),
    ("admin", "/admin/calendar"),
    ("admin", "/admin/departments"),
    ("admin", "/admin/users"),
    ("admin", "/admin/users/{user}"),
    ("dispatcher", "/account/security"),
    ("admin", "/admin/open311"),
    ("admin", "/admin/webhooks"),
    ("admin", "/admin/integrations"),
    ("admin", "/registry/access-log"),
    ("grid_worker", "/grid"),
    ("police", "/police"),
]
# the people who use a phone are checked on a phone's screen (its layouts: cards, wrapped bars)
DESKTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"citizen": {"width": 375, "height": 812}, "supervisor": {"width": 375, "height": 812}}
# pages that answer an error on purpose (the error page is a page too)
STATUS = {"/no-such-page": 404, "/cases/{no_such_case}": 404}

# placeholder → the demo row it stands for (SQL over the demo's database; the first row); a
# placeholder ending in _number stands for that case's number (the SQL gives its id)
IDS: dict[str, str] = {
    "reported": "SELECT id FROM cases WHERE state = 'reported' AND district_code = '110101' ORDER BY id",
    "accepted": "SELECT id FROM cases WHERE state = 'accepted' AND district_code = '110101' ORDER BY id",
    "filed": "SELECT id FROM cases WHERE state = 'filed' AND district_code = '110101' ORDER BY id",
    "disposing": (
        "SELECT c.id FROM cases c JOIN org_units o ON o.id = c.department_id"
        " WHERE c.state = 'disposing' AND o.code = '110101-CGW' ORDER BY c.id"
    ),
    "closed": "SELECT id FROM cases WHERE state = 'closed' AND district_code = '110101' ORDER BY id",
    "closed_number": "SELECT id FROM cases WHERE state = 'closed' ORDER BY id",
    "citizen_number": (
        "SELECT c.id FROM cases c JOIN users u ON u.id = c.reporter_id"
        " WHERE u.username = 'citizen' ORDER BY c.id"
    ),
    "task": (
        "SELECT c.id FROM cases c JOIN users u ON u.id = c.assignee_id"
        " WHERE u.username = 'supervisor' AND c.state IN ('verifying', 'disposed') ORDER BY c.id"
    ),
    "component": "SELECT code FROM components ORDER BY id",
    "class_ref": "SELECT standard || ':' || kind || ':' || code FROM case_classes ORDER BY id",
    "user": "SELECT id FROM users WHERE username = 'dispatcher'",
    "no_such_case": "SELECT max(id) + 1000 FROM cases",
}


def _params() -> Iterator[Any]:
    for who, path in PAGES:
        for lang in ("zh", "en"):
            yield pytest.param(who, path, lang, id=f"{who}:{path}:{lang}")


def resolve(platform: Platform) -> dict[str, str]:
    """The placeholders of IDS filled in from the platform's database (those it has rows for)."""
    found: dict[str, str] = {}
    with platform.sessions() as db:
        for name, sql in IDS.items():
            value = db.execute(text(sql)).scalar()
            if value is not None and name.endswith("_number"):
                value = platform.case_number(db.get(Case, value))
            if value is not None:
                found[name] = quote(str(value), safe="")
    return found


@pytest.fixture(scope="module")
def ids(demo_city: tuple[str, Platform]) -> dict[str, str]:
    return resolve(demo_city[1])


@pytest.fixture(scope="module")
def context_of(
    browser: Browser, demo_city: tuple[str, Platform]
) -> Iterator[Callable[[str], BrowserContext]]:
    """One browser context per person, signed in once and reused by all of their pages."""
    base, _ = demo_city
    made: dict[str, BrowserContext] = {}

    def get(who: str) -> BrowserContext:
        if who not in made:
            # axe-core goes into each page as a script of the test's, which the pages' CSP (no
            # script but our own files) would refuse; the CSP has its own browser test
            # (test_content_security_policy.py)
            context = browser.new_context(
                viewport=VIEWPORTS.get(who, DESKTOP), locale="zh-CN", bypass_csp=True
            )
            if who != "anonymous":
                sign_in_context(context, base, who, demo.DEMO_PASSWORD)
            made[who] = context
        return made[who]

    yield get
    for context in made.values():
        context.close()


RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), impact: n.impact, html: n.html.slice(0, 200),
                              summary: n.failureSummary}))
  }));
}"""


def violations(context: BrowserContext, url: str, expected: int) -> tuple[list[dict[str, Any]], int, str]:
    """axe's violations on the page at `url`, the number of h1 on it and where it ended up."""
    page = context.new_page()
    try:
        response = page.goto(url)
        assert response is not None and response.status == expected, f"{url}: {response and response.status}"
        # the maps and the bell draw after load; a page that keeps polling is checked as it is then
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=5_000)
        # what a click opens (the case actions, the bell) is checked too
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.add_script_tag(path=str(AXE))
        found: list[dict[str, Any]] = page.evaluate(RUN_AXE, TAGS)
        h1 = page.locator("h1").count()
        return found, h1, page.url
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"axe-{urlsplit(url).path.strip('/').replace('/', '-')}.png"))
        raise
    finally:
        page.close()


def failing(found: list[dict[str, Any]]) -> list[str]:
    lines = []
    for v in found:
        for node in v["nodes"]:
            impact = node["impact"] or v["impact"]
            if impact in FAILING_IMPACTS or v["id"] in ALWAYS:
                lines.append(f"{v['id']} ({impact}) at {node['target']}: {node['summary']} — {node['html']}")
    return lines


@pytest.mark.parametrize(("who", "path", "lang"), list(_params()))
def test_no_serious_accessibility_violation(
    who: str,
    path: str,
    lang: str,
    demo_city: tuple[str, Platform],
    context_of: Callable[[str], BrowserContext],
    ids: dict[str, str],
) -> None:
    base, _ = demo_city
    try:
        target = path.format(**ids)
    except KeyError as missing:
        pytest.fail(f"the demo has no row for {missing} (IDS)")
    context = context_of(who)
    context.add_cookies([{"name": "gridcity_lang", "value": lang, "url": base}])
    found, h1, landed = violations(context, base + target, STATUS.get(path, 200))
    assert urlsplit(landed).path == urlsplit(target).path, f"{who} was sent from {target} to {landed}"
    problems = failing(found)
    if h1 != 1:
        problems.append(f"{h1} h1 on the page, not one")
    assert not problems, f"{who} {target} ({lang}):\n" + "\n".join(problems)
