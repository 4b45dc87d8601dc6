"""The registry's pages: 我的网格 (a grid worker's households, residents masked, a visit form; a
service request with a case class is reported as a case), 重点人员 (the police's key persons of their
grids) and, for admins, 个人信息访问日志 (the personal-data access log). Showing a resident's ID
number and phone in clear is a POST with a reason, logged by `services.registry.records.read_resident`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gridcity.domain.errors import DomainError, Forbidden, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.registry import MAX_REASON, PersonalField, VisitKind
from gridcity.domain.workflow import Role
from gridcity.services.platform import Platform
from gridcity.services.registry import records as reg
from gridcity.web import i18n, session
from gridcity.web.admin.common import admin_scope, scope_name, words
from gridcity.web.pages import PageUser, PlatformDep, RowPath, render, require_role

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
        "reg.case_class": (
            "立案类别（选填，选择后即上报为案件）",
            "Case class (optional: reports it as a case)",
        ),
        "reg.no_case": ("不上报案件", "No case"),
        "reg.case": ("案件", "Case"),
        "reg.to_case": ("上报为案件", "Report as a case"),
        "reg.reported": ("已上报为案件", "Reported as a case"),
        "reg.access_log": ("个人信息访问日志", "Personal-data access log"),
        "reg.log_intro": (
            "以明文查看或导出个人信息（身份证号、电话）的每一次记录：访问人、时间、对象与原因；仅显示本管理范围内的记录。",
            "Every read in clear or export of personal data (ID numbers, phones): who, when, whose "
            "record and why; records of your area only.",
        ),
        "reg.log_user": ("访问人", "User"),
        "reg.log_at": ("时间", "Time"),
        "reg.log_record": ("对象", "Record"),
        "reg.log_fields": ("查看内容", "What was read"),
        "reg.log_action": ("操作", "Action"),
        "reg.log_reason": ("原因", "Reason"),
        "reg.log_resident": ("人员编号", "Resident id"),
        "reg.log_since": ("起始日期", "From"),
        "reg.log_until": ("截止日期", "To"),
        "reg.log_total": ("共 {total} 条", "{total} entries"),
        "reg.log_action.view": ("查看", "view"),
        "reg.log_action.export": ("导出", "export"),
        "admin.access_log": ("个人信息访问日志", "Personal-data access log"),
        "reg.log_kind.resident": ("人员", "Resident"),
        "reg.log_kind.residents": ("人员名单", "Residents list"),
        "reg.log_kind.case_contact": ("案件回访联系方式", "Case callback contact"),
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
        visits, numbers = _visits(platform, db, user)
        classes = reg.request_classes(platform, db) if user.role == Role.GRID_WORKER else []
    return render(
        request,
        "registry/grid.html",
        user=user,
        grids=grids,
        households=households,
        total=total,
        visits=visits,
        case_numbers=numbers,
        classes=classes,
        visit_kinds=_visit_kinds(i18n.language(request)),
        q=q or "",
        done=done,
    )


def _visits(platform: Platform, db: Session, user: Principal) -> tuple[list[dict[str, Any]], dict[int, str]]:
    rows = reg.list_visits(db, user, limit=20)
    return [reg.visit_view(v) for v in rows], reg.visit_case_numbers(platform, db, rows)


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
        visits, numbers = _visits(platform, db, user)
    return render(
        request,
        "registry/police.html",
        user=user,
        grids=grids,
        residents=residents,
        total=total,
        visits=visits,
        case_numbers=numbers,
        classes=[],
        visit_kinds=_visit_kinds(i18n.language(request)),
        done=done,
    )


@router.post("/registry/residents/{resident_id}/reveal")
def reveal(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    resident_id: RowPath,
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
    class_code: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    session.check_csrf(request, csrf_token)
    back = "/police" if user.role == Role.POLICE else "/grid"

    def work() -> Response:
        with platform.sessions() as db:
            try:
                visit = reg.record_visit(
                    platform, db, user, household_id, kind, note, resident_id, class_code
                )
            except DomainError as exc:
                return _error(request, user, exc, back)
            done = "case" if visit.case_id is not None else "visit"
        return RedirectResponse(f"{back}?done={done}", status_code=303)

    return await platform.run_write(work)


@router.post("/registry/visits/{visit_id}/case", response_model=None)
async def visit_case(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    visit_id: RowPath,
    class_code: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """An earlier service request reported as a case by the grid worker of its grid."""
    session.check_csrf(request, csrf_token)

    def work() -> Response:
        with platform.sessions() as db:
            try:
                reg.request_case(platform, db, user, visit_id, class_code)
            except DomainError as exc:
                return _error(request, user, exc, "/grid")
        return RedirectResponse("/grid?done=case", status_code=303)

    return await platform.run_write(work)


# --- the personal-data access log (admins) -------------------------------------------------------------

LOG_PAGE = 50


def _day(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        what_zh = {"from": "起始日期", "to": "截止日期"}.get(what, what)
        raise Invalid(message("list.bad_date", what=what, what_zh=what_zh, value=value)) from None


@router.get("/registry/access-log")
def access_log_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    username: Annotated[str, Query(max_length=80)] = "",
    resident_id: Annotated[str, Query(max_length=12)] = "",
    since: Annotated[str, Query(max_length=20)] = "",
    until: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """个人信息访问日志: who read personal data in clear or exported it, when, whose and why;
    newest first, filtered by user, resident and days (admins, their area)."""
    admin_scope(user)
    typed = {"username": username, "resident_id": resident_id, "since": since, "until": until}
    lang = i18n.language(request)
    rows: list[dict[str, Any]] = []
    total, error, status = 0, None, 200
    with platform.sessions() as db:
        try:
            resident = resident_id.strip()
            if resident and not resident.isdigit():
                raise Invalid(message("list.bad_resident", value=resident_id))
            flt = reg.AccessLogFilter(
                user=username.strip() or None,
                resident_id=int(resident) if resident else None,
                since=_day(since.strip(), "from"),
                until=_day(until.strip(), "to"),
            )
            rows, total = reg.access_log_page(
                platform, db, user, flt, limit=LOG_PAGE, offset=(page - 1) * LOG_PAGE
            )
        except Forbidden:
            raise
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    tz = platform.calendar().tz
    for row in rows:
        row["field_labels"] = [_field_label(f, lang) for f in row["fields"]]
        row["at_local"] = datetime.fromisoformat(row["at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        row["role_label"] = i18n.role_label(row["role"], lang)
    query = {k: v for k, v in typed.items() if v}
    return render(
        request,
        "registry/access_log.html",
        status_code=status,
        user=user,
        section="access_log",
        area=scope_name(user, words(request)),
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // LOG_PAGE)),
        form=typed,
        query=query,
        error=error,
    )


def _field_label(value: str, lang: str) -> str:
    try:
        label = PersonalField(value)
    except ValueError:
        return value
    return label.label_zh if lang == "zh" else label.label_en


def _error(request: Request, user: Principal, exc: DomainError, back: str) -> HTMLResponse:
    return render(
        request, "error.html", status_code=exc.status_code, user=user, message=exc.message, back=back
    )
