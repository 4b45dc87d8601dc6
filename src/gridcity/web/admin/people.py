"""Departments (专业部门) and users (用户与角色) within the admin's area: lists with CSV export,
adding, renaming, changing role and unit, deactivating and reactivating, resetting passwords. The
services check the tier, so a request made by hand for a unit above the admin is refused too."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from gridcity.db.models import OrgUnit, User
from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import NETWORKS
from gridcity.domain.workflow import Role
from gridcity.services import departments, second_factor, signin_guard, users
from gridcity.services.password_policy import PasswordPolicy
from gridcity.services.platform import Platform
from gridcity.services.users import UserFilter
from gridcity.web import i18n
from gridcity.web.admin.common import (
    admin_scope,
    areas_in_scope,
    page_or_error,
    read_form,
    scope_name,
    text,
    words,
)
from gridcity.web.pages import PAGE_SIZE, PageUser, PlatformDep, RowPath, csv_response, render
from gridcity.web.paging import PageParam, Paging

router = APIRouter(include_in_schema=False)
i18n.add_words(
    {
        "admin.password_rule": (
            "至少 {minimum} 个字符；不能是常见密码，也不能包含用户名",
            "at least {minimum} characters; not a common password, and not containing the username",
        ),
        "admin.signin_locks": ("登录锁定", "Locked sign-ins"),
        "admin.signin_locks_hint": (
            "连续登录失败过多的用户名会被暂时锁定，到期自动解除；确认是本人后可提前解锁。",
            "A username with too many failed sign-ins is locked for a while and unlocks by itself; "
            "once you know it is the person, you may unlock it sooner.",
        ),
        "admin.no_locks": ("目前没有被锁定的用户名", "No username is locked now"),
        "admin.locked_until": ("锁定至", "Locked until"),
        "admin.unlock": ("解锁", "Unlock"),
        "admin.unlock_reason": ("解锁原因", "Reason for the unlock"),
        "admin.unlocked": ("已解锁", "Unlocked"),
        "admin.lock_history": ("锁定与解锁记录", "Locks and unlocks"),
        "admin.lock_event.lock": ("锁定", "Locked"),
        "admin.lock_event.unlock": ("解锁", "Unlocked"),
        "admin.lock_by": ("操作人", "By"),
        "admin.lock_why": ("原因", "Why"),
        "admin.lock_at": ("时间", "When"),
        "admin.no_account": ("（无此账号）", "(no such account)"),
    }
)
DEPARTMENTS_PAGE = 50  # departments a page of /admin/departments lists (353 in the demo)
ROLES = tuple(r.value for r in Role)


# --- departments ---------------------------------------------------------------------------


def _departments_page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    q: str = "",
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, Any] | None = None,
    page: int = 1,
) -> HTMLResponse:
    scope = admin_scope(user)
    wanted = Paging(page, DEPARTMENTS_PAGE, 0)
    units, total = departments.page_of_departments(db, user, q or None, wanted.offset, wanted.size)
    paging = Paging.of(page, DEPARTMENTS_PAGE, total)
    if paging.page != page:  # past the end: the last page
        units, _ = departments.page_of_departments(db, user, q or None, paging.offset, paging.size)
    staff = dict(
        db.execute(
            select(User.org_unit_id, func.count())
            .where(User.org_unit_id.in_([u.id for u in units]))
            .group_by(User.org_unit_id)
        ).all()
    )
    areas = areas_in_scope(db, user)
    names = {a.code: a.name for a in areas}
    return render(
        request,
        "admin/departments.html",
        status_code=status_code,
        user=user,
        section="departments",
        area=scope_name(user, words(request)),
        units=units,
        paging=paging,
        staff=staff,
        area_names=names,
        areas=areas,
        city_admin=not scope,
        networks=NETWORKS,
        q=q,
        form=form or {"networks": ["city_management"]},
        error=error,
        notice=notice,
    )


@router.get("/admin/departments")
def departments_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=50)] = "",
    done: Annotated[str, Query(max_length=60)] = "",
    what: Annotated[str, Query(max_length=20)] = "",
    page: PageParam = 1,
) -> HTMLResponse:
    admin_scope(user)
    t = words(request)
    notice = None
    if done and what in ("added", "renamed"):
        notice = f"{t('admin.' + what)}: {done}"
    with platform.sessions() as db:
        return _departments_page(request, platform, db, user, q.strip(), notice=notice, page=page)


@router.get("/admin/departments.csv")
def departments_csv(
    platform: PlatformDep, user: PageUser, q: Annotated[str, Query(max_length=50)] = ""
) -> Response:
    admin_scope(user)
    with platform.sessions() as db:
        units = departments.departments_in_tier(db, user, q.strip() or None)
        names = dict(
            db.execute(
                select(OrgUnit.code, OrgUnit.name).where(OrgUnit.kind.in_(["district", "street"]))
            ).all()
        )
        rows = [
            [u.code, u.name, u.tier, u.scope_code, names.get(u.scope_code, ""), ";".join(u.networks or [])]
            for u in units
        ]
    return csv_response(
        "gridcity-departments.csv", ["code", "name", "tier", "scope_code", "scope_name", "networks"], rows
    )


@router.post("/admin/departments")
async def add_department(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    admin_scope(user)
    form = await read_form(request)
    submitted = {
        "code": str(form.get("code") or ""),
        "name": str(form.get("name") or ""),
        "scope_code": str(form.get("scope_code") or ""),
        "networks": [str(v) for v in form.getlist("networks")],
    }

    def work(db: Session) -> Response:
        unit = departments.add_department(
            platform,
            db,
            user,
            text(form, "code", required=message("people.code_needed"), max_length=40),
            text(form, "name", required=message("people.name_needed")),
            text(form, "scope_code", max_length=12),
            submitted["networks"],
        )
        added = urlencode({"q": unit.code, "done": unit.code, "what": "added"})
        return RedirectResponse(f"/admin/departments?{added}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _departments_page(
            request, platform, db, user, status_code=exc.status_code, error=exc.message, form=submitted
        )

    return await platform.run_write(page_or_error(platform, work, failed))


@router.post("/admin/departments/{unit_id}/rename")
async def rename_department(
    request: Request, platform: PlatformDep, user: PageUser, unit_id: RowPath
) -> Response:
    admin_scope(user)
    form = await read_form(request)

    def work(db: Session) -> Response:
        unit = departments.rename_department(
            platform, db, user, unit_id, text(form, "name", required=message("people.new_name_needed"))
        )
        renamed = urlencode({"q": unit.code, "done": unit.name, "what": "renamed"})
        return RedirectResponse(f"/admin/departments?{renamed}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _departments_page(request, platform, db, user, status_code=exc.status_code, error=exc.message)

    return await platform.run_write(page_or_error(platform, work, failed))


# --- users ---------------------------------------------------------------------------------


def _filter(role: str, unit: str, active: str, q: str) -> UserFilter:
    if role and role not in ROLES:
        raise Invalid(message("list.unknown_role", role=role, roles=", ".join(ROLES)))
    if active not in ("", "1", "0"):
        raise Invalid(message("list.active_flag"))
    return UserFilter(
        role=role or None,
        unit=unit.strip() or None,
        active=None if active == "" else active == "1",
        text=q.strip() or None,
    )


def _unit_choices(db: Session, user: Principal) -> list[users.UnitName]:
    """Units a user may be put into: platforms of the admin's area and below, and its departments."""
    return users.managed_units(db, user)


def _users_page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    flt: UserFilter,
    raw: dict[str, str],
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    rows, total = users.list_users(db, user, flt, limit=PAGE_SIZE)
    return render(
        request,
        "admin/users.html",
        status_code=status_code,
        user=user,
        section="users",
        area=scope_name(user, words(request)),
        rows=rows,
        total=total,
        locks=signin_guard.current_locks(platform, db, user),
        lock_events=signin_guard.lock_events(db, user, limit=20),
        min_password=platform.settings.password_min_length,
        roles=ROLES,
        role_label=_role_label(request),
        units=_unit_choices(db, user),
        filters=raw,
        query=urlencode(raw),
        form=form or {},
        error=error,
        notice=notice,
    )


def _role_label(request: Request) -> Any:
    lang = i18n.language(request)
    return lambda role: i18n.role_label(role, lang)


@router.get("/admin/users")
def users_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    role: Annotated[str, Query(max_length=20)] = "",
    unit: Annotated[str, Query(max_length=40)] = "",
    active: Annotated[str, Query(max_length=1)] = "",
    q: Annotated[str, Query(max_length=80)] = "",
    added: Annotated[str, Query(max_length=80)] = "",
    unlocked: Annotated[str, Query(max_length=80)] = "",
) -> HTMLResponse:
    admin_scope(user)
    flt = _filter(role, unit, active, q)
    raw = {"role": role, "unit": unit.strip(), "active": active, "q": q.strip()}
    notice = f"{words(request)('admin.added')}: {added}" if added else None
    if unlocked:
        notice = f"{words(request)('admin.unlocked')}: {unlocked}"
    with platform.sessions() as db:
        return _users_page(request, platform, db, user, flt, raw, notice=notice)


@router.get("/admin/users.csv")
def users_csv(
    platform: PlatformDep,
    user: PageUser,
    role: Annotated[str, Query(max_length=20)] = "",
    unit: Annotated[str, Query(max_length=40)] = "",
    active: Annotated[str, Query(max_length=1)] = "",
    q: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    """Every user of the filter within the admin's area (no password hashes, of course)."""
    admin_scope(user)
    flt = _filter(role, unit, active, q)
    with platform.sessions() as db:
        rows, _ = users.list_users(db, user, flt)
        out = [
            [
                u.username,
                u.display_name,
                u.role,
                u.org_unit.code,
                u.org_unit.name,
                "active" if u.active else "deactivated",
                u.phone,
                u.created_at.isoformat(),
            ]
            for u in rows
        ]
    header = ["username", "display_name", "role", "unit_code", "unit_name", "status", "phone", "created_at"]
    return csv_response("gridcity-users.csv", header, out)


@router.post("/admin/users")
async def add_user(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    admin_scope(user)
    form = await read_form(request)
    submitted = {k: str(form.get(k) or "") for k in ("username", "display_name", "role", "unit", "phone")}

    def work(db: Session) -> Response:
        created = users.create_user(
            db,
            user,
            text(form, "username", required=message("people.username_needed"), max_length=80),
            str(form.get("password") or ""),
            text(form, "role", required=message("people.role_needed"), max_length=20),
            text(form, "unit", required=message("people.unit_needed"), max_length=40),
            text(form, "display_name", max_length=120),
            text(form, "phone", max_length=40),
            policy=PasswordPolicy.of(platform.settings),
        )
        return RedirectResponse(
            f"/admin/users?{urlencode({'q': created.username, 'added': created.username})}", status_code=303
        )

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _users_page(
            request,
            platform,
            db,
            user,
            UserFilter(),
            {"role": "", "unit": "", "active": "", "q": ""},
            status_code=exc.status_code,
            error=exc.message,
            form=submitted,
        )

    return await platform.run_write(page_or_error(platform, work, failed))


def _user_page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    user_id: int,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    target = users.managed_user(db, user, user_id)
    return render(
        request,
        "admin/user.html",
        status_code=status_code,
        user=user,
        section="users",
        area=scope_name(user, words(request)),
        target=target,
        roles=ROLES,
        role_label=_role_label(request),
        units=_unit_choices(db, user),
        myself=target.id == user.id,
        lock=next(
            (k for k in signin_guard.current_locks(platform, db, user) if k.user_id == target.id), None
        ),
        lock_events=signin_guard.lock_events(db, user, username=target.username, limit=20),
        min_password=platform.settings.password_min_length,
        factor=second_factor.state(platform.settings, db, target.id, target.role),
        error=error,
        notice=notice,
    )


@router.post("/admin/users/unlock")
async def unlock_sign_in(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Lift a sign-in lock (services.signin_guard), recorded with the admin's reason."""
    admin_scope(user)
    form = await read_form(request)
    back = text(form, "back", max_length=20)

    def work(db: Session) -> Response:
        username = text(form, "username", required=message("people.username_needed"), max_length=80)
        event = signin_guard.unlock(
            platform, db, user, username, text(form, "reason", max_length=signin_guard.MAX_REASON)
        )
        if back.isdigit() and event.user_id == int(back):
            return RedirectResponse(f"/admin/users/{event.user_id}?done=unlocked", status_code=303)
        return RedirectResponse(f"/admin/users?{urlencode({'unlocked': username})}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        if back.isdigit():
            try:
                return _user_page(
                    request, platform, db, user, int(back), status_code=exc.status_code, error=exc.message
                )
            except DomainError:
                pass
        empty = {"role": "", "unit": "", "active": "", "q": ""}
        return _users_page(
            request, platform, db, user, UserFilter(), empty, status_code=exc.status_code, error=exc.message
        )

    return await platform.run_write(page_or_error(platform, work, failed))


NOTICES = {
    "unlocked": "admin.unlocked",
    "changed": "admin.changed",
    "deactivated": "admin.deactivated",
    "reactivated": "admin.reactivated",
    "password": "admin.password_reset",
    "second_factor": "sf.reset_done",
}


@router.get("/admin/users/{user_id}")
def user_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    user_id: RowPath,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    admin_scope(user)
    notice = words(request)(NOTICES[done]) if done in NOTICES else None
    with platform.sessions() as db:
        return _user_page(request, platform, db, user, user_id, notice=notice)


async def _user_action(
    request: Request, platform: Platform, user: Principal, user_id: int, action: Any
) -> Response:
    admin_scope(user)
    form = await read_form(request)

    def work(db: Session) -> Response:
        done = action(db, form)
        return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        try:
            return _user_page(
                request, platform, db, user, user_id, status_code=exc.status_code, error=exc.message
            )
        except DomainError:  # the user is not one this admin may see: the message alone
            return render(request, "error.html", status_code=exc.status_code, message=exc.message, user=user)

    return await platform.run_write(page_or_error(platform, work, failed))


@router.post("/admin/users/{user_id}")
async def change_user(request: Request, platform: PlatformDep, user: PageUser, user_id: RowPath) -> Response:
    def action(db: Session, form: FormData) -> str:
        users.change_user(
            db,
            user,
            user_id,
            role=text(form, "role", required=message("people.role_needed"), max_length=20),
            unit_code=text(form, "unit", required=message("people.unit_needed"), max_length=40),
            display_name=text(
                form, "display_name", required=message("people.display_name_needed"), max_length=120
            ),
        )
        return "changed"

    return await _user_action(request, platform, user, user_id, action)


@router.post("/admin/users/{user_id}/active")
async def set_active(request: Request, platform: PlatformDep, user: PageUser, user_id: RowPath) -> Response:
    def action(db: Session, form: FormData) -> str:
        active = text(form, "active")
        if active not in ("0", "1"):
            raise Invalid(message("list.active_flag"))
        users.set_active(db, user, user_id, active == "1")
        return "reactivated" if active == "1" else "deactivated"

    return await _user_action(request, platform, user, user_id, action)


@router.post("/admin/users/{user_id}/password")
async def reset_password(
    request: Request, platform: PlatformDep, user: PageUser, user_id: RowPath
) -> Response:
    def action(db: Session, form: FormData) -> str:
        users.reset_password(
            db, user, user_id, str(form.get("password") or ""), policy=PasswordPolicy.of(platform.settings)
        )
        return "password"

    return await _user_action(request, platform, user, user_id, action)


@router.post("/admin/users/{user_id}/second-factor/reset")
async def reset_second_factor(
    request: Request, platform: PlatformDep, user: PageUser, user_id: RowPath
) -> Response:
    def action(db: Session, form: FormData) -> str:
        second_factor.reset(platform, db, user, user_id)
        return "second_factor"

    return await _user_action(request, platform, user, user_id, action)
