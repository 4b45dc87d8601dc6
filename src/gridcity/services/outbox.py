"""The outbox: messages about committed changes, written in the same transaction as the change, for
a worker to deliver to the systems docked with the platform."""

from __future__ import annotations

from typing import Any

from gridcity.db.models import Case, CaseEvent
from gridcity.observability import request_id
from gridcity.services.platform import Platform


def message_for(platform: Platform, topic: str, case: Case, event: CaseEvent) -> dict[str, Any]:
    return {
        "topic": topic,
        "case_id": case.id,
        "created_at": event.at,
        "request_id": request_id.get(),  # the request that made the change (None: the worker, a command)
        "payload": {
            "case_id": case.id,
            "number": platform.case_number(case),
            "event_seq": event.seq,
            "action": event.action,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "department_id": case.department_id,
            "at": event.at.isoformat(),
        },
    }
