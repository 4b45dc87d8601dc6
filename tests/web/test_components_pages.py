"""The component page (部件) as staff use it: its attributes, version history and the cases about
it that the reader may see; the link from the case page; the console map's component layer; the
field report naming the component it is about. Both databases.

The test city's database is shared by a worker's tests: these use their own class (街头座椅 04007),
sequence numbers and spot of 东城区 (北新桥, away from the other component tests' spots)."""

from __future__ import annotations

import csv
import re
from itertools import count
from pathlib import Path

from sqlalchemy import select
from tests.integration.test_components import _offset
from tests.web.test_field import report_form, send
from tests.web.test_pages import sign_in

from gridcity.db.models import Case, OrgUnit
from gridcity.services.components import records as components

BENCH = "04007"  # 街头座椅, owned by the district's 园林 department
SPOT = (116.4250, 39.9320)
_seq = count(700_001)
HEADER = [
    "管理部件标识码",
    "管理部件名称",
    "主管部门名称",
    "管理部件状态",
    "初始日期",
    "数据来源",
    "经度",
    "纬度",
]


def _census(platform, db, tmp_path: Path, points: list[tuple[float, float]]) -> list[str]:  # type: ignore[no-untyped-def]
    owner = db.scalar(select(OrgUnit.name).where(OrgUnit.code == "110101-YL"))
    codes = [f"110101{BENCH}{next(_seq):06d}" for _ in points]
    path = tmp_path / f"benches-{codes[0]}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for code, (lon, lat) in zip(codes, points, strict=True):
            writer.writerow([code, "街头座椅", owner, "完好", "20250310", "实测", f"{lon:.7f}", f"{lat:.7f}"])
    run = components.import_components(platform, db, path)
    assert run.created == len(codes), run.reasons
    return codes


def _table(html: str, css_class: str) -> list[str]:
    """The body rows of the page's table of that class, as text without tags."""
    found = re.search(rf'<table class="cases {css_class}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert found, f"no table {css_class}"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]


def test_the_component_page_shows_attributes_history_and_the_cases_the_reader_may_see(
    platform, db, client, make_user, login, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    lon, lat = _offset(*SPOT, 0, 40)
    (code,) = _census(platform, db, tmp_path, [(lon, lat)])
    supervisor = make_user("supervisor")
    made = client.post(
        "/api/v1/cases",
        json={"class_code": BENCH, "kind": "component", "lon": lon + 0.00003, "lat": lat},
        headers=login(supervisor),
    )
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["component_code"] == code  # the nearest bench, about 2.5 m away
    changed = client.patch(
        f"/api/v1/components/{code}",
        json={"state": "破损", "note": "座椅扶手断裂"},
        headers=login(make_user("admin")),
    )
    assert changed.status_code == 200, changed.text

    sign_in(client, supervisor)
    page = client.get(f"/components/{code}")
    assert page.status_code == 200
    html = page.text
    assert f"<title>部件 {code}" in html
    assert "街头座椅" in html and "破损" in html and "座椅扶手断裂" in html
    assert "园林" in html  # the owner department (主管部门)
    assert "2025-03-10" in html and "实测" in html  # initial date, source
    assert 'id="component-map"' in html and 'data-state="damaged"' in html
    history = _table(html, "component-history")
    assert len(history) == 2
    assert history[0].startswith("2 破损") and history[0].endswith(
        changed.json()["history"][1]["recorded_by"]
    )
    assert history[1].startswith("1 完好") and history[1].endswith(".csv")  # recorded by the import
    cases = _table(html, "component-cases")
    assert len(cases) == 1 and case["number"] in cases[0]
    assert f'href="/cases/{case["id"]}"' in html

    # the case page links to the component
    case_page = client.get(f"/cases/{case['id']}")
    assert f'href="/components/{code}"' in case_page.text

    # a department that was not given the case sees the component, not the case
    sign_in(client, make_user("handler"))
    other = client.get(f"/components/{code}")
    assert other.status_code == 200 and "街头座椅" in other.text
    assert 'class="cases component-cases"' not in other.text
    assert "没有您可查看的相关案件" in other.text and case["number"] not in other.text

    # in English
    client.cookies.set("gridcity_lang", "en")
    english = client.get(f"/components/{code}")
    assert "Version history" in english.text and "damaged" in english.text
    client.cookies.delete("gridcity_lang")


def test_unknown_and_malformed_codes_are_told_not_500(platform, client, make_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/components/11010104007000001", follow_redirects=False).status_code == 303  # sign in
    sign_in(client, make_user("dispatcher"))
    missing = client.get("/components/11010104007999999")
    assert missing.status_code == 404 and "找不到部件 11010104007999999" in missing.text
    assert '<p class="error" role="alert">' in missing.text
    malformed = client.get("/components/manhole-7")
    assert malformed.status_code == 422 and "应为 16 位数字" in malformed.text
    zero = client.get("/components/11010104007000000")
    assert zero.status_code == 422 and "流水号从 000001 开始" in zero.text


def test_the_console_map_offers_the_component_layer(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("dispatcher"))
    page = client.get("/map")
    assert page.status_code == 200
    assert 'id="map-components"' in page.text and "/static/js/map_components.js" in page.text
    assert 'data-component-zoom="17"' in page.text and "放大地图以显示部件" in page.text
    assert "完好" in page.text and "丢失" in page.text  # the legend of the states
    script = client.get("/static/js/map_components.js")
    assert script.status_code == 200 and "/api/v1/components.geojson" in script.text


def test_a_field_report_names_the_component_the_supervisor_picked(
    platform, db, client, make_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    here = _offset(*SPOT, 0, -150)
    near, far = _census(platform, db, tmp_path, [_offset(*here, 3, 0), _offset(*here, -18, 0)])
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    ref = f"GB/T 47678.5-2026:component:{BENCH}"
    page = client.get("/field/report")
    assert 'id="component-choice"' in page.text and "所报部件" in page.text

    picked = send(client, report_form(client, ref, here, component_code=far))
    assert picked.status_code == 201, picked.text
    assert picked.json()["component_code"] == far  # the one the supervisor chose, not the nearest
    default = send(client, report_form(client, ref, here))
    assert default.json()["component_code"] == near  # none chosen: the nearest of the class
    wrong = send(client, report_form(client, ref, here, component_code="11010104007999998"))
    assert wrong.status_code == 404 and "找不到部件 11010104007999998" in wrong.json()["detail"]
    db.expire_all()
    linked = db.scalars(select(Case.component_code).where(Case.reporter_id == supervisor.id)).all()
    assert sorted(linked) == sorted([near, far])
