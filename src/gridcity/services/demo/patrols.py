"""The demo's supervisors' grids (责任网格) and patrols: the demo supervisor and one supervisor per
street of a few 东城区 streets each hold about ten unit grids (Beijing: 35,413 grids for 3,449
supervisors), and each patrolled most of them on the working days of the last two weeks and this
morning — so the admin's map, the field page, the console's patrol layer and 巡查覆盖率 show
something. Made through `services.supervisor_grids` and `services.patrol`, on a moved clock."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import Grid, OrgUnit, User
from gridcity.domain.workflow import Role
from gridcity.services import patrol, supervisor_grids, users
from gridcity.services.demo.city import DEMO_PASSWORD, random_point
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress

GRIDS_EACH = 10  # about ten unit grids per supervisor
STREETS = 4  # the first streets of the district get a supervisor of their own
DAYS = 14  # days of patrols before today
VISIT_SHARE = (0.6, 1.0)  # the share of their grids a supervisor walks through on a working day


def build(
    platform: Platform, db: Session, district: str, progress: Progress = SILENT, seed: int = 20261207
) -> int:
    """Assign the grids and make the patrols; returns how many track points were stored."""
    rng = random.Random(seed)
    real_now = platform.now
    end = real_now()
    tz = platform.calendar(db).tz
    try:
        platform.now = lambda: end - timedelta(days=DAYS + 1)  # the grids were assigned before
        plan = _assign(platform, db, district)
        stored = 0
        today = end.astimezone(tz).date()
        days = [today - timedelta(days=n) for n in range(DAYS, -1, -1)]
        calendar = platform.calendar(db)
        for day in progress.track(days, len(days), "demo patrols 巡查"):
            if not calendar.is_workday(day):
                continue
            for supervisor, grids in plan:
                stored += _patrol(
                    platform, db, rng, supervisor, grids, datetime.combine(day, time(9), tz), end
                )
    finally:
        platform.now = real_now
    return stored


def _assign(platform: Platform, db: Session, district: str) -> list[tuple[User, dict[str, shapely.Geometry]]]:
    streets = db.scalars(
        select(OrgUnit)
        .where(OrgUnit.kind == "street", OrgUnit.code.startswith(district))
        .order_by(OrgUnit.code)
    ).all()[:STREETS]
    plan = []
    for i, street in enumerate(streets):
        # the first street is the demo supervisor's (who signs in as `supervisor`), when there is one
        demo = db.scalar(select(User).where(User.username == "supervisor")) if i == 0 else None
        username = f"sv-{street.code}"
        supervisor = (
            demo
            or db.scalar(select(User).where(User.username == username))
            or users.add_user(
                db,
                username,
                DEMO_PASSWORD,
                Role.SUPERVISOR.value,
                street.code,
                f"监督员({street.name})",
                policy=None,  # the demo's password `demo`, past the policy on purpose
            )
        )
        rows = db.execute(
            select(Grid.code, Grid.geom_wkb)
            .where(Grid.layer == "city_management", Grid.street_code == street.code, Grid.valid_to.is_(None))
            .order_by(Grid.code)
            .limit(GRIDS_EACH)
        ).all()
        if not rows:
            continue
        supervisor_grids.assign(platform, db, None, supervisor.username, [r.code for r in rows])
        plan.append((supervisor, {r.code: shapely.from_wkb(r.geom_wkb) for r in rows}))
    return plan


def _patrol(
    platform: Platform,
    db: Session,
    rng: random.Random,
    supervisor: User,
    grids: dict[str, shapely.Geometry],
    start: datetime,
    end: datetime,
) -> int:
    """One morning's patrol: on duty at 09:00, through a share of the grids (three points in each,
    two minutes apart), off duty at the last point; nothing after `end` (now)."""
    if start >= end:
        return 0
    who = users.principal_of(supervisor)
    share = rng.uniform(*VISIT_SHARE)
    walked = [code for code in grids if rng.random() < share]
    moment = start + timedelta(minutes=rng.uniform(0, 20))
    points = []
    for code in walked:
        for _ in range(3):
            moment += timedelta(minutes=2)
            lon, lat = random_point(rng, grids[code])
            points.append(patrol.PointIn(moment, lon, lat, rng.uniform(5, 25)))
    points = [p for p in points if p.at <= end]
    if not points:
        return 0
    platform.now = lambda: start
    patrol.set_duty(platform, db, who, True)
    platform.now = lambda: max(points[-1].at, start)
    done = patrol.record_points(platform, db, who, points)
    if points[-1].at < end - timedelta(minutes=30):  # this morning's patrol may still be going on
        patrol.set_duty(platform, db, who, False)
    return done.stored
