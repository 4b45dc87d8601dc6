"""What needs a person now: notifications addressed to them, or to their role within their area."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from gridcity.db.models import Case, CaseEvent, Notification, OrgUnit, case_cooperators
from gridcity.domain.escalation import ESCALATION_ROLES, Level
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import DEPARTMENT_STAGES
from gridcity.domain.workflow import (
    REQUEST_STATES,
    STAGE_OF_STATE,
    TERMINAL_STATES,
    CaseAction,
    CaseState,
    Role,
)
from gridcity.services.platform import Platform

# What a notification asks, by kind (docs/pages.md, "The bell"):
# - a task (the next step of a case in a state), an escalation (督办) is still to do until the case
#   moves on: a later history row of the case other than a comment, an escalation or a callback
#   (each of which leaves the case where it was) means someone did the step or the case left the
#   state that made it a task;
# - a warning (预警) until the stage it warned of is over: the case's stage clock restarted since;
# - an assist (配合) while the case is with a department and this unit still cooperates on it;
# - a note (a comment addressed to the role or the person) until the person marks it read (`seen`);
# - a status (进展, the news of a closure to the reporter) likewise for a citizen; never for staff,
#   for whom reporting is part of the work (an operator's 12345 calls, a supervisor's finds): their
#   reports' outcomes are on their queues and the field page, and hundreds of closures a month
#   would bury their tasks (in the demo, 1,721 of a supervisor's 1,774 entries).
TO_DO_KINDS = ("task", "escalation")
_STILL_THERE_ACTIONS = (CaseAction.COMMENT.value, CaseAction.ESCALATE.value, CaseAction.CALLBACK.value)
_ASSIST_STATES = tuple(
    s.value for s in CaseState if STAGE_OF_STATE[s] in DEPARTMENT_STAGES or s in REQUEST_STATES
)
_STATE_KINDS = (*TO_DO_KINDS, "warning", "assist")


def _still_to_do(user: Principal, seen: int) -> ColumnElement[bool]:
    """The notifications that still ask something of their reader, as SQL (one correlated probe of
    the case's history or row per notification, by index; no filtering in Python)."""
    moved_on = exists().where(
        CaseEvent.case_id == Notification.case_id,
        CaseEvent.id > Notification.event_id,
        CaseEvent.action.not_in(_STILL_THERE_ACTIONS),
    )
    stage_running = exists().where(
        Case.id == Notification.case_id,
        Case.state.not_in([s.value for s in TERMINAL_STATES]),
        Case.stage_started_at < Notification.created_at,
    )
    still_helping = exists().where(
        case_cooperators.c.case_id == Notification.case_id,
        case_cooperators.c.department_id == Notification.org_unit_id,
        Case.id == case_cooperators.c.case_id,
        Case.state.in_(_ASSIST_STATES),
    )
    return or_(
        and_(Notification.kind.in_(TO_DO_KINDS), Notification.event_id.is_not(None), ~moved_on),
        and_(Notification.kind == "warning", stage_running),
        and_(Notification.kind == "assist", still_helping),
        and_(Notification.kind.in_(_until_read(user)), Notification.id > seen),
    )


def _until_read(user: Principal) -> tuple[str, ...]:
    return ("note", "status") if user.role == Role.CITIZEN else ("note",)


def _addressed(user: Principal) -> ColumnElement[bool]:
    """Addressed to the user, or to their role in a unit of their area (a department: itself)."""
    unit = user.org_unit
    if unit.kind == "department":
        units_in_scope = select(OrgUnit.id).where(OrgUnit.id == unit.id)
    else:
        units_in_scope = select(OrgUnit.id).where(OrgUnit.code.startswith(unit.scope_code))
    return or_(
        Notification.user_id == user.id,
        and_(Notification.role == user.role, Notification.org_unit_id.in_(units_in_scope)),
    )


def _open_per_case(user: Principal, seen: int, since_id: int) -> Select[tuple[int]]:
    """The ids of what still needs the user: per case the newest task, warning, escalation or
    assist (they are one thing to do: that case's next step), and every unread note on its own."""
    one_step = and_(Notification.kind.in_(_STATE_KINDS), Notification.case_id.is_not(None))
    thing_to_do = sql_case((one_step, Notification.case_id), else_=-Notification.id)  # ids are > 0
    newest = func.row_number().over(partition_by=thing_to_do, order_by=Notification.id.desc()).label("newest")
    ranked = (
        select(Notification.id, newest)
        .where(_addressed(user), _still_to_do(user, seen), Notification.id > since_id)
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.newest == 1)


def for_user(
    db: Session, user: Principal, since_id: int = 0, limit: int = 50, seen: int = 0
) -> Sequence[Notification]:
    """What still needs the user, newest first: one notification per case (see `_still_to_do`);
    notes and statuses up to `seen` (read) are left out, and all up to `since_id`."""
    stmt = (
        select(Notification)
        .where(Notification.id.in_(_open_per_case(user, seen, since_id)))
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return db.scalars(stmt).all()


def received(db: Session, user: Principal, case_id: int) -> Sequence[Notification]:
    """Everything the user was told about a case, done or not, oldest first (who heard of what:
    the bell shows only what is still to do, `for_user`)."""
    stmt = select(Notification).where(Notification.case_id == case_id, _addressed(user))
    return db.scalars(stmt.order_by(Notification.id)).all()


def count_for_user(db: Session, user: Principal, seen: int = 0) -> int:
    """How many things still need the user: the bell's number (cases with something to do, and
    unread notes)."""
    ids = _open_per_case(user, seen, 0).subquery()
    return int(db.scalar(select(func.count()).select_from(ids)) or 0)


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
