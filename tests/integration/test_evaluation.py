"""The assessment (绩效评价) on SQLite and PostgreSQL: a month of cases with known outcomes, made
through the real services on a moving clock, then every indicator of every table — regions,
departments, the four posts — asserted against numbers worked out by hand here.

The month is March 2026 (April for the one case crossing the month end): no other test makes cases
then, and the people are this test's own, so every number below is this test's cases only.

The cases (all exposed garbage 06010 at 东华门, so one grid, community, street and district; limits,
one clock per post: intake 10 min, verify 30 min, file 15 min, dispatch 15 min, disposal 4 working
hours, rework 2 working hours, check 1 h, close 30 min, a decision on a request 1 working hour; work
periods 08:30–12:00, 13:30–17:30):

  A  supervisor, Mon 9 Mar 09:00 — everything on time, closed.
  B  citizen, Mon 9 Mar — intake late (sent to verification after 15 min), filed late, dispatched
     on time by its own clock (5 min after the late filing), an approved extension of 2 work_hours
     makes the disposal on time (Tue 08:50 ≤ 09:00; without it the deadline was Mon 15:55; the 5
     minutes waiting for the approval are not the department's), check fails (rework: 2 working
     hours), re-disposed within them — yet a reworked case is never on time for its department —
     closed late (70 min after the check). Rated 2 stars.
  C  supervisor, Tue 10 Mar — suspension asked Tue 09:50, approved 10:00, resumed Thu 10:00; disposal
     Thu 11:00 on time (deadline Thu 14:50: the clock stopped at the request; counting the
     suspension it would have been Tue 14:40).
  D  supervisor, Tue 10 Mar — disposal late (Wed 10:00 > Tue 14:40), checked late, closed as
     erroneous (差错结案: the filing was wrong).
  G  supervisor, Thu 12 Mar — accepted by the department, never disposed: open and overdue.
  I  supervisor, Fri 13 Mar — dispatched to the water department (水务局), returned (退回 approved),
     re-dispatched to 城管委 on time, closed on time.
  J  supervisor, Fri 13 Mar — fixed on the spot (自行处置).
  E  hotline (operator), Wed 11 Mar — accepted, then voided (作废): never filed.
  H  citizen, Wed 11 Mar — rejected (不予受理).
  M  supervisor, Mon 16 Mar — sent back, then rejected: an invalid supervisor report.
  N  supervisor, Mon 16 Mar — still waiting to be filed: not decided.
  F  citizen, Tue 31 Mar 15:00 — filed and dispatched in March, disposed Wed 1 Apr 10:00 (deadline
     10:50), closed Wed 1 Apr 10:40, rated 5 stars.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from tests.conftest import Clock
from tests.support import photos_for

from gridcity.db.models import Case, Grid, User
from gridcity.domain.assessment import month_period, rounded
from gridcity.services import cases, evaluation, public
from gridcity.services.evaluation import Evaluation, Row

CST = ZoneInfo("Asia/Shanghai")
DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
CGW, SW = "110101-CGW", "110101-SW"  # 东城区城管委, 东城区水务局

# The composites the test scores with (the posts keep the shipped defaults): simple bands, and
# citizen satisfaction with a weight, so that every term shows in the arithmetic.
TEST_CONFIG = """
[region.weights]
public_report_rate = 10
filed = 20
closure_rate = 30
on_time_closure_rate = 30
satisfaction = 10
[region.bands]
filed = [{ at_least = 0, score = 0 }, { at_least = 2, score = 50 }, { at_least = 5, score = 100 }]
public_report_rate = [
    { at_most = 10, score = 100 }, { at_most = 30, score = 70 }, { at_most = 100, score = 0 },
]

[department]
weights = { filed = 10, closure_rate = 30, on_time_disposal_rate = 30, rework_rate = 20, satisfaction = 10 }
[department.bands]
filed = [{ at_least = 0, score = 0 }, { at_least = 5, score = 80 }, { at_least = 10, score = 100 }]
"""


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


class Month:
    """The people of the test and the steps they take, through services.cases on the clock."""

    def __init__(self, platform, db, make_user, clock: Clock) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.db, self.clock = platform, db, clock
        self.supervisor = make_user("supervisor")
        self.operator = make_user("operator")
        self.leader = make_user("shift_leader")
        self.dispatcher = make_user("dispatcher")
        self.handler = make_user("handler", CGW)
        self.water_handler = make_user("handler", SW)
        self.citizen = make_user("citizen")
        self.cgw = platform.unit_id(db, CGW, "department")
        self.sw = platform.unit_id(db, SW, "department")

    def report(self, user: User, moment: datetime, channel: str | None = None) -> int:
        self.clock.set(moment)
        report = cases.Report(
            class_code="06010",
            kind="event",
            standard="GB/T 47678.5-2026",
            lon=DONGHUAMEN[0],
            lat=DONGHUAMEN[1],
            description="evaluation test",
            channel=channel,
        )
        case, _ = cases.report_case(self.platform, self.db, user, report)
        return case.id

    def act(self, user: User, case_id: int, action: str, moment: datetime, **fields: Any) -> Case:
        self.clock.set(moment)
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        assert case is not None
        photos = photos_for(self.platform, self.db, user, action)
        request = cases.ActionRequest(action, case.version, f"{action} (test)", fields, photos)
        return cases.transition(self.platform, self.db, user, case_id, request)

    def rate(self, case_id: int, stars: int, moment: datetime) -> None:
        self.clock.set(moment)
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        public.rate(self.platform, self.db, case, stars, viewer=self.citizen)

    # the usual tail of a case: check sent, checked, closed
    def check_and_close(
        self, case_id: int, done: datetime, sent: int, checked: int, closed: int, **close: Any
    ) -> None:
        s, o, lead = self.supervisor, self.operator, self.leader
        self.act(o, case_id, "assign_check", _after(done, sent), assignee_id=s.id)
        self.act(s, case_id, "check_pass", _after(done, checked))
        self.act(lead, case_id, "close", _after(done, closed), **close)


def _after(moment: datetime, minutes: int) -> datetime:
    return moment + timedelta(minutes=minutes)


def build_march(m: Month) -> dict[str, int]:
    s, o, lead, p, h, h2 = m.supervisor, m.operator, m.leader, m.dispatcher, m.handler, m.water_handler
    ids: dict[str, int] = {}

    a = ids["A"] = m.report(s, at(3, 9, 9))
    m.act(lead, a, "file", at(3, 9, 9, 10))
    m.act(p, a, "dispatch", at(3, 9, 9, 20), department_id=m.cgw)  # disposal deadline 14:50
    m.act(h, a, "accept", at(3, 9, 9, 30))
    m.act(h, a, "report_done", at(3, 9, 11))
    m.check_and_close(a, at(3, 9, 11), sent=5, checked=30, closed=40)

    b = ids["B"] = m.report(m.citizen, at(3, 9, 9))
    m.act(o, b, "send_verify", at(3, 9, 9, 15), assignee_id=s.id)  # 15 min after the report: late
    m.act(s, b, "verify_ok", at(3, 9, 9, 40))  # verify deadline 09:45; file + dispatch by 10:10
    m.act(lead, b, "file", at(3, 9, 10, 20))  # late: the filing deadline was 09:55
    m.act(p, b, "dispatch", at(3, 9, 10, 25), department_id=m.cgw)  # on time (by 10:35); disposal by 15:55
    m.act(h, b, "accept", at(3, 9, 10, 30))
    m.act(h, b, "request_extension", at(3, 9, 10, 40), extension="2 work_hours")  # 15 min used
    extended = m.act(p, b, "approve_extension", at(3, 9, 10, 45))
    # 6 h − 15 min from 10:45: 10:45–12:00, 13:30–17:30, Tue 08:30–09:00
    assert extended.stage_deadline == at(3, 10, 9, 0)
    m.act(h, b, "report_done", at(3, 10, 8, 50))  # on time only thanks to the extension
    m.act(o, b, "assign_check", at(3, 10, 9, 20), assignee_id=s.id)  # 30 min after: late
    reworked = m.act(s, b, "check_fail", at(3, 10, 9, 30))  # rework: half of 4 working hours
    assert reworked.stage_deadline == at(3, 10, 11, 30)
    m.act(h, b, "accept", at(3, 10, 9, 40))
    m.act(h, b, "report_done", at(3, 10, 11))
    m.act(o, b, "assign_check", at(3, 10, 11, 2), assignee_id=s.id)
    m.act(s, b, "check_pass", at(3, 10, 11, 20))
    m.act(lead, b, "close", at(3, 10, 12, 30))  # 70 min after the check: late
    m.rate(b, 2, at(3, 10, 15))

    c = ids["C"] = m.report(s, at(3, 10, 9))
    m.act(lead, c, "file", at(3, 10, 9, 5))
    m.act(p, c, "dispatch", at(3, 10, 9, 10), department_id=m.cgw)
    m.act(h, c, "accept", at(3, 10, 9, 20))
    m.act(h, c, "request_suspension", at(3, 10, 9, 50))  # 40 min used: the clock stops here
    m.act(p, c, "approve_suspension", at(3, 10, 10))
    resumed = m.act(h, c, "resume", at(3, 12, 10))
    assert resumed.stage_deadline == at(3, 12, 14, 50)  # 3 h 20 min left from Thu 10:00
    m.act(h, c, "report_done", at(3, 12, 11))
    m.check_and_close(c, at(3, 12, 11), sent=5, checked=30, closed=45)

    d = ids["D"] = m.report(s, at(3, 10, 9))
    m.act(lead, d, "file", at(3, 10, 9, 5))
    m.act(p, d, "dispatch", at(3, 10, 9, 10), department_id=m.cgw)  # disposal deadline Tue 14:40
    m.act(h, d, "accept", at(3, 10, 9, 20))
    m.act(h, d, "report_done", at(3, 11, 10))  # late
    m.check_and_close(d, at(3, 11, 10), sent=5, checked=70, closed=80, closing_type="erroneous")

    g = ids["G"] = m.report(s, at(3, 12, 9))
    m.act(lead, g, "file", at(3, 12, 9, 5))
    m.act(p, g, "dispatch", at(3, 12, 9, 10), department_id=m.cgw)
    m.act(h, g, "accept", at(3, 12, 9, 20))  # and nothing more: overdue from Thu 14:40

    i = ids["I"] = m.report(s, at(3, 13, 9))
    m.act(lead, i, "file", at(3, 13, 9, 5))
    m.act(p, i, "dispatch", at(3, 13, 9, 10), department_id=m.sw)  # the wrong department
    m.act(h2, i, "request_return", at(3, 13, 9, 30))
    m.act(p, i, "approve_return", at(3, 13, 9, 40))  # a new dispatch clock: by 09:55
    m.act(p, i, "dispatch", at(3, 13, 9, 50), department_id=m.cgw)
    m.act(h, i, "accept", at(3, 13, 10))
    m.act(h, i, "report_done", at(3, 13, 11))
    m.check_and_close(i, at(3, 13, 11), sent=5, checked=30, closed=40)

    j = ids["J"] = m.report(s, at(3, 13, 10))
    m.act(s, j, "self_handle", at(3, 13, 10, 5))

    e = ids["E"] = m.report(o, at(3, 11, 9), channel="hotline")
    m.act(o, e, "accept_report", at(3, 11, 9, 5))
    m.act(lead, e, "request_void", at(3, 11, 9, 10))
    m.act(lead, e, "approve_void", at(3, 11, 9, 15))

    h_ = ids["H"] = m.report(m.citizen, at(3, 11, 9))
    m.act(o, h_, "reject", at(3, 11, 9, 20))

    m_ = ids["M"] = m.report(s, at(3, 16, 9))
    m.act(lead, m_, "send_back", at(3, 16, 9, 10))
    m.act(o, m_, "reject", at(3, 16, 9, 20))

    ids["N"] = m.report(s, at(3, 16, 10))

    f = ids["F"] = m.report(m.citizen, at(3, 31, 15))
    m.act(o, f, "send_verify", at(3, 31, 15, 5), assignee_id=s.id)
    m.act(s, f, "verify_ok", at(3, 31, 15, 30))
    m.act(lead, f, "file", at(3, 31, 15, 40))
    dispatched = m.act(p, f, "dispatch", at(3, 31, 15, 50), department_id=m.cgw)
    assert dispatched.stage_deadline == at(4, 1, 10, 50)
    return ids


def finish_f(m: Month, f: int) -> None:
    h = m.handler
    m.act(h, f, "accept", at(4, 1, 9, 10))
    m.act(h, f, "report_done", at(4, 1, 10))
    m.check_and_close(f, at(4, 1, 10), sent=5, checked=30, closed=40)
    m.rate(f, 5, at(4, 2, 9))


def evaluate(platform, db, kind: str, level: str | None = None) -> Evaluation:  # type: ignore[no-untyped-def]
    return evaluation.evaluate(platform, db, None, month_period("2026-03", CST), kind, level)


def row(result: Evaluation, code: Any) -> Row:
    found = [r for r in result.rows if r.scope["code"] == code or r.scope.get("id") == code]
    assert len(found) == 1, f"{code} not in {[r.scope['code'] for r in result.rows][:20]}"
    return found[0]


def ind(r: Row, key: str) -> tuple[int, int | None, float | None]:
    """(numerator, denominator, value as shown) of one indicator."""
    item = r.assessment.indicator(key)
    shown = None if item.value is None else float(rounded(item.value))
    return item.numerator, item.denominator, shown


def composite(r: Row) -> float | None:
    value = r.assessment.composite
    return None if value is None else float(rounded(value))


@pytest.fixture
def month(platform, db, make_user, clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Month:  # type: ignore[no-untyped-def]
    config = tmp_path / "assessment.toml"
    config.write_text(TEST_CONFIG, encoding="utf-8")
    monkeypatch.setattr(platform.settings, "assessment_config", config)
    return Month(platform, db, make_user, clock)


def test_every_indicator_of_a_month_against_hand_arithmetic(month: Month, platform, db, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    ids = build_march(month)
    place = db.get(Case, ids["A"])
    grid, community, street, district = place.grid_code, place.community_code, place.street_code, "110101"
    assert street == "110101001"

    # --- evaluated on Wed 1 April 09:00: F (filed 31 March) is open, not yet due -------------------
    clock.set(at(4, 1, 9))
    early = row(evaluate(platform, db, "region", "grid"), grid)
    # filed: A B C D G I J F (E was voided before filing, H and M rejected, N not filed yet)
    assert ind(early, "closure_rate") == (6, 7, 85.71)  # closed A B C D I J; due = 6 closed + G overdue
    assert ind(early, "on_time_closure_rate") == (4, 7, 57.14)  # A C I J (D late, B reworked)
    assert early.facts["filed"] == 8 and early.facts["open_overdue"] == 1

    # --- the month closes: F is disposed on time and closed on 1 April, then rated ----------------
    finish_f(month, ids["F"])
    clock.set(at(4, 10, 12))

    # regions: the same 8 cases at every level; only the number of grids differs
    for level, code in (("grid", grid), ("community", community), ("street", street), ("district", district)):
        r = row(evaluate(platform, db, "region", level), code)
        assert r.facts["filed"] == 8, level
        assert ind(r, "public_report_rate") == (2, 8, 25.0)  # B and F came from citizens
        assert ind(r, "closure_rate") == (7, 8, 87.5)  # F closed in April counts in March (its filing month)
        assert ind(r, "on_time_closure_rate") == (5, 8, 62.5)  # A C(suspension) I J(self) F; B reworked
        assert ind(r, "disposal_rate") == (6, 7, 85.71)  # disposed A B C D I F; due adds G (overdue)
        assert ind(r, "on_time_disposal_rate") == (4, 7, 57.14)  # D late, B reworked
        assert ind(r, "rework_rate") == (1, 8, 12.5)  # B failed its check once
        assert ind(r, "satisfaction") == (7, 2, 3.5)  # (2 + 5) / 2 stars
        assert ind(r, "dissatisfied_rate") == (1, 2, 50.0)  # B's 2 stars
    grids_of = {
        level: db.scalar(
            select(func.count(func.distinct(Grid.code))).where(
                Grid.layer == "city_management", Grid.valid_to.is_(None), column == code
            )
        )
        for level, column, code in (
            ("community", Grid.community_code, community),
            ("street", Grid.street_code, street),
        )
    }
    assert grids_of["street"] > grids_of["community"] > 1

    # the grid: 8 filed per grid → band 100; 监督举报率 25 % → band 70; satisfaction (3.5 − 1) / 4
    g = row(evaluate(platform, db, "region", "grid"), grid)
    assert ind(g, "filed") == (8, 1, 8.0)
    assert g.assessment.indicator("filed").score == 100
    assert g.assessment.indicator("public_report_rate").score == 70
    assert g.assessment.indicator("satisfaction").score == Fraction(125, 2)  # 62.5
    assert composite(g) == (10 * 70 + 20 * 100 + 30 * 87.5 + 30 * 62.5 + 10 * 62.5) / 100 == 78.25
    assert g.assessment.grade == "B"
    # the street: 8 cases over its grids is below 2 per grid → band 0
    s = row(evaluate(platform, db, "region", "street"), street)
    assert ind(s, "filed")[:2] == (8, grids_of["street"])
    assert composite(s) == (10 * 70 + 20 * 0 + 30 * 87.5 + 30 * 62.5 + 10 * 62.5) / 100 == 58.25
    assert s.assessment.grade == "D"

    # departments: 城管委 has A B C D G I F (I after its return); 水务局 has nothing left
    departments = evaluate(platform, db, "department")
    cgw = row(departments, month.cgw)
    assert ind(cgw, "filed") == (7, None, 7.0)
    assert ind(cgw, "closure_rate") == (6, 7, 85.71)
    assert ind(cgw, "on_time_closure_rate") == (4, 7, 57.14)
    assert ind(cgw, "disposal_rate") == (6, 7, 85.71)
    assert ind(cgw, "on_time_disposal_rate") == (4, 7, 57.14)
    assert ind(cgw, "rework_rate") == (1, 7, 14.29)
    assert ind(cgw, "satisfaction") == (7, 2, 3.5)
    # 立案数分值 80 (7 a month); (100 − 返工率); satisfaction 62.5
    exact = (
        10 * 80
        + 30 * Fraction(600, 7)
        + 30 * Fraction(400, 7)
        + 20 * (100 - Fraction(100, 7))
        + 10 * Fraction(125, 2)
    ) / 100
    assert cgw.assessment.composite == exact and composite(cgw) == 74.25
    assert cgw.assessment.grade == "C"
    water = row(departments, month.sw)
    assert water.facts["filed"] == 0 and composite(water) is None and water.assessment.grade is None

    # supervisor: reports A C D G I J M decided (N waits), valid all but M; public B, F missed
    sup = row(evaluate(platform, db, "post", "supervisor"), month.supervisor.id)
    assert ind(sup, "valid_report_rate") == (6, 7, 85.71)
    assert ind(sup, "missed_report_rate") == (2, 8, 25.0)  # 2 / (2 missed + 6 valid)
    assert ind(sup, "on_time_verify_rate") == (2, 2, 100.0)  # B, F (F's verification is in March)
    assert ind(sup, "on_time_check_rate") == (5, 6, 83.33)  # A B(fail) B C D(late) I; F's is in April
    # no responsibility grids: 巡查覆盖率 has no value and its weight (10) is left out of the sum
    assert ind(sup, "patrol_coverage") == (0, 0, None)
    exact = (30 * Fraction(600, 7) + 20 * (100 - 25) + 20 * 100 + 20 * Fraction(500, 6)) / 90
    assert sup.assessment.composite == exact and composite(sup) == 85.98 and sup.assessment.grade == "B"

    # operator: intake B E H M F; verification sent B (late) F; checks sent in March A B B C D I
    op = row(evaluate(platform, db, "post", "operator"), month.operator.id)
    assert ind(op, "intake") == (5, None, 5.0)
    assert op.assessment.indicator("intake").score == 40  # default bands: at least 1 a month
    assert ind(op, "on_time_verify_dispatch_rate") == (1, 2, 50.0)
    assert ind(op, "on_time_check_dispatch_rate") == (5, 6, 83.33)  # B's first after 30 min
    exact = (25 * 40 + 40 * 50 + 35 * Fraction(500, 6)) / 100
    assert op.assessment.composite == exact and composite(op) == 59.17 and op.assessment.grade == "D"
    # 按时受理 (weight 0): B sent after 15 min (late), E accepted after 5, H rejected after 20 (late),
    # M rejected 10 min after it was sent back (by the deadline), F sent after 5
    assert ind(op, "on_time_intake_rate") == (3, 5, 60.0)

    # shift leader: filed A B(late) C D G I F; D closed as erroneous; closed in March A B(late) C D I
    sl = row(evaluate(platform, db, "post", "shift_leader"), month.leader.id)
    assert ind(sl, "on_time_filing_rate") == (6, 7, 85.71)
    assert ind(sl, "accurate_filing_rate") == (6, 7, 85.71)
    assert ind(sl, "on_time_closing_rate") == (4, 5, 80.0)
    exact = (25 * Fraction(600, 7) + 40 * Fraction(600, 7) + 35 * 80) / 100
    assert sl.assessment.composite == exact and composite(sl) == 83.71 and sl.assessment.grade == "B"
    assert ind(sl, "on_time_decision_rate") == (1, 1, 100.0)  # E's void approved 5 min after the request

    # dispatcher: A B C D G I→水务局(returned) I→城管委 F, each within 15 minutes of its filing (B's
    # late filing is the shift leader's alone); decisions: B's extension, C's suspension, I's return
    dp = row(evaluate(platform, db, "post", "dispatcher"), month.dispatcher.id)
    assert ind(dp, "dispatched") == (8, None, 8.0)
    assert ind(dp, "on_time_dispatch_rate") == (8, 8, 100.0)
    assert ind(dp, "accurate_dispatch_rate") == (7, 8, 87.5)
    assert ind(dp, "on_time_decision_rate") == (3, 3, 100.0)
    assert composite(dp) == (20 * 40 + 40 * 100 + 40 * 87.5) / 100 == 83.0 and dp.assessment.grade == "B"

    # April holds F's tail (check sent, checked, closed) for the posts, and none of the cases
    april = evaluation.evaluate(platform, db, None, month_period("2026-04", CST), "post", "shift_leader")
    assert ind(row(april, month.leader.id), "on_time_closing_rate") == (1, 1, 100.0)
    april_cases = evaluation.evaluate(platform, db, None, month_period("2026-04", CST), "region", "grid")
    assert row(april_cases, grid).facts["filed"] == 0


def test_reopened_and_transferred_cases(month: Month, platform, db, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """May 2026: a reopened case stays in its filing month and is rated once per closure; a filing
    transferred to another network afterwards was not accurate; neither a reopening nor a transfer
    makes a dispatch wrong."""
    s, o, lead, p, h = month.supervisor, month.operator, month.leader, month.dispatcher, month.handler
    social = platform.catalogue(db).search(network="social_service")[0]

    t = month.report(s, at(5, 11, 9))
    month.act(lead, t, "file", at(5, 11, 9, 5))
    month.act(p, t, "dispatch", at(5, 11, 9, 10), department_id=month.cgw)
    moved = month.act(
        p,
        t,
        "transfer",
        at(5, 11, 9, 20),
        network="social_service",
        class_code=social.code,
        standard=social.standard,
        kind=str(social.kind),
    )
    assert moved.state == "filed" and moved.department_id is None  # waits for the new network

    r = month.report(month.citizen, at(5, 11, 9))
    month.act(o, r, "send_verify", at(5, 11, 9, 2), assignee_id=s.id)
    month.act(s, r, "verify_ok", at(5, 11, 9, 10))
    month.act(lead, r, "file", at(5, 11, 9, 15))
    month.act(p, r, "dispatch", at(5, 11, 9, 20), department_id=month.cgw)
    month.act(h, r, "accept", at(5, 11, 9, 30))
    month.act(h, r, "report_done", at(5, 11, 10))
    month.check_and_close(r, at(5, 11, 10), sent=2, checked=20, closed=25)
    month.rate(r, 1, at(5, 11, 11))
    month.act(month.citizen, r, "reopen", at(5, 12, 9))  # not solved after all
    month.act(p, r, "dispatch", at(5, 12, 9, 10), department_id=month.cgw)
    month.act(h, r, "accept", at(5, 12, 9, 20))
    month.act(h, r, "report_done", at(5, 12, 10))
    month.check_and_close(r, at(5, 12, 10), sent=2, checked=20, closed=30)
    month.rate(r, 5, at(5, 12, 11))

    clock.set(at(5, 20, 9))
    may = month_period("2026-05", CST)
    grid = db.get(Case, r).grid_code
    region = row(evaluation.evaluate(platform, db, None, may, "region", "grid"), grid)
    assert region.facts["filed"] == 2  # T and R, each once
    assert ind(region, "closure_rate") == (1, 2, 50.0)  # R closed; T waits for dispatch, overdue
    assert ind(region, "satisfaction") == (6, 2, 3.0)  # (1 + 5) / 2: one rating per closure
    assert ind(region, "dissatisfied_rate") == (1, 2, 50.0)
    cgw = row(evaluation.evaluate(platform, db, None, may, "department"), month.cgw)
    assert cgw.facts["filed"] == 1 and ind(cgw, "closure_rate") == (1, 1, 100.0)  # T left its books

    sl = row(evaluation.evaluate(platform, db, None, may, "post", "shift_leader"), lead.id)
    assert ind(sl, "accurate_filing_rate") == (1, 2, 50.0)  # T was transferred after filing
    assert ind(sl, "on_time_closing_rate") == (2, 2, 100.0)  # R closed twice, each within 30 min
    dp = row(evaluation.evaluate(platform, db, None, may, "post", "dispatcher"), p.id)
    assert ind(dp, "accurate_dispatch_rate") == (3, 3, 100.0)  # T, R, R again after the reopening
