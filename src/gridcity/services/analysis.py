"""The analysis dashboard's figures (统计分析): cases per day, closure and on-time rates per week,
the overdue list, hot spots, top classes per area, average time per stage, and anomaly hints.

Every figure is one set-based query (GROUP BY over the cases or their history) inside the caller's
area (`access.visibility_clause`) and the chosen filters; Python only folds the grouped rows (days
into weeks, stage runs of a bounded sample). These are *trend figures* for the console; the monthly
assessment indicators of docs/domain/assessment.md, with their exact denominators, are `services.evaluation`.

Days are the city's local calendar days. PostgreSQL converts with the time zone's rules; SQLite
has no time zones, so there the zone's UTC offset at the start of the period is used — exact for
zones without daylight saving, such as Asia/Shanghai.
"""

from __future__ import annotations

import math
import re
import statistics
import typing
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from gridcity.db.models import Case, CaseEvent
from gridcity.db.queries import CaseFilter
from gridcity.domain import analysis as rules
from gridcity.domain.analysis import RUN_STAGES, Anomaly, Period
from gridcity.domain.durations import TimeUnit
from gridcity.domain.errors import Forbidden, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import NETWORKS, Stage
from gridcity.domain.workflow import CaseState
from gridcity.services import case_clock, territory
from gridcity.services.access import territory_covers, visibility_clause
from gridcity.services.platform import Platform

TOP_CLASSES = 8  # classes stacked by name in the daily chart; the rest are summed as "other"
OTHER = "_other"
CLASSES_PER_AREA = 5
OVERDUE_ROWS = 100
HEAT_CELL = 2000  # heat-map cells of 1/2000 degree (about 55 m north-south)
MAX_HEAT_CELLS = 20_000
STAGE_SAMPLE_CASES = 5_000  # average time per stage: at most this many cases, an even sample
LEVELS = ("district", "street", "community", "grid")  # the choropleth's levels, coarse to fine
_CLASS_CODE = re.compile(r"[0-9A-Za-z.\-]{1,12}")


# --- the one definition of "closed" and "on time" ---------------------------------------------


def closed_clause() -> ColumnElement[bool]:
    """CLOSED (结案): the case is closed now (a reopened case is not, until closed again)."""
    return Case.state == CaseState.CLOSED.value


def on_time_clause() -> ColumnElement[bool]:
    """ON TIME (按期), the dashboard's one definition: the case is closed, and its disposal was
    reported done no later than the disposal deadline as it stood then (`Case.dispose_deadline`,
    which already leaves out suspended time and adds approved extensions). A closed case without a
    disposal (self-handled on the spot, 自行处置) is on time. It is the complement of what
    `services.cases` marks as 超时结案 when it closes a case without a closing type."""
    return and_(
        closed_clause(),
        or_(
            Case.disposed_at.is_(None),
            Case.dispose_deadline.is_(None),
            Case.disposed_at <= Case.dispose_deadline,
        ),
    )


# --- scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What the dashboard looks at: a period of local dates and the filters, all checked."""

    period: Period
    street: str | None = None
    network: str | None = None
    class_code: str | None = None


def today(platform: Platform) -> date:
    return platform.now().astimezone(platform.calendar().tz).date()


def user_area(user: Principal) -> str:
    """The territory code of the user's area ('' = the whole city)."""
    unit = user.org_unit
    return "" if unit.kind == "department" else str(unit.scope_code or "")


def make_scope(
    platform: Platform,
    db: Session,
    user: Principal,
    start: str = "",
    end: str = "",
    street: str = "",
    network: str = "",
    class_code: str = "",
) -> Scope:
    """The scope a person asked for, checked: Invalid (422) for a bad value, Forbidden (403) for a
    street outside their area."""
    period = rules.parse_period(start, end, today(platform))
    street, network, class_code = street.strip(), network.strip(), class_code.strip()
    if street:
        names = platform.territory(db).names
        if len(street) != 9 or not street.isdigit() or street not in names:
            raise Invalid(message("analysis.not_a_street", street=street))
        area = user_area(user)
        if not territory_covers(area, street[:6], street, None):
            raise Forbidden(message("analysis.street_outside_area", street=street, names=names[street]))
    if network and network not in NETWORKS:
        raise Invalid(message("analysis.unknown_network", network=network, networks=", ".join(NETWORKS)))
    if class_code and (
        not _CLASS_CODE.fullmatch(class_code)
        or not any(c.code == class_code for c in platform.catalogue(db).catalogue)
    ):
        raise Invalid(message("analysis.not_a_class", class_code=class_code))
    return Scope(period, street or None, network or None, class_code or None)


def class_choices(platform: Platform, db: Session) -> list[tuple[str, str]]:
    """(code, name) of every class, for the class filter's suggestions."""
    seen: dict[str, str] = {}
    for c in platform.catalogue(db).catalogue:
        seen.setdefault(c.code, c.name)
    return sorted(seen.items())


def street_choices(platform: Platform, db: Session, user: Principal) -> list[tuple[str, str]]:
    """The streets inside the user's area, for the street filter."""
    area = user_area(user)
    names = platform.territory(db).names
    return sorted((code, name) for code, name in names.items() if len(code) == 9 and code.startswith(area))


def area_bounds(db: Session, area: str) -> list[float]:
    """The box around the user's area for a map's first view; for city staff, all the districts."""
    bounds = territory.area_bounds(db, area)
    if bounds is None:
        raise Invalid(message("analysis.no_territory"))
    return bounds


def _filter(user: Principal, scope: Scope, **values: Any) -> CaseFilter:
    extra = [visibility_clause(user), *values.pop("extra", [])]
    return CaseFilter(
        street_code=scope.street,
        network=scope.network,
        class_codes=[scope.class_code] if scope.class_code else [],
        extra=extra,
        **values,
    )


def _bounds(platform: Platform, period: Period) -> tuple[datetime, datetime]:
    """The period as instants: local midnight of its first day, local midnight after its last."""
    tz = platform.calendar().tz
    return (
        datetime.combine(period.start, time(0), tzinfo=tz),
        datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=tz),
    )


def _local_day(db: Session, platform: Platform, column: Any, at: datetime) -> Any:
    """The local calendar day of a timestamp column, as SQL."""
    tz: ZoneInfo = platform.calendar().tz
    if db.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(tz.key, column), Date)
    offset = at.astimezone(tz).utcoffset() or timedelta(0)
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- 1. cases per day --------------------------------------------------------------------------


@dataclass
class Series:
    key: str  # a network code, a class code, or OTHER
    name: str  # the class name ('' for networks and OTHER: the page names them)
    values: list[int]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class DailyCounts:
    days: list[date]
    stack: str  # network | class
    series: list[Series]

    @property
    def totals(self) -> list[int]:
        return [sum(s.values[i] for s in self.series) for i in range(len(self.days))]


def daily_counts(
    platform: Platform,
    db: Session,
    user: Principal,
    scope: Scope,
    stack: str = "network",
    top: int = TOP_CLASSES,
) -> DailyCounts:
    """Cases reported per local day, stacked by network or by the `top` classes (the rest summed
    as OTHER). Every report counts, whatever became of it (rejected and void included)."""
    if stack not in ("network", "class"):
        raise Invalid(message("analysis.bad_stack", stack=stack))
    start, end = _bounds(platform, scope.period)
    day = _local_day(db, platform, Case.reported_at, start).label("day")
    keys = [Case.network] if stack == "network" else [Case.class_code, Case.class_name]
    flt = _filter(user, scope, reported_from=start, reported_to=end)
    rows = db.execute(
        select(day, *keys, func.count()).where(*flt.clauses(platform.now())).group_by(day, *keys)
    ).all()
    days = scope.period.dates()
    index = {d: i for i, d in enumerate(days)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    names: dict[str, str] = {}
    for row in rows:
        i = index.get(_as_date(row[0]))
        if i is None:
            continue
        key = str(row[1])
        names.setdefault(key, str(row[2]) if stack == "class" else "")
        counts[key][i] += int(row[-1])
    if stack == "network":
        order = [n for n in NETWORKS if n in counts]
        series = [Series(n, "", counts[n]) for n in order]
    else:
        ranked = sorted(counts, key=lambda k: (-sum(counts[k]), k))
        series = [Series(k, names[k], counts[k]) for k in ranked[:top]]
        if len(ranked) > top:
            other = [sum(counts[k][i] for k in ranked[top:]) for i in range(len(days))]
            series.append(Series(OTHER, "", other))
    return DailyCounts(days, stack, series)


# --- 2. closure and on-time rates per week -----------------------------------------------------


@dataclass
class WeekRate:
    start: date  # the first day of the week inside the period
    end: date  # the last day of the week inside the period
    filed: int
    closed: int
    on_time: int

    @property
    def closure_rate(self) -> float | None:
        return round(100 * self.closed / self.filed, 1) if self.filed else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.filed, 1) if self.filed else None


def weekly_rates(platform: Platform, db: Session, user: Principal, scope: Scope) -> list[WeekRate]:
    """For the cases filed (立案) in each week of the period: how many are closed now, and how many
    were closed on time (`on_time_clause`). Weeks run Monday to Sunday; the first and last week
    count only their days inside the period."""
    start, end = _bounds(platform, scope.period)
    day = _local_day(db, platform, Case.filed_at, start).label("day")
    flt = _filter(user, scope, extra=[Case.filed_at >= start, Case.filed_at < end])
    rows = db.execute(
        select(
            day,
            func.count(),
            func.sum(case((closed_clause(), 1), else_=0)),
            func.sum(case((on_time_clause(), 1), else_=0)),
        )
        .where(*flt.clauses(platform.now()))
        .group_by(day)
    ).all()
    weeks: dict[date, WeekRate] = {}
    for d in scope.period.dates():
        monday = rules.week_start(d)
        week = weeks.setdefault(monday, WeekRate(d, d, 0, 0, 0))
        week.end = d
    for row in rows:
        d = _as_date(row[0])
        found = weeks.get(rules.week_start(d))
        if found is None or not found.start <= d <= found.end:
            continue
        week = found
        week.filed += int(row[1])
        week.closed += int(row[2] or 0)
        week.on_time += int(row[3] or 0)
    return list(weeks.values())


# --- 3. the overdue list -----------------------------------------------------------------------


@dataclass
class OverdueCase:
    id: int
    number: str
    class_code: str
    class_name: str
    state: str
    street: str
    stage: str
    deadline: datetime
    overdue_hours: float  # past the deadline, in the stage's measure (working or calendar hours)
    unit: str  # the stage clock's unit (TimeUnit)
    department_id: int | None = None  # the department it was dispatched to, if any


@dataclass
class OverdueList:
    total: int
    rows: list[OverdueCase]


def overdue_cases(
    platform: Platform, db: Session, user: Principal, scope: Scope, limit: int = OVERDUE_ROWS
) -> OverdueList:
    """Open cases past their current stage's deadline now, most overdue (earliest deadline) first.
    The list is about now: the period does not narrow it, the other filters do."""
    now = platform.now()
    flt = _filter(user, scope, overdue=True, sort="deadline")
    total = int(typing.cast(int | None, db.scalar(flt.count(now))) or 0)
    calendar = platform.calendar(db)
    names = platform.territory(db).names
    rows = []
    found = typing.cast(Sequence[Case], db.scalars(flt.select(now).limit(limit)).all())
    for c in found:
        clock = case_clock.clock_of(c)
        late = clock.elapsed(calendar, now) - clock.budget_seconds
        rows.append(
            OverdueCase(
                id=c.id,
                number=platform.case_number(c),
                class_code=c.class_code,
                class_name=c.class_name,
                state=c.state,
                street=names.get(c.street_code, c.street_code),
                stage=c.stage or "",
                deadline=c.stage_deadline or now,
                overdue_hours=round(max(late, 0.0) / 3600, 1),
                unit=clock.unit.value,
                department_id=c.department_id,
            )
        )
    return OverdueList(total, rows)


# --- 4. hot spots ------------------------------------------------------------------------------


@dataclass
class AreaCount:
    code: str
    name: str
    count: int


def hotspots(
    platform: Platform,
    db: Session,
    user: Principal,
    scope: Scope,
    level: str = "street",
    bbox: tuple[float, float, float, float] | None = None,
) -> list[AreaCount]:
    """Cases reported in the period per district, street, community or unit grid (for the
    choropleth), most first; `bbox` narrows to the cases in a map window."""
    column = {
        "district": Case.district_code,
        "street": Case.street_code,
        "community": Case.community_code,
        "grid": Case.grid_code,
    }.get(level)
    if column is None:
        raise Invalid(message("analysis.bad_level", level=level, levels=", ".join(LEVELS)))
    start, end = _bounds(platform, scope.period)
    flt = _filter(user, scope, reported_from=start, reported_to=end, bbox=bbox)
    rows = db.execute(
        select(column, func.count())
        .where(*flt.clauses(platform.now()), column.is_not(None))
        .group_by(column)
        .order_by(func.count().desc(), column)
    ).all()
    names = platform.territory(db).names
    return [
        AreaCount(str(code), names.get(str(code) if level != "grid" else str(code)[:12], ""), int(n))
        for code, n in rows
    ]


@dataclass
class HeatCells:
    cells: list[tuple[float, float, int]]  # (lon, lat, cases) of ~55 m cells
    truncated: bool


def heat_cells(platform: Platform, db: Session, user: Principal, scope: Scope) -> HeatCells:
    """The case points of the period for the heat map, summed into small cells (so that the answer
    stays small however many cases there are); the MAX_HEAT_CELLS busiest cells at most."""
    start, end = _bounds(platform, scope.period)
    flt = _filter(user, scope, reported_from=start, reported_to=end)
    gx, gy = func.round(Case.lon * HEAT_CELL), func.round(Case.lat * HEAT_CELL)
    n = func.count()
    rows = db.execute(
        select(gx, gy, n)
        .where(*flt.clauses(platform.now()))
        .group_by(gx, gy)
        .order_by(n.desc(), gx, gy)
        .limit(MAX_HEAT_CELLS + 1)
    ).all()
    cells = [(round(float(x) / HEAT_CELL, 5), round(float(y) / HEAT_CELL, 5), int(c)) for x, y, c in rows]
    return HeatCells(cells[:MAX_HEAT_CELLS], len(cells) > MAX_HEAT_CELLS)


# --- 5. top classes per street -----------------------------------------------------------------


@dataclass
class AreaClasses:
    code: str
    name: str
    total: int
    classes: list[tuple[str, str, int]]  # (class code, class name, cases), most first


@dataclass
class TopClasses:
    level: str  # street, or community when the scope is one street
    areas: list[AreaClasses]


def top_classes(
    platform: Platform, db: Session, user: Principal, scope: Scope, per: int = CLASSES_PER_AREA
) -> TopClasses:
    """Per street (per community when the scope is a single street), the classes with the most
    cases reported in the period."""
    one_street = scope.street is not None or len(user_area(user)) >= 9
    level = "community" if one_street else "street"
    area = Case.community_code if one_street else Case.street_code
    start, end = _bounds(platform, scope.period)
    flt = _filter(user, scope, reported_from=start, reported_to=end)
    rows = db.execute(
        select(area, Case.class_code, Case.class_name, func.count())
        .where(*flt.clauses(platform.now()))
        .group_by(area, Case.class_code, Case.class_name)
    ).all()
    grouped: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    for code, class_code, class_name, n in rows:
        entry = grouped[code or ""].setdefault(class_code, [class_code, class_name, 0])
        entry[2] += int(n)
    names = platform.territory(db).names
    areas = []
    for code, found in grouped.items():
        ranked = sorted(found.values(), key=lambda e: (-e[2], e[0]))
        areas.append(
            AreaClasses(
                code,
                names.get(code, ""),
                sum(e[2] for e in ranked),
                [(e[0], e[1], e[2]) for e in ranked[:per]],
            )
        )
    areas.sort(key=lambda a: (-a.total, a.code))
    return TopClasses(level, areas)


# --- 6. average time per stage -----------------------------------------------------------------


@dataclass
class StageTime:
    stage: Stage
    runs: int
    mean_hours: float | None
    median_hours: float | None


@dataclass
class StageTimes:
    stages: list[StageTime]
    cases: int  # cases with a state change in the period (inside the filters)
    sampled: int  # cases whose history was read
    every: int  # 1: all of them; n: every n-th case (by id)


def stage_times(
    platform: Platform, db: Session, user: Principal, scope: Scope, max_cases: int = STAGE_SAMPLE_CASES
) -> StageTimes:
    """Average time per stage (受理, 核实, 立案, 派遣, 处置, 核查, 结案) in working hours of the working
    calendar, over the stage runs that ended in the period. Computed from the history's state changes
    (`CaseEvent`), suspended time left out; a failed check starts a new disposal run, counted on
    its own. Every stage is measured in working hours, whatever the unit of its time limit.

    When more than `max_cases` cases changed state in the period, every n-th case (by id) is read,
    so the answer stays quick at any volume; `every` says which n."""
    start, end = _bounds(platform, scope.period)
    changed = or_(CaseEvent.from_state.is_(None), CaseEvent.from_state != CaseEvent.to_state)
    # a case whose state changed in the period was reported before its end and changed (updated_at)
    # after its start; those columns narrow the cases before their history is looked at
    flt = _filter(user, scope, reported_to=end, updated_from=start)
    event = aliased(CaseEvent)
    changed_in_period = (
        select(event.id)
        .where(
            event.case_id == Case.id,
            event.at >= start,
            event.at < end,
            or_(event.from_state.is_(None), event.from_state != event.to_state),
        )
        .correlate(Case)
        .exists()
    )
    where = [*flt.clauses(platform.now()), changed_in_period]
    cases = db.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    every = max(1, math.ceil(cases / max_cases)) if max_cases > 0 else 1
    if every > 1:
        where.append(Case.id % every == 0)
    rows = db.execute(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.to_state)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(*where, changed)
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    ).all()
    calendar = platform.calendar(db)

    def working(a: datetime, b: datetime) -> float:
        return calendar.elapsed(a, b, TimeUnit.WORK_HOURS)

    by_case: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for case_id, at, state in rows:
        by_case[case_id].append((at, state))
    hours: dict[Stage, list[float]] = {s: [] for s in RUN_STAGES}
    for changes in by_case.values():
        for run in rules.stage_runs(changes):
            if start <= run.end < end:
                hours[run.stage].append(run.measure(working) / 3600)
    stages = [
        StageTime(
            stage,
            len(values),
            round(statistics.fmean(values), 2) if values else None,
            round(statistics.median(values), 2) if values else None,
        )
        for stage, values in hours.items()
    ]
    return StageTimes(stages, cases, len(by_case), every)


# --- 7. anomaly hints --------------------------------------------------------------------------


@dataclass
class Flagged:
    kind: str  # grid | class
    code: str
    name: str
    figures: Anomaly


@dataclass
class Anomalies:
    week_start: date  # the latest week: the 7 days ending with the period's last day
    week_end: date
    baseline_start: date  # the BASELINE_WEEKS weeks before it
    checked: int  # grids and classes with cases in the nine weeks
    items: list[Flagged] = field(default_factory=list)


def anomalies(
    platform: Platform,
    db: Session,
    user: Principal,
    scope: Scope,
    weeks: int = rules.BASELINE_WEEKS,
    min_count: int = rules.ANOMALY_MIN_COUNT,
) -> Anomalies:
    """Unit grids and classes whose count of the latest week (the 7 days ending with the period's
    last day) rises far above their own baseline of the `weeks` weeks before (`domain.analysis.
    anomaly`). Weeks here are 7-day windows counted back from the period's end."""
    tz = platform.calendar().tz
    end = datetime.combine(scope.period.end + timedelta(days=1), time(0), tzinfo=tz)
    edges = [end - timedelta(days=7 * k) for k in range(weeks + 2)]
    week = case(*[(Case.reported_at >= edges[k + 1], k) for k in range(weeks + 1)], else_=None)
    flt = _filter(user, scope, reported_from=edges[-1], reported_to=end)
    clauses = flt.clauses(platform.now())
    names = platform.territory(db).names
    found: list[Flagged] = []
    checked = 0
    for kind, key, label in (
        ("grid", Case.grid_code, func.max(Case.community_code)),
        ("class", Case.class_code, func.max(Case.class_name)),
    ):
        w = week.label("w")
        rows = db.execute(
            select(key, w, label, func.count()).where(*clauses, key.is_not(None)).group_by(key, w)
        ).all()
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * (weeks + 1))
        labels: dict[str, str] = {}
        for code, k, name, n in rows:
            if k is None:
                continue
            counts[code][int(k)] += int(n)
            labels[code] = names.get(name or "", "") if kind == "grid" else str(name)
        checked += len(counts)
        for code, per_week in counts.items():
            figures = rules.anomaly(per_week[0], list(reversed(per_week[1:])), min_count=min_count)
            if figures.flagged:
                found.append(Flagged(kind, code, labels.get(code, ""), figures))
    found.sort(key=lambda f: (-f.figures.score, f.kind, f.code))
    return Anomalies(
        week_start=scope.period.end - timedelta(days=6),
        week_end=scope.period.end,
        baseline_start=scope.period.end - timedelta(days=7 * (weeks + 1) - 1),
        checked=checked,
        items=found,
    )


def bbox_of(cells: Sequence[tuple[float, float, int]]) -> list[float] | None:
    """The box around heat cells (min_lon, min_lat, max_lon, max_lat), or None without cells."""
    if not cells:
        return None
    lons, lats = [c[0] for c in cells], [c[1] for c in cells]
    return [min(lons), min(lats), max(lons), max(lats)]
