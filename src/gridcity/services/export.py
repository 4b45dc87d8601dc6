"""Export (导出): cases as CSV, XLSX or GeoJSON by any list filter; grids and territory as GeoJSON.

Every export streams: the rows come from the database in batches (`yield_per`) and leave as text
chunks (CSV, GeoJSON) or through openpyxl's write-only workbook (XLSX, which keeps only the current
row in memory and spools the sheet to a temporary file). A caller passes the filter with the
caller's visibility already in it (`services.access.visibility_clause`), exactly as the case list
does, so an export never shows a case the list would not.

Times are written in the city's timezone: ISO 8601 with the offset in CSV and GeoJSON, and as
local date-times in XLSX (Excel has no timezone; the sheet's header row names it).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from gridcity.db.models import Case, Grid, OrgUnit
from gridcity.db.queries import SORTS, CaseFilter
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.services.platform import Platform
from gridcity.services.spreadsheet_cells import csv_writer, xlsx_row
from gridcity.services.territory import LAYERS, grid_properties

FORMATS = ("csv", "xlsx", "geojson")
LEVELS = ("district", "street", "community")
BATCH = 2000

# The columns of a case export, in order. Contact details (name, phone) are never exported.
CASE_COLUMNS = (
    "id",
    "number",
    "state",
    "channel",
    "standard",
    "class_code",
    "class_name",
    "kind",
    "network",
    "urgency",
    "description",
    "address",
    "lon",
    "lat",
    "district_code",
    "street_code",
    "community_code",
    "grid_code",
    "ss_grid_code",
    "ps_grid_code",
    "department_code",
    "department_name",
    "closing_type",
    "reported_at",
    "filed_at",
    "dispatched_at",
    "disposed_at",
    "closed_at",
)
_TIMES = ("reported_at", "filed_at", "dispatched_at", "disposed_at", "closed_at")
_CASE_FIELDS = [
    Case.id,
    Case.state,
    Case.channel,
    Case.standard,
    Case.class_code,
    Case.class_name,
    Case.kind,
    Case.network,
    Case.urgency,
    Case.description,
    Case.address,
    Case.lon,
    Case.lat,
    Case.district_code,
    Case.street_code,
    Case.community_code,
    Case.grid_code,
    Case.ss_grid_code,
    Case.ps_grid_code,
    Case.department_id,
    Case.closing_type,
    Case.reported_at,
    Case.filed_at,
    Case.dispatched_at,
    Case.disposed_at,
    Case.closed_at,
]


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Invalid(message("export.unknown_format", fmt=fmt, formats=", ".join(FORMATS)))
    return fmt


def case_records(platform: Platform, db: Session, flt: CaseFilter) -> Iterator[dict[str, Any]]:
    """The cases a filter selects, in its sort order, one plain dict per case (times still aware
    datetimes in UTC), fetched from the database in batches."""
    if flt.sort not in SORTS:
        raise Invalid(message("export.unknown_sort", sort=flt.sort, sorts=", ".join(SORTS)))
    departments = {
        unit_id: (code, name)
        for unit_id, code, name in db.execute(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.name).where(OrgUnit.kind == "department")
        )
    }
    stmt = (
        select(*_CASE_FIELDS)
        .where(*flt.clauses(platform.now()))
        .order_by(SORTS[flt.sort], Case.id.desc())
        .execution_options(yield_per=BATCH)
    )
    for row in db.execute(stmt):
        record = row._asdict()
        department = departments.get(record.pop("department_id"), (None, None))
        record["department_code"], record["department_name"] = department
        record["number"] = platform.case_number(row)
        yield {name: record[name] for name in CASE_COLUMNS}


def _local(value: datetime | None, tz: tzinfo) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


def _text(value: Any, tz: tzinfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    return value


def csv_chunks(platform: Platform, db: Session, flt: CaseFilter) -> Iterator[str]:
    """The cases as CSV (UTF-8 text with a header row; prefix a BOM for Excel yourself if needed),
    in chunks of a few hundred rows."""
    tz = platform.calendar().tz
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(CASE_COLUMNS)
    for n, record in enumerate(case_records(platform, db, flt), start=1):
        writer.writerow(["" if v is None else _text(v, tz) for v in record.values()])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def geojson_chunks(platform: Platform, db: Session, flt: CaseFilter) -> Iterator[str]:
    """The cases as a GeoJSON FeatureCollection of points, one feature per chunk."""
    tz = platform.calendar().tz

    def features() -> Iterator[str]:
        for record in case_records(platform, db, flt):
            properties = {k: _text(v, tz) for k, v in record.items() if k not in ("lon", "lat")}
            yield json.dumps(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
                    "properties": properties,
                },
                ensure_ascii=False,
            )

    return _collection(features())


def _collection(features: Iterable[str]) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    for n, feature in enumerate(features):
        yield feature if n == 0 else ",\n" + feature
    yield "]}\n"


def write_xlsx(platform: Platform, db: Session, flt: CaseFilter, out: IO[bytes] | Path) -> int:
    """The cases as an XLSX workbook (one sheet, "cases"); returns the number of cases written."""
    from openpyxl import Workbook  # imported here: only exports need it

    tz = platform.calendar().tz
    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases")
    sheet.append(xlsx_row(sheet, CASE_COLUMNS))
    count = 0
    for record in case_records(platform, db, flt):
        row = []
        for name, value in record.items():
            if name in _TIMES:
                local = _local(value, tz)
                row.append(local.replace(tzinfo=None) if local is not None else None)
            else:
                row.append(value)
        sheet.append(xlsx_row(sheet, row))
        count += 1
    book.save(out)
    return count


def write_cases(platform: Platform, db: Session, flt: CaseFilter, fmt: str, path: Path) -> None:
    """Write a case export to a file."""
    check_format(fmt)
    if fmt == "xlsx":
        write_xlsx(platform, db, flt, path)
        return
    write_chunks(csv_chunks(platform, db, flt) if fmt == "csv" else geojson_chunks(platform, db, flt), path)


# --- grids and territory -------------------------------------------------------------------------


def _geometry_json(wkb: bytes | None) -> Any:
    return json.loads(shapely.to_geojson(shapely.from_wkb(wkb))) if wkb is not None else None


def grid_chunks(db: Session, layer: str, scope: str | None = None) -> Iterator[str]:
    """The current grids of a layer (optionally only those under a territory code) as GeoJSON."""
    if layer not in LAYERS:
        raise Invalid(message("territory.unknown_layer", layer=layer, layers=", ".join(LAYERS)))
    stmt = select(Grid).options(undefer(Grid.geom_wkb)).where(Grid.layer == layer, Grid.valid_to.is_(None))
    if scope:
        stmt = stmt.where(_scope_column(scope, Grid).startswith(scope))
    stmt = stmt.order_by(Grid.code).execution_options(yield_per=500)

    def features() -> Iterator[str]:
        for grid in db.scalars(stmt):
            yield json.dumps(
                {
                    "type": "Feature",
                    "geometry": _geometry_json(grid.geom_wkb),
                    "properties": grid_properties(grid),
                },
                ensure_ascii=False,
            )

    return _collection(features())


def _scope_column(scope: str, model: type[Grid]) -> Any:
    if len(scope) <= 6:
        return model.district_code
    if len(scope) <= 9:
        return model.street_code
    return model.community_code


def territory_chunks(db: Session, level: str, parent: str | None = None) -> Iterator[str]:
    """District, street or community outlines at full precision, as GeoJSON."""
    if level not in LEVELS:
        raise Invalid(message("export.bad_level", levels=", ".join(LEVELS)))
    stmt = select(OrgUnit).options(undefer(OrgUnit.geom_wkb)).where(OrgUnit.kind == level)
    if parent:
        stmt = stmt.where(OrgUnit.code.startswith(parent))
    stmt = stmt.order_by(OrgUnit.code).execution_options(yield_per=200)

    def features() -> Iterator[str]:
        for unit in db.scalars(stmt):
            properties = {
                "code": unit.code,
                "name": unit.name,
                "name_en": unit.name_en,
                "level": level,
                "area_m2": round(unit.area_m2, 1) if unit.area_m2 is not None else None,
            }
            yield json.dumps(
                {"type": "Feature", "geometry": _geometry_json(unit.geom_wkb), "properties": properties},
                ensure_ascii=False,
            )

    return _collection(features())


def write_chunks(chunks: Iterable[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        for chunk in chunks:
            fh.write(chunk)
