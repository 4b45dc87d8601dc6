"""The component registry (部件普查库): census imports as versioned changes, the nearest component to
a reported point, the components of a map window, a component with its history and cases.

A census file row either creates a component (version 1), changes one (its current version is
closed and version n+1 written, with the change date), or repeats what is stored (nothing is
written, so a census can be re-run and only its differences land). A component leaves service as
state 移除 (removed): still a row with its history and cases, no longer found around a point.

Import transactions: one per batch (default 5,000 rows); a batch is all or nothing. Rows that
fail (bad code, unknown class, a point outside the city or the code's district, duplicate codes)
go to the reject file with the reason; a failed run can be re-run and carries on where it stopped.

A CSV census is read in columns (`services.components.census_columns`: tens of thousands of rows a second);
JSON, JSON lines and GeoJSON row by row here. Both give the same components and the same rejects.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db import bulk
from gridcity.db import components as components_db
from gridcity.db.engine import connection_unit_of_work, unit_of_work
from gridcity.db.models import Case, Component, OrgUnit
from gridcity.domain.components import (
    DEFAULT_LINK_RADIUS_M,
    IN_SERVICE_STATES,
    CensusReader,
    CensusRow,
    ComponentState,
    check_radius,
    ground_distance_m,
    parse_component_code,
    parse_state,
    reported_component_class,
    search_box,
)
from gridcity.domain.errors import Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import ClassKind
from gridcity.domain.workflow import Role
from gridcity.services.access import territory_covers, visibility_clause
from gridcity.services.import_files import Rejects, Source, open_source
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress

BATCH_SIZE = 5000
# a first census of this many records or more builds the lookup indexes once at the end
DEFER_INDEXES_FROM = 100_000
MAX_PAGE_SIZE = 5000
# files `open_source` reads as JSON; any other is CSV
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".geojson")


# --- census import --------------------------------------------------------------------------------


@dataclass
class CensusRun:
    read: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    batches: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # reject reasons, by their first words


@dataclass
class _Context:
    platform: Platform
    reader: CensusReader
    classes: frozenset[tuple[str, str]]  # (standard, class code) of every component class
    owners: dict[str, int]  # owner code or name -> org unit id
    recorded_by: str
    seen: set[int] = field(default_factory=set)  # codes met earlier in the file (as integers: small)
    # the registry was empty when the import began: every code is new (a code repeated in the file
    # is rejected), so no current versions are looked up (a concurrent import of the same codes
    # fails on the unique (code, version) index instead of writing twice)
    all_new: bool = False
    analyzed: tuple[int, int] | None = None  # PostgreSQL: (rows the statistics knew, rows written then)


def import_components(
    platform: Platform,
    db: Session,
    path: Path,
    rejects_path: Path | None = None,
    progress: Progress = SILENT,
    batch_size: int = BATCH_SIZE,
    recorded_by: str | None = None,
    columnar: bool = True,
    defer_indexes_from: int = DEFER_INDEXES_FROM,
) -> CensusRun:
    """Import a census file (CSV, JSON, JSON lines or GeoJSON) of components. See the module's
    description; returns what happened. A CSV file is read in columns unless `columnar` is False
    (the row by row reading: the same result, slower). A file of `defer_indexes_from` records or
    more into an empty registry builds the lookup indexes once at the end."""
    if batch_size < 1:
        raise Invalid(message("component.batch_size"))
    if columnar and path.suffix.lower() not in JSON_SUFFIXES:
        from gridcity.services.components import census_columns  # pyarrow: loaded when a CSV census comes

        found = census_columns.csv_header(path)
        if found is not None:  # else the row reading says what is wrong with the file
            header, records = found
            ctx = _context(platform, db, CensusReader(header), path, recorded_by)
            rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
            with _lookup_indexes(platform, records, defer_indexes_from, progress) as ctx.all_new:
                return census_columns.import_csv(ctx, db, path, rejects_path, progress, batch_size, records)
    source = open_source(path, lists=True)
    with _lookup_indexes(platform, source.total, defer_indexes_from, progress) as all_new:
        return _import_rows(
            platform, db, path, source, rejects_path, progress, batch_size, recorded_by, all_new
        )


def _import_rows(
    platform: Platform,
    db: Session,
    path: Path,
    source: Source,
    rejects_path: Path | None,
    progress: Progress,
    batch_size: int,
    recorded_by: str | None,
    all_new: bool,
) -> CensusRun:
    rows = source.rows
    columns = source.columns
    if columns is None:  # JSON: the first record's keys name the fields
        first = next(rows, None)
        columns = list(first[1]) if first else []
        rows = _chain(first, rows)
    ctx = _context(platform, db, CensusReader(columns), path, recorded_by)
    ctx.all_new = all_new
    run = CensusRun(rejects_path=rejects_path or path.with_name(path.name + ".rejects.csv"))
    assert run.rejects_path is not None
    rejects = Rejects(run.rejects_path, source.columns)
    try:
        batch: list[tuple[int, Any]] = []
        for item in progress.track(rows, source.total, f"components {path.name}"):
            batch.append(item)
            if len(batch) >= batch_size:
                _import_batch(ctx, db, batch, run, rejects)
                batch = []
        if batch:
            _import_batch(ctx, db, batch, run, rejects)
    finally:
        rejects.close()
        close = getattr(source.rows, "close", None)
        if close is not None:
            close()
    return run


@contextmanager
def _lookup_indexes(
    platform: Platform, records: int | None, defer_from: int, progress: Progress
) -> Iterator[bool]:
    """The lookup indexes around an import; gives whether the registry is empty. A large first
    census (an empty table, `defer_from` records or more) drops them and builds them when it ends,
    failed or not: kept up row by row they cost a city's first census half of its time. An index
    missing at the start (a first census killed before it could build them) is built before the
    import begins."""
    with connection_unit_of_work(platform.engine) as connection:
        empty = components_db.is_empty(connection)
        defer = empty and records is not None and records >= defer_from
        if defer:
            components_db.drop_lookup_indexes(connection)
        missing = components_db.missing_lookup_indexes(connection)
    if not defer:
        _build_indexes(platform, missing, progress)
        yield empty
        return
    try:
        yield empty
    finally:
        _build_indexes(platform, missing, progress)


def _build_indexes(platform: Platform, names: list[str], progress: Progress) -> None:
    """Build the named lookup indexes, then refresh the statistics the planner chooses them by. On
    PostgreSQL two at a time on their own connections (two server processes)."""
    if not names:
        return

    def build(name: str) -> str:
        with connection_unit_of_work(platform.engine) as connection:
            components_db.create_lookup_index(connection, name)
        return name

    workers = 2 if platform.engine.dialect.name == "postgresql" else 1
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="component-index") as pool:
        for _ in progress.track(pool.map(build, names), len(names), "component lookup indexes"):
            pass
    if platform.engine.dialect.name == "postgresql":
        with connection_unit_of_work(platform.engine) as connection:
            components_db.analyze(connection)


def _context(
    platform: Platform, db: Session, reader: CensusReader, path: Path, recorded_by: str | None
) -> _Context:
    ctx = _Context(
        platform=platform,
        reader=reader,
        classes=component_classes(platform.catalogue(db).catalogue),
        owners=_owner_units(db),
        recorded_by=recorded_by or f"import:{path.name}",
    )
    db.rollback()  # nothing held open between batches
    return ctx


def _chain(
    first: tuple[int, dict[str, Any]] | None, rest: Iterator[tuple[int, dict[str, Any]]]
) -> Iterator[Any]:
    if first is not None:
        yield first
    yield from rest


@functools.lru_cache(maxsize=4)
def component_classes(catalogue: Any) -> frozenset[tuple[str, str]]:
    """(standard, code) of every component class of a catalogue (immutable, so kept while in use)."""
    return frozenset((c.standard, c.code) for c in catalogue.select(kind=ClassKind.COMPONENT))


def _owner_units(db: Session) -> dict[str, int]:
    """Departments by code, by unified social credit code (attrs.uscc) and by name: the census names
    a component's owner by its credit code and full name."""
    owners: dict[str, int] = {}
    for unit in db.scalars(select(OrgUnit).where(OrgUnit.kind == "department")):
        owners.setdefault(unit.name, unit.id)
        owners[unit.code] = unit.id
        uscc = (unit.attrs or {}).get("uscc")
        if uscc:
            owners[str(uscc)] = unit.id
    return owners


def _import_batch(
    ctx: _Context, db: Session, batch: Sequence[tuple[int, Any]], run: CensusRun, rejects: Rejects
) -> None:
    rejected: list[tuple[int, Any, str]] = []
    good: list[tuple[int, Any, CensusRow]] = []
    batch_codes: set[int] = set()
    reader, seen, classes = ctx.reader, ctx.seen, ctx.classes
    for line, raw in batch:
        try:
            row = reader.read(raw if isinstance(raw, list) else reader.values(raw))
        except Invalid as exc:
            rejected.append((line, raw, exc.message))
            continue
        code = row.code
        number = int(code.code)
        if number in seen or number in batch_codes:
            rejected.append((line, raw, f"the code {code.code} appears more than once in the file"))
        elif (code.standard, code.class_code) not in classes:
            rejected.append(
                (line, raw, f"class {code.class_code} is not a component class of {code.standard}")
            )
        else:
            batch_codes.add(number)
            good.append((line, raw, row))

    platform = ctx.platform
    with unit_of_work(db):
        places = platform.territory(db).locate_columns(
            [r.lon for _, _, r in good], [r.lat for _, _, r in good], ("city_management",)
        )
        located: list[tuple[Any, ...]] = []
        districts, streets = places["district"], places["street"]
        communities, units = places["community"], places["city_management"]
        for i, (line, raw, row) in enumerate(good):
            district = districts[i]
            if district is None:
                reason = f"the point ({row.lon}, {row.lat}) lies outside the city's territory"
                rejected.append((line, raw, reason))
            elif district != row.code.district_code:
                reason = (
                    f"the code's district {row.code.district_code} is not where the point lies ({district})"
                )
                rejected.append((line, raw, reason))
            else:
                located.append(_census_values(ctx, row, district, streets[i], communities[i], units[i]))
        counts = _write(ctx, db, located)
    _account(ctx, run, rejects, batch_codes, len(batch), rejected, counts)


def _account(
    ctx: _Context,
    run: CensusRun,
    rejects: Rejects,
    batch_codes: set[int],
    read: int,
    rejected: list[tuple[int, Any, str]],
    counts: tuple[int, int, int],
) -> None:
    """A committed batch: its codes are seen, its counts added, its rejects written (by line)."""
    ctx.seen.update(batch_codes)
    written = run.created + run.changed + counts[0] + counts[1]
    run.batches += 1
    run.read += read
    run.created += counts[0]
    run.changed += counts[1]
    run.unchanged += counts[2]
    run.rejected += len(rejected)
    for line, raw, reason in sorted(rejected, key=lambda r: r[0]):
        rejects.write(line, raw, reason)
        head = reason.split(":")[0].split("(")[0].strip()
        run.reasons[head] = run.reasons.get(head, 0) + 1
    _keep_statistics(ctx, written)


def _keep_statistics(ctx: _Context, written: int) -> None:
    """On PostgreSQL, analyze the component table when the import has grown it eightfold since its
    statistics were taken: a census into an empty table outgrows them at once, and the lookup of
    current versions would then scan the whole table for every batch (PostgreSQL scales what it
    knows by the table's size in pages, so a few refreshes carry it to millions of rows)."""
    platform = ctx.platform
    if platform.engine.dialect.name != "postgresql":
        return
    if ctx.analyzed is None:
        with platform.engine.connect() as connection:
            ctx.analyzed = (components_db.known_rows(connection), 0)
    known, then = ctx.analyzed
    if written - then > max(7 * known, BATCH_SIZE // 2):
        with connection_unit_of_work(platform.engine) as connection:
            components_db.analyze(connection)
            ctx.analyzed = (components_db.known_rows(connection), written)


def _census_values(
    ctx: _Context, row: CensusRow, district: str, street: str, community: str | None, unit: str | None
) -> tuple[Any, ...]:
    """The row as the census columns store it: the code, then `components_db.CENSUS_COLUMNS`."""
    owners = ctx.owners
    owner = owners.get(row.owner_code or "") or owners.get(row.owner_name)
    code = row.code
    return (
        code.code,
        code.standard,
        code.class_code,
        row.name,
        row.state.value,
        row.lon,
        row.lat,
        row.geom_wkb,
        district,
        street,
        community,
        unit,
        row.owner_code,
        row.owner_name,
        owner,
        row.keeper_code,
        row.keeper_name,
        row.maintainer_code,
        row.maintainer_name,
        row.initial_date,
        row.change_date,
        row.source,
        row.note,
    )


_CHANGE_DATE = 1 + components_db.CENSUS_COLUMNS.index("change_date")


def _write(
    ctx: _Context,
    db: Session,
    located: list[tuple[Any, ...]],
    now: datetime | None = None,
    existing: dict[str, Any] | None = None,
) -> tuple[int, int, int]:
    """Write the batch's census values: version 1 of a new code, version n+1 of a changed one
    (the current version closed), nothing for an unchanged one. (created, changed, unchanged)"""
    connection = db.connection()
    now = now or ctx.platform.now()
    if existing is None and ctx.all_new:
        existing = {}
    elif existing is None:
        existing = components_db.current_versions(connection, [values[0] for values in located])
    tail = (now, None, ctx.recorded_by)
    if not existing:  # a first census: every row is new
        rows = [(values[0], 1, *values[1:], *tail) for values in located]
        bulk.insert_rows(connection, Component.__table__, components_db.ALL_COLUMNS, rows)  # type: ignore[arg-type]
        return len(rows), 0, 0
    inserts: list[tuple[Any, ...]] = []
    closing: list[int] = []
    created = changed = unchanged = 0
    today = now.astimezone(ctx.platform.calendar(db).tz).date()
    for values in located:
        current = existing.get(values[0])
        if current is None:
            version = 1
            created += 1
        elif tuple(current[components_db.CENSUS_AT :]) == values[1:]:
            unchanged += 1
            continue
        else:
            version = current[components_db.VERSION_AT] + 1
            closing.append(current[components_db.ID_AT])
            changed += 1
            if values[_CHANGE_DATE] is None:  # a change without a survey date changes today
                values = (*values[:_CHANGE_DATE], today, *values[_CHANGE_DATE + 1 :])
        inserts.append((values[0], version, *values[1:], *tail))
    components_db.close_versions(connection, closing, now)
    bulk.insert_rows(connection, Component.__table__, components_db.ALL_COLUMNS, inserts)  # type: ignore[arg-type]
    return created, changed, unchanged


# --- finding components ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Nearby:
    code: str
    class_code: str
    name: str
    state: str
    lon: float
    lat: float
    distance_m: float
    grid_code: str | None
    owner_name: str
    owner_unit_id: int | None


def nearest(
    db: Session,
    lon: float,
    lat: float,
    class_codes: Sequence[str] | None = None,
    radius_m: float = DEFAULT_LINK_RADIUS_M,
    limit: int = 10,
) -> list[Nearby]:
    """The components in service within `radius_m` of the point, nearest first (of these classes,
    or of any)."""
    check_radius(radius_m)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid(message("component.bad_point", lon=lon, lat=lat), key="lon")
    rows = components_db.near(db.connection(), search_box(lon, lat, radius_m), class_codes, IN_SERVICE_STATES)
    found = []
    for r in rows:
        distance = ground_distance_m(lon, lat, r.lon, r.lat)
        if distance <= radius_m:
            found.append(
                Nearby(
                    r.code,
                    r.class_code,
                    r.name,
                    r.state,
                    r.lon,
                    r.lat,
                    distance,
                    r.grid_code,
                    r.owner_name,
                    r.owner_unit_id,
                )
            )
    found.sort(key=lambda n: (n.distance_m, n.code))
    return found[:limit]


def in_window(
    db: Session,
    box: tuple[float, float, float, float],
    class_codes: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
    page: int = 1,
    page_size: int = 100,
    count: bool = True,
) -> tuple[list[Any], int | None]:
    """A page of the current components in a map window, and how many there are in all."""
    if not (1 <= page_size <= MAX_PAGE_SIZE):
        raise Invalid(message("component.page_size", limit=MAX_PAGE_SIZE))
    states = [parse_state(s).value for s in states or ()]
    connection = db.connection()
    rows = components_db.in_window(connection, box, class_codes, states, page_size, (page - 1) * page_size)
    total = components_db.count_in_window(connection, box, class_codes, states) if count else None
    return rows, total


@dataclass
class ComponentRecord:
    current: Component
    versions: list[Component]
    cases: list[Case]


def get_component(db: Session, user: Principal | None, code: str, case_limit: int = 50) -> ComponentRecord:
    """A component with every version (oldest first) and the newest cases about it that `user` may
    see (none for an anonymous reader)."""
    parse_component_code(code)
    versions = components_db.versions(db, code)
    if not versions:
        raise NotFound(message("component.not_found", component_code=code))
    cases: list[Case] = []
    if user is not None:
        cases = components_db.cases_about(db, code, visibility_clause(user), case_limit)
    return ComponentRecord(versions[-1], versions, cases)


# --- the component a report is about -----------------------------------------------------------

MAX_NAMED_DISTANCE_M = 200.0
"""A report naming a component (its code from the plate on it) must be this close to it: further
away the code was misread or the report is about something else."""


def link_for_report(
    platform: Platform, db: Session, cls: Any, lon: float, lat: float, code: str | None
) -> Nearby | None:
    """The component a report of class `cls` is about: the one it names, or else the nearest of
    its component class within the configured radius; None when there is none or the class is not
    about components (`domain.components.reported_component_class`)."""
    component_class = reported_component_class(
        cls.kind, cls.standard, cls.code, component_classes(platform.catalogue(db).catalogue)
    )
    if component_class is None:
        if code:
            raise Invalid(
                message("component.not_a_component_class", cls_code=cls.code, cls_name=cls.name),
                key="component_code",
            )
        return None
    class_code, standard = component_class, cls.standard
    if not code:
        radius = platform.settings.component_link_radius_m
        found = nearest(db, lon, lat, [class_code], radius, limit=1)
        return found[0] if found else None
    parsed = parse_component_code(code)
    current = db.scalar(select(Component).where(Component.code == parsed.code, components_db.CURRENT))
    if current is None:
        raise NotFound(message("component.not_found", component_code=parsed.code), key="component_code")
    if current.class_code != class_code or current.standard != standard:
        raise Invalid(
            message(
                "component.other_class",
                parsed_code=parsed.code,
                class_code=current.class_code,
                current_name=current.name,
                class_code2=class_code,
            ),
            key="component_code",
        )
    if current.state == ComponentState.REMOVED:
        raise Invalid(message("component.removed", parsed_code=parsed.code), key="component_code")
    distance = ground_distance_m(lon, lat, current.lon, current.lat)
    if distance > MAX_NAMED_DISTANCE_M:
        raise Invalid(
            message(
                "component.too_far",
                parsed_code=parsed.code,
                distance=f"{distance:,.0f}",
                limit=f"{MAX_NAMED_DISTANCE_M:.0f}",
            ),
            key="component_code",
        )
    return Nearby(
        current.code,
        current.class_code,
        current.name,
        current.state,
        current.lon,
        current.lat,
        distance,
        current.grid_code,
        current.owner_name,
        current.owner_unit_id,
    )


# --- changing one component ---------------------------------------------------------------------

_EDITABLE = ("state", "name", "note", "maintainer_code", "maintainer_name")


def change_component(
    platform: Platform, db: Session, user: Principal, code: str, changes: dict[str, Any]
) -> Component:
    """A new version of one component with `changes` (state, name, note, maintainer): by a platform
    admin whose territory holds it. Removing it (state 移除) retires it; nothing is deleted."""
    if user.role != Role.ADMIN:
        raise Forbidden(message("component.admin_only"))
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise Invalid(
            message(
                "component.not_changeable", unknown=", ".join(sorted(unknown)), editable=", ".join(_EDITABLE)
            )
        )
    with unit_of_work(db):
        parse_component_code(code)
        current = db.scalar(
            select(Component).where(Component.code == code, components_db.CURRENT).with_for_update()
        )
        if current is None:
            raise NotFound(message("component.not_found", component_code=code))
        unit = user.org_unit
        if unit.kind == "department" or not territory_covers(
            unit.scope_code, current.district_code, current.street_code, current.community_code
        ):
            raise Forbidden(message("component.outside_area"))
        values = {c.key: getattr(current, c.key) for c in Component.__table__.columns if c.key != "id"}
        for key, value in changes.items():
            if key == "state":
                value = parse_state(value).value
            elif value is not None:
                value = str(value).strip() or None
            if key == "name" and not value:
                raise Invalid(message("component.empty_name"), key="name")
            values[key] = value
        if all(values[k] == getattr(current, k) for k in changes):
            return current
        now = platform.now()
        current.valid_to = now
        db.flush()
        values.update(
            version=current.version + 1,
            change_date=now.astimezone(platform.calendar(db).tz).date(),
            valid_from=now,
            valid_to=None,
            recorded_by=user.username,
        )
        new = Component(**values)
        db.add(new)
        db.flush()
        return new


def summary(component: Component | Nearby, catalogue: Any, distance_m: float | None = None) -> dict[str, Any]:
    """A component as the API and the pages show it."""
    standard = getattr(component, "standard", None)
    name = _class_name(catalogue, component.class_code, standard)
    out: dict[str, Any] = {
        "code": component.code,
        "class_code": component.class_code,
        "class_name": name,
        "name": component.name,
        "state": component.state,
        "state_label": ComponentState(component.state).label_zh,
        "lon": component.lon,
        "lat": component.lat,
        "grid_code": component.grid_code,
        "owner_name": component.owner_name,
    }
    if isinstance(component, Nearby):
        out["distance_m"] = round(component.distance_m, 1)
    elif distance_m is not None:
        out["distance_m"] = round(distance_m, 1)
    return out


def _class_name(catalogue: Any, class_code: str, standard: str | None) -> str | None:
    try:
        return str(catalogue.find(class_code, standard, ClassKind.COMPONENT.value).name)
    except (Invalid, NotFound):
        return None


def detail(record: ComponentRecord, catalogue: Any) -> dict[str, Any]:
    c = record.current
    out = summary(c, catalogue)
    out.update(
        standard=c.standard,
        version=c.version,
        district_code=c.district_code,
        street_code=c.street_code,
        community_code=c.community_code,
        owner_code=c.owner_code,
        owner_unit_id=c.owner_unit_id,
        keeper_code=c.keeper_code,
        keeper_name=c.keeper_name,
        maintainer_code=c.maintainer_code,
        maintainer_name=c.maintainer_name,
        initial_date=c.initial_date.isoformat(),
        change_date=c.change_date.isoformat() if c.change_date else None,
        source=c.source,
        note=c.note,
        history=[
            {
                "version": v.version,
                "state": v.state,
                "name": v.name,
                "owner_name": v.owner_name,
                "maintainer_name": v.maintainer_name,
                "change_date": v.change_date.isoformat() if v.change_date else None,
                "note": v.note,
                "valid_from": _iso(v.valid_from),
                "valid_to": _iso(v.valid_to),
                "recorded_by": v.recorded_by,
            }
            for v in record.versions
        ],
    )
    return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
