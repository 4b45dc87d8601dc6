"""Working cases all day: what the case page's action forms offer to pick from (departments grouped
by tier and kind, the classes of the case's network, the urgency levels), the confirmation after an
action with the next case of the queue the person came from, and bulk actions from a queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gridcity.db.models import Case, OrgUnit
from gridcity.db.queries import SORTS, CaseFilter
from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import TRANSITIONS, CaseAction, ClosingType, Role
from gridcity.services import cases
from gridcity.services.access import visibility_clause
from gridcity.services.platform import Platform
from gridcity.web import i18n, session
from gridcity.web.pages import PageUser, PlatformDep, render
from gridcity.web.queues import HOME_QUEUE, QUEUES

router = APIRouter(include_in_schema=False)

i18n.add_words(
    {
        "casework.group.city": ("市级部门", "City bureaus"),
        "casework.group.enterprise": ("公共服务企业", "Public utility enterprises"),
        "casework.group.district": ("区级部门", "District departments"),
        "casework.group.street": ("街道", "Street departments"),
        "casework.filter": ("输入名称或代码筛选", "Type a name or a code to filter"),
        "casework.filter_of": ("筛选：{what}", "Filter: {what}"),
        "casework.suggested": ("（建议）", " (suggested)"),
        "casework.lead": ("主办部门", "Lead department"),
        "casework.each_suggested": ("各案件的建议部门", "Each case's suggested department"),
        "casework.cooperating": ("配合单位", "Assisting departments"),
        "casework.cooperating_hint": (
            "可多选；已预选本类别规定的配合单位。筛选框中按回车可选中或取消第一项。",
            "Choose any number; the class's assisting departments are chosen already. Enter in the "
            "filter box chooses or drops the first match.",
        ),
        "casework.chosen": ("已选：", "Chosen: "),
        "casework.none": ("无", "none"),
        "casework.class": ("类别（可更正）", "Class (correct it if wrong)"),
        "casework.urgency": ("紧急程度", "Urgency"),
        "casework.urgency.normal": ("一般", "Normal"),
        "casework.urgency.urgent": ("紧急", "Urgent"),
        "casework.supervisor": ("监督员", "Supervisor"),
        "casework.grid_holder": ("（责任网格）", " (the grid's supervisor)"),
        "casework.extension": ("延期时长", "Extension"),
        "casework.closing_type": ("结案类型", "Closing type"),
        "casework.closing_auto": ("按时限自动判定", "By the clock"),
        "casework.closing.normal": ("正常结案", "Normal"),
        "casework.closing.overdue": ("超期结案", "Overdue"),
        "casework.closing.erroneous": ("差错结案", "Erroneous"),
        "casework.closing.special": ("特殊结案（须写明原因）", "Special (say why)"),
        "casework.network": ("转至网络", "To network"),
        "casework.network_of_class": ("按所选类别", "The chosen class's"),
        "casework.transfer_class": ("新类别", "New class"),
        "casework.to_role": ("发给", "To"),
        "casework.reason": ("原因（必填）", "Reason (required)"),
        "casework.verdict.satisfied": ("满意", "Satisfied"),
        "casework.verdict.basically_satisfied": ("基本满意", "Basically satisfied"),
        "casework.verdict.dissatisfied": ("不满意", "Dissatisfied"),
        # after an action
        "casework.done": ("已办理：{action}", "Done: {action}"),
        "casework.done.dispatch": ("已派遣至 {department}", "Dispatched to {department}"),
        "casework.done.cooperating": ("配合单位：{units}", "assisting: {units}"),
        "casework.next": ("下一件", "Next case"),
        "casework.queue_empty": ("本队列已无其他案件", "No other case in this queue"),
        "casework.back_to_queue": ("返回队列", "Back to the queue"),
        # bulk actions on a queue
        "casework.select_all": ("全选本页", "Select all on this page"),
        "casework.select": ("选择 {number}", "Select {number}"),
        "casework.bulk": ("批量操作", "Bulk action"),
        "casework.bulk_action": ("操作", "Action"),
        "casework.bulk_submit": ("对所选案件执行", "Apply to the chosen cases"),
        "casework.bulk_hint": (
            "每件案件单独办理（各自校验版本、各记一条处理经过），一件失败不影响其他。",
            "Each case is handled on its own (its own version check and history row); one refusal "
            "does not stop the others.",
        ),
        "casework.bulk_result": ("批量操作结果", "Bulk action result"),
        "casework.bulk_summary": ("{ok} 件成功，{failed} 件未办理", "{ok} done, {failed} refused"),
        "casework.ok": ("成功", "Done"),
        "casework.refused": ("未办理", "Refused"),
        # keyboard shortcuts and printing
        "casework.keys": ("键盘快捷键", "Keyboard shortcuts"),
        "casework.keys.jk": ("下一条 / 上一条", "Next / previous"),
        "casework.keys.o": ("打开所选", "Open the selected one"),
        "casework.keys.a": ("打开主要操作", "Open the main action"),
        "casework.keys.x": ("勾选 / 取消勾选", "Tick / untick"),
        "casework.keys.n": ("下一件", "Next case"),
        "casework.keys.help": ("显示 / 关闭本帮助", "Show / close this help"),
        "casework.keys.typing": (
            "在输入框中输入时快捷键不起作用。",
            "Shortcuts are off while typing in a field.",
        ),
        "casework.keys.close": ("关闭", "Close"),
        "casework.print": ("打印", "Print"),
        "casework.sheet": ("案件单", "Case sheet"),
        "casework.printed_at": ("打印时间", "Printed"),
    }
)

# The order of the department picker's groups: 市级部门, 公共服务企业, 区级部门, 街道.
_GROUP_ORDER = ("city", "enterprise", "district", "street")
# The actions that take a reason (the service refuses them without a note).
REASON_ACTIONS = frozenset(
    {
        CaseAction.REJECT,
        CaseAction.VERIFY_FALSE,
        CaseAction.REQUEST_RETURN,
        CaseAction.REQUEST_EXTENSION,
        CaseAction.REQUEST_SUSPENSION,
        CaseAction.REQUEST_VOID,
        CaseAction.CHECK_FAIL,
        CaseAction.REOPEN,
    }
)
# What a queue may do to several cases at once: the steps that need no more than a department or a
# note (派遣 to one department, 立案, 受理, 派发核实 to each grid's supervisor, 结案 by the clock).
BULK_ACTIONS: dict[str, tuple[CaseAction, ...]] = {
    "accept": (CaseAction.ACCEPT_REPORT, CaseAction.SEND_VERIFY),
    "file": (CaseAction.FILE,),
    "dispatch": (CaseAction.DISPATCH,),
    "close": (CaseAction.CLOSE,),
}
MAX_BULK = 200


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    search: str = ""  # more words the filter box matches (a code)


@dataclass(frozen=True)
class Group:
    label: str
    options: tuple[Option, ...]


def department_groups(
    db: Session, t: Callable[[str], str], names: dict[str, str], where: ColumnElement[bool]
) -> list[Group]:
    """The departments `where` selects, grouped by tier and kind: 市级部门, 公共服务企业, then per
    district 区级部门 and per street 街道 (named after their territory)."""
    rows = db.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.tier, OrgUnit.scope_code, OrgUnit.attrs)
        .where(OrgUnit.kind == "department", where)
        .order_by(OrgUnit.scope_code, OrgUnit.code)
    ).all()
    groups: dict[tuple[int, str], list[Option]] = {}
    for unit_id, code, name, tier, scope, attrs in rows:
        kind = (attrs or {}).get("department_kind")
        group = "enterprise" if tier == "city" and kind == "enterprise" else tier
        if group not in _GROUP_ORDER:
            group = "city"
        label = t(f"casework.group.{group}")
        if scope:
            label = f"{label} · {names.get(scope, scope)}"
        groups.setdefault((_GROUP_ORDER.index(group), label), []).append(
            Option(str(unit_id), f"{name} · {code}", code)
        )
    return [Group(label, tuple(options)) for (_, label), options in sorted(groups.items())]


def case_departments(db: Session, t: Callable[[str], str], names: dict[str, str], case: Case) -> list[Group]:
    """The departments a case may be dispatched to: the city's, its district's and its street's."""
    scopes = ["", case.district_code, case.street_code]
    return department_groups(db, t, names, OrgUnit.scope_code.in_(scopes))


def area_departments(
    db: Session, t: Callable[[str], str], names: dict[str, str], user: Principal
) -> list[Group]:
    """The departments serving this person's area (the city's and those within it): a bulk dispatch."""
    scope = str(user.org_unit.scope_code or "")
    if not scope or user.org_unit.kind == "department":
        return department_groups(db, t, names, OrgUnit.id.is_not(None))
    return department_groups(
        db, t, names, or_(OrgUnit.scope_code == "", OrgUnit.scope_code.startswith(scope))
    )


def class_groups(
    platform: Platform,
    db: Session,
    lang: str,
    networks: Sequence[str],
    standard: str | None = None,
    kind: str | None = None,
) -> list[Group]:
    """The classes of these networks (of one standard, when given), grouped by kind — or by network,
    for several — and major class, those of `kind` (the case's own) first; each option's value is
    the class's reference."""
    t = i18n.translator(lang)
    kinds = {"event": ("事件", "Events"), "component": ("部件", "Components")}
    groups: dict[str, list[Option]] = {}
    for network in networks:
        found = platform.catalogue(db).search(standard=standard, network=network)
        for cls in sorted(found, key=lambda c: str(c.kind) != kind):
            name = cls.name if lang == "zh" or not cls.name_en else cls.name_en
            first = t("network." + network) if len(networks) > 1 else kinds[str(cls.kind)][lang != "zh"]
            groups.setdefault(f"{first} · {cls.major_code} {cls.major_name}", []).append(
                Option(cls.ref, f"{cls.code} {name}", cls.name_en)
            )
    return [Group(label, tuple(options)) for label, options in groups.items()]


def urgency_label(t: Callable[[str], str], level: str) -> str:
    key = f"casework.urgency.{level}"
    return t(key) if i18n.has(key) else level


def closing_types() -> list[str]:
    return [c.value for c in ClosingType if c is not ClosingType.SELF_HANDLED]


# --- after an action: the confirmation and the next case -----------------------------------


def known_queue(queue: str | None, user: Principal) -> str | None:
    """The queue a case was opened from (carried in its link), else the person's home queue."""
    if queue in QUEUES:
        return queue
    return HOME_QUEUE.get(Role(user.role))


def next_case_id(platform: Platform, db: Session, user: Principal, queue: str, current: int) -> int | None:
    """The next case of a queue in the queue page's own order (by deadline): the one after the
    current case, or — the current one has left the queue by the action just taken — its first."""
    flt = CaseFilter(states=[s.value for s in QUEUES[queue]], extra=[visibility_clause(user)])
    ids = list(
        db.scalars(
            select(Case.id)
            .where(*flt.clauses(platform.now()))
            .order_by(SORTS["deadline"], Case.id.desc())
            .limit(2000)
        )
    )
    if current in ids:
        at = ids.index(current)
        ids = ids[at + 1 :] + ids[:at]
    return ids[0] if ids else None


def confirmation(case: Case, user: Principal, done: str | None, lang: str) -> str | None:
    """What the person just did to the case, as a sentence ("已派遣至 东城区城管委"), if the last
    history row is that action by them; None otherwise (a reload later, someone else's step)."""
    if not done or not case.events:
        return None
    last = case.events[-1]
    if last.action != done or last.actor_id != user.id:
        return None
    t = i18n.translator(lang)
    data = last.data or {}
    if done == CaseAction.DISPATCH.value and data.get("department"):
        text = t("casework.done.dispatch").format(department=data["department"]["name"])
        units = [u.name for u in case.cooperating]
        if units:
            text += ("，" if lang == "zh" else "; ") + t("casework.done.cooperating").format(
                units=("、" if lang == "zh" else ", ").join(units)
            )
        return text
    return t("casework.done").format(action=i18n.action_label(done, lang))


# --- bulk actions --------------------------------------------------------------------------


def bulk_actions(queue: str, user: Principal) -> list[str]:
    """The bulk actions this person may take in this queue."""
    role = Role(user.role)
    return [
        a.value
        for a in BULK_ACTIONS.get(queue, ())
        if any(
            role in row.roles
            for (state, action), row in TRANSITIONS.items()
            if action is a and state in QUEUES[queue]
        )
    ]


def parse_picked(values: Sequence[str]) -> list[tuple[int, int]]:
    """The ticked cases of a queue, each "id:version" (the version the person saw)."""
    picked: dict[int, int] = {}
    for value in values:
        case_id, _, version = str(value).partition(":")
        if case_id.isdigit() and version.isdigit() and 0 < int(case_id) < 2**63:
            picked.setdefault(int(case_id), int(version))
    return list(picked.items())[:MAX_BULK]


@dataclass(frozen=True)
class BulkResult:
    case_id: int
    number: str
    done: bool
    text: str  # the confirmation, or the refusal in the person's language


@router.post("/work/bulk")
async def bulk(request: Request, platform: PlatformDep, user: PageUser) -> HTMLResponse:
    """One action on the ticked cases of a queue: each case by the same service call as on its own
    page (its own version check, its own history row), one refusal not stopping the others."""
    form = await request.form()
    session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
    queue, action = str(form.get("queue", "")), str(form.get("action", ""))
    if queue not in QUEUES or action not in bulk_actions(queue, user):
        raise Invalid(message("bulk.not_offered"))
    picked = parse_picked([str(v) for v in form.getlist("case")])
    if not picked:
        raise Invalid(message("bulk.none_chosen"))
    department = str(form.get("department_id", "")).strip()
    fields = {"department_id": department} if department and action == CaseAction.DISPATCH else {}
    note = str(form.get("note", ""))[:4000]
    lang = i18n.language(request)

    def one(case_id: int, version: int) -> BulkResult:
        with platform.sessions() as db:
            try:
                request_ = cases.ActionRequest(action=action, version=version, note=note, fields=fields)
                case = cases.transition(platform, db, user, case_id, request_)
                text = confirmation(case, user, action, lang) or ""
                return BulkResult(case_id, platform.case_number(case), True, text)
            except DomainError as exc:
                refused = exc.message
            try:
                number = platform.case_number(cases.get_case(db, user, case_id))
            except DomainError:
                number = str(case_id)
            return BulkResult(case_id, number, False, refused)

    results = await platform.run_write(lambda: [one(case_id, version) for case_id, version in picked])
    return render(
        request,
        "work/bulk.html",
        user=user,
        queue=queue,
        action=action,
        results=results,
        done=sum(r.done for r in results),
    )
