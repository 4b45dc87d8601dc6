"""The field supervisor's pages (监督员外勤页), made for a phone: the home with the reports kept
on this phone, reporting a problem with photos and the phone's position, and the verify and check
tasks, nearest first, each done from a phone-sized case view.

The report form works without JavaScript (a plain multipart post answered with a page); field.js
sends it with fetch and gets JSON, and keeps a report that could not be delivered in IndexedDB to be
sent again with the same client key (the server replays instead of duplicating)."""

from __future__ import annotations

import itertools
import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from gridcity.domain import bounded_json, messages
from gridcity.domain.errors import Conflict, DomainError, Invalid
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseAction, CaseState, Role
from gridcity.services import attachments, case_clock, cases, patrol, supervisor_grids
from gridcity.services import field as fieldwork
from gridcity.services.platform import Platform
from gridcity.web import i18n, session
from gridcity.web.pages import (
    CasePath,
    PageUser,
    PlatformDep,
    csv_response,
    read_photos,
    render,
    require_role,
)

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "field.home": ("外勤首页", "Field home"),
        "field.duty": ("在岗巡查", "On patrol"),
        "field.on_duty": ("在岗中", "On duty"),
        "field.off_duty": ("未在岗", "Off duty"),
        "field.go_on_duty": ("开始巡查（上岗）", "Start patrol (on duty)"),
        "field.go_off_duty": ("结束巡查（下岗）", "End patrol (off duty)"),
        "field.duty_since": ("上岗于", "Since"),
        "field.duty_hint": (
            "在岗时本机定位会按批次上传，记录巡查轨迹；下岗后不再记录。轨迹保存期满后自动删除。",
            "While on duty the phone's position is sent in batches as the patrol track; nothing is "
            "recorded off duty. Tracks are deleted when their retention ends.",
        ),
        "field.my_grids": ("我的责任网格", "My grids"),
        "field.visited_today": ("今日已巡查", "Visited today"),
        "field.no_grids": ("尚未分配责任网格", "No grid assigned yet"),
        "field.track_sent": ("已上传 {n} 个轨迹点", "{n} track points sent"),
        "field.track_waiting": ("{n} 个轨迹点待上传", "{n} track points waiting to be sent"),
        "field.track_no_gps": (
            "无法获取定位（{error}），暂不能记录轨迹",
            "No position ({error}): no track yet",
        ),
        "field.report": ("上报问题", "Report a problem"),
        "field.tasks": ("我的任务", "My tasks"),
        "field.console": ("指挥中心页面", "Console pages"),
        "field.my_reports": ("我最近的上报", "My latest reports"),
        "field.no_reports": ("还没有上报", "No reports yet"),
        "field.pending": ("待重发", "Waiting to be sent again"),
        "field.pending_hint": (
            "发送失败的上报保存在本机，联网后点“重新发送”。",
            "Reports that could not be sent are kept on this phone; press “Send again” once online.",
        ),
        "field.pending_none": ("没有待重发的上报", "Nothing waiting to be sent"),
        "field.resend": ("重新发送", "Send again"),
        "field.delete": ("删除", "Delete"),
        "field.delete_confirm": ("删除这条未发送的上报？", "Delete this unsent report?"),
        "field.saved_at": ("保存于", "Saved"),
        "field.photos_n": ("{n} 张照片", "{n} photo(s)"),
        "field.needs_js": (
            "本机保存与重发需要启用 JavaScript",
            "Keeping and re-sending reports needs JavaScript",
        ),
        "field.camera": ("拍照", "Take a photo"),
        "field.gallery": ("从相册选择", "Choose from the gallery"),
        "field.photo_hint": ("至少一张，最多 9 张", "At least one, at most 9"),
        "field.position": ("位置", "Position"),
        "field.use_gps": ("使用当前位置", "Use my position"),
        "field.locating": ("正在定位…", "Locating…"),
        "field.gps_accuracy": ("GPS 定位，精度约 ±{m} 米", "GPS position, accurate to about ±{m} m"),
        "field.gps_poor": (
            "定位精度较低，请在地图上点选确认位置",
            "The position is imprecise: tap the map to confirm the point",
        ),
        "field.gps_failed": (
            "无法获取定位（{error}），请在地图上点选位置",
            "No position from the phone ({error}); tap the map to set the point",
        ),
        "field.no_gps": (
            "无法获取定位（{error}），按时限排序",
            "No position from the phone ({error}); sorted by deadline",
        ),
        "field.tapped": ("地图选点", "Point tapped on the map"),
        "field.map_hint": ("点击地图可选定或修正位置", "Tap the map to set or correct the point"),
        "field.outside_city_now": ("该位置不在本市范围内", "This point lies outside the city"),
        "field.lon": ("经度", "Longitude"),
        "field.lat": ("纬度", "Latitude"),
        "field.class": ("问题类别", "Class of problem"),
        "field.class_search": ("搜索类别：名称或编码", "Search classes: name or code"),
        "field.choose_class": ("请选择类别", "Choose a class"),
        "field.recent": ("最近使用", "Recently used"),
        "field.no_match": ("没有匹配的类别", "No class matches"),
        "field.kind.event": ("事件", "Event"),
        "field.network.city_management": ("城市管理", "City management"),
        "field.network.social_service": ("社会服务", "Social service"),
        "field.network.public_security": ("社会治安", "Public security"),
        "field.kind.component": ("部件", "Component"),
        "field.component_pick": (
            "所报部件（默认为最近的）",
            "The component (the nearest unless you pick another)",
        ),
        "field.component_none": (
            "附近 {m} 米内没有该类部件，将按位置上报",
            "No component of this class within {m} m: the report goes by its position",
        ),
        "field.component_distance": ("{m} 米", "{m} m"),
        "field.description": ("问题描述", "Description"),
        "field.description_hint": ("地点、现象、数量等", "Where, what, how much"),
        "field.send": ("提交上报", "Send report"),
        "field.sending": ("正在发送…", "Sending…"),
        "field.sent": ("上报成功", "Report sent"),
        "field.sent_before": (
            "该上报此前已送达，未重复登记",
            "This report had arrived before; not registered twice",
        ),
        "field.queued": (
            "网络不通，上报已保存在本机，可在外勤首页重新发送",
            "No connection: the report is kept on this phone; send it again from the field home",
        ),
        "field.server_failed": (
            "服务器暂时无法处理，上报已保存在本机，可稍后重新发送",
            "The server could not take it now; the report is kept on this phone to be sent later",
        ),
        "field.session_expired": (
            "登录已过期：上报已保存在本机，请重新登录后重新发送",
            "Your sign-in expired: the report is kept on this phone; sign in again and send it",
        ),
        "field.new_report": ("继续上报", "Report another"),
        "field.view_case": ("查看案件", "Open the case"),
        "field.grid": ("单元网格", "Unit grid"),
        "field.task.verify": ("核实", "Verify"),
        "field.task.check": ("核查", "Check"),
        "field.distance": ("距离", "Distance"),
        "field.metres": ("{n} 米", "{n} m"),
        "field.km": ("{n} 公里", "{n} km"),
        "field.unassigned": ("区域内未指派", "Open to the area"),
        "field.sorted_distance": ("按距离排序，最近优先", "Nearest first"),
        "field.sorted_deadline": ("按时限排序，最急优先", "Earliest deadline first"),
        "field.no_tasks": ("暂无待办任务", "No tasks waiting"),
        "field.done": ("已提交：{number} {action}", "Done: {number} {action}"),
        "field.back_tasks": ("返回任务列表", "Back to my tasks"),
        "field.no_actions": ("此案件当前没有您可执行的操作", "Nothing for you to do on this case now"),
        "field.note_required": ("请填写说明", "Write a note"),
        "field.description_none": ("（无描述）", "(no description)"),
        "field.overdue": ("已超时", "Overdue"),
        "field.stale": (
            "案件已被他人更新（您看到的是第 {seen} 版，现在是第 {now} 版），已重新载入，请确认后再提交。",
            "The case changed meanwhile (you saw version {seen}, it is now {now}); it is reloaded: check it "
            "and submit again.",
        ),
        "field.err.csrf": (
            "页面已过期，请刷新后重试",
            "This page has expired; reload it and try again",
        ),
        "field.err.no_class": ("请选择问题类别", "Choose the class of the problem"),
        "field.err.unknown_class": (
            "未知的问题类别，请从列表中选择",
            "Unknown class: choose one from the list",
        ),
        "field.err.no_position": (
            "请先定位或在地图上点选位置",
            "Locate yourself or tap the map to give the point",
        ),
        "field.err.bad_position": ("坐标无效", "The coordinates are not valid"),
        "field.err.outside_city": ("该位置不在本市范围内", "This point lies outside the city"),
        "field.err.outside_area": (
            "该位置不在您负责的巡查区域内",
            "This point lies outside the area you patrol",
        ),
        "field.err.no_photo": ("请至少拍摄或选择一张照片", "Take or choose at least one photo"),
        "field.err.too_many_photos": ("照片最多 {limit} 张", "At most {limit} photos"),
        "field.err.empty_photo": ("照片“{filename}”是空文件", "The photo “{filename}” is empty"),
        "field.err.photo_too_large": (
            "照片“{filename}”超过 {limit} 上限",
            "The photo “{filename}” is larger than {limit}",
        ),
        "field.err.not_a_photo": (
            "“{filename}”不是 JPEG、PNG 或 WebP 格式的照片",
            "“{filename}” is not a JPEG, PNG or WebP photo",
        ),
        "field.err.long_description": (
            "问题描述不能超过 4000 字",
            "The description is longer than 4,000 characters",
        ),
        "field.err.bad_client_key": ("上报标识无效", "The report's client key is not valid"),
    }
)

# Words field.js shows; handed to the page as JSON.
_JS_WORDS = (
    "field.locating",
    "field.gps_accuracy",
    "field.gps_poor",
    "field.gps_failed",
    "field.tapped",
    "field.outside_city_now",
    "field.no_match",
    "field.sending",
    "field.sent",
    "field.sent_before",
    "field.queued",
    "field.server_failed",
    "field.session_expired",
    "field.resend",
    "field.delete",
    "field.delete_confirm",
    "field.saved_at",
    "field.photos_n",
    "field.pending_none",
    "field.view_case",
    "field.grid",
    "field.err.csrf",
    "field.err.no_photo",
    "field.err.no_position",
    "field.err.no_class",
    "field.err.too_many_photos",
    "field.no_gps",
    "field.track_sent",
    "field.track_waiting",
    "field.track_no_gps",
    "field.component_none",
    "field.component_distance",
    "number",
    "state",
)


def _words(request: Request) -> dict[str, str]:
    t = i18n.translator(i18n.language(request))
    return {key: t(key) for key in _JS_WORDS}


def _supervisor(user: Principal) -> Principal:
    require_role(user, Role.SUPERVISOR)
    return user


def _message(request: Request, exc: DomainError) -> str:
    """The error in the person's language when the field page knows it, else the service's words."""
    reason = exc.details.get("reason")
    if isinstance(reason, str):
        words = i18n.translator(i18n.language(request))(f"field.err.{reason}")
        if not words.startswith("field.err."):
            try:
                return words.format(**exc.details)
            except (KeyError, IndexError, ValueError):
                return words
    return exc.message


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _float(value: Any) -> float | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise fieldwork.FieldError(
            "bad_position", messages.message("field.not_a_number", text=text)
        ) from None
    if not math.isfinite(number):
        raise fieldwork.FieldError("bad_position", messages.message("field.not_a_number", text=text))
    return number


async def _photos(form: FormData, platform: Platform, name: str = "photos") -> list[fieldwork.Photo]:
    return [
        fieldwork.Photo(filename, data)
        for filename, data in await read_photos(form, platform.settings.max_upload_bytes, name)
    ]


# --- home ----------------------------------------------------------------------------------


@router.get("/field")
def field_home(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    _supervisor(user)
    with platform.sessions() as db:
        duty = patrol.open_duty(db, user.id)
        my_grids = supervisor_grids.grids_of(db, user.id)
        today = patrol.today(platform, db)
        visited = {v.grid_code for v in patrol.patrolled_on(platform, db, today) if v.user_id == user.id}
        count = fieldwork.task_count(db, user)
        reports = [
            {
                "id": c.id,
                "number": platform.case_number(c),
                "class_name": c.class_name,
                "state": c.state,
                "reported_at": c.reported_at,
            }
            for c in fieldwork.my_reports(platform, db, user)
        ]
    return render(
        request,
        "field/home.html",
        user=user,
        task_count=count,
        reports=reports,
        duty=duty,
        my_grids=my_grids,
        visited=sorted(visited),
        visited_own=[g for g in my_grids if g in visited],
        patrol_batch=PATROL_BATCH,
        words=_words(request),
    )


# --- on duty and the patrol track (巡查, services.patrol) ---------------------------------------

PATROL_BATCH = 20  # field_patrol.js sends the points it has once it holds this many (or every minute)
PATROL_MAX_BYTES = patrol.MAX_BATCH * 200  # a full batch is ~60 KB of JSON; read no more than this


@router.post("/field/duty")
async def duty_toggle(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """Go on or off duty (the home page's toggle; a plain form, so it works without JavaScript)."""
    _supervisor(user)
    async with request.form() as form:
        session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
        on = str(form.get("on_duty") or "") == "1"

    def work() -> Response:
        with platform.sessions() as db:
            duty = patrol.set_duty(platform, db, user, on)
            since = duty.started_at.isoformat() if duty is not None else None
        if _wants_json(request):
            return JSONResponse({"on_duty": duty is not None, "since": since})
        return RedirectResponse("/field", status_code=303)

    return await platform.run_write(work)


@router.post("/field/patrol")
async def patrol_points(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    """A batch of the track as JSON {points: [{at, lon, lat, accuracy_m}]} with the page's CSRF token
    in the X-CSRF-Token header; answers what was stored (services.patrol checks the batch)."""
    _supervisor(user)
    try:
        session.check_csrf(request, None)
    except session.CsrfError:
        t = i18n.translator(i18n.language(request))
        return JSONResponse({"detail": t("field.err.csrf"), "reason": "csrf"}, status_code=403)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > PATROL_MAX_BYTES:
            too_many = messages.message("patrol.batch_too_big", max=patrol.MAX_BATCH)
            return JSONResponse({"detail": str(too_many)}, status_code=413)
    try:
        batch = patrol.parse_batch(bounded_json.loads(bytes(raw), "JSON"))
    except ValueError:
        return JSONResponse({"detail": str(messages.message("patrol.not_json"))}, status_code=422)
    except DomainError as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    def work() -> Response:
        with platform.sessions() as db:
            try:
                done = patrol.record_points(platform, db, user, batch)
            except DomainError as exc:
                return JSONResponse({"detail": exc.message}, status_code=exc.status_code)
        return JSONResponse(done.view())

    return await platform.run_write(work)


# --- reporting -----------------------------------------------------------------------------


def _report_page(
    request: Request,
    platform: Platform,
    user: Principal,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    sent: dict[str, Any] | None = None,
) -> HTMLResponse:
    with platform.sessions() as db:
        recent = fieldwork.recent_classes(platform, db, user)
        groups = _class_groups(request, fieldwork.all_classes(platform, db))
        bounds = fieldwork.area_bounds(db, user)
    values = dict(values or {})
    if not values.get("client_key") or sent:
        values["client_key"] = str(uuid.uuid4())  # one key per report, made when the form opens
    return render(
        request,
        "field/report.html",
        status_code=status_code,
        user=user,
        recent=recent,
        groups=groups,
        bounds=bounds,
        tiles=platform.settings.map_tiles_url,
        error=error,
        values=values,
        sent=sent,
        max_photos=fieldwork.MAX_PHOTOS,
        max_upload_bytes=platform.settings.max_upload_bytes,
        words=_words(request),
    )


def _class_groups(request: Request, classes: list[Any]) -> list[tuple[str, list[Any]]]:
    """The class list's groups: network, kind (事件 / 部件) and standard, in the catalogue's order."""
    t = i18n.translator(i18n.language(request))
    groups = []
    for (network, kind, standard), items in itertools.groupby(
        classes, key=lambda c: (c.network, str(c.kind), c.standard)
    ):
        label = f"{t('field.kind.' + kind)} · {standard}"
        if network != "city_management":
            label = f"{t('field.network.' + network)} · {label}"
        groups.append((label, list(items)))
    return groups


@router.get("/field/report")
def report_form(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    _supervisor(user)
    return _report_page(request, platform, user)


@router.post("/field/report")
async def report_submit(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    _supervisor(user)
    as_json = _wants_json(request)
    async with request.form() as form:  # closes the uploads' spooled files, whatever happens
        try:
            session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
        except session.CsrfError:
            if as_json:
                t = i18n.translator(i18n.language(request))
                return JSONResponse({"detail": t("field.err.csrf"), "reason": "csrf"}, status_code=403)
            raise
        values = {
            k: str(form.get(k) or "")
            for k in ("client_key", "class_ref", "lon", "lat", "accuracy", "description", "component_code")
        }
        photos = await _photos(form, platform)

    def work() -> Response:
        with platform.sessions() as db:
            try:
                report = fieldwork.FieldReport(
                    class_ref=values["class_ref"],
                    lon=_float(values["lon"]),
                    lat=_float(values["lat"]),
                    description=values["description"],
                    client_key=values["client_key"] or None,
                    photos=photos,
                    component_code=values["component_code"] or None,
                )
                case, created = fieldwork.submit_report(platform, db, user, report)
            except DomainError as exc:
                message = _message(request, exc)
                if as_json:
                    body = {"detail": message, "reason": exc.details.get("reason") or type(exc).__name__}
                    return JSONResponse(body, status_code=exc.status_code)
                return _report_page(
                    request, platform, user, status_code=exc.status_code, error=message, values=values
                )
            result = {
                "id": case.id,
                "number": platform.case_number(case),
                "state": case.state,
                "state_label": i18n.state_label(case.state, i18n.language(request)),
                "grid_code": case.grid_code,
                "class_name": case.class_name,
                "component_code": case.component_code,
                "created": created,
                "url": f"/field/tasks/{case.id}",
            }
        if as_json:
            return JSONResponse(result, status_code=201 if created else 200)
        return _report_page(request, platform, user, status_code=201 if created else 200, sent=result)

    return await platform.run_write(work)


# --- tasks ---------------------------------------------------------------------------------


def _position(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if lat is None or lon is None:
        return None, None
    return lon, lat


def _task_rows(platform: Platform, db: Any, tasks: list[fieldwork.Task]) -> list[dict[str, Any]]:
    names = platform.territory(db).names
    return [
        {
            "id": t.case.id,
            "number": platform.case_number(t.case),
            "kind": t.kind,
            "assigned": t.assigned,
            "class_code": t.case.class_code,
            "class_name": t.case.class_name,
            "street": names.get(t.case.street_code, t.case.street_code),
            "community": names.get(t.case.community_code or "", t.case.community_code or ""),
            "grid_code": t.case.grid_code,
            "description": t.case.description,
            "deadline": t.case.stage_deadline,
            "light": t.clock["light"] if t.clock else None,
            "distance_m": t.distance_m,
        }
        for t in tasks
    ]


LatQuery = Annotated[float | None, Query(ge=-90, le=90)]
LonQuery = Annotated[float | None, Query(ge=-180, le=180)]


@router.get("/field/tasks")
def task_list(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    lat: LatQuery = None,
    lon: LonQuery = None,
    done: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    did: Annotated[str | None, Query(max_length=40)] = None,
    fragment: bool = False,
) -> HTMLResponse:
    """The verify and check tasks; `fragment=1` answers only the list (field.js refreshes it with
    the phone's position)."""
    _supervisor(user)
    lon, lat = _position(lat, lon)
    confirmation = None
    with platform.sessions() as db:
        rows = _task_rows(platform, db, fieldwork.my_tasks(platform, db, user, lon, lat))
        if done is not None:
            try:
                case = cases.get_case(db, user, done)
            except DomainError:
                case = None
            if case is not None and did in {a.value for a in CaseAction}:
                t = i18n.translator(i18n.language(request))
                label = i18n.action_label(did, i18n.language(request))
                confirmation = t("field.done").format(number=platform.case_number(case), action=label)
    return render(
        request,
        "field/task_rows.html" if fragment else "field/tasks.html",
        user=user,
        rows=rows,
        located=lon is not None,
        lat=lat,
        lon=lon,
        confirmation=confirmation,
        words=_words(request),
    )


@router.get("/field/tasks.csv")
def task_list_csv(
    platform: PlatformDep, user: PageUser, lat: LatQuery = None, lon: LonQuery = None
) -> Response:
    _supervisor(user)
    lon, lat = _position(lat, lon)
    header = [
        "number",
        "task",
        "class_code",
        "class_name",
        "street",
        "community",
        "grid",
        "deadline",
        "light",
        "distance_m",
    ]
    with platform.sessions() as db:
        rows = _task_rows(platform, db, fieldwork.my_tasks(platform, db, user, lon, lat))
    return csv_response(
        "gridcity-field-tasks.csv",
        header,
        (
            [
                r["number"],
                r["kind"],
                r["class_code"],
                r["class_name"],
                r["street"],
                r["community"],
                r["grid_code"],
                r["deadline"].isoformat() if r["deadline"] else None,
                r["light"],
                round(r["distance_m"]) if r["distance_m"] is not None else None,
            ]
            for r in rows
        ),
    )


def _task_page(
    request: Request,
    platform: Platform,
    db: Any,
    user: Principal,
    case_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    case = cases.get_case(db, user, case_id)
    territory = platform.territory(db)
    photos = [(e, a) for e in case.events for a in e.attachments if a.content_type.startswith("image/")]
    return render(
        request,
        "field/task.html",
        status_code=status_code,
        user=user,
        case=case,
        number=platform.case_number(case),
        state=CaseState(case.state),
        task=fieldwork.TASK_STATES.get(case.state),
        clock=case_clock.case_clock(platform, db, case),
        street=territory.names.get(case.street_code, case.street_code),
        community=territory.names.get(case.community_code or "", case.community_code),
        photos=photos,
        photo_checks=attachments.photo_checks(platform, case),
        photo_required=platform.catalogue(db).find(case.class_code, case.standard, case.kind).photo_required,
        history=case.events,
        actions=[a for a in cases.available_actions(platform, user, case) if a.action != CaseAction.COMMENT],
        can_comment=any(
            a.action == CaseAction.COMMENT for a in cases.available_actions(platform, user, case)
        ),
        note_required={CaseAction.VERIFY_FALSE, CaseAction.CHECK_FAIL},
        tiles=platform.settings.map_tiles_url,
        max_photos=fieldwork.MAX_PHOTOS,
        error=error,
    )


@router.get("/field/tasks/{case_id}")
def task_page(request: Request, platform: PlatformDep, user: PageUser, case_id: CasePath) -> HTMLResponse:
    _supervisor(user)
    with platform.sessions() as db:
        return _task_page(request, platform, db, user, case_id)


@router.post("/field/tasks/{case_id}")
async def task_act(request: Request, platform: PlatformDep, user: PageUser, case_id: CasePath) -> Response:
    _supervisor(user)
    async with request.form() as form:
        session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
        action = str(form.get("action", ""))
        try:
            version = int(str(form.get("version", "")))
        except ValueError:
            version = -1
        note = str(form.get("note", ""))
        photos = await _photos(form, platform)

    def work() -> Response:
        with platform.sessions() as db:
            ids: list[int] = []
            try:
                if version < 0:
                    raise Invalid(messages.message("page.no_case_version"))
                fieldwork.check_photos(platform, photos, required=False)
                ids = fieldwork.store_photos(platform, db, user, photos)
                request_ = cases.ActionRequest(action=action, version=version, note=note, attachments=ids)
                cases.transition(platform, db, user, case_id, request_)
            except DomainError as exc:
                db.rollback()
                fieldwork.forget_photos(db, user, ids)
                message = _message(request, exc)
                current = exc.details.get("current_version")
                if isinstance(exc, Conflict) and current is not None:
                    t = i18n.translator(i18n.language(request))
                    message = t("field.stale").format(seen=version, now=current)
                return _task_page(
                    request, platform, db, user, case_id, error=message, status_code=exc.status_code
                )
        return RedirectResponse(f"/field/tasks?done={case_id}&did={action}", status_code=303)

    return await platform.run_write(work)
