"""Departments (专业部门): city bureaus, public-utility enterprises, and the district and street
departments instantiated from the catalogue's templates for each district and street."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.engine import transaction
from gridcity.db.models import OrgUnit
from gridcity.domain.errors import NotFound
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress


def instantiate(
    platform: Platform, db: Session, district_codes: Sequence[str], progress: Progress = SILENT
) -> int:
    """Create (or rename) the departments serving these districts and their streets."""
    catalogue = platform.catalogue(db).catalogue
    units = {u.code: u for u in db.scalars(select(OrgUnit).where(OrgUnit.kind != "community"))}
    city = next((u for u in units.values() if u.kind == "city"), None)
    if city is None:
        raise NotFound("import the territory (districts and streets) before the departments")
    districts = {c: units[c].name for c in district_codes if c in units}
    missing = set(district_codes) - set(districts)
    if missing:
        raise NotFound(f"districts not imported: {', '.join(sorted(missing))}")
    streets = {u.code: u.name for u in units.values() if u.kind == "street" and u.code[:6] in districts}
    defs = catalogue.departments_for_territory(districts, streets)
    with transaction(db):
        for d in progress.track(defs, len(defs), "departments 部门"):
            parent = units.get(d.territory) if d.territory else city
            unit = units.get(d.code)
            if unit is None:
                unit = OrgUnit(code=d.code, kind="department")
                db.add(unit)
                units[d.code] = unit
            unit.name, unit.tier, unit.parent = d.name, d.tier, parent
            unit.scope_code = d.territory or ""
            unit.networks = list(d.networks)
            unit.attrs = {"department_kind": d.kind}
    platform.invalidate("units")
    return len(defs)
