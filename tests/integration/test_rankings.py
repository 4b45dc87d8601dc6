"""Published monthly rankings (月排名) on SQLite and PostgreSQL: a month of a few cases made through
the real services on a moving clock, published, then changed — and the published month does not
move; a correction needs a reason and makes version 2, version 1 stays readable.

The month is June 2026 (`build_month`) (no other test makes cases then): in 东城区 one case fixed on the spot
(closed) and one filed and left open; in 西城区 (the same peer group, 首都功能核心区) one case filed
and left open. So 东城区 closes 1 of 2 filed, 西城区 0 of 1.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from tests.conftest import Clock
from tests.integration.test_evaluation import CST, Month

from gridcity.db.models import RankingSnapshot, SupervisionEntry
from gridcity.domain.assessment import month_period
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.services import cases, evaluation, rankings

PERIOD = "2026-06"
XICHENG = (116.3600, 39.9130)  # 金融街, 西城区 110102
CORE = "首都功能核心区"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def build_month(  # type: ignore[no-untyped-def]
    platform, db, make_user, clock: Clock, monday: date = date(2026, 6, 8)
) -> tuple[Month, dict[str, int]]:
    """A month's cases from a working Monday on: returns the people and the ids of the cases
    (closed 'A', open 'B' in 东城区; open 'X' in 西城区). Other test modules build their own month."""

    def day(n: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(monday + timedelta(days=n), time(hour, minute), tzinfo=CST)

    m = Month(platform, db, make_user, clock)
    ids: dict[str, int] = {}
    a = ids["A"] = m.report(m.supervisor, day(0, 9))
    m.act(m.supervisor, a, "self_handle", day(0, 9, 5))
    b = ids["B"] = m.report(m.supervisor, day(0, 10))
    m.act(m.leader, b, "file", day(0, 10, 5))
    m.act(m.dispatcher, b, "dispatch", day(0, 10, 10), department_id=m.cgw)
    m.act(m.handler, b, "accept", day(0, 10, 20))

    x = ids["X"] = report_in_xicheng(platform, db, make_user, clock, day(1, 9))
    m.act(make_user("shift_leader", "110102"), x, "file", day(1, 9, 10))
    return m, ids


def close_b(m: Month, b: int) -> None:
    """Case B finished in July: after the publication."""
    m.act(m.handler, b, "report_done", at(7, 2, 10))
    m.check_and_close(b, at(7, 2, 10), sent=5, checked=30, closed=40)


def district(snapshot: RankingSnapshot, code: str) -> dict:  # type: ignore[type-arg]
    found = [r for r in snapshot.rows if r["scope"]["code"] == code]
    assert len(found) == 1
    return found[0]


def closure(row: dict) -> tuple[int, int]:  # type: ignore[type-arg]
    item = row["indicators"]["closure_rate"]
    return item["numerator"], item["denominator"]


def test_a_published_month_is_frozen_and_a_correction_is_a_new_version(  # type: ignore[no-untyped-def]
    platform, db, make_user, clock
) -> None:
    m, ids = build_month(platform, db, make_user, clock)
    leader = make_user("leader", "110000")

    clock.set(at(7, 1, 9))  # June has ended
    first = rankings.publish(platform, db, leader, PERIOD, "district")
    assert (first.version, first.reason) == (1, "")
    dongcheng, xicheng = district(first, "110101"), district(first, "110102")
    assert closure(dongcheng) == (1, 2) and closure(xicheng) == (0, 1)
    assert dongcheng["peer_group"] == xicheng["peer_group"] == CORE
    assert dongcheng["rank"] == 1 and xicheng["rank"] == 2
    assert dongcheng["composite"] > xicheng["composite"] and dongcheng["grade"]
    assert first.config["composite"] == "region" and CORE in first.config["peer_groups"]
    assert first.published_by == leader.id

    [core] = [g for g in rankings.best_and_worst(first) if g.name == CORE]
    assert [r["scope"]["code"] for r in core.best] == ["110101"]
    assert [r["scope"]["code"] for r in core.worst] == ["110102"]

    # a case of June closes in July: the live evaluation moves, the published month does not
    close_b(m, ids["B"])
    live = evaluation.evaluate(platform, db, None, month_period(PERIOD, CST), "region", "district")
    [live_dc] = [r for r in live.rows if r.scope["code"] == "110101"]
    assert live_dc.assessment.indicator("closure_rate").numerator == 2
    db.expire_all()
    assert closure(district(rankings.latest(db, PERIOD, "district"), "110101")) == (1, 2)

    # publishing again without a reason is refused; with one it is version 2
    clock.set(at(7, 3, 9))
    for no_reason in (None, "", "   "):
        with pytest.raises(Conflict, match="give the reason"):
            rankings.publish(platform, db, leader, PERIOD, "district", no_reason)
    second = rankings.publish(platform, db, leader, PERIOD, "district", "案件结案时间录入有误，已更正")
    assert (second.version, second.reason) == (2, "案件结案时间录入有误，已更正")
    assert closure(district(second, "110101")) == (2, 2)

    db.expire_all()
    latest = rankings.latest(db, PERIOD, "district")
    assert latest.version == 2 and closure(district(latest, "110101")) == (2, 2)
    old = rankings.latest(db, PERIOD, "district", version=1)
    assert old.reason == "" and closure(district(old, "110101")) == (1, 2)
    assert [s.version for s in rankings.versions(db, PERIOD, "district")] == [1, 2]
    view = rankings.snapshot_view(latest, 2)
    assert view["corrected"] is True and view["reason"] == "案件结案时间录入有误，已更正"
    with pytest.raises(NotFound):
        rankings.latest(db, PERIOD, "district", version=3)


def test_streets_and_departments_are_published_too(platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(at(7, 1, 9))
    admin = make_user("admin", "110000")
    streets = rankings.publish(platform, db, admin, "2026-02", "street")
    assert streets.version == 1 and all(r["peer_group"] is None for r in streets.rows)
    assert any(r["scope"]["code"] == "110101001" for r in streets.rows)
    departments = rankings.publish(platform, db, None, "2026-02", "department")  # the command line
    assert any(r["scope"]["code"] == "110101-CGW" for r in departments.rows)
    assert departments.published_by is None
    assert ("2026-02", "street") in rankings.published(db)


def test_only_an_ended_month_is_published_and_only_by_the_city(  # type: ignore[no-untyped-def]
    platform, db, make_user, clock
) -> None:
    leader = make_user("leader", "110000")
    clock.set(datetime(2026, 6, 30, 23, 30, tzinfo=CST))  # still June in the city (UTC: 15:30)
    with pytest.raises(Invalid, match="has not ended"):
        rankings.publish(platform, db, leader, "2026-06", "department")
    with pytest.raises(Invalid, match="has not ended"):
        rankings.publish(platform, db, leader, "2027-01", "department")
    with pytest.raises(Invalid, match="not a month"):
        rankings.publish(platform, db, leader, "2026-6", "department")
    with pytest.raises(Invalid, match="kind of ranking"):
        rankings.publish(platform, db, leader, "2026-01", "grid")

    for someone in (
        make_user("leader"),  # a district's leader
        make_user("admin"),  # a district's admin
        make_user("shift_leader", "110000"),
        make_user("supervisor"),
    ):
        with pytest.raises(Forbidden):
            rankings.publish(platform, db, someone, "2026-01", "department")
    assert rankings.versions(db, "2026-01", "department") == []


def report_in_xicheng(platform, db, make_user, clock: Clock, moment: datetime) -> int:  # type: ignore[no-untyped-def]
    clock.set(moment)
    report = cases.Report(
        class_code="06010",
        kind="event",
        standard="GB/T 47678.5-2026",
        lon=XICHENG[0],
        lat=XICHENG[1],
        description="ranking test 西城",
        contact_name="王小明",
        contact_phone="13800000000",
    )
    case, _ = cases.report_case(platform, db, make_user("supervisor", "110102"), report)
    return case.id


def test_the_public_supervision_list_has_no_personal_data(platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    # September 2026: no other test makes cases or supervision entries then
    case_id = report_in_xicheng(platform, db, make_user, clock, at(9, 14, 9))
    db.add(SupervisionEntry(case_id=case_id, month="2026-09", added_at=at(9, 20, 9), reason="escalated"))
    db.commit()
    clock.set(at(10, 5, 9))
    [line] = rankings.public_supervision(platform, db, "2026-09")
    assert line.street.startswith("金融街") and line.class_name == "暴露垃圾"
    assert line.days_open == 21 and not line.closed
    assert str(case_id) in line.number
    assert "王小明" not in repr(line) and "13800000000" not in repr(line) and "ranking test" not in repr(line)
