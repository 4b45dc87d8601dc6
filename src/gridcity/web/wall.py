"""The command centre's wall view (指挥大屏): live counts by state and traffic light, today's intake
and closures, today's cases on the map and the most overdue cases, refreshing itself.

The page is static; static/js/wall.js reads /wall/data.json every `every` seconds (30 by default,
`?every=5` for a test or a busy night). Every figure comes from what the queues and the dashboard
read: the queue tabs' counts by state (`web.queues`), the one overdue rule (`CaseFilter(overdue=True)`
through `services.analysis.overdue_cases`), each case's light from its clock (`services.case_clock`).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from gridcity.db.models import Case
from gridcity.db.queries import CaseFilter
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseState
from gridcity.services import analysis, case_clock
from gridcity.services.access import visibility_clause
from gridcity.services.platform import Platform
from gridcity.web import i18n
from gridcity.web.map_data import OPEN_STATES, WALL_ROLES
from gridcity.web.pages import PageUser, PlatformDep, render, require_role
from gridcity.web.queues import QUEUES, queue_counts, state_counts

router = APIRouter(include_in_schema=False)

ROLES = WALL_ROLES  # the command centre's desks and the leaders (the dashboard's people)
DEFAULT_EVERY = 30  # seconds between refreshes
TOP_OVERDUE = 10
MAX_TODAY = 3000  # today's cases on the wall's map
LIGHTS = ("green", "yellow", "red", "none")

i18n.add_words(
    {
        "wall.nav": ("指挥大屏", "Wall view"),
        "wall.title": ("城市管理指挥大屏", "City management wall"),
        "wall.updated": ("更新于", "Updated"),
        "wall.stale": ("连接中断，显示的是上次的数据", "Connection lost: showing the last data"),
        "wall.open": ("在办案件", "Open cases"),
        "wall.today_reported": ("今日上报", "Reported today"),
        "wall.today_closed": ("今日结案", "Closed today"),
        "wall.overdue": ("超时案件", "Overdue"),
        "wall.by_state": ("各环节在办", "Open by stage"),
        "wall.by_light": ("按时限状态", "By traffic light"),
        "wall.map": ("今日案件分布", "Today's cases"),
        "wall.top_overdue": ("超时最久", "Most overdue"),
        "wall.hours": ("超时(小时)", "Overdue (h)"),
        "wall.no_department": ("未派遣", "not dispatched"),
        "wall.none_overdue": ("当前没有超时案件", "No case is overdue"),
        "wall.back": ("返回控制台", "Back to the console"),
        "wall.every": ("每 {n} 秒刷新", "refreshes every {n} s"),
    }
)


@router.get("/wall")
def wall(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    every: Annotated[int, Query(ge=2, le=3600)] = DEFAULT_EVERY,
) -> HTMLResponse:
    require_role(user, *ROLES)
    area = analysis.user_area(user)
    with platform.sessions() as db:
        bounds = analysis.area_bounds(db, area)
        area_name = platform.territory(db).names.get(area, "") if area else ""
    return render(
        request,
        "work/wall.html",
        user=user,
        bounds=bounds,
        area=area,
        area_name=area_name or platform.settings.city_name,
        every=every,
        tiles=platform.settings.map_tiles_url,
        stages=[q for q in QUEUES if q != "all"],
        lights=LIGHTS,
    )


@router.get("/wall/data.json")
def wall_data(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    require_role(user, *ROLES)
    lang = i18n.language(request)
    with platform.sessions() as db:
        body = wall_figures(platform, db, user, lang)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def wall_figures(platform: Platform, db: Session, user: Principal, lang: str) -> dict[str, Any]:
    """Everything the wall shows, as of now, for this person's area."""
    now = platform.now()
    tz = platform.calendar(db).tz
    midnight = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)
    seen = visibility_clause(user)
    by_state = state_counts(db, user)
    counts = queue_counts(by_state)
    t = i18n.translator(lang)

    lights = dict.fromkeys(LIGHTS, 0)
    for case in db.scalars(CaseFilter(states=OPEN_STATES, extra=[seen]).select(now)):
        lights[_light(platform, db, case)] += 1

    today = db.scalars(CaseFilter(reported_from=midnight, extra=[seen]).select(now).limit(MAX_TODAY)).all()
    reported_today = int(db.scalar(CaseFilter(reported_from=midnight, extra=[seen]).count(now)) or 0)
    closed_today = int(
        db.scalar(
            CaseFilter(states=[CaseState.CLOSED.value], extra=[seen, Case.closed_at >= midnight]).count(now)
        )
        or 0
    )
    overdue = analysis.overdue_cases(
        platform, db, user, analysis.make_scope(platform, db, user), limit=TOP_OVERDUE
    )
    unit_label = {"minutes": t("dash.unit.calendar")}
    return {
        "as_of": now.astimezone(tz).strftime("%H:%M:%S"),
        "as_of_iso": now.isoformat(),
        "open": sum(n for s, n in by_state.items() if s in OPEN_STATES),
        "reported_today": reported_today,
        "closed_today": closed_today,
        "overdue_total": overdue.total,
        "stages": [{"key": q, "label": t(f"queue.{q}"), "count": counts[q]} for q in QUEUES if q != "all"],
        "lights": [{"key": k, "count": lights[k]} for k in LIGHTS],
        "today": [
            {
                "id": c.id,
                "number": platform.case_number(c),
                "class_name": c.class_name,
                "state_label": i18n.state_label(c.state, lang),
                "lon": c.lon,
                "lat": c.lat,
                "light": _light(platform, db, c) if c.state in OPEN_STATES else "ended",
            }
            for c in today
        ],
        "top_overdue": [
            {
                "id": r.id,
                "number": r.number,
                "class_name": r.class_name,
                "street": r.street,
                "department": (platform.unit_ref(db, r.department_id) or {}).get("name")
                or t("wall.no_department"),
                "overdue_hours": r.overdue_hours,
                "unit": unit_label.get(r.unit, t("dash.unit.working")),
                "state_label": i18n.state_label(r.state, lang),
            }
            for r in overdue.rows
        ],
    }


def _light(platform: Platform, db: Session, case: Case) -> str:
    clock = case_clock.case_clock(platform, db, case)
    return str(clock["light"]) if clock else "none"
