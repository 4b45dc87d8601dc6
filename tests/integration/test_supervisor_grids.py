"""A supervisor's grids, their 漏报率 and 巡查覆盖率 over a hand-computed fortnight, on SQLite and
PostgreSQL, through the real services on a moving clock; and the pruning of the GPS points.

November 2026 (Mon 16 – Mon 30), in 东华门街道 (110101001); three unit grids A, B, C of the street.
Fri 20 Nov is made a city rest day (a holiday for the test), Sat 21 / Sun 22 are the weekend.

  Wang (supervisor of 东华门) holds A and B from Mon 16 08:00; B is taken from him Wed 25 12:00.
  Li (supervisor of 东华门) holds no grid: the area rule.

  Patrols of Wang (points inside the grids):
    Mon 16: A          Tue 17: A, B       Wed 18: —          Thu 19: B, C (C is not his)
    Fri 20 (rest): A   Sat 21 (weekend): A, B                Mon 23: A, B

  巡查覆盖率 of November, evaluated Tue 1 Dec: working days held — A on 16 17 18 19 23 24 25 26 27 30
  (10), B on 16 17 18 19 23 24 25 (7, the 25th counted: held that morning) = 17 grid-days; visited
  of them: 16 A, 17 A B, 19 B, 23 A B = 6 → 6 / 17 = 35.29 %.

  Public reports (citizens), all filed: A Tue 17, A Tue 24, B Wed 18, C Thu 19. Wang's own report in
  A (Mon 23), filed. 漏报率 of Wang: the grids he held at the end of November: A only → 2 missed,
  1 valid → 2 / 3 = 66.67 %. Li (no grid): the street's public reports, 4 → 4 / (4 + 0) = 100 %.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shapely
from sqlalchemy import select

from gridcity.db.models import Case, Grid, PatrolPoint, PatrolVisit
from gridcity.domain.assessment import month_period, range_period, rounded
from gridcity.services import calendar, cases, evaluation, patrol, rollups, supervisor_grids

CST = ZoneInfo("Asia/Shanghai")
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def inside(db, code: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    grid = db.scalar(
        select(Grid).where(Grid.layer == "city_management", Grid.code == code, Grid.valid_to.is_(None))
    )
    point = shapely.from_wkb(grid.geom_wkb).representative_point()
    return point.x, point.y


class Fortnight:
    def __init__(self, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.db, self.clock = platform, db, clock
        self.wang = make_user("supervisor", "110101001")
        self.li = make_user("supervisor", "110101001")
        self.citizen = make_user("citizen")
        self.operator = make_user("operator")
        self.leader = make_user("shift_leader")
        codes = list(
            db.scalars(
                select(Grid.code)
                .where(
                    Grid.layer == "city_management", Grid.street_code == "110101001", Grid.valid_to.is_(None)
                )
                .order_by(Grid.code)
                .limit(3)
            )
        )
        self.a, self.b, self.c = codes
        self.points = {code: inside(db, code) for code in codes}

    def walk(self, day: int, *codes: str) -> None:
        """Wang goes on duty at 09:00, is in each grid for a while, goes off duty."""
        self.clock.set(at(day, 9))
        patrol.set_duty(self.platform, self.db, self.wang, True)
        batch = []
        for i, code in enumerate(codes):
            lon, lat = self.points[code]
            batch.append(patrol.PointIn(at(day, 9, 10 + i * 10), lon, lat, 8.0))
        self.clock.set(at(day, 11))
        patrol.record_points(self.platform, self.db, self.wang, batch)
        patrol.set_duty(self.platform, self.db, self.wang, False)

    def filed_report(self, user: Any, code: str, moment: datetime) -> int:
        self.clock.set(moment)
        lon, lat = self.points[code]
        report = cases.Report(lon=lon, lat=lat, description="巡查测试", **GARBAGE)
        case, _ = cases.report_case(self.platform, self.db, user, report)
        assert case.grid_code == code
        if case.state == "reported":
            self.act(self.operator, case.id, "accept_report", moment + timedelta(minutes=5))
        self.act(self.leader, case.id, "file", moment + timedelta(minutes=10))
        return case.id

    def act(self, user: Any, case_id: int, action: str, moment: datetime) -> None:
        self.clock.set(moment)
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        assert case is not None
        cases.transition(
            self.platform, self.db, user, case_id, cases.ActionRequest(action, case.version, note="test")
        )


def indicator(result: evaluation.Evaluation, user_id: int, key: str) -> tuple[int, int | None, float | None]:
    [found] = [r for r in result.rows if r.scope.get("id") == user_id]
    item = found.assessment.indicator(key)
    return item.numerator, item.denominator, None if item.value is None else float(rounded(item.value))


@pytest.mark.own_city
def test_missed_reports_and_patrol_coverage_of_a_supervisor_by_hand(platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    f = Fortnight(platform, db, make_user, clock)
    calendar.set_day(platform, db, None, date(2026, 11, 20), False, "test holiday")
    clock.set(at(16, 8))
    supervisor_grids.assign(platform, db, None, f.wang.username, [f.a, f.b])

    f.walk(16, f.a)
    f.walk(17, f.a, f.b)
    f.walk(19, f.b, f.c)
    f.walk(20, f.a)
    f.walk(21, f.a, f.b)
    f.walk(23, f.a, f.b)
    f.filed_report(f.citizen, f.a, at(17, 10))
    f.filed_report(f.citizen, f.b, at(18, 10))
    f.filed_report(f.citizen, f.c, at(19, 10))
    f.filed_report(f.wang, f.a, at(23, 10))
    f.filed_report(f.citizen, f.a, at(24, 10))
    clock.set(at(25, 12))
    assert supervisor_grids.unassign(platform, db, None, [f.b]) == [f.b]

    visits = db.execute(
        select(PatrolVisit.day, PatrolVisit.grid_code)
        .where(PatrolVisit.user_id == f.wang.id)
        .order_by(PatrolVisit.day)
    ).all()
    assert len(visits) == 10  # 1 + 2 + 2 + 1 + 2 + 2: one per grid and day, C and the rest days included

    clock.set(at(1, 10, month=12))
    november = month_period("2026-11", CST)
    rollups.rebuild(platform, db)  # the calendar day set above changed no rule, but start clean
    for source in ("cases", "rollups"):
        result = evaluation.evaluate(platform, db, None, november, "post", "supervisor", source=source)
        assert indicator(result, f.wang.id, "patrol_coverage") == (6, 17, 35.29), source
        assert indicator(result, f.wang.id, "missed_report_rate") == (2, 3, 66.67), source
        assert indicator(result, f.wang.id, "valid_report_rate") == (1, 1, 100.0), source
        assert indicator(result, f.li.id, "missed_report_rate") == (4, 4, 100.0), source
        assert indicator(result, f.li.id, "patrol_coverage") == (0, 0, None), source
        [wang] = [r for r in result.rows if r.scope.get("id") == f.wang.id]
        assert wang.scope["grids"] == 1
    assert rollups.differences(platform, db) == []

    # a part of the month: Mon 16 – Sun 22 (16 17 18 19 held twice; 20 a rest day) → 4 / 8
    first_week = evaluation.evaluate(
        platform, db, None, range_period(date(2026, 11, 16), date(2026, 11, 23), CST), "post", "supervisor"
    )
    assert indicator(first_week, f.wang.id, "patrol_coverage") == (4, 8, 50.0)

    # the GPS points go after the retention; the visits, and so the coverage, stay
    assert db.scalar(select(PatrolPoint.id).where(PatrolPoint.user_id == f.wang.id).limit(1)) is not None
    clock.set(at(16, 9, month=11) + timedelta(days=platform.settings.patrol_retention_days, minutes=15))
    deleted = patrol.prune(platform, db)
    assert deleted == 1  # only the first point (Mon 16 09:10) is older than 90 days
    clock.set(datetime(2027, 3, 1, tzinfo=CST))
    assert patrol.prune(platform, db) == 9  # the other nine of the ten
    assert db.scalar(select(PatrolPoint.id).where(PatrolPoint.user_id == f.wang.id).limit(1)) is None
    result = evaluation.evaluate(platform, db, None, november, "post", "supervisor", source="cases")
    assert indicator(result, f.wang.id, "patrol_coverage") == (6, 17, 35.29)
