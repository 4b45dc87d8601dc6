"""[7] A clock per post, lateness charged to whoever caused it, rework — a hand-computed day of the
command centre on SQLite and PostgreSQL, through the real services, the clock moved by the test.

Monday 2026-11-16 (a working day; work periods 08:30–12:00 and 13:30–17:30), 东华门街道, class
06010 暴露垃圾 (disposal 4 working hours, rework 2, filing 15 min, dispatch 15 min, decision 1
working hour, check 1 h, close 30 min). Every figure below is worked out by hand in the comments."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import select
from tests.support import photos_for

from gridcity.db.migrate import alembic_config, upgrade
from gridcity.db.models import Case, SupervisionEntry
from gridcity.domain.assessment import month_period
from gridcity.domain.errors import Invalid
from gridcity.domain.rollups import case_contribution
from gridcity.domain.workflow import CaseAction
from gridcity.services import cases, evaluation, notifications, rollups
from gridcity.services.sweep import sweep

CST = ZoneInfo("Asia/Shanghai")
PLACE = (116.4040, 39.9140)  # 东华门街道 110101001
NATIONAL = "GB/T 47678.5-2026"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


class Centre:
    """Fresh people of the test city (their post rows are theirs alone) and the steps they take."""

    def __init__(self, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.db = platform, db
        self.platform_user = make_user
        self.supervisor = make_user("supervisor", "110101")
        self.operator = make_user("operator", "110101")
        self.shift_leader = make_user("shift_leader", "110101")
        self.dispatcher = make_user("dispatcher", "110101")
        self.handler = make_user("handler", "110101-CGW")
        self.citizen = make_user("citizen")

    def at(self, moment: datetime) -> None:
        self.platform.now.set(moment)

    def report(self, user: Any, moment: datetime, channel: str | None = None) -> int:
        self.at(moment)
        report = cases.Report(
            class_code="06010",
            kind="event",
            standard=NATIONAL,
            lon=PLACE[0],
            lat=PLACE[1],
            description="clock per post",
            channel=channel,
        )
        case, _ = cases.report_case(self.platform, self.db, user, report)
        return case.id

    def act(
        self, user: Any, case_id: int, action: str, moment: datetime, note: str = "", **fields: Any
    ) -> Case:
        self.at(moment)
        case = self.get(case_id)
        photos = photos_for(self.platform, self.db, user, action)  # 核实、核查、处置反馈 need one
        request = cases.ActionRequest(
            action, case.version, note=note or f"{action} (test)", fields=fields, attachments=photos
        )
        cases.transition(self.platform, self.db, user, case_id, request)
        return self.get(case_id)

    def get(self, case_id: int) -> Case:
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        assert case is not None
        return case

    def row(self, case_id: int, action: str) -> Any:
        return [e for e in self.get(case_id).events if e.action == action][-1]

    def sweep(self, moment: datetime) -> None:
        self.at(moment)
        sweep(self.platform, self.db)

    def warnings(self, user: Any, case_id: int) -> list[str]:
        """Every warning the user was sent about the case (not only those the bell still shows)."""
        return [n.text for n in notifications.received(self.db, user, case_id) if n.kind == "warning"]

    def dispatched(self, moment: datetime) -> int:
        case_id = self.report(self.supervisor, moment)  # a supervisor's report is accepted at once
        self.act(self.shift_leader, case_id, "file", moment)
        self.act(self.dispatcher, case_id, "dispatch", moment, department_id=self.handler.org_unit_id)
        return case_id


@pytest.fixture
def centre(platform, db, make_user) -> Centre:  # type: ignore[no-untyped-def]
    return Centre(platform, db, make_user)


def test_a_late_filing_does_not_make_the_dispatcher_late(centre: Centre) -> None:
    case_id = centre.report(centre.supervisor, at(16, 9))
    accepted = centre.get(case_id)
    assert (accepted.state, accepted.stage, accepted.stage_deadline) == ("accepted", "file", at(16, 9, 15))
    centre.act(centre.shift_leader, case_id, "file", at(16, 9, 20))  # 5 minutes late
    filing = centre.row(case_id, "file")
    assert (filing.data["on_time"], filing.data["stage"]) == (False, "file")
    filed = centre.get(case_id)
    assert (filed.stage, filed.stage_deadline) == ("dispatch", at(16, 9, 35))  # its own 15 minutes
    centre.act(
        centre.dispatcher, case_id, "dispatch", at(16, 9, 30), department_id=centre.handler.org_unit_id
    )
    assert centre.row(case_id, "dispatch").data["on_time"] is True

    # the filing's lateness is the shift leader's, the dispatch was on time
    month = month_period("2026-11", CST)
    leaders = evaluation.evaluate(centre.platform, centre.db, None, month, "post", "shift_leader")
    lead = next(r for r in leaders.rows if r.scope["id"] == centre.shift_leader.id)
    assert (lead.facts["filings_timed"], lead.facts["filings_on_time"]) == (1, 0)
    dispatchers = evaluation.evaluate(centre.platform, centre.db, None, month, "post", "dispatcher")
    mine = next(r for r in dispatchers.rows if r.scope["id"] == centre.dispatcher.id)
    assert (mine.facts["dispatches_timed"], mine.facts["dispatches_on_time"]) == (1, 1)
    assert rollups.differences(centre.platform, centre.db) == []


def test_a_request_waiting_for_the_decision_is_not_charged_to_the_department(centre: Centre) -> None:
    case_id = centre.dispatched(at(16, 9))  # disposal 4 working hours: 09:00–12:00, 13:30–14:30
    assert centre.get(case_id).stage_deadline == at(16, 14, 30)
    centre.act(centre.handler, case_id, "accept", at(16, 10))
    waiting = centre.act(
        centre.handler,
        case_id,
        "request_extension",
        at(16, 10),
        note="需要调配车辆",
        extension="2 work_hours",
    )
    # the disposal clock is parked with 1 working hour used; the dispatcher's decision has 1 hour
    assert (waiting.stage, waiting.stage_deadline) == ("decide", at(16, 11))
    assert waiting.pending_request["parked"]["stage"] == "dispose"

    centre.sweep(at(16, 11, 30))  # the decision is overdue: warned, never escalated
    assert any("审批已超过时限" in t for t in centre.warnings(centre.dispatcher, case_id))
    assert any("审批已超过时限" in t for t in centre.warnings(centre.shift_leader, case_id))
    assert centre.warnings(centre.handler, case_id) == []  # not the department's lateness
    assert centre.get(case_id).escalation_level == 0

    # approved after 2 working hours of waiting (10:00–12:00): the department has its 3 hours left
    # plus the 2 granted = 5 working hours from 12:00: 13:30–17:30 and Tuesday 08:30–09:30
    approved = centre.act(centre.dispatcher, case_id, "approve_extension", at(16, 12), note="同意")
    assert centre.row(case_id, "approve_extension").data["on_time"] is False  # the dispatcher's
    assert (approved.state, approved.stage, approved.pending_request) == ("disposing", "dispose", None)
    assert approved.stage_deadline == at(17, 9, 30)
    assert approved.extension_count == 1

    centre.act(centre.handler, case_id, "report_done", at(17, 9))
    assert centre.row(case_id, "report_done").data["on_time"] is True
    centre.act(centre.supervisor, case_id, "check_pass", at(17, 9, 20))
    closed = centre.act(centre.shift_leader, case_id, "close", at(17, 9, 30))
    assert closed.closing_type == "normal"
    assert centre.row(case_id, "close").data["on_time"] is True  # within 30 minutes of the check

    month = month_period("2026-11", CST)
    dispatchers = evaluation.evaluate(centre.platform, centre.db, None, month, "post", "dispatcher")
    mine = next(r for r in dispatchers.rows if r.scope["id"] == centre.dispatcher.id)
    assert (mine.facts["decisions_timed"], mine.facts["decisions_on_time"]) == (1, 0)
    rate = evaluation.row_view(mine)["indicators"]["on_time_decision_rate"]
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (0, 0, 1)
    assert rollups.differences(centre.platform, centre.db) == []


def test_a_denied_return_resumes_the_department_clock_where_it_stopped(centre: Centre) -> None:
    case_id = centre.dispatched(at(16, 9))
    centre.act(centre.handler, case_id, "request_return", at(16, 11), note="不属于本单位")  # 2 h used
    denied = centre.act(centre.dispatcher, case_id, "deny_return", at(16, 11, 30), note="属于贵单位")
    # 2 hours left from 11:30: 11:30–12:00 and 13:30–15:00
    assert (denied.state, denied.stage, denied.stage_deadline) == ("disposing", "dispose", at(16, 15))
    assert centre.row(case_id, "deny_return").data["on_time"] is True


def test_a_failed_check_gives_a_rework_limit_and_the_case_is_never_on_time(centre: Centre) -> None:
    case_id = centre.dispatched(at(16, 9))
    centre.act(centre.handler, case_id, "accept", at(16, 9, 10))
    centre.act(centre.handler, case_id, "report_done", at(16, 11))  # on time (deadline 14:30)
    reworked = centre.act(centre.supervisor, case_id, "check_fail", at(16, 11, 30), note="仍有垃圾")
    # 返工时限 = half of 4 working hours, from the fail: 11:30–12:00 and 13:30–15:00
    assert (reworked.state, reworked.stage, reworked.stage_deadline) == ("dispatched", "rework", at(16, 15))
    centre.act(centre.handler, case_id, "accept", at(16, 13, 40))
    assert centre.get(case_id).stage == "rework"  # the disposal states of a rework stay in rework

    centre.sweep(at(16, 15, 1))  # the rework is overdue: a department's stage, so it escalates
    late = centre.get(case_id)
    assert late.escalation_level == 1
    assert any("返工已超过时限" in t for t in centre.warnings(centre.handler, case_id))

    centre.act(centre.handler, case_id, "report_done", at(16, 15, 30))
    assert centre.row(case_id, "report_done").data == {"on_time": False, "stage": "rework"}
    centre.act(centre.supervisor, case_id, "check_pass", at(16, 15, 40))
    closed = centre.act(centre.shift_leader, case_id, "close", at(16, 15, 50))
    assert closed.closing_type == "overdue"  # the rework ran late: 超期结案

    month = month_period("2026-11", CST)
    department = evaluation.evaluate(centre.platform, centre.db, None, month, "department")
    row = next(r for r in department.rows if r.scope["id"] == centre.handler.org_unit_id)
    mine = evaluation.evaluate(centre.platform, centre.db, None, month, "department", source="cases")
    same = next(r for r in mine.rows if r.scope["id"] == centre.handler.org_unit_id)
    assert row.facts == same.facts
    assert rollups.differences(centre.platform, centre.db) == []


def test_a_rework_on_time_still_does_not_count_as_on_time(centre: Centre) -> None:
    case_id = centre.dispatched(at(16, 9))
    centre.act(centre.handler, case_id, "accept", at(16, 9, 5))
    centre.act(centre.handler, case_id, "report_done", at(16, 10))
    centre.act(centre.supervisor, case_id, "check_fail", at(16, 10, 30), note="未清理干净")
    centre.act(centre.handler, case_id, "accept", at(16, 10, 35))
    centre.act(centre.handler, case_id, "report_done", at(16, 11))  # within the rework limit
    centre.act(centre.supervisor, case_id, "check_pass", at(16, 11, 10))
    closed = centre.act(centre.shift_leader, case_id, "close", at(16, 11, 20))
    assert closed.closing_type == "normal"  # no stage ran late
    facts = _case_facts(centre, closed)
    assert (facts["closed"], facts["closed_on_time"], facts["disposed_on_time"]) == (1, 0, 0)


def _case_facts(centre: Centre, case: Case) -> dict[str, int]:
    contribution = case_contribution(case, evaluation.rollup_rules(centre.platform))
    (counts,) = [c for key, c in contribution.items() if key[0] == "department"]
    return dict(counts)


def test_a_late_case_is_closed_overdue_and_listed_in_its_disposal_stage(centre: Centre) -> None:
    case_id = centre.dispatched(at(16, 9))
    centre.act(centre.handler, case_id, "accept", at(16, 9, 5))
    centre.act(centre.handler, case_id, "report_done", at(16, 15))  # deadline 14:30: late
    centre.act(centre.supervisor, case_id, "check_pass", at(16, 15, 10))
    checked = centre.get(case_id)
    assert (checked.stage, checked.stage_deadline) == ("close", at(16, 15, 40))
    with pytest.raises(Invalid, match="超期结案"):
        centre.act(centre.shift_leader, case_id, "close", at(16, 15, 20), closing_type="normal")
    assert centre.get(case_id).state == "checked"  # nothing changed
    closed = centre.act(centre.shift_leader, case_id, "close", at(16, 15, 20))
    assert closed.closing_type == "overdue"


def test_intake_has_a_clock_warned_to_the_shift_leader_never_listed(centre: Centre) -> None:
    case_id = centre.report(centre.citizen, at(16, 9), channel="citizen")
    waiting = centre.get(case_id)
    assert (waiting.state, waiting.stage, waiting.stage_deadline) == ("reported", "accept", at(16, 9, 10))
    centre.sweep(at(16, 9, 9))
    assert any("受理时限将到" in t for t in centre.warnings(centre.operator, case_id))
    centre.sweep(at(16, 9, 11))
    assert any("受理已超过时限" in t for t in centre.warnings(centre.operator, case_id))
    assert any("受理已超过时限" in t for t in centre.warnings(centre.shift_leader, case_id))
    centre.sweep(at(30, 9))  # two weeks later, still waiting: nothing escalates, nothing is listed
    assert centre.get(case_id).escalation_level == 0
    assert not [e for e in centre.get(case_id).events if e.action == CaseAction.ESCALATE]
    listed = centre.db.scalars(select(SupervisionEntry).where(SupervisionEntry.case_id == case_id)).all()
    assert listed == []
    centre.act(centre.operator, case_id, "accept_report", at(30, 9, 5), note="受理")
    assert centre.row(case_id, "accept_report").data["on_time"] is False


def test_the_supervision_list_names_the_stage_the_department_and_the_hours_late(
    centre: Centre, client, login
) -> None:  # type: ignore[no-untyped-def]
    case_id = centre.dispatched(at(16, 9))  # disposal due Mon 14:30
    centre.act(centre.handler, case_id, "accept", at(16, 9, 5))
    # street at the deadline, district a working day later, city three more, the list five more:
    # nine working days after Mon 16 Nov 14:30 is Fri 27 Nov 14:30
    centre.sweep(at(27, 14, 29))
    assert centre.get(case_id).escalation_level == 3
    centre.sweep(at(27, 15))
    assert centre.get(case_id).escalation_level == 4

    leader = login(centre.shift_leader)
    listed = client.get("/api/v1/supervision-list", params={"period": "2026-11"}, headers=leader)
    assert listed.status_code == 200
    (entry,) = [e for e in listed.json()["entries"] if e["case_id"] == case_id]
    assert (entry["stage"], entry["stage_name"], entry["reason"]) == ("dispose", "处置", "escalated")
    assert entry["department"]["id"] == centre.handler.org_unit_id and entry["department"]["name"]
    assert entry["overdue_hours"] == 264.5  # 11 days and half an hour past Mon 14:30, still running

    # the department reports it done on Mon 30 Nov 09:00: the hours stop there
    centre.act(centre.handler, case_id, "report_done", at(30, 9))
    leader = login(centre.shift_leader)  # a new day, a new sign-in
    again = client.get("/api/v1/supervision-list", params={"period": "2026-11"}, headers=leader).json()
    (entry,) = [e for e in again["entries"] if e["case_id"] == case_id]
    assert entry["overdue_hours"] == 330.5  # 13 days 18.5 hours

    # December's first pass carries it over (still open) with the stage it was listed for
    centre.sweep(datetime(2026, 12, 1, 9, tzinfo=CST))
    leader = login(centre.shift_leader)
    december = client.get("/api/v1/supervision-list", params={"period": "2026-12"}, headers=leader).json()
    (carried,) = [e for e in december["entries"] if e["case_id"] == case_id]
    assert (carried["stage"], carried["reason"]) == ("dispose", "carried_over")
    assert carried["department"]["id"] == centre.handler.org_unit_id

    # who may read it, and bad input
    other = login(centre.platform_user("handler", "110101-SW"))
    theirs = client.get("/api/v1/supervision-list", params={"period": "2026-11"}, headers=other).json()
    assert case_id not in [e["case_id"] for e in theirs["entries"]]  # another department's case
    citizen = client.get(
        "/api/v1/supervision-list", params={"period": "2026-11"}, headers=login(centre.citizen)
    )
    assert citizen.status_code == 403 and "citizens cannot see" in citizen.json()["detail"]
    bad = client.get("/api/v1/supervision-list", params={"period": "2026-13"}, headers=leader)
    assert bad.status_code == 422 and "YYYY-MM" in bad.text
    assert client.get("/api/v1/supervision-list", params={"period": "2026-11"}).status_code == 401


@pytest.mark.own_city
def test_an_upgraded_database_runs_the_clock_of_the_post_that_acts_now(centre: Centre, platform) -> None:  # type: ignore[no-untyped-def]
    """Revision 0011 on cases an earlier version left: a report waiting for intake gets the intake
    clock, a checked case the closing clock, an accepted case's clock becomes the filing post's."""
    waiting = centre.report(centre.citizen, at(16, 9), channel="citizen")
    accepted = centre.report(centre.supervisor, at(16, 9, 30))
    checked = centre.dispatched(at(16, 9))
    centre.act(centre.handler, checked, "accept", at(16, 9, 5))
    centre.act(centre.handler, checked, "report_done", at(16, 10))
    centre.act(centre.supervisor, checked, "check_pass", at(16, 10, 20))
    url = platform.settings.effective_database_url
    centre.db.close()
    platform.engine.dispose()
    config = alembic_config(url)
    with platform.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")  # as the earlier version had them: no clock, one dispatch clock
    with platform.engine.connect() as connection:
        stages = dict(
            connection.execute(
                select(Case.id, Case.stage).where(Case.id.in_([waiting, accepted, checked]))
            ).all()
        )
    assert stages == {waiting: None, accepted: "dispatch", checked: None}

    upgrade(url)
    platform.engine.dispose()
    assert (centre.get(waiting).stage, centre.get(waiting).stage_deadline) == ("accept", at(16, 9, 10))
    assert centre.get(waiting).sweep_at is not None  # the sweep will warn it
    assert centre.get(accepted).stage == "file"
    assert (centre.get(checked).stage, centre.get(checked).stage_deadline) == ("close", at(16, 10, 50))
