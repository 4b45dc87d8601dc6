"""The monthly supervision list (月检查) as staff read it: which department let which case run late,
in which stage, and by how much (docs/domain/supervision.md). The sweep puts cases on the list
(`services.sweep`); this module only reads it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import Case, OrgUnit, SupervisionEntry
from gridcity.domain.errors import Forbidden
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import DEPARTMENT_STAGES, Stage
from gridcity.domain.workflow import Role
from gridcity.services.access import visibility_clause
from gridcity.services.platform import Platform
from gridcity.services.sweep import check_month


def overdue_hours(deadline: datetime | None, case: Case, now: datetime) -> float | None:
    """Calendar hours the department's stage ran past its deadline: to now while it still runs,
    else to the disposal reported (or the case's end)."""
    if deadline is None:
        return None
    stage = Stage.known(case.stage)
    running = case.disposed_at is None and case.closed_at is None and stage in DEPARTMENT_STAGES
    end = now if running else (case.disposed_at or case.closed_at or now)
    return round(max(0.0, (end - deadline).total_seconds()) / 3600, 1)


def supervision_entries(platform: Platform, db: Session, user: Principal, month: str) -> dict[str, Any]:
    """The month's list as the user may see it (their territory's cases, a department its own)."""
    if user.role == Role.CITIZEN:
        raise Forbidden(message("supervision.citizen"))
    check_month(month)
    rows = db.execute(
        select(SupervisionEntry, Case, OrgUnit)
        .join(Case, Case.id == SupervisionEntry.case_id)
        .outerjoin(OrgUnit, OrgUnit.id == SupervisionEntry.department_id)
        .where(SupervisionEntry.month == month, visibility_clause(user))
        .order_by(SupervisionEntry.added_at, SupervisionEntry.case_id)
    ).all()
    now = platform.now()
    entries = []
    for entry, case, department in rows:
        stage = Stage.known(entry.stage)
        entries.append(
            {
                "case_id": case.id,
                "number": platform.case_number(case),
                "class_name": case.class_name,
                "state": case.state,
                "stage": entry.stage,
                "stage_name": stage.label_zh if stage else None,
                "department": (
                    {"id": department.id, "code": department.code, "name": department.name}
                    if department is not None
                    else None
                ),
                "deadline": entry.deadline,
                "overdue_hours": overdue_hours(entry.deadline, case, now),
                "reason": entry.reason,
                "added_at": entry.added_at,
            }
        )
    return {"period": month, "entries": entries}
