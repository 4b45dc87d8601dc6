"""The analysis dashboard's figures on SQLite and PostgreSQL: cases made and moved through the real
services with the clock set to known moments, and every series asserted number by number.

The test city is shared by the tests of a worker, so each test here works in a period of 2024 that
no other test uses, and most also narrow to classes only it reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.conftest import Clock
from tests.support import photos_for

from gridcity.db.models import Case, User
from gridcity.domain.analysis import Period
from gridcity.domain.errors import Forbidden, Invalid
from gridcity.services import analysis, cases
from gridcity.services.analysis import Scope
from gridcity.services.platform import Platform

CST = ZoneInfo("Asia/Shanghai")
NATIONAL = "GB/T 47678.5-2026"
DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
WANGFUJING = (116.4110, 39.9150)  # 东华门街道, another unit grid
TIANTAN = (116.4107, 39.8822)  # 天坛街道 110101016
STREET, OTHER_STREET, DISTRICT = "110101001", "110101016", "110101"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CST)


# name -> (role, unit); made once per test city (a password hash takes a good part of a second)
PEOPLE = {
    "supervisor": ("supervisor", DISTRICT),
    "operator": ("operator", DISTRICT),
    "shift_leader": ("shift_leader", DISTRICT),
    "dispatcher": ("dispatcher", DISTRICT),
    "handler": ("handler", "110101-CGW"),
    "citizen": ("citizen", "110000"),
    "leader": ("leader", DISTRICT),
    "street_leader": ("leader", STREET),
    "tiantan_leader": ("leader", OTHER_STREET),
}
_people: dict[str, dict[str, int]] = {}  # per test city, by its database (an id() can be reused)


class Desk:
    """The people of the test city and the steps they take, through services.cases, each at a
    moment the test chooses."""

    def __init__(self, platform: Platform, db: Any, make_user: Any, clock: Clock) -> None:
        self.platform, self.db, self.clock = platform, db, clock
        city = str(platform.engine.url)
        ids = _people.get(city)
        if ids is None:
            ids = _people[city] = {name: make_user(*spec).id for name, spec in PEOPLE.items()}
        self.people: dict[str, User] = {name: db.get(User, user_id) for name, user_id in ids.items()}

    def __getattr__(self, name: str) -> User:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None

    def report(
        self,
        code: str,
        when: datetime,
        point: tuple[float, float] = DONGHUAMEN,
        by: str = "supervisor",
        standard: str = NATIONAL,
        kind: str = "event",
    ) -> Case:
        self.clock.set(when)
        report = cases.Report(
            class_code=code, kind=kind, standard=standard, lon=point[0], lat=point[1], description="analysis"
        )
        case, _ = cases.report_case(self.platform, self.db, self.people[by], report)
        return self.get(case.id)

    def act(self, who: str, case_id: int, action: str, when: datetime, **fields: Any) -> Case:
        self.clock.set(when)
        case = self.get(case_id)
        photos = photos_for(self.platform, self.db, self.people[who], action)
        request = cases.ActionRequest(action, case.version, f"{action} (test)", fields, photos)
        cases.transition(self.platform, self.db, self.people[who], case_id, request)
        return self.get(case_id)

    def dispatched(self, code: str, when: datetime, point: tuple[float, float] = DONGHUAMEN) -> Case:
        """Reported by a supervisor, filed and dispatched to the handler's department at `when`."""
        case = self.report(code, when, point)
        self.act("shift_leader", case.id, "file", when)
        return self.act("dispatcher", case.id, "dispatch", when, department_id=self.handler.org_unit_id)

    def closed(self, code: str, when: datetime, done: datetime) -> Case:
        """Dispatched at `when`, accepted, reported done at `done`, checked and closed just after."""
        case = self.dispatched(code, when)
        self.act("handler", case.id, "accept", when)
        self.act("handler", case.id, "report_done", done)
        self.act("supervisor", case.id, "check_pass", done)
        return self.act("shift_leader", case.id, "close", done)

    def get(self, case_id: int) -> Case:
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        assert case is not None
        return case


@pytest.fixture
def desk(platform, db, make_user, clock) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(platform, db, make_user, clock)


def scope(start: date, end: date, **filters: Any) -> Scope:
    return Scope(Period(start, end), **filters)


def test_cases_per_day_are_counted_on_local_days_and_stacked_by_network_or_class(desk: Desk) -> None:
    ss = desk.platform.catalogue(desk.db).first_of_network("social_service")
    desk.report("06020", at(2024, 3, 3, 23, 59))  # the day before the period
    desk.report("06020", at(2024, 3, 4, 9))
    desk.report("06020", at(2024, 3, 4, 10))
    desk.report("06029", at(2024, 3, 5, 7, 30))  # 4 March 23:30 UTC: a 5 March case here
    desk.report(ss.code, at(2024, 3, 6, 10), TIANTAN, standard=ss.standard, kind=str(ss.kind))
    desk.report("06004", at(2024, 3, 10, 23, 59))
    desk.report("06004", at(2024, 3, 11, 0, 0))  # the day after
    week = scope(date(2024, 3, 4), date(2024, 3, 10))

    by_network = analysis.daily_counts(desk.platform, desk.db, desk.leader, week)
    assert by_network.days == [date(2024, 3, d) for d in range(4, 11)]
    assert [(s.key, s.values) for s in by_network.series] == [
        ("city_management", [2, 1, 0, 0, 0, 0, 1]),
        ("social_service", [0, 0, 1, 0, 0, 0, 0]),
    ]
    assert by_network.totals == [2, 1, 1, 0, 0, 0, 1]

    by_class = analysis.daily_counts(desk.platform, desk.db, desk.leader, week, stack="class", top=2)
    # the two largest classes by name (ties by code), the rest summed as "other"
    assert [(s.key, s.name, s.values) for s in by_class.series] == [
        ("06020", "焚烧垃圾、树叶", [2, 0, 0, 0, 0, 0, 0]),
        ("06004", "建筑物外立面污损", [0, 0, 0, 0, 0, 0, 1]),
        (analysis.OTHER, "", [0, 1, 1, 0, 0, 0, 0]),
    ]

    # the filters narrow every figure; the street-level leader sees only their street
    only_ss = analysis.daily_counts(
        desk.platform,
        desk.db,
        desk.leader,
        scope(week.period.start, week.period.end, network="social_service"),
    )
    assert [(s.key, s.total) for s in only_ss.series] == [("social_service", 1)]
    mine = analysis.daily_counts(desk.platform, desk.db, desk.street_leader, week)
    assert [(s.key, s.values) for s in mine.series] == [("city_management", [2, 1, 0, 0, 0, 0, 1])]
    tiantan = analysis.daily_counts(
        desk.platform, desk.db, desk.leader, scope(week.period.start, week.period.end, street=OTHER_STREET)
    )
    assert [(s.key, s.total) for s in tiantan.series] == [("social_service", 1)]


def test_weekly_closure_and_on_time_rates_follow_the_cases_filed_each_week(desk: Desk) -> None:
    code = "06017"  # 绿地脏乱: disposal within 1 working day (7.5 working hours)
    monday = at(2024, 6, 17, 9)  # the disposal deadline of a case dispatched now: Tuesday 09:00
    on_time = desk.closed(code, monday, done=at(2024, 6, 17, 15))
    late = desk.closed(code, monday, done=at(2024, 6, 18, 10))
    assert (on_time.closing_type, late.closing_type) == ("normal", "overdue")
    self_handled = desk.report(code, at(2024, 6, 19, 10))
    desk.act("supervisor", self_handled.id, "self_handle", at(2024, 6, 19, 10, 5))
    desk.dispatched(code, at(2024, 6, 21, 11))  # still with the department
    desk.closed(code, at(2024, 6, 25, 9), done=at(2024, 6, 25, 10))
    desk.report(code, at(2024, 6, 26, 9))  # reported, never filed: in no denominator
    two_weeks = scope(date(2024, 6, 17), date(2024, 6, 30), class_code=code)

    weeks = analysis.weekly_rates(desk.platform, desk.db, desk.leader, two_weeks)
    got = [(w.start, w.end, w.filed, w.closed, w.on_time, w.closure_rate, w.on_time_rate) for w in weeks]
    assert got == [
        (date(2024, 6, 17), date(2024, 6, 23), 4, 3, 2, 75.0, 50.0),
        (date(2024, 6, 24), date(2024, 6, 30), 1, 1, 1, 100.0, 100.0),
    ]

    # a period starting mid-week counts only its own days of that week; a week with no filing has
    # no rate (not 0 %)
    clipped = analysis.weekly_rates(
        desk.platform, desk.db, desk.leader, scope(date(2024, 6, 19), date(2024, 7, 7), class_code=code)
    )
    got = [(w.start, w.end, w.filed, w.closed, w.on_time, w.closure_rate) for w in clipped]
    assert got == [
        (date(2024, 6, 19), date(2024, 6, 23), 2, 1, 1, 50.0),
        (date(2024, 6, 24), date(2024, 6, 30), 1, 1, 1, 100.0),
        (date(2024, 7, 1), date(2024, 7, 7), 0, 0, 0, None),
    ]


def test_average_time_per_stage_counts_working_hours_of_finished_runs_without_suspensions(
    desk: Desk,
) -> None:
    code = "06025"  # 水域不洁
    case = desk.report(code, at(2024, 7, 8, 9), by="citizen")  # Monday
    day = lambda h, m=0: at(2024, 7, 8, h, m)  # noqa: E731
    desk.act("operator", case.id, "send_verify", day(9, 10), assignee_id=desk.supervisor.id)  # accept: 10 min
    desk.act("supervisor", case.id, "verify_ok", day(9, 40))  # verify: 0.5 h
    desk.act("shift_leader", case.id, "file", day(10))  # file: 20 min
    desk.act("dispatcher", case.id, "dispatch", day(10, 30), department_id=desk.handler.org_unit_id)
    # dispatch: 10:00 → 10:30 = 30 min
    desk.act("handler", case.id, "accept", day(11))
    desk.act("handler", case.id, "request_suspension", day(11, 30))
    desk.act("dispatcher", case.id, "approve_suspension", day(11, 45))
    desk.act("handler", case.id, "resume", day(14))  # waiting 11:30 → 11:45, suspended → 14:00: not counted
    desk.act("handler", case.id, "report_done", day(15))  # dispose: 1 h + 1 h
    desk.act("supervisor", case.id, "check_fail", day(15, 30))  # check: 0.5 h; disposal again
    desk.act("handler", case.id, "accept", day(16))
    desk.act("handler", case.id, "report_done", day(17))  # dispose again: 1.5 h
    desk.act("supervisor", case.id, "check_pass", at(2024, 7, 9, 9))  # 17:00 → 17:30, 08:30 → 09:00
    desk.act("shift_leader", case.id, "close", at(2024, 7, 9, 9, 30))
    desk.act("shift_leader", case.id, "comment", at(2024, 7, 9, 10))  # no change of state: no run

    both_days = analysis.stage_times(
        desk.platform, desk.db, desk.leader, scope(date(2024, 7, 8), date(2024, 7, 9), class_code=code)
    )
    got = {s.stage.value: (s.runs, s.mean_hours, s.median_hours) for s in both_days.stages}
    assert got == {
        "accept": (1, 0.17, 0.17),
        "verify": (1, 0.5, 0.5),
        "file": (1, 0.33, 0.33),
        "dispatch": (1, 0.5, 0.5),
        "dispose": (2, 1.75, 1.75),  # (2 + 1.5) / 2
        "check": (2, 0.75, 0.75),  # (0.5 + 1.0) / 2
        "close": (1, 0.5, 0.5),  # Tuesday 09:00 → 09:30
    }
    assert (both_days.cases, both_days.sampled, both_days.every) == (1, 1, 1)

    # a run counts in the period it ended in: the second check ended on Tuesday
    monday = analysis.stage_times(
        desk.platform, desk.db, desk.leader, scope(date(2024, 7, 8), date(2024, 7, 8), class_code=code)
    )
    assert {s.stage.value: s.runs for s in monday.stages} == {
        "accept": 1,
        "verify": 1,
        "file": 1,
        "dispatch": 1,
        "dispose": 2,
        "check": 1,
        "close": 0,  # ended on Tuesday
    }
    assert [s.mean_hours for s in monday.stages if s.stage.value == "check"] == [0.5]

    # past the sample size, every n-th case (by id) is read, and the answer says so
    second = desk.report(code, at(2024, 7, 8, 16))
    desk.act("shift_leader", second.id, "file", at(2024, 7, 8, 16, 30))
    sampled = analysis.stage_times(
        desk.platform,
        desk.db,
        desk.leader,
        scope(date(2024, 7, 8), date(2024, 7, 9), class_code=code),
        max_cases=1,
    )
    assert (sampled.cases, sampled.every, sampled.sampled) == (2, 2, 1)


def test_the_overdue_list_shows_open_cases_past_their_deadline_most_overdue_first(
    desk: Desk, clock: Clock
) -> None:
    # 道路不洁: disposal within 2 working hours; a class no other test leaves overdue (the list is
    # about now and ignores the period, and the test city is shared by the tests of a worker)
    code = "06012"
    first = desk.dispatched(code, at(2024, 8, 5, 9))  # due 11:00
    second = desk.dispatched(code, at(2024, 8, 5, 10))  # due 12:00
    desk.closed(code, at(2024, 8, 5, 9), done=at(2024, 8, 5, 10))  # closed: never listed
    suspended = desk.dispatched(code, at(2024, 8, 5, 9))
    desk.act("handler", suspended.id, "accept", at(2024, 8, 5, 9))
    desk.act("handler", suspended.id, "request_suspension", at(2024, 8, 5, 9, 30))
    desk.act("dispatcher", suspended.id, "approve_suspension", at(2024, 8, 5, 9, 40))  # no clock runs
    in_time = desk.dispatched(code, at(2024, 8, 5, 14))  # due 16:00

    clock.set(at(2024, 8, 5, 14, 30))
    # the list is about now: any period gives the same list
    found = analysis.overdue_cases(
        desk.platform, desk.db, desk.leader, scope(date(2020, 1, 1), date(2020, 1, 2), class_code=code)
    )
    assert found.total == 2
    assert [(r.id, r.stage, r.overdue_hours, r.unit) for r in found.rows] == [
        (first.id, "dispose", 2.0, "work_hours"),  # 09:00 → 14:30 is 4 working hours; 2 allowed
        (second.id, "dispose", 1.0, "work_hours"),
    ]
    assert found.rows[0].deadline == at(2024, 8, 5, 11)
    assert found.rows[0].number == desk.platform.case_number(first)
    assert found.rows[0].street == "东华门街道" and found.rows[0].class_name == "道路不洁"
    assert in_time.id not in [r.id for r in found.rows]

    # another street's leader does not see them
    outsider = analysis.overdue_cases(
        desk.platform,
        desk.db,
        desk.tiantan_leader,
        scope(date(2024, 8, 5), date(2024, 8, 5), class_code=code),
    )
    assert outsider.total == 0 and outsider.rows == []


def test_hot_spots_heat_cells_and_top_classes_per_area(desk: Desk) -> None:
    when = at(2024, 12, 9, 10)
    for code, point in (
        ("06020", DONGHUAMEN),
        ("06020", DONGHUAMEN),
        ("06029", DONGHUAMEN),
        ("06020", WANGFUJING),
        ("06029", TIANTAN),
        ("06004", TIANTAN),
    ):
        desk.report(code, when, point)
    days = scope(date(2024, 12, 9), date(2024, 12, 9))
    place = desk.platform.territory(desk.db)
    grid_a = place.locate(*DONGHUAMEN).grids["city_management"]
    grid_b = place.locate(*WANGFUJING).grids["city_management"]
    assert grid_a != grid_b

    def counts(level: str, who: Any = None, **kw: Any) -> list[tuple[str, str, int]]:
        found = analysis.hotspots(desk.platform, desk.db, who or desk.leader, days, level, **kw)
        return [(a.code, a.name, a.count) for a in found]

    assert counts("district") == [(DISTRICT, "东城区", 6)]
    assert counts("street") == [(STREET, "东华门街道", 4), (OTHER_STREET, "天坛街道", 2)]
    assert [(code, n) for code, _, n in counts("grid")] == sorted(
        [(grid_a, 3), (grid_b, 1), (place.locate(*TIANTAN).grids["city_management"], 2)],
        key=lambda p: (-p[1], p[0]),
    )
    assert sum(n for _, _, n in counts("community")) == 6
    # a map window around 东华门 only
    window = (116.400, 39.910, 116.408, 39.918)
    assert [(code, n) for code, _, n in counts("grid", bbox=window)] == [(grid_a, 3)]
    assert counts("street", desk.street_leader) == [(STREET, "东华门街道", 4)]
    with pytest.raises(Invalid):
        analysis.hotspots(desk.platform, desk.db, desk.leader, days, "province")

    heat = analysis.heat_cells(desk.platform, desk.db, desk.leader, days)
    assert sum(n for _, _, n in heat.cells) == 6 and not heat.truncated
    assert heat.cells[0] == (
        round(round(DONGHUAMEN[0] * 2000) / 2000, 5),
        round(round(DONGHUAMEN[1] * 2000) / 2000, 5),
        3,
    )

    top = analysis.top_classes(desk.platform, desk.db, desk.leader, days)
    assert top.level == "street"
    assert [(a.code, a.total, a.classes) for a in top.areas] == [
        (STREET, 4, [("06020", "焚烧垃圾、树叶", 3), ("06029", "露天烧烤", 1)]),
        (OTHER_STREET, 2, [("06004", "建筑物外立面污损", 1), ("06029", "露天烧烤", 1)]),
    ]
    # inside one street the areas are its communities
    one = analysis.top_classes(
        desk.platform, desk.db, desk.leader, scope(date(2024, 12, 9), date(2024, 12, 9), street=STREET)
    )
    assert one.level == "community" and sum(a.total for a in one.areas) == 4
    assert all(a.code.startswith(STREET) for a in one.areas)


def test_a_spike_is_flagged_and_an_ordinary_week_is_not(desk: Desk) -> None:
    # nine weeks ending Saturday 30 November 2024: eight baseline weeks, then the latest
    end = date(2024, 11, 30)
    week_start = lambda k: at(2024, 11, 24, 10) - timedelta(weeks=k)  # noqa: E731  # k weeks before the latest
    spike = [1, 0, 2, 1, 0, 1, 1, 2]  # oldest first: mean 1.0
    ordinary = [2, 3, 2, 3, 2, 3, 2, 3]  # mean 2.5, spread √2.5
    for i, n in enumerate(spike):
        for _ in range(n):
            desk.report("06035", week_start(8 - i), DONGHUAMEN)
    for i, n in enumerate(ordinary):
        for _ in range(n):
            desk.report("06034", week_start(8 - i), TIANTAN)
    for _ in range(8):
        desk.report("06035", at(2024, 11, 28, 9), DONGHUAMEN)  # the spike: 8 in the latest week
    for _ in range(5):
        desk.report("06034", at(2024, 11, 29, 9), TIANTAN)  # 5: more than usual, not far above
    for _ in range(2):
        desk.report("06038", at(2024, 11, 30, 9), TIANTAN)  # 0 → 2: too few to mean anything

    found = analysis.anomalies(desk.platform, desk.db, desk.leader, scope(date(2024, 11, 1), end))
    assert (found.week_start, found.week_end, found.baseline_start) == (
        date(2024, 11, 24),
        end,
        date(2024, 9, 29),
    )
    grid = desk.platform.territory(desk.db).locate(*DONGHUAMEN).grids["city_management"]
    flagged = {(f.kind, f.code): f.figures for f in found.items}
    assert set(flagged) == {("class", "06035"), ("grid", grid)}
    figures = flagged[("class", "06035")]
    assert (figures.current, figures.baseline, figures.mean) == (8, tuple(spike), 1.0)
    assert figures.threshold == 4.0  # 1.0 + 3 × max(sd 0.71, √1, 1)
    assert flagged[("grid", grid)].baseline == tuple(spike)
    assert [f.name for f in found.items if f.kind == "class"] == ["废弃家具设备"]
    # the ordinary class is checked and not flagged
    ordinary_only = analysis.anomalies(
        desk.platform, desk.db, desk.leader, scope(date(2024, 11, 1), end, class_code="06034")
    )
    assert ordinary_only.items == [] and ordinary_only.checked == 2  # the class and its one grid


def test_scope_checks_dates_and_filters(desk: Desk, clock: Clock) -> None:
    clock.set(at(2024, 5, 20, 10))
    make = lambda user, **kw: analysis.make_scope(desk.platform, desk.db, user, **kw)  # noqa: E731
    assert make(desk.leader).period == Period(date(2024, 4, 21), date(2024, 5, 20))  # the last 30 days
    chosen = make(desk.leader, start="2024-05-01", end="2024-05-10", street=OTHER_STREET, class_code="06010")
    assert (chosen.period, chosen.street, chosen.class_code) == (
        Period(date(2024, 5, 1), date(2024, 5, 10)),
        OTHER_STREET,
        "06010",
    )
    for bad in (
        {"start": "2024-13-01"},
        {"start": "2024-05-10", "end": "2024-05-01"},
        {"start": "2020-01-01", "end": "2024-01-01"},
        {"street": "110101"},
        {"street": "999999999"},
        {"network": "water"},
        {"class_code": "99999"},
        {"class_code": "x' OR 1=1"},
    ):
        with pytest.raises(Invalid):
            make(desk.leader, **bad)
    with pytest.raises(Forbidden):
        make(desk.street_leader, street=OTHER_STREET)
    assert make(desk.street_leader, street=STREET).street == STREET
