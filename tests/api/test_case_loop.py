"""One case through every path of the workflow, through the JSON API, on SQLite and PostgreSQL.

Each step asserts what the caller sees: the new state, the version, the history row the step
appended, and the actions the next person is offered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text
from tests.conftest import Clock
from tests.support import upload_photo

from gridcity.domain.taxonomy import DEFAULT_PHOTO_REQUIRED

# A point inside 东华门街道 (110101001), near the east gate of the Forbidden City.
DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


@pytest.fixture
def staff(make_user, login) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    users = {
        role: make_user(role)
        for role in ("supervisor", "operator", "shift_leader", "dispatcher", "handler", "citizen", "leader")
    }
    headers = {role: login(u) for role, u in users.items()}
    headers["_ids"] = {role: u.id for role, u in users.items()}  # type: ignore[assignment]
    return headers


class Walker:
    """Drives one case through the API and checks each step's history row."""

    def __init__(self, client, staff, clock: Clock) -> None:  # type: ignore[no-untyped-def]
        self.client, self.staff, self.clock = client, staff, clock
        self.case: dict[str, Any] = {}

    def report(self, role: str, **extra: Any) -> dict[str, Any]:
        body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "路边暴露垃圾", **extra}
        r = self.client.post("/api/v1/cases", json=body, headers=self.staff[role])
        assert r.status_code == 201, r.text
        self.case = r.json()
        return self.case

    def do(self, role: str, action: str, expect: str, minutes: float = 10, **fields: Any) -> dict[str, Any]:
        self.clock.advance(minutes=minutes)
        before = self.case
        if action in DEFAULT_PHOTO_REQUIRED and "attachment_ids" not in fields:
            fields["attachment_ids"] = [upload_photo(self.client, self.staff[role])]  # the scene, as required
        body = {
            "action": action,
            "version": before["version"],
            "note": fields.pop("note", f"{action} note"),
            **fields,
        }
        r = self.client.post(f"/api/v1/cases/{before['id']}/actions", json=body, headers=self.staff[role])
        assert r.status_code == 200, r.text
        after = r.json()
        assert after["state"] == expect
        assert after["version"] == before["version"] + 1
        last = after["history"][-1]
        assert len(after["history"]) == len(before["history"]) + 1
        assert (last["action"], last["from_state"], last["to_state"]) == (action, before["state"], expect)
        assert last["actor"]["role"] == role
        assert datetime.fromisoformat(last["at"]) == self.clock.t
        self.case = after
        return after

    def offered(self, role: str) -> set[str]:
        r = self.client.get(f"/api/v1/cases/{self.case['id']}", headers=self.staff[role])
        assert r.status_code == 200, r.text
        return {a["action"] for a in r.json()["actions"]}


@pytest.fixture
def walk(client, staff, clock) -> Walker:  # type: ignore[no-untyped-def]
    return Walker(client, staff, clock)


def test_citizen_report_through_rework_extension_suspension_close_and_reopen(walk: Walker, staff) -> None:
    case = walk.report("citizen")
    assert case["state"] == "reported"
    assert case["street_code"] == "110101001" and case["district_code"] == "110101"
    assert case["grids"]["city_management"].startswith("110101001")
    assert len(case["grids"]["city_management"]) == 15
    assert case["grids"]["social_service"] and case["grids"]["public_security"]
    assert case["history"][0]["action"] == "report"
    assert "send_verify" in walk.offered("operator")
    assert walk.offered("dispatcher") == {"comment", "transfer"}  # nothing to dispatch yet

    walk.do("operator", "send_verify", "verifying", assignee_id=staff["_ids"]["supervisor"])
    assert walk.case["clock"]["stage"] == "verify" and walk.case["traffic_light"] == "green"
    walk.do("supervisor", "verify_ok", "accepted")
    filed = walk.do("shift_leader", "file", "filed")
    proposed = filed["proposed_department"]
    assert proposed is not None and proposed["kind"] == "department"
    assert filed["history"][-1]["data"]["proposed_department"]["id"] == proposed["id"]

    # the dispatcher overrides the proposal with the handler's department
    handler_unit = walk.client.get("/api/v1/me", headers=staff["handler"]).json()["org_unit"]
    dispatched = walk.do("dispatcher", "dispatch", "dispatched", department_id=handler_unit["id"])
    assert dispatched["department"]["id"] == handler_unit["id"]
    assert dispatched["clock"]["stage"] == "dispose"
    deadline_before = datetime.fromisoformat(dispatched["deadline"])

    walk.do("handler", "accept", "disposing")
    walk.do("handler", "request_extension", "extension_requested", extension="2 work_hours")
    extended = walk.do("dispatcher", "approve_extension", "disposing")
    assert extended["extension_count"] == 1
    assert datetime.fromisoformat(extended["deadline"]) > deadline_before

    walk.do("handler", "request_suspension", "suspension_requested")
    suspended = walk.do("dispatcher", "approve_suspension", "suspended")
    assert suspended["clock"]["paused"] is True and suspended["deadline"] is None
    resumed = walk.do("handler", "resume", "disposing", minutes=5 * 60)
    assert resumed["clock"]["paused"] is False and resumed["deadline"] is not None

    walk.do("handler", "report_done", "disposed")
    reworked = walk.do("supervisor", "check_fail", "dispatched", note="垃圾仍在")
    assert reworked["rework_count"] == 1
    walk.do("handler", "accept", "disposing")
    walk.do("handler", "report_done", "disposed")
    walk.do("supervisor", "check_pass", "checked")
    closed = walk.do("shift_leader", "close", "closed")
    assert closed["closing_type"] in {"normal", "overdue"} and closed["closed_at"] is not None
    assert walk.offered("citizen") == {"comment", "reopen"}

    reopened = walk.do("citizen", "reopen", "filed", minutes=60, note="又堆满了")
    assert reopened["reopen_count"] == 1 and reopened["closed_at"] is None and reopened["department"] is None


def test_return_denied_then_approved_and_redispatched(walk: Walker, staff) -> None:
    walk.report("supervisor")
    assert walk.case["state"] == "accepted"  # a supervisor's own report needs no verification
    walk.do("shift_leader", "file", "filed")
    handler_unit = walk.client.get("/api/v1/me", headers=staff["handler"]).json()["org_unit"]
    walk.do("dispatcher", "dispatch", "dispatched", department_id=handler_unit["id"])
    walk.do("handler", "request_return", "return_requested", note="不属于本单位")
    walk.do("dispatcher", "deny_return", "disposing")
    walk.do("handler", "request_return", "return_requested", note="确实不属于本单位")
    returned = walk.do("dispatcher", "approve_return", "filed")
    assert returned["department"] is None
    assert returned["history"][-1]["data"]["returned_by_department_id"] == handler_unit["id"]
    walk.do("dispatcher", "dispatch", "dispatched")  # to the proposed department this time


def test_rejections_void_and_self_handling(walk: Walker) -> None:
    walk.report("citizen")
    walk.do("operator", "reject", "rejected", note="不属于城市管理范围")
    assert walk.offered("operator") == {"comment"}

    walk.report("citizen")
    walk.do("operator", "send_verify", "verifying")
    walk.do("supervisor", "verify_false", "rejected", note="现场无此问题")

    walk.report("citizen")
    walk.do("operator", "accept_report", "accepted")
    walk.do("shift_leader", "send_back", "reported")
    walk.do("operator", "accept_report", "accepted")
    walk.do("operator", "request_void", "void_requested", note="重复上报")
    walk.do("shift_leader", "deny_void", "accepted")
    walk.do("operator", "request_void", "void_requested", note="确为重复")
    walk.do("shift_leader", "approve_void", "void")

    walk.report("supervisor")
    done = walk.do("supervisor", "self_handle", "closed", note="已现场清理")
    assert done["closing_type"] == "self_handled"


def test_transfer_to_another_network_keeps_history_and_releases_the_department(walk: Walker, staff) -> None:
    walk.report("supervisor")
    walk.do("shift_leader", "file", "filed")
    walk.do("dispatcher", "dispatch", "dispatched")
    social = walk.client.get(
        "/api/v1/classes", params={"network": "social_service"}, headers=staff["dispatcher"]
    )
    target = social.json()["items"][0]
    moved = walk.do(
        "dispatcher",
        "transfer",
        "filed",
        network="social_service",
        class_code=target["code"],
        standard=target["standard"],
        kind=target["kind"],
    )
    assert moved["network"] == "social_service" and moved["class_code"] == target["code"]
    assert moved["department"] is None
    assert [h["action"] for h in moved["history"]] == ["report", "file", "dispatch", "transfer"]
    assert moved["history"][-1]["data"]["network"] == {"from": "city_management", "to": "social_service"}


def test_comment_reaches_the_addressed_role(walk: Walker, client, staff) -> None:
    walk.report("citizen")
    walk.do("citizen", "comment", "reported", note="请尽快处理", to_role="operator")
    notes = client.get("/api/v1/notifications", headers=staff["operator"]).json()["items"]
    assert any(n["case_id"] == walk.case["id"] and n["kind"] == "note" for n in notes)


def test_stale_version_is_refused_and_only_one_dispatcher_wins(walk: Walker, client, staff) -> None:
    walk.report("supervisor")
    walk.do("shift_leader", "file", "filed")
    seen = walk.case["version"]
    url = f"/api/v1/cases/{walk.case['id']}/actions"
    first = client.post(url, json={"action": "dispatch", "version": seen}, headers=staff["dispatcher"])
    second = client.post(url, json={"action": "dispatch", "version": seen}, headers=staff["dispatcher"])
    assert first.status_code == 200
    assert second.status_code == 409
    assert "changed since you loaded it" in second.json()["detail"]
    history = client.get(f"/api/v1/cases/{walk.case['id']}", headers=staff["dispatcher"]).json()["history"]
    assert [h["action"] for h in history].count("dispatch") == 1


def test_illegal_and_foreign_actions_are_refused_with_clear_errors(walk: Walker, client, staff) -> None:
    walk.report("citizen")
    url = f"/api/v1/cases/{walk.case['id']}/actions"
    version = walk.case["version"]
    wrong_state = client.post(
        url, json={"action": "close", "version": version}, headers=staff["shift_leader"]
    )
    assert (
        wrong_state.status_code == 409
        and "not possible while the case is 'reported'" in wrong_state.json()["detail"]
    )
    wrong_role = client.post(url, json={"action": "reject", "version": version}, headers=staff["dispatcher"])
    assert wrong_role.status_code == 403 and "operator" in wrong_role.json()["detail"]
    unknown = client.post(url, json={"action": "explode", "version": version}, headers=staff["operator"])
    assert unknown.status_code == 422 and "unknown action" in unknown.json()["detail"]
    missing_version = client.post(url, json={"action": "reject"}, headers=staff["operator"])
    assert missing_version.status_code == 422
    no_note = client.post(url, json={"action": "reject", "version": version}, headers=staff["operator"])
    assert no_note.status_code == 422 and "note" in no_note.json()["detail"]
    # nothing of the refused attempts reached the case
    after = client.get(f"/api/v1/cases/{walk.case['id']}", headers=staff["operator"]).json()
    assert after["version"] == version and len(after["history"]) == 1


def test_history_rows_cannot_be_changed_or_deleted(walk: Walker, platform) -> None:  # type: ignore[no-untyped-def]
    walk.report("supervisor")
    with platform.engine.connect() as conn:
        for statement in (
            f"UPDATE case_events SET note = 'rewritten' WHERE case_id = {walk.case['id']}",
            f"DELETE FROM case_events WHERE case_id = {walk.case['id']}",
        ):
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def test_cooperating_units_follow_the_class_and_see_the_case(walk: Walker, client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    walk.report("supervisor")
    walk.do("shift_leader", "file", "filed")
    dispatched = walk.do("dispatcher", "dispatch", "dispatched")
    # exposed garbage: the street's sanitation unit disposes, its city-appearance office cooperates
    assert dispatched["department"]["code"] == "110101001-HW"
    assert [u["code"] for u in dispatched["cooperating"]] == ["110101001-CSGL"]
    helper = login(make_user("handler", "110101001-CSGL"))
    listed = client.get("/api/v1/cases", params={"q": dispatched["number"]}, headers=helper).json()
    assert [c["id"] for c in listed["items"]] == [dispatched["id"]]
    notes = client.get("/api/v1/notifications", headers=helper).json()["items"]
    assert any(n["case_id"] == dispatched["id"] and n["kind"] == "assist" for n in notes)
    # a cooperating unit helps; it does not take the responsible department's actions
    r = client.post(
        f"/api/v1/cases/{dispatched['id']}/actions",
        json={"action": "accept", "version": dispatched["version"]},
        headers=helper,
    )
    assert r.status_code == 403 and "not with your department" in r.json()["detail"]


def test_the_closing_type_follows_the_clock(walk: Walker, client, staff) -> None:  # type: ignore[no-untyped-def]
    walk.report("supervisor")
    walk.do("shift_leader", "file", "filed")
    handler_unit = client.get("/api/v1/me", headers=staff["handler"]).json()["org_unit"]
    dispatched = walk.do("dispatcher", "dispatch", "dispatched", department_id=handler_unit["id"])
    deadline = datetime.fromisoformat(dispatched["deadline"])
    walk.do("handler", "accept", "disposing")
    late = (deadline - walk.clock.t).total_seconds() / 60 + 60  # an hour past the deadline
    walk.do("handler", "report_done", "disposed", minutes=late)
    walk.do("supervisor", "check_pass", "checked")

    def close(**fields: Any) -> Any:
        body = {"action": "close", "version": walk.case["version"], "note": "", **fields}
        return client.post(
            f"/api/v1/cases/{walk.case['id']}/actions", json=body, headers=staff["shift_leader"]
        )

    as_normal = close(closing_type="normal", note="按期")
    assert as_normal.status_code == 422 and "after its deadline" in as_normal.json()["detail"]
    no_reason = close(closing_type="special")
    assert no_reason.status_code == 422 and "needs the reason" in no_reason.json()["detail"]
    assert (
        client.get(f"/api/v1/cases/{walk.case['id']}", headers=staff["shift_leader"]).json()["state"]
        == "checked"
    )
    closed = walk.do("shift_leader", "close", "closed")  # left empty: the clock decides
    assert closed["closing_type"] == "overdue"
    assert closed["history"][-1]["data"]["closing_type"] == "overdue"
