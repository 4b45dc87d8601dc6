"""The registry's pages: 我的网格 (a grid worker's households, residents masked, a visit form) and
重点人员 (the police's key persons of their grids). Showing a resident's ID number and phone in clear
is a POST with a reason, logged by `services.registry.read_resident`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcity.domain.errors import DomainError
from gridcity.domain.registry import MAX_REASON, VisitKind
from gridcity.domain.workflow import Role
from gridcity.services import registry as reg
from gridcity.services.users import Actor
from gridcity.web import i18n, session
from gridcity.web.pages import PageUser, PlatformDep, render, require_role

router = APIRouter(include_in_schema=False)

GRID_ROLES = (Role.GRID_WORKER, Role.ADMIN, Role.LEADER)

i18n.add_words(
    {
        "reg.my_grid": ("我的网格", "My grids"),
        "reg.key_persons": ("重点人员", "Key persons"),
        "reg.grids": ("网格", "Grids"),
        "reg.no_grids": ("尚未分配网格，请联系管理员", "No grid assigned yet: ask an administrator"),
        "reg.households": ("住户", "Households"),
        "reg.household": ("户", "Household"),
        "reg.address": ("地址", "Address"),
        "reg.residents": ("人员", "Residents"),
        "reg.name": ("姓名", "Name"),
        "reg.relation": ("与户主关系", "Relationship"),
        "reg.id_number": ("身份证号", "ID number"),
        "reg.phone": ("电话", "Phone"),
        "reg.tags": ("标签", "Tags"),
        "reg.reveal": ("查看完整信息", "Show in full"),
        "reg.reason": ("查看事由（将记录）", "Reason (logged)"),
        "reg.reveal_note": (
            "完整的身份证号与电话仅用于工作需要；本次查看已记录查看人、时间与事由。",
            "The full ID number and phone are for work only; this view is logged with who, when and why.",
        ),
        "reg.visit": ("记录走访", "Record a visit"),
        "reg.visit_kind": ("类型", "Kind"),
        "reg.note": ("情况", "Note"),
        "reg.visits": ("最近走访", "Recent visits"),
        "reg.saved": ("已记录", "Recorded"),
        "reg.none": ("暂无", "None"),
        "reg.back": ("返回", "Back"),
        "reg.search": ("姓名", "Name"),
    }
)


def _visit_kinds(lang: str) -> list[tuple[str, str]]:
    return [(k.value, k.label_zh if lang == "zh" else k.label_en) for k in VisitKind]


@router.get("/grid")
def my_grid(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    q: Annotated[str | None, Query(max_length=50)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """我的网格: the households of the grid worker's grids (an admin's or leader's area), residents
    masked, with a visit form per household."""
    require_role(user, *GRID_ROLES)
    with platform.sessions() as db:
        grids = [g.grid_code for g in reg.staff_grids(db, user.id)]
        households, total = reg.list_households(db, user, reg.LocatedFilter(), limit=200)
        if q:
            households = [h for h in households if any(q in r["name"] for r in h["residents"])]
        visits = [reg.visit_view(v) for v in reg.list_visits(db, user, limit=20)]
    return render(
        request,
        "registry/grid.html",
        user=user,
        grids=grids,
        households=households,
        total=total,
        visits=visits,
        visit_kinds=_visit_kinds(i18n.language(request)),
        q=q or "",
        done=done,
    )


@router.get("/police")
def key_persons(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """重点人员: the key persons of the police officer's public-security grids, masked."""
    require_role(user, Role.POLICE)
    with platform.sessions() as db:
        grids = [g.grid_code for g in reg.staff_grids(db, user.id)]
        residents, total = reg.list_residents(db, user, reg.ResidentFilter(), limit=200)
        visits = [reg.visit_view(v) for v in reg.list_visits(db, user, limit=20)]
    return render(
        request,
        "registry/police.html",
        user=user,
        grids=grids,
        residents=residents,
        total=total,
        visits=visits,
        visit_kinds=_visit_kinds(i18n.language(request)),
        done=done,
    )


@router.post("/registry/residents/{resident_id}/reveal")
def reveal(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    resident_id: int,
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The resident with the ID number and phone in clear, for the roles that need them; logged."""
    session.check_csrf(request, csrf_token)
    with platform.sessions() as db:
        resident = reg.read_resident(platform, db, user, resident_id, unmask=True, reason=reason)
    back = "/police" if user.role == Role.POLICE else "/grid"
    page = render(request, "registry/resident.html", user=user, r=resident, back=back, reason=reason.strip())
    page.headers["Cache-Control"] = "no-store"  # personal data in clear: never kept by a cache
    return page


@router.post("/registry/visits", response_model=None)
async def visit(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    household_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    kind: Annotated[str, Form(max_length=20)] = "visit",
    note: Annotated[str, Form(max_length=4000)] = "",
    resident_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    session.check_csrf(request, csrf_token)
    back = "/police" if user.role == Role.POLICE else "/grid"

    def work() -> Response:
        with platform.sessions() as db:
            try:
                reg.record_visit(platform, db, user, household_id, kind, note, resident_id)
            except DomainError as exc:
                return _error(request, user, exc, back)
        return RedirectResponse(f"{back}?done=visit", status_code=303)

    return await platform.run_write(work)


def _error(request: Request, user: Actor, exc: DomainError, back: str) -> HTMLResponse:
    return render(
        request, "error.html", status_code=exc.status_code, user=user, message=exc.message, back=back
    )
