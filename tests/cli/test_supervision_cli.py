"""`gridcity supervisors assign|unassign|list` and `gridcity patrol prune` against the test city
(both databases): the admin's plan in, clear refusals out, the worker's pruning job."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gridcity.cli import app
from gridcity.db.models import Grid, PatrolPoint
from gridcity.services import patrol
from gridcity.worker import default_jobs


@pytest.fixture
def run(platform: Any, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    return invoke


def street_grids(db, street: str, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    stmt = (
        select(Grid.code)
        .where(Grid.layer == "city_management", Grid.street_code == street, Grid.valid_to.is_(None))
        .order_by(Grid.code.desc())
        .limit(n)
    )
    return list(db.scalars(stmt))


@pytest.mark.own_city
def test_assign_a_plan_move_unassign_and_list(run, db, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    zhao, qian = make_user("supervisor", "110101001"), make_user("supervisor", "110101001")
    a, b, c = street_grids(db, "110101001", 3)
    elsewhere = street_grids(db, "110101002", 1)[0]

    code, out = run("supervisors", "assign", zhao.username, a, b)
    assert code == 0 and f"{zhao.username}: 2 added, 0 moved, 0 held already" in out
    plan = tmp_path / "plan.csv"
    plan.write_text(f"username,grid_code\n{qian.username},{b}\n{qian.username},{c}\n", encoding="utf-8")
    code, out = run("supervisors", "assign", "--file", str(plan))
    assert code == 0 and f"{qian.username}: 1 added, 1 moved, 0 held already; {b} from {zhao.username}" in out

    code, out = run("supervisors", "list", "--area", "110101001")
    assert code == 0 and "3 grids assigned" in out
    lines = [line.split("\t")[:2] for line in out.splitlines() if "\t" in line]
    assert sorted(lines) == sorted([[a, zhao.username], [b, qian.username], [c, qian.username]])

    # refusals: a clear message, exit code 1, nothing written
    for args, message in (
        (("supervisors", "assign", zhao.username, elsewhere), "lies outside"),
        (("supervisors", "assign", "no-such-user", a), "no user"),
        (("supervisors", "assign", zhao.username), "give a supervisor and grid codes"),
        (("supervisors", "assign", "--file", str(tmp_path / "missing.csv")), "no such file"),
    ):
        code, out = run(*args)
        assert code == 1 and message in out and "Traceback" not in out, (args, out)
    bad = tmp_path / "bad.csv"
    bad.write_text("who,where\nx,y\n", encoding="utf-8")
    code, out = run("supervisors", "assign", "--file", str(bad))
    assert code == 1 and "username and grid_code" in out

    code, out = run("supervisors", "unassign", c, elsewhere)
    assert code == 0 and f"1 grids unassigned: {c}" in out
    code, out = run("supervisors", "list", "--username", qian.username)
    assert code == 0 and "1 grids assigned" in out


def test_prune_from_the_command_line_and_the_worker(run, platform, db, clock, make_user) -> None:  # type: ignore[no-untyped-def]
    code, out = run("patrol", "prune")  # at the real time
    assert code == 0 and "patrol points older than 90 days deleted" in out

    supervisor = make_user("supervisor")
    patrol.set_duty(platform, db, supervisor, True)
    taken = clock.t
    patrol.record_points(platform, db, supervisor, [patrol.PointIn(taken, 116.404, 39.914)])
    clock.advance(minutes=1)
    patrol.record_points(platform, db, supervisor, [patrol.PointIn(clock.t, 116.404, 39.914)])

    clock.set(taken + timedelta(days=90, seconds=30))
    [job] = [j for j in default_jobs(60.0) if j.name == "patrol-prune"]
    assert job.run(platform, threading.Event()) == "1 patrol points pruned"
    left = db.scalars(select(PatrolPoint.at).where(PatrolPoint.user_id == supervisor.id)).all()
    assert left == [taken + timedelta(minutes=1)]
