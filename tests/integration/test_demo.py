"""`gridcity demo` on a fresh machine: the embedded SQLite default, built through the services."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.migrate import upgrade
from gridcity.db.models import Case, Grid, OrgUnit
from gridcity.services import demo
from gridcity.services.platform import Platform


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
