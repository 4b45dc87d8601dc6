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

    add_wang = ("users", "add", "wang", "--role", "dispatcher", "--unit", "110101", "--password")
    code, out = run(*add_wang, "pw-1234")  # the password policy: too short …
    assert code == 1 and "at least 10 characters" in out
    code, out = run(*add_wang, "1qaz2wsx3edc")  # … one of the common passwords …
    assert code == 1 and "most common passwords" in out
    code, out = run(*add_wang, "wang-at-work")  # … the username in it
    assert code == 1 and "contain the username" in out
    code, out = run(*add_wang, "kestrel-over-dongsi")
    assert code == 0 and "wang (dispatcher) added" in out
    code, out = run(*add_wang, "kestrel-over-dongsi")
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
    code, out = run(
        "users", "add", "li", "--role", "wizard", "--unit", "110101", "--password", "kestrel-over-dongsi"
    )
    assert code == 1 and "unknown role" in out
    code, out = run("grids", "generate", "--district", "110101")
    assert code == 1 and "import them first" in out
    code, out = run("locate", "116.397", "39.918")
    assert code == 1 and "outside the city" in out


def test_calendar_days_from_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    code, out = run("calendar", "show", "--year", "2027")
    assert code == 0 and "does not know 2027" in out
    assert "2027-01-01  rest  computed  元旦" in out and "2027-02-05  rest  computed  春节" in out
    code, out = run("calendar", "set", "2027-01-01", "--rest", "--note", "元旦")
    assert code == 0 and "rest day" in out
    code, out = run("calendar", "show", "--year", "2027")
    assert "2027-01-01  rest  city      元旦" in out
    code, out = run("calendar", "set", "2027-13-01", "--rest")
    assert code == 1 and "not a date" in out
    # the computed holidays confirmed at once (元旦 set by hand above stays as it is)
    code, out = run("calendar", "confirm", "--year", "2027")
    assert code == 0 and "2027-02-05  rest  confirmed" in out and "2027-01-01" not in out
    code, out = run("calendar", "show", "--year", "2027")
    assert "computed" not in out and "2027-02-05  rest  city      春节（法定节假日，已确认）" in out
    code, out = run("calendar", "confirm", "--year", "2026")
    assert code == 1 and "knows 2026" in out


def test_files_that_are_not_utf8_are_refused_clearly(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade")[0] == 0
    for name, command in (("gbk.geojson", "districts"), ("gbk.csv", "communities")):
        path = tmp_path / name
        path.write_bytes("名称,代码\n东城区,110101\n".encode("gbk"))
        code, out = run("import", command, str(path))
        assert code == 1 and "UTF-8" in out and "Traceback" not in out


# --- the deadline sweep and the worker ---------------------------------------------------------


def _overdue_case(data_dir: Path, days_ago: int) -> int:
    """A small city (Beijing's districts and streets, the classes, 东城区's departments) and one
    case of exposed garbage dispatched `days_ago` days ago, made through the services."""
    from datetime import timedelta

    from gridcity.config import Settings
    from gridcity.db.models import utcnow
    from gridcity.services import cases, classes, departments, territory, users
    from gridcity.services.platform import Platform

    platform = Platform(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    platform.now = lambda: utcnow() - timedelta(days=days_ago)
    try:
        with platform.sessions() as db:
            territory.import_districts(platform, db, data_file(*BEIJING, "beijing_districts_wgs84.geojson"))
            territory.import_streets(
                platform, db, data_file(*BEIJING, "beijing_streets_townships_wgs84.geojson")
            )
            classes.seed_catalogue(platform, db)
            departments.instantiate(platform, db, ("110101",))
            people = {
                role: users.add_user(db, role, "pw-12345678", role, unit, policy=None)
                for role, unit in (
                    ("supervisor", "110101"),
                    ("shift_leader", "110101"),
                    ("dispatcher", "110101"),
                    ("handler", "110101-CGW"),
                )
            }
            report = cases.Report("06010", 116.4040, 39.9140, kind="event", standard="GB/T 47678.5-2026")
            case, _ = cases.report_case(platform, db, people["supervisor"], report)
            for role, action, fields in (
                ("shift_leader", "file", {}),
                ("dispatcher", "dispatch", {"department_id": people["handler"].org_unit_id}),
            ):
                version = cases.get_case(db, people[role], case.id).version
                request = cases.ActionRequest(action, version, fields=fields)
                cases.transition(platform, db, people[role], case.id, request)
            return int(case.id)
    finally:
        platform.engine.dispose()


def test_sweep_from_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    assert run("db", "upgrade")[0] == 0
    code, out = run("sweep")
    assert code == 0 and "0 cases looked at" in out and "escalations: street 街道平台 0" in out
    _overdue_case(tmp_path / "data", days_ago=30)  # four working hours to clean up, a month ago
    code, out = run("sweep")
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    assert code == 0, out
    assert "warnings: yellow 0, red 1" in out
    assert "escalations: street 街道平台 1, district 区平台 1, city 市平台 1" in out
    assert f"supervision list 月检查 {month}: 1 added, 0 carried over" in out
    code, out = run("sweep")  # again: nothing twice
    assert code == 0 and "warnings: yellow 0, red 0" in out and "city 市平台 0" in out
    assert f"{month}: 0 added" in out


def test_a_wrong_escalation_setting_stops_the_command_with_a_clear_message(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_ESCALATION_STEPS", '["0 minutes", "1 weeks", "3 work_days"]')
    code, out = run("sweep")
    assert code == 1 and "Traceback" not in out
    assert "unknown time unit 'weeks'" in out and "GRIDCITY_ESCALATION_STEPS" in out
    monkeypatch.setenv("GRIDCITY_ESCALATION_STEPS", '["0 minutes"]')
    code, out = run("worker", "--max-passes", "1")
    assert code == 1 and "give 3 durations (street, district, city)" in out


def test_the_worker_sweeps_each_interval_and_stops_on_sigterm(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "GRIDCITY_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    env.pop("GRIDCITY_DATABASE_URL", None)
    command = [sys.executable, "-c", "from gridcity.cli import main; main()", "worker", "--interval", "1"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        assert worker.stdout is not None
        while len([line for line in lines if "cases looked at" in line]) < 2:  # two passes, a second apart
            line = worker.stdout.readline()
            assert line, "".join(lines)  # the worker must not end by itself
            lines.append(line)
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, rest
    assert "cases looked at" in json.loads(lines[-1])["message"]  # a JSON log line (observability.logs)
    assert "gridcity worker stopped after" in rest and "(0 failed)" in rest


def test_evaluate_prints_the_tables_and_writes_a_readable_xlsx(  # type: ignore[no-untyped-def]
    platform, db, make_user, clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from openpyxl import load_workbook

    from gridcity.services import cases

    # two cases in August 2026 (no other test makes cases then), one filed and one only reported
    clock.set(datetime(2026, 8, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    supervisor, leader = make_user("supervisor"), make_user("shift_leader")
    report = cases.Report(class_code="06010", kind="event", lon=116.4040, lat=39.9140)
    filed, _ = cases.report_case(platform, db, supervisor, report)
    cases.transition(platform, db, leader, filed.id, cases.ActionRequest("file", filed.version, "ok"))
    cases.report_case(platform, db, supervisor, report)

    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    runner = CliRunner()
    book = tmp_path / "march.xlsx"
    args = ["evaluate", "--period", "2026-08", "--kind", "region", "--level", "district", "--xlsx", str(book)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "绩效评价 2026-08" in out and "东城区" in out and "海淀区" in out
    assert "结案率" in out and "按期结案率" in out and "综合" in out and "等级" in out
    assert f"written: {book} (1 sheet)" in out

    sheet = load_workbook(book)["区 District"]
    assert sheet["A1"].value == "绩效评价 2026-08 区 District"
    header = [cell.value for cell in sheet[4]]
    assert header[:4] == ["排名 rank", "组 group", "代码 code", "名称 name"]
    lines = sheet.iter_rows(min_row=5, values_only=True)
    rows = {line[2]: dict(zip(header, line, strict=True)) for line in lines}
    assert len(rows) == 16
    dongcheng = rows["110101"]
    assert dongcheng["名称 name"] == "东城区" and dongcheng["组 group"] == "首都功能核心区"
    # the command judges at the real time, months after August: the filed case's 30 minutes to be
    # dispatched passed long ago, so it is due (应结案) and not closed; the other was never filed
    assert dongcheng["立案数 分子"] == 1
    assert (dongcheng["结案率 分子"], dongcheng["结案率 分母"], dongcheng["结案率 (%)"]) == (0, 1, 0)
    assert rows["110108"]["结案率 (%)"] is None and rows["110108"]["等级 grade"] is None  # 海淀区: no cases

    # without --kind: every table (districts, streets, departments, the four posts)
    result = runner.invoke(app, ["evaluate", "--period", "2026-08"])
    assert result.exit_code == 0, result.output
    titles = ("区 District", "街道 Street", "专业部门 Department", "监督员", "受理员", "值班长", "派遣员")
    for title in titles:
        assert title in result.output, title

    for bad, message in (
        (["--period", "2026-13"], "not a month"),
        (["--period", "2026-08", "--kind", "people"], "unknown kind"),
        (["--period", "2026-08", "--kind", "post", "--level", "district"], "unknown post"),
    ):
        result = runner.invoke(app, ["evaluate", *bad])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_a_wrong_assessment_configuration_stops_the_command_with_its_key(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = tmp_path / "assessment.toml"
    city.write_text(
        "[region]\nweights = { closure_rate = 50, on_time_closure_rate = 40 }\n", encoding="utf-8"
    )
    monkeypatch.setenv("GRIDCITY_ASSESSMENT_CONFIG", str(city))
    code, out = run("evaluate", "--period", "2026-08")
    assert code == 1 and "Traceback" not in out
    assert "region.weights: the weights sum to 90, not 100" in out and "GRIDCITY_ASSESSMENT_CONFIG" in out
    city.write_text(
        "[region]\nweights = { closure_rate = 60, on_time_closure_rate = 40 }\n", encoding="utf-8"
    )
    assert run("db", "upgrade")[0] == 0
    code, out = run("evaluate", "--period", "2026-08", "--kind", "region")
    assert code == 0 and "no rows in this area" in out  # an empty city: no districts imported


def test_rankings_publish_and_show(platform, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # May 2025: no other test makes cases or publishes rankings then; the command runs at the real time
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    runner = CliRunner()
    result = runner.invoke(app, ["rankings", "publish", "--period", "2025-05", "--kind", "street"])
    assert result.exit_code == 0, result.output
    assert "published: street ranking of 2025-05, version 1" in result.output

    result = runner.invoke(app, ["rankings", "publish", "--period", "2025-05", "--kind", "street"])
    assert result.exit_code == 1 and "give the reason" in result.output
    args = ["rankings", "publish", "--period", "2025-05", "--kind", "street", "--reason", "街道名称更正"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "version 2" in result.output, result.output

    result = runner.invoke(app, ["rankings", "show", "--period", "2025-05", "--kind", "street"])
    assert result.exit_code == 0, result.output
    assert "第 2/2 版" in result.output and "已更正 corrected: 街道名称更正" in result.output
    assert "东华门街道" in result.output and "综合 composite" in result.output
    result = runner.invoke(
        app, ["rankings", "show", "--period", "2025-05", "--kind", "street", "--version", "1"]
    )
    assert result.exit_code == 0 and "第 1/2 版" in result.output and "已更正" not in result.output

    for bad, message in (
        (["publish", "--period", "2099-01"], "has not ended"),
        (["publish", "--period", "2025-5"], "not a month"),
        (["publish", "--period", "2025-05", "--kind", "grid"], "kind of ranking"),
        (["show", "--period", "2025-04", "--kind", "department"], "not published"),
    ):
        result = runner.invoke(app, ["rankings", *bad])
        assert result.exit_code == 1 and message in result.output, (bad, result.output)


def test_sign_in_locks_listed_and_lifted_from_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gridcity.config import Settings
    from gridcity.services import signin_guard
    from gridcity.services.platform import Platform

    assert run("db", "upgrade")[0] == 0
    code, out = run("users", "locks")
    assert code == 0 and "no username is locked now" in out
    platform = Platform(Settings(data_dir=tmp_path / "data", _env_file=None))  # type: ignore[call-arg]
    with platform.sessions() as db:
        for _ in range(platform.settings.signin_lock_after):
            signin_guard.failed(platform, db, "zhang", "192.0.2.5", None)
    platform.engine.dispose()
    code, out = run("users", "locks")
    assert code == 0 and "locked\tzhang\tuntil" in out and "\tlock\tzhang\tsystem\t" in out
    code, out = run("users", "unlock", "zhang")
    assert code == 2 and "--reason" in out  # the reason is required
    code, out = run("users", "unlock", "zhang", "--reason", "called the help desk")
    assert code == 0 and "zhang unlocked" in out
    code, out = run("users", "unlock", "zhang", "--reason", "again")
    assert code == 1 and "is not locked" in out
    code, out = run("users", "locks")
    assert "\tunlock\tzhang\tcommand line\tcalled the help desk" in out and "locked\tzhang" not in out
