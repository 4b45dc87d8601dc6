"""The demo's supervisors' grids and patrols on the test city (both databases): about ten grids per
supervisor, tracks on the working days only, and 巡查覆盖率 with a value for each of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridcity.db.models import GridStaff, PatrolDuty, PatrolPoint, PatrolVisit, User
from gridcity.domain.assessment import range_period
from gridcity.services import evaluation, patrol, supervisor_grids
from gridcity.services.demo import patrols as demo_patrols


@pytest.mark.own_city
def test_the_demo_patrols(platform, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.advance(hours=2)  # Mon 16 Nov 2026 11:00: this morning's patrols are done
    stored = demo_patrols.build(platform, db, "110101")
    assert stored > 0
    held = db.execute(
        select(GridStaff.user_id, func.count())
        .where(GridStaff.layer == "city_management", GridStaff.valid_to.is_(None))
        .group_by(GridStaff.user_id)
    ).all()
    assert len(held) == demo_patrols.STREETS and all(n == demo_patrols.GRIDS_EACH for _, n in held)
    assert db.scalar(select(func.count()).select_from(PatrolPoint)) == stored
    tz = platform.calendar(db).tz
    days = {d for (d,) in db.execute(select(PatrolVisit.day).distinct())}
    assert days and all(platform.calendar(db).is_workday(d) for d in days)
    assert clock.t.astimezone(tz).date() in days  # today's patrol is on the console's map
    assert patrol.patrolled_on(platform, db, clock.t.astimezone(tz).date())
    assert db.scalar(select(func.count()).where(PatrolDuty.ended_at.is_(None))) == 0

    first = clock.t.astimezone(tz).date() - timedelta(days=demo_patrols.DAYS)
    period = range_period(first, clock.t.astimezone(tz).date(), tz)
    result = evaluation.evaluate(platform, db, None, period, "post", "supervisor")
    supervisors = {user_id for user_id, _ in held}
    rows = [r for r in result.rows if r.scope["id"] in supervisors]
    assert len(rows) == demo_patrols.STREETS
    for r in rows:
        coverage = r.assessment.indicator("patrol_coverage")
        assert coverage.denominator and 0 < coverage.numerator <= coverage.denominator
        assert r.scope["grids"] == demo_patrols.GRIDS_EACH
    sv = db.scalar(select(User).where(User.username == "sv-110101002"))
    assert sv is not None and len(supervisor_grids.grids_of(db, sv.id)) == demo_patrols.GRIDS_EACH
