"""The case workflow (docs/domain/workflow.md) as one explicit transition table.

Every state change of a case is one row of `TRANSITIONS`: (state, action) -> target state, and the
roles that may take it. `next_state` is the single gate: anything not in the table is refused.
Guards that need more than (state, action, role) — the reopen window, the version — live in
`services.cases.transition`, which calls this first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from gridcity.domain.errors import Forbidden, Invalid, InvalidTransition
from gridcity.domain.messages import message
from gridcity.domain.taxonomy import DEPARTMENT_STAGES, Stage


class Role(StrEnum):
    SUPERVISOR = "supervisor"  # 监督员
    OPERATOR = "operator"  # 受理员
    SHIFT_LEADER = "shift_leader"  # 值班长
    DISPATCHER = "dispatcher"  # 派遣员
    HANDLER = "handler"  # 专业部门处置人员
    ADMIN = "admin"  # 平台管理员
    LEADER = "leader"  # 领导 / 监督考核
    CITIZEN = "citizen"  # 市民
    GRID_WORKER = "grid_worker"  # 社会服务网格员: households of their grids, visits; reports as a supervisor
    POLICE = "police"  # 治安网格员 / 社区民警: key persons and places of their grids (no part in cases)

    @property
    def label_zh(self) -> str:
        return _ROLE_LABELS[self]

    @property
    def label_en(self) -> str:
        return _ROLE_LABELS_EN[self]


_ROLE_LABELS = {
    Role.SUPERVISOR: "监督员",
    Role.OPERATOR: "受理员",
    Role.SHIFT_LEADER: "值班长",
    Role.DISPATCHER: "派遣员",
    Role.HANDLER: "专业部门",
    Role.ADMIN: "管理员",
    Role.LEADER: "领导",
    Role.CITIZEN: "市民",
    Role.GRID_WORKER: "网格员",
    Role.POLICE: "治安网格员",
}

_ROLE_LABELS_EN = {
    Role.SUPERVISOR: "Supervisor",
    Role.OPERATOR: "Operator",
    Role.SHIFT_LEADER: "Shift leader",
    Role.DISPATCHER: "Dispatcher",
    Role.HANDLER: "Department",
    Role.ADMIN: "Administrator",
    Role.LEADER: "Leader",
    Role.CITIZEN: "Citizen",
    Role.GRID_WORKER: "Grid worker",
    Role.POLICE: "Community police",
}


class CaseState(StrEnum):
    REPORTED = "reported"  # 上报
    VERIFYING = "verifying"  # 核实中
    ACCEPTED = "accepted"  # 受理
    REJECTED = "rejected"  # 不予受理
    FILED = "filed"  # 立案
    DISPATCHED = "dispatched"  # 已派遣
    DISPOSING = "disposing"  # 处置中
    RETURN_REQUESTED = "return_requested"  # 申请退回
    EXTENSION_REQUESTED = "extension_requested"  # 申请延期
    SUSPENSION_REQUESTED = "suspension_requested"  # 申请挂账
    SUSPENDED = "suspended"  # 挂账
    DISPOSED = "disposed"  # 已反馈
    CHECKED = "checked"  # 已核查
    CLOSED = "closed"  # 结案
    VOID_REQUESTED = "void_requested"  # 申请作废
    VOID = "void"  # 作废

    @property
    def label_zh(self) -> str:
        return _STATE_LABELS[self]

    @property
    def label_en(self) -> str:
        return _STATE_LABELS_EN[self]

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


_STATE_LABELS = {
    CaseState.REPORTED: "已上报",
    CaseState.VERIFYING: "核实中",
    CaseState.ACCEPTED: "已受理",
    CaseState.REJECTED: "不予受理",
    CaseState.FILED: "已立案",
    CaseState.DISPATCHED: "已派遣",
    CaseState.DISPOSING: "处置中",
    CaseState.RETURN_REQUESTED: "申请退回",
    CaseState.EXTENSION_REQUESTED: "申请延期",
    CaseState.SUSPENSION_REQUESTED: "申请挂账",
    CaseState.SUSPENDED: "挂账",
    CaseState.DISPOSED: "已反馈",
    CaseState.CHECKED: "已核查",
    CaseState.CLOSED: "已结案",
    CaseState.VOID_REQUESTED: "申请作废",
    CaseState.VOID: "已作废",
}

_STATE_LABELS_EN = {
    CaseState.REPORTED: "Reported",
    CaseState.VERIFYING: "Verifying",
    CaseState.ACCEPTED: "Accepted",
    CaseState.REJECTED: "Rejected",
    CaseState.FILED: "Filed",
    CaseState.DISPATCHED: "Dispatched",
    CaseState.DISPOSING: "Disposing",
    CaseState.RETURN_REQUESTED: "Return requested",
    CaseState.EXTENSION_REQUESTED: "Extension requested",
    CaseState.SUSPENSION_REQUESTED: "Suspension requested",
    CaseState.SUSPENDED: "Suspended",
    CaseState.DISPOSED: "Disposed",
    CaseState.CHECKED: "Checked",
    CaseState.CLOSED: "Closed",
    CaseState.VOID_REQUESTED: "Void requested",
    CaseState.VOID: "Void",
}

# CLOSED is terminal for staff but a citizen may reopen it within the configured window.
TERMINAL_STATES = frozenset({CaseState.REJECTED, CaseState.CLOSED, CaseState.VOID})


class CaseAction(StrEnum):
    SEND_VERIFY = "send_verify"  # 派发核实
    VERIFY_OK = "verify_ok"  # 核实属实
    VERIFY_FALSE = "verify_false"  # 核实不属实
    ACCEPT_REPORT = "accept_report"  # 直接受理 (hotline, sensor, higher level: no on-site check needed)
    REJECT = "reject"  # 不予受理
    FILE = "file"  # 立案
    SEND_BACK = "send_back"  # 退回受理
    REQUEST_VOID = "request_void"  # 申请作废
    APPROVE_VOID = "approve_void"
    DENY_VOID = "deny_void"
    DISPATCH = "dispatch"  # 派遣
    ACCEPT = "accept"  # 部门签收
    REQUEST_RETURN = "request_return"  # 申请退回 (wrong department)
    APPROVE_RETURN = "approve_return"
    DENY_RETURN = "deny_return"
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REQUEST_SUSPENSION = "request_suspension"  # 申请挂账
    APPROVE_SUSPENSION = "approve_suspension"
    DENY_SUSPENSION = "deny_suspension"
    RESUME = "resume"  # 恢复处置
    REPORT_DONE = "report_done"  # 处置反馈
    ASSIGN_CHECK = "assign_check"  # 派发核查 (names the supervisor; state unchanged)
    CHECK_PASS = "check_pass"  # 核查通过
    CHECK_FAIL = "check_fail"  # 核查不通过 → 返工
    CLOSE = "close"  # 结案
    SELF_HANDLE = "self_handle"  # 自行处置
    REOPEN = "reopen"  # 市民重新打开
    TRANSFER = "transfer"  # 转办到另一网络
    COMMENT = "comment"  # 沟通交流
    ESCALATE = "escalate"  # 超时升级督办: taken by the system (the deadline sweep), never by a person
    CALLBACK = "callback"  # 回访: an operator calls a 12345 caller back after the closure

    @property
    def label_zh(self) -> str:
        return _ACTION_LABELS[self]

    @property
    def label_en(self) -> str:
        return _ACTION_LABELS_EN[self]


_ACTION_LABELS = {
    CaseAction.SEND_VERIFY: "派发核实",
    CaseAction.VERIFY_OK: "核实属实",
    CaseAction.VERIFY_FALSE: "核实不属实",
    CaseAction.ACCEPT_REPORT: "受理",
    CaseAction.REJECT: "不予受理",
    CaseAction.FILE: "立案",
    CaseAction.SEND_BACK: "退回受理",
    CaseAction.REQUEST_VOID: "申请作废",
    CaseAction.APPROVE_VOID: "批准作废",
    CaseAction.DENY_VOID: "驳回作废",
    CaseAction.DISPATCH: "派遣",
    CaseAction.ACCEPT: "签收",
    CaseAction.REQUEST_RETURN: "申请退回",
    CaseAction.APPROVE_RETURN: "批准退回",
    CaseAction.DENY_RETURN: "驳回退回",
    CaseAction.REQUEST_EXTENSION: "申请延期",
    CaseAction.APPROVE_EXTENSION: "批准延期",
    CaseAction.DENY_EXTENSION: "驳回延期",
    CaseAction.REQUEST_SUSPENSION: "申请挂账",
    CaseAction.APPROVE_SUSPENSION: "批准挂账",
    CaseAction.DENY_SUSPENSION: "驳回挂账",
    CaseAction.RESUME: "恢复处置",
    CaseAction.REPORT_DONE: "处置反馈",
    CaseAction.ASSIGN_CHECK: "派发核查",
    CaseAction.CHECK_PASS: "核查通过",
    CaseAction.CHECK_FAIL: "核查不通过",
    CaseAction.CLOSE: "结案",
    CaseAction.SELF_HANDLE: "自行处置",
    CaseAction.REOPEN: "重新办理",
    CaseAction.TRANSFER: "转办",
    CaseAction.COMMENT: "沟通交流",
    CaseAction.ESCALATE: "超时升级",
    CaseAction.CALLBACK: "回访",
}

_ACTION_LABELS_EN = {
    CaseAction.SEND_VERIFY: "Send to verify",
    CaseAction.VERIFY_OK: "Verified: true",
    CaseAction.VERIFY_FALSE: "Verified: not true",
    CaseAction.ACCEPT_REPORT: "Accept",
    CaseAction.REJECT: "Reject",
    CaseAction.FILE: "File",
    CaseAction.SEND_BACK: "Send back",
    CaseAction.REQUEST_VOID: "Request void",
    CaseAction.APPROVE_VOID: "Approve void",
    CaseAction.DENY_VOID: "Deny void",
    CaseAction.DISPATCH: "Dispatch",
    CaseAction.ACCEPT: "Sign for",
    CaseAction.REQUEST_RETURN: "Request return",
    CaseAction.APPROVE_RETURN: "Approve return",
    CaseAction.DENY_RETURN: "Deny return",
    CaseAction.REQUEST_EXTENSION: "Request extension",
    CaseAction.APPROVE_EXTENSION: "Approve extension",
    CaseAction.DENY_EXTENSION: "Deny extension",
    CaseAction.REQUEST_SUSPENSION: "Request suspension",
    CaseAction.APPROVE_SUSPENSION: "Approve suspension",
    CaseAction.DENY_SUSPENSION: "Deny suspension",
    CaseAction.RESUME: "Resume",
    CaseAction.REPORT_DONE: "Report disposal",
    CaseAction.ASSIGN_CHECK: "Send to check",
    CaseAction.CHECK_PASS: "Check passed",
    CaseAction.CHECK_FAIL: "Check failed",
    CaseAction.CLOSE: "Close",
    CaseAction.SELF_HANDLE: "Handle on the spot",
    CaseAction.REOPEN: "Reopen",
    CaseAction.TRANSFER: "Transfer",
    CaseAction.COMMENT: "Comment",
    CaseAction.ESCALATE: "Escalate",
    CaseAction.CALLBACK: "Call back",
}

# The platform's decisions on a pending request (审批): timed by the decision's own clock.
DECISIONS = frozenset(
    {
        CaseAction.APPROVE_VOID,
        CaseAction.DENY_VOID,
        CaseAction.APPROVE_RETURN,
        CaseAction.DENY_RETURN,
        CaseAction.APPROVE_EXTENSION,
        CaseAction.DENY_EXTENSION,
        CaseAction.APPROVE_SUSPENSION,
        CaseAction.DENY_SUSPENSION,
    }
)

# The name a history row gives its actor when no person acted (the deadline sweep). Not a Role: no
# account can hold it, so no one can sign in as the system.
SYSTEM_ACTOR_ROLE = "system"
SYSTEM_ACTOR_NAME = "系统"


class ClosingType(StrEnum):
    NORMAL = "normal"  # 正常结案
    OVERDUE = "overdue"  # 超时结案
    ERRONEOUS = "erroneous"  # 差错结案
    SPECIAL = "special"  # 特殊结案
    SELF_HANDLED = "self_handled"  # 自行处置

    @property
    def label_zh(self) -> str:
        return _CLOSING_LABELS[self]

    @property
    def label_en(self) -> str:
        return _CLOSING_LABELS_EN[self]


_CLOSING_LABELS = {
    ClosingType.NORMAL: "正常结案",
    ClosingType.OVERDUE: "超期结案",
    ClosingType.ERRONEOUS: "差错结案",
    ClosingType.SPECIAL: "特殊结案",
    ClosingType.SELF_HANDLED: "自行处置",
}

_CLOSING_LABELS_EN = {
    ClosingType.NORMAL: "Normal closing",
    ClosingType.OVERDUE: "Overdue closing",
    ClosingType.ERRONEOUS: "Erroneous closing",
    ClosingType.SPECIAL: "Special closing",
    ClosingType.SELF_HANDLED: "Handled on the spot",
}


def closing_type_for(requested: str | None, disposed_late: bool, note: str) -> ClosingType:
    """The closing type follows the clock ([7] item 4, docs/domain/workflow.md): left empty, it is
    超期结案 when the department disposed after its deadline and 正常结案 otherwise; a late case
    cannot be closed as normal, nor an on-time one as overdue (either would move the department's
    figures); 特殊结案 needs the reason; 差错结案 (a case that should not have been filed) may be
    chosen at any time; 自行处置 is set by the self-handle action only."""
    if requested is None or requested == "":
        return ClosingType.OVERDUE if disposed_late else ClosingType.NORMAL
    try:
        closing = ClosingType(requested)
    except ValueError:
        raise Invalid(
            message(
                "closing.unknown",
                requested=requested,
                types=", ".join(t.value for t in ClosingType),
                types_zh="、".join(t.label_zh for t in ClosingType if t is not ClosingType.SELF_HANDLED),
            )
        ) from None
    if closing == ClosingType.SELF_HANDLED:
        raise Invalid(message("closing.self_handled"))
    if closing == ClosingType.NORMAL and disposed_late:
        raise Invalid(message("closing.late_not_normal"))
    if closing == ClosingType.OVERDUE and not disposed_late:
        raise Invalid(message("closing.on_time_not_overdue"))
    if closing == ClosingType.SPECIAL and not note.strip():
        raise Invalid(message("closing.special_needs_reason"))
    return closing


# The post whose clock runs in each state (docs/domain/clocks.md §Posts); None: no clock runs. A
# case in rework (返工) runs the rework clock in the disposal states: `case.stage` says which.
STAGE_OF_STATE: dict[CaseState, Stage | None] = {
    CaseState.REPORTED: Stage.ACCEPT,
    CaseState.VERIFYING: Stage.VERIFY,
    CaseState.ACCEPTED: Stage.FILE,
    CaseState.FILED: Stage.DISPATCH,
    CaseState.VOID_REQUESTED: Stage.DECIDE,
    CaseState.DISPATCHED: Stage.DISPOSE,
    CaseState.DISPOSING: Stage.DISPOSE,
    CaseState.RETURN_REQUESTED: Stage.DECIDE,
    CaseState.EXTENSION_REQUESTED: Stage.DECIDE,
    CaseState.SUSPENSION_REQUESTED: Stage.DECIDE,
    CaseState.SUSPENDED: Stage.DISPOSE,
    CaseState.DISPOSED: Stage.CHECK,
    CaseState.CHECKED: Stage.CLOSE,
    CaseState.CLOSED: None,
    CaseState.REJECTED: None,
    CaseState.VOID: None,
}
# A department's request waits for the platform's decision: the department's clock stops (it is
# parked on the case) and the decision's own clock runs, charged to the deciding post.
REQUEST_STATES = frozenset(
    {CaseState.RETURN_REQUESTED, CaseState.EXTENSION_REQUESTED, CaseState.SUSPENSION_REQUESTED}
)


def next_stage(current: Stage | None, to_state: CaseState, action: CaseAction) -> Stage | None:
    """The post whose clock runs once `action` has taken a case to `to_state`; `current` is the
    post whose clock ran before (for a decision: the clock the request interrupted). A failed check
    starts the rework clock (返工时限), and the disposal states of a reworked case stay in rework."""
    if action is CaseAction.CHECK_FAIL:
        return Stage.REWORK
    stage = STAGE_OF_STATE[to_state]
    if stage is Stage.DISPOSE and current is Stage.REWORK:
        return Stage.REWORK
    return stage


@dataclass(frozen=True)
class Transition:
    state: CaseState
    action: CaseAction
    roles: frozenset[Role]
    target: CaseState | None  # None: the state does not change (comment, extension approval …)
    fields: tuple[str, ...] = ()  # what the action needs from the caller besides `version`


S, A, R = CaseState, CaseAction, Role


def _t(
    state: CaseState,
    action: CaseAction,
    roles: set[Role],
    target: CaseState | None,
    fields: tuple[str, ...] = (),
) -> Transition:
    return Transition(state, action, frozenset(roles), target, fields)


_STAFF = {R.SUPERVISOR, R.OPERATOR, R.SHIFT_LEADER, R.DISPATCHER, R.HANDLER, R.LEADER, R.ADMIN}
_TRANSFERABLE = (S.REPORTED, S.VERIFYING, S.ACCEPTED, S.FILED)
_RELEASED_ON_TRANSFER = (S.DISPATCHED, S.DISPOSING)

_ROWS: list[Transition] = [
    # intake and verification 受理、核实
    _t(S.REPORTED, A.SEND_VERIFY, {R.OPERATOR}, S.VERIFYING, ("assignee_id", "note")),
    _t(S.REPORTED, A.ACCEPT_REPORT, {R.OPERATOR}, S.ACCEPTED, ("note",)),
    _t(S.REPORTED, A.REJECT, {R.OPERATOR}, S.REJECTED, ("note",)),
    _t(S.VERIFYING, A.VERIFY_OK, {R.SUPERVISOR}, S.ACCEPTED, ("note", "attachments")),
    _t(S.VERIFYING, A.VERIFY_FALSE, {R.SUPERVISOR}, S.REJECTED, ("note", "attachments")),
    # filing 立案
    _t(S.ACCEPTED, A.FILE, {R.SHIFT_LEADER}, S.FILED, ("class_code", "urgency", "note")),
    _t(S.ACCEPTED, A.SEND_BACK, {R.SHIFT_LEADER}, S.REPORTED, ("note",)),
    _t(S.ACCEPTED, A.REQUEST_VOID, {R.OPERATOR, R.SHIFT_LEADER}, S.VOID_REQUESTED, ("note",)),
    _t(S.VOID_REQUESTED, A.APPROVE_VOID, {R.SHIFT_LEADER}, S.VOID, ("note",)),
    _t(S.VOID_REQUESTED, A.DENY_VOID, {R.SHIFT_LEADER}, S.ACCEPTED, ("note",)),
    # dispatch and disposal 派遣、处置
    _t(S.FILED, A.DISPATCH, {R.DISPATCHER}, S.DISPATCHED, ("department_id", "cooperating_ids", "note")),
    _t(S.DISPATCHED, A.ACCEPT, {R.HANDLER}, S.DISPOSING, ("note",)),
    _t(S.DISPATCHED, A.REQUEST_RETURN, {R.HANDLER}, S.RETURN_REQUESTED, ("note",)),
    _t(S.DISPOSING, A.REQUEST_RETURN, {R.HANDLER}, S.RETURN_REQUESTED, ("note",)),
    _t(S.RETURN_REQUESTED, A.APPROVE_RETURN, {R.DISPATCHER}, S.FILED, ("note",)),
    # a denied return means: this is yours after all — the department handles it
    _t(S.RETURN_REQUESTED, A.DENY_RETURN, {R.DISPATCHER}, S.DISPOSING, ("note",)),
    _t(S.DISPOSING, A.REQUEST_EXTENSION, {R.HANDLER}, S.EXTENSION_REQUESTED, ("extension", "note")),
    _t(S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION, {R.DISPATCHER}, S.DISPOSING, ("extension", "note")),
    _t(S.EXTENSION_REQUESTED, A.DENY_EXTENSION, {R.DISPATCHER}, S.DISPOSING, ("note",)),
    _t(S.DISPOSING, A.REQUEST_SUSPENSION, {R.HANDLER}, S.SUSPENSION_REQUESTED, ("note",)),
    _t(S.SUSPENSION_REQUESTED, A.APPROVE_SUSPENSION, {R.DISPATCHER}, S.SUSPENDED, ("note",)),
    _t(S.SUSPENSION_REQUESTED, A.DENY_SUSPENSION, {R.DISPATCHER}, S.DISPOSING, ("note",)),
    _t(S.SUSPENDED, A.RESUME, {R.HANDLER, R.DISPATCHER}, S.DISPOSING, ("note",)),
    _t(S.DISPOSING, A.REPORT_DONE, {R.HANDLER}, S.DISPOSED, ("note", "attachments")),
    # check and close 核查、结案
    _t(S.DISPOSED, A.ASSIGN_CHECK, {R.OPERATOR}, None, ("assignee_id", "note")),
    _t(S.DISPOSED, A.CHECK_PASS, {R.SUPERVISOR}, S.CHECKED, ("note", "attachments")),
    _t(S.DISPOSED, A.CHECK_FAIL, {R.SUPERVISOR}, S.DISPATCHED, ("note", "attachments")),
    _t(S.CHECKED, A.CLOSE, {R.SHIFT_LEADER}, S.CLOSED, ("closing_type", "note")),
    # 自行处置: the supervisor fixed it on the spot
    _t(S.ACCEPTED, A.SELF_HANDLE, {R.SUPERVISOR}, S.CLOSED, ("note", "attachments")),
    _t(S.FILED, A.SELF_HANDLE, {R.SUPERVISOR}, S.CLOSED, ("note", "attachments")),
    # the citizen who reported may reopen a closed case within the configured days
    _t(S.CLOSED, A.REOPEN, {R.CITIZEN}, S.FILED, ("note",)),
    # 回访: the operator calls a 12345 caller back after the closure (docs/domain/assessment.md §12345)
    _t(S.CLOSED, A.CALLBACK, {R.OPERATOR}, None, ("verdict", "solved", "note")),
]
# 转办: move a case to another network; before dispatch the state stays, after it the case is
# released by its department and waits for dispatch in the new network.
_ROWS += [
    _t(s, A.TRANSFER, {R.SHIFT_LEADER, R.DISPATCHER}, None, ("network", "class_code", "note"))
    for s in _TRANSFERABLE
]
_ROWS += [
    _t(s, A.TRANSFER, {R.SHIFT_LEADER, R.DISPATCHER}, S.FILED, ("network", "class_code", "note"))
    for s in _RELEASED_ON_TRANSFER
]
# 沟通交流: anyone involved may add a note or a question in any state, closed cases included.
_ROWS += [_t(s, A.COMMENT, _STAFF | {R.CITIZEN}, None, ("note", "attachments", "to_role")) for s in CaseState]
# 超时升级: the deadline sweep escalates a department's overdue disposal (or rework) while its clock
# runs (not while suspended); the command centre's own stages are warned, never escalated. No role
# may take it (empty role set): only `services.cases.record_system_events`.
ESCALATABLE_STATES = tuple(
    s for s in CaseState if STAGE_OF_STATE[s] in DEPARTMENT_STAGES and s != S.SUSPENDED
)
_ROWS += [_t(s, A.ESCALATE, set(), None) for s in ESCALATABLE_STATES]

TRANSITIONS: dict[tuple[CaseState, CaseAction], Transition] = {(t.state, t.action): t for t in _ROWS}
assert len(TRANSITIONS) == len(_ROWS), "duplicate (state, action) row in the workflow table"


def case_number(case_id: int, reported_local: date) -> str:
    """The number people quote (案件编号): the local report date and the case id, e.g. 2026111600000042.

    Derived, not stored: it cannot disagree with the id, and intake needs no second write."""
    return f"{_date_digits(reported_local)}{case_id:08d}"


@lru_cache(maxsize=4096)
def _date_digits(day: date) -> str:
    """The same digits as %Y%m%d, without strftime, once per date (a map window numbers up to
    20,000 cases, reported on a few hundred days)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def parse_case_number(text: str) -> tuple[int, date] | None:
    """(id, date) of a case number, or None when the text is not one."""
    text = text.strip()
    if len(text) < 16 or not text.isdigit():
        return None
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
    return int(text[8:]), day


def transition_for(state: CaseState, action: CaseAction, role: Role) -> Transition:
    """The table row for (state, action, role), or a clear refusal.

    InvalidTransition (409) when the action does not exist from this state at all;
    Forbidden (403) when it does but not for this role.
    """
    row = TRANSITIONS.get((state, action))
    names = {
        "state": state.value,
        "state_zh": state.label_zh,
        "action": action.value,
        "action_zh": action.label_zh,
    }
    if row is None:
        possible = sorted((a for (s, a) in TRANSITIONS if s == state), key=lambda a: a.value)
        raise InvalidTransition(
            message(
                "workflow.not_possible",
                **names,
                allowed=", ".join(a.value for a in possible) or "none",
                allowed_zh="、".join(a.label_zh for a in possible if a is not CaseAction.ESCALATE) or "无",
            ),
            state=state.value,
            action=action.value,
        )
    who = {"role": role.value, "role_zh": role.label_zh}
    if not row.roles:
        refusal = message("workflow.system_only", **names, **who)
        raise Forbidden(refusal, state=state.value, action=action.value)
    if role not in row.roles:
        roles = sorted(row.roles, key=lambda r: r.value)
        raise Forbidden(
            message(
                "workflow.not_your_role",
                **names,
                **who,
                who=", ".join(r.value for r in roles),
                who_zh="或".join(r.label_zh for r in roles),
            ),
            state=state.value,
            action=action.value,
        )
    return row


def system_transition(state: CaseState, action: CaseAction) -> Transition:
    """The table row of an action only the system takes (no role may), or InvalidTransition."""
    row = TRANSITIONS.get((state, action))
    if row is None or row.roles:
        raise InvalidTransition(
            message(
                "workflow.system_cannot",
                action=action.value,
                action_zh=action.label_zh,
                state=state.value,
                state_zh=state.label_zh,
            ),
            state=state.value,
            action=action.value,
        )
    return row


def next_state(state: CaseState, action: CaseAction, role: Role) -> CaseState:
    """The state after `action` by `role` from `state`; raises when the move is not allowed."""
    row = transition_for(state, action, role)
    return row.target if row.target is not None else state


def actions_for(state: CaseState, role: Role) -> list[Transition]:
    """The table rows a role may take from a state, in table order (for buttons and the API)."""
    return [t for t in _ROWS if t.state == state and role in t.roles]
