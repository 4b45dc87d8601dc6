"""Publishing a month's ranking from a page (发布月排名), for the people who may publish: city-level
leaders and admins (`services.rankings.may_publish`, the rule the API and the command line apply).
Choose an ended month and a list (districts, streets, departments), see it as publishing would
freeze it, publish it (a month published before needs the correction's reason), and land on a
confirmation with the link to the public page. The logic lives in `services.rankings`."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcity.domain.errors import DomainError, Forbidden
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.services import rankings
from gridcity.services.platform import Platform
from gridcity.web import i18n
from gridcity.web.admin.common import read_form
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "pub.title": ("发布月度排名", "Publish a monthly ranking"),
        "pub.nav": ("发布月排名", "Publish rankings"),
        "pub.lead": (
            "选择已结束的月份和排名类别，先预览按当前案件数据计算的排名，确认后公布。公布后的排名不再随案件变化；"
            "已公布的月份再次公布即为更正，需写明原因，公示页会注明更正。",
            "Choose an ended month and a list, preview the ranking as the cases stand now, then publish "
            "it. A published ranking no longer changes with the cases; publishing a month again is a "
            "correction: it needs the reason, and the public page says it was corrected.",
        ),
        "pub.preview": ("预览", "Preview"),
        "pub.status": ("公布情况", "Published so far"),
        "pub.not_published": ("未公布", "not published"),
        "pub.version": ("已公布第 {n} 版", "version {n} published"),
        "pub.preview_of": ("预览：{month} · {kind}", "Preview: {month} · {kind}"),
        "pub.will_be": (
            "将公布为第 {n} 版（按 {as_of} 的案件数据计算）",
            "Will be published as version {n} (the cases as of {as_of})",
        ),
        "pub.correction": (
            "该月已公布第 {n} 版：再次公布即为更正，请写明原因（公示页会显示）",
            "Version {n} of this month is published: publishing again is a correction; give the "
            "reason (the public page shows it)",
        ),
        "pub.reason": ("更正原因", "Reason for the correction"),
        "pub.publish": ("公布", "Publish"),
        "pub.publish_correction": ("公布更正", "Publish the correction"),
        "pub.done": (
            "已公布 {month} {kind}排名（第 {version} 版）。",
            "Published: {month}, {kind}, version {version}.",
        ),
        "pub.see_public": ("在公示页查看", "See it on the public page"),
        "pub.rows": ("共 {n} 个排名对象", "{n} ranked units"),
    }
)


_FIELDS = (("period", 7), ("kind", 20), ("reason", rankings.MAX_REASON + 1))


def _publisher(user: Principal) -> Principal:
    if not rankings.may_publish(user):
        raise Forbidden(message("rankings.not_publisher"))
    return user


def _page(
    request: Request,
    platform: Platform,
    user: Principal,
    period: str | None,
    kind: str | None,
    error: str | None = None,
    status_code: int = 200,
    done: dict[str, Any] | None = None,
    reason: str = "",
) -> HTMLResponse:
    months = rankings.ended_months(platform)
    draft: Any = None
    groups: list[rankings.Group] = []
    with platform.sessions() as db:
        versions = rankings.last_versions(db)
        if period and kind and not done:
            try:
                draft = rankings.draft(platform, db, period, kind)
                groups = rankings.best_and_worst(draft)
            except DomainError as exc:
                if error is None:
                    error, status_code = exc.message, exc.status_code
    return render(
        request,
        "dashboard/publish_rankings.html",
        status_code=status_code,
        user=user,
        months=months,
        kinds=list(rankings.KINDS),
        versions=versions,
        period=period or (months[0] if months else ""),
        kind=kind or "district",
        draft=draft,
        groups=groups,
        error=error,
        done=done,
        reason=reason,
    )


@router.get("/dashboard/rankings")
def publish_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    period: Annotated[str | None, Query(max_length=7)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    published: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> HTMLResponse:
    """The form; with a month and a list, their preview; after publishing, the confirmation."""
    _publisher(user)
    done = {"period": period, "kind": kind, "version": published} if published and period and kind else None
    return _page(request, platform, user, period, kind, done=done)


@router.post("/dashboard/rankings")
async def publish(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    _publisher(user)
    form = await read_form(request)
    # the service checks each (the month's format and end, the list, the reason's length)
    period, kind, reason = (str(form.get(name) or "").strip()[:limit] for name, limit in _FIELDS)

    def work() -> Response:
        with platform.sessions() as db:
            try:
                snapshot = rankings.publish(platform, db, user, period, kind, reason or None)
            except DomainError as exc:
                db.rollback()
                return _page(
                    request, platform, user, period, kind, exc.message, exc.status_code, reason=reason
                )
            query = {"period": snapshot.period, "kind": snapshot.kind, "published": snapshot.version}
            return RedirectResponse(f"/dashboard/rankings?{urlencode(query)}", status_code=303)

    return await platform.run_write(work)
