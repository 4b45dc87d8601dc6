"""The work queues of the console (受理、核实、立案、派遣、审批、处置、核查、结案) as state filters."""

from __future__ import annotations

from gridcity.domain.workflow import CaseState, Role

S = CaseState

QUEUES: dict[str, tuple[CaseState, ...]] = {
    "accept": (S.REPORTED,),
    "verify": (S.VERIFYING,),
    "file": (S.ACCEPTED,),
    "dispatch": (S.FILED,),
    "approve": (S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.SUSPENSION_REQUESTED, S.VOID_REQUESTED),
    "dispose": (S.DISPATCHED, S.DISPOSING, S.SUSPENDED),
    "check": (S.DISPOSED,),
    "close": (S.CHECKED,),
    "all": (),
}

# The queue each role opens on.
HOME_QUEUE = {
    Role.OPERATOR: "accept",
    Role.SUPERVISOR: "verify",
    Role.SHIFT_LEADER: "file",
    Role.DISPATCHER: "dispatch",
    Role.HANDLER: "dispose",
}


def queue_counts(by_state: dict[str, int]) -> dict[str, int]:
    counts = {
        name: sum(by_state.get(s.value, 0) for s in states) for name, states in QUEUES.items() if states
    }
    counts["all"] = sum(by_state.values())
    return counts
