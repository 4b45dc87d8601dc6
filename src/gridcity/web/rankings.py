"""The public page of published monthly rankings (月排名、月曝光), no sign-in needed: choose a
published month and kind, the ranking per peer group with composite and grade, the best and worst
highlighted, the correction note of a corrected month, the month's supervision list (numbers,
classes, streets, days open: no people, no descriptions), and the shown table as CSV. The logic
lives in `services.rankings`; only published snapshots are shown, never live figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gridcity.domain.errors import DomainError
from gridcity.services import rankings
from gridcity.web import i18n, session
from gridcity.web.pages import PlatformDep, csv_response, render

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "rank.title": ("月度排名公示", "Monthly rankings"),
        "rank.home_hint": (
            "各区、街道和专业部门每月的考核排名、最好与最差，以及月检查督办案件",
            "Each month's assessment ranking of districts, streets and departments, the best and "
            "the worst, and the supervision list",
        ),
        "rank.lead": (
            "每月结束后，市级平台公布各区、街道和专业部门的综合评价与排名。区在各自的功能区内排名。",
            "After each month the city publishes the assessment and ranking of districts, streets and "
            "departments. Districts are ranked within their functional zone.",
        ),
        "rank.month": ("月份", "Month"),
        "rank.kind": ("类别", "Kind"),
        "rank.kind.district": ("区", "Districts"),
        "rank.kind.street": ("街道", "Streets"),
        "rank.kind.department": ("专业部门", "Departments"),
        "rank.show": ("查看", "Show"),
        "rank.none": ("还没有公布的排名。", "No ranking has been published yet."),
        "rank.rank": ("排名", "Rank"),
        "rank.name": ("名称", "Name"),
        "rank.composite": ("综合得分", "Composite"),
        "rank.grade": ("等级", "Grade"),
        "rank.group_all": ("全部", "All"),
        "rank.best": ("最好", "Best"),
        "rank.worst": ("最差", "Worst"),
        "rank.best_worst": ("本组最好与最差", "Best and worst of the group"),
        "rank.published": ("{date} 公布，第 {version} 版", "Published {date}, version {version}"),
        "rank.corrected": ("已更正", "Corrected"),
        "rank.corrected_note": (
            "本月排名已于 {date} 更正（第 {version} 版）。原因：{reason}",
            "This month's ranking was corrected on {date} (version {version}). Reason: {reason}",
        ),
        "rank.earlier": ("查看之前的版本：", "Earlier versions:"),
        "rank.version": ("第 {n} 版", "version {n}"),
        "rank.csv": ("下载本表（CSV）", "Download this table (CSV)"),
        "rank.unranked": ("无数据，不参加排名", "no data, not ranked"),
        "rank.supervision": ("本月督办案件（月检查）", "Supervision list of the month"),
        "rank.supervision_hint": (
            "超过市级督办时限仍未解决的案件。只公布案件编号、类别、街道和已办理天数，不公布个人信息和案件描述。",
            "Cases still unsolved past the city-level escalation. Only number, class, street and days "
            "open are shown: no personal data, no descriptions.",
        ),
        "rank.supervision_none": ("本月没有督办案件。", "No case on this month's supervision list."),
        "rank.number": ("案件编号", "Case number"),
        "rank.class": ("类别", "Class"),
        "rank.street": ("街道", "Street"),
        "rank.days_open": ("已办理天数", "Days open"),
        "rank.closed": ("已结案", "closed"),
        "rank.open": ("未结案", "open"),
        "rank.weights": ("评分权重", "Weights"),
    }
)


def _choices(published: list[tuple[str, str]]) -> tuple[list[str], dict[str, list[str]]]:
    months = list(dict.fromkeys(p for p, _ in published))
    kinds: dict[str, list[str]] = {}
    for p, k in published:
        kinds.setdefault(p, []).append(k)
    return months, kinds


@router.get("/portal/rankings")
def rankings_page(
    request: Request,
    platform: PlatformDep,
    period: Annotated[str | None, Query(max_length=7)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> HTMLResponse:
    error, status_code = None, 200
    snapshot: Any = None
    groups: list[rankings.Group] = []
    all_versions: list[Any] = []
    supervision: list[rankings.PublicSupervision] = []
    with platform.sessions() as db:
        published = rankings.published(db)
        months, kinds = _choices(published)
        if months:
            period = period or months[0]
            kind = kind or (kinds.get(period) or ["district"])[0]
            try:
                snapshot = rankings.latest(db, period, kind, version)
                all_versions = rankings.versions(db, period, kind)
                groups = rankings.best_and_worst(snapshot)
                supervision = rankings.public_supervision(platform, db, period)
            except DomainError as exc:
                error, status_code = exc.message, exc.status_code
                snapshot = None
    highlighted: dict[str, str] = {}
    for g in groups:
        for r in g.best:
            highlighted[str(r["scope"]["code"])] = "best"
        for r in g.worst:
            highlighted[str(r["scope"]["code"])] = "worst"
    latest_version = all_versions[-1] if all_versions else None
    return render(
        request,
        "public/rankings.html",
        status_code=status_code,
        user=session.current_user(platform, request),
        months=months,
        kinds=kinds,
        period=period or "",
        kind=kind or "",
        snapshot=snapshot,
        latest_version=latest_version,
        versions=all_versions,
        groups=groups,
        highlighted=highlighted,
        supervision=supervision,
        error=error,
    )


@router.get("/portal/rankings.csv")
def rankings_csv(
    platform: PlatformDep,
    period: Annotated[str, Query(max_length=7)],
    kind: Annotated[str, Query(max_length=20)],
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    with platform.sessions() as db:
        snapshot = rankings.latest(db, period, kind, version)
        header, body = rankings.table(snapshot)
        name = f"ranking-{snapshot.period}-{snapshot.kind}-v{snapshot.version}.csv"
    return csv_response(name, header, body)
