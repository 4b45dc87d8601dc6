"""Every page in the person's language ([8]): each page a role can open, fetched in Chinese and in
English, shows no catalogue key (the translator answers a missing key with the key itself), no bare
workflow code (a state, action, stage, closing type, role, network or light as the program names
it), and an English page no Chinese outside the data (place, class, department and people names,
the texts people wrote). The pages are found from the application's routes, so a new page is
checked (or named in SKIPPED with the reason) without anyone remembering to add it here."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from tests.support import upload_photo
from tests.web.test_pages import DONGHUAMEN, GARBAGE, sign_in

from gridcity.app import create_app  # noqa: F401 (imports every page module: all their words)
from gridcity.db.models import OrgUnit, User
from gridcity.domain.taxonomy import DEFAULT_PHOTO_REQUIRED, NETWORKS, Stage
from gridcity.domain.workflow import CaseAction, CaseState, ClosingType, Role
from gridcity.web import i18n

ROLES = [r.value for r in Role]
# addresses that are not pages, or need what this city does not hold
SKIPPED = {
    "/lang/{lang}": "switches the language and redirects",
    "/favicon.ico": "an icon",
    "/healthz": "a probe",
    "/readyz": "a probe",
    "/metrics": "Prometheus's text, for this machine only (tests/api/test_operations.py)",
    "/": "sends each role to its own page",
    "/notifications/seen": "marks notes read and redirects",
    "/components/{code}": "needs an imported component (tests/web/test_components_pages.py)",
}
_DATA_SUFFIXES = (".csv", ".json", ".geojson", ".xlsx")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# the language switch names the other language in that language: 中文 on an English page
ALLOWED_HAN_EN = {"中文"}
# A department template's name with its area left open is still the department's Chinese name:
# 所在区城市管理委员会 (portal), （街道）环卫所 (admin). Department names have no English.
TEMPLATE_AREA_WORDS = ["所在区", "所在街道", "（区）", "（街道）"]
# the public pages are the same for every signed-in role but the navigation: read as a visitor and
# as a citizen
PUBLIC = ("/portal", "/track", "/login")
# the programme's names of things, which a page must show by their label
CODES = {
    *(s.value for s in CaseState),
    *(a.value for a in CaseAction),
    *(c.value for c in ClosingType),
    *(s.value for s in Stage),
    *(r.value for r in Role),
    *NETWORKS,
    "green",
    "yellow",
    "red",
    "work_hours",
    "work_days",
}
# a code written with an underscore is never an English word: it must not appear in either language
SNAKE_CODES = {c for c in CODES if "_" in c}
# a catalogue key in the text: the translator's answer for a key it does not hold (every page
# module has added its words once the application is imported)
_KEY_PREFIXES = "|".join(sorted({key.split(".")[0] for key in i18n._WORDS if "." in key}))
_KEY = re.compile(rf"(?<![\w/.-])(?:{_KEY_PREFIXES})\.[a-z0-9_]+(?:\.[a-z0-9_-]+)*(?![\w/])")


_HIDDEN = ("script", "style", "template", "code")


class _Visible(HTMLParser):
    """The text a person reads: text outside scripts and styles, and the attributes a browser
    shows (title, placeholder, aria-label, alt, a button's value). Text in <code> is an identifier
    shown as such (a webhook event's name, a URL), not a word of the page."""

    SHOWN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        for name in self.SHOWN:
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def page_routes(app: Any) -> list[str]:
    """The GET addresses of the pages (not the API, not the data downloads)."""

    def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route

    found = []
    for path, route in walk(app.routes):
        if "GET" not in route.methods or path.startswith(("/api/", "/open311/", "/docs", "/openapi")):
            continue
        if path.endswith(_DATA_SUFFIXES) or path in SKIPPED:
            continue
        found.append(path)
    return sorted(set(found))


class Data:
    """The data's own words (names and texts), removed before a page is read for Chinese chrome."""

    def __init__(self, platform: Any, extra: list[str]) -> None:
        names: set[str] = set(extra)
        with platform.sessions() as db:
            names |= set(db.scalars(select(OrgUnit.name)))
            names |= set(db.scalars(select(User.display_name)))
            names |= set(db.scalars(select(User.username)))
            catalogue = platform.catalogue(db).catalogue
            for cls in catalogue:
                names |= {v for f in dataclasses.fields(cls) if isinstance(v := getattr(cls, f.name), str)}
            names |= {d.name for d in catalogue.departments.values()}
        # a department template's name around its placeholders ({district_name}城市管理委员会)
        names |= {piece for n in list(names) for piece in re.split(r"\{[a-z_]+\}", n)}
        self.names = sorted((n for n in names if n and n.strip()), key=len, reverse=True)
        self.usernames = set()
        with platform.sessions() as db:
            self.usernames = set(db.scalars(select(User.username)))

    def strip(self, text: str) -> str:
        for name in self.names:
            if name in text:
                text = text.replace(name, " ")
        return text


NOTES = ["路口暴露垃圾", "核实属实", "符合立案条件", "已清理", "清理干净", "同意结案", "请尽快处理"]


def _walk_cases(client: Any, login: Any, make_user: Any, staff: dict[str, Any]) -> dict[str, int]:
    """Cases in several states, with histories: one closed, one with a department, one to verify."""
    headers = {role: login(user) for role, user in staff.items()}

    def report(role: str) -> dict[str, Any]:
        body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": NOTES[0]}
        r = client.post("/api/v1/cases", json=body, headers=headers[role])
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def act(case: dict[str, Any], role: str, action: str, note: str, **fields: Any) -> dict[str, Any]:
        if action in DEFAULT_PHOTO_REQUIRED:
            fields["attachment_ids"] = [upload_photo(client, headers[role])]
        body = {"action": action, "version": case["version"], "note": note, **fields}
        r = client.post(f"/api/v1/cases/{case['id']}/actions", json=body, headers=headers[role])
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    department = client.get("/api/v1/me", headers=headers["handler"]).json()["org_unit"]["id"]
    closed = report("citizen")
    closed = act(closed, "operator", "send_verify", NOTES[1], assignee_id=staff["supervisor"].id)
    closed = act(closed, "supervisor", "verify_ok", NOTES[1])
    closed = act(closed, "shift_leader", "file", NOTES[2])
    closed = act(closed, "dispatcher", "dispatch", NOTES[6], department_id=department)
    closed = act(closed, "handler", "accept", NOTES[6])
    closed = act(closed, "handler", "report_done", NOTES[3])
    closed = act(closed, "supervisor", "check_pass", NOTES[4])
    closed = act(closed, "shift_leader", "close", NOTES[5])
    disposing = report("supervisor")
    disposing = act(disposing, "shift_leader", "file", NOTES[2])
    disposing = act(disposing, "dispatcher", "dispatch", NOTES[6], department_id=department)
    disposing = act(disposing, "handler", "accept", NOTES[6])
    verifying = report("citizen")
    verifying = act(verifying, "operator", "send_verify", NOTES[1], assignee_id=staff["supervisor"].id)
    return {"closed": closed["id"], "disposing": disposing["id"], "verifying": verifying["id"]}


def _addresses(path: str, cases: dict[str, int], staff: dict[str, Any]) -> list[str]:
    if path == "/cases/{case_id}":
        return [f"/cases/{case_id}" for case_id in cases.values()]
    if path == "/field/tasks/{case_id}":
        return [f"/field/tasks/{cases['verifying']}"]
    if path == "/admin/users/{user_id}":
        return [f"/admin/users/{staff['handler'].id}"]
    if path == "/admin/classes/edit":
        return ["/admin/classes/edit?ref=GB/T 47678.5-2026:event:06010"]
    assert "{" not in path, f"{path}: name the values to open it with, or skip it with the reason"
    return [path]


def problems(html: str, lang: str, data: Data) -> list[str]:
    """What a person would stumble on in the page: the untranslated, the codes, the wrong language."""
    found = []
    for part in visible(html):
        for key in _KEY.findall(part):
            found.append(f"catalogue key {key!r} in {part!r}")
        if part in data.usernames:
            continue  # a username is the account's name as typed (admin lists)
        words = set(re.findall(r"[A-Za-z_]+", data.strip(part)))
        for code in sorted(words & SNAKE_CODES):
            found.append(f"code {code!r} in {part!r}")
        if lang == "zh":
            for code in sorted(words & CODES - SNAKE_CODES):
                found.append(f"code {code!r} in {part!r}")
        if lang == "en":
            rest = data.strip(part)
            for allowed in ALLOWED_HAN_EN:
                rest = rest.replace(allowed, "")
            if _HAN.search(rest):
                found.append(f"Chinese in {part!r}")
    return found


@pytest.fixture
def staff(make_user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    units = {"citizen": "110000", "handler": None}
    people = {role: make_user(role, units.get(role)) for role in ROLES}
    people["city_admin"] = make_user("admin", "110000")  # the city's pages (integrations, webhooks)
    return people


def test_every_page_speaks_the_persons_language(client, platform, login, make_user, staff) -> None:  # type: ignore[no-untyped-def]
    cases = _walk_cases(client, login, make_user, staff)
    data = Data(platform, NOTES + TEMPLATE_AREA_WORDS)
    paths = page_routes(client.app)
    assert {"/work", "/cases/{case_id}", "/field", "/dept", "/admin/users", "/portal", "/grid"} <= set(paths)
    failures: dict[str, str] = {}  # what, where → the first role that saw it
    opened: dict[str, set[str]] = {}
    for role in [None, *ROLES, "city_admin"]:
        client.cookies.clear()
        if role is not None:
            sign_in(client, staff[role])
        for path in paths:
            if path.startswith(PUBLIC) and role not in (None, "citizen"):
                continue
            for address in _addresses(path, cases, staff):
                for lang in ("zh", "en"):
                    client.cookies.set(i18n.COOKIE, lang)
                    r = client.get(address, follow_redirects=False)
                    if not 200 <= r.status_code < 500 or 300 <= r.status_code < 400:
                        continue
                    if not r.headers["content-type"].startswith("text/html"):
                        continue
                    if r.status_code == 200:  # a refusal's page is read too: it is in the language
                        opened.setdefault(path, set()).add(str(role))
                    for found in problems(r.text, lang, data):
                        failures.setdefault(f"{path} [{lang}]: {found}", str(role))
    report = [f"{where} (as {role})" for where, role in sorted(failures.items())]
    assert not report, f"{len(report)} problems:\n" + "\n".join(report[:150])
    unopened = set(paths) - set(opened)
    assert not unopened, f"pages no role could open: {sorted(unopened)}"


def test_the_check_finds_what_the_tester_found() -> None:
    """The checks above fail on the bugs of issue [8]: a raw code, a light titled red, an English
    label left in Chinese, a missing key."""
    data = Data.__new__(Data)
    data.names, data.usernames = ["东城区城管委"], set()
    assert problems("<dd>06010 暴露垃圾 (city_management)</dd>", "zh", data)
    assert problems("<dd>verify · 2026-11-16 13:59</dd>", "zh", data)
    assert problems('<span class="light red" title="red"></span>', "zh", data)
    assert problems("<option>normal</option>", "zh", data)
    assert problems("<b>send verify</b> → verifying", "zh", data)
    assert problems("<label>结案类型 <select></select></label>", "en", data)
    assert problems("<p>admin.sv.assigned</p>", "en", data)
    assert not problems("<dd>东城区城管委</dd><a>中文</a>", "en", data)
    assert not problems('<span class="light red" title="超时"></span> 派遣 · 13:59', "zh", data)
