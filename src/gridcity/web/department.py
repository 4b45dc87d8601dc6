"""The department desk (部门工作台): a handler's department's cases by deadline — to accept, being
disposed, waiting for a decision, and those where the department only cooperates — with a quick
签收 button; reporting done with photos and the requests open on the case page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from gridcity.db.models import Case, OrgUnit
from gridcity.db.queries import CaseFilter
from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseAction, CaseState, Role
from gridcity.services import cases
from gridcity.web import i18n, session
from gridcity.web.pages import PAGE_SIZE, PageUser, PlatformDep, csv_response, render, require_role
from gridcity.web.queues import CSV_HEADER, case_row, csv_row

router = APIRouter(include_in_schema=False)
S = CaseState

# The desk's tabs: which of the department's cases each shows.
OWN_TABS: dict[str, tuple[CaseState, ...]] = {
    "incoming": (S.DISPATCHED,),  # 待签收
    "disposing": (S.DISPOSING,),  # 处置中
    "waiting": (S.EXTENSION_REQUESTED, S.RETURN_REQUESTED, S.SUSPENSION_REQUESTED, S.SUSPENDED),
    "reported": (S.DISPOSED, S.CHECKED),  # 已反馈, waiting for the check and the closure
}
OPEN_STATES = tuple(s for states in OWN_TABS.values() for s in states)
TABS = (*OWN_TABS, "cooperating")

i18n.add_words(
    {
        "dept.incoming": ("待签收", "To accept"),
        "dept.disposing": ("处置中", "Disposing"),
        "dept.waiting": ("待审批/挂账", "Awaiting decision"),
        "dept.reported": ("已反馈", "Reported done"),
        "dept.cooperating": ("配合案件", "Cooperating"),
        "dept.overdue": ("已超时", "Overdue"),
        "dept.remaining": ("剩余", "Left"),
        "dept.accept": ("签收", "Accept"),
        "dept.accepted": ("已签收", "Accepted"),
        "dept.open": ("办理", "Open"),
        "dept.not_a_department": (
            "此账号不属于专业部门",
            "This account does not belong to a department",
        ),
    }
)


def _department(user: Principal) -> Any:
    require_role(user, Role.HANDLER)
    unit = user.org_unit
    if unit.kind != "department":
        raise Invalid(message("page.not_a_department"))
    return unit


def _tab_clause(unit_id: int, tab: str) -> ColumnElement[bool]:
    if tab == "cooperating":
        return and_(
            Case.cooperating.any(OrgUnit.id == unit_id), Case.state.in_([s.value for s in OPEN_STATES])
        )
    return and_(Case.department_id == unit_id, Case.state.in_([s.value for s in OWN_TABS[tab]]))


def _filter(unit_id: int, tab: str, q: str | None, platform: Any) -> CaseFilter:
    if tab not in TABS:
        raise Invalid(message("page.unknown_tab", tab=tab, tabs=", ".join(TABS)))
    numbered = platform.case_id_from_number(q or "")
    return CaseFilter(
        sort="deadline",
        ids=[numbered] if numbered is not None else [],
        text=None if numbered is not None else q,
        extra=[_tab_clause(unit_id, tab)],
    )


def _counts(db: Session, unit_id: int, now: Any) -> dict[str, int]:
    counts = {tab: db.scalar(select(func.count()).where(_tab_clause(unit_id, tab))) or 0 for tab in TABS}
    counts["overdue"] = (
        db.scalar(
            select(func.count()).where(
                Case.department_id == unit_id,
                Case.state.in_([s.value for s in OPEN_STATES]),
                Case.stage_deadline < now,
            )
        )
        or 0
    )
    return counts


@router.get("/dept")
def desk(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    tab: str = "incoming",
    q: Annotated[str | None, Query(max_length=100)] = None,
    done: Annotated[str | None, Query(max_length=30)] = None,
) -> HTMLResponse:
    unit = _department(user)
    now = platform.now()
    with platform.sessions() as db:
        flt = _filter(unit.id, tab, q, platform)
        total = db.scalar(flt.count(now)) or 0
        rows = [
            case_row(platform, db, c) | {"version": c.version}
            for c in db.scalars(flt.select(now).limit(PAGE_SIZE))
        ]
        counts = _counts(db, unit.id, now)
    return render(
        request,
        "department/desk.html",
        user=user,
        tab=tab,
        tabs=TABS,
        q=q or "",
        rows=rows,
        total=total,
        counts=counts,
        done=done,
    )


@router.get("/dept.csv")
def desk_csv(
    platform: PlatformDep,
    user: PageUser,
    tab: str = "incoming",
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    unit = _department(user)
    with platform.sessions() as db:
        flt = _filter(unit.id, tab, q, platform)
        rows = [csv_row(platform, db, case) for case in db.scalars(flt.select(platform.now()))]
    return csv_response(f"gridcity-dept-{tab}.csv", CSV_HEADER, rows)


@router.post("/dept/accept", response_model=None)
async def accept(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    case_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    version: Annotated[int, Form(ge=0, le=2**31 - 1)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """签收 from the list: the most frequent action of the desk, one press."""
    session.check_csrf(request, csrf_token)
    _department(user)

    def work() -> Response:
        with platform.sessions() as db:
            try:
                case = cases.transition(
                    platform,
                    db,
                    user,
                    case_id,
                    cases.ActionRequest(action=CaseAction.ACCEPT, version=version),
                )
            except DomainError as exc:
                return _desk_error(request, platform, user, exc)
            number = platform.case_number(case)
        return RedirectResponse(f"/dept?tab=disposing&done={number}", status_code=303)

    return await platform.run_write(work)


def _desk_error(request: Request, platform: Any, user: Principal, exc: DomainError) -> HTMLResponse:
    """The desk again, with the reason the action was refused (e.g. a colleague was faster)."""
    unit = user.org_unit
    now = platform.now()
    with platform.sessions() as db:
        flt = _filter(unit.id, "incoming", None, platform)
        rows = [
            case_row(platform, db, c) | {"version": c.version}
            for c in db.scalars(flt.select(now).limit(PAGE_SIZE))
        ]
        counts = _counts(db, unit.id, now)
    return render(
        request,
        "department/desk.html",
        status_code=exc.status_code,
        user=user,
        tab="incoming",
        tabs=TABS,
        q="",
        rows=rows,
        total=len(rows),
        counts=counts,
        error=exc.message,
    )
