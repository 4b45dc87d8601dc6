"""Supervisors' grids (责任网格): a map of the admin's unit grids coloured by the supervisor who holds
each, a form to give grids to a supervisor (a click on the map adds a grid to it) or to take them
back, and the supervisors of the area with their grids."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcity.db.models import GridStaff, OrgUnit, User
from gridcity.domain import messages
from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.principal import Principal
from gridcity.domain.territory import parse_bbox
from gridcity.domain.workflow import Role
from gridcity.services import supervisor_grids, territory
from gridcity.services.platform import Platform
from gridcity.web import i18n
from gridcity.web.admin.common import admin_scope, page_or_error, read_form, scope_name, text, words
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)
LIST_ROWS = 300  # assignments listed under the map (the map shows them all)

i18n.add_words(
    {
        "admin.supervisors": ("责任网格", "Supervisors' grids"),
        "admin.sv.supervisor": ("监督员", "Supervisor"),
        "admin.sv.grids": ("网格编码", "Grid codes"),
        "admin.sv.grids_hint": (
            "每行或以空格分隔一个单元网格编码；点击地图上的网格可加入或移出。已由他人负责的网格将转给所选监督员。",
            "One unit grid code per line or separated by spaces; click a grid on the map to add or "
            "remove it. A grid another supervisor holds moves to the one chosen.",
        ),
        "admin.sv.assign": ("分配", "Assign"),
        "admin.sv.unassign": ("取消分配", "Unassign"),
        "admin.sv.count": ("网格数", "Grids"),
        "admin.sv.since": ("分配时间", "Since"),
        "admin.sv.unit": ("所属单位", "Unit"),
        "admin.sv.none": ("本区域还没有分配责任网格", "No grid of your area is assigned yet"),
        "admin.sv.unassigned_legend": ("未分配", "unassigned"),
        "admin.sv.selected_legend": ("已选", "selected"),
        "admin.sv.assigned": (
            "已分配给 {name}：新增 {added} 个，转入 {moved} 个，原已负责 {unchanged} 个。",
            "Assigned to {name}: {added} added, {moved} moved from others, {unchanged} held already.",
        ),
        "admin.sv.ended": ("已取消 {n} 个网格的分配。", "{n} grids unassigned."),
        "admin.sv.no_supervisors": ("本区域没有监督员账号", "No supervisor in your area"),
    }
)

_SPLIT = re.compile(r"[\s,，、;；]+")


def _codes(form_value: str) -> list[str]:
    return [c for c in _SPLIT.split(form_value) if c]


def _supervisors(db: Session, scope: str) -> list[tuple[User, int]]:
    """The active supervisors of the admin's area with the number of grids each holds."""
    held = (
        select(GridStaff.user_id, func.count().label("n"))
        .where(GridStaff.layer == supervisor_grids.LAYER, GridStaff.valid_to.is_(None))
        .group_by(GridStaff.user_id)
        .subquery()
    )
    stmt = (
        select(User, func.coalesce(held.c.n, 0))
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .outerjoin(held, held.c.user_id == User.id)
        .where(User.role == Role.SUPERVISOR.value, User.active.is_(True), OrgUnit.kind != "department")
        .order_by(OrgUnit.code, User.display_name)
    )
    if scope:
        stmt = stmt.where(OrgUnit.scope_code.startswith(scope))
    return [(u, int(n)) for u, n in db.execute(stmt)]


def _page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    chosen: str = "",
    codes: str = "",
) -> HTMLResponse:
    scope = admin_scope(user)
    bounds = territory.area_bounds(db, scope)
    if bounds is None:
        raise Invalid(messages.message("page.no_territory"))
    holdings, total = supervisor_grids.holdings(db, scope, limit=LIST_ROWS)
    return render(
        request,
        "admin/supervisors.html",
        status_code=status_code,
        user=user,
        section="supervisors",
        area=scope_name(user, words(request)),
        supervisors=_supervisors(db, scope),
        holdings=holdings,
        total=total,
        bounds=bounds,
        scope=scope,
        outline_level="district" if not scope else "street" if len(scope) == 6 else "community",
        tiles=platform.settings.map_tiles_url,
        error=error,
        notice=notice,
        chosen=chosen,
        codes=codes,
    )


@router.get("/admin/supervisors")
def supervisors_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    done: Annotated[str, Query(max_length=300)] = "",
    supervisor: Annotated[str, Query(max_length=80)] = "",
) -> HTMLResponse:
    admin_scope(user)
    with platform.sessions() as db:
        return _page(request, platform, db, user, notice=done or None, chosen=supervisor)


@router.get("/admin/supervisors/grids.geojson")
def grids_with_holders(
    platform: PlatformDep, user: PageUser, bbox: Annotated[str, Query(max_length=120)]
) -> Response:
    """The unit grids of a map window, each with the supervisor who holds it (`holder`: id and
    name, or null; null too outside the admin's area, whose holders are not theirs to see)."""
    scope = admin_scope(user)
    with platform.sessions() as db:
        grids, truncated = territory.grids_in_window(db, supervisor_grids.LAYER, parse_bbox(bbox))
        holders = supervisor_grids.holders_of(db, [g.code for g in grids if g.code.startswith(scope)])
        collection = territory.grids_feature_collection(grids)
    for feature in collection["features"]:
        held = holders.get(feature["properties"]["code"])
        feature["properties"]["holder"] = {"id": held.user_id, "name": held.display_name} if held else None
    return JSONResponse({**collection, "truncated": truncated}, media_type="application/geo+json")


@router.post("/admin/supervisors")
async def change(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Assign the grids of the form to the supervisor chosen, or unassign them."""
    admin_scope(user)
    form = await read_form(request)
    what = str(form.get("do") or "assign")
    username = str(form.get("username") or "")
    raw = str(form.get("grid_codes") or "")
    t = words(request)

    def work(db: Session) -> Response:
        codes = _codes(
            text(form, "grid_codes", messages.message("supervisors.codes_needed"), max_length=40_000)
        )
        if what == "unassign":
            ended = supervisor_grids.unassign(platform, db, user, codes)
            message = t("admin.sv.ended").format(n=len(ended))
        else:
            if not username:
                raise Invalid(messages.message("supervisors.choose"))
            done = supervisor_grids.assign(platform, db, user, username, codes)
            holder = db.scalar(select(User.display_name).where(User.username == username))
            message = t("admin.sv.assigned").format(
                name=holder, added=len(done.added), moved=len(done.moved), unchanged=len(done.unchanged)
            )
        query = urlencode({"done": message, "supervisor": username})
        return RedirectResponse(f"/admin/supervisors?{query}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _page(
            request,
            platform,
            db,
            user,
            status_code=exc.status_code,
            error=exc.message,
            chosen=username,
            codes=raw,
        )

    return await platform.run_write(page_or_error(platform, work, failed))
