"""The case loop: intake and every state change, each one transaction with its history row.

A state change happens only in `transition`: it checks the role and the state against the
workflow table, the caller's scope and the version the caller saw, applies the action's effects,
restarts or adjusts the stage clock, and appends the history row, the notifications and the outbox
message — all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Attachment, Case, CaseEvent, Notification, OrgUnit, User
from gridcity.db.queries import insert_change, insert_changes
from gridcity.domain import evidence
from gridcity.domain.clock import WorkingCalendar
from gridcity.domain.durations import Duration
from gridcity.domain.errors import Conflict, Forbidden, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.registry import StaffLayer
from gridcity.domain.rollups import CASE_INPUTS
from gridcity.domain.routing import check_transfer, route
from gridcity.domain.taxonomy import PHOTO_ACTIONS
from gridcity.domain.workflow import (
    DECISIONS,
    SYSTEM_ACTOR_NAME,
    SYSTEM_ACTOR_ROLE,
    CaseAction,
    CaseState,
    ClosingType,
    Role,
    Transition,
    actions_for,
    closing_type_for,
    system_transition,
    transition_for,
)
from gridcity.observability import metrics, request_id
from gridcity.services import (
    callbacks,
    case_clock,
    contact_store,
    notifications,
    outbox,
    rollups,
    supervisor_grids,
)
from gridcity.services.access import access_case, place_in_scope, territory_covers
from gridcity.services.attachments import StoredFile, link_attachments
from gridcity.services.components import records as components
from gridcity.services.platform import Platform


class Channel:
    """Where a report came from (docs/domain/workflow.md §Channels)."""

    SUPERVISOR = "supervisor"  # 监督员巡查
    CITIZEN = "citizen"  # 市民 web / mobile
    HOTLINE = "hotline"  # 12345
    SENSOR = "sensor"  # video / IoT
    HIGHER_LEVEL = "higher_level"  # 上级交办
    MEDIA = "media"

    ALL = (SUPERVISOR, CITIZEN, HOTLINE, SENSOR, HIGHER_LEVEL, MEDIA)
    LABELS_ZH = {
        SUPERVISOR: "监督员上报",
        CITIZEN: "市民上报",
        HOTLINE: "12345热线",
        SENSOR: "视频/物联感知",
        HIGHER_LEVEL: "上级交办",
        MEDIA: "媒体曝光",
    }


# Who may report through which channel: the operator registers reports of every outside channel.
_CHANNELS_OF_ROLE = {
    Role.SUPERVISOR: {Channel.SUPERVISOR},
    Role.CITIZEN: {Channel.CITIZEN},
    Role.OPERATOR: {Channel.CITIZEN, Channel.HOTLINE, Channel.SENSOR, Channel.HIGHER_LEVEL, Channel.MEDIA},
    Role.SHIFT_LEADER: {Channel.HIGHER_LEVEL, Channel.HOTLINE},
    Role.LEADER: {Channel.HIGHER_LEVEL},
    # a grid worker (网格员) reports what they find in their grid, as a supervisor on patrol does
    # (the service requests of its households: services.registry)
    Role.GRID_WORKER: {Channel.SUPERVISOR},
}


@dataclass
class Report:
    class_code: str
    lon: float
    lat: float
    description: str = ""
    channel: str | None = None
    client_key: str | None = None
    standard: str | None = None
    kind: str | None = None  # component | event: needed when both share the code
    urgency: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    attachments: Sequence[StoredFile] = ()
    # the component (部件) a component report is about, by its identity code; when not given, the
    # nearest of the reported class around the point is linked (services.components.records.link_for_report)
    component_code: str | None = None


@dataclass
class ActionRequest:
    action: str
    version: int
    note: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    attachments: Sequence[StoredFile] = ()


# --- intake -------------------------------------------------------------------------------


def report_case(
    platform: Platform,
    db: Session,
    user: Principal,
    report: Report,
    also: Callable[[Case], None] | None = None,
) -> tuple[Case, bool]:
    """Register a report. Returns (case, created); a repeated client_key returns the first case.
    `also`, when given, writes the caller's own rows about the new case (it has its id by then) in
    the same transaction: e.g. the registry's service request that became this case."""
    with unit_of_work(db):
        case, created = _report(platform, db, user, report, also)
    if created:  # committed: counted once, whatever the retries of the same client key
        metrics.CASES_REPORTED.labels(case.channel).inc()
    return case, created


def _report(
    platform: Platform,
    db: Session,
    user: Principal,
    report: Report,
    also: Callable[[Case], None] | None = None,
) -> tuple[Case, bool]:
    # A repeated client key is caught by the unique index at insert time (below), so the common
    # first delivery costs no extra query.
    role = Role(user.role)
    channel = report.channel or _default_channel(role)
    if channel not in Channel.ALL:
        raise Invalid(message("case.unknown_channel", channel=channel, channels=", ".join(Channel.ALL)))
    if channel not in _CHANNELS_OF_ROLE.get(role, set()):
        raise Forbidden(
            message(
                "case.channel_not_yours",
                role=role.value,
                channel=channel,
                role_zh=role.label_zh,
                channel_zh=Channel.LABELS_ZH.get(channel, channel),
            )
        )
    if len(report.description) > 4000:
        raise Invalid(message("case.long_description", limit="4,000"))

    book = platform.catalogue(db)
    cls = book.find(report.class_code, report.standard, report.kind)
    urgency = _urgency(cls, report.urgency)
    place = platform.territory(db).locate(report.lon, report.lat)  # raises outside the city
    if not place_in_scope(user, place.district_code, place.street_code, place.community_code):
        raise Forbidden(message("case.outside_territory"))

    now = platform.now()
    calendar = platform.calendar(db)
    state = CaseState.ACCEPTED if channel == Channel.SUPERVISOR else CaseState.REPORTED
    # Intake is the hot path: the new case is a plain record of its column values (cheaper than an
    # ORM object), written with plain INSERTs and handed back as the reply.
    case = cast(Case, SimpleNamespace(**_NO_VALUES))
    vars(case).update(
        version=1,
        state=state.value,
        channel=channel,
        client_key=report.client_key or None,
        standard=cls.standard,
        class_code=cls.code,
        class_name=cls.name,
        kind=cls.kind,
        network=cls.network,
        urgency=urgency,
        description=report.description.strip(),
        address=report.address,
        lon=report.lon,
        lat=report.lat,
        district_code=place.district_code,
        street_code=place.street_code,
        community_code=place.community_code,
        grid_code=place.grids.get("city_management"),
        ss_grid_code=place.grids.get("social_service"),
        ps_grid_code=place.grids.get("public_security"),
        reporter_id=user.id,
        reported_at=now,
        updated_at=now,
        cooperating=[],
        events=[],
        rework_count=0,
        reopen_count=0,
        extension_count=0,
        escalation_level=0,
        stage_paused_s=0.0,
    )
    contact_store.seal(platform.settings, case, report.contact_name, report.contact_phone)  # encrypted
    case.proposed_department_id = _routing(platform, db, case)[0]
    component = components.link_for_report(platform, db, cls, report.lon, report.lat, report.component_code)
    if component is not None:
        case.component_code = component.code
        # the component's owner answers for it (主管部门), before the class's usual department
        case.proposed_department_id = component.owner_unit_id or case.proposed_department_id
    case_clock.start_state_clock(platform, db, calendar, case, now)
    values = {key: value for key in _CASE_COLUMNS if (value := getattr(case, key)) is not None}
    try:
        case.id = _insert(db, Case, values)
    except IntegrityError:
        # the client key was used before (a phone's retry, or a race with it): return that case
        db.rollback()
        existing = _case_by_client_key(db, report.client_key or "")
        if existing is None:
            raise
        return _replayed(user, existing, report.client_key or ""), False
    event = _record(
        platform,
        db,
        case,
        user,
        "report",
        None,
        state,
        now,
        report.description.strip(),
        {"channel": channel},
        report.attachments,
        None,
    )
    case.events = [event]
    rollups.track_change(platform, db, case, None, [(event, [])])
    if also is not None:
        also(case)
    return case, True


_CASE_COLUMNS = tuple(c.key for c in Case.__table__.columns if c.key != "id")
_NO_VALUES = dict.fromkeys((*_CASE_COLUMNS, "id"))


def _case_by_client_key(db: Session, key: str) -> Case | None:
    return db.scalar(select(Case).where(Case.client_key == key))


def _replayed(user: Principal, case: Case, key: str) -> Case:
    if case.reporter_id != user.id:
        raise Conflict(message("case.key_used", key=key))
    return case


_OWN_CHANNEL = {Role.SUPERVISOR: Channel.SUPERVISOR, Role.CITIZEN: Channel.CITIZEN}


def _default_channel(role: Role) -> str:
    return _OWN_CHANNEL.get(role, Channel.HOTLINE)


def _urgency(cls: Any, requested: str | None) -> str:
    urgency = requested or cls.default_urgency
    if urgency not in cls.urgency_levels:
        raise Invalid(
            message(
                "case.bad_urgency",
                urgency=urgency,
                urgency_levels=", ".join(cls.urgency_levels),
                class_code=cls.code,
            )
        )
    return str(urgency)


# --- state changes ------------------------------------------------------------------------


def transition(
    platform: Platform, db: Session, user: Principal, case_id: int, request: ActionRequest
) -> Case:
    """Apply one workflow action to a case (the only place a case's state changes)."""
    try:
        with unit_of_work(db):
            case = _apply(platform, db, user, case_id, request)
    except StaleDataError:
        raise Conflict(message("case.changed_meanwhile", case=case_id)) from None
    metrics.TRANSITIONS.labels(request.action).inc()  # committed; an unknown action was refused
    return case


def _apply(platform: Platform, db: Session, user: Principal, case_id: int, request: ActionRequest) -> Case:
    case = access_case(db, user, case_id)
    try:
        action = CaseAction(request.action)
    except ValueError:
        raise Invalid(message("case.unknown_action", action=request.action)) from None
    if request.version != case.version:
        raise Conflict(
            message(
                "case.changed", number=platform.case_number(case), seen=request.version, now=case.version
            ),
            current_version=case.version,
        )
    role = Role(user.role)
    from_state = CaseState(case.state)
    row = transition_for(from_state, action, role)
    before, earlier = rollups.snapshot(case), list(case.events)
    case.version = request.version + 1  # the UPDATE is conditioned on the version seen
    now = platform.now()
    ctx = _Context(platform, db, user, case, row, request, now, platform.calendar(db))
    _check_actor(ctx)
    _check_photos(ctx, action)
    data = _EFFECTS.get(action, _no_effect)(ctx) or {}
    data.update(_timing_facts(case, action, from_state, now))  # for the assessment
    to_state = row.target or from_state
    case.state = to_state.value
    case.updated_at = now
    case_clock.follow(platform, db, ctx.calendar, case, action, to_state, now)
    event = _record(
        platform,
        db,
        case,
        user,
        action.value,
        from_state,
        to_state,
        now,
        request.note,
        data,
        request.attachments,
        action,
    )
    rollups.track_change(platform, db, case, before, [(event, earlier)])
    # show the new row in the loaded history without making the ORM insert it a second time
    set_committed_value(case, "events", [*case.events, event])
    return case


@dataclass
class _Context:
    platform: Platform
    db: Session
    user: Principal
    case: Case
    row: Transition
    request: ActionRequest
    now: datetime
    calendar: WorkingCalendar

    def field(self, name: str, default: Any = None) -> Any:
        value = self.request.fields.get(name, default)
        return default if value in (None, "") else value

    def require_note(self, what_en: str) -> None:
        """The action needs the reason in its note (named by the action's label in Chinese)."""
        if not self.request.note.strip():
            raise Invalid(message("case.note_required", what=self.row.action.label_zh, what_en=what_en))


def _check_actor(ctx: _Context) -> None:
    """Beyond the role: a handler acts only for the department the case is with; a citizen only on
    their own report."""
    case, user, action = ctx.case, ctx.user, ctx.row.action
    if user.role == Role.HANDLER and action != CaseAction.COMMENT and case.department_id != user.org_unit_id:
        raise Forbidden(message("case.not_your_department"))
    if user.role == Role.CITIZEN and case.reporter_id != user.id:
        raise Forbidden(message("case.not_your_report"))


def _check_photos(ctx: _Context, action: CaseAction) -> None:
    """The case's class may require a photo for this action (核实、核查、处置反馈 by default):
    refused in Chinese before anything changes (domain.evidence)."""
    if action.value not in PHOTO_ACTIONS:
        return  # a step that carries no photos: no class can ask for one
    case, ids = ctx.case, list(ctx.request.attachments)
    required = ctx.platform.catalogue(ctx.db).find(case.class_code, case.standard, case.kind).photo_required
    if action.value not in required:
        return
    types = ctx.db.scalars(select(Attachment.content_type).where(Attachment.id.in_(ids))).all() if ids else []
    evidence.require_photos(required, action.value, action.label_zh, types)


def _no_effect(ctx: _Context) -> dict[str, Any]:
    return {}


def _assign_supervisor(ctx: _Context) -> dict[str, Any]:
    assignee_id = ctx.field("assignee_id")
    if assignee_id is None:
        # none named: the supervisor of the case's unit grid (责任网格), if the grid has one
        holder = supervisor_grids.default_supervisor(ctx.db, ctx.case.grid_code)
        if holder is None:
            return {}
        ctx.case.assignee_id = holder.id
        return {"assignee_id": holder.id, "assignee": holder.display_name, "by_grid": True}
    supervisor = ctx.db.get(User, int(assignee_id))
    if supervisor is None or supervisor.role != Role.SUPERVISOR or not supervisor.active:
        raise Invalid(message("case.not_a_supervisor", assignee_id=assignee_id))
    case = ctx.case
    if not territory_covers(
        supervisor.org_unit.scope_code, case.district_code, case.street_code, case.community_code
    ):
        raise Invalid(message("case.supervisor_elsewhere", display_name=supervisor.display_name))
    case.assignee_id = supervisor.id
    return {"assignee_id": supervisor.id, "assignee": supervisor.display_name}


def _reject(ctx: _Context) -> dict[str, Any]:
    ctx.require_note("rejecting a report")
    ctx.case.closed_at = ctx.now
    return {}


def _file(ctx: _Context) -> dict[str, Any]:
    case = ctx.case
    data: dict[str, Any] = {}
    book = ctx.platform.catalogue(ctx.db)
    if ctx.field("class_code") and ctx.field("class_code") != case.class_code:
        cls = book.find(ctx.field("class_code"), ctx.field("standard"), ctx.field("kind"))
        if cls.network != case.network:
            raise Invalid(
                message(
                    "case.other_network",
                    network=cls.network,
                    class_code=cls.code,
                    network_zh=StaffLayer(cls.network).label_zh,
                )
            )
        data["class"] = {"from": case.class_code, "to": cls.code}
        case.standard, case.class_code, case.class_name, case.kind = (
            cls.standard,
            cls.code,
            cls.name,
            cls.kind,
        )
    if ctx.field("urgency"):
        cls = book.find(case.class_code, case.standard, case.kind)
        case.urgency = _urgency(cls, ctx.field("urgency"))
        data["urgency"] = case.urgency
    case.filed_at = ctx.now
    case.proposed_department_id = _routing(ctx.platform, ctx.db, case)[0]
    proposed = ctx.platform.unit_ref(ctx.db, case.proposed_department_id)  # cached: no row loaded
    if proposed is not None:
        data["proposed_department"] = {key: proposed[key] for key in ("id", "code", "name")}
    return data


def _dispatch(ctx: _Context) -> dict[str, Any]:
    case = ctx.case
    department_id = ctx.field("department_id", case.proposed_department_id)
    if department_id is None:
        raise Invalid(message("case.no_department"))
    department = _department(ctx.db, department_id)
    named = ctx.request.fields.get("cooperating_ids")
    if named is None:  # not named: the class's cooperating units (配合单位) at this place
        ids = [d for d in _routing(ctx.platform, ctx.db, case)[1] if d != department.id]
    else:
        ids = list(dict.fromkeys(int(d) for d in named))
    cooperating = [_department(ctx.db, d) for d in ids]
    if department.id in ids:
        raise Invalid(message("case.cooperating_is_responsible"))
    overridden = case.proposed_department_id is not None and department.id != case.proposed_department_id
    case.department_id, case.cooperating, case.dispatched_at = department.id, cooperating, ctx.now
    case.response_s = None  # the new department's answer is awaited (12345 响应率)
    return {
        "department": {"id": department.id, "code": department.code, "name": department.name},
        "cooperating_ids": ids,
        "overrode_proposal": overridden,
    }


def _department(db: Session, department_id: Any) -> OrgUnit:
    try:
        unit = db.get(OrgUnit, int(department_id))
    except (TypeError, ValueError):
        unit = None
    if unit is None or unit.kind != "department":
        raise Invalid(message("case.not_a_department", department_id=department_id))
    return unit


def _request(kind: str) -> Callable[[_Context], dict[str, Any]]:
    def effect(ctx: _Context) -> dict[str, Any]:
        ctx.require_note(f"asking for {kind}")
        request: dict[str, Any] = {"kind": kind, "by": ctx.user.id, "at": ctx.now.isoformat()}
        if kind == "extension":
            request["extension"] = str(_extension(ctx))
        ctx.case.pending_request = request
        return {k: v for k, v in request.items() if k == "extension"}

    return effect


def _extension(ctx: _Context) -> Duration:
    text = ctx.field("extension")
    if text is None:
        pending = ctx.case.pending_request or {}
        text = pending.get("extension")
    if text is None:
        raise Invalid(message("case.extension_length"))
    duration = Duration.parse(str(text))
    if duration.amount <= 0:
        raise Invalid(message("case.extension_zero"))
    return duration


def _decide(
    effect: Callable[[_Context], dict[str, Any]] | None = None,
) -> Callable[[_Context], dict[str, Any]]:
    """An approval or denial: the approval's effect; the clock then resumes the post the request
    interrupted and clears the request (`case_clock.follow`)."""

    def decided(ctx: _Context) -> dict[str, Any]:
        return effect(ctx) if effect else {}

    return decided


def _approve_return(ctx: _Context) -> dict[str, Any]:
    previous = ctx.case.department_id
    ctx.case.department_id, ctx.case.cooperating = None, []
    return {"returned_by_department_id": previous}


def _approve_extension(ctx: _Context) -> dict[str, Any]:
    extension = _extension(ctx)
    case_clock.extend_parked(ctx.case, ctx.calendar, extension)
    ctx.case.extension_count += 1
    return {"extension": str(extension)}


def _resume(ctx: _Context) -> dict[str, Any]:
    case_clock.store_clock(
        ctx.case, case_clock.clock_of(ctx.case).resume(ctx.calendar, ctx.now), ctx.calendar
    )
    return {}


def _report_done(ctx: _Context) -> dict[str, Any]:
    ctx.case.disposed_at = ctx.now
    ctx.case.dispose_deadline = ctx.case.stage_deadline
    on_time = ctx.case.stage_deadline is None or ctx.now <= ctx.case.stage_deadline
    return {"on_time": on_time, "stage": ctx.case.stage}


def _check_fail(ctx: _Context) -> dict[str, Any]:
    ctx.require_note("a failed check")
    ctx.case.rework_count += 1
    ctx.case.disposed_at = None
    return {"rework_count": ctx.case.rework_count}


def _close(ctx: _Context) -> dict[str, Any]:
    case = ctx.case
    requested = ctx.field("closing_type")
    late = department_was_late(case.events)
    closing = closing_type_for(None if requested is None else str(requested), late, ctx.request.note)
    case.closing_type, case.closed_at = closing.value, ctx.now
    return {"closing_type": closing.value}


def department_was_late(events: Sequence[Any]) -> bool:
    """Whether a department reported a disposal (the first or a rework) after its deadline since
    the case was last reopened: the closing type then follows the clock (超期结案)."""
    for event in reversed(events):
        if event.action == CaseAction.REOPEN.value:
            return False
        if event.action == CaseAction.REPORT_DONE.value and (event.data or {}).get("on_time") is False:
            return True
    return False


def _self_handle(ctx: _Context) -> dict[str, Any]:
    if not ctx.request.attachments and not ctx.request.note.strip():
        raise Invalid(message("case.self_handle_evidence"))
    ctx.case.closing_type, ctx.case.closed_at = ClosingType.SELF_HANDLED.value, ctx.now
    if ctx.case.filed_at is None:
        ctx.case.filed_at = ctx.now
    return {"closing_type": ClosingType.SELF_HANDLED.value}


def _reopen(ctx: _Context) -> dict[str, Any]:
    case = ctx.case
    days = ctx.platform.settings.reopen_days
    if case.closed_at is None or ctx.now - case.closed_at > timedelta(days=days):
        raise Conflict(message("case.reopen_too_late", days=days))
    ctx.require_note("reopening a case")
    case.reopen_count += 1
    case.closed_at, case.closing_type, case.department_id, case.disposed_at = None, None, None, None
    case.cooperating = []
    return {"reopen_count": case.reopen_count}


def _transfer(ctx: _Context) -> dict[str, Any]:
    case = ctx.case
    code = ctx.field("class_code")
    cls = (
        ctx.platform.catalogue(ctx.db).find(code, ctx.field("standard"), ctx.field("kind")) if code else None
    )
    network = check_transfer(case.network, ctx.field("network"), cls)
    assert cls is not None  # check_transfer refused a transfer without a class
    data = {
        "network": {"from": case.network, "to": network},
        "class": {"from": case.class_code, "to": cls.code},
        "released_department_id": case.department_id,
    }
    case.network, case.standard, case.class_code = network, cls.standard, cls.code
    case.class_name, case.kind = cls.name, cls.kind
    if ctx.row.target == CaseState.FILED:
        case.department_id, case.cooperating = None, []
    case.proposed_department_id = _routing(ctx.platform, ctx.db, case)[0]
    return data


def _comment(ctx: _Context) -> dict[str, Any]:
    if not ctx.request.note.strip() and not ctx.request.attachments:
        raise Invalid(message("case.empty_note"))
    to_role = ctx.field("to_role")
    if to_role is not None and to_role not in {r.value for r in Role}:
        raise Invalid(message("case.unknown_role", to_role=to_role))
    return {"to_role": to_role} if to_role else {}


def _answer(
    effect: Callable[[_Context], dict[str, Any]] | None = None,
) -> Callable[[_Context], dict[str, Any]]:
    """The department's first answer to a dispatch (签收, or a return request before it): how long
    it took is kept on the case for the 12345 响应率 (domain.assessment)."""

    def answered(ctx: _Context) -> dict[str, Any]:
        data = effect(ctx) if effect else {}
        case = ctx.case
        if case.state == CaseState.DISPATCHED and case.response_s is None and case.dispatched_at:
            case.response_s = max(0.0, (ctx.now - case.dispatched_at).total_seconds())
            data["response_s"] = case.response_s
        return data

    return answered


def _callback(ctx: _Context) -> dict[str, Any]:
    return callbacks.record(ctx.platform, ctx.db, ctx.user, ctx.case, ctx.request, ctx.now)


_EFFECTS: dict[CaseAction, Callable[[_Context], dict[str, Any]]] = {
    CaseAction.SEND_VERIFY: _assign_supervisor,
    CaseAction.ASSIGN_CHECK: _assign_supervisor,
    CaseAction.REJECT: _reject,
    CaseAction.VERIFY_FALSE: _reject,
    CaseAction.FILE: _file,
    CaseAction.DISPATCH: _dispatch,
    CaseAction.ACCEPT: _answer(),
    CaseAction.REQUEST_RETURN: _answer(_request("return")),
    CaseAction.REQUEST_EXTENSION: _request("extension"),
    CaseAction.REQUEST_SUSPENSION: _request("suspension"),
    CaseAction.REQUEST_VOID: _request("void"),
    CaseAction.APPROVE_RETURN: _decide(_approve_return),
    CaseAction.DENY_RETURN: _decide(),
    CaseAction.APPROVE_EXTENSION: _decide(_approve_extension),
    CaseAction.DENY_EXTENSION: _decide(),
    CaseAction.APPROVE_SUSPENSION: _decide(),  # the parked clock stays stopped (case_clock.follow)
    CaseAction.DENY_SUSPENSION: _decide(),
    CaseAction.APPROVE_VOID: _decide(),
    CaseAction.DENY_VOID: _decide(),
    CaseAction.RESUME: _resume,
    CaseAction.REPORT_DONE: _report_done,
    CaseAction.CHECK_FAIL: _check_fail,
    CaseAction.CLOSE: _close,
    CaseAction.SELF_HANDLE: _self_handle,
    CaseAction.REOPEN: _reopen,
    CaseAction.TRANSFER: _transfer,
    CaseAction.COMMENT: _comment,
    CaseAction.CALLBACK: _callback,
}


def available_actions(platform: Platform, user: Principal, case: Case) -> list[Transition]:
    """The actions this user may take on this case now: the table rows for the role, less those the
    actor checks would refuse (another department's case, someone else's report, a lapsed window)."""
    role = Role(user.role)
    rows = actions_for(CaseState(case.state), role)
    if role == Role.HANDLER and case.department_id != user.org_unit_id:
        rows = [r for r in rows if r.action == CaseAction.COMMENT]
    if case.channel not in callbacks.CALLBACK_CHANNELS:  # 回访: the 12345 (telephone) cases only
        rows = [r for r in rows if r.action != CaseAction.CALLBACK]
    if role == Role.CITIZEN:
        if case.reporter_id != user.id:
            return []
        window = timedelta(days=platform.settings.reopen_days)
        rows = [
            r
            for r in rows
            if r.action != CaseAction.REOPEN
            or (case.closed_at is not None and platform.now() - case.closed_at <= window)
        ]
    return rows


# --- routing ------------------------------------------------------------------------------


def suggested_departments(platform: Platform, db: Session, case: Case) -> tuple[int | None, list[int]]:
    """The department proposed for the case (建议部门) and the cooperating units (配合单位) its class
    names at its place: what dispatch takes when the dispatcher names none (the forms' defaults)."""
    lead = case.proposed_department_id
    return lead, [d for d in _routing(platform, db, case)[1] if d != lead]


def _routing(platform: Platform, db: Session, case: Case) -> tuple[int | None, list[int]]:
    """The ids of the proposed department and cooperating units for the case's class and place."""
    book = platform.catalogue(db)
    cls = book.find(case.class_code, case.standard, case.kind)
    routing = route(book.catalogue, cls, case.district_code, case.street_code)
    cooperating = (platform.unit_id(db, code, "department") for code in routing.cooperating)
    return platform.unit_id(db, routing.owner, "department"), [c for c in cooperating if c is not None]


# --- history, notifications, outbox -------------------------------------------------------


def _record(
    platform: Platform,
    db: Session,
    case: Case,
    user: Principal,
    action: str,
    from_state: CaseState | None,
    to_state: CaseState,
    now: datetime,
    note: str,
    data: dict[str, Any],
    attachment_ids: Sequence[StoredFile],
    case_action: CaseAction | None,
) -> CaseEvent:
    """Write what a change leaves behind, in the caller's transaction: the history row, the link
    of its photos, the notifications, the outbox message. Returns the history row as a value."""
    # the history is loaded with the case; the (case_id, seq) unique key backs this up
    seq = max((e.seq for e in case.events), default=0) + 1
    row = {
        "case_id": case.id,
        "seq": seq,
        "at": now,
        "actor_id": user.id,
        "actor_name": user.display_name,
        "actor_role": user.role,
        "action": action,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value,
        "note": note.strip(),
        "data": data,
        "request_id": request_id.get(),  # the request that made the change (None: a command)
    }
    event = CaseEvent(**row, attachments=[])
    notes = [
        {k: n[k] for k in ("user_id", "role", "org_unit_id", "kind", "text")}
        for n in notifications.rows_for_change(platform, db, case, event, case_action, data)
    ]
    message = outbox.message_for(platform, f"case.{action}", case, event)
    event.id = insert_change(db.connection(), row, notes, message)
    event.attachments = link_attachments(db, case.id, event.id, attachment_ids, user)
    return event


# --- timing facts for the assessment (domain.assessment, services.evaluation) -------------

# Steps that end a post, judged against that post's deadline (按时受理 / 核实 / 立案 / 派遣 / 核查 /
# 结案 / 审批) …
_DEADLINE_TIMED = frozenset(
    {
        CaseAction.SEND_VERIFY,
        CaseAction.ACCEPT_REPORT,
        CaseAction.REJECT,
        CaseAction.VERIFY_OK,
        CaseAction.VERIFY_FALSE,
        CaseAction.FILE,
        CaseAction.DISPATCH,
        CaseAction.CHECK_PASS,
        CaseAction.CHECK_FAIL,
        CaseAction.CLOSE,
        *DECISIONS,
    }
)
# … and steps judged (too) by how long the case waited for them in its state (核实派发, 核查派发; the
# close of rows written before 结案 had a clock of its own) against the assessment's configured limits.
_WAIT_TIMED = frozenset({CaseAction.SEND_VERIFY, CaseAction.ASSIGN_CHECK, CaseAction.CLOSE})


def _timing_facts(case: Case, action: CaseAction, from_state: CaseState, now: datetime) -> dict[str, Any]:
    """What the history row keeps of how promptly this step came, so that the assessment reads it
    from the append-only history instead of recomputing clocks: `on_time` (by the stage deadline as
    it stood at this moment: extensions added, suspended time not counted) and that `deadline`, or
    `waited_s` (calendar seconds since the case entered its current state)."""
    facts: dict[str, Any] = {}
    if action in _DEADLINE_TIMED:
        deadline = case.stage_deadline
        facts["on_time"] = deadline is None or now <= deadline
        facts["deadline"] = deadline.isoformat() if deadline is not None else None
        if case.stage is not None:
            facts["stage"] = case.stage  # whose post the step ended (a reworked disposal: rework)
    if action in _WAIT_TIMED:
        entered = case.reported_at
        for event in reversed(case.events):
            if event.to_state == from_state.value and event.from_state != event.to_state:
                entered = event.at
                break
        facts["waited_s"] = round(max(0.0, (now - entered).total_seconds()), 3)
    return facts


# --- changes no person made: the deadline sweep -------------------------------------------

# The actor of a history row written by the system; not a user (no one can sign in as it).
SYSTEM_ACTOR = SimpleNamespace(id=None, display_name=SYSTEM_ACTOR_NAME, role=SYSTEM_ACTOR_ROLE)


@dataclass(frozen=True)
class SystemEvent:
    """One history row the system writes, e.g. an escalation: the action (a system row of the
    workflow table), its note and its data."""

    action: CaseAction
    note: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SystemWarning:
    """A deadline warning to notify: its text, and whether the post is overdue (red)."""

    text: str
    red: bool = False


@dataclass
class SystemChange:
    """A change of one case that no person made (the deadline sweep): new values of its columns,
    history rows, warnings to notify. `case` is a plain record of the row as the caller read it
    (not an object of the session); `expect` are further column values the row must still have."""

    case: Case
    changes: Mapping[str, Any]
    events: Sequence[SystemEvent] = ()
    warnings: Sequence[SystemWarning] = ()
    expect: Mapping[str, Any] = field(default_factory=dict)


def record_system_change(
    platform: Platform,
    db: Session,
    case: Case,
    now: datetime,
    *,
    events: Sequence[SystemEvent] = (),
    warnings: Sequence[SystemWarning] = (),
    changes: Mapping[str, Any] | None = None,
    expect: Mapping[str, Any] | None = None,
) -> list[SimpleNamespace] | None:
    """Record one `SystemChange` in the caller's transaction (see `record_system_changes`); None,
    with nothing written, when someone changed the case since the caller read it."""
    change = SystemChange(case, dict(changes or {}), events, warnings, dict(expect or {}))
    try:
        return record_system_changes(platform, db, now, [change])[0]
    except Conflict:
        return None  # a single case: the one UPDATE matched nothing, nothing was written


def record_system_changes(
    platform: Platform, db: Session, now: datetime, items: Sequence[SystemChange]
) -> list[list[SimpleNamespace]]:
    """Record changes no person made, in the caller's transaction, by the path every transition
    takes, for many cases at once (the sweep's batches cost a handful of statements, not a few per
    case).

    Each case's row is updated only if it still has the version — and the `expect`ed values — the
    caller read; if any has changed meanwhile, `Conflict` is raised and the caller must roll back
    (and may go case by case). Nothing the assessment counts changes (no column of
    `domain.rollups.CASE_INPUTS`, and a system row has no actor), so the rollups stay as they are.
    Each event is a system row of the workflow table (the state never
    changes) and raises the version by one, so the version stays the length of the history; it
    leaves what every transition leaves (`_record`): the history row, its notifications
    (`notifications.rows_for_change`), the outbox message. Each warning text becomes notifications
    (`notifications.rows_for_warning`) and leaves the version alone: a warning is not a change of
    the case. Returns per item its history rows (plain records with their ids)."""
    if not items:
        return []
    for item in items:
        # what the assessment counts is a person's doing: the rollups need not follow these changes
        counted = set(item.changes) & set(CASE_INPUTS)
        if counted:
            raise ValueError(f"a system change cannot change {', '.join(sorted(counted))}")
    connection = db.connection()
    table = cast(Table, Case.__table__)
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in items:
        case = item.case
        state = CaseState(case.state)
        for event in item.events:
            system_transition(state, event.action)  # only the system's own actions, where it has them
        values = dict(item.changes)
        if item.events:
            values.update(version=case.version + len(item.events), updated_at=now)
        keys = (*sorted(values), "|", *sorted(item.expect))
        params = {f"new_{k}": v for k, v in values.items()}
        params.update(
            {f"was_{k}": v for k, v in item.expect.items()}, was_id=case.id, was_version=case.version
        )
        updates.setdefault(keys, []).append(params)
    matched = 0
    for keys, batch in updates.items():  # one executemany per shape of change
        split = keys.index("|")
        stmt = (
            update(table)
            .where(
                table.c.id == bindparam("was_id"),
                table.c.version == bindparam("was_version"),
                *[table.c[k] == bindparam(f"was_{k}") for k in keys[split + 1 :]],
            )
            .values({k: bindparam(f"new_{k}") for k in keys[:split]})
        )
        matched += connection.execute(stmt, batch).rowcount  # SQLite and psycopg sum an executemany's
    if matched != len(items):
        raise Conflict(message("case.bulk_changed", changed=len(items) - matched, total=len(items)))

    rows: list[dict[str, Any]] = []
    notes: list[list[dict[str, Any]]] = []
    messages: list[dict[str, Any]] = []
    owners: list[int] = []
    warnings: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        case, seen = item.case, item.case.version
        for key, value in item.changes.items():
            setattr(case, key, value)
        state = CaseState(case.state)
        for n, event in enumerate(item.events, start=1):
            case.version = seen + n  # what the outbox message and the notifications see
            row = {
                "case_id": case.id,
                "seq": seen + n,
                "at": now,
                "actor_id": None,
                "actor_name": SYSTEM_ACTOR.display_name,
                "actor_role": SYSTEM_ACTOR.role,
                "action": event.action.value,
                "from_state": state.value,
                "to_state": state.value,
                "note": event.note.strip(),
                "data": event.data,
            }
            record = SimpleNamespace(**row)
            rows.append(row)
            owners.append(index)
            notes.append(
                [
                    {k: note[k] for k in ("user_id", "role", "org_unit_id", "kind", "text")}
                    for note in notifications.rows_for_change(
                        platform, db, case, cast(CaseEvent, record), event.action, event.data
                    )
                ]
            )
            messages.append(
                outbox.message_for(platform, f"case.{event.action.value}", case, cast(CaseEvent, record))
            )
        for warning in item.warnings:
            warnings += [
                {**note, "created_at": now}
                for note in notifications.rows_for_warning(platform, db, case, warning.text, warning.red)
            ]
    ids = insert_changes(connection, rows, notes, messages)
    if warnings:
        connection.execute(insert(Notification), warnings)
    recorded: list[list[SimpleNamespace]] = [[] for _ in items]
    for index, row, event_id in zip(owners, rows, ids, strict=True):
        recorded[index].append(SimpleNamespace(**row, id=event_id))
    return recorded


def _insert(db: Session, model: Any, values: dict[str, Any]) -> int:
    """INSERT one row with its values as bound parameters (the statement compiles once and is
    cached; `.values(...)` would coerce every value into the statement on each call). Returns the id."""
    table = model.__table__
    return int(db.connection().execute(insert(table).returning(table.c.id), values).scalar_one())


def get_case(db: Session, user: Principal, case_id: int) -> Case:
    return access_case(db, user, case_id)
