"""接诉即办 on SQLite and PostgreSQL: a month of 12345 (hotline) cases whose department answered the
dispatch in time or late and whose callers were called back (回访: 满意 / 基本满意 / 不满意, solved or
not) gives the hand-computed 响应率, 解决率 and 满意率 per street and per department — through the
evaluations API, the XLSX workbook, read from the rollups and counted from the cases alike; the
callback action refuses what it should, in Chinese; a reopened case that another department handles
the second time leaves its first rating with the first department; `rollups check` agrees.

March 2039 (no other test makes cases in 2039): every case in 东华门街道 (110101001).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.conftest import Clock
from tests.integration import test_evaluation as scenario

from gridcity.db.models import Case, CaseRating
from gridcity.domain.assessment import month_period
from gridcity.services import evaluation, rankings, rollups

PERIOD = "2039-03"
STREET = "110101001"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2039, 3, day, hour, minute, tzinfo=scenario.CST)


class HotlineMonth(scenario.Month):
    def hotline_case(self, day: int, answered_after: timedelta | None, department: int | None = None) -> int:
        """A 12345 call on a weekday at 09:00, taken in, filed, dispatched at 09:30; the department
        answers (签收) `answered_after` the dispatch, disposes an hour later, and the case is closed."""
        o, lead, p, h = self.operator, self.leader, self.dispatcher, self.handler
        case_id = self.report(o, at(day, 9), channel="hotline")
        self.act(o, case_id, "accept_report", at(day, 9, 5))
        self.act(lead, case_id, "file", at(day, 9, 10))
        dispatched = at(day, 9, 30)
        self.act(p, case_id, "dispatch", dispatched, department_id=department or self.cgw)
        if answered_after is None:
            return case_id  # not answered yet
        answered = dispatched + answered_after
        self.act(h, case_id, "accept", answered)
        self.act(h, case_id, "report_done", answered + timedelta(hours=1))
        self.check_and_close(case_id, answered + timedelta(hours=1), sent=5, checked=30, closed=40)
        return case_id


def _callback(client, headers, case_id: int, db, **body: Any):  # type: ignore[no-untyped-def]
    db.expire_all()
    case = db.get(Case, case_id)
    payload = {"action": "callback", "version": case.version, "note": "回访 (test)", **body}
    return client.post(f"/api/v1/cases/{case_id}/actions", json=payload, headers=headers)


@pytest.fixture
def march(platform, db, make_user, clock: Clock):  # type: ignore[no-untyped-def]
    return HotlineMonth(platform, db, make_user, clock)


def test_the_12345_rates_of_a_month_by_hand(  # type: ignore[no-untyped-def]
    march: HotlineMonth, platform, db, client, login, make_user, clock: Clock, tmp_path: Path
) -> None:
    m = march
    minutes = lambda n: timedelta(minutes=n)  # noqa: E731
    h1 = m.hotline_case(7, minutes(30))  # answered in 30 min: on time
    h2 = m.hotline_case(8, minutes(180))  # 3 hours: late
    h3 = m.hotline_case(9, minutes(120))  # exactly the 2 hours: on time
    h4 = m.hotline_case(10, minutes(110))  # on time
    h5 = m.hotline_case(11, minutes(10))  # on time
    h6 = m.hotline_case(14, None)  # dispatched and never answered: late by the end of the month
    citizen_case = m.report(m.citizen, at(15, 9))  # fixed on the spot: closed, not a 12345 case
    m.act(m.operator, citizen_case, "send_verify", at(15, 9, 5), assignee_id=m.supervisor.id)
    m.act(m.supervisor, citizen_case, "verify_ok", at(15, 9, 20))
    m.act(m.supervisor, citizen_case, "self_handle", at(15, 9, 25))
    clock.set(at(20, 10))  # the callbacks, days after the closures
    operator = login(m.operator)  # (a token is valid for hours, on the test's clock)
    verdicts = {
        h1: ("satisfied", True),
        h2: ("basically_satisfied", True),
        h3: ("dissatisfied", False),
        h4: ("满意", False),  # the Chinese label is understood too
        h5: ("dissatisfied", False),
    }
    for case_id, (verdict, solved) in verdicts.items():
        r = _callback(client, operator, case_id, db, verdict=verdict, solved=solved)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "closed"

    # a callback is refused twice for one closure, to other roles, and on a case not from the hotline
    again = _callback(client, operator, h1, db, verdict="dissatisfied", solved=False)
    assert again.status_code == 409 and "called back already" in again.json()["detail"]
    leader = _callback(client, login(m.leader), h1, db, verdict="satisfied", solved=True)
    assert leader.status_code == 403 and "回访" in leader.json()["detail"]
    not_hotline = _callback(client, operator, citizen_case, db, verdict="satisfied", solved=True)
    assert not_hotline.status_code == 422 and "12345" in not_hotline.json()["detail"]
    missing = _callback(client, operator, h6, db, verdict="satisfied", solved=True)
    assert missing.status_code == 409  # not closed yet
    db.expire_all()
    assert db.query(CaseRating).filter(CaseRating.case_id == h1).count() == 1

    # the callback as the case shows it: 5 stars, on the department's books, with the verdict
    rating = db.query(CaseRating).filter(CaseRating.case_id == h2).one()
    assert (rating.stars, rating.source, rating.verdict, rating.solved) == (
        3,
        "callback",
        "basically_satisfied",
        True,
    )
    assert rating.department_id == m.cgw

    clock.set(at(31, 12))
    # 响应率 4 / 6 (h2 answered late, h6 not at all); 解决率 2 / 5 (h1, h2); 满意率 3 / 5 (h1, h2, h4)
    expected = {
        "hotline_response_rate": (66.67, 4, 6),
        "hotline_resolution_rate": (40.0, 2, 5),
        "hotline_satisfaction_rate": (60.0, 3, 5),
    }
    leader_user = make_user("leader", "110000")
    headers = login(leader_user)
    for params, key in (({"kind": "region", "level": "street"}, STREET), ({"kind": "department"}, m.cgw)):
        for source in ("rollups", "cases"):
            got = _api_rates(client, headers, params, key, source, platform, db)
            assert got == expected, (params, source)

    # judged half an hour after h6's dispatch, its answer is not due yet: 4 of 5
    for source in ("rollups", "cases"):
        early = evaluation.evaluate(
            platform, db, None, month_period(PERIOD, scenario.CST), "department", None, at(14, 10), source
        )
        row = next(row for row in early.rows if row.scope["id"] == m.cgw)
        response = row.assessment.indicator("hotline_response_rate")
        assert (response.numerator, response.denominator) == (4, 5), source

    # the XLSX carries the three rates with their numerators and denominators
    period = month_period(PERIOD, scenario.CST)
    results = [evaluation.evaluate(platform, db, None, period, "region", "street")]
    results.append(evaluation.evaluate(platform, db, None, period, "department", None))
    book = load_workbook(io.BytesIO(evaluation.workbook(results)))
    for sheet_name, code in (("街道 Street", STREET), ("专业部门 Department", "110101-CGW")):
        sheet = book[sheet_name]
        header = [cell.value for cell in sheet[4]]
        rows = {
            line[2]: dict(zip(header, line, strict=True))
            for line in sheet.iter_rows(min_row=5, values_only=True)
        }
        row = rows[code]
        assert (row["12345响应率 (%)"], row["12345响应率 分子"], row["12345响应率 分母"]) == (66.67, 4, 6)
        assert (row["12345解决率 (%)"], row["12345解决率 分子"], row["12345解决率 分母"]) == (40, 2, 5)
        assert (row["12345满意率 (%)"], row["12345满意率 分子"], row["12345满意率 分母"]) == (60, 3, 5)
        assert row["12345响应率 排名"] == row["12345解决率 排名"] == row["12345满意率 排名"] == 1

    # the published street ranking keeps the rates, and the street's rank on each rate's own list
    clock.set(datetime(2039, 4, 1, 9, 0, tzinfo=scenario.CST))
    snapshot = rankings.publish(platform, db, None, PERIOD, "street")
    row = next(row for row in snapshot.rows if row["scope"]["code"] == STREET)
    satisfied = row["indicators"]["hotline_satisfaction_rate"]
    assert (satisfied["value"], satisfied["numerator"], satisfied["denominator"]) == (60.0, 3, 5)
    assert row["rate_ranks"] == dict.fromkeys(expected, 1)  # the only street with 12345 cases
    header, body = rankings.table(snapshot)  # the ranking's CSV
    line = dict(zip(header, next(b for b in body if b[2] == STREET), strict=True))
    assert line["12345满意率"] == 60.0 and line["12345满意率 排名"] == 1
    labels = {item["key"]: item["label"] for item in snapshot.config["indicators"]}
    assert labels["hotline_response_rate"] == "12345响应率" and labels["satisfaction"] == "满意度（平均星级）"

    assert rollups.differences(platform, db) == []


def _api_rates(client, headers, params, key, source, platform, db) -> dict[str, tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    """The 12345 rates of one row: through the API (a whole month: read from the rollups), or as
    the service counts them from the cases (the API's own view of a row)."""
    if source == "rollups":
        r = client.get("/api/v1/evaluations", params={"period": PERIOD, **params}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["counted_from"] == "rollups"
        rows = body["rows"]
    else:
        period = month_period(PERIOD, scenario.CST)
        result = evaluation.evaluate(
            platform, db, None, period, params["kind"], params.get("level"), source="cases"
        )
        rows = [evaluation.row_view(row) for row in result.rows]
    row = next(row for row in rows if key in (row["scope"]["code"], row["scope"].get("id")))
    return {
        name: (item["value"], item["numerator"], item["denominator"])
        for name, item in row["indicators"].items()
        if name.startswith("hotline_")
    }


def test_a_reopened_case_leaves_its_first_rating_with_the_first_department(  # type: ignore[no-untyped-def]
    march: HotlineMonth, platform, db, clock: Clock
) -> None:
    m = march

    def april(day: int, hour: int, minute: int = 0) -> datetime:  # April 2039: this test's own month
        return datetime(2039, 4, day, hour, minute, tzinfo=scenario.CST)

    s, o, lead, p = m.supervisor, m.operator, m.leader, m.dispatcher
    case_id = m.report(m.citizen, april(21, 9))
    m.act(o, case_id, "send_verify", april(21, 9, 2), assignee_id=s.id)
    m.act(s, case_id, "verify_ok", april(21, 9, 10))
    m.act(lead, case_id, "file", april(21, 9, 15))
    m.act(p, case_id, "dispatch", april(21, 9, 20), department_id=m.sw)  # 水务局 first
    m.act(m.water_handler, case_id, "accept", april(21, 9, 30))
    m.act(m.water_handler, case_id, "report_done", april(21, 10))
    m.check_and_close(case_id, april(21, 10), sent=2, checked=20, closed=25)
    m.rate(case_id, 1, april(21, 11))  # the water department's work: 1 star
    m.act(m.citizen, case_id, "reopen", april(22, 9))
    m.act(p, case_id, "dispatch", april(22, 9, 10), department_id=m.cgw)  # 城管委 the second time
    m.act(m.handler, case_id, "accept", april(22, 9, 20))
    m.act(m.handler, case_id, "report_done", april(22, 10))
    m.check_and_close(case_id, april(22, 10), sent=2, checked=20, closed=30)
    m.rate(case_id, 5, april(22, 11))

    clock.set(april(30, 12))
    period = month_period("2039-04", scenario.CST)
    for source in ("rollups", "cases"):
        result = evaluation.evaluate(platform, db, None, period, "department", None, source=source)
        rows = {row.scope["id"]: row for row in result.rows}
        # the case is on 城管委's books now; its first rating (1 star) stays with 水务局
        water, cgw = rows[m.sw], rows[m.cgw]
        assert water.facts["filed"] == 0 and cgw.facts["filed"] == 1, source
        satisfaction = water.assessment.indicator("satisfaction")
        assert (satisfaction.numerator, satisfaction.denominator, satisfaction.value) == (1, 1, 1), source
        assert water.assessment.indicator("dissatisfied_rate").value == 100
        satisfaction = cgw.assessment.indicator("satisfaction")
        assert (satisfaction.numerator, satisfaction.denominator, satisfaction.value) == (5, 1, 5), source
        # the street counts both ratings: 6 stars of 2
        street = evaluation.evaluate(platform, db, None, period, "region", "street", source=source)
        dongcheng = next(row for row in street.rows if row.scope["code"] == STREET)
        assert (dongcheng.facts["ratings"], dongcheng.facts["stars"]) == (2, 6), source
    assert rollups.differences(platform, db) == []
