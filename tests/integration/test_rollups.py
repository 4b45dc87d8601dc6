"""The assessment's rollups (汇总) on SQLite and PostgreSQL: kept with every change in the same
transaction, they never disagree with the cases.

The scenario is test_evaluation's month (every kind of case: on time, late, extended, suspended,
reworked, erroneous, returned, self-handled, voided, rejected, still open, crossing the month end;
a reopened and rated-twice case; a filing transferred afterwards), replayed in 2037 — a year with
2026's weekdays that no other test uses (each test its own such year) — through the real
services. Then:

* a recount from scratch (`rollups.differences`, `gridcity rollups check`) finds the stored
  rollups equal to the cases, ratings and history — of the whole database, so of every other
  test's cases on this worker too;
* every table of every month, and of the three months together, is the same read from the
  rollups as counted from the cases (`source="rollups"` vs `source="cases"`), row by row;
* a refused change (a second rating of one closure) leaves the rollups as they were;
* rollups of other rules are not read until rebuilt, and a database that had cases before the
  rollups existed gets them counted.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from tests.conftest import Clock
from tests.integration import test_evaluation as scenario
from typer.testing import CliRunner

from gridcity.cli import app
from gridcity.db.models import Case, RollupState, rollup_regions
from gridcity.domain.assessment import month_period, range_period
from gridcity.domain.errors import Conflict, Invalid
from gridcity.services import evaluation, public, rollups

# years with 2026's weekdays, one per test (the tests of a worker share its database)
YEARS = {
    "test_rollups_agree_with_the_cases_after_every_kind_of_change": 2037,
    "test_a_refused_change_leaves_the_rollups_alone": 2043,
    "test_rollups_of_other_rules_are_not_read_until_rebuilt": 2054,
    "test_cases_from_before_the_rollups_get_counted_once": 2065,
    "test_cli_check_reports_a_disagreement_and_rebuild_repairs_it": 2071,
}
TABLES = evaluation.TABLES


class Replay:
    def __init__(self, year: int) -> None:
        self.year = year

    def at(self, month: int, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(self.year, month, day, hour, minute, tzinfo=scenario.CST)

    def month(self, month: int) -> Any:
        return month_period(f"{self.year}-{month:02d}", scenario.CST)


@pytest.fixture
def replayed(  # type: ignore[no-untyped-def]
    request, platform, db, make_user, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """test_evaluation's March (and F's April), in the test's own year."""
    replay = Replay(YEARS[request.node.originalname])
    monkeypatch.setattr(scenario, "at", replay.at)
    config = tmp_path / "assessment.toml"
    config.write_text(scenario.TEST_CONFIG, encoding="utf-8")
    monkeypatch.setattr(platform.settings, "assessment_config", config)
    month = scenario.Month(platform, db, make_user, clock)
    ids = scenario.build_march(month)
    scenario.finish_f(month, ids["F"])
    ids.update(build_may(replay, month, platform, db))
    clock.set(replay.at(6, 1, 9))
    return replay, month, ids


def build_may(replay: Replay, m: Any, platform, db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """test_evaluation's May: T filed, dispatched, then transferred to another network; R closed,
    rated 1★, reopened by the citizen, handled again, closed again and rated 5★."""
    at = replay.at
    s, o, lead, p, h = m.supervisor, m.operator, m.leader, m.dispatcher, m.handler
    social = platform.catalogue(db).search(network="social_service")[0]
    t = m.report(s, at(5, 11, 9))
    m.act(lead, t, "file", at(5, 11, 9, 5))
    m.act(p, t, "dispatch", at(5, 11, 9, 10), department_id=m.cgw)
    m.act(p, t, "transfer", at(5, 11, 9, 20), network="social_service", class_code=social.code,
          standard=social.standard, kind=str(social.kind))  # fmt: skip
    r = m.report(m.citizen, at(5, 11, 9))
    m.act(o, r, "send_verify", at(5, 11, 9, 2), assignee_id=s.id)
    m.act(s, r, "verify_ok", at(5, 11, 9, 10))
    m.act(lead, r, "file", at(5, 11, 9, 15))
    m.act(p, r, "dispatch", at(5, 11, 9, 20), department_id=m.cgw)
    m.act(h, r, "accept", at(5, 11, 9, 30))
    m.act(h, r, "report_done", at(5, 11, 10))
    m.check_and_close(r, at(5, 11, 10), sent=2, checked=20, closed=25)
    m.rate(r, 1, at(5, 11, 11))
    m.act(m.citizen, r, "reopen", at(5, 12, 9))  # its rating stays with the department that did the work
    m.act(p, r, "dispatch", at(5, 12, 9, 10), department_id=m.cgw)
    m.act(h, r, "accept", at(5, 12, 9, 20))
    m.act(h, r, "report_done", at(5, 12, 10))
    m.check_and_close(r, at(5, 12, 10), sent=2, checked=20, closed=30)
    m.rate(r, 5, at(5, 12, 11))
    return {"T": t, "R": r}


def views(platform, db, period: Any, source: str) -> list[list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    out = []
    for kind, level in TABLES:
        result = evaluation.evaluate(platform, db, None, period, kind, level, source=source)
        out.append([evaluation.row_view(r) for r in result.rows])
    return out


def assert_same_tables(platform, db, period: Any) -> None:  # type: ignore[no-untyped-def]
    from_rollups = views(platform, db, period, "rollups")
    from_cases = views(platform, db, period, "cases")
    for (kind, level), a, b in zip(TABLES, from_rollups, from_cases, strict=True):
        assert len(a) == len(b), (kind, level)
        for row_a, row_b in zip(a, b, strict=True):
            assert row_a == row_b, (kind, level, row_a["scope"])


def test_rollups_agree_with_the_cases_after_every_kind_of_change(replayed, platform, db) -> None:  # type: ignore[no-untyped-def]
    replay, month, _ids = replayed
    assert rollups.differences(platform, db) == []

    march = replay.month(3)
    assert_same_tables(platform, db, march)
    assert_same_tables(platform, db, replay.month(4))
    assert_same_tables(platform, db, replay.month(5))
    spring = range_period(date(replay.year, 3, 1), date(replay.year, 6, 1), scenario.CST)
    assert_same_tables(platform, db, spring)

    # the rollups carry the month: the numbers test_evaluation works out by hand for March
    street = evaluation.evaluate(platform, db, None, march, "region", "street", source="rollups")
    donghuamen = next(r for r in street.rows if r.scope["code"] == "110101001")
    assert donghuamen.facts["filed"] == 8  # A B C D G I J F
    assert (donghuamen.facts["closed"], donghuamen.facts["open_overdue"]) == (7, 1)  # F closed in April
    assert (donghuamen.facts["ratings"], donghuamen.facts["stars"]) == (2, 7)  # B 2★, F 5★
    dispatcher = evaluation.evaluate(platform, db, None, march, "post", "dispatcher", source="rollups")
    mine = next(r for r in dispatcher.rows if r.scope["id"] == month.dispatcher.id)
    assert (mine.facts["dispatches"], mine.facts["dispatches_accurate"]) == (8, 7)  # I went to 水务局 first
    # May: R's two ratings stayed with it through the reopening; T's filing was spoilt by its transfer
    may = replay.month(5)
    department = evaluation.evaluate(platform, db, None, may, "department", source="rollups")
    cgw = next(r for r in department.rows if r.scope["id"] == month.cgw)
    assert (cgw.facts["filed"], cgw.facts["ratings"], cgw.facts["stars"]) == (1, 2, 6)
    leaders = evaluation.evaluate(platform, db, None, may, "post", "shift_leader", source="rollups")
    lead = next(r for r in leaders.rows if r.scope["id"] == month.leader.id)
    assert (lead.facts["filings"], lead.facts["filings_accurate"]) == (2, 1)


def test_a_refused_change_leaves_the_rollups_alone(replayed, platform, db, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    replay, month, ids = replayed
    march = replay.month(3)

    def satisfaction() -> tuple[int, int]:
        table = evaluation.evaluate(platform, db, None, march, "region", "street", source="rollups")
        row = next(r for r in table.rows if r.scope["code"] == "110101001")
        return row.facts["ratings"], row.facts["stars"]

    before = satisfaction()
    clock.set(replay.at(5, 2, 9))
    db.expire_all()
    with pytest.raises(Conflict):  # B's closure was rated already: the whole change rolls back
        public.rate(platform, db, db.get(Case, ids["B"]), 5, viewer=month.citizen)
    assert satisfaction() == before
    assert rollups.differences(platform, db) == []


def test_rollups_of_other_rules_are_not_read_until_rebuilt(  # type: ignore[no-untyped-def]
    replayed, platform, db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    march = replayed[0].month(3)
    counted = views(platform, db, march, "cases")
    # the hotline no longer counts as a public channel: the rollups' public report counts are stale
    other = tmp_path / "other.toml"
    other.write_text(scenario.TEST_CONFIG + '\n[channels]\npublic = ["citizen", "media"]\n', encoding="utf-8")
    monkeypatch.setattr(platform.settings, "assessment_config", other)
    with pytest.raises(Invalid, match="rebuild"):
        evaluation.evaluate(platform, db, None, march, "region", "street", source="rollups")
    recounted = views(platform, db, march, "auto")  # counted from the cases meanwhile
    assert recounted == views(platform, db, march, "cases")
    done = rollups.rebuild(platform, db)
    assert done.cases >= 13 and done.rows > 0
    assert views(platform, db, march, "rollups") == recounted
    assert rollups.differences(platform, db) == []
    monkeypatch.setattr(platform.settings, "assessment_config", tmp_path / "assessment.toml")
    rollups.rebuild(platform, db)  # back to the rules the other tests of this worker use
    assert views(platform, db, march, "rollups") == counted


def test_cases_from_before_the_rollups_get_counted_once(replayed, platform, db) -> None:  # type: ignore[no-untyped-def]
    """A database migrated with cases in it has no rollup state: the rollups are not read until
    `ensure_counted` (run by every CLI command after migrating) has counted them."""
    march = replayed[0].month(3)
    db.execute(delete(RollupState))
    db.execute(update(rollup_regions).values(filed=0))  # as if never counted
    db.commit()
    with pytest.raises(Invalid):
        evaluation.evaluate(platform, db, None, march, "region", "street", source="rollups")
    assert rollups.differences(platform, db) != []
    done = rollups.ensure_counted(platform, db)
    assert done is not None and done.cases >= 13
    assert rollups.ensure_counted(platform, db) is None  # once
    assert rollups.differences(platform, db) == []
    assert_same_tables(platform, db, march)


@pytest.mark.backends("sqlite")
def test_cli_check_reports_a_disagreement_and_rebuild_repairs_it(  # type: ignore[no-untyped-def]
    replayed, platform, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_ASSESSMENT_CONFIG", str(platform.settings.assessment_config))
    runner = CliRunner()
    ok = runner.invoke(app, ["rollups", "check"])
    assert ok.exit_code == 0, ok.output
    assert "agree" in ok.output

    month = f"{replayed[0].year}-03"
    grid = db.scalar(select(Case.grid_code).where(Case.id == replayed[2]["A"]))
    db.execute(
        update(rollup_regions)
        .where(
            rollup_regions.c.month == month, rollup_regions.c.level == "grid", rollup_regions.c.code == grid
        )
        .values(closed=rollup_regions.c.closed + 1)
    )
    db.commit()
    bad = runner.invoke(app, ["rollups", "check"])
    assert bad.exit_code == 1
    assert "1 rollup rows differ" in bad.output
    assert f"region / {month} / grid / {grid} — closed: stored 8, counted 7" in bad.output

    fixed = runner.invoke(app, ["rollups", "rebuild"])
    assert fixed.exit_code == 0, fixed.output
    assert "rollups rebuilt" in fixed.output
    assert runner.invoke(app, ["rollups", "check"]).exit_code == 0
