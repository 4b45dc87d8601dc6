"""The maps' data addresses: the console map's cases with the list beside it (following the map
window and the filters), the labels of the maps without tiles, and the search box — for the
console (/map/…) and the public portal (/portal/…)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from gridcity.db.models import Case
from gridcity.db.queries import CaseFilter
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.registry import PlaceKind
from gridcity.domain.territory import parse_bbox
from gridcity.domain.workflow import CaseState, Role
from gridcity.services import analysis, case_clock, map_labels, map_search
from gridcity.services.access import visibility_clause
from gridcity.services.case_map import FEATURE_COLUMNS, case_clusters, case_feature, cluster_rows
from gridcity.services.platform import Platform
from gridcity.web import i18n
from gridcity.web.pages import PageUser, PlatformDep
from gridcity.web.queues import QUEUES

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "msearch.label": ("搜索地图", "Search the map"),
        "msearch.placeholder": (
            "街道、社区、网格编码、案件编号、地点或地址",
            "Street, community, grid code, case number, place or address",
        ),
        "msearch.placeholder_public": (
            "街道、社区、网格编码或案件编号",
            "Street, community, grid code or case number",
        ),
        "msearch.none": ("没有找到", "Nothing found"),
        "msearch.hint": (
            "↑↓ 选择，回车定位，Esc 关闭",
            "↑↓ to choose, Enter to go there, Esc to close",
        ),
        "msearch.kind.district": ("区", "District"),
        "msearch.kind.street": ("街道", "Street"),
        "msearch.kind.community": ("社区", "Community"),
        "msearch.kind.grid": ("单元网格", "Unit grid"),
        "msearch.kind.case": ("案件", "Case"),
        "msearch.kind.place": ("地点", "Place"),
        "mlist.title": ("地图范围内的案件", "Cases in the map window"),
        "mlist.queue": ("环节", "Stage"),
        "mlist.open": ("全部在办", "All open"),
        "mlist.all_classes": ("全部类别", "All classes"),
        "mlist.more": ("还有 {n} 件，放大地图或筛选可缩小范围", "{n} more: zoom in or filter to narrow"),
        "mlist.total": ("共 {n} 件", "{n} in all"),
        "mlist.empty": ("地图范围内没有符合条件的案件", "No cases in this window match"),
        "mlist.filters": ("筛选", "Filters"),
    }
)

# who opens the wall view (web/wall.py): the command centre's desks and the leaders
WALL_ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.OPERATOR, Role.ADMIN)
LIST_ROWS = 50  # the list beside the map shows this many; "还有 N 件" says how many more
MAX_FEATURES = 5000  # one by one up to this many; a window holding more comes as clusters
FINAL_STATES = (CaseState.CLOSED, CaseState.REJECTED, CaseState.VOID)
OPEN_STATES = tuple(s.value for s in CaseState if s not in FINAL_STATES)


# --- the console map's cases and the list beside it ------------------------------------------


def page_context(platform: Platform, db: Any, user: Principal) -> dict[str, Any]:
    """What the console map page offers beside the map: the list's filters and the wall's link."""
    scope = user.org_unit.scope_code if user.org_unit.kind != "department" else ""
    names = platform.territory(db).names
    streets = sorted((c, n) for c, n in names.items() if len(c) == 9 and c.startswith(scope))
    return {
        "queues": [q for q in QUEUES if q != "all"],
        "streets": streets,
        "classes": analysis.class_choices(platform, db),
        "wall": user.role in WALL_ROLES,
    }


@dataclass(frozen=True)
class MapFilter:
    """The console map's filters: the map window, the stage (a queue), class, street, overdue."""

    bbox: tuple[float, float, float, float]
    queue: str = ""
    ended: bool = False
    class_code: str = ""
    street: str = ""
    overdue: bool = False

    def case_filter(self, user: Principal, sort: str) -> CaseFilter:
        if self.queue:
            states = [s.value for s in QUEUES[self.queue]]
        else:
            states = [] if self.ended else list(OPEN_STATES)
        return CaseFilter(
            states=states,
            bbox=self.bbox,
            class_codes=[self.class_code] if self.class_code else [],
            street_code=self.street or None,
            overdue=True if self.overdue else None,
            sort=sort,
            extra=[visibility_clause(user)],
        )


def map_filter(
    bbox: Annotated[str, Query(max_length=200)],
    queue: Annotated[str, Query(max_length=20)] = "",
    ended: bool = False,
    class_code: Annotated[str, Query(max_length=12)] = "",
    street: Annotated[str, Query(max_length=12)] = "",
    overdue: bool = False,
) -> MapFilter:
    if queue and (queue not in QUEUES or queue == "all"):
        raise Invalid(
            message("queue.unknown", queue=queue, queues=", ".join(q for q in QUEUES if q != "all"))
        )
    if street and (len(street) != 9 or not street.isdigit()):
        raise Invalid(message("analysis.not_a_street", street=street))
    return MapFilter(parse_bbox(bbox), queue, ended, class_code.strip(), street, overdue)


MapFilterDep = Annotated[MapFilter, Depends(map_filter)]


@router.get("/map/cases.json")
def map_cases(request: Request, platform: PlatformDep, user: PageUser, chosen: MapFilterDep) -> Response:
    """The cases of the console map's window and filters: every one as a point with its traffic
    light (a window with more than MAX_FEATURES: clusters counting every one of them,
    `services.case_map.case_clusters`), and the list beside the map — the most urgent first
    (earliest deadline), at most LIST_ROWS of them, with how many there are in all."""
    lang = i18n.language(request)
    tz = platform.calendar().tz
    with platform.sessions() as db:
        names = platform.territory(db).names
        reader = case_clock.ClockReader(platform, db)
        now = reader.now
        total = int(db.scalar(chosen.case_filter(user, "deadline").count(now)) or 0)
        window = chosen.case_filter(user, "-reported_at")
        clustered = total > MAX_FEATURES
        if clustered:  # too many to show one by one: every case counted in the window's cells
            in_cells = db.connection().execute(cluster_rows(window, reader))
            features = case_clusters(reader, in_cells, chosen.bbox)
        else:
            found = db.connection().execute(window.columns(now, *FEATURE_COLUMNS)).all()
            features = [case_feature(platform, reader, c) for c in found]
        listed = db.execute(
            chosen.case_filter(user, "deadline")
            .columns(now, *FEATURE_COLUMNS, Case.street_code)
            .limit(LIST_ROWS)
        ).all()
        rows = [
            {
                "id": c.id,
                "number": platform.case_number(c),
                "class_name": c.class_name,
                "state_label": i18n.state_label(c.state, lang),
                "street": names.get(c.street_code, c.street_code),
                "light": reader.light(c),
                "deadline": c.stage_deadline.astimezone(tz).strftime("%m-%d %H:%M")
                if c.stage_deadline
                else "",
                "lon": c.lon,
                "lat": c.lat,
            }
            for c in listed
        ]
    t = i18n.translator(lang)
    more = max(total - len(rows), 0)
    body = {
        "type": "FeatureCollection",
        "features": features,
        "clustered": clustered,
        "list": {
            "total": total,
            "rows": rows,
            "more": more,
            "more_text": t("mlist.more").format(n=more) if more else "",
            "total_text": t("mlist.total").format(n=total),
        },
    }
    return JSONResponse(body)


# --- labels ----------------------------------------------------------------------------------


def _labels(platform: Platform, level: str, bbox: str) -> Response:
    box = parse_bbox(bbox)
    with platform.sessions() as db:
        found, truncated = map_labels.labels_in_window(platform.territory(db), level, box)
    return JSONResponse({"level": level, "labels": found, "truncated": truncated})


LevelQuery = Annotated[str, Query(pattern="^(district|street|community|grid)$")]
BboxQuery = Annotated[str, Query(max_length=200)]


@router.get("/map/labels.json")
def map_labels_json(platform: PlatformDep, user: PageUser, level: LevelQuery, bbox: BboxQuery) -> Response:
    """The names (a unit grid's code) to write on the console's maps in a window, with where."""
    return _labels(platform, level, bbox)


@router.get("/portal/labels.json")
def portal_labels_json(platform: PlatformDep, level: LevelQuery, bbox: BboxQuery) -> Response:
    """The same labels for the public map: territory names and unit-grid codes are public."""
    return _labels(platform, level, bbox)


# --- the search box --------------------------------------------------------------------------

SearchText = Annotated[str, Query(max_length=map_search.MAX_TEXT)]


def _hit_view(hit: map_search.Hit, lang: str, public: bool) -> dict[str, Any]:
    t = i18n.translator(lang)
    detail = list(hit.parents)
    url = None
    if hit.kind == "case":
        detail = [hit.extra["class_name"], i18n.state_label(hit.extra["state"], lang), *hit.parents]
        url = f"/track?number={hit.key}" if public else f"/cases/{hit.extra['id']}"
    elif hit.kind == "place":
        kind = PlaceKind(hit.extra["place_kind"])
        detail = [kind.label_zh if lang == "zh" else kind.label_en, *hit.parents]
    return {
        "kind": hit.kind,
        "kind_label": t(f"msearch.kind.{hit.kind}"),
        "key": hit.key,
        "name": hit.name,
        "detail": " · ".join(d for d in detail if d),
        "lon": hit.lon,
        "lat": hit.lat,
        "bbox": hit.bbox,
        "outline": hit.outline,
        "url": url,
    }


def _search(request: Request, platform: Platform, user: Principal | None, q: str, public: bool) -> Response:
    lang = i18n.language(request)
    with platform.sessions() as db:
        hits = map_search.search(platform, db, user, q, public_only=public)
    return JSONResponse({"q": q, "items": [_hit_view(h, lang, public) for h in hits]})


@router.get("/map/search.json")
def map_search_json(request: Request, platform: PlatformDep, user: PageUser, q: SearchText = "") -> Response:
    """The console map's search: territory, unit grids, a case the person may see by its number,
    and the registry's places and addresses in their area (never residents)."""
    return _search(request, platform, user, q, public=False)


@router.get("/portal/search.json")
def portal_search_json(request: Request, platform: PlatformDep, q: SearchText = "") -> Response:
    """The public map's search: territory, unit grids and a case's public fields by its number."""
    return _search(request, platform, None, q, public=True)
