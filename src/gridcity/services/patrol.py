"""Patrols (巡查) of the field supervisors: time on duty (在岗), the GPS track the field page sends
in batches while on duty, the unit grids visited each day, and 巡查覆盖率. docs/domain/supervision.md
§巡查.

* A batch is checked whole before anything is stored: at most `MAX_BATCH` points, each with a
  longitude/latitude in range, a time with a zone, not in the future (beyond `CLOCK_SKEW`) and not
  older than the retention. A point taken while the supervisor was off duty is not stored (it is
  counted as skipped): the track records duty, not the person's day. A point the phone sends
  again (same supervisor, same instant) is stored once, so a batch may be retried safely.
* A unit grid counts as **visited** by a supervisor on a local day when one of their points of that
  day falls inside it (`PatrolVisit`, one row per supervisor, day and grid).
* The points are pruned `GRIDCITY_PATROL_RETENTION_DAYS` (default 90) days after they were taken
  (the worker, or `gridcity patrol prune`); the visits, which carry no position, stay for the
  indicators.
* 巡查覆盖率 = Σ over the working days of the period of (grids held that day and visited that day) /
  Σ over the same days of (grids held that day): a grid is held on a day when the supervisor's
  assignment covered any moment of it (`services.supervisor_grids`, history kept). Rest days of the
  working calendar are not counted, nor days not yet over at evaluation time.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Grid, PatrolDuty, PatrolPoint, PatrolVisit, User
from gridcity.domain.errors import Forbidden, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services import supervisor_grids
from gridcity.services.platform import Platform

MAX_BATCH = 500  # points per batch: a phone sending every 30 s for four hours stays well below
CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock may run this much ahead of the server's


def _require_supervisor(user: Principal) -> None:
    if user.role != Role.SUPERVISOR:
        raise Forbidden(message("patrol.supervisors_only"))


# --- on duty ---------------------------------------------------------------------------------


def open_duty(db: Session, user_id: int) -> PatrolDuty | None:
    return db.scalar(
        select(PatrolDuty)
        .where(PatrolDuty.user_id == user_id, PatrolDuty.ended_at.is_(None))
        .order_by(PatrolDuty.started_at.desc())
        .limit(1)
    )


def set_duty(platform: Platform, db: Session, user: Principal, on: bool) -> PatrolDuty | None:
    """Go on duty (a duty starts now, unless one is open) or off duty (the open one ends now).
    Returns the open duty, or None when off duty."""
    _require_supervisor(user)
    now = platform.now()
    with unit_of_work(db):
        duty = open_duty(db, user.id)
        if on and duty is None:
            duty = PatrolDuty(user_id=user.id, started_at=now)
            db.add(duty)
        elif not on and duty is not None:
            duty.ended_at = now
            duty = None
    return duty


def duty_view(duty: PatrolDuty | None) -> dict[str, object]:
    return {"on_duty": duty is not None, "since": duty.started_at.astimezone(UTC) if duty else None}


# --- points ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointIn:
    at: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class Recorded:
    stored: int
    duplicates: int
    off_duty: int
    grids: list[str]  # unit grids the stored points fell in

    def view(self) -> dict[str, object]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "off_duty": self.off_duty,
            "grids": self.grids,
        }


def parse_batch(body: object) -> list[PointIn]:
    """A batch as the field page sends it, {"points": [{"at", "lon", "lat", "accuracy_m"?}, …]}
    (ISO 8601 times with their offset); Invalid, naming the point, when a value is not usable."""
    items = body.get("points") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise Invalid(message("patrol.bad_body"), key="points")
    if len(items) > MAX_BATCH:
        raise Invalid(message("patrol.too_many_points", limit=MAX_BATCH, count=len(items)), key="points")
    out = []
    for i, item in enumerate(items):
        try:
            at = datetime.fromisoformat(str(item["at"]))
            lon, lat = float(item["lon"]), float(item["lat"])
            accuracy = item.get("accuracy_m")
            out.append(PointIn(at, lon, lat, None if accuracy is None else float(accuracy)))
        except (TypeError, KeyError, ValueError, AttributeError):
            raise Invalid(message("patrol.incomplete_point", i=i + 1), key="points", index=i) from None
    return out


def _check(platform: Platform, points: Sequence[PointIn]) -> None:
    if not points:
        raise Invalid(message("patrol.empty_batch"), key="points")
    if len(points) > MAX_BATCH:
        raise Invalid(message("patrol.too_many_points", limit=MAX_BATCH, count=len(points)), key="points")
    now = platform.now()
    oldest = now - timedelta(days=platform.settings.patrol_retention_days)
    for i, p in enumerate(points):
        if p.at.tzinfo is None:
            raise Invalid(message("patrol.no_timezone", i=i + 1), key="points", index=i)
        if p.at > now + CLOCK_SKEW:
            raise Invalid(message("patrol.future_point", i=i + 1, at=p.at.isoformat()), key="points", index=i)
        if p.at < oldest:
            raise Invalid(
                message(
                    "patrol.too_old", i=i + 1, patrol_retention_days=platform.settings.patrol_retention_days
                ),
                key="points",
                index=i,
            )
        if not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90) or (
            p.accuracy_m is not None and not 0 <= p.accuracy_m <= 100_000
        ):
            raise Invalid(message("patrol.out_of_range", i=i + 1), key="points", index=i)


def _duties(db: Session, user_id: int, first: datetime, last: datetime) -> list[PatrolDuty]:
    return list(
        db.scalars(
            select(PatrolDuty).where(
                PatrolDuty.user_id == user_id,
                PatrolDuty.started_at <= last,
                (PatrolDuty.ended_at.is_(None)) | (PatrolDuty.ended_at >= first),
            )
        )
    )


def _duty_of(duties: Sequence[PatrolDuty], at: datetime) -> PatrolDuty | None:
    for duty in duties:
        if duty.started_at <= at and (duty.ended_at is None or at <= duty.ended_at):
            return duty
    return None


def record_points(platform: Platform, db: Session, user: Principal, points: Sequence[PointIn]) -> Recorded:
    """Store a batch of a supervisor's GPS points (see the module docstring for what is refused)."""
    _require_supervisor(user)
    _check(platform, points)
    tz = platform.calendar(db).tz
    first, last = min(p.at for p in points), max(p.at for p in points)
    duties = _duties(db, user.id, first, last)
    seen = set(
        db.scalars(
            select(PatrolPoint.at).where(
                PatrolPoint.user_id == user.id, PatrolPoint.at >= first, PatrolPoint.at <= last
            )
        )
    )
    fresh: list[tuple[PointIn, PatrolDuty]] = []
    duplicates = off_duty = 0
    for p in sorted(points, key=lambda q: q.at):
        duty = _duty_of(duties, p.at)
        if duty is None:
            off_duty += 1
        elif p.at in seen:
            duplicates += 1
        else:
            seen.add(p.at)
            fresh.append((p, duty))
    codes = (
        platform.territory(db).locate_columns([p.lon for p, _ in fresh], [p.lat for p, _ in fresh])[
            "city_management"
        ]
        if fresh
        else []
    )
    now = platform.now()
    visits: dict[tuple[date, str], datetime] = {}
    for (p, _), code in zip(fresh, codes, strict=True):
        if code is not None:
            visits.setdefault((p.at.astimezone(tz).date(), str(code)), p.at)
    with unit_of_work(db):
        for (p, duty), code in zip(fresh, codes, strict=True):
            db.add(
                PatrolPoint(
                    user_id=user.id,
                    duty_id=duty.id,
                    at=p.at,
                    lon=p.lon,
                    lat=p.lat,
                    accuracy_m=p.accuracy_m,
                    grid_code=code,
                    received_at=now,
                )
            )
        if visits:
            days = {d for d, _ in visits}
            known = {
                (v.day, v.grid_code): v
                for v in db.scalars(
                    select(PatrolVisit).where(PatrolVisit.user_id == user.id, PatrolVisit.day.in_(days))
                )
            }
            for (day, code), at in visits.items():
                visit = known.get((day, code))
                if visit is None:
                    db.add(PatrolVisit(user_id=user.id, day=day, grid_code=code, first_at=at))
                elif at < visit.first_at:
                    visit.first_at = at
    return Recorded(len(fresh), duplicates, off_duty, sorted({str(c) for c in codes if c is not None}))


def prune(platform: Platform, db: Session) -> int:
    """Delete the points older than the retention; how many were deleted."""
    cutoff = platform.now() - timedelta(days=platform.settings.patrol_retention_days)
    with unit_of_work(db):
        result = db.execute(delete(PatrolPoint).where(PatrolPoint.at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- days ------------------------------------------------------------------------------------


def day_bounds(platform: Platform, db: Session, day: date) -> tuple[datetime, datetime]:
    tz = platform.calendar(db).tz
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def today(platform: Platform, db: Session) -> date:
    return platform.now().astimezone(platform.calendar(db).tz).date()


@dataclass(frozen=True)
class PatrolledGrid:
    grid_code: str
    user_id: int
    display_name: str
    first_at: datetime
    assigned: bool  # the grid is one of the supervisor's own


def patrolled_on(platform: Platform, db: Session, day: date, area: str = "") -> list[PatrolledGrid]:
    """The unit grids visited on a local day within an area (grid code prefix), by grid."""
    stmt = (
        select(PatrolVisit, User.display_name)
        .join(User, User.id == PatrolVisit.user_id)
        .where(PatrolVisit.day == day)
        .order_by(PatrolVisit.grid_code, PatrolVisit.first_at)
    )
    if area:
        stmt = stmt.where(PatrolVisit.grid_code.startswith(area))
    start, end = day_bounds(platform, db, day)
    held = supervisor_grids.held_during(db, start, end)
    own = {(user_id, code) for user_id, code, _, _ in held}
    return [
        PatrolledGrid(v.grid_code, v.user_id, name, v.first_at, (v.user_id, v.grid_code) in own)
        for v, name in db.execute(stmt)
    ]


def patrolled_geojson(db: Session, visited: Sequence[PatrolledGrid]) -> dict[str, object]:
    """The visited grids as a GeoJSON FeatureCollection (for the console's map layer)."""
    from gridcity.services import territory

    codes = sorted({v.grid_code for v in visited})
    grids = (
        list(
            db.scalars(
                select(Grid).where(
                    Grid.layer == "city_management", Grid.code.in_(codes), Grid.valid_to.is_(None)
                )
            )
        )
        if codes
        else []
    )
    collection = territory.grids_feature_collection(grids)
    who: dict[str, list[str]] = defaultdict(list)
    for v in visited:
        who[v.grid_code].append(v.display_name)
    for feature in collection["features"]:
        code = feature["properties"]["code"]
        feature["properties"]["supervisors"] = who.get(code, [])
    return collection


# --- 巡查覆盖率 --------------------------------------------------------------------------------


def coverage_facts(
    platform: Platform, db: Session, start: datetime, end: datetime, as_of: datetime
) -> dict[int, dict[str, int]]:
    """user id → {grids_assigned, grids_visited} summed over the working days of [start, end) that
    are over at `as_of` (see the module docstring)."""
    calendar = platform.calendar(db)
    tz = calendar.tz
    first = start.astimezone(tz).date()
    days: list[tuple[date, datetime, datetime]] = []
    day = first
    while True:
        day_start, day_end = day_bounds(platform, db, day)
        if day_start >= end or day_end > as_of:
            break
        if day_start >= start and calendar.is_workday(day):
            days.append((day, day_start, day_end))
        day += timedelta(days=1)
    if not days:
        return {}
    held = supervisor_grids.held_during(db, days[0][1], days[-1][2])
    visited: dict[tuple[int, date], set[str]] = defaultdict(set)
    for user_id, when, code in db.execute(
        select(PatrolVisit.user_id, PatrolVisit.day, PatrolVisit.grid_code).where(
            PatrolVisit.day >= days[0][0], PatrolVisit.day <= days[-1][0]
        )
    ):
        visited[(user_id, when)].add(code)
    # (user, day) → grids held that day: each assignment walks only the days it overlaps
    starts = [d[1] for d in days]
    held_on: dict[tuple[int, date], set[str]] = defaultdict(set)
    for user_id, code, since, until in held:
        i = max(bisect_right(starts, since) - 1, 0)
        while i < len(days) and (until is None or until > days[i][1]):
            if since < days[i][2]:
                held_on[(user_id, days[i][0])].add(code)
            i += 1
    out: dict[int, dict[str, int]] = {}
    for (user_id, day), codes in held_on.items():
        facts = out.setdefault(user_id, {"grids_assigned": 0, "grids_visited": 0})
        facts["grids_assigned"] += len(codes)
        facts["grids_visited"] += len(codes & visited.get((user_id, day), set()))
    return out
