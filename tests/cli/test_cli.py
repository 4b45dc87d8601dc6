"""The `gridcity` command as an administrator uses it: clear output, clear errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridcity.cli import app
from gridcity.services.demo import data_file

BEIJING = ("beijing",)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GRIDCITY_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    return invoke


def test_territory_grids_and_users_from_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade")[0] == 0
    code, out = run("import", "districts", str(data_file(*BEIJING, "beijing_districts_wgs84.geojson")))
    assert code == 0 and "16 districts imported" in out
    code, out = run("import", "streets", str(data_file(*BEIJING, "beijing_streets_townships_wgs84.geojson")))
    assert code == 0 and "343 streets imported" in out
    csv_path = data_file(*BEIJING, "beijing_towns_communities_adcode_2016.csv")
    code, out = run("import", "communities", str(csv_path), "--district", "110101")
    assert code == 0 and "communities" in out

    code, out = run(
        "grids", "generate", "--district", "110101", "--layer", "public_security", "--no-crosswalk"
    )
    assert code == 0
    first = int(out.split(" public_security grids generated")[0].split()[-1])
    assert first > 17  # more than one beat per street
    code, out = run(
        "grids", "generate", "--district", "110101", "--layer", "public_security", "--no-crosswalk"
    )
    assert code == 0 and f"{first} earlier ones superseded" in out  # a new version, the old one closed

    code, out = run("locate", "116.397", "39.918")
    assert code == 0 and "street 110101001" in out and "public_security: 110101001PS" in out

    code, out = run(
        "users", "add", "wang", "--role", "dispatcher", "--unit", "110101", "--password", "pw-1234"
    )
    assert code == 0 and "wang (dispatcher) added" in out
    code, out = run(
        "users", "add", "wang", "--role", "dispatcher", "--unit", "110101", "--password", "pw-1234"
    )
    assert code == 1 and "exists already" in out


def test_bad_input_gives_a_message_and_exit_code_1(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade")[0] == 0
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    code, out = run("import", "districts", str(broken))
    assert code == 1 and "error:" in out and "Traceback" not in out
    projected = tmp_path / "projected.geojson"
    square = [[[500000, 4400000], [500100, 4400000], [500100, 4400100], [500000, 4400000]]]
    projected.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"district_code": "110101", "name": "x"},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    code, out = run("import", "districts", str(projected))
    assert code == 1 and "feature 0" in out
    code, out = run("import", "districts", str(tmp_path / "missing.geojson"))
    assert code == 1 and "No such file" in out
    code, out = run("users", "add", "li", "--role", "wizard", "--unit", "110101", "--password", "pw-1234")
    assert code == 1 and "unknown role" in out
    code, out = run("grids", "generate", "--district", "110101")
    assert code == 1 and "import them first" in out
    code, out = run("locate", "116.397", "39.918")
    assert code == 1 and "outside the city" in out


def test_calendar_days_from_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    code, out = run("calendar", "show", "--year", "2027")
    assert code == 0 and "does not know 2027" in out
    code, out = run("calendar", "set", "2027-01-01", "--rest", "--note", "元旦")
    assert code == 0 and "rest day" in out
    code, out = run("calendar", "show", "--year", "2027")
    assert "2027-01-01  rest  元旦" in out
    code, out = run("calendar", "set", "2027-13-01", "--rest")
    assert code == 1 and "not a date" in out


def test_files_that_are_not_utf8_are_refused_clearly(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade")[0] == 0
    for name, command in (("gbk.geojson", "districts"), ("gbk.csv", "communities")):
        path = tmp_path / name
        path.write_bytes("名称,代码\n东城区,110101\n".encode("gbk"))
        code, out = run("import", command, str(path))
        assert code == 1 and "UTF-8" in out and "Traceback" not in out
