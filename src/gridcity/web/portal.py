"""The public portal: no sign-in needed to follow a case by its number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gridcity.db.models import Case
from gridcity.domain.workflow import CaseAction, CaseState
from gridcity.web.pages import PlatformDep, render

router = APIRouter(include_in_schema=False)


# --- public tracking -----------------------------------------------------------------------


@router.get("/track")
def track(
    request: Request, platform: PlatformDep, number: Annotated[str | None, Query(max_length=30)] = None
) -> HTMLResponse:
    """A citizen follows a case by its number: state and public history, no personal data."""
    if not number:
        return render(request, "public/track.html", number="")
    with platform.sessions() as db:
        case_id = platform.case_id_from_number(number)
        case = db.get(Case, case_id) if case_id is not None else None
        if case is None or platform.case_number(case) != number.strip():
            return render(request, "public/track.html", number=number, not_found=True, status_code=404)
        public = {
            "number": platform.case_number(case),
            "class_name": case.class_name,
            "state": CaseState(case.state),
            "street": platform.territory(db).names.get(case.street_code, case.street_code),
            "reported_on": case.reported_at.astimezone(platform.calendar(db).tz).date(),
            "department": (platform.unit_ref(db, case.department_id) or {}).get("name"),
            "history": _public_history(case, platform.calendar(db).tz),
        }
    return render(request, "public/track.html", number=number, case=public)


def _public_history(case: Case, tz: Any) -> list[tuple[Any, str, CaseState]]:
    """What happened and when; never who, nor their notes (they may name people)."""
    return [
        (e.at.astimezone(tz), e.action, CaseState(e.to_state))
        for e in case.events
        if e.action != CaseAction.COMMENT
    ]
