"""Which outbox messages a subscription hears of, the signature, the backoff — without a database."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from types import SimpleNamespace

import pytest

from gridcity.config import Settings
from gridcity.services import webhooks


def message(action: str, from_state: str, to_state: str, department_id: int | None = 7) -> tuple[str, dict]:
    return f"case.{action}", {"from_state": from_state, "to_state": to_state, "department_id": department_id}


@pytest.mark.parametrize(
    ("action", "from_state", "to_state", "events"),
    [
        ("dispatch", "filed", "dispatched", ["dispatched"]),
        ("check_fail", "disposed", "dispatched", ["dispatched"]),  # 返工: back to the department
        ("accept", "dispatched", "disposing", ["accepted"]),
        ("request_extension", "disposing", "extension_requested", ["extension_requested"]),
        ("approve_extension", "extension_requested", "disposing", ["extension_decided"]),
        ("deny_extension", "extension_requested", "disposing", ["extension_decided"]),
        ("report_done", "disposing", "disposed", ["disposed"]),
        ("escalate", "disposing", "disposing", ["overdue"]),
        ("close", "checked", "closed", ["closed"]),
        ("self_handle", "filed", "closed", ["closed"]),
        ("reopen", "closed", "filed", ["reopened"]),
        ("comment", "closed", "closed", []),
        ("file", "accepted", "filed", []),
    ],
)
def test_events_of_each_change(action: str, from_state: str, to_state: str, events: list[str]) -> None:
    assert webhooks.events_of(*message(action, from_state, to_state)) == events


def test_to_me_is_the_department_after_the_change_or_the_territory() -> None:
    topic, payload = message("dispatch", "filed", "dispatched", department_id=7)
    assert webhooks.event_for(["dispatched"], 7, "", topic, payload, "110101001") == "dispatched"
    assert webhooks.event_for(["dispatched"], 8, "", topic, payload, "110101001") is None  # not mine
    assert webhooks.event_for(["closed"], 7, "", topic, payload, "110101001") is None  # not wanted
    assert webhooks.event_for(["any"], None, "110101", topic, payload, "110101001") == "dispatched"
    assert webhooks.event_for(["any"], None, "110102", topic, payload, "110101001") is None
    comment = message("comment", "filed", "filed")
    assert webhooks.event_for(["any"], None, "", *comment, "110101001") == "comment"


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = '{"a":1,"名":"东城"}'.encode()
    expected = hmac.new(b"secret-key", body, hashlib.sha256).hexdigest()
    assert webhooks.sign("secret-key", body) == f"sha256={expected}"


def test_backoff_doubles_up_to_the_cap() -> None:
    settings = Settings(webhook_backoff_base_s=30, webhook_backoff_max_s=200, _env_file=None)  # type: ignore[call-arg]
    platform = SimpleNamespace(settings=settings)
    waits = [webhooks.backoff(platform, n) for n in range(1, 6)]  # type: ignore[arg-type]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 200, 200)]
