"""The deadline sweep on SQLite and PostgreSQL: cases made and moved through the real services, the
clock moved by the test, the sweep run, and what people would notice asserted — the history rows,
the case's escalation level, who is notified, the monthly supervision list — and that nothing is
ever warned or escalated twice.

The test city is shared by the tests of a worker, so a sweep also sees other tests' open cases:
every assertion here is about this test's own cases."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select
from tests.conftest import Clock
from tests.support import photos_for

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, CaseEvent, Notification, OutboxMessage, User
from gridcity.domain.workflow import CaseAction
from gridcity.services import cases, notifications
from gridcity.services.sweep import SweepReport, supervision_list, sweep

CST = ZoneInfo("Asia/Shanghai")
DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
STREET, DISTRICT, CITY = "110101001", "110101", "110000"
NATIONAL = "GB/T 47678.5-2026"


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


# name -> (role, unit); made once per test city (a password hash takes a good part of a second)
PEOPLE = {
    "supervisor": ("supervisor", DISTRICT),
    "shift_leader": ("shift_leader", DISTRICT),
    "dispatcher": ("dispatcher", DISTRICT),
    "handler": ("handler", "110101-CGW"),
    # the watchers of each tier's platform
    "street_leader": ("shift_leader", STREET),
    "district_leader": ("leader", DISTRICT),
    "city_leader": ("leader", CITY),
}
_people: dict[str, dict[str, int]] = {}  # per test city, by its database (an id() can be reused)


class Desk:
    """People of the test city and the steps they take, through services.cases."""

    def __init__(self, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.db = platform, db
        city = str(platform.engine.url)
        ids = _people.get(city)
        if ids is None:
            ids = _people[city] = {name: make_user(*spec).id for name, spec in PEOPLE.items()}
        people = {name: db.get(User, user_id) for name, user_id in ids.items()}
        self.supervisor, self.shift_leader = people["supervisor"], people["shift_leader"]
        self.dispatcher, self.handler = people["dispatcher"], people["handler"]
        self.street_leader, self.district_leader = people["street_leader"], people["district_leader"]
        self.city_leader = people["city_leader"]

    def report(self, code: str = "06010", urgency: str | None = None) -> Case:
        report = cases.Report(
            class_code=code,
            kind="event",
            standard=NATIONAL,
            lon=DONGHUAMEN[0],
            lat=DONGHUAMEN[1],
            description="sweep test",
            urgency=urgency,
        )
        case, _ = cases.report_case(self.platform, self.db, self.supervisor, report)
        return self.get(case.id)

    def act(self, user: User, case_id: int, action: str, **fields: Any) -> Case:
        case = self.get(case_id)
        photos = photos_for(self.platform, self.db, user, action)
        request = cases.ActionRequest(action, case.version, f"{action} (test)", fields, photos)
        cases.transition(self.platform, self.db, user, case_id, request)
        return self.get(case_id)

    def dispatched(self, code: str = "06010", urgency: str | None = None) -> Case:
        """Reported by a supervisor, filed and dispatched to the handler's department at `now`."""
        case = self.report(code, urgency)
        self.act(self.shift_leader, case.id, "file")
        return self.act(self.dispatcher, case.id, "dispatch", department_id=self.handler.org_unit_id)

    def get(self, case_id: int) -> Case:
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        assert case is not None
        return case

    def escalations(self, case_id: int) -> list[CaseEvent]:
        return [e for e in self.get(case_id).events if e.action == CaseAction.ESCALATE]

    def notes(self, user: User, case_id: int, kind: str) -> list[str]:
        """What the user was told of the case (all of it: the bell keeps only what is still to do)."""
        return [n.text for n in notifications.received(self.db, user, case_id) if n.kind == kind]

    def sweep(self, moment: datetime, **kwargs: Any) -> SweepReport:
        self.platform.now.set(moment)
        return sweep(self.platform, self.db, **kwargs)


@pytest.fixture
def desk(platform, db, make_user) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(platform, db, make_user)


def test_a_late_case_is_warned_then_escalated_tier_by_tier_and_listed_for_the_month(
    desk: Desk, clock: Clock
) -> None:
    case = desk.dispatched()  # Monday 09:00; disposal of exposed garbage: 4 working hours → 14:30
    department = case.department_id
    accepted = desk.act(desk.handler, case.id, "accept").version
    assert desk.get(case.id).stage_deadline == at(11, 16, 14, 30)

    desk.sweep(at(11, 16, 12))
    assert desk.notes(desk.handler, case.id, "warning") == []  # green: nothing to say

    desk.sweep(at(11, 16, 13, 45))  # 3 h 15 min of the 4 working hours used: yellow
    (yellow,) = desk.notes(desk.handler, case.id, "warning")
    assert "黄灯预警" in yellow and "处置时限将到" in yellow and "11-16 14:30" in yellow
    after_yellow = desk.get(case.id)
    assert after_yellow.version == accepted  # a warning is not a change of the case
    assert after_yellow.stage_warned == 1 and after_yellow.escalation_level == 0

    again = desk.sweep(at(11, 16, 13, 45))
    assert again.warnings["yellow"] == 0 and again.escalated == 0  # nothing twice

    report = desk.sweep(at(11, 16, 14, 31))  # overdue
    assert report.warnings["red"] >= 1 and report.escalations[1] >= 1
    red = [t for t in desk.notes(desk.handler, case.id, "warning") if "红灯超时" in t]
    assert len(red) == 1 and "处置已超过时限" in red[0]
    street = desk.get(case.id)
    (event,) = desk.escalations(case.id)
    assert street.escalation_level == 1 and street.state == "disposing"
    assert street.department_id == department  # escalation never re-dispatches
    assert street.version == len(street.events) == accepted + 1
    assert (event.action, event.from_state, event.to_state) == ("escalate", "disposing", "disposing")
    assert (event.actor_id, event.actor_role, event.actor_name) == (None, "system", "系统")
    assert event.data["level"] == 1 and event.data["tier"] == "street" and event.data["stage"] == "dispose"
    assert "升级至街道平台督办" in event.note
    outbox = desk.db.scalars(
        select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.topic == "case.escalate")
    ).all()
    assert [m.payload["event_seq"] for m in outbox] == [event.seq]
    # the street platform's shift leader hears of it, and the district's leader (their scope covers
    # the street); the handler already had the red warning
    assert len(desk.notes(desk.street_leader, case.id, "escalation")) == 1
    assert len(desk.notes(desk.district_leader, case.id, "escalation")) == 1

    desk.sweep(at(11, 17, 14, 29))
    assert desk.get(case.id).escalation_level == 1  # a working day overdue only at 14:30
    desk.sweep(at(11, 17, 14, 30))
    assert desk.get(case.id).escalation_level == 2
    assert len(desk.notes(desk.district_leader, case.id, "escalation")) == 2
    assert len(desk.notes(desk.street_leader, case.id, "escalation")) == 1  # the district's is not theirs
    assert desk.notes(desk.city_leader, case.id, "escalation") != []  # the city sees all

    desk.sweep(at(11, 20, 14, 30))  # three more working days: the city platform
    assert desk.get(case.id).escalation_level == 3 and desk.escalations(case.id)[-1].data["tier"] == "city"
    assert case.id not in _listed(desk, "2026-11")  # not yet: five working days at the city first

    desk.sweep(at(11, 27, 14, 30))  # still unsolved five working days after the city level
    assert desk.get(case.id).escalation_level == 4
    last = desk.escalations(case.id)[-1]
    assert last.data["month"] == "2026-11" and "列入2026-11月检查" in last.note
    assert _listed(desk, "2026-11")[case.id] == "escalated"
    assert any("月检查" in t for t in desk.notes(desk.city_leader, case.id, "escalation"))
    assert [e.data["level"] for e in desk.escalations(case.id)] == [1, 2, 3, 4]

    # a new month: still open, so on December's list too — once
    first = desk.sweep(at(12, 1, 9))
    assert first.carried_over >= 1 and _listed(desk, "2026-12")[case.id] == "carried_over"
    assert desk.sweep(at(12, 1, 10)).carried_over == 0
    assert len(desk.escalations(case.id)) == 4 and desk.get(case.id).version == accepted + 4

    # the department reports it done: the check stage (1 hour) warns afresh, the level stays
    clock.set(at(12, 1, 10))
    desk.act(desk.handler, case.id, "report_done")
    checking = desk.get(case.id)
    assert (checking.stage, checking.stage_warned, checking.escalation_level) == ("check", 0, 4)
    desk.sweep(at(12, 1, 11, 1))
    supervisor_notes = desk.notes(desk.supervisor, case.id, "warning")
    assert len(supervisor_notes) == 1 and "核查已超过时限" in supervisor_notes[0]
    assert len(desk.escalations(case.id)) == 4  # the list was the top; nothing more to escalate

    # closed: no longer carried over
    clock.set(at(12, 1, 11, 5))
    desk.act(desk.supervisor, case.id, "check_pass")
    desk.act(desk.shift_leader, case.id, "close")
    assert desk.get(case.id).sweep_at is None
    desk.sweep(at(1, 4, 9).replace(year=2027))
    assert case.id not in _listed(desk, "2027-01")
    assert desk.get(case.id).closing_type == "overdue"


def _listed(desk: Desk, month: str) -> dict[int, str]:
    return {item.case.id: item.entry.reason for item in supervision_list(desk.db, month)}


def test_a_sweep_run_again_or_later_never_warns_or_escalates_twice(desk: Desk) -> None:
    case = desk.dispatched()
    for moment in (at(11, 16, 15), at(11, 16, 15), at(11, 16, 16), at(11, 16, 17)):
        desk.sweep(moment)
    desk.sweep(at(11, 17, 15))
    desk.sweep(at(11, 17, 15))
    assert [e.data["level"] for e in desk.escalations(case.id)] == [1, 2]
    red = [n for n in desk.notes(desk.handler, case.id, "warning") if "红灯" in n]
    assert len(red) == 1
    assert desk.notes(desk.handler, case.id, "warning") == red  # straight to red: no yellow afterwards
    final = desk.get(case.id)
    assert final.version == len(final.events)


def test_a_late_sweep_catches_up_level_by_level(desk: Desk) -> None:
    case = desk.dispatched()
    report = desk.sweep(at(11, 20, 15))  # the sweep did not run for four days
    assert report.escalations[1] >= 1 and report.escalations[2] >= 1 and report.escalations[3] >= 1
    assert [e.data["level"] for e in desk.escalations(case.id)] == [1, 2, 3]
    assert len(desk.notes(desk.street_leader, case.id, "escalation")) == 1  # each tier its own


def test_a_suspended_case_does_not_escalate_while_suspended(desk: Desk, clock: Clock) -> None:
    case = desk.dispatched()
    clock.set(at(11, 16, 10))
    desk.act(desk.handler, case.id, "accept")
    desk.act(desk.handler, case.id, "request_suspension")
    desk.act(desk.dispatcher, case.id, "approve_suspension")  # 1 of the 4 working hours used
    assert desk.get(case.id).sweep_at is None

    desk.sweep(at(11, 25, 10))  # nine days later, still suspended
    suspended = desk.get(case.id)
    assert suspended.escalation_level == 0 and desk.escalations(case.id) == []
    assert desk.notes(desk.handler, case.id, "warning") == []

    clock.set(at(11, 25, 10))
    desk.act(desk.handler, case.id, "resume")  # 3 working hours left: 10:00–12:00, 13:30–14:30
    assert desk.get(case.id).stage_deadline == at(11, 25, 14, 30)
    desk.sweep(at(11, 25, 14))
    assert desk.escalations(case.id) == []  # the suspended days did not count
    desk.sweep(at(11, 25, 14, 31))
    assert [e.data["level"] for e in desk.escalations(case.id)] == [1]


def test_an_urgent_case_escalates_before_a_normal_one_reported_with_it(desk: Desk) -> None:
    # 供水井盖异常: a missing manhole cover is filed urgent (2 calendar hours), else 8 working hours
    normal = desk.dispatched("01001")
    urgent = desk.dispatched("01001", urgency="urgent")
    assert urgent.stage_deadline == at(11, 16, 11) and normal.stage_deadline == at(11, 17, 9, 30)
    desk.sweep(at(11, 16, 11, 1))
    assert (desk.get(urgent.id).escalation_level, desk.get(normal.id).escalation_level) == (1, 0)
    desk.sweep(at(11, 16, 13, 5))  # two hours later the urgent case is the district's
    assert (desk.get(urgent.id).escalation_level, desk.get(normal.id).escalation_level) == (2, 0)
    desk.sweep(at(11, 17, 13, 5))  # a working day later the city's; the normal one just overdue
    assert (desk.get(urgent.id).escalation_level, desk.get(normal.id).escalation_level) == (3, 1)


def test_a_case_changed_while_the_sweep_looked_is_left_for_the_next_pass(desk: Desk, platform) -> None:  # type: ignore[no-untyped-def]
    case = desk.dispatched()
    platform.now.set(at(11, 16, 15))
    seen = desk.db.execute(select(Case.id, Case.version, Case.state).where(Case.id == case.id)).one()
    record = type("Row", (), dict(seen._mapping))()  # the sweep's plain record of what it read
    desk.act(desk.handler, case.id, "accept")  # someone acts meanwhile
    event = cases.SystemEvent(CaseAction.ESCALATE, "test", {"level": 1})
    with unit_of_work(desk.db):
        written = cases.record_system_change(
            platform, desk.db, record, at(11, 16, 15), events=[event], changes={"escalation_level": 1}
        )
    assert written is None  # nothing written on a stale read
    assert desk.escalations(case.id) == [] and desk.get(case.id).escalation_level == 0
    desk.sweep(at(11, 16, 15))  # the next pass does it
    assert [e.data["level"] for e in desk.escalations(case.id)] == [1]


def test_two_sweeps_at_once_never_escalate_twice(desk: Desk, platform) -> None:  # type: ignore[no-untyped-def]
    own = [desk.dispatched().id for _ in range(12)]
    moment = at(11, 17, 15)  # a working day overdue: street and district due for each
    platform.now.set(moment)
    reports: list[SweepReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            with platform.sessions() as session:
                start.wait()
                reports.append(sweep(platform, session, moment, batch_size=3))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(reports) == 2
    for case_id in own:
        assert [e.data["level"] for e in desk.escalations(case_id)] == [1, 2]
        assert len([n for n in desk.notes(desk.handler, case_id, "warning") if "红灯" in n]) == 1
    red_rows = desk.db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.case_id.in_(own), Notification.kind == "warning")
    )
    assert red_rows == len(own)  # one red warning row per case (to the department's handlers)
    assert sum(r.escalations[2] for r in reports) >= len(own)


def test_the_supervision_list_refuses_a_bad_month(db) -> None:  # type: ignore[no-untyped-def]
    from gridcity.domain.errors import Invalid

    for month in ("2026-13", "2026-1", "November", ""):
        with pytest.raises(Invalid):
            supervision_list(db, month)


@pytest.mark.backends("sqlite")
def test_a_batch_that_meets_a_change_is_rolled_back_and_worked_case_by_case(
    desk: Desk, platform, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    """SQLite: the sweep reads a batch, and before its first write someone accepts one of the cases
    (another connection, as another process would). The batch's guarded UPDATE then misses that
    case: nothing of the batch is kept, and its cases are worked one by one — each escalated once.
    (On PostgreSQL the batch's rows are locked from the read on, so this cannot happen there.)"""
    own = [desk.dispatched().id for _ in range(4)]
    changed = own[1]
    moment = at(11, 16, 15)
    platform.now.set(moment)
    fired: list[bool] = []

    def meanwhile(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if fired or not statement.startswith("UPDATE cases SET"):
            return
        fired.append(True)
        with platform.sessions() as other:  # the handler accepts, in another connection
            version = other.get(Case, changed).version
            request = cases.ActionRequest("accept", version, note="签收")
            cases.transition(platform, other, other.get(User, desk.handler.id), changed, request)

    event.listen(platform.engine, "before_cursor_execute", meanwhile)
    try:
        with caplog.at_level("INFO", logger="gridcity.sweep"):
            report = sweep(platform, desk.db, moment, batch_size=1000)
    finally:
        event.remove(platform.engine, "before_cursor_execute", meanwhile)
    assert fired and "working its cases one by one" in caplog.text
    assert report.failed == 0
    for case_id in own:
        assert [e.data["level"] for e in desk.escalations(case_id)] == [1]
        case = desk.get(case_id)
        assert case.version == len(case.events)
    assert desk.get(changed).state == "disposing"  # the handler's accept stands
