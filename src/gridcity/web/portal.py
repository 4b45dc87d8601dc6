"""The public portal (市民服务), no sign-in needed: report a problem on a map, follow a case by its
number, rate or reopen it with the receipt key, the public map of recent cases, and the published
class list with responsible departments and time limits. The logic lives in `services.public`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.errors import DomainError, Invalid, TooManyRequests
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import ClassDef
from gridcity.domain.workflow import Role
from gridcity.services import public, rate_limits
from gridcity.services.platform import Platform
from gridcity.web import i18n, session
from gridcity.web.pages import PlatformDep, csv_response, read_photos, render
from gridcity.web.paging import PageParam, Paging

router = APIRouter(include_in_schema=False)
CLASSES_PAGE = 20  # classes a page of /portal/classes lists (the catalogue has hundreds)

_WORDS: dict[str, tuple[str, str]] = {
    "portal.title": ("市民服务", "Citizen services"),
    "portal.lead": (
        "发现井盖缺失、垃圾堆积、占道经营等城市管理问题，随手拍照上报，凭案件编号随时查询办理进度。",
        "Seen a missing manhole cover, piled-up rubbish or a blocked pavement? Report it with a photo "
        "and follow its progress by the case number.",
    ),
    "portal.report": ("我要上报", "Report a problem"),
    "portal.report_hint": (
        "在地图上点选位置，选择问题类别，描述并拍照。可以匿名。",
        "Tap the place on the map, choose the kind of problem, describe it, add a photo. "
        "You may stay anonymous.",
    ),
    "portal.follow": ("查询进度", "Follow a case"),
    "portal.map": ("案件地图", "Map of cases"),
    "portal.map_hint": (
        "近 {days} 天上报的城市管理问题：共 {reported} 件，已结案 {closed} 件。",
        "City-management problems reported in the last {days} days: {reported}, {closed} of them closed.",
    ),
    "portal.map_privacy": (
        "地图只显示案件编号、类别、状态、街道和上报日期；位置约精确到 100 米，不显示描述、照片或联系人。",
        "The map shows number, class, state, street and report date only; places are rounded to about "
        "100 m; no descriptions, photos or contacts.",
    ),
    "portal.classes": ("问题类别与办理时限", "Classes, departments and time limits"),
    "portal.classes_hint": (
        "每类问题的责任部门、配合单位和各环节办理时限，依本市设置公开。",
        "The responsible and cooperating departments and each step's time limit for every class, "
        "as the city set them.",
    ),
    "portal.mine": ("我上报的案件", "My reports"),
    "portal.none_yet": ("还没有上报过案件", "No reports yet"),
    "portal.place": ("问题位置", "Place of the problem"),
    "portal.place_hint": ("在地图上点选问题所在的位置", "Tap the place of the problem on the map"),
    "portal.gps": ("使用我的位置", "Use my location"),
    "portal.gps_busy": ("正在定位…", "Locating…"),
    "portal.gps_failed": ("无法获取位置，请在地图上点选", "Could not get your location; tap the map instead"),
    "portal.not_picked": ("尚未选择位置", "No place chosen yet"),
    "portal.outside": ("该位置不在本市范围内", "This place is outside the city"),
    "portal.coords": ("手动输入坐标（经度、纬度）", "Enter coordinates by hand (longitude, latitude)"),
    "portal.lon": ("经度", "Longitude"),
    "portal.lat": ("纬度", "Latitude"),
    "portal.class": ("问题类别", "Kind of problem"),
    "portal.class_search": ("搜索类别，如：垃圾、井盖、广告", "Search, e.g. rubbish, manhole, poster"),
    "portal.class_choose": ("请选择", "Choose"),
    "portal.class_none": ("没有匹配的类别", "No class matches"),
    "portal.description": ("问题描述", "Description"),
    "portal.description_hint": (
        "例如：东华门大街路口西侧有一堆生活垃圾",
        "e.g. A heap of rubbish west of the crossing",
    ),
    "portal.photos": ("照片（可选，最多 {n} 张）", "Photos (optional, up to {n})"),
    "portal.take_photo": ("拍照", "Take a photo"),
    "portal.pick_photo": ("从相册选择", "Choose from the album"),
    "portal.photos_again": (
        "出于安全原因，照片需要重新选择。",
        "For safety, the photos must be chosen again.",
    ),
    "portal.contact": ("联系方式", "Contact"),
    "portal.anonymous": ("匿名上报", "Stay anonymous"),
    "portal.named": ("留下姓名和电话，便于工作人员回访", "Leave a name and phone so staff can call back"),
    "portal.contact_name": ("联系人", "Name"),
    "portal.contact_phone": ("电话", "Phone"),
    "portal.contact_private": (
        "联系方式只有工作人员可见，不会公开。",
        "Only staff see your contact; it is never published.",
    ),
    "portal.signed_in_as": (
        "您已登录，案件将记在您的账户下：{name}",
        "You are signed in; the case goes under your account: {name}",
    ),
    "portal.send": ("提交上报", "Send the report"),
    "portal.sending": ("正在提交…", "Sending…"),
    "portal.received": ("上报成功", "Report received"),
    "portal.received_again": (
        "这份上报此前已经收到，未重复立案。下面是新的凭证码，之前的凭证码已作废。",
        "This report had been received already and was not filed twice. Below is a new receipt key; "
        "the earlier one no longer works.",
    ),
    "portal.key": ("凭证码", "Receipt key"),
    "portal.number_explained": (
        "凭案件编号，任何人都可以查询办理进度。",
        "With the case number anyone can follow the case.",
    ),
    "portal.key_explained": (
        "凭证码只显示这一次，请截图或抄写保存。结案后凭它评价办理结果，或在结案 {days} 天内申请重新办理。",
        "The receipt key is shown only this once: take a screenshot or write it down. "
        "After closure it lets you rate the result, or reopen the case within {days} days.",
    ),
    "portal.own_explained": (
        "您已登录，可在「市民服务」首页查看自己的案件，评价或重新办理无需凭证码。",
        "You are signed in: your cases are on the citizen services page, "
        "and rating or reopening needs no key.",
    ),
    "portal.see_progress": ("查看办理进度", "See its progress"),
    "portal.report_another": ("再报一件", "Report another"),
    "portal.department": ("责任部门", "Responsible department"),
    "portal.proposed": ("（拟派遣）", "(proposed)"),
    "portal.rating": ("满意度评价", "Satisfaction"),
    "portal.rating_round": ("第 {n} 次结案", "Closure {n}"),
    "portal.stars": ("评分", "Stars"),
    "portal.star_labels": (
        "1 很不满意,2 不满意,3 一般,4 满意,5 很满意",
        "1 very poor,2 poor,3 fair,4 good,5 very good",
    ),
    "portal.comment": ("意见（可选，仅工作人员可见）", "Comment (optional, seen by staff only)"),
    "portal.rate": ("提交评价", "Send the rating"),
    "portal.rated": ("感谢您的评价。", "Thank you for your rating."),
    "portal.reopen": ("申请重新办理", "Reopen the case"),
    "portal.reopen_hint": (
        "问题没有解决？结案后 {days} 天内（{until} 之前）可以申请重新办理。",
        "Not solved? You may reopen the case within {days} days of closure (until {until}).",
    ),
    "portal.reopen_closed": (
        "重新办理的期限（结案后 {days} 天）已过。",
        "The time to reopen ({days} days after closure) has passed.",
    ),
    "portal.reason": ("原因", "Reason"),
    "portal.reopened": (
        "案件已重新打开，将重新派遣处理。",
        "The case is open again and will be dispatched anew.",
    ),
    "portal.key_input": ("凭证码（上报时获得）", "Receipt key (given when you reported)"),
    "portal.no_key_needed": ("这是您本人上报的案件，无需凭证码。", "You reported this case: no key needed."),
    "portal.no_receipt": (
        "该案件不是通过市民服务匿名上报的，评价和重新办理请登录本人账户。",
        "This case was not reported anonymously on the portal; "
        "sign in with your account to rate or reopen it.",
    ),
    "portal.closed_on": ("结案日期", "Closed on"),
    "portal.csv": ("下载CSV", "Download CSV"),
    "portal.days": ("时间范围", "Period"),
    "portal.last_days": ("近 {n} 天", "last {n} days"),
    "portal.truncated": ("只显示最近的 {n} 件。", "Only the latest {n} are shown."),
    "portal.search_classes": ("按名称或编码查询", "Search by name or code"),
    "portal.standard": ("标准", "Standard"),
    "portal.all_standards": ("全部标准", "All standards"),
    "portal.area": ("所在区域", "Area"),
    "portal.any_area": ("全市（部门名称按所在区、街道）", "Whole city (departments by district / street)"),
    "portal.whole_district": ("全区", "whole district"),
    "portal.code": ("编码", "Code"),
    "portal.name": ("名称", "Name"),
    "portal.cooperating": ("配合单位", "Cooperating units"),
    "portal.varies": (
        "部分区、街道另有规定，请选择所在区域查看。",
        "Some areas differ: choose the area to see them.",
    ),
    "portal.steps": ("办理流程", "Steps"),
    "portal.steps_line": (
        "受理 → 立案 → 派遣 → 处置 → 核查 → 结案",
        "accept → file → dispatch → dispose → check → close",
    ),
    "portal.stage.accept": ("受理", "Accept"),
    "portal.stage.verify": ("核实", "Verify"),
    "portal.stage.file": ("立案", "File"),
    "portal.stage.dispatch": ("派遣", "Dispatch"),
    "portal.stage.dispose": ("处置", "Dispose"),
    "portal.stage.check": ("核查", "Check"),
    "portal.stage.close": ("结案", "Close"),
    "portal.urgent": ("紧急", "urgent"),
    "portal.limits_note": (
        "时限从上一环节完成时起算；“工作小时”“工作日”只计工作时间，节假日不计；“分钟”“小时”连续计算。"
        "每个环节各有时限，迟延记在该环节的承办人；核查不合格返工的，返工时限为处置时限的一半。"
        "紧急案件适用括号内的时限。",
        "Each limit runs from the end of the previous step; working hours and days count working time only; "
        "minutes and hours run continuously. Every step has its own limit, and lateness is charged to "
        "whoever holds the step; a failed check gives half the disposal limit for the rework. Urgent cases "
        "have the limit in brackets.",
    ),
    "portal.filing": ("立案条件", "Filing criteria"),
    "portal.closing": ("结案条件", "Closing criteria"),
    "portal.count": ("共 {n} 类", "{n} classes"),
    "portal.public_note": (
        "列出的是本市设为“向公众开放”的类别（治安线索等不公开）；市民上报时可从中选择。",
        "Listed are the classes the city opened to the public (not e.g. public-security leads); "
        "citizens report in these.",
    ),
    "portal.kind.event": ("事件", "event"),
    "portal.kind.component": ("部件", "component"),
    # refusals, by the `reason` the service gives
    "portal.err.class_missing": ("请选择问题类别。", "Choose the kind of problem."),
    "portal.err.class_unknown": (
        "所选类别不存在或不接受市民上报，请重新选择。",
        "That class does not exist or is not open to the public; choose again.",
    ),
    "portal.err.place_missing": ("请在地图上点选问题位置。", "Tap the place of the problem on the map."),
    "portal.err.place_outside": (
        "所选位置不在本市范围内，请重新点选。",
        "The place is outside the city; choose another.",
    ),
    "portal.err.description_missing": ("请简单描述问题。", "Describe the problem in a few words."),
    "portal.err.description_long": (
        "问题描述不能超过 {limit} 字。",
        "The description may have at most {limit} characters.",
    ),
    "portal.err.contact_name": (
        "请填写联系人（1–40 字），或选择匿名上报。",
        "Give a name (1–40 characters) or stay anonymous.",
    ),
    "portal.err.contact_phone": (
        "电话号码格式不对：请填写 5–20 位数字，可含“+”“-”。",
        "That is not a phone number: 5–20 digits, '+' and '-' allowed.",
    ),
    "portal.err.photos_count": ("照片最多 {limit} 张。", "At most {limit} photos."),
    "portal.err.photo_size": (
        "照片“{name}”超过 {limit} MB。",
        "The photo '{name}' is larger than {limit} MB.",
    ),
    "portal.err.photo_type": (
        "“{name}”不是 JPEG、PNG 或 WebP 格式的照片。",
        "'{name}' is not a JPEG, PNG or WebP photo.",
    ),
    "portal.err.form_damaged": (
        "表单已失效，请刷新页面后重试。",
        "The form is no longer valid; reload the page and try again.",
    ),
    "portal.err.key_missing": (
        "请输入上报时获得的凭证码。",
        "Enter the receipt key you were given when you reported.",
    ),
    "portal.err.key_wrong": ("凭证码与该案件不符。", "The receipt key does not match this case."),
    "portal.err.rate_not_closed": ("案件结案后才能评价。", "A case can be rated once it is closed."),
    "portal.err.stars": ("请选择 1 到 5 星。", "Choose 1 to 5 stars."),
    "portal.err.comment_long": (
        "意见不能超过 {limit} 字。",
        "The comment may have at most {limit} characters.",
    ),
    "portal.err.rated_twice": (
        "这次结案已经评价过了，每次结案只能评价一次。",
        "This closure was rated already: one rating per closure.",
    ),
    "portal.err.reopen_not_closed": (
        "只有已结案的案件可以申请重新办理。",
        "Only a closed case can be reopened.",
    ),
    "portal.err.reopen_window": (
        "已超过结案后 {days} 天的期限，不能再申请重新办理；如问题仍在，请重新上报。",
        "More than {days} days have passed since closure: the case cannot be reopened; "
        "report the problem anew.",
    ),
    "portal.err.reason_missing": ("请说明问题为什么没有解决。", "Say why the problem is not solved."),
    "portal.err.reason_long": (
        "原因不能超过 {limit} 字。",
        "The reason may have at most {limit} characters.",
    ),
    "portal.err.stale": (
        "案件刚刚有了新进展，请查看后再试。",
        "The case changed a moment ago; look at it and try again.",
    ),
    "portal.err.area_unknown": ("没有这个区或街道。", "No such district or street."),
}
i18n.add_words(_WORDS)

MAP_DAYS = (7, 30, 90)


def _message(request: Request, exc: DomainError) -> str:
    """The refusal in the visitor's language when the portal has words for it, else as raised."""
    reason = exc.details.get("reason")
    key = f"portal.err.{reason}"
    if key not in _WORDS:
        return exc.message
    text = i18n.translator(i18n.language(request))(key)
    try:
        return str(text.format(**{k: v for k, v in exc.details.items() if k != "reason"}))
    except (KeyError, IndexError, ValueError):
        return str(text)


def _viewer(platform: Platform, request: Request) -> Any:
    return session.current_user(platform, request)


def _public_face(user: Principal) -> Any:
    """Whom the public tracking page names in its header: a citizen sees their own account; staff
    see the page exactly as the public does (no staff name anywhere on it)."""
    return user if user is not None and user.role == Role.CITIZEN else None


def limit_text(duration: Duration, lang: str) -> str:
    """'4 个工作小时', '30 分钟', '1 小时' (calendar) — as a person reads a time limit."""
    amount = duration.amount
    if duration.unit == TimeUnit.MINUTES and amount >= 60 and amount % 60 == 0:
        hours = int(amount // 60)
        return f"{hours} 小时" if lang == "zh" else f"{hours} hour{'s' if hours != 1 else ''}"
    n = int(amount) if amount == int(amount) else amount
    if lang == "zh":
        return {TimeUnit.MINUTES: f"{n} 分钟", TimeUnit.WORK_HOURS: f"{n} 个工作小时"}.get(
            duration.unit, f"{n} 个工作日"
        )
    word = {TimeUnit.MINUTES: "minute", TimeUnit.WORK_HOURS: "working hour"}.get(duration.unit, "working day")
    return f"{n} {word}{'s' if n != 1 else ''}"


def _json(content: Any, max_age: int = 0) -> Response:
    headers = {"Cache-Control": f"public, max-age={max_age}"} if max_age else {"Cache-Control": "no-cache"}
    return Response(orjson.dumps(content), media_type="application/json", headers=headers)


# --- home ----------------------------------------------------------------------------------


@router.get("/portal")
def portal_home(request: Request, platform: PlatformDep) -> HTMLResponse:
    user = _viewer(platform, request)
    with platform.sessions() as db:
        counts = public.recent_counts(platform, db, 30)
        mine = public.own_cases(platform, db, user) if user and user.role == Role.CITIZEN else None
    return render(request, "public/home.html", user=user, counts=counts, days=30, mine=mine)


# --- report on a map -----------------------------------------------------------------------

_TYPED = ("class_ref", "lon", "lat", "description", "contact", "contact_name", "contact_phone", "client_key")


def _class_groups(classes: list[ClassDef], lang: str) -> list[tuple[str, list[ClassDef]]]:
    groups: dict[str, list[ClassDef]] = {}
    for c in classes:
        kind = i18n.translator(lang)(f"portal.kind.{c.kind}")
        groups.setdefault(f"{c.major_name}（{kind}） · {c.standard}", []).append(c)
    return list(groups.items())


def _report_page(
    request: Request,
    platform: Platform,
    user: Principal,
    typed: Mapping[str, str],
    error: str | None = None,
    status_code: int = 200,
    photos_lost: bool = False,
) -> HTMLResponse:
    with platform.sessions() as db:
        classes = public.public_classes(platform, db)
        bounds = public.city_bounds(db)
    return render(
        request,
        "public/report.html",
        status_code=status_code,
        user=user,
        groups=_class_groups(classes, i18n.language(request)),
        typed=typed,
        client_key=typed.get("client_key") or secrets.token_hex(16),
        error=error,
        photos_lost=photos_lost,
        bounds=bounds,
        tiles=platform.settings.map_tiles_url,
        max_photos=public.MAX_PHOTOS,
        own_account=user is not None and user.role == Role.CITIZEN,
    )


@router.get("/portal/report")
def report_form(request: Request, platform: PlatformDep) -> HTMLResponse:
    return _report_page(request, platform, _viewer(platform, request), {})


def _coordinate(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return float("nan")  # typed, but not a number: refused as not a place


@router.post("/portal/report")
async def report_submit(request: Request, platform: PlatformDep) -> Response:
    form = await request.form()
    session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
    user = _viewer(platform, request)
    typed = {k: str(form.get(k, ""))[:5000] for k in _TYPED}
    try:  # per client address, before any photo is read (GRIDCITY_PORTAL_REPORT_RATE)
        platform.intake_limits.hit(rate_limits.PORTAL_REPORT, request.client.host if request.client else "")
    except TooManyRequests as exc:
        chosen = any(not isinstance(value, str) for _key, value in form.multi_items())
        page = _report_page(request, platform, user, typed, exc.message, 429, photos_lost=chosen)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    photos = await read_photos(form, platform.settings.max_upload_bytes, max_count=public.MAX_PHOTOS)
    named = typed["contact"] == "named"
    report = public.PublicReport(
        class_ref=typed["class_ref"],
        lon=_coordinate(typed["lon"]),
        lat=_coordinate(typed["lat"]),
        description=typed["description"],
        anonymous=not named,
        contact_name=typed["contact_name"] if named else "",
        contact_phone=typed["contact_phone"] if named else "",
        photos=photos,
        client_key=typed["client_key"] or None,
    )

    def work() -> Response:
        with platform.sessions() as db:
            try:
                receipt = public.report(platform, db, user, report)
            except DomainError as exc:
                # the citizen sees why, with everything typed still there (the photos must be re-chosen)
                return _report_page(
                    request,
                    platform,
                    user,
                    typed,
                    error=_message(request, exc),
                    status_code=exc.status_code,
                    photos_lost=bool(photos),
                )
        return render(
            request,
            "public/receipt.html",
            status_code=201 if receipt.created else 200,
            user=user,
            number=receipt.number,
            key=public.format_key(receipt.key) if receipt.key else None,
            created=receipt.created,
            reopen_days=platform.settings.reopen_days,
        )

    return await platform.run_write(work)


@router.get("/portal/locate.json")
def locate(
    platform: PlatformDep,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> Response:
    """The district, street and community at a point, for the report form's feedback."""
    with platform.sessions() as db:
        state = platform.territory(db)
        try:
            place = state.locate(lon, lat)
        except DomainError:
            return Response(orjson.dumps({"inside": False}), status_code=404, media_type="application/json")
    names = [state.names.get(c) for c in (place.district_code, place.street_code, place.community_code) if c]
    return _json({"inside": True, "names": [n for n in names if n]})


@router.get("/portal/boundaries.geojson")
def boundaries(
    platform: PlatformDep,
    level: Annotated[str, Query(pattern="^(district|street|community)$")] = "district",
    parent: Annotated[str | None, Query(pattern="^[0-9]{6}([0-9]{3})?$")] = None,
) -> Response:
    """District outlines, the streets of a district, or the communities of a street (one parent
    at a time below the district level): the public maps' vector base layer, names and codes only."""
    if level != "district" and parent is None:
        raise Invalid(message("map.parent_needed"))
    with platform.sessions() as db:
        return _json(public.boundaries(db, level, parent), max_age=3600)


# --- following a case: /track, rating, reopening --------------------------------------------


@router.get("/track")
def track(
    request: Request,
    platform: PlatformDep,
    number: Annotated[str | None, Query(max_length=30)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """A citizen follows a case by its number: state and public history, no personal data; after
    closure the reporter may rate it or, within the reopen window, reopen it."""
    user = _viewer(platform, request)
    if not number:
        return render(request, "public/track.html", number="", user=_public_face(user))
    with platform.sessions() as db:
        case = public.case_by_number(platform, db, number)
        if case is None:
            return render(
                request,
                "public/track.html",
                number=number,
                not_found=True,
                status_code=404,
                user=_public_face(user),
            )
        view = public.public_view(platform, db, case, user)
    return _track_render(request, platform, user, number, view, done=done)


def _track_render(
    request: Request,
    platform: Platform,
    user: Principal,
    number: str,
    view: dict[str, Any],
    done: str | None = None,
    errors: Mapping[str, str] | None = None,
    typed: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "public/track.html",
        status_code=status_code,
        user=_public_face(user),
        number=number,
        case=view,
        done=done if done in ("rated", "reopened") else None,
        errors=errors or {},
        typed=typed or {},
        reopen_days=platform.settings.reopen_days,
        star_labels=i18n.translator(i18n.language(request))("portal.star_labels").split(","),
    )


async def _track_action(request: Request, platform: Platform, which: str) -> Response:
    form = await request.form()
    session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
    user = _viewer(platform, request)
    typed = {
        k: str(form.get(k, ""))[:2000] for k in ("number", "stars", "comment", "key", "reason", "version")
    }
    number = typed["number"].strip()[:30]

    def work() -> Response:
        with platform.sessions() as db:
            case = public.case_by_number(platform, db, number)
            if case is None:
                return render(
                    request,
                    "public/track.html",
                    number=number,
                    not_found=True,
                    status_code=404,
                    user=_public_face(user),
                )
            try:
                if which == "rate":
                    public.rate(platform, db, case, typed["stars"], typed["comment"], typed["key"], user)
                else:
                    try:
                        version = int(typed["version"])
                    except ValueError:
                        raise Invalid(message("page.form_damaged"), reason="form_damaged") from None
                    public.reopen(platform, db, case, version, typed["reason"], typed["key"], user)
            except DomainError as exc:
                db.rollback()
                view = public.public_view(
                    platform, db, public.case_by_number(platform, db, number) or case, user
                )
                return _track_render(
                    request,
                    platform,
                    user,
                    number,
                    view,
                    errors={which: _message(request, exc)},
                    typed=typed,
                    status_code=exc.status_code,
                )
        done = "rated" if which == "rate" else "reopened"
        return RedirectResponse(f"/track?number={number}&done={done}#{which}", status_code=303)

    return await platform.run_write(work)


@router.post("/track/rate")
async def track_rate(request: Request, platform: PlatformDep) -> Response:
    return await _track_action(request, platform, "rate")


@router.post("/track/reopen")
async def track_reopen(request: Request, platform: PlatformDep) -> Response:
    return await _track_action(request, platform, "reopen")


# --- the public map of recent cases ---------------------------------------------------------


def _days(days: int) -> int:
    if days not in MAP_DAYS:
        raise Invalid(message("list.map_days", days=", ".join(map(str, MAP_DAYS))))
    return days


@router.get("/portal/map")
def public_map(request: Request, platform: PlatformDep, days: int = 30) -> HTMLResponse:
    days = _days(days)
    with platform.sessions() as db:
        bounds = public.city_bounds(db)
        counts = public.recent_counts(platform, db, days)
    return render(
        request,
        "public/map.html",
        user=_viewer(platform, request),
        bounds=bounds,
        tiles=platform.settings.map_tiles_url,
        days=days,
        day_choices=MAP_DAYS,
        counts=counts,
        max_cases=public.MAP_MAX_CASES,
    )


@router.get("/portal/cases.geojson")
def cases_geojson(request: Request, platform: PlatformDep, days: int = 30) -> Response:
    """Recent cases for the public map: number, class, state, street, report date; coordinates
    rounded to about 100 m. Never descriptions, contacts, names or photos."""
    days = _days(days)
    lang = i18n.language(request)
    with platform.sessions() as db:
        rows, truncated = public.recent_cases(platform, db, days)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {
                "number": r["number"],
                "class_name": r["class_name"],
                "state": r["state"],
                "state_label": i18n.state_label(r["state"], lang),
                "street": r["street"],
                "reported_on": r["reported_on"],
            },
        }
        for r in rows
    ]
    return _json({"type": "FeatureCollection", "features": features, "truncated": truncated}, max_age=60)


@router.get("/portal/cases.csv")
def cases_csv(request: Request, platform: PlatformDep, days: int = 30) -> Response:
    days = _days(days)
    lang = i18n.language(request)
    with platform.sessions() as db:
        rows, _ = public.recent_cases(platform, db, days)
    header = ["number", "class_name", "state", "state_label", "street", "reported_on", "lon", "lat"]
    return csv_response(
        f"gridcity-public-cases-{days}d.csv",
        header,
        (
            [
                r["number"],
                r["class_name"],
                r["state"],
                i18n.state_label(r["state"], lang),
                r["street"],
                r["reported_on"],
                r["lon"],
                r["lat"],
            ]
            for r in rows
        ),
    )


# --- the published class list ---------------------------------------------------------------


@router.get("/portal/classes")
def classes_page(
    request: Request,
    platform: PlatformDep,
    q: Annotated[str | None, Query(max_length=50)] = None,
    standard: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=9)] = None,
    page: PageParam = 1,
) -> HTMLResponse:
    lang = i18n.language(request)
    error, status_code = None, 200
    with platform.sessions() as db:
        try:
            entries = public.class_entries(platform, db, q, standard or None, area or None)
        except DomainError as exc:
            error, status_code = _message(request, exc), exc.status_code
            entries = public.class_entries(platform, db, q, standard or None, None)
            area = None
        areas = public.areas(platform, db)
        standards = list(dict.fromkeys(c.standard for c in public.public_classes(platform, db)))
    paging = Paging.of(page, CLASSES_PAGE, len(entries))
    return render(
        request,
        "public/classes.html",
        status_code=status_code,
        user=_viewer(platform, request),
        entries=paging.rows(entries),
        paging=paging,
        q=q or "",
        standard=standard or "",
        area=area or "",
        areas=areas,
        standards=standards,
        stages=public.STAGES,
        limit_text=lambda d: limit_text(d, lang),
        error=error,
    )


@router.get("/portal/classes.csv")
def classes_csv(
    request: Request,
    platform: PlatformDep,
    q: Annotated[str | None, Query(max_length=50)] = None,
    standard: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=9)] = None,
) -> Response:
    lang = i18n.language(request)
    with platform.sessions() as db:
        entries = public.class_entries(platform, db, q, standard or None, area or None)
    header = [
        "standard",
        "kind",
        "code",
        "name",
        "major_name",
        "network",
        "responsible_department",
        "cooperating_units",
        *(f"limit_{s.value}" for s in public.STAGES),
        *(f"urgent_limit_{s.value}" for s in public.STAGES),
        "filing_criteria",
        "closing_criteria",
    ]
    rows = (
        [
            e.cls.standard,
            e.cls.kind,
            e.cls.code,
            e.cls.name,
            e.cls.major_name,
            e.cls.network,
            e.owner,
            "；".join(e.cooperating),
            *(limit_text(e.limits[s], lang) for s in public.STAGES),
            *(limit_text(e.urgent_limits[s], lang) if s in e.urgent_limits else None for s in public.STAGES),
            e.cls.filing_criteria,
            e.cls.closing_criteria,
        ]
        for e in entries
    )
    return csv_response("gridcity-public-classes.csv", header, rows)
