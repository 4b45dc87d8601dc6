"""What needs a person now: notifications addressed to them, or to their role within their area."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gridcity.db.models import Case, CaseEvent, Notification, OrgUnit
from gridcity.domain.escalation import ESCALATION_ROLES, Level
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import DEPARTMENT_STAGES
from gridcity.domain.workflow import STAGE_OF_STATE, CaseAction, CaseState, Role
from gridcity.services.platform import Platform


def for_user(db: Session, user: Principal, since_id: int = 0, limit: int = 50) -> Sequence[Notification]:
    unit = user.org_unit
    if unit.kind == "department":
        units_in_scope = select(OrgUnit.id).where(OrgUnit.id == unit.id)
    else:
        units_in_scope = select(OrgUnit.id).where(OrgUnit.code.startswith(unit.scope_code))
    addressed = or_(
        Notification.user_id == user.id,
        and_(Notification.role == user.role, Notification.org_unit_id.in_(units_in_scope)),
    )
    stmt = (
        select(Notification)
        .where(addressed, Notification.id > since_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return db.scalars(stmt).all()


# Who must act next, by state: the notification goes to that role on the case's street platform
# (or the department for department states).
_NEXT_ROLE = {
    CaseState.REPORTED: Role.OPERATOR,
    CaseState.ACCEPTED: Role.SHIFT_LEADER,
    CaseState.VOID_REQUESTED: Role.SHIFT_LEADER,
    CaseState.FILED: Role.DISPATCHER,
    CaseState.RETURN_REQUESTED: Role.DISPATCHER,
    CaseState.EXTENSION_REQUESTED: Role.DISPATCHER,
    CaseState.SUSPENSION_REQUESTED: Role.DISPATCHER,
    CaseState.DISPATCHED: Role.HANDLER,
    CaseState.CHECKED: Role.SHIFT_LEADER,
    CaseState.DISPOSED: Role.SUPERVISOR,
    CaseState.VERIFYING: Role.SUPERVISOR,
}


def rows_for_change(
    platform: Platform,
    db: Session,
    case: Case,
    event: CaseEvent,
    action: CaseAction | None,
    data: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Who must hear of this change: the next role to act, an addressed role, the reporter."""
    state = CaseState(case.state)
    text = f"{platform.case_number(case)} {case.class_name}: {event.note or state.label_zh}"
    base = {"case_id": case.id, "text": text, "user_id": None, "role": None, "org_unit_id": None}
    rows: list[dict[str, Any]] = []
    if action == CaseAction.ESCALATE:
        return rows_for_escalation(platform, db, case, Level(data["level"]), event.note)
    reporter_hears = case.reporter_id is not None and case.reporter_id != event.actor_id
    if action == CaseAction.COMMENT:
        if data.get("to_role"):
            rows.append(_to_role(platform, db, case, data["to_role"], {**base, "kind": "note"}))
        if reporter_hears:
            rows.append({**base, "kind": "note", "user_id": case.reporter_id})
        return rows
    if state in (CaseState.VERIFYING, CaseState.DISPOSED) and case.assignee_id:
        rows.append({**base, "kind": "task", "user_id": case.assignee_id})
    elif state in _NEXT_ROLE:
        rows.append(_to_role(platform, db, case, _NEXT_ROLE[state].value, {**base, "kind": "task"}))
    if action == CaseAction.DISPATCH:
        rows += [
            {**base, "kind": "assist", "role": Role.HANDLER.value, "org_unit_id": d.id}
            for d in case.cooperating
        ]
    if state.is_terminal and reporter_hears:
        rows.append({**base, "kind": "status", "user_id": case.reporter_id})
    return rows


def _to_role(platform: Platform, db: Session, case: Case, role: str, row: dict[str, Any]) -> dict[str, Any]:
    """Addressed to a role: a department's handlers, or that role on the case's street platform."""
    unit_id = case.department_id if role == Role.HANDLER else platform.unit_id(db, case.street_code)
    return {**row, "role": role, "org_unit_id": unit_id}


def rows_for_escalation(
    platform: Platform, db: Session, case: Case, level: Level, text: str
) -> list[dict[str, Any]]:
    """An escalation goes to the platform of its tier — the case's street, its district, the city —
    to the roles of `domain.escalation.ESCALATION_ROLES` there (and, as every role-addressed
    notification, to the same roles of the tiers above, whose scope covers it)."""
    tier = level.tier
    if tier == "street":
        unit_id = platform.unit_id(db, case.street_code)
    elif tier == "district":
        unit_id = platform.unit_id(db, case.district_code)
    else:
        unit_id = platform.unit_id(db, platform.settings.city_code, "city")
    full = f"{platform.case_number(case)} {case.class_name}: {text}"
    return [
        {
            "case_id": case.id,
            "kind": "escalation",
            "text": full,
            "user_id": None,
            "role": r.value,
            "org_unit_id": unit_id,
        }
        for r in ESCALATION_ROLES[level]
    ]


def rows_for_warning(
    platform: Platform, db: Session, case: Case, text: str, red: bool = False
) -> list[dict[str, Any]]:
    """A yellow or red warning goes to whoever must act for the post to finish in time: the person
    the case is assigned to (verification, check), else the role that acts next in its state on the
    case's street platform; in a department's stage (disposal, rework) its handlers. A red warning
    of a command-centre post (受理, 核实, 立案, 派遣, 核查, 结案, 审批) goes to the shift leader too:
    that lateness is the command centre's own, warned and counted, never escalated."""
    state = CaseState(case.state)
    full = f"{platform.case_number(case)} {case.class_name}: {text}"
    base = {
        "case_id": case.id,
        "text": full,
        "user_id": None,
        "role": None,
        "org_unit_id": None,
        "kind": "warning",
    }
    rows: list[dict[str, Any]] = []
    roles: list[str] = []
    if state in (CaseState.VERIFYING, CaseState.DISPOSED) and case.assignee_id:
        rows.append({**base, "user_id": case.assignee_id})
    elif state in _NEXT_ROLE:
        roles.append(_NEXT_ROLE[state].value)
    department_stage = STAGE_OF_STATE[state] in DEPARTMENT_STAGES
    if department_stage and case.department_id:
        roles.append(Role.HANDLER.value)
    if red and not department_stage:
        roles.append(Role.SHIFT_LEADER.value)
    return rows + [_to_role(platform, db, case, role, dict(base)) for role in dict.fromkeys(roles)]
