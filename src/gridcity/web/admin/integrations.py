"""The systems docked with the platform (系统对接), on two admin pages of the city platform's admin:
webhook subscriptions (事件推送订阅, `services.webhooks`: who hears of which case events at which URL,
with their deliveries by status) and department systems (部门系统对接, `services.integrations`:
the API keys of departments' own work-order systems). A new signing secret or API key is shown
once, on the page that made it, as on the Open311 page. The services refuse anyone but an admin of
the city platform (`services.access.require_city_admin`): others get the 403 page."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gridcity.domain.errors import DomainError
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services import departments, integrations, webhooks
from gridcity.services.access import require_city_admin
from gridcity.services.platform import Platform
from gridcity.web import i18n
from gridcity.web.admin.common import admin_scope, page_or_error, read_form, scope_name, text, words
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)

DELIVERY_STATES = ("pending", "delivered", "failed", "cancelled")

# what each webhook event (services.webhooks.EVENTS, named by its code in <code>) means
i18n.add_words(
    {
        "admin.event.dispatched": (
            "派遣：派到部门（或核查不通过后返工）",
            "dispatched to the department (or back for rework)",
        ),
        "admin.event.accepted": ("签收：部门签收了案件", "the department accepted the case"),
        "admin.event.extension_requested": ("申请延期", "an extension was asked for"),
        "admin.event.extension_decided": ("延期审批：批准或驳回", "an extension was approved or denied"),
        "admin.event.disposed": ("处置反馈：部门反馈处置完毕", "the department reported it done"),
        "admin.event.overdue": (
            "超时升级：超过时限被巡检升级",
            "escalated by the deadline sweep: past its deadline",
        ),
        "admin.event.closed": ("结案", "closed"),
        "admin.event.reopened": ("重新办理：市民重新打开", "reopened by the citizen"),
        "admin.event.any": ("案件的每一次变化", "every change of a case"),
    }
)

i18n.add_words(
    {
        "admin.webhooks": ("事件推送订阅", "Webhook subscriptions"),
        "admin.webhooks_intro": (
            "案件变化时，平台向订阅的对接系统签名推送（POST）所订阅的事件；部门的订阅只收到本部门的案件，"
            "其他订阅收到所选区域（留空为全市）的案件。",
            "When a case changes, the platform POSTs the events a docked system subscribed to, signed "
            "with its secret; a department's subscription hears of its own cases, another of the cases "
            "in its area (empty: the whole city).",
        ),
        "admin.webhook_name": ("订阅名称", "Subscription name"),
        "admin.webhook_url": ("推送地址", "Target URL"),
        "admin.webhook_events": ("事件", "Events"),
        "admin.webhook_receiver": ("接收方", "Receiver"),
        "admin.webhook_department": ("部门（可选）", "Department (optional)"),
        "admin.webhook_scope": ("区域编码（可选，不选部门时）", "Area code (optional, without a department)"),
        "admin.webhook_city": ("全市", "the whole city"),
        "admin.webhook_created": ("创建人 / 时间", "Created by / at"),
        "admin.webhook_deliveries": ("推送记录", "Deliveries"),
        "admin.webhook_add": ("新增订阅", "Add a subscription"),
        "admin.webhook_disable": ("停用", "Disable"),
        "admin.webhook_disabled": ("已停用", "disabled"),
        "admin.webhook_confirm": (
            "停用后不再向该地址推送，待发送的推送将取消。确定停用？",
            "Nothing more will be sent to this URL and its pending deliveries are cancelled. Disable it?",
        ),
        "admin.webhook_new_secret": (
            "签名密钥（仅显示这一次，请立即交给对接方妥善保存）",
            "Signing secret (shown only now: hand it to the receiving system's people)",
        ),
        "admin.delivery.pending": ("待发送", "pending"),
        "admin.delivery.delivered": ("已送达", "delivered"),
        "admin.delivery.failed": ("失败", "failed"),
        "admin.delivery.cancelled": ("已取消", "cancelled"),
        "admin.integrations": ("部门系统对接", "Department systems"),
        "admin.integrations_intro": (
            "部门（或企业）自己的业务系统凭 API 密钥通过接口签收、反馈、申请延期；请求头",
            "A department's (or enterprise's) own system accepts, reports done and asks for extensions "
            "by API key; header",
        ),
        "admin.integration_name": ("系统名称", "System name"),
        "admin.integration_department": ("部门", "Department"),
        "admin.integration_add": ("签发对接密钥", "Issue a key"),
        "admin.integration_revoke": ("吊销密钥", "Revoke key"),
        "admin.integration_confirm": (
            "吊销后该系统的密钥立即失效。确定吊销？",
            "The system's key stops working at once. Revoke it?",
        ),
        "admin.integration_new_key": (
            "API 密钥（仅显示这一次，请立即交给部门妥善保存）",
            "API key (shown only now: hand it to the department's people)",
        ),
    }
)


def _city_admin(user: Principal, what: str) -> None:
    """Admins only (else the 403 page), and of the city platform: the services' own rule."""
    admin_scope(user)
    require_city_admin(user, what)


# --- webhook subscriptions -------------------------------------------------------------------


def _webhooks_page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    status_code: int = 200,
    error: str | None = None,
    new_secret: tuple[str, str] | None = None,
    form: dict[str, object] | None = None,
) -> HTMLResponse:
    tz = platform.calendar(db).tz
    counts = webhooks.delivery_counts(db)
    rows = webhooks.list_subscriptions(db, actor=user)
    return render(
        request,
        "admin/webhooks.html",
        status_code=status_code,
        user=user,
        section="webhooks",
        area=scope_name(user, words(request)),
        subscriptions=[
            {
                "name": s.name,
                "url": s.url,
                "events": list(s.events),
                "department": f"{s.org_unit.name} ({s.org_unit.code})" if s.org_unit else None,
                "scope": s.scope_code,
                "active": s.active,
                "created_by": s.created_by,
                "created_at": s.created_at.astimezone(tz),
                "disabled_at": s.disabled_at.astimezone(tz) if s.disabled_at else None,
                "deliveries": [(k, counts.get(s.id, Counter())[k]) for k in DELIVERY_STATES],
            }
            for s in rows
        ],
        events=[(name, meaning) for name, (meaning, _) in webhooks.EVENTS.items()],
        departments=[(d.code, d.name) for d in departments.departments_in_tier(db, user)],
        new_secret=new_secret,
        form=form or {},
        error=error,
    )


@router.get("/admin/webhooks")
def webhooks_page(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    _city_admin(user, "manages webhook subscriptions")
    with platform.sessions() as db:
        return _webhooks_page(request, platform, db, user)


@router.post("/admin/webhooks/subscriptions")
async def add_subscription(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Subscribe a docked system; the page shows its signing secret, once."""
    _city_admin(user, "manages webhook subscriptions")
    form = await read_form(request)
    chosen = [str(e) for e in form.getlist("events")][:20]
    typed: dict[str, object] = {
        key: str(form.get(key) or "")[:500] for key in ("name", "url", "department", "scope")
    } | {"events": chosen}

    def work(db: Session) -> Response:
        name = text(form, "name", required=message("integrations.name_needed"), max_length=60)
        url = text(form, "url", required=message("integrations.url_needed"), max_length=webhooks.MAX_URL)
        department = text(form, "department", max_length=40) or None
        scope = text(form, "scope", max_length=20)
        sub, secret = webhooks.add_subscription(
            platform, db, name, url, chosen, department=department, scope=scope, actor=user
        )
        return _webhooks_page(request, platform, db, user, status_code=201, new_secret=(sub.name, secret))

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _webhooks_page(
            request, platform, db, user, status_code=exc.status_code, error=exc.message, form=typed
        )

    return await platform.run_write(page_or_error(platform, work, failed))


@router.post("/admin/webhooks/subscriptions/disable")
async def disable_subscription(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    _city_admin(user, "manages webhook subscriptions")
    form = await read_form(request)

    def work(db: Session) -> Response:
        name = text(form, "name", required=message("integrations.name_needed"), max_length=60)
        webhooks.disable_subscription(platform, db, name, actor=user)
        return RedirectResponse("/admin/webhooks", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _webhooks_page(request, platform, db, user, status_code=exc.status_code, error=exc.message)

    return await platform.run_write(page_or_error(platform, work, failed))


# --- department systems ----------------------------------------------------------------------


def _integrations_page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    status_code: int = 200,
    error: str | None = None,
    new_key: tuple[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    tz = platform.calendar(db).tz
    rows = integrations.list_integrations(db, actor=user)
    return render(
        request,
        "admin/integrations.html",
        status_code=status_code,
        user=user,
        section="integrations",
        area=scope_name(user, words(request)),
        systems=[
            {
                "name": r.name,
                "department": f"{r.department.name} ({r.department.code})",
                "issued_by": r.issued_by,
                "issued_at": r.issued_at.astimezone(tz),
                "active": r.active,
                "revoked_at": r.revoked_at.astimezone(tz) if r.revoked_at else None,
            }
            for r in rows
        ],
        departments=[(d.code, d.name) for d in departments.departments_in_tier(db, user)],
        base_url=f"{str(request.base_url).rstrip('/')}/api/v1/integrations/",
        key_header=integrations.KEY_HEADER,
        new_key=new_key,
        form=form or {},
        error=error,
    )


@router.get("/admin/integrations")
def integrations_page(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    _city_admin(user, "manages department integrations")
    with platform.sessions() as db:
        return _integrations_page(request, platform, db, user)


@router.post("/admin/integrations/systems")
async def issue_integration(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Dock a department's system; the page shows its API key, once."""
    _city_admin(user, "manages department integrations")
    form = await read_form(request)
    typed = {key: str(form.get(key) or "")[:200] for key in ("name", "department")}

    def work(db: Session) -> Response:
        name = text(form, "name", required=message("integrations.system_needed"), max_length=60)
        department = text(
            form, "department", required=message("integrations.department_needed"), max_length=40
        )
        row, key = integrations.issue_integration(platform, db, name, department, actor=user)
        return _integrations_page(request, platform, db, user, status_code=201, new_key=(row.name, key))

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _integrations_page(
            request, platform, db, user, status_code=exc.status_code, error=exc.message, form=typed
        )

    return await platform.run_write(page_or_error(platform, work, failed))


@router.post("/admin/integrations/systems/revoke")
async def revoke_integration(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    _city_admin(user, "manages department integrations")
    form = await read_form(request)

    def work(db: Session) -> Response:
        name = text(form, "name", required=message("integrations.system_needed"), max_length=60)
        integrations.revoke_integration(platform, db, name, actor=user)
        return RedirectResponse("/admin/integrations", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        return _integrations_page(request, platform, db, user, status_code=exc.status_code, error=exc.message)

    return await platform.run_write(page_or_error(platform, work, failed))
