"""Open311 client applications (Open311 接入应用): the city platform's admin registers the
applications that may file requests through Open311 GeoReport v2 (/open311/v2/), sees who issued
each API key and when, and revokes keys. A new key is shown once, on the page that issued it; the
database keeps only its hash (services.open311)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gridcity.domain.errors import DomainError
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services import open311
from gridcity.services.platform import Platform
from gridcity.web import i18n
from gridcity.web.admin.common import admin_scope, page_or_error, read_form, scope_name, text, words
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "admin.open311": ("Open311 接入", "Open311 clients"),
        "admin.open311_intro": (
            "接入应用通过 Open311 GeoReport v2 标准接口上报和查询案件；每个应用一个 API 密钥。",
            "Client applications file and read requests through Open311 GeoReport v2; one API key each.",
        ),
        "admin.open311_base": ("接口地址", "Base URL"),
        "admin.open311_add": ("登记接入应用", "Register a client application"),
        "admin.open311_name": ("应用名称", "Application name"),
        "admin.open311_issued_by": ("签发人", "Issued by"),
        "admin.open311_issued_at": ("签发时间", "Issued at"),
        "admin.open311_revoke": ("吊销密钥", "Revoke key"),
        "admin.open311_revoked": ("已吊销", "revoked"),
        "admin.open311_new_key": (
            "API 密钥（仅显示这一次，请立即交给应用方妥善保存）",
            "API key (shown only now: hand it to the application's people)",
        ),
        "admin.open311_city_only": (
            "接入应用由市级平台管理员管理。",
            "Client applications are managed by the city platform's admin.",
        ),
    }
)


def _page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    new_key: tuple[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    scope = admin_scope(user)
    tz = platform.calendar(db).tz
    rows = open311.list_clients(db) if not scope else []
    return render(
        request,
        "admin/open311.html",
        status_code=status_code,
        user=user,
        section="open311",
        area=scope_name(user, words(request)),
        may_change=not scope,
        clients=[
            {
                "name": c.name,
                "issued_by": c.issued_by,
                "issued_at": c.issued_at.astimezone(tz),
                "active": c.active,
                "revoked_at": c.revoked_at.astimezone(tz) if c.revoked_at else None,
            }
            for c in rows
        ],
        base_url=f"{str(request.base_url).rstrip('/')}/open311/v2/",
        new_key=new_key,
        form=form or {},
        error=error,
        notice=notice,
    )


@router.get("/admin/open311")
def clients_page(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    admin_scope(user)
    with platform.sessions() as db:
        return _page(request, platform, db, user)


@router.post("/admin/open311/clients")
async def add_client(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Register an application; the page shows its new key, once."""
    admin_scope(user)
    form = await read_form(request)
    typed = {"name": str(form.get("name") or "")[:200]}

    def work(db: Session) -> Response:
        name = text(form, "name", required=message("apps.name_needed"), max_length=60)
        client, key = open311.issue_client(platform, db, name, actor=user)
        return _page(request, platform, db, user, status_code=201, new_key=(client.name, key))

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _page(request, platform, db, user, status_code=exc.status_code, error=exc.message, form=typed)

    return await platform.run_write(page_or_error(platform, work, failed))


@router.post("/admin/open311/clients/revoke")
async def revoke_client(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    admin_scope(user)
    form = await read_form(request)

    def work(db: Session) -> Response:
        name = text(form, "name", required=message("apps.name_needed"), max_length=60)
        open311.revoke_client(platform, db, name, actor=user)
        return RedirectResponse("/admin/open311", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _page(request, platform, db, user, status_code=exc.status_code, error=exc.message)

    return await platform.run_write(page_or_error(platform, work, failed))
