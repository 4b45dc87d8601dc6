"""Territory and grids (区域与网格): a map of the admin's area with the three grid layers, the
versions of the grids of each community (street), a GeoJSON upload that becomes a new version,
and the current grids of a place as a GeoJSON download."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gridcity.db.models import OrgUnit
from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services import territory
from gridcity.services.platform import Platform
from gridcity.web import i18n
from gridcity.web.admin.common import LAYERS, admin_scope, page_or_error, read_form, scope_name, words
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)
VERSION_ROWS = 100
# The zoom from which each layer is drawn: unit grids are small and many, police grids few.
MIN_ZOOM = {"city_management": 15, "social_service": 14, "public_security": 11}


def _layer(layer: str | None) -> str:
    if layer in (None, ""):
        return LAYERS[0]
    if layer not in LAYERS:
        raise Invalid(message("list.unknown_layer", layer=layer, layers=", ".join(LAYERS)))
    return layer


def _page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    layer: str,
    parent: str,
    status_code: int = 200,
    error: str | None = None,
    imported: dict[str, Any] | None = None,
) -> HTMLResponse:
    scope = admin_scope(user)
    bounds = territory.area_bounds(db, scope)
    if bounds is None:
        raise Invalid(message("page.no_territory"))
    try:
        versions, total = territory.grid_versions(db, scope, layer or None, parent or None, VERSION_ROWS)
    except Invalid as exc:  # a bad filter: say so, and show the unfiltered list
        versions, total = territory.grid_versions(db, scope, None, None, VERSION_ROWS)
        error, status_code = error or exc.message, 422 if status_code == 200 else status_code
    codes = {v.parent_code for v in versions}
    places = {
        u.code: u
        for u in db.scalars(select(OrgUnit).where(OrgUnit.code.in_(sorted(codes))))
        if u.min_lon is not None
    }
    # the places a download may name: the admin's district(s), streets and communities
    stmt = select(OrgUnit.code, OrgUnit.name).where(OrgUnit.kind.in_(["district", "street", "community"]))
    if scope:
        stmt = stmt.where(OrgUnit.code.startswith(scope))
    choices = db.execute(stmt.order_by(OrgUnit.code)).all()
    level = "district" if not scope else "street" if len(scope) == 6 else "community"
    return render(
        request,
        "admin/territory.html",
        status_code=status_code,
        user=user,
        section="territory",
        area=scope_name(user, words(request)),
        layers=LAYERS,
        layer=layer,
        parent=parent,
        versions=versions,
        total=total,
        places=places,
        choices=choices,
        counts=territory.grid_counts(db, scope),
        bounds=bounds,
        scope=scope,
        outline_level=level,
        min_zoom=MIN_ZOOM,
        tiles=platform.settings.map_tiles_url,
        error=error,
        imported=imported,
    )


@router.get("/admin/territory")
def territory_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    layer: Annotated[str, Query(max_length=20)] = "",
    parent: Annotated[str, Query(max_length=12)] = "",
    created: Annotated[int | None, Query(ge=0)] = None,
    superseded: Annotated[int, Query(ge=0)] = 0,
    parents: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    admin_scope(user)
    shown = "" if layer == "all" else _layer(layer)  # unit grids unless all layers are asked for
    done = None if created is None else {"created": created, "superseded": superseded, "parents": parents}
    with platform.sessions() as db:
        return _page(request, platform, db, user, shown, parent.strip(), imported=done)


@router.post("/admin/territory/grids")
async def import_grids(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """A GeoJSON file of one layer's grids, as a new version (everything or nothing)."""
    admin_scope(user)
    form = await read_form(request)
    layer = str(form.get("layer") or "")
    upload = form.get("file")
    data, filename = b"", "upload"
    if isinstance(upload, UploadFile):
        filename = os.path.basename(upload.filename or "") or filename
        data = await upload.read(platform.settings.max_import_bytes + 1)
    await form.close()  # the spooled temporary file, now read

    def work(db: Session) -> Response:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid(message("territory.file_needed"))
        result = territory.import_grid_upload(platform, db, user, _layer(layer), data, filename)
        parents = sorted(result.versions)
        # the versions table then shows the place the file covered: its community, street or district
        shown_parent = next(
            (parents[0][:n] for n in (12, 9, 6) if all(p[:n] == parents[0][:n] for p in parents)), ""
        )
        query = {
            "layer": layer,
            "parent": shown_parent,
            "created": result.run.created,
            "superseded": result.run.superseded,
            "parents": len(parents),
        }
        return RedirectResponse(f"/admin/territory?{urlencode(query)}", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        shown = layer if layer in LAYERS else ""
        return _page(request, platform, db, user, shown, "", status_code=exc.status_code, error=exc.message)

    # a district's file takes seconds to check and store: off the event loop (its unit of work
    # queues behind other writers)
    run = page_or_error(platform, work, failed)

    return await anyio.to_thread.run_sync(run)


@router.get("/admin/territory/grids.geojson")
def download_grids(
    platform: PlatformDep,
    user: PageUser,
    layer: Annotated[str, Query(max_length=20)],
    parent: Annotated[str, Query(max_length=12)],
) -> Response:
    """The current grids of a layer in a district, street or community, as a GeoJSON file that the
    import takes back (edit it in a GIS, upload it as the next version)."""
    scope = admin_scope(user)
    with platform.sessions() as db:
        grids = territory.grids_of_parent(db, scope, _layer(layer), parent)
        if not grids:
            raise Invalid(
                message(
                    "territory.no_grids",
                    parent=parent,
                    layer=layer,
                    layer_zh=i18n.translator("zh")(f"network.{layer}"),
                )
            )
        body = json.dumps(territory.grids_feature_collection(grids), ensure_ascii=False)
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="grids-{layer}-{parent.strip()}.geojson"'},
    )
