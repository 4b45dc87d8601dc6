"""The analysis dashboard (统计分析) of the console: cases per day, closure and on-time rates per
week, the overdue list, hot spots (choropleth and heat map), top classes per street, average time
per stage and anomaly hints — for the person's own area, a period and filters.

The page is drawn by static/js/dashboard.js from one JSON endpoint per chart,
/dashboard/data/<chart>.json; /dashboard/data/<chart>.csv serves the very same table (the numbers
drawn), so a download never disagrees with the chart. Both read `services.analysis`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from gridcity.domain import analysis as rules
from gridcity.domain.durations import TimeUnit
from gridcity.domain.errors import DomainError, NotFound, Unauthorized
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import NETWORKS, Stage
from gridcity.domain.territory import parse_bbox
from gridcity.domain.workflow import Role
from gridcity.services import analysis, rankings
from gridcity.services.analysis import Scope
from gridcity.services.platform import Platform
from gridcity.web import i18n, session
from gridcity.web.pages import PageUser, PlatformDep, csv_response, render, require_role

router = APIRouter(include_in_schema=False)

ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.OPERATOR, Role.ADMIN)
CHARTS = ("daily", "rates", "overdue", "hotspots", "heat", "top_classes", "stage_times", "anomalies")

i18n.add_words(
    {
        "dash.nav": ("统计分析", "Analysis"),
        "dash.title": ("统计分析", "Analysis"),
        "dash.from": ("开始日期", "From"),
        "dash.to": ("结束日期", "To"),
        "dash.apply": ("更新", "Update"),
        "dash.preset.last_30": ("近30天", "Last 30 days"),
        "dash.preset.this_month": ("本月", "This month"),
        "dash.preset.last_month": ("上月", "Last month"),
        "dash.preset.last_90": ("近90天", "Last 90 days"),
        "dash.all_classes": ("全部类别", "All classes"),
        "dash.area": ("范围", "Area"),
        "dash.whole_city": ("全市", "Whole city"),
        "dash.csv": ("下载数据（CSV）", "Download data (CSV)"),
        "dash.loading": ("加载中…", "Loading…"),
        "dash.no_data": ("暂无数据", "No data"),
        "dash.daily": ("每日上报案件", "Cases reported per day"),
        "dash.stack.network": ("按网络", "By network"),
        "dash.stack.class": ("按类别（前8类）", "By class (top 8)"),
        "dash.rates": ("结案率与按期结案率（按立案周）", "Closure and on-time rates (by week filed)"),
        "dash.rates_note": (
            "趋势数据，非月度考核指标：每周立案的案件中，截至目前已结案、按期结案的比例。"
            "按期＝处置反馈不晚于当时的处置时限（已扣除挂账、计入延期），现场自行处置视为按期。",
            "Trend figures, not the monthly indicators: of the cases filed each week, the share closed"
            " by now, and closed on time. On time = disposal reported done no later than the disposal"
            " deadline as it stood (suspensions left out, extensions added); self-handled cases count"
            " as on time.",
        ),
        "dash.overdue": ("超时案件", "Overdue cases"),
        "dash.overdue_note": (
            "当前超过本环节时限的在办案件，超时最久的在前（不受时间段限制）。",
            "Open cases past their current stage's deadline now, most overdue first (not limited"
            " by the period).",
        ),
        "dash.overdue_total": ("共 {total} 件，显示前 {shown} 件", "{total} in all, the first {shown} shown"),
        "dash.overdue_all": ("在工作队列中查看全部", "See all in the work queue"),
        "dash.hotspots": ("热点分布", "Hot spots"),
        "dash.choropleth": ("按网格/社区/街道分级", "Cases per area"),
        "dash.heat": ("热力图", "Heat map"),
        "dash.hotspots_note": (
            "放大到街区可看单元网格；颜色越深案件越多。",
            "Zoom in to see unit grids; darker means more cases.",
        ),
        "dash.csv_heat": ("热力图数据（CSV）", "Heat map data (CSV)"),
        "dash.top_classes": ("各街道高发类别", "Top classes per street"),
        "dash.top_classes_community": ("各社区高发类别", "Top classes per community"),
        "dash.stage_times": ("各环节平均用时（工作小时）", "Average time per stage (working hours)"),
        "dash.stage_note": (
            "本时间段内结束的环节，按工作日历计（挂账时间不计）。",
            "Stages that ended in the period, in working hours of the working calendar (suspensions"
            " left out).",
        ),
        "dash.sample_note": (
            "本时间段内有 {cases} 件案件状态变化，按案件编号每 {every} 件取 1 件计算（{sampled} 件）。",
            "{cases} cases changed state in the period; every {every}th case by id is used ({sampled}).",
        ),
        "dash.anomalies": ("异常提示", "Anomaly hints"),
        "dash.anomaly_window": (
            "最近7天（{start} 至 {end}）与前8周比较，共检查 {checked} 个网格和类别。",
            "The 7 days {start} to {end} against the 8 weeks before; {checked} grids and classes checked.",
        ),
        "dash.anomaly_rule": (
            "提示条件：本周不少于5件，且高于前8周平均值＋3倍离散度（标准差、√平均值与1中取最大）。",
            "Flagged when the week has at least 5 cases and lies above the 8-week mean + 3 spreads"
            " (the largest of the standard deviation, √mean and 1).",
        ),
        "dash.no_anomalies": ("未发现异常", "Nothing unusual"),
        "dash.hint": ("本周 {n}，前8周平均 {mean}", "this week {n}, 8-week average {mean}"),
        "dash.kind.grid": ("网格", "Grid"),
        "dash.kind.class": ("类别", "Class"),
        "dash.level.district": ("区", "District"),
        "dash.level.street": ("街道", "Street"),
        "dash.level.community": ("社区", "Community"),
        "dash.level.grid": ("单元网格", "Unit grid"),
        "dash.col.date": ("日期", "Date"),
        "dash.col.total": ("合计", "Total"),
        "dash.col.other": ("其他", "Other"),
        "dash.col.week_start": ("周起", "Week from"),
        "dash.col.week_end": ("周止", "Week to"),
        "dash.col.filed": ("立案数", "Filed"),
        "dash.col.closed": ("结案数", "Closed"),
        "dash.col.on_time": ("按期结案数", "Closed on time"),
        "dash.col.closure_rate": ("结案率(%)", "Closure rate (%)"),
        "dash.col.on_time_rate": ("按期结案率(%)", "On-time rate (%)"),
        "dash.col.id": ("案件ID", "Case id"),
        "dash.col.stage": ("环节", "Stage"),
        "dash.col.overdue_hours": ("超时(小时)", "Overdue (hours)"),
        "dash.col.unit": ("计时单位", "Clock unit"),
        "dash.col.level": ("层级", "Level"),
        "dash.col.code": ("代码", "Code"),
        "dash.col.name": ("名称", "Name"),
        "dash.col.cases": ("案件数", "Cases"),
        "dash.col.lon": ("经度", "Longitude"),
        "dash.col.lat": ("纬度", "Latitude"),
        "dash.col.area_code": ("区域代码", "Area code"),
        "dash.col.area_name": ("区域", "Area"),
        "dash.col.area_total": ("区域合计", "Area total"),
        "dash.col.rank": ("名次", "Rank"),
        "dash.col.class_code": ("类别代码", "Class code"),
        "dash.col.class_name": ("类别名称", "Class"),
        "dash.col.share": ("占比(%)", "Share (%)"),
        "dash.col.runs": ("环节次数", "Stage runs"),
        "dash.col.mean_hours": ("平均(工作小时)", "Mean (working hours)"),
        "dash.col.median_hours": ("中位数(工作小时)", "Median (working hours)"),
        "dash.col.kind": ("类型", "Kind"),
        "dash.col.this_week": ("本周", "This week"),
        "dash.col.mean": ("前8周平均", "8-week mean"),
        "dash.col.sd": ("标准差", "Std. dev."),
        "dash.col.threshold": ("提示阈值", "Threshold"),
        "dash.col.hint": ("提示", "Hint"),
        **{f"dash.stage.{s.value}": (s.label_zh, s.label_en) for s in Stage},
        "dash.unit.working": ("工作小时", "working hours"),
        "dash.unit.calendar": ("自然小时", "calendar hours"),
    }
)


# --- what the person asked for -----------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """The dashboard's query string: period and filters (the same on the page and every chart)."""

    start: str = ""
    end: str = ""
    street: str = ""
    network: str = ""
    class_code: str = ""

    def scope(self, platform: Platform, db: Session, user: Principal) -> Scope:
        return analysis.make_scope(
            platform, db, user, self.start, self.end, self.street, self.network, self.class_code
        )


def params(
    start: Annotated[str, Query(alias="from", max_length=100)] = "",
    end: Annotated[str, Query(alias="to", max_length=100)] = "",
    street: Annotated[str, Query(max_length=100)] = "",
    network: Annotated[str, Query(max_length=100)] = "",
    class_code: Annotated[str, Query(max_length=100)] = "",
) -> Params:
    return Params(start, end, street, network, class_code)


ParamsDep = Annotated[Params, Depends(params)]


def _query(scope: Scope) -> dict[str, str]:
    chosen = {
        "from": scope.period.start.isoformat(),
        "to": scope.period.end.isoformat(),
        "street": scope.street or "",
        "network": scope.network or "",
        "class_code": scope.class_code or "",
    }
    return {k: v for k, v in chosen.items() if v}


# --- the page ----------------------------------------------------------------------------------


@router.get("/dashboard")
def dashboard(request: Request, platform: PlatformDep, user: PageUser, chosen: ParamsDep) -> HTMLResponse:
    require_role(user, *ROLES)
    with platform.sessions() as db:
        scope = chosen.scope(platform, db, user)
        streets = analysis.street_choices(platform, db, user)
        classes = analysis.class_choices(platform, db)
        area = analysis.user_area(user)
        area_name = platform.territory(db).names.get(area, "") if area else ""
        bounds = analysis.area_bounds(db, area)
    today = analysis.today(platform)
    presets = {name: rules.preset_period(name, today) for name in rules.PRESETS}
    return render(
        request,
        "dashboard/index.html",
        user=user,
        scope=scope,
        query=urlencode(_query(scope)),
        presets=presets,
        streets=streets,
        classes=classes,
        networks=NETWORKS,
        area=area,
        area_name=area_name,
        bounds=bounds,
        tiles=platform.settings.map_tiles_url,
        may_publish=rankings.may_publish(user),
    )


# --- the data of each chart --------------------------------------------------------------------


def _user_for_data(request: Request, platform: Platform) -> Principal:
    user = session.current_user(platform, request)
    if user is None:
        raise Unauthorized(message("page.sign_in"))
    require_role(user, *ROLES)
    return user


@router.get("/dashboard/data/{chart}.json")
def chart_json(
    request: Request,
    platform: PlatformDep,
    chart: str,
    chosen: ParamsDep,
    stack: Annotated[str, Query(max_length=20)] = "network",
    level: Annotated[str, Query(max_length=20)] = "street",
    bbox: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """One chart's figures as {columns, rows, meta}; an error as {detail} with its status."""
    try:
        user = _user_for_data(request, platform)
        table = _table(request, platform, user, chart, chosen, stack, level, bbox)
    except DomainError as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)
    return JSONResponse(table)


@router.get("/dashboard/data/{chart}.csv")
def chart_csv(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    chart: str,
    chosen: ParamsDep,
    stack: Annotated[str, Query(max_length=20)] = "network",
    level: Annotated[str, Query(max_length=20)] = "street",
    bbox: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The same table as the chart's JSON, as CSV."""
    require_role(user, *ROLES)
    table = _table(request, platform, user, chart, chosen, stack, level, bbox)
    meta = table["meta"]
    name = f"gridcity-{chart}-{meta['from']}-{meta['to']}.csv"
    return csv_response(name, table["columns"], table["rows"])


@dataclass
class _Ctx:
    platform: Platform
    db: Session
    user: Principal
    scope: Scope
    t: Callable[[str], str]
    lang: str
    stack: str
    level: str
    bbox: tuple[float, float, float, float] | None


def _table(
    request: Request,
    platform: Platform,
    user: Principal,
    chart: str,
    chosen: Params,
    stack: str,
    level: str,
    bbox_text: str,
) -> dict[str, Any]:
    builder = _BUILDERS.get(chart)
    if builder is None:
        raise NotFound(message("list.unknown_chart", chart=chart, charts=", ".join(CHARTS)))
    lang = i18n.language(request)
    with platform.sessions() as db:
        scope = chosen.scope(platform, db, user)
        ctx = _Ctx(
            platform, db, user, scope, i18n.translator(lang), lang, stack, level, _parse_bbox(bbox_text)
        )
        columns, rows, meta = builder(ctx)
    return {
        "chart": chart,
        "columns": columns,
        "rows": rows,
        "meta": {"from": scope.period.start.isoformat(), "to": scope.period.end.isoformat(), **meta},
    }


def _parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    return parse_bbox(text) if text.strip() else None


def _stage_label(ctx: _Ctx, stage: str) -> str:
    return ctx.t(f"dash.stage.{stage}")


def _unit_label(ctx: _Ctx, unit: str) -> str:
    return ctx.t("dash.unit.calendar" if unit == TimeUnit.MINUTES else "dash.unit.working")


def _daily(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    data = analysis.daily_counts(ctx.platform, ctx.db, ctx.user, ctx.scope, stack=ctx.stack)

    def name(s: analysis.Series) -> str:
        if s.key == analysis.OTHER:
            return t("dash.col.other")
        return t(f"network.{s.key}") if data.stack == "network" else f"{s.name}({s.key})"

    columns = [t("dash.col.date"), *(name(s) for s in data.series), t("dash.col.total")]
    totals = data.totals
    rows = [[d.isoformat(), *(s.values[i] for s in data.series), totals[i]] for i, d in enumerate(data.days)]
    return columns, rows, {"stack": data.stack, "keys": [s.key for s in data.series], "total": sum(totals)}


def _rates(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    weeks = analysis.weekly_rates(ctx.platform, ctx.db, ctx.user, ctx.scope)
    columns = [
        t(f"dash.col.{c}")
        for c in ("week_start", "week_end", "filed", "closed", "on_time", "closure_rate", "on_time_rate")
    ]
    rows = [
        [w.start.isoformat(), w.end.isoformat(), w.filed, w.closed, w.on_time, w.closure_rate, w.on_time_rate]
        for w in weeks
    ]
    return columns, rows, {}


def _overdue(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    found = analysis.overdue_cases(ctx.platform, ctx.db, ctx.user, ctx.scope)
    tz = ctx.platform.calendar().tz
    columns = [
        t("dash.col.id"),
        t("number"),
        t("class"),
        t("state"),
        t("street"),
        t("dash.col.stage"),
        t("deadline"),
        t("dash.col.overdue_hours"),
        t("dash.col.unit"),
    ]
    rows = [
        [
            r.id,
            r.number,
            r.class_name,
            i18n.state_label(r.state, ctx.lang),
            r.street,
            _stage_label(ctx, r.stage) if r.stage else "",
            r.deadline.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            r.overdue_hours,
            _unit_label(ctx, r.unit),
        ]
        for r in found.rows
    ]
    queue = {"queue": "all", "overdue": "1", "sort": "deadline"}
    for key, value in (("street", ctx.scope.street), ("network", ctx.scope.network)):
        if value:
            queue[key] = value
    if ctx.scope.class_code:
        queue["class_code"] = ctx.scope.class_code
    note = t("dash.overdue_total").format(total=found.total, shown=len(rows))
    return columns, rows, {"total": found.total, "note": note, "queue": "/work?" + urlencode(queue)}


def _hotspots(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    counts = analysis.hotspots(ctx.platform, ctx.db, ctx.user, ctx.scope, ctx.level, ctx.bbox)
    columns = [t("dash.col.level"), t("dash.col.code"), t("dash.col.name"), t("dash.col.cases")]
    level = t(f"dash.level.{ctx.level}")
    rows = [[level, c.code, c.name, c.count] for c in counts]
    return columns, rows, {"level": ctx.level, "max": max((c.count for c in counts), default=0)}


def _heat(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    heat = analysis.heat_cells(ctx.platform, ctx.db, ctx.user, ctx.scope)
    columns = [t("dash.col.lon"), t("dash.col.lat"), t("dash.col.cases")]
    rows = [list(c) for c in heat.cells]
    meta = {
        "truncated": heat.truncated,
        "bbox": analysis.bbox_of(heat.cells),
        "max": max((c[2] for c in heat.cells), default=0),
    }
    return columns, rows, meta


def _top_classes(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    found = analysis.top_classes(ctx.platform, ctx.db, ctx.user, ctx.scope)
    columns = [
        t(f"dash.col.{c}")
        for c in (
            *("area_code", "area_name", "area_total", "rank"),
            *("class_code", "class_name", "cases", "share"),
        )
    ]
    rows = [
        [a.code, a.name, a.total, rank, code, name, n, round(100 * n / a.total, 1)]
        for a in found.areas
        for rank, (code, name, n) in enumerate(a.classes, start=1)
    ]
    title = t("dash.top_classes_community" if found.level == "community" else "dash.top_classes")
    return columns, rows, {"level": found.level, "title": title}


def _stage_times(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    found = analysis.stage_times(ctx.platform, ctx.db, ctx.user, ctx.scope)
    columns = [
        t("dash.col.stage"),
        t("dash.col.runs"),
        t("dash.col.mean_hours"),
        t("dash.col.median_hours"),
    ]
    rows = [[_stage_label(ctx, s.stage), s.runs, s.mean_hours, s.median_hours] for s in found.stages]
    note = (
        t("dash.sample_note").format(cases=found.cases, every=found.every, sampled=found.sampled)
        if found.every > 1
        else ""
    )
    meta = {"cases": found.cases, "sampled": found.sampled, "every": found.every, "note": note}
    return columns, rows, meta


def _anomalies(ctx: _Ctx) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    t = ctx.t
    found = analysis.anomalies(ctx.platform, ctx.db, ctx.user, ctx.scope)
    weeks = rules.BASELINE_WEEKS
    week_labels = []
    for k in range(weeks, 0, -1):  # oldest first, as the baseline figures are
        end = found.week_end - timedelta(days=7 * k)
        week_labels.append(f"{end - timedelta(days=6):%m-%d}~{end:%m-%d}")
    columns = [
        t("dash.col.kind"),
        t("dash.col.code"),
        t("dash.col.name"),
        t("dash.col.this_week"),
        *week_labels,
        t("dash.col.mean"),
        t("dash.col.sd"),
        t("dash.col.threshold"),
        t("dash.col.hint"),
    ]
    rows = []
    for item in found.items:
        f = item.figures
        rows.append(
            [
                t(f"dash.kind.{item.kind}"),
                item.code,
                item.name,
                f.current,
                *f.baseline,
                round(f.mean, 1),
                round(f.sd, 1),
                round(f.threshold, 1),
                t("dash.hint").format(n=f.current, mean=f"{f.mean:.1f}"),
            ]
        )
    window = t("dash.anomaly_window").format(
        start=found.week_start.isoformat(), end=found.week_end.isoformat(), checked=found.checked
    )
    return columns, rows, {"window": window, "checked": found.checked}


_BUILDERS: dict[str, Callable[[_Ctx], tuple[list[str], list[list[Any]], dict[str, Any]]]] = {
    "daily": _daily,
    "rates": _rates,
    "overdue": _overdue,
    "hotspots": _hotspots,
    "heat": _heat,
    "top_classes": _top_classes,
    "stage_times": _stage_times,
    "anomalies": _anomalies,
}
