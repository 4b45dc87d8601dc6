"""`gridcity demo` on a fresh machine: the embedded SQLite default, built through the services."""

from __future__ import annotations

from pathlib import Path

import shapely
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from gridcity.app import create_app
from gridcity.cli import app
from gridcity.config import Settings
from gridcity.db.migrate import upgrade
from gridcity.db.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseRating,
    Component,
    Grid,
    OrgUnit,
    SupervisionEntry,
    case_cooperators,
)
from gridcity.domain.components import ground_distance_m, parse_component_code
from gridcity.domain.taxonomy import DEFAULT_PHOTO_REQUIRED
from gridcity.services import attachments, demo, rankings, rollups
from gridcity.services.platform import Platform
from gridcity.services.sweep import month_of, sweep


def test_demo_city_has_every_role_real_territory_and_cases_in_many_states(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    upgrade(settings.effective_database_url)
    platform = Platform(settings)
    with platform.sessions() as db:
        assert demo.build(platform, db, n_cases=400) == 400  # no demo step was refused by the rules
    assert demo.build_if_absent(platform, cases=400) is False  # a second start reuses the database

    with platform.sessions() as db:
        kinds = dict(db.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all())
        assert kinds["district"] == 16 and kinds["street"] == 343
        assert kinds["community"] > 200 and kinds["department"] > 100
        layers = dict(
            db.execute(
                select(Grid.layer, func.count()).where(Grid.valid_to.is_(None)).group_by(Grid.layer)
            ).all()
        )
        assert set(layers) == {"city_management", "social_service", "public_security"}
        assert layers["city_management"] > 5000
        grid_districts = set(db.scalars(select(Grid.district_code).distinct()))
        assert grid_districts == {"110101", "110102"}
        states = set(db.scalars(select(Case.state).distinct()))
        assert len(db.scalars(select(Case.id)).all()) == 400
    assert "closed" in states and len(states) >= 8  # a realistic mix, not one state
    _check_component_census(platform)
    _check_photo_evidence(platform)
    with platform.sessions() as db:  # 12345 calls among the public reports, their callers called back
        channels = dict(db.execute(select(Case.channel, func.count()).group_by(Case.channel)).all())
        assert channels["hotline"] > 0 and channels["citizen"] > 0 and channels["supervisor"] > 0
        callbacks = db.scalars(select(CaseRating.verdict).where(CaseRating.source == "callback")).all()
        assert len(callbacks) > 0 and set(callbacks) <= {"satisfied", "basically_satisfied", "dissatisfied"}
        assert rollups.differences(platform, db) == []

    # the sweep lists only departments' late disposals (and reworks), never the command centre's
    # own lateness ([7]): the pending reports are warned, not listed
    with platform.sessions() as db:
        report = sweep(platform, db)
        assert report.warnings["red"] > 0
        listed = db.execute(
            select(SupervisionEntry.stage, func.count()).group_by(SupervisionEntry.stage)
        ).all()
        month = month_of(platform.now(), platform.calendar(db))
    assert listed and {stage for stage, _ in listed} <= {"dispose", "rework"}

    with TestClient(create_app(platform=platform)) as client:
        for username, role, _unit in demo.DEMO_USERS:
            r = client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
            assert r.status_code == 200, username
            me = client.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
            ).json()
            assert me["role"] == role.value
        dispatcher = client.post(
            "/api/v1/auth/token", data={"username": "dispatcher", "password": "demo"}
        ).json()
        cases = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {dispatcher['access_token']}"})
        assert cases.json()["total"] > 100  # 东城区 staff see the 东城区 demo cases
        entries = client.get(
            f"/api/v1/supervision-list?period={month}",
            headers={"Authorization": f"Bearer {dispatcher['access_token']}"},
        ).json()["entries"]
        assert entries and all(e["stage"] in ("dispose", "rework") for e in entries)
        assert all(e["department"]["name"] and e["overdue_hours"] > 0 for e in entries)
        # the last ended month is published ([8]): a fresh demo's public rankings page shows it
        last_month = rankings.ended_months(platform, 1)[0]
        for kind in rankings.KINDS:
            assert client.get(f"/api/v1/rankings/{last_month}/{kind}").json()["version"] == 1
        public_page = client.get("/portal/rankings").text
        assert (
            f"<option selected>{last_month}</option>" in public_page and "还没有公布的排名" not in public_page
        )
    _check_department_accounts(platform, tmp_path)


def _check_department_accounts(platform: Platform, data_dir: Path) -> None:
    """A walk of any demo case needs the account of the department it goes to ([8]): every
    department the demo's cases went to (responsible or cooperating), and every other one, has a
    handler account `gridcity demo --accounts` lists and the README names the pattern of; each
    signs in with the password `demo` and sees its cases."""
    listed = {code: username for username, code, _name in demo.department_accounts(platform)}
    with platform.sessions() as db:
        departments = set(db.scalars(select(OrgUnit.code).where(OrgUnit.kind == "department")))
        sent_to = set(
            db.scalars(select(OrgUnit.code).join(Case, Case.department_id == OrgUnit.id).distinct())
        ) | set(
            db.scalars(
                select(OrgUnit.code)
                .join(case_cooperators, case_cooperators.c.department_id == OrgUnit.id)
                .distinct()
            )
        )
    assert "BJ-ZLS" in sent_to  # manhole reports go to 自来水集团 …
    assert listed["BJ-ZLS"] == "h-BJ-ZLS"  # … whose handler the README names
    assert sent_to <= set(listed) and set(listed) == departments
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "gridcity demo --accounts" in readme and "h-BJ-ZLS" in readme
    with TestClient(create_app(platform=platform)) as client:
        for code in sorted(sent_to):
            r = client.post("/api/v1/auth/token", data={"username": listed[code], "password": "demo"})
            assert r.status_code == 200, code
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            me = client.get("/api/v1/me", headers=headers).json()
            assert me["role"] == "handler"
            assert client.get("/api/v1/cases", headers=headers).json()["total"] > 0, code
    # the command line lists them from the demo's own database
    env = {"GRIDCITY_DATA_DIR": str(data_dir), "GRIDCITY_DATABASE_URL": None}
    result = CliRunner().invoke(app, ["demo", "--accounts"], env=env)
    assert result.exit_code == 0, result.output
    assert "h-BJ-ZLS" in result.output and "自来水集团" in result.output


def _check_component_census(platform: Platform) -> None:
    """The demo's component census of 东城区: at least 50,000 components of the common classes,
    every one with a valid code of its class, lying in the unit grid it names; mostly intact; and
    the demo's component reports linked to a component of their class near them."""
    with platform.sessions() as db:
        census = db.execute(
            select(
                Component.code,
                Component.class_code,
                Component.state,
                Component.grid_code,
                Component.district_code,
                Component.lon,
                Component.lat,
                Component.owner_unit_id,
            ).where(Component.valid_to.is_(None))
        ).all()
        grids = dict(
            db.execute(
                select(Grid.code, Grid.geom_wkb).where(
                    Grid.layer == "city_management", Grid.valid_to.is_(None), Grid.district_code == "110101"
                )
            ).all()
        )
        linked = db.execute(
            select(Case.class_code, Case.lon, Case.lat, Case.component_code).where(
                Case.kind == "component", Case.component_code.is_not(None)
            )
        ).all()
        component_cases = db.scalar(select(func.count()).select_from(Case).where(Case.kind == "component"))
    assert len(census) >= 50_000
    assert {c.district_code for c in census} == {"110101"}
    for c in census:
        code = parse_component_code(c.code)
        assert (code.district_code, code.class_code) == ("110101", c.class_code)
    assert len({c.class_code for c in census}) >= 15  # the common classes, not one
    assert all(c.owner_unit_id is not None for c in census)  # owned by a department of the platform
    assert all(c.grid_code in grids for c in census)
    polygons = {code: shapely.from_wkb(wkb) for code, wkb in grids.items()}
    inside = shapely.contains_xy(
        [polygons[c.grid_code] for c in census], [c.lon for c in census], [c.lat for c in census]
    )
    assert inside.all()  # the point lies in the unit grid it names
    states = {s: sum(1 for c in census if c.state == s) for s in ("intact", "damaged", "lost")}
    assert states["intact"] > 0.9 * len(census) and states["damaged"] > 0 and states["lost"] > 0

    assert component_cases and len(linked) >= 0.2 * component_cases  # many demo reports name a component
    where = {c.code: c for c in census}
    for case in linked:
        component = where[case.component_code]
        assert component.class_code == case.class_code
        assert ground_distance_m(case.lon, case.lat, component.lon, component.lat) <= 20


def _check_photo_evidence(platform: Platform) -> None:
    """Every demo 核实、核查 and 处置反馈 carries a photo (the class table's default), a real JPEG with
    the time and place its EXIF says; a few are flagged as a supervision centre would catch them."""
    with platform.sessions() as db:
        steps = db.scalars(select(CaseEvent).where(CaseEvent.action.in_(DEFAULT_PHOTO_REQUIRED))).all()
        assert len(steps) > 100
        assert all(e.attachments for e in steps)
        checks = [
            attachments.photo_check(platform, a, db.get(Case, e.case_id), e)  # type: ignore[arg-type]
            for e in steps
            for a in e.attachments
        ]
        with_exif = db.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.taken_at.is_not(None))
        )
    assert with_exif and with_exif > 0.9 * len(checks)
    assert sum(1 for c in checks if not c.flags) > 0.9 * len(
        checks
    )  # most taken at the scene, after the report
    flags = {f for c in checks for f in c.flags}
    assert flags == {"before_report", "far"}
    assert any(not c.has_facts for c in checks)  # a photo whose EXIF was stripped is still accepted
