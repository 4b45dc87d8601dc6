"""The command-centre console: work queues, the console map, the case page with its action
forms, and the notification bell. They call the same services as the JSON API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

from gridcity.db.models import Case, User
from gridcity.db.queries import SORTS, CaseFilter
from gridcity.domain.components import ComponentState
from gridcity.domain.errors import DomainError, Forbidden, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import NETWORKS
from gridcity.domain.workflow import CaseState, Role
from gridcity.services import (
    attachments,
    case_clock,
    case_contact,
    cases,
    notifications,
    patrol,
    public,
    supervisor_grids,
    territory,
)
from gridcity.services.access import territory_covers, visibility_clause
from gridcity.services.platform import Platform
from gridcity.web import case_words, casework, i18n, map_data, session  # noqa: F401 (case_words: the case page's words)
from gridcity.web.pages import (
    PAGE_SIZE,
    CasePath,
    PageUser,
    PlatformDep,
    back,
    csv_response,
    read_photos,
    render,
)
from gridcity.web.queues import CSV_HEADER, QUEUES, case_row, csv_row, english_class_name, queue_counts

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "map.patrolled": ("今日巡查网格", "Grids patrolled today"),
        "map.patrolled_legend": ("今日有监督员到过", "a supervisor was there today"),
        "map.patrolled_count": ("今日已巡查 {n} 个网格", "{n} grids patrolled today"),
        # the reporter and their callback contact on the case page (services.case_contact)
        "contact.reporter": ("上报人", "Reported by"),
        "contact.left": ("留有联系方式", "contact left"),
        "contact.anonymous": ("匿名", "anonymous"),
        "contact.title": ("回访联系方式", "Callback contact"),
        "contact.name": ("联系人", "Name"),
        "contact.phone": ("电话", "Phone"),
        "contact.masked_hint": (
            "联系方式已隐去部分内容。查看完整信息须填写事由，查看人、时间和事由记入个人信息访问日志。",
            "The contact is partly hidden. Seeing it in full needs a reason; who, when and why are "
            "written to the personal-data access log.",
        ),
        "contact.reason": ("查看事由", "Reason"),
        "contact.reveal": ("查看完整联系方式", "Show the full contact"),
        "contact.revealed_hint": (
            "本次查看已记入个人信息访问日志。",
            "This read is in the personal-data access log.",
        ),
        "contact.channel.supervisor": ("监督员上报", "Supervisor report"),
        "contact.channel.citizen": ("市民上报", "Citizen report"),
        "contact.channel.hotline": ("12345热线", "12345 hotline"),
        "contact.channel.sensor": ("视频/物联感知", "Video / IoT sensor"),
        "contact.channel.higher_level": ("上级交办", "Assigned from above"),
        "contact.channel.media": ("媒体曝光", "Media report"),
    }
)
# What the console map hides unless asked: cases whose loop has ended.
FINAL_STATES = (CaseState.CLOSED, CaseState.REJECTED, CaseState.VOID)


# --- work queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueQuery:
    """What the person chose on the queue page; the same choice drives its CSV download."""

    queue: str = "all"
    sort: str = "deadline"
    q: str = ""
    street: str = ""
    network: str = ""
    class_code: str = ""
    overdue: bool = False
    page: int = 1

    def params(self, **changes: Any) -> str:
        """The query string of this choice, with some values changed (for links)."""
        chosen = {**asdict(self), **changes}
        return urlencode(
            {k: ("1" if v is True else v) for k, v in chosen.items() if v not in ("", False, None)}
        )


def queue_query(
    queue: str = "all",
    sort: str = "deadline",
    q: Annotated[str, Query(max_length=100)] = "",
    street: Annotated[str, Query(max_length=12)] = "",
    network: Annotated[str, Query(max_length=20)] = "",
    class_code: Annotated[str, Query(max_length=12)] = "",
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> QueueQuery:
    if queue not in QUEUES:
        raise Invalid(message("queue.unknown", queue=queue, queues=", ".join(QUEUES)))
    if sort not in SORTS:
        raise Invalid(message("list.unknown_sort", sort=sort, sorts=", ".join(SORTS)))
    if network and network not in NETWORKS:
        raise Invalid(message("list.unknown_network", network=network, networks=", ".join(NETWORKS)))
    return QueueQuery(queue, sort, q.strip(), street, network, class_code.strip(), overdue, page)


QueueQueryDep = Annotated[QueueQuery, Depends(queue_query)]


def _queue_filter(user: Principal, query: QueueQuery, platform: Platform) -> CaseFilter:
    numbered = platform.case_id_from_number(query.q)
    return CaseFilter(
        states=[s.value for s in QUEUES[query.queue]],
        sort=query.sort,
        ids=[numbered] if numbered is not None else [],
        text=None if numbered is not None else (query.q or None),
        street_code=query.street or None,
        network=query.network or None,
        class_codes=[query.class_code] if query.class_code else [],
        overdue=True if query.overdue else None,
        extra=[visibility_clause(user)],
    )


def _streets(platform: Platform, db: Any, user: Principal) -> list[tuple[str, str]]:
    """The streets a filter may choose: those inside this person's area."""
    scope = user.org_unit.scope_code if user.org_unit.kind != "department" else ""
    names = platform.territory(db).names
    return sorted((code, name) for code, name in names.items() if len(code) == 9 and code.startswith(scope))


@router.get("/work")
def work_queue(request: Request, platform: PlatformDep, user: PageUser, query: QueueQueryDep) -> HTMLResponse:
    now = platform.now()
    with platform.sessions() as db:
        by_state = dict(
            db.execute(
                select(Case.state, func.count()).where(visibility_clause(user)).group_by(Case.state)
            ).all()
        )
        flt = _queue_filter(user, query, platform)
        total = db.scalar(flt.count(now)) or 0
        offset = (query.page - 1) * PAGE_SIZE
        page = db.scalars(flt.select(now).offset(offset).limit(PAGE_SIZE))
        rows = [case_row(platform, db, c) for c in page]
        streets = _streets(platform, db, user)
        bulk = casework.bulk_actions(query.queue, user)
        t = i18n.translator(i18n.language(request))
        names = platform.territory(db).names
        departments = casework.area_departments(db, t, names, user) if "dispatch" in bulk else []
    return render(
        request,
        "work/queue.html",
        user=user,
        query=query,
        counts=queue_counts(by_state),
        queues=list(QUEUES),
        rows=rows,
        total=total,
        first=offset + 1,
        last=offset + len(rows),
        has_next=offset + len(rows) < total,
        streets=streets,
        networks=NETWORKS,
        bulk=bulk,
        departments=departments,
    )


@router.get("/work.csv")
def work_queue_csv(platform: PlatformDep, user: PageUser, query: QueueQueryDep) -> Response:
    """The queue as CSV: every case of the filter, not only the page shown."""
    with platform.sessions() as db:
        flt = _queue_filter(user, query, platform)
        rows = [csv_row(platform, db, case) for case in db.scalars(flt.select(platform.now()))]
    return csv_response(f"gridcity-{query.queue}.csv", CSV_HEADER, rows)


# --- notifications -------------------------------------------------------------------------

SEEN_COOKIE = "gridcity_seen"


@router.get("/notifications/panel")
def notifications_panel(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    """The bell of every staff page, refreshed by htmx: what this person must still do (done tasks
    and ended stages leave it; notes stay until marked read), and how many."""
    try:
        seen = int(request.cookies.get(SEEN_COOKIE, "0"))
    except ValueError:
        seen = 0
    with platform.sessions() as db:
        # what is still to do, and the notes not yet marked read (the cookie is the read mark)
        items = list(notifications.for_user(db, user, limit=8, seen=seen))
        unseen = notifications.count_for_user(db, user, seen=seen)
    return render(request, "work/notifications.html", items=items, seen=seen, unseen=unseen)


@router.get("/notifications/seen", response_model=None)
def notifications_seen(
    request: Request, up_to: Annotated[int, Query(ge=0, le=2**63 - 1)]
) -> RedirectResponse:
    response = back(request)
    session.set_cookie(request, response, SEEN_COOKIE, str(up_to), max_age=365 * 86400)
    return response


# --- the console map -----------------------------------------------------------------------


@router.get("/map")
def console_map(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    """The map of the user's area: boundaries, grids at high zoom, cases by traffic light."""
    scope = user.org_unit.scope_code
    with platform.sessions() as db:
        bounds = territory.area_bounds(db, scope)
        beside = map_data.page_context(platform, db, user)  # the list's filters, the wall's link
    if bounds is None:
        raise Invalid(message("page.no_territory"))
    return render(
        request,
        "work/map.html",
        **beside,
        user=user,
        bounds=bounds,
        scope=scope,
        open_states=",".join(s.value for s in CaseState if s not in FINAL_STATES),
        tiles=platform.settings.map_tiles_url,
        component_states=[s.value for s in ComponentState],
    )


@router.get("/map/patrolled.geojson")
def patrolled_today(platform: PlatformDep, user: PageUser) -> Response:
    """The unit grids patrolled today in the user's area (巡查, services.patrol), each with the
    supervisors who were there: the console map's patrol layer."""
    if user.role in (Role.CITIZEN, Role.HANDLER) or user.org_unit.kind == "department":
        raise Forbidden(message("page.staff_only"))
    with platform.sessions() as db:
        visited = patrol.patrolled_on(
            platform, db, patrol.today(platform, db), str(user.org_unit.scope_code or "")
        )
        body = patrol.patrolled_geojson(db, visited)
    return JSONResponse(body, media_type="application/geo+json")


# --- the case page -------------------------------------------------------------------------


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    case_id: CasePath,
    queue: Annotated[str, Query(max_length=20)] = "",
    done: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """A case; `queue` is the queue it was opened from (its "next case"), `done` the action the
    person has just taken (the confirmation)."""
    with platform.sessions() as db:
        return _case_page(request, platform, db, user, case_id, queue=queue, done=done)


def _case_page(
    request: Request,
    platform: Platform,
    db: Any,
    user: Principal,
    case_id: int,
    error: str | None = None,
    status_code: int = 200,
    revealed: dict[str, Any] | None = None,
    contact_error: str | None = None,
    queue: str = "",
    done: str = "",
) -> HTMLResponse:
    case = cases.get_case(db, user, case_id)
    lang = i18n.language(request)
    came_from = casework.known_queue(queue, user)
    actions = cases.available_actions(platform, user, case)
    clock = case_clock.case_clock(platform, db, case)
    reporter = db.get(User, case.reporter_id) if case.reporter_id is not None else None
    names = platform.territory(db).names
    return render(
        request,
        "work/case.html",
        status_code=status_code,
        user=user,
        case=case,
        number=platform.case_number(case),
        state=CaseState(case.state),
        clock=clock,
        street=names.get(case.street_code, case.street_code),
        community=names.get(case.community_code or "", case.community_code),
        department=platform.unit_ref(db, case.department_id),
        proposed=platform.unit_ref(db, case.proposed_department_id),
        history=case.events,
        photo_checks=attachments.photo_checks(platform, case),
        photo_required=platform.catalogue(db).find(case.class_code, case.standard, case.kind).photo_required,
        ratings=public.ratings(db, case),
        actions=actions,
        choices=_choices(platform, db, case, lang, actions),
        queue=came_from,
        next_id=casework.next_case_id(platform, db, user, came_from, case.id) if came_from else None,
        flash=casework.confirmation(case, user, done, lang),
        printed_at=platform.now(),
        urgency_label=casework.urgency_label(i18n.translator(lang), case.urgency),
        tiles=platform.settings.map_tiles_url,
        error=error,
        reporter_name=reporter.display_name if reporter is not None else None,
        anonymous=case_contact.anonymous(case, reporter.display_name if reporter is not None else None),
        contact=revealed or case_contact.contact_view(platform, user, case),
        has_contact=case_contact.has_contact(case),
        contact_error=contact_error,
        history_name=lambda name: case_contact.actor_name(name, case),
        class_name_en=english_class_name(platform, db, case),
    )


@router.post("/cases/{case_id}/contact")
async def reveal_contact(
    request: Request, platform: PlatformDep, user: PageUser, case_id: CasePath
) -> Response:
    """The reporter's contact in clear on the case page, with a reason, logged; refused in Chinese
    on the same page without one."""
    form = await request.form()
    session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
    reason = str(form.get("reason", ""))

    def work() -> Response:
        with platform.sessions() as db:
            try:
                found = case_contact.reveal_contact(platform, db, user, case_id, reason)
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                refused = exc.message
                return _case_page(
                    request, platform, db, user, case_id, contact_error=refused, status_code=exc.status_code
                )
            page = _case_page(request, platform, db, user, case_id, revealed=found)
        page.headers["Cache-Control"] = "no-store"  # personal data in clear: never kept by a cache
        return page

    return await platform.run_write(work)


def _choices(platform: Platform, db: Any, case: Case, lang: str, actions: list[Any]) -> dict[str, Any]:
    """What the action forms offer to pick from: only what the forms the person sees ask for."""
    t = i18n.translator(lang)
    wanted = {f for a in actions for f in a.fields} | {a.action.value for a in actions}
    cls = platform.catalogue(db).find(case.class_code, case.standard, case.kind)
    others = [n for n in NETWORKS if n != case.network]
    choices: dict[str, Any] = {
        "class_ref": cls.ref,
        "closing_types": casework.closing_types(),
        "roles": [r for r in Role if r is not Role.CITIZEN],
        "networks": others,
        "urgencies": [(level, casework.urgency_label(t, level)) for level in cls.urgency_levels],
        "reason_actions": {a.value for a in casework.REASON_ACTIONS},
    }
    if "assignee_id" in wanted:
        choices["supervisors"] = [
            u
            for u in db.scalars(select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True)))
            if territory_covers(
                u.org_unit.scope_code, case.district_code, case.street_code, case.community_code
            )
        ]
        # preselected in the verify/check forms: the supervisor of the case's grid (责任网格)
        holder = supervisor_grids.default_supervisor(db, case.grid_code)
        choices["grid_supervisor_id"] = holder.id if holder is not None else None
    if "department_id" in wanted:
        # the department pickers: grouped by tier and kind, the routing's suggestions preselected
        lead, cooperating = cases.suggested_departments(platform, db, case)
        choices["departments"] = casework.case_departments(db, t, platform.territory(db).names, case)
        choices["suggested_id"] = str(lead) if lead is not None else ""
        choices["cooperating_ids"] = {str(d) for d in cooperating}
    # 立案 corrects the class within the case's network and standard; 转办 names another network's
    if "file" in wanted:
        choices["classes"] = casework.class_groups(
            platform, db, lang, [case.network], case.standard, case.kind
        )
    if "transfer" in wanted:
        choices["transfer_classes"] = casework.class_groups(platform, db, lang, others)
    return choices


_FORM_FIELDS = (
    "assignee_id",
    "department_id",
    "extension",
    "closing_type",
    "network",
    "class_code",
    "urgency",
    "to_role",
    "verdict",
    "solved",
)


def _form_fields(form: Any) -> dict[str, Any]:
    """The action's fields as the service takes them: a class picked by its reference becomes its
    standard, kind and code; the 配合单位 picker names the assisting departments (none chosen: none),
    never the lead department itself."""
    fields: dict[str, Any] = {k: str(v) for k in _FORM_FIELDS if (v := form.get(k)) not in (None, "")}
    ref = str(form.get("class_ref", ""))
    if ref.count(":") >= 2:
        fields["standard"], fields["kind"], fields["class_code"] = ref.rsplit(":", 2)
    if "cooperating_ids" in form or form.get("cooperating_named"):
        lead = fields.get("department_id")
        fields["cooperating_ids"] = [str(v) for v in form.getlist("cooperating_ids") if str(v) != lead]
    return fields


@router.post("/cases/{case_id}/act")
async def act(request: Request, platform: PlatformDep, user: PageUser, case_id: CasePath) -> Response:
    form = await request.form()
    session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
    fields = _form_fields(form)
    queue = str(form.get("queue", ""))
    queue = queue if queue in QUEUES else ""
    action = str(form.get("action", ""))
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = -1
    photos = await read_photos(form, platform.settings.max_upload_bytes)

    def work() -> Response:
        with platform.sessions() as db:
            try:
                # photos first (each checked for size and type), then the action that names them
                if action == "transfer" and "network" not in fields and "class_code" in fields:
                    # 转办 to the network of the class chosen
                    chosen = platform.catalogue(db).find(
                        fields["class_code"], fields["standard"], fields["kind"]
                    )
                    fields["network"] = chosen.network
                ids = [attachments.store_upload(platform, db, user, name, data).id for name, data in photos]
                request_ = cases.ActionRequest(
                    action=action,
                    version=version,
                    note=str(form.get("note", "")),
                    fields=fields,
                    attachments=ids,
                )
                cases.transition(platform, db, user, case_id, request_)
            except DomainError as exc:
                # the person sees why, on the same page, with the case as it is now
                refused = exc.message
                return _case_page(
                    request,
                    platform,
                    db,
                    user,
                    case_id,
                    error=refused,
                    status_code=exc.status_code,
                    queue=queue,
                )
        # the case again, with the confirmation and the next case of the queue the person came from
        after = urlencode({k: v for k, v in (("queue", queue), ("done", action)) if v})
        return RedirectResponse(f"/cases/{case_id}?{after}", status_code=303)

    return await platform.run_write(work)
