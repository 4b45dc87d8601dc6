"""Who sees which case (`access_case` fetches *and* authorises, so no caller can forget the check),
and who manages what the whole city shares."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import Session

from gridcity.db.models import Case, OrgUnit
from gridcity.domain.errors import Forbidden, NotFound
from gridcity.domain.messages import Message, message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role


def territory_covers(
    scope_code: str, district_code: str, street_code: str, community_code: str | None
) -> bool:
    """A platform unit's territory covers a place when the place's code starts with the unit's code."""
    if not scope_code:
        return True
    target = community_code or street_code or district_code
    return (target or "").startswith(scope_code)


def case_visible(user: Principal, case: Case) -> bool:
    unit = user.org_unit
    if user.role == Role.CITIZEN:
        return case.reporter_id == user.id
    if unit.kind == "department":
        return case.department_id == unit.id or any(d.id == unit.id for d in case.cooperating)
    return territory_covers(unit.scope_code, case.district_code, case.street_code, case.community_code)


def visibility_clause(user: Principal) -> ColumnElement[bool]:
    """The same rule as `case_visible`, as SQL for lists."""
    unit = user.org_unit
    if user.role == Role.CITIZEN:
        return Case.reporter_id == user.id
    if unit.kind == "department":
        return or_(Case.department_id == unit.id, Case.cooperating.any(OrgUnit.id == unit.id))
    if not unit.scope_code:
        return true()
    code = unit.scope_code
    if len(code) <= 6:
        return Case.district_code == code if len(code) == 6 else Case.district_code.startswith(code)
    if len(code) == 9:
        return Case.street_code == code
    if len(code) == 12:
        return Case.community_code == code
    return false()


def place_in_scope(user: Principal, district_code: str, street_code: str, community_code: str | None) -> bool:
    """May this staff member act on a place (report there, be assigned there)?"""
    unit = user.org_unit
    if user.role == Role.CITIZEN or unit.kind == "department":
        return True
    return territory_covers(unit.scope_code, district_code, street_code, community_code)


def access_case(db: Session, user: Principal, case_id: int) -> Case:
    """The case, if this user may see it; otherwise NotFound (not revealing that it exists)."""
    case = db.get(Case, case_id)
    if case is None or not case_visible(user, case):
        raise NotFound(message("case.not_found", case=case_id))
    return case


def require_city_admin(actor: Principal | None, what: str | Message) -> None:
    """Things the whole city shares (its calendar, the systems docked with it) are managed by an
    admin of the city platform; `actor` None is the command line, run by whoever runs the
    installation. `what` completes the refusal: "… manages webhook subscriptions"."""
    if actor is not None and (actor.role != Role.ADMIN or actor.org_unit.kind != "city"):
        raise Forbidden(message("access.city_admin_only", what=what))
