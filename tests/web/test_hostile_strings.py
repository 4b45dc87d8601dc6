"""Output safety over the server's own output: hostile strings typed into every editable field
(tests/hostile.py) come out of every page as escaped text and out of every CSV and XLSX export as
text a spreadsheet program never runs (docs/security.md, "Output safety")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from tests.hostile import ESCAPED, FORMULA, FORMULAS, HOSTILE, MARKUP, PASSWORD, Planted, plant
from tests.web.test_pages import sign_in

from gridcity.app import create_app
from gridcity.db.models import Case, OrgUnit
from gridcity.domain.assessment import parse_period
from gridcity.domain.errors import Invalid
from gridcity.services import classes, departments, evaluation, integrations, webhooks
from gridcity.services.platform import Platform
from gridcity.services.registry import records as reg

# (who, path, shows): the pages each person opens; `shows` — the page shows a hostile string
# (escaped), so that the test cannot pass on a page that never had one
PAGES: list[tuple[str, str, bool]] = [
    ("anonymous", "/portal", False),
    ("anonymous", "/portal/classes", True),
    ("anonymous", "/track?number={reported_number}", True),
    ("citizen", "/portal", True),
    ("supervisor", "/field", True),
    ("supervisor", "/field/tasks", False),
    ("operator", "/work", True),
    ("operator", "/work?queue=all", True),
    ("operator", "/cases/{reported}", True),
    ("operator", "/cases/{disposing}", True),
    ("operator", "/map", False),
    ("operator", "/dashboard", False),
    ("shift_leader", "/wall", False),
    ("dispatcher", "/work?queue=dispatch", False),
    ("handler", "/dept?tab=disposing", True),
    ("handler", "/cases/{disposing}", True),
    ("leader", "/dashboard", False),
    ("admin", "/admin", False),
    ("admin", "/admin/territory", False),
    ("admin", "/admin/supervisors", True),
    ("admin", "/admin/classes?q=06010", True),
    ("admin", "/admin/classes/edit?ref={class_ref}", True),
    ("admin", "/admin/departments?q={department}", True),
    ("admin", "/admin/users", True),
    ("admin", "/admin/users/{operator_id}", True),
    ("admin", "/admin/webhooks", False),
    ("admin", "/admin/integrations", True),
    ("admin", "/registry/access-log", False),
    ("grid_worker", "/grid", True),
    ("police", "/police", True),
]
# what must never appear raw in a page: markup that came from data
RAW = ("<img src=x", "<script>alert", "</script><script>", 'href="javascript:')


@pytest.fixture(scope="module")
def planted(city_platform: Platform) -> Planted:
    return plant(city_platform)


@pytest.fixture(scope="module")
def clients(city_platform: Platform, planted: Planted) -> Iterator[Any]:
    """One signed-in client per person (anonymous: none)."""
    app = create_app(platform=city_platform)
    made: dict[str, TestClient] = {}

    def get(who: str) -> TestClient:
        if who not in made:
            made[who] = TestClient(app).__enter__()
            if who != "anonymous":
                sign_in(made[who], planted.people[who], PASSWORD)
        return made[who]

    yield get
    for client in made.values():
        client.__exit__(None, None, None)


def _fill(path: str, platform: Platform, planted: Planted) -> str:
    with platform.sessions() as db:
        number = platform.case_number(db.get(Case, planted.reported))
    return path.format(
        reported=planted.reported,
        disposing=planted.disposing,
        reported_number=number,
        class_ref=planted.class_ref,
        operator_id=planted.people["operator"].id,
        department=planted.department,
    )


@pytest.mark.parametrize(("who", "path", "shows"), PAGES, ids=[f"{w}:{p}" for w, p, _ in PAGES])
def test_pages_show_hostile_strings_as_text(who, path, shows, clients, planted, city_platform) -> None:  # type: ignore[no-untyped-def]
    page = clients(who).get(_fill(path, city_platform, planted))
    assert page.status_code == 200, page.text[:500]
    html = page.text
    leaked = [raw for raw in RAW if raw in html]
    assert not leaked, f"{path} ({who}) carries markup from data: {leaked}"
    if shows:
        assert ESCAPED in html, f"{path} ({who}) does not show the hostile string"


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


def _quoted(text: str) -> str:
    return "'" + text


def _stored(platform: Platform, planted: Planted) -> list[tuple[int, str, str]]:
    """(id, description, address) of the formula cases as stored (intake trims the ends, so a
    leading tab or CR leaves the formula behind it first)."""
    with platform.sessions() as db:
        found = [(i, db.get(Case, i)) for i in planted.formula_cases]
        return [(i, c.description, c.address) for i, c in found if c is not None]


def test_every_csv_export_neutralises_formula_cells(clients, planted, city_platform) -> None:  # type: ignore[no-untyped-def]
    leader, admin = clients("leader"), clients("admin")
    # the case export: each formula-leading description and address behind a quote
    rows = _csv(leader.get("/api/v1/export/cases.csv"))
    header, body = rows[0], rows[1:]
    by_id = {int(r[header.index("id")]): r for r in body}
    stored = _stored(city_platform, planted)
    assert len(stored) == len(FORMULAS)
    for case_id, description, address in stored:
        row = by_id[case_id]
        assert row[header.index("description")] == _quoted(description)
        assert row[header.index("address")] == _quoted(address)
        assert float(row[header.index("lon")]) > 116  # numbers are written as numbers
    assert by_id[planted.reported][header.index("description")] == _quoted(FORMULA + HOSTILE)
    assert by_id[planted.disposing][header.index("department_name")] == HOSTILE  # not formula-leading

    # the class renamed to a formula: every list's CSV that carries a class name
    renamed = {"name": FORMULA + "x"}
    with city_platform.sessions() as db:
        classes.patch_class(city_platform, db, planted.people["admin"], "06010", "GB/T 47678.5-2026", renamed)
    try:
        admin_classes = _csv(admin.get("/admin/classes.csv", params={"q": "06010"}))
        assert _quoted(FORMULA + "x") in admin_classes[1]
        public_classes = _csv(clients("anonymous").get("/portal/classes.csv"))
        assert any(_quoted(FORMULA + "x") in row for row in public_classes)
    finally:
        with city_platform.sessions() as db:
            classes.patch_class(
                city_platform, db, planted.people["admin"], "06010", "GB/T 47678.5-2026", {"name": HOSTILE}
            )
    # a queue's CSV: the case's class name as it was reported (markup, not a formula), unchanged
    queue = _csv(clients("operator").get("/work.csv", params={"queue": "all"}))
    assert any(HOSTILE in row for row in queue[1:])
    departments = _csv(admin.get("/admin/departments.csv"))
    assert any(HOSTILE in row for row in departments[1:])
    # the registry's export of residents (a service the API and the command line share)
    with city_platform.sessions() as db:
        text, _ = reg.export_residents_csv(
            city_platform, db, planted.people["admin"], reg.ResidentFilter(), "安全检查"
        )
    names = [row[3] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]
    assert "'@SUM(A1)" in names and HOSTILE[:40] in names


def test_the_xlsx_export_writes_formula_text_as_text_and_numbers_as_numbers(
    clients, planted, city_platform
) -> None:  # type: ignore[no-untyped-def]
    book = clients("leader").get("/api/v1/export/cases.xlsx")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content))["cases"]
    header = [c.value for c in sheet[1]]
    rows = {row[header.index("id")].value: row for row in sheet.iter_rows(min_row=2)}
    for case_id, *texts in _stored(city_platform, planted):
        row = rows[case_id]
        for column, text in zip(("description", "address"), texts, strict=True):
            cell = row[header.index(column)]
            # (an XML reader takes a carriage return for a line feed: the sheet's text is the same)
            shown = text.replace("\r", "\n")
            assert cell.data_type == "s" and cell.value == shown, (column, text, cell.data_type, cell.value)
            assert cell.quotePrefix  # stays text when someone edits the cell
        assert row[header.index("lon")].data_type == "n" and isinstance(row[header.index("lon")].value, float)
        assert row[header.index("id")].data_type == "n"


def test_the_evaluation_workbook_keeps_formula_names_as_text(
    city_platform: Platform, planted: Planted
) -> None:
    admin = planted.people["admin"]
    with city_platform.sessions() as db:
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == planted.department))
        assert unit is not None
        departments.rename_department(city_platform, db, admin, unit.id, FORMULA)
        try:
            period = parse_period(city_platform.now().strftime("%Y-%m"), city_platform.settings.timezone)
            result = evaluation.evaluate(city_platform, db, None, period, "department")
        finally:
            departments.rename_department(city_platform, db, admin, unit.id, HOSTILE)
    sheet = load_workbook(io.BytesIO(evaluation.workbook([result]))).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    numbers = [c for row in sheet.iter_rows(min_row=5) for c in row if isinstance(c.value, (int, float))]
    assert numbers and all(c.data_type == "n" for c in numbers)


def test_webhook_and_integration_names_refuse_markup(city_platform: Platform, planted: Planted) -> None:
    admin = planted.people["admin"]
    with city_platform.sessions() as db, pytest.raises(Invalid):
        webhooks.add_subscription(
            city_platform, db, HOSTILE, "https://example.org/hook", ["case.created"], actor=admin
        )
    with city_platform.sessions() as db, pytest.raises(Invalid):
        integrations.issue_integration(city_platform, db, MARKUP, planted.department, actor=admin)
