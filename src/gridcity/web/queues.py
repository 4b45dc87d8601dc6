"""The work queues of the console (受理、核实、立案、派遣、审批、处置、核查、结案) as state filters, and
how a case appears as a row of a list page and of its CSV download."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcity.db.models import Case
from gridcity.domain.errors import DomainError
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseState, Role
from gridcity.services import case_clock
from gridcity.services.access import visibility_clause
from gridcity.services.platform import Platform

S = CaseState

QUEUES: dict[str, tuple[CaseState, ...]] = {
    "accept": (S.REPORTED,),
    "verify": (S.VERIFYING,),
    "file": (S.ACCEPTED,),
    "dispatch": (S.FILED,),
    "approve": (S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.SUSPENSION_REQUESTED, S.VOID_REQUESTED),
    "dispose": (S.DISPATCHED, S.DISPOSING, S.SUSPENDED),
    "check": (S.DISPOSED,),
    "close": (S.CHECKED,),
    "all": (),
}

# The queue each role opens on.
HOME_QUEUE = {
    Role.OPERATOR: "accept",
    Role.SUPERVISOR: "verify",
    Role.SHIFT_LEADER: "file",
    Role.DISPATCHER: "dispatch",
    Role.HANDLER: "dispose",
}


def state_counts(db: Session, user: Principal) -> dict[str, int]:
    """How many cases the person may see are in each state (the queue page's tabs, the wall)."""
    rows = db.execute(
        select(Case.state, func.count()).where(visibility_clause(user)).group_by(Case.state)
    ).all()
    return {str(state): int(n) for state, n in rows}


def queue_counts(by_state: dict[str, int]) -> dict[str, int]:
    counts = {
        name: sum(by_state.get(s.value, 0) for s in states) for name, states in QUEUES.items() if states
    }
    counts["all"] = sum(by_state.values())
    return counts


def english_class_name(platform: Platform, db: Session, case: Case) -> str | None:
    """The class's English name where the catalogue has one (an English page shows it)."""
    try:
        return platform.catalogue(db).find(case.class_code, case.standard, case.kind).name_en or None
    except DomainError:  # a class the catalogue no longer holds: the name stored with the case
        return None


def case_row(platform: Platform, db: Session, case: Case) -> dict[str, Any]:
    """A case as one row of a list page."""
    clock = case_clock.case_clock(platform, db, case)
    return {
        "id": case.id,
        "version": case.version,
        "number": platform.case_number(case),
        "class_name": case.class_name,
        "class_name_en": english_class_name(platform, db, case),
        "state": CaseState(case.state),
        "street": platform.territory(db).names.get(case.street_code, case.street_code),
        "deadline": case.stage_deadline,
        "remaining_s": clock["remaining_seconds"] if clock else None,
        "light": clock["light"] if clock else None,
        "reported_at": case.reported_at,
    }


CSV_HEADER = [
    "number",
    "class_code",
    "class_name",
    "state",
    "street",
    "grid",
    "reported_at",
    "deadline",
    "light",
]


def csv_row(platform: Platform, db: Session, case: Case) -> list[Any]:
    """A case as one line of a list's CSV download (the same columns on every list)."""
    row = case_row(platform, db, case)
    return [
        row["number"],
        case.class_code,
        case.class_name,
        case.state,
        row["street"],
        case.grid_code,
        case.reported_at.isoformat(),
        case.stage_deadline.isoformat() if case.stage_deadline else None,
        row["light"],
    ]
