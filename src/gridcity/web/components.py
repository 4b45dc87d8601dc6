"""The component page (部件): a city component's current attributes, its place on a small map, its
version history and the cases about it that the reader may see. The console map draws the
components of its visible area (static/js/map.js) and links here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcity.domain.components import SOURCES, ComponentState
from gridcity.domain.workflow import CaseState
from gridcity.services.components import records as components
from gridcity.web import i18n
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "component": ("部件", "Component"),
        "component.code": ("部件标识码", "Identity code"),
        "component.name": ("部件名称", "Name"),
        "component.state": ("部件状态", "State"),
        "component.owner": ("主管部门", "Owner department"),
        "component.keeper": ("权属单位", "Keeper"),
        "component.maintainer": ("养护单位", "Maintainer"),
        "component.grid": ("所在单元网格", "Unit grid"),
        "component.initial_date": ("初始日期", "First surveyed"),
        "component.change_date": ("变更日期", "Changed"),
        "component.source": ("数据来源", "Source"),
        "component.version": ("版本", "Version"),
        "component.history": ("版本历史", "Version history"),
        "component.valid_from": ("记录时间", "Recorded"),
        "component.valid_to": ("失效时间", "Superseded"),
        "component.recorded_by": ("记录人", "Recorded by"),
        "component.current": ("当前", "current"),
        "component.cases": ("相关案件", "Cases about it"),
        "component.no_cases": ("没有您可查看的相关案件", "No cases about it that you may see"),
        "component.state.intact": ("完好", "intact"),
        "component.state.damaged": ("破损", "damaged"),
        "component.state.lost": ("丢失", "lost"),
        "component.state.abandoned": ("废弃", "abandoned"),
        "component.state.removed": ("移除", "removed"),
        "map.components": ("部件", "Components"),
        "map.components_zoom": ("放大地图以显示部件", "Zoom in to see the components"),
        "map.components_count": ("部件 {n} 个", "{n} components"),
        "map.components_truncated": (
            "部件 {n} 个（仅显示部分，请放大地图）",
            "{n} components (only some: zoom in for all)",
        ),
    }
)

STATES = [s.value for s in ComponentState]


@router.get("/components/{code}")
def component_page(request: Request, platform: PlatformDep, user: PageUser, code: str) -> HTMLResponse:
    """A component with its history and cases: NotFound (404) for an unknown code, Invalid (422)
    for one that is not an identity code, both shown as the error page."""
    with platform.sessions() as db:
        record = components.get_component(db, user, code.strip())  # type: ignore[arg-type]
        catalogue = platform.catalogue(db)
        names = platform.territory(db).names
        current = record.current
        cases = [
            {
                "id": c.id,
                "number": platform.case_number(c),
                "class_name": c.class_name,
                "state": CaseState(c.state).value,
                "reported_at": c.reported_at,
                "description": c.description,
            }
            for c in record.cases
        ]
        return render(
            request,
            "work/component.html",
            user=user,
            c=current,
            info=components.summary(current, catalogue),
            versions=list(reversed(record.versions)),
            cases=cases,
            street=names.get(current.street_code, current.street_code),
            community=names.get(current.community_code or "", current.community_code),
            source_en=SOURCES.get(current.source or ""),
            tiles=platform.settings.map_tiles_url,
        )
