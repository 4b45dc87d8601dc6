"""`gridcity registry import|assign|access-log` against the test city (both databases)."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gridcity.cli import app
from gridcity.db.models import RegistryPlace, RegistryResident
from gridcity.domain.registry import id_check_char
from gridcity.services.registry import records as reg


@pytest.fixture
def run(platform: Any, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    return invoke


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_import_places_and_residents_with_rejects(run, platform, db, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    places = _write(
        tmp_path / "places.csv",
        ["kind", "name", "address", "lon", "lat"],
        [
            ["house", f"甲{tag}", f"东华门{tag}-1", "116.4040", "39.9140"],
            ["house", f"乙{tag}", f"东华门{tag}-2", "116.4041", "39.9141"],
            ["castle", f"丙{tag}", "x", "116.4040", "39.9140"],
            ["shop", f"丁{tag}", "x", "100.0", "20.0"],
            ["shop", f"戊{tag}", "x", "east", "39.9"],
        ],
    )
    rejects = tmp_path / "places-rejects.csv"
    code, out = run("registry", "import", "places", str(places), "--rejects", str(rejects))
    assert code == 0, out
    assert "5 rows: 2 imported, 3 rejected" in out
    lines = _rows(rejects)
    assert [r["line"] for r in lines] == ["4", "5", "6"]
    assert (
        "place kind" in lines[0]["reason"]
        and "outside" in lines[1]["reason"]
        and "number" in lines[2]["reason"]
    )
    assert lines[0]["name"] == f"丙{tag}"  # the source row as it was
    # again: nothing is duplicated
    code, out = run("registry", "import", "places", str(places), "--rejects", str(rejects))
    assert code == 1 and "0 imported, 5 rejected" in out and "registered already" in out

    house = db.scalar(select(RegistryPlace).where(RegistryPlace.name == f"甲{tag}"))
    first = f"11010119500101{uuid.uuid4().int % 1000:03d}"
    good_id = first + id_check_char(first)
    residents = _write(
        tmp_path / "residents.csv",
        ["place_id", "household", "name", "relation", "id_number", "phone", "tags"],
        [
            [house.id, tag, f"周{tag}", "head", good_id, "13800138000", "elderly_alone;disability"],
            [
                house.id,
                tag,
                f"吴{tag}",
                "spouse",
                good_id[:-1] + ("0" if good_id[-1] != "0" else "1"),
                "",
                "",
            ],
            [house.id, tag, f"郑{tag}", "child", "", "123", ""],
            [house.id, tag, f"王{tag}", "child", good_id, "", ""],
        ],
    )
    code, out = run("registry", "import", "residents", str(residents))
    assert code == 0, out
    assert "4 rows: 1 imported, 3 rejected" in out
    default_rejects = residents.with_name("residents.csv.rejects.csv")
    reasons = [r["reason"] for r in _rows(default_rejects)]
    assert "check digit" in reasons[0] and "phone" in reasons[1] and "registered already" in reasons[2]
    stored = db.scalar(select(RegistryResident).where(RegistryResident.name == f"周{tag}"))
    assert stored.tags == ["elderly_alone", "disability"] and stored.phone_masked == "138****8000"
    assert good_id.encode() not in bytes(stored.id_number_enc)

    code, out = run("registry", "import", "people", str(residents))
    assert code == 1 and "unknown registry kind" in out
    code, out = run("registry", "import", "places", str(tmp_path / "missing.csv"))
    assert code == 1 and "no such file" in out


def test_assign_and_access_log(run, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    admin, worker = make_user("admin"), make_user("grid_worker")
    grid = reg.locate(platform, db, 116.4040, 39.9140).ss_grid_code
    code, out = run("registry", "assign", worker.username, grid)
    assert code == 0 and f"social_service grid {grid}" in out
    code, out = run("registry", "assign", worker.username, "nonsense")
    assert code == 1 and "no current social_service grid" in out
    house = reg.create_place(platform, db, admin, reg.PlaceInput("house", "h", "a", 116.4040, 39.9140))
    household = reg.create_household(platform, db, admin, house.id)
    resident = reg.add_resident(
        platform, db, admin, reg.ResidentInput(household.id, "某人", phone="13700137000")
    )
    reason = f"回访-{uuid.uuid4().hex[:6]}"
    reg.read_resident(platform, db, worker, resident.id, unmask=True, reason=reason)
    code, out = run("registry", "access-log", "--user", worker.username)
    assert code == 0 and reason in out and f"resident {resident.id}" in out
