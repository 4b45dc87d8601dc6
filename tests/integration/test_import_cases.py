"""Bulk import of hotline cases through a column mapping: located and routed like any case, rejects
with their reasons, re-runs that never duplicate, whole batches only when a run fails, and the
assessment's rollups in step (`rollups.differences` finds nothing).

The cases here are closed historic ones in 2019 (no other test uses that year): an open imported
case keeps a running clock, which the deadline sweep of other tests sharing this database would act
on. Open cases are imported in the San Francisco test, on a database of its own."""

from __future__ import annotations

import csv
import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from tests.conftest import BACKENDS, _postgres_url
from typer.testing import CliRunner

from gridcity.cli import app
from gridcity.config import Settings
from gridcity.db.migrate import upgrade
from gridcity.db.models import Case, CaseEvent
from gridcity.domain.assessment import month_period
from gridcity.domain.errors import Invalid
from gridcity.services import classes, evaluation, rollups
from gridcity.services import import_cases as importer
from gridcity.services.platform import Platform

CST = ZoneInfo("Asia/Shanghai")
COLUMNS = ["工单编号", "受理时间", "办结时间", "经度", "纬度", "地址", "诉求内容", "类别", "状态", "承办单位"]
MAPPING = """
[source]
name = "{source}"
id = "工单编号"
channel = "hotline"

[time]
timezone = "Asia/Shanghai"
format = "%Y-%m-%d %H:%M:%S"
reported = "受理时间"
closed = "办结时间"

[location]
lon = "经度"
lat = "纬度"
address = "地址"
[location.places]
"东华门大街1号" = [116.4040, 39.9140]

[description]
columns = ["诉求内容"]

[class]
column = "类别"
[class.map]
"垃圾" = {{ code = "06010", standard = "GB/T 47678.5-2026", kind = "event" }}

[status]
column = "状态"
[status.map]
"已办结" = "closed"

[department]
column = "承办单位"
[department.map]
"城管委" = "110101-CGW"
"""


def _row(n: int, month: int, **change: str) -> dict[str, str]:
    reported = datetime(2019, month, 4, 9, 0) + timedelta(hours=n % 30)
    row = {
        "工单编号": f"H{n:05d}",
        "受理时间": f"{reported:%Y-%m-%d %H:%M:%S}",
        "办结时间": f"{reported + timedelta(days=1 + n % 3):%Y-%m-%d %H:%M:%S}",
        "经度": f"{116.400 + (n % 7) * 0.004:.4f}",
        "纬度": f"{39.910 + (n % 5) * 0.004:.4f}",
        "地址": "",
        "诉求内容": f"垃圾堆放 {n}",
        "类别": "垃圾",
        "状态": "已办结",
        "承办单位": "",
    }
    row.update(change)
    return row


def _files(tmp_path: Path, rows: list[dict[str, str]]) -> tuple[Path, importer.ImportMapping, str]:
    source = f"t{uuid.uuid4().hex[:8]}"
    data = tmp_path / "hotline.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    mapping_file = tmp_path / "hotline.toml"
    mapping_file.write_text(MAPPING.format(source=source), encoding="utf-8")
    return data, importer.load_mapping(mapping_file), source


def _imported(db, source: str) -> list[Case]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(Case).where(Case.client_key.like(f"import:{source}:%")).order_by(Case.id)))


def test_rows_are_located_routed_and_rejected_with_reasons(platform, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = [_row(n, 3) for n in range(12)]
    bad = [
        _row(100, 3, 经度="121.47", 纬度="31.23"),  # Shanghai
        _row(101, 3, 类别="噪音"),
        _row(102, 3, 受理时间="March 4th"),
        _row(103, 3, 经度="", 纬度="", 地址="无名路"),
        _row(104, 3, 状态="退回"),
        _row(3, 3),  # the id of a row above, again
    ]
    located = _row(105, 3, 经度="", 纬度="", 地址="东华门大街1号", 承办单位="城管委")
    data, mapping, source = _files(tmp_path, [*good, *bad, located])

    run = importer.import_cases(platform, db, data, mapping, batch_size=5)
    assert (run.read, run.imported, run.rejected, run.already) == (19, 13, 6, 0)

    with (tmp_path / "hotline.csv.rejects.csv").open(encoding="utf-8") as fh:
        rejects = {r["工单编号"]: r for r in csv.DictReader(fh)}
    assert set(rejects) == {"H00100", "H00101", "H00102", "H00103", "H00104", "H00003"}
    assert "outside the city's territory" in rejects["H00100"]["reason"]
    assert "'噪音' is not in the class mapping" in rejects["H00101"]["reason"]
    assert "does not match the time format" in rejects["H00102"]["reason"]
    assert "'无名路' cannot be located" in rejects["H00103"]["reason"]
    assert "'退回' is not in the status mapping" in rejects["H00104"]["reason"]
    assert "appears more than once" in rejects["H00003"]["reason"]
    assert rejects["H00100"]["line"] == "14" and rejects["H00100"]["诉求内容"] == "垃圾堆放 100"

    made = _imported(db, source)
    assert len(made) == 13
    for case in made:
        assert case.state == "closed" and case.channel == "hotline" and case.class_code == "06010"
        assert (
            case.district_code == "110101" and case.grid_code and case.grid_code.startswith(case.street_code)
        )
        assert case.department_id is not None  # routed: the class's owner at that place
        assert case.closing_type in ("normal", "overdue") and case.dispose_deadline is not None
        history = [(e.action, e.from_state, e.to_state) for e in case.events]
        assert history == [
            ("report", None, "reported"),
            ("file", "reported", "filed"),
            ("dispatch", "filed", "dispatched"),
            ("close", "dispatched", "closed"),
        ]
        times = [e.at for e in case.events]
        assert times == sorted(times) and times[0] == case.reported_at and times[-1] == case.closed_at
        assert all(e.actor_id is None and e.actor_role == "system" for e in case.events)
    by_key = {c.client_key: c for c in made}
    first = by_key[f"import:{source}:H00000"]
    assert first.reported_at == datetime(2019, 3, 4, 9, 0, tzinfo=CST)
    assert first.description == "垃圾堆放 0"
    assert (first.lon, first.lat) == (116.4, 39.91)
    addressed = by_key[f"import:{source}:H00105"]
    assert (addressed.lon, addressed.lat) == (116.4040, 39.9140)
    assert platform.unit_ref(db, addressed.department_id)["code"] == "110101-CGW"  # the mapping's choice

    assert rollups.differences(platform, db) == []


def test_a_rerun_never_duplicates_and_the_indicators_count_each_case_once(
    platform, db, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rows = [_row(n, 5) for n in range(9)]
    data, mapping, source = _files(tmp_path, rows)
    first = importer.import_cases(platform, db, data, mapping, batch_size=4)
    again = importer.import_cases(platform, db, data, mapping, batch_size=4)
    assert (first.imported, first.already) == (9, 0)
    assert (again.imported, again.already, again.rejected) == (0, 9, 0)
    assert len(_imported(db, source)) == 9
    assert rollups.differences(platform, db) == []

    may = month_period("2019-05", "Asia/Shanghai")
    table = evaluation.evaluate(platform, db, None, may, "region", "district")
    dongcheng = next(r for r in table.rows if r.scope["code"] == "110101")
    assert dongcheng.facts["filed"] == 9 and dongcheng.facts["closed"] == 9
    from_cases = evaluation.evaluate(platform, db, None, may, "region", "district", source="cases")
    assert [evaluation.row_view(r) for r in from_cases.rows] == [evaluation.row_view(r) for r in table.rows]


def test_a_failed_run_keeps_whole_batches_only_and_a_rerun_completes_it(  # type: ignore[no-untyped-def]
    platform, db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [_row(n, 7) for n in range(12)]
    data, mapping, source = _files(tmp_path, rows)
    real_apply, calls = importer.rollups_db.apply, []

    def failing(connection, delta):  # type: ignore[no-untyped-def]
        calls.append(1)
        real_apply(connection, delta)
        if len(calls) == 2:  # the second batch: cases and history written, then the database fails
            raise RuntimeError("connection lost")

    monkeypatch.setattr(importer.rollups_db, "apply", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        importer.import_cases(platform, db, data, mapping, batch_size=5)
    monkeypatch.undo()

    kept = _imported(db, source)
    assert [c.client_key for c in kept] == [f"import:{source}:H{n:05d}" for n in range(5)]  # batch 1 only
    events = db.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in kept]))
    )
    assert events == 5 * 4  # each kept case whole
    assert rollups.differences(platform, db) == []

    rerun = importer.import_cases(platform, db, data, mapping, batch_size=5)
    assert (rerun.imported, rerun.already) == (7, 5)
    assert len(_imported(db, source)) == 12
    assert rollups.differences(platform, db) == []


def test_a_mapping_that_does_not_fit_the_platform_imports_nothing(platform, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, _mapping, source = _files(tmp_path, [_row(1, 9)])
    text = (
        MAPPING.format(source=source)
        .replace('code = "06010"', 'code = "99999"')
        .replace("110101-CGW", "NOPE")
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        importer.import_cases(platform, db, data, importer.load_mapping(bad))
    assert (
        "class 99999" in caught.value.message and "department 'NOPE' does not exist" in caught.value.message
    )
    assert _imported(db, source) == []


def test_the_command_imports_reports_rejects_and_refuses_a_bad_mapping(  # type: ignore[no-untyped-def]
    platform, db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [_row(n, 11) for n in range(4)] + [_row(50, 11, 类别="噪音")]
    data, _mapping, source = _files(tmp_path, rows)
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    runner = CliRunner()
    rejects = tmp_path / "out" / "rejected.csv"
    rejects.parent.mkdir()
    args = [
        "import",
        "cases",
        str(data),
        "--mapping",
        str(tmp_path / "hotline.toml"),
        "--rejects",
        str(rejects),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "5 rows: 4 imported, 0 imported before, 1 rejected" in result.output
    assert rejects.exists() and "not in the class mapping" in rejects.read_text(encoding="utf-8")
    again = runner.invoke(app, args)
    assert "0 imported, 4 imported before, 1 rejected" in again.output
    assert len(_imported(db, source)) == 4

    exported = tmp_path / "cases.csv"
    out = runner.invoke(
        app,
        [
            "export",
            "cases",
            "--format",
            "csv",
            "--from",
            "2019-11-01",
            "--to",
            "2019-12-01",
            "--out",
            str(exported),
        ],
    )
    assert out.exit_code == 0, out.output
    with exported.open(encoding="utf-8") as fh:
        numbers = {r["id"] for r in csv.DictReader(fh)}
    assert {str(c.id) for c in _imported(db, source)} <= numbers

    grids = tmp_path / "grids.geojson"
    made = runner.invoke(
        app, ["export", "grids", "--layer", "social_service", "--scope", "110101", "--out", str(grids)]
    )
    assert made.exit_code == 0, made.output
    features = json.loads(grids.read_text(encoding="utf-8"))["features"]
    assert features and {f["properties"]["district_code"] for f in features} == {"110101"}
    for bad, message in (
        (["export", "grids", "--layer", "roads", "--out", str(grids)], "unknown grid layer 'roads'"),
        (["export", "cases", "--format", "pdf", "--out", str(exported)], "unknown export format 'pdf'"),
        (["export", "cases", "--from", "yesterday", "--out", str(exported)], "not an ISO date"),
    ):
        failed = runner.invoke(app, bad)
        assert failed.exit_code == 1 and message in failed.output, failed.output

    broken = tmp_path / "broken.toml"
    broken.write_text('[source]\nname = "x"\n', encoding="utf-8")
    refused = runner.invoke(app, ["import", "cases", str(data), "--mapping", str(broken)])
    assert refused.exit_code == 1
    assert "source.id is missing" in refused.output and "the 'class' section is missing" in refused.output
    missing = runner.invoke(
        app, ["import", "cases", str(tmp_path / "none.csv"), "--mapping", str(tmp_path / "hotline.toml")]
    )
    assert missing.exit_code == 1 and "no such file" in missing.output


# --- the San Francisco 311 sample, in a city of its own ---------------------------------------------

SF_DATA = Path(__file__).parent.parent / "data" / "sf311" / "sf311_2008_2016_sample5000.csv"
SF_MAPPING = Path(importer.__file__).parent.parent / "data" / "mappings" / "sf311.toml"
PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture(scope="module", params=BACKENDS)
def sf_platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A fresh platform (its own SQLite file or PostgreSQL database) for San Francisco: a city other
    than Beijing would disturb the tests sharing the test city."""
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"sf-{backend}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    urls = (
        _postgres_url(f"sf_{worker}")
        if backend == "postgresql"
        else iter([f"sqlite:///{data_dir / 'sf.db'}"])
    )
    url = next(urls)
    upgrade(url)
    settings = Settings(  # type: ignore[call-arg]
        database_url=url,
        data_dir=data_dir,
        city_code="990100",
        city_name="San Francisco",
        timezone="America/Los_Angeles",
        _env_file=None,
    )
    platform = Platform(settings)
    with platform.sessions() as db:
        classes.seed_catalogue(platform, db)
    yield platform
    platform.engine.dispose()
    for _ in urls:  # drops the PostgreSQL database
        pass


def _expected(mapping: importer.ImportMapping, run_rejects: Path) -> tuple[Counter[str], Counter[str]]:
    """Filed and closed cases per local month, counted straight from the file minus its rejects."""
    with run_rejects.open(encoding="utf-8") as fh:
        rejected = {r["CaseID"] for r in csv.DictReader(fh)}
    filed: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    with SF_DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["CaseID"] in rejected:
                continue
            month = f"{datetime.strptime(row['Opened'], '%Y-%m-%d %H:%M:%S'):%Y-%m}"
            filed[month] += 1
            closed[month] += row["Status"] == "Closed"
    return filed, closed


def test_the_san_francisco_sample_imports_into_a_city_made_from_its_area_and_is_assessed(  # type: ignore[no-untyped-def]
    sf_platform: Platform, tmp_path: Path
) -> None:
    platform = sf_platform
    mapping = importer.load_mapping(SF_MAPPING)
    data = tmp_path / SF_DATA.name
    shutil.copy(SF_DATA, data)
    with platform.sessions() as db:
        made = importer.territory_from_data(
            platform, db, data, mapping, "990101", "San Francisco", grid_area_m2=400_000
        )
        assert made.rows == 4984 and made.departments > 0
        min_lon, min_lat, max_lon, max_lat = made.bbox
        assert -122.52 < min_lon < max_lon < -122.36 and 37.70 < min_lat < max_lat < 37.84
        assert all(n > 0 for n in made.grids.values())

        run = importer.import_cases(platform, db, data, mapping)
        assert run.read == 4984 and run.imported + run.rejected == 4984
        assert run.imported > 3900  # the grid-management categories are most of 311
        # what is rejected is what the mapping leaves out, each with its reason
        assert set(run.reasons) <= {"category", "closed before it was reported"}
        with (tmp_path / f"{SF_DATA.name}.rejects.csv").open(encoding="utf-8") as fh:
            rejects = list(csv.DictReader(fh))
        assert len(rejects) == run.rejected
        assert {r["Category"] for r in rejects if "class mapping" in r["reason"]} >= {
            "General Requests",
            "SFHA Requests",
        }

        cases = list(db.scalars(select(Case)))
        assert len(cases) == run.imported
        assert all(c.district_code == "990101" and c.grid_code for c in cases)  # every one on a grid
        opened = [c for c in cases if c.state != "closed"]
        assert opened and all(c.state in ("filed", "dispatched") for c in opened)
        assert all(c.stage_deadline is not None for c in opened)  # an open case's clock runs
        routed = [c for c in cases if c.department_id is not None]
        assert len(routed) > len(cases) / 2  # the district's departments the routing proposes
        assert all(c.dispatched_at is not None for c in routed)
        assert rollups.differences(platform, db) == []

        again = importer.import_cases(platform, db, data, mapping)
        assert (again.imported, again.already) == (0, run.imported)

        filed, closed = _expected(mapping, tmp_path / f"{SF_DATA.name}.rejects.csv")
        assert sum(filed.values()) == run.imported
        for month in sorted(filed):
            table = evaluation.evaluate(
                platform, db, None, month_period(month, PACIFIC), "region", "district"
            )
            (row,) = [r for r in table.rows if r.scope["code"] == "990101"]
            assert row.facts["filed"] == filed[month], month
            assert row.facts["closed"] == closed[month], month
            indicators = evaluation.row_view(row)
            assert indicators is not None


def test_cli_makes_a_city_from_the_data_and_imports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two commands of the README's docking section, on a fresh database of their own."""
    for name, value in {
        "GRIDCITY_DATABASE_URL": f"sqlite:///{tmp_path / 'sf-cli.db'}",
        "GRIDCITY_DATA_DIR": str(tmp_path),
        "GRIDCITY_CITY_CODE": "990100",
        "GRIDCITY_CITY_NAME": "San Francisco",
        "GRIDCITY_TIMEZONE": "America/Los_Angeles",
    }.items():
        monkeypatch.setenv(name, value)
    data = tmp_path / SF_DATA.name
    shutil.copy(SF_DATA, data)
    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "import",
            "territory-from-data",
            str(data),
            "--mapping",
            str(SF_MAPPING),
            "--district",
            "990101",
            "--name",
            "San Francisco",
            "--grid-area",
            "400000",
        ],
    )
    assert made.exit_code == 0, made.output
    assert "district 990101" in made.output and "from 4,984 points" in made.output
    imported = runner.invoke(app, ["import", "cases", str(data), "--mapping", str(SF_MAPPING)])
    assert imported.exit_code == 0, imported.output
    assert "4,984 rows: 3,980 imported, 0 imported before, 1,004 rejected" in imported.output
    again = runner.invoke(app, ["import", "cases", str(data), "--mapping", str(SF_MAPPING)])
    assert "0 imported, 3,980 imported before" in again.output

    missing = runner.invoke(
        app,
        [
            "import",
            "territory-from-data",
            str(tmp_path / "none.csv"),
            "--mapping",
            str(SF_MAPPING),
            "--district",
            "990102",
            "--name",
            "X",
        ],
    )
    assert missing.exit_code == 1
    assert "no such file" in missing.output
    bad_code = runner.invoke(
        app,
        [
            "import",
            "territory-from-data",
            str(data),
            "--mapping",
            str(SF_MAPPING),
            "--district",
            "99",
            "--name",
            "X",
        ],
    )
    assert bad_code.exit_code == 1
    assert "error:" in bad_code.output
