"""Bulk import of historic or hotline (12345) cases from CSV or JSON, through a declarative column
mapping (`domain.import_mapping`).

Every row is read through the mapping, located on the grids (`TerritoryState.locate`, as a report
is) and routed like any case (`services.cases._routing`: the class's owner at that place, unless the
mapping names the department). A row that cannot be imported goes to the reject file with the
reason; the others become cases with a plausible history.

What an imported case looks like:
- its `client_key` is "import:<source>:<id>" (unique), so running a file again skips the rows
  already imported and a file can never create a case twice;
- history rows by the system actor (no person's performance is judged by an import): `report`
  (→ reported, at the report time), `file` (→ filed), `dispatch` (→ dispatched, when a department is
  known) and, for a closed case, `close` (→ closed, closing type normal or overdue against the
  disposal deadline its class's limit gives from the dispatch time; the close time is taken as the
  disposal time). An open case keeps the clock of its current stage, started when it entered it.
- no notifications and no outbox messages: an import is history, not news for anyone.
- the assessment's rollups are counted for the batch's cases and history rows (`rollups.Tally`)
  and applied in the batch's transaction, so `gridcity rollups check` agrees after an import.

Transactions: one per batch (default 500 rows). A batch is all or nothing (its cases, history rows
and rollups commit together); when a run fails, the batches before stay imported and complete, and
running the same file again imports the rest (idempotent by the external id). The reject file is
written as each batch commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import shapely
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gridcity.db import rollups as rollups_db
from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, CaseEvent, OrgUnit
from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.import_mapping import ClassTarget, ImportMapping, Rejected, SourceRow, parse_mapping
from gridcity.domain.messages import message
from gridcity.domain.rollups import CASE_INPUTS
from gridcity.domain.workflow import SYSTEM_ACTOR_ROLE, ClosingType
from gridcity.services import case_clock, departments, territory
from gridcity.services.cases import _CASE_COLUMNS, _routing
from gridcity.services.evaluation import rollup_rules
from gridcity.services.import_files import Rejects, open_source
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress
from gridcity.services.rollups import Tally
from gridcity.services.territory_state import Place
from gridcity.spatial.crs import gcj02_to_wgs84

ACTOR_NAME = "导入 import"
BATCH_SIZE = 500


def load_mapping(path: Path) -> ImportMapping:
    """A mapping file (TOML); a missing or bad one is an `Invalid` naming every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Invalid(message("import.no_mapping", path=path)) from None
    except UnicodeDecodeError:
        raise Invalid(message("import.mapping_not_text", path=path)) from None
    return parse_mapping(text)


@dataclass
class Resolved:
    """A mapping checked against this platform: its classes and departments exist."""

    classes: dict[ClassTarget, Any]
    departments: dict[str, int]
    # the routing's proposal per (class, district, street): the same for every case there
    routes: dict[tuple[Any, str, str], int | None] = field(default_factory=dict)


def check_mapping(platform: Platform, db: Session, mapping: ImportMapping) -> Resolved:
    """Every class and department the mapping names exists here (else `Invalid` listing them)."""
    book = platform.catalogue(db)
    problems: list[str] = []
    classes: dict[ClassTarget, Any] = {}
    for target in mapping.class_targets():
        try:
            classes[target] = book.find(target.code, target.standard, target.kind)
        except DomainError as exc:
            problems.append(f"class {target.code}: {exc.message}")
    units: dict[str, int] = {}
    for code in sorted(set(mapping.departments.values())):
        unit_id = platform.unit_id(db, code, "department")
        if unit_id is None:
            problems.append(f"department {code!r} does not exist")
        else:
            units[code] = unit_id
    if problems:
        raise Invalid(message("import.mapping_unfit", problems="; ".join(problems)), problems=problems)
    return Resolved(classes, units)


# --- importing --------------------------------------------------------------------------------------


@dataclass
class ImportRun:
    read: int = 0
    imported: int = 0
    already: int = 0  # imported by an earlier run of the same source
    rejected: int = 0
    batches: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # reject reasons, by their first words


def import_cases(
    platform: Platform,
    db: Session,
    path: Path,
    mapping: ImportMapping,
    rejects_path: Path | None = None,
    progress: Progress = SILENT,
    batch_size: int = BATCH_SIZE,
) -> ImportRun:
    """Import a file's rows as cases (see the module's description). Returns what happened."""
    if batch_size < 1:
        raise Invalid(message("component.batch_size"))
    resolved = check_mapping(platform, db, mapping)
    db.rollback()  # nothing held open between batches
    source = open_source(path)
    run = ImportRun(rejects_path=rejects_path or path.with_name(path.name + ".rejects.csv"))
    assert run.rejects_path is not None
    rejects = Rejects(run.rejects_path, source.columns)
    seen: set[str] = set()
    try:
        batch: list[tuple[int, dict[str, Any]]] = []
        for item in progress.track(source.rows, source.total, f"cases {path.name}"):
            batch.append(item)
            if len(batch) >= batch_size:
                _import_batch(platform, db, mapping, resolved, batch, seen, run, rejects)
                batch = []
        if batch:
            _import_batch(platform, db, mapping, resolved, batch, seen, run, rejects)
    finally:
        rejects.close()
        _close(source.rows)
    return run


def _close(rows: Iterator[Any]) -> None:
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def _import_batch(
    platform: Platform,
    db: Session,
    mapping: ImportMapping,
    resolved: Resolved,
    batch: Sequence[tuple[int, dict[str, Any]]],
    seen: set[str],
    run: ImportRun,
    rejects: Rejects,
) -> None:
    rejected: list[tuple[int, dict[str, Any], str]] = []
    good: list[tuple[int, dict[str, Any], SourceRow]] = []
    batch_ids: set[str] = set()
    for line, raw in batch:
        try:
            row = mapping.read(raw)
        except Rejected as exc:
            rejected.append((line, raw, exc.reason))
            continue
        if row.source_id in seen or row.source_id in batch_ids:
            rejected.append((line, raw, f"the id {row.source_id!r} appears more than once in the file"))
            continue
        batch_ids.add(row.source_id)
        good.append((line, raw, row))

    with unit_of_work(db):
        keys = [row.external_id for _, _, row in good]
        existing = (
            set(db.scalars(select(Case.client_key).where(Case.client_key.in_(keys)))) if keys else set()
        )
        fresh = [(line, raw, row) for line, raw, row in good if row.external_id not in existing]
        points = _wgs84(mapping, [(row.lon, row.lat) for _, _, row in fresh])
        places = platform.territory(db).locate_many([p[0] for p in points], [p[1] for p in points])
        cases: list[tuple[SimpleNamespace, list[dict[str, Any]]]] = []
        for (line, raw, row), (lon, lat), place in zip(fresh, points, places, strict=True):
            try:
                if place is None:
                    raise Rejected(f"the point ({lon}, {lat}) lies outside the city's territory")
                cases.append(_case(platform, db, mapping, resolved, row, lon, lat, place))
            except Rejected as exc:
                rejected.append((line, raw, exc.reason))
        _write(platform, db, cases)
    # committed: account for the batch and write its rejects
    seen.update(batch_ids)
    run.batches += 1
    run.read += len(batch)
    run.already += len(good) - len(fresh)
    run.imported += len(cases)
    run.rejected += len(rejected)
    for line, raw, reason in sorted(rejected, key=lambda r: r[0]):
        rejects.write(line, raw, reason)
        head = reason.split(":")[0].split("'")[0].strip()
        run.reasons[head] = run.reasons.get(head, 0) + 1


def _wgs84(mapping: ImportMapping, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if mapping.crs != "gcj02" or not points:
        return points
    lons, lats = gcj02_to_wgs84(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    return [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]


def _case(
    platform: Platform,
    db: Session,
    mapping: ImportMapping,
    resolved: Resolved,
    row: SourceRow,
    lon: float,
    lat: float,
    place: Place,
) -> tuple[SimpleNamespace, list[dict[str, Any]]]:
    """The case row and its history rows for one source row (not yet written)."""
    cls = resolved.classes[row.target]
    calendar = platform.calendar(db)
    case = SimpleNamespace(**dict.fromkeys(_CASE_COLUMNS))
    vars(case).update(
        version=1,
        state="reported",
        channel=mapping.channel,
        client_key=row.external_id,
        standard=cls.standard,
        class_code=cls.code,
        class_name=cls.name,
        kind=cls.kind,
        network=cls.network,
        urgency=cls.default_urgency,
        description=row.description,
        address=row.address,
        lon=lon,
        lat=lat,
        district_code=place.district_code,
        street_code=place.street_code,
        community_code=place.community_code,
        grid_code=place.grids.get("city_management"),
        ss_grid_code=place.grids.get("social_service"),
        ps_grid_code=place.grids.get("public_security"),
        reported_at=row.reported_at,
        rework_count=0,
        reopen_count=0,
        extension_count=0,
        escalation_level=0,
        stage_warned=0,
        stage_paused_s=0.0,
    )
    route_key = (row.target, place.district_code, place.street_code)
    if route_key not in resolved.routes:
        resolved.routes[route_key] = _routing(platform, db, case)[0]  # type: ignore[arg-type]
    case.proposed_department_id = resolved.routes[route_key]
    department_id = (
        resolved.departments[row.department_code] if row.department_code else case.proposed_department_id
    )
    events: list[dict[str, Any]] = []

    def event(action: str, from_state: str | None, to_state: str, at: Any, data: dict[str, Any]) -> None:
        events.append(
            {
                "seq": len(events) + 1,
                "at": at,
                "actor_id": None,
                "actor_name": ACTOR_NAME,
                "actor_role": SYSTEM_ACTOR_ROLE,
                "action": action,
                "from_state": from_state,
                "to_state": to_state,
                "note": "",
                "data": data,
            }
        )

    event(
        "report",
        None,
        "reported",
        row.reported_at,
        {"channel": mapping.channel, "import": {"source": mapping.source, "id": row.source_id}},
    )
    event("file", "reported", "filed", row.filed_at, {})
    case.state, case.filed_at, last = "filed", row.filed_at, row.filed_at
    if row.status == "filed":
        department_id = None
    if department_id is not None:
        dispatched = row.dispatched_at or row.filed_at
        if dispatched < row.filed_at:
            raise Rejected("dispatched before it was filed")
        unit = _unit(db, platform, department_id)
        event("dispatch", "filed", "dispatched", dispatched, {"department": unit})
        case.state, case.department_id, case.dispatched_at, last = (
            "dispatched",
            department_id,
            dispatched,
            dispatched,
        )
    elif row.status == "dispatched":
        raise Rejected(f"no department for category {row.category!r} at this place (routing proposes none)")
    if row.status == "closed":
        assert row.closed_at is not None
        if row.closed_at < last:
            raise Rejected("closed before it was filed or dispatched")
        if case.dispatched_at is not None:
            case_clock.start_state_clock(platform, db, calendar, case, case.dispatched_at)  # type: ignore[arg-type]
            case.dispose_deadline = case.stage_deadline
        late = case.dispose_deadline is not None and row.closed_at > case.dispose_deadline
        closing = ClosingType.OVERDUE if late else ClosingType.NORMAL
        event("close", case.state, "closed", row.closed_at, {"closing_type": closing.value})
        case.state, case.disposed_at, case.closed_at, case.closing_type = (
            "closed",
            row.closed_at,
            row.closed_at,
            closing.value,
        )
        last = row.closed_at
    case_clock.start_state_clock(platform, db, calendar, case, last)  # type: ignore[arg-type]
    case.updated_at = last
    return case, events


def _unit(db: Session, platform: Platform, unit_id: int) -> dict[str, Any]:
    ref = platform.unit_ref(db, unit_id) or {}
    return {"id": unit_id, "code": ref.get("code"), "name": ref.get("name")}


def _write(
    platform: Platform, db: Session, cases: list[tuple[SimpleNamespace, list[dict[str, Any]]]]
) -> None:
    """Insert the cases (one executemany), their history rows, and what they add to
    the rollups, in the caller's transaction."""
    if not cases:
        return
    connection = db.connection()
    rows = [{key: getattr(case, key) for key in _CASE_COLUMNS} for case, _ in cases]
    # a plain executemany, then the ids by the (unique) external ids: RETURNING in parameter order
    # makes SQLite insert row by row, 3 times slower
    connection.execute(insert(Case), rows)
    keys = [row["client_key"] for row in rows]
    found = {
        key: case_id
        for key, case_id in connection.execute(
            select(Case.client_key, Case.id).where(Case.client_key.in_(keys))
        )
    }
    ids = [int(found[key]) for key in keys]
    tally = Tally(rollup_rules(platform))
    history: list[dict[str, Any]] = []
    for case_id, (case, events) in zip(ids, cases, strict=True):
        case.id = case_id
        for e in events:
            e["case_id"] = case_id
        history.extend(events)
        tally.add_case(SimpleNamespace(**{name: getattr(case, name) for name in CASE_INPUTS}))
        tally.add_history([SimpleNamespace(**e) for e in events])
    connection.execute(insert(CaseEvent), history)
    delta = {key: counts for key, counts in tally.rows.items() if any(counts.values())}
    if delta:
        rollups_db.apply(connection, delta)


# --- a territory from the data's area ----------------------------------------------------------------


@dataclass
class DataTerritory:
    district_code: str
    bbox: tuple[float, float, float, float]
    rows: int
    grids: dict[str, int]
    departments: int


def territory_from_data(
    platform: Platform,
    db: Session,
    path: Path,
    mapping: ImportMapping,
    district_code: str,
    name: str,
    progress: Progress = SILENT,
    margin: float = 0.002,
    grid_area_m2: float | None = None,
) -> DataTerritory:
    """Set up a territory over the bounding box of a file's points (for data from a city without
    imported outlines): one synthetic district `district_code` covering the box (plus `margin`
    degrees), one street (`<district>001`) and one community (`<district>001001`) equal to it, the
    three grid layers generated inside, and the district's departments from the class catalogue.
    The outlines are a rectangle, not real boundaries: good for importing and assessing the data,
    not for drawing a map."""
    source = open_source(path)
    lons: list[float] = []
    lats: list[float] = []
    try:
        for _, raw in progress.track(source.rows, source.total, "points"):
            try:
                lon, lat = mapping.point(raw)
            except Rejected:
                continue
            lons.append(lon)
            lats.append(lat)
    finally:
        _close(source.rows)
    if not lons:
        raise Invalid(message("import.no_location", path=path))
    points = _wgs84(mapping, list(zip(lons, lats, strict=True)))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    bbox = (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
    box = shapely.box(*bbox)
    street, community = f"{district_code}001", f"{district_code}001001"
    collection = lambda code, key: json.dumps(  # noqa: E731
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {key: code, "name": f"{name} {code}"},
                    "geometry": json.loads(shapely.to_geojson(box)),
                }
            ],
        }
    )
    territory.import_districts(
        platform, db, collection(district_code, "district_code"), attribution=str(path.name)
    )
    territory.import_streets(platform, db, collection(street, "street_code_9"), attribution=str(path.name))
    with unit_of_work(db):
        parent = db.scalars(select(OrgUnit).where(OrgUnit.code == street)).one()
        territory._upsert_unit(
            db, community, f"{name} {community}", "community", parent, box, {"synthetic": True}
        )
    platform.invalidate("territory", "units")
    grids = {}
    for layer in territory.LAYERS:
        grids[layer] = territory.generate_grids(
            platform, db, layer, [district_code], grid_area_m2, progress
        ).created
    territory.rebuild_crosswalk(platform, db, progress)
    n_departments = departments.instantiate(platform, db, [district_code], progress)
    return DataTerritory(district_code, bbox, len(lons), grids, n_departments)
