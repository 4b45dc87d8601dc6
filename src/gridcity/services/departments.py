"""Departments (专业部门): city bureaus, public-utility enterprises, and the district and street
departments instantiated from the catalogue's templates for each district and street."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import OrgUnit
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import NETWORKS
from gridcity.services import users
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
        raise NotFound(message("department.no_territory"))
    districts = {c: units[c].name for c in district_codes if c in units}
    missing = set(district_codes) - set(districts)
    if missing:
        raise NotFound(message("department.districts_missing", missing=", ".join(sorted(missing))))
    streets = {u.code: u.name for u in units.values() if u.kind == "street" and u.code[:6] in districts}
    defs = catalogue.departments_for_territory(districts, streets)
    with unit_of_work(db):
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


# --- administration within a tier ------------------------------------------------------------

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,39}$")
_TIER_BY_LENGTH = {0: "city", 6: "district", 9: "street"}


def _in_tier(user: Principal, text: str | None) -> Select[OrgUnit]:
    scope = users.admin_scope(user)
    stmt = select(OrgUnit).where(OrgUnit.kind == "department")
    if scope:
        stmt = stmt.where(OrgUnit.scope_code.startswith(scope))
    if text:
        stmt = stmt.where(OrgUnit.name.contains(text) | OrgUnit.code.contains(text))
    return stmt


def departments_in_tier(db: Session, user: Principal, text: str | None = None) -> list[OrgUnit]:
    """The departments an admin manages: those serving their territory or a part of it."""
    return list(db.scalars(_in_tier(user, text).order_by(OrgUnit.scope_code, OrgUnit.code)))


def page_of_departments(
    db: Session, user: Principal, text: str | None, offset: int, limit: int
) -> tuple[list[OrgUnit], int]:
    """One page of `departments_in_tier` (in its order) and how many there are in all: two
    statements whatever the size of the list."""
    stmt = _in_tier(user, text)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = db.scalars(stmt.order_by(OrgUnit.scope_code, OrgUnit.code).offset(offset).limit(limit))
    return list(page), int(total)


def add_department(
    platform: Platform,
    db: Session,
    user: Principal,
    code: str,
    name: str,
    scope_code: str,
    networks: Sequence[str] = ("city_management",),
) -> OrgUnit:
    """A new department serving the city ('' scope), a district or a street within the admin's area.
    It can then be dispatched to and named as a class's owner or cooperating unit."""
    scope = users.admin_scope(user)
    code, name, scope_code = code.strip(), name.strip(), scope_code.strip()
    if not _CODE.match(code) or "{" in code:
        raise Invalid(message("department.bad_unit_code", unit_code=code))
    if not 1 <= len(name) <= 200:
        raise Invalid(message("department.name_length"))
    if len(scope_code) not in _TIER_BY_LENGTH:
        raise Invalid(message("department.bad_scope"))
    if not users.in_tier(scope, scope_code):
        raise Forbidden(
            message(
                "department.outside_area",
                org_unit_name=user.org_unit.name,
                scope=scope_code or message("noun.whole_city"),
            )
        )
    networks = list(dict.fromkeys(networks))
    if not networks or any(n not in NETWORKS for n in networks):
        raise Invalid(message("department.bad_networks", networks=", ".join(NETWORKS)))
    territory = db.scalar(select(OrgUnit).where(OrgUnit.kind == "city")) if not scope_code else None
    if scope_code:
        territory = db.scalar(
            select(OrgUnit).where(OrgUnit.code == scope_code, OrgUnit.kind.in_(["district", "street"]))
        )
    if territory is None:
        raise NotFound(message("department.no_scope", scope_code=scope_code))
    if scope_code and not code.startswith(scope_code + "-"):
        raise Invalid(message("department.code_prefix", territory_name=territory.name, scope_code=scope_code))
    if db.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise Conflict(message("department.code_taken", unit_code=code))
    try:
        known = platform.catalogue(db).catalogue.department(code)
    except NotFound:
        known = None
    if known is not None:  # e.g. 110102-CGZF: the catalogue's unit of a district not yet set up
        raise Conflict(message("department.catalogue_code", known_name=known.name, unit_code=code))
    with unit_of_work(db):
        if db.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
            raise Conflict(message("department.code_taken", unit_code=code))
        unit = OrgUnit(
            code=code,
            name=name,
            kind="department",
            tier=_TIER_BY_LENGTH[len(scope_code)],
            parent=territory,
            scope_code=scope_code,
            networks=networks,
            attrs={"department_kind": "department", "added_by": user.username},
        )
        db.add(unit)
    platform.invalidate("units", "catalogue")  # the catalogue learns the new code (classes.ClassBook)
    return unit


def rename_department(platform: Platform, db: Session, user: Principal, unit_id: int, name: str) -> OrgUnit:
    unit = db.get(OrgUnit, unit_id)
    if unit is None or unit.kind != "department":
        raise NotFound(message("department.not_found", unit_id=unit_id))
    users.require_unit_in_tier(user, unit)
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise Invalid(message("department.name_length"))
    with unit_of_work(db):
        unit.name = name
    platform.invalidate("units", "catalogue")
    return unit
