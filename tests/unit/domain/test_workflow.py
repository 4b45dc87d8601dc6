"""The workflow table: every (state, action, role) triple is either the documented move or refused."""

from __future__ import annotations

import itertools

import pytest

from gridcity.domain.errors import Forbidden, InvalidTransition
from gridcity.domain.taxonomy import Stage
from gridcity.domain.workflow import (
    STAGE_OF_STATE,
    TRANSITIONS,
    CaseAction,
    CaseState,
    Role,
    actions_for,
    next_stage,
    next_state,
    system_transition,
)

S, A, R = CaseState, CaseAction, Role

# The documented moves of docs/domain/workflow.md §The moves, written out independently of the table.
EXPECTED: dict[tuple[CaseState, CaseAction], tuple[set[Role], CaseState]] = {
    (S.REPORTED, A.SEND_VERIFY): ({R.OPERATOR}, S.VERIFYING),
    (S.REPORTED, A.ACCEPT_REPORT): ({R.OPERATOR}, S.ACCEPTED),
    (S.REPORTED, A.REJECT): ({R.OPERATOR}, S.REJECTED),
    (S.VERIFYING, A.VERIFY_OK): ({R.SUPERVISOR}, S.ACCEPTED),
    (S.VERIFYING, A.VERIFY_FALSE): ({R.SUPERVISOR}, S.REJECTED),
    (S.ACCEPTED, A.FILE): ({R.SHIFT_LEADER}, S.FILED),
    (S.ACCEPTED, A.SEND_BACK): ({R.SHIFT_LEADER}, S.REPORTED),
    (S.ACCEPTED, A.REQUEST_VOID): ({R.OPERATOR, R.SHIFT_LEADER}, S.VOID_REQUESTED),
    (S.VOID_REQUESTED, A.APPROVE_VOID): ({R.SHIFT_LEADER}, S.VOID),
    (S.VOID_REQUESTED, A.DENY_VOID): ({R.SHIFT_LEADER}, S.ACCEPTED),
    (S.FILED, A.DISPATCH): ({R.DISPATCHER}, S.DISPATCHED),
    (S.DISPATCHED, A.ACCEPT): ({R.HANDLER}, S.DISPOSING),
    (S.DISPATCHED, A.REQUEST_RETURN): ({R.HANDLER}, S.RETURN_REQUESTED),
    (S.DISPOSING, A.REQUEST_RETURN): ({R.HANDLER}, S.RETURN_REQUESTED),
    (S.RETURN_REQUESTED, A.APPROVE_RETURN): ({R.DISPATCHER}, S.FILED),
    (S.RETURN_REQUESTED, A.DENY_RETURN): ({R.DISPATCHER}, S.DISPOSING),
    (S.DISPOSING, A.REQUEST_EXTENSION): ({R.HANDLER}, S.EXTENSION_REQUESTED),
    (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION): ({R.DISPATCHER}, S.DISPOSING),
    (S.EXTENSION_REQUESTED, A.DENY_EXTENSION): ({R.DISPATCHER}, S.DISPOSING),
    (S.DISPOSING, A.REQUEST_SUSPENSION): ({R.HANDLER}, S.SUSPENSION_REQUESTED),
    (S.SUSPENSION_REQUESTED, A.APPROVE_SUSPENSION): ({R.DISPATCHER}, S.SUSPENDED),
    (S.SUSPENSION_REQUESTED, A.DENY_SUSPENSION): ({R.DISPATCHER}, S.DISPOSING),
    (S.SUSPENDED, A.RESUME): ({R.HANDLER, R.DISPATCHER}, S.DISPOSING),
    (S.DISPOSING, A.REPORT_DONE): ({R.HANDLER}, S.DISPOSED),
    (S.DISPOSED, A.ASSIGN_CHECK): ({R.OPERATOR}, S.DISPOSED),
    (S.DISPOSED, A.CHECK_PASS): ({R.SUPERVISOR}, S.CHECKED),
    (S.DISPOSED, A.CHECK_FAIL): ({R.SUPERVISOR}, S.DISPATCHED),
    (S.CHECKED, A.CLOSE): ({R.SHIFT_LEADER}, S.CLOSED),
    (S.ACCEPTED, A.SELF_HANDLE): ({R.SUPERVISOR}, S.CLOSED),
    (S.FILED, A.SELF_HANDLE): ({R.SUPERVISOR}, S.CLOSED),
    (S.CLOSED, A.REOPEN): ({R.CITIZEN}, S.FILED),
    # 回访: the operator calls a 12345 caller back after the closure (the state does not change)
    (S.CLOSED, A.CALLBACK): ({R.OPERATOR}, S.CLOSED),
}
for _s in (S.REPORTED, S.VERIFYING, S.ACCEPTED, S.FILED):
    EXPECTED[(_s, A.TRANSFER)] = ({R.SHIFT_LEADER, R.DISPATCHER}, _s)
for _s in (S.DISPATCHED, S.DISPOSING):
    EXPECTED[(_s, A.TRANSFER)] = ({R.SHIFT_LEADER, R.DISPATCHER}, S.FILED)
# The registry's roles (网格员, 治安网格员) take no part in the case workflow: Forbidden everywhere.
for _s in CaseState:
    EXPECTED[(_s, A.COMMENT)] = (set(Role) - {R.GRID_WORKER, R.POLICE}, _s)
# 超时升级 is the system's (the deadline sweep), only while a department's disposal clock runs: no
# role may take it. The command centre's own posts (受理 … 结案, 审批) are warned, never escalated.
SYSTEM_ONLY = {S.DISPATCHED, S.DISPOSING}
for _s in SYSTEM_ONLY:
    EXPECTED[(_s, A.ESCALATE)] = (set(), _s)

TRIPLES = list(itertools.product(CaseState, CaseAction, Role))


@pytest.mark.parametrize(("state", "action", "role"), TRIPLES, ids=lambda v: v.value)
def test_every_triple(state: CaseState, action: CaseAction, role: Role) -> None:
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition) as err:
            next_state(state, action, role)
        assert err.value.status_code == 409
        assert state.value in err.value.message
    elif role not in expected[0]:
        with pytest.raises(Forbidden) as err:
            next_state(state, action, role)
        assert err.value.status_code == 403
        assert role.value in err.value.message
    else:
        assert next_state(state, action, role) == expected[1]


def test_table_has_exactly_the_documented_moves() -> None:
    assert set(TRANSITIONS) == set(EXPECTED)


def test_terminal_states_only_allow_comment_and_reopen() -> None:
    for state in (S.REJECTED, S.VOID):
        assert {t.action for t in actions_for(state, R.SHIFT_LEADER)} == {A.COMMENT}
    assert {t.action for t in actions_for(S.CLOSED, R.CITIZEN)} == {A.COMMENT, A.REOPEN}


def test_actions_name_the_fields_they_need() -> None:
    dispatch = next(t for t in actions_for(S.FILED, R.DISPATCHER) if t.action == A.DISPATCH)
    assert "department_id" in dispatch.fields
    extension = next(t for t in actions_for(S.DISPOSING, R.HANDLER) if t.action == A.REQUEST_EXTENSION)
    assert "extension" in extension.fields


def test_every_state_has_a_stage_entry_and_a_chinese_label() -> None:
    for state in CaseState:
        assert state in STAGE_OF_STATE
        assert state.label_zh
    for action in CaseAction:
        assert action.label_zh


def test_escalation_is_the_systems_alone() -> None:
    for state in CaseState:
        for role in Role:
            assert A.ESCALATE not in {t.action for t in actions_for(state, role)}  # never offered
        if state in SYSTEM_ONLY:
            row = system_transition(state, A.ESCALATE)
            assert row.target is None and not row.roles  # the state does not change
        else:  # a command-centre post, no clock, or a suspended one: nothing to escalate
            with pytest.raises(InvalidTransition):
                system_transition(state, A.ESCALATE)
    with pytest.raises(Forbidden) as err:
        next_state(S.DISPOSING, A.ESCALATE, R.LEADER)
    assert "only the system" in err.value.message
    with pytest.raises(InvalidTransition):
        system_transition(S.DISPOSING, A.REPORT_DONE)  # a person's action is not the system's


def test_the_post_whose_clock_runs_after_each_move() -> None:
    """[7] a clock per post: the stage follows the state, a failed check starts the rework clock
    and the disposal states of a reworked case stay in rework; an approved return starts dispatch."""
    assert next_stage(None, S.REPORTED, A.REOPEN) is Stage.ACCEPT
    assert next_stage(Stage.ACCEPT, S.ACCEPTED, A.ACCEPT_REPORT) is Stage.FILE
    assert next_stage(Stage.FILE, S.FILED, A.FILE) is Stage.DISPATCH
    assert next_stage(Stage.DISPATCH, S.DISPATCHED, A.DISPATCH) is Stage.DISPOSE
    assert next_stage(Stage.DISPOSE, S.EXTENSION_REQUESTED, A.REQUEST_EXTENSION) is Stage.DECIDE
    assert next_stage(Stage.CHECK, S.DISPATCHED, A.CHECK_FAIL) is Stage.REWORK
    assert next_stage(Stage.REWORK, S.DISPOSING, A.ACCEPT) is Stage.REWORK
    assert next_stage(Stage.REWORK, S.DISPOSED, A.REPORT_DONE) is Stage.CHECK
    assert next_stage(Stage.REWORK, S.FILED, A.APPROVE_RETURN) is Stage.DISPATCH
    assert next_stage(Stage.CHECK, S.CHECKED, A.CHECK_PASS) is Stage.CLOSE
    assert next_stage(Stage.CLOSE, S.CLOSED, A.CLOSE) is None
