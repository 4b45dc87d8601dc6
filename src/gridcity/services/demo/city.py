"""The demo city: real Beijing territory, generated grids, departments, one user per role, and about
three months of cases in every state — all made through the real services, so the history of every
demo case is one the platform itself could have written."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, Component, Grid, OrgUnit, User
from gridcity.domain.components import EARTH_RADIUS_M, ComponentState
from gridcity.domain.errors import DomainError
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import ClassKind
from gridcity.domain.workflow import Role
from gridcity.services import cases, classes, departments, rankings, territory, users
from gridcity.services.demo import components as demo_components
from gridcity.services.demo.photos import FieldCamera
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress
from gridcity.services.security import hash_password

DEMO_PASSWORD = "demo"
DEFAULT_CASES = 3000  # about three months of a district's cases
DEMO_DISTRICTS = ("110101", "110102")  # 东城区, 西城区
HOME_DISTRICT = "110101"
ATTRIBUTION_BJ = "github thebamboogrove/bj-subdistricts (MIT), traced from Tianditu"
ATTRIBUTION_COMMUNITIES = "Vonng/adcode 2016 (CC BY 4.0)"

# (username, role, unit): staff of the 东城区 platform, a 东城区 department, city-wide roles.
DEMO_USERS = (
    ("supervisor", Role.SUPERVISOR, HOME_DISTRICT),
    ("operator", Role.OPERATOR, HOME_DISTRICT),
    ("shift_leader", Role.SHIFT_LEADER, HOME_DISTRICT),
    ("dispatcher", Role.DISPATCHER, HOME_DISTRICT),
    ("handler", Role.HANDLER, f"{HOME_DISTRICT}-CGW"),
    ("admin", Role.ADMIN, "city"),
    ("leader", Role.LEADER, "city"),
    ("citizen", Role.CITIZEN, "city"),
    ("grid_worker", Role.GRID_WORKER, "110101001"),  # 网格员 of 东华门街道 (services/demo/registry.py)
    ("police", Role.POLICE, "110101001"),  # 治安网格员 of 东华门街道
)


DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def data_file(*parts: str) -> Path:
    """A file of the reference data shipped inside the package (see data/SOURCES.md)."""
    return DATA_DIR.joinpath(*parts)


def is_built(db: Session) -> bool:
    return bool(db.scalar(select(func.count()).select_from(User).where(User.username == "dispatcher")))


def build_if_absent(
    platform: Platform, cases: int = DEFAULT_CASES, progress: Progress = SILENT, seed: int = 20261128
) -> bool:
    with platform.sessions() as db:
        if is_built(db):
            add_department_handlers(db)  # a demo built before every department had one
            return False
        build(platform, db, n_cases=cases, progress=progress, seed=seed)
    return True


def build(
    platform: Platform, db: Session, n_cases: int, progress: Progress = SILENT, seed: int = 20261128
) -> int:
    """Build the demo city; returns how many demo cases went their whole planned way."""
    beijing = ("beijing",)
    territory.import_districts(
        platform, db, data_file(*beijing, "beijing_districts_wgs84.geojson"), progress, ATTRIBUTION_BJ
    )
    territory.import_streets(
        platform, db, data_file(*beijing, "beijing_streets_townships_wgs84.geojson"), progress, ATTRIBUTION_BJ
    )
    territory.import_communities_csv(
        platform,
        db,
        data_file(*beijing, "beijing_towns_communities_adcode_2016.csv"),
        DEMO_DISTRICTS,
        progress,
        ATTRIBUTION_COMMUNITIES,
    )
    for layer in territory.LAYERS:
        territory.generate_grids(platform, db, layer, DEMO_DISTRICTS, progress=progress)
    territory.rebuild_crosswalk(platform, db, progress)
    classes.seed_catalogue(platform, db)
    departments.instantiate(platform, db, DEMO_DISTRICTS, progress)
    _add_users(db)
    # the component census (部件普查) before the cases, so that component reports link to components
    demo_components.load_census(
        platform, db, HOME_DISTRICT, seed, progress, recorded_at=platform.now() - timedelta(days=91)
    )
    from gridcity.services.demo import registry as registry_demo

    registry_demo.build(platform, db, progress=progress, seed=seed)  # the social registry (人地事物组织)
    made = generate_cases(platform, db, n_cases, progress, seed) if n_cases else 0
    from gridcity.services.demo import patrols as patrols_demo

    patrols_demo.build(platform, db, HOME_DISTRICT, progress, seed)  # 责任网格 and their patrols
    if n_cases:
        publish_last_month(platform, db)
    return made


def publish_last_month(platform: Platform, db: Session) -> str:
    """Publish the last month that has ended (districts, streets, departments), as the city does
    after each month, so that a fresh demo's /portal/rankings shows a ranking; returns the month."""
    month = rankings.ended_months(platform, 1)[0]
    for kind in rankings.KINDS:
        rankings.publish(platform, db, None, month, kind)
    return month


def _unit_code(db: Session, code: str) -> str:
    if code == "city":
        return db.scalar(select(OrgUnit.code).where(OrgUnit.kind == "city")) or code
    return code


def _add_users(db: Session) -> None:
    for username, role, unit in DEMO_USERS:
        users.add_user(
            db,
            username,
            DEMO_PASSWORD,
            role.value,
            _unit_code(db, unit),
            _display(username, role),
            policy=None,  # the demo's accounts keep `demo`, which the password policy refuses
        )
    add_department_handlers(db)


def department_handler_name(unit: OrgUnit) -> str:
    """The demo account of a department's handler (处置员): `h-<department code>`, e.g. `h-BJ-ZLS`
    for 自来水集团, which a manhole report goes to."""
    return f"h-{unit.code}"


def add_department_handlers(db: Session) -> int:
    """One handler account for every department of the demo (password `demo`), so that whoever
    follows the README can walk any case to the end, whichever department it goes to; the
    `handler` account stays 东城区城管委's. One password hash for all: hashing hundreds of times
    would add minutes to the build. Returns how many accounts it added."""
    taken = set(db.scalars(select(User.username)))
    departments = db.scalars(select(OrgUnit).where(OrgUnit.kind == "department").order_by(OrgUnit.code))
    missing = [unit for unit in departments if department_handler_name(unit) not in taken]
    if not missing:
        return 0
    password_hash = hash_password(DEMO_PASSWORD)
    added = 0
    with unit_of_work(db):
        for unit in missing:
            username = department_handler_name(unit)
            db.add(
                User(
                    username=username,
                    display_name=f"{unit.name}处置员",
                    password_hash=password_hash,
                    role=Role.HANDLER.value,
                    org_unit_id=unit.id,
                )
            )
            added += 1
    return added


def department_accounts(platform: Platform) -> list[tuple[str, str, str]]:
    """Every department's handler account in the demo, by department code: (username, department
    code, department name). What `gridcity demo --accounts` prints; read from the database, so the
    list is the demo's own."""
    with platform.sessions() as db:
        rows = db.execute(
            select(User.username, OrgUnit.code, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .where(OrgUnit.kind == "department", User.role == Role.HANDLER.value, User.active.is_(True))
            .order_by(OrgUnit.code, User.username)
        ).all()
    return [(username, code, name) for username, code, name in rows]


def _display(username: str, role: Role) -> str:
    return f"{role.label_zh}({username})"


def demo_users(platform: Platform) -> list[tuple[str, str, str]]:
    with platform.sessions() as db:
        rows = db.scalars(select(User).where(User.username.in_([u for u, _, _ in DEMO_USERS]))).all()
        order = {u: i for i, (u, _, _) in enumerate(DEMO_USERS)}
        return [(u.username, u.role, u.org_unit.name) for u in sorted(rows, key=lambda u: order[u.username])]


# --- cases ---------------------------------------------------------------------------------

# How far along its life a case gets, by the share of demo cases: (final step, weight).
_PATHS: tuple[tuple[str, float], ...] = (
    ("closed", 0.55),
    ("closed_overdue", 0.04),
    ("self_handled", 0.05),
    ("rejected", 0.03),
    ("void", 0.01),
    ("reported", 0.02),
    ("verifying", 0.02),
    ("accepted", 0.02),
    ("void_requested", 0.01),
    ("filed", 0.03),
    ("dispatched", 0.04),
    ("disposing", 0.05),
    ("return_requested", 0.01),
    ("extension_requested", 0.01),
    ("suspension_requested", 0.01),
    ("suspended", 0.01),
    ("disposed", 0.03),
    ("checked", 0.02),
    ("reworked", 0.02),
    ("reopened", 0.01),
    ("transferred", 0.01),
)


_SETTLED = frozenset(
    {"closed", "closed_overdue", "self_handled", "rejected", "void", "suspended", "reopened"}
)


class _Actors:
    """The demo staff, plus one handler per department created on demand (not printed)."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.by_name = {u.username: users.principal_of(u) for u in db.scalars(select(User))}

    def __getitem__(self, username: str) -> Principal:
        return self.by_name[username]

    def handler_for(self, department_id: int) -> Principal:
        demo_handler = self.by_name["handler"]
        if demo_handler.org_unit_id == department_id:
            return demo_handler
        unit = self.db.get(OrgUnit, department_id)
        assert unit is not None
        username = department_handler_name(unit)
        if username not in self.by_name:
            handler = users.add_user(
                self.db,
                username,
                DEMO_PASSWORD,
                Role.HANDLER.value,
                unit.code,
                f"{unit.name}处置员",
                policy=None,  # the demo's password `demo`, past the policy on purpose
            )
            self.by_name[username] = users.principal_of(handler)
        return self.by_name[username]


def generate_cases(
    platform: Platform, db: Session, n: int, progress: Progress = SILENT, seed: int = 1
) -> int:
    """About three months of cases in 东城区, each driven through the real workflow with the clock
    moved to the moment each step happened."""
    rng = random.Random(seed)
    calls = _Calls(seed)
    real_now = platform.now
    end = real_now()
    start = end - timedelta(days=90)
    grids = db.execute(
        select(Grid.code, Grid.geom_wkb).where(
            Grid.layer == "city_management", Grid.valid_to.is_(None), Grid.district_code == HOME_DISTRICT
        )
    ).all()
    polygons = [shapely.from_wkb(g.geom_wkb) for g in grids]
    catalogue = platform.catalogue(db)
    pool = catalogue.demo_classes()
    spots = _ComponentSpots(db, polygons, [c for c, _ in pool], seed)
    actors = _Actors(db)
    camera = FieldCamera(platform, seed)
    moments = sorted(start + timedelta(seconds=rng.uniform(0, 90 * 86400)) for _ in range(n))
    made = 0
    try:
        for i, t0 in enumerate(progress.track(moments, n, "demo cases 案件")):
            path = _pick(rng, _PATHS)
            age = end - t0
            if age < timedelta(days=2) and path.startswith("closed"):
                path = rng.choice(["disposing", "dispatched", "filed", "reported"])
            elif age > timedelta(days=10) and path not in _SETTLED and rng.random() < 0.85:
                path = "closed"  # old cases are mostly settled; a few stay open as the backlog
            polygon = rng.choice(polygons)
            lon, lat = random_point(rng, polygon)
            cls = rng.choices(pool, weights=[w for _, w in pool])[0][0]
            lon, lat = spots.beside(cls, lon, lat)
            clock = _Clock(t0, end, rng)
            platform.now = clock.now
            try:
                _drive(platform, db, actors, rng, clock, path, cls, (lon, lat), i, camera, calls)
                made += 1
            except DomainError as exc:  # a demo step the rules refuse is skipped, never forced
                db.rollback()
                progress.note(f"demo case {i} skipped: {exc.message}")
    finally:
        platform.now = real_now
    return made


class _ComponentSpots:
    """Where the census put the components of the demo's component classes: most demo reports of
    a component class are made a few metres from one (the supervisor stands by the broken cover),
    so the report links to it (services.components.records.link_for_report)."""

    SHARE = 0.8

    def __init__(
        self, db: Session, polygons: Sequence[shapely.Geometry], pool: Sequence[classes.ClassDef], seed: int
    ) -> None:
        self.rng = random.Random(seed + 1)  # a stream of its own: the cases' other draws stay as they were
        self.tree = shapely.STRtree(polygons)
        self.by_class: dict[tuple[str, str], list[tuple[float, float]]] = {}
        codes = {c.code for c in pool if c.kind == ClassKind.COMPONENT}
        rows = db.execute(
            select(Component.standard, Component.class_code, Component.lon, Component.lat)
            .where(
                Component.valid_to.is_(None),
                Component.district_code == HOME_DISTRICT,
                Component.class_code.in_(codes),
                Component.state != ComponentState.REMOVED.value,
            )
            .order_by(Component.code)  # the same seed, the same spots
        )
        for standard, class_code, lon, lat in rows:
            self.by_class.setdefault((standard, class_code), []).append((lon, lat))

    def beside(self, cls: classes.ClassDef, lon: float, lat: float) -> tuple[float, float]:
        spots = self.by_class.get((cls.standard, cls.code)) if cls.kind == ClassKind.COMPONENT else None
        if not spots or self.rng.random() >= self.SHARE:
            return lon, lat
        c_lon, c_lat = self.rng.choice(spots)
        distance, bearing = self.rng.uniform(1.0, 10.0), self.rng.uniform(0.0, 2 * math.pi)
        m_per_deg = math.pi * EARTH_RADIUS_M / 180
        p_lon = c_lon + distance * math.sin(bearing) / (m_per_deg * math.cos(math.radians(c_lat)))
        p_lat = c_lat + distance * math.cos(bearing) / m_per_deg
        if not len(self.tree.query(shapely.Point(p_lon, p_lat), predicate="within")):
            p_lon, p_lat = c_lon, c_lat  # a step off the district's grids: stand on the component
        return round(p_lon, 6), round(p_lat, 6)


class _Clock:
    """Moves forward in plausible steps (minutes to hours) but never past the real now."""

    def __init__(self, t0: datetime, end: datetime, rng: random.Random) -> None:
        self.t, self.end, self.rng = t0, end, rng

    def now(self) -> datetime:
        return self.t

    def step(self, low_min: float, high_min: float) -> None:
        self.t = min(self.t + timedelta(minutes=self.rng.uniform(low_min, high_min)), self.end)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def random_point(rng: random.Random, polygon: shapely.Geometry) -> tuple[float, float]:
    """A random point inside the polygon (its representative point if 50 tries miss)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    for _ in range(50):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if polygon.contains(shapely.Point(x, y)):
            return round(x, 6), round(y, 6)
    p = polygon.representative_point()
    return p.x, p.y


_DESCRIPTIONS = ("现场发现", "巡查发现", "市民反映", "路口东侧", "胡同内", "小区门口", "公交站旁", "便道上")


def _drive(
    platform: Platform,
    db: Session,
    actors: _Actors,
    rng: random.Random,
    clock: _Clock,
    path: str,
    cls: classes.ClassDef,
    point: tuple[float, float],
    i: int,
    camera: FieldCamera,
    calls: _Calls | None = None,
) -> None:
    lon, lat = point
    public = path in {"rejected", "reported", "verifying"} or rng.random() < 0.3
    hotline = calls is not None and public and path != "reopened" and calls.is_call()
    # a 12345 call is registered by the operator (channel hotline); the other public reports are the
    # citizen's own (web / mobile)
    reporter = actors["operator"] if hotline else actors["citizen"] if public else actors["supervisor"]
    case, _ = cases.report_case(
        platform,
        db,
        reporter,
        cases.Report(
            class_code=cls.code,
            standard=cls.standard,
            kind=str(cls.kind),
            lon=lon,
            lat=lat,
            description=f"{cls.name}，{rng.choice(_DESCRIPTIONS)}",
            client_key=f"demo-{i}",
        ),
    )

    seen = {"version": case.version}  # the version the next action is taken on, as a client would

    def act(user: Principal, action: str, low: float = 3, high: float = 40, **fields: object) -> None:
        clock.step(low, high)
        note = str(fields.pop("note", ""))
        photos = []
        if action in cls.photo_required:  # the scene as the class requires, taken on the spot
            photos = [camera.shoot(platform, db, user, point, clock.t, case.reported_at)]
        request = cases.ActionRequest(action, seen["version"], note, fields, photos)
        seen["version"] = cases.transition(platform, db, user, case.id, request).version

    if path == "reported":
        return
    if public:
        if path == "rejected" and rng.random() < 0.5:
            act(actors["operator"], "reject", note="不属于城市管理范围")
            return
        act(actors["operator"], "send_verify", assignee_id=actors["supervisor"].id)
        if path == "verifying":
            return
        if path == "rejected":
            act(actors["supervisor"], "verify_false", 5, 25, note="现场未发现该问题")
            return
        act(actors["supervisor"], "verify_ok", 5, 25, note="情况属实")
    if path == "accepted":
        return
    if path == "void_requested":
        act(actors["operator"], "request_void", note="重复上报")
        return
    if path == "void":
        act(actors["operator"], "request_void", note="重复上报")
        act(actors["shift_leader"], "approve_void", note="同意作废")
        return
    if path == "self_handled":
        act(actors["supervisor"], "self_handle", 1, 10, note="已现场处置")
        return
    act(actors["shift_leader"], "file", 2, 20)
    if path == "transferred":
        target = platform.catalogue(db).first_of_network("social_service")
        act(
            actors["shift_leader"],
            "transfer",
            network="social_service",
            class_code=target.code,
            standard=target.standard,
            kind=str(target.kind),
            note="属社会服务事项，转办",
        )
        return
    if path == "filed":
        return
    act(actors["dispatcher"], "dispatch", 2, 25)
    handler = actors.handler_for(_case(db, case.id).department_id or 0)
    if path == "dispatched":
        return
    if path == "return_requested":
        act(handler, "request_return", note="不属于本单位职责")
        return
    act(handler, "accept", 5, 60)
    if path in {"extension_requested", "suspension_requested", "suspended"}:
        kind = "extension" if path == "extension_requested" else "suspension"
        act(handler, f"request_{kind}", note="需协调其他单位", extension="1 work_days")
        if path == "suspended":
            act(actors["dispatcher"], "approve_suspension", note="同意挂账")
        return
    if path == "disposing":
        return
    slow = path == "closed_overdue"
    act(handler, "report_done", 600 if slow else 30, 1800 if slow else 400, note="已处置完毕")
    if path == "disposed":
        return
    if path == "reworked":
        act(actors["supervisor"], "check_fail", 10, 60, note="问题依旧存在")
        return
    act(actors["supervisor"], "check_pass", 10, 60, note="核查通过")
    if path == "checked":
        return
    act(actors["shift_leader"], "close", 5, 30)
    if hotline and calls is not None and calls.called_back():
        verdict, solved = calls.verdict()
        clock.t = min(clock.t + timedelta(hours=calls.hours()), clock.end)  # the next day or so
        request = cases.ActionRequest(
            "callback", seen["version"], note="电话回访", fields={"verdict": verdict, "solved": solved}
        )
        seen["version"] = cases.transition(platform, db, actors["operator"], case.id, request).version
    if path == "reopened" and reporter.role == Role.CITIZEN:
        act(reporter, "reopen", 60, 600, note="问题再次出现")


class _Calls:
    """Which public reports came by telephone (12345) and how their callers answered the callback
    (回访): a random stream of its own, so that the demo's other draws stay as they were."""

    HOTLINE_SHARE = 0.4  # of the public reports
    CALLED_BACK = 0.9  # of the closed 12345 cases (some callers cannot be reached)

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed + 2)

    def is_call(self) -> bool:
        return self.rng.random() < self.HOTLINE_SHARE

    def called_back(self) -> bool:
        return self.rng.random() < self.CALLED_BACK

    def verdict(self) -> tuple[str, bool]:
        verdict = self.rng.choices(("satisfied", "basically_satisfied", "dissatisfied"), (70, 20, 10))[0]
        solved = self.rng.random() < (0.95 if verdict != "dissatisfied" else 0.3)
        return verdict, solved

    def hours(self) -> float:
        return self.rng.uniform(2, 30)


def _case(db: Session, case_id: int) -> Case:
    case = db.get(Case, case_id)
    assert case is not None
    return case


# --- the demo's Open311 client application ----------------------------------------------------

OPEN311_KEY = "demo"


def ensure_open311_client(platform: Platform) -> bool:
    """Register the demo's Open311 client application (API key `demo`) if it is not there yet;
    True when registered now. Runs at every `gridcity demo` start, so older demo databases get it."""
    from gridcity.services import open311

    with platform.sessions() as db:
        return open311.ensure_demo_client(platform, db)
