"""The bell ([8]): it lists what a person must still do. A task leaves it once someone did it (the case
moved on), a warning once the stage it warned of is over, an assist once the department's part is
done; notes stay until read. On SQLite and PostgreSQL, through the API, the bell's panel and its count."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.conftest import Clock
from tests.support import post_login, upload_photo

from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import DEFAULT_PHOTO_REQUIRED
from gridcity.services import notifications, sweep

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 (110101001)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


class Desk:
    """The people one case passes through, with their API headers."""

    def __init__(self, client: Any, make_user: Any, login: Any, clock: Clock) -> None:
        self.client, self.clock, self.login = client, clock, login
        self.users: dict[str, Principal] = {
            role: make_user(role)
            for role in ("citizen", "operator", "shift_leader", "dispatcher", "supervisor")
        }
        self.users["handler"] = make_user("handler", "110101001-HW")  # 东华门街道环卫所
        self.users["helper"] = make_user("handler", "110101001-CSGL")  # its cooperating unit
        self.sign_in()
        self.case: dict[str, Any] = {}

    def sign_in(self) -> None:
        self.headers = {role: self.login(u) for role, u in self.users.items()}

    def report(self) -> None:
        body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "路边暴露垃圾"}
        r = self.client.post("/api/v1/cases", json=body, headers=self.headers["citizen"])
        assert r.status_code == 201, r.text
        self.case = r.json()

    def do(self, role: str, action: str, **fields: Any) -> None:
        self.clock.advance(minutes=10)
        if action in DEFAULT_PHOTO_REQUIRED:
            fields["attachment_ids"] = [upload_photo(self.client, self.headers[role])]
        body = {"action": action, "version": self.case["version"], "note": f"{action} note", **fields}
        r = self.client.post(
            f"/api/v1/cases/{self.case['id']}/actions", json=body, headers=self.headers[role]
        )
        assert r.status_code == 200, r.text
        self.case = r.json()

    def bell(self, role: str) -> list[str]:
        """The kinds of what the role's bell shows for this case (the API)."""
        r = self.client.get("/api/v1/notifications", params={"limit": 500}, headers=self.headers[role])
        assert r.status_code == 200, r.text
        return [n["kind"] for n in r.json()["items"] if n["case_id"] == self.case["id"]]


@pytest.fixture
def desk(client, make_user, login, clock) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(client, make_user, login, clock)


@pytest.mark.own_city
def test_done_tasks_leave_the_bell(desk: Desk, platform, db) -> None:  # type: ignore[no-untyped-def]
    def count(role: str) -> int:
        return notifications.count_for_user(db, desk.users[role])

    before = {role: count(role) for role in desk.users}
    desk.report()  # a citizen's report waits for an operator
    assert desk.bell("operator") == ["task"] and count("operator") == before["operator"] + 1
    assert desk.bell("shift_leader") == []

    desk.do("operator", "accept_report")  # done: it leaves the operator's bell, reaches the shift leader's
    assert desk.bell("operator") == [] and count("operator") == before["operator"]
    assert desk.bell("shift_leader") == ["task"]

    # a comment to the operators is a note: it stays, read or not, until marked read
    desk.do("citizen", "comment", to_role="operator")
    assert desk.bell("operator") == ["note"] and count("operator") == before["operator"] + 1
    assert desk.bell("shift_leader") == ["task"]  # a comment does not do the shift leader's step

    desk.do("shift_leader", "file")
    assert desk.bell("shift_leader") == [] and desk.bell("dispatcher") == ["task"]
    desk.do("dispatcher", "dispatch")
    assert desk.case["department"]["code"] == "110101001-HW"
    assert desk.bell("dispatcher") == [] and desk.bell("handler") == ["task"]
    assert desk.bell("helper") == ["assist"]

    # 签收 and the disposal far past their limit: the sweep warns the department
    desk.clock.advance(days=3)
    sweep.sweep(platform, db)
    desk.sign_in()  # the tokens of three days ago have expired
    desk.case = desk.client.get(f"/api/v1/cases/{desk.case['id']}", headers=desk.headers["handler"]).json()
    assert desk.bell("handler") == ["warning"]  # per case one entry: the newest of task and warnings
    assert count("handler") == before["handler"] + 1
    desk.do("handler", "accept")  # the disposal goes on: the stage's warning stays, the 签收 is done
    assert desk.bell("handler") == ["warning"] and desk.bell("helper") == ["assist"]
    desk.do("handler", "report_done")  # the disposal is over: warning and assist leave
    assert desk.bell("handler") == [] and desk.bell("helper") == []
    assert count("handler") == before["handler"] and count("helper") == before["helper"]


@pytest.mark.own_city
def test_the_panel_counts_what_is_still_to_do_and_notes_until_read(desk: Desk, client, db) -> None:  # type: ignore[no-untyped-def]
    desk.report()
    desk.do("citizen", "comment", to_role="shift_leader")  # a note to the shift leaders …
    desk.do("operator", "accept_report")  # … and then their task
    r = post_login(client, desk.users["shift_leader"].username, "secret-pw")
    assert r.status_code == 303
    panel = client.get("/notifications/panel").text
    number = desk.case["number"]
    assert panel.count(number) == 2  # the task and the note, apart
    shown = int(re.search(r'class="count some">(\d+)<', panel).group(1))  # type: ignore[union-attr]
    assert shown == notifications.count_for_user(db, desk.users["shift_leader"])
    up_to = re.search(r"/notifications/seen\?up_to=(\d+)", panel).group(1)  # type: ignore[union-attr]
    client.get(f"/notifications/seen?up_to={up_to}")
    # the note is read and leaves; the task is not done and stays
    panel = client.get("/notifications/panel").text
    assert number in panel and "/notifications/seen" not in panel
    assert int(re.search(r'class="count some">(\d+)<', panel).group(1)) == shown - 1  # type: ignore[union-attr]
    desk.do("shift_leader", "file")  # done: the case leaves the shift leader's bell
    panel = client.get("/notifications/panel").text
    assert number not in panel
    assert int(re.search(r'class="count ?\w*">(\d+)<', panel).group(1)) == shown - 2  # type: ignore[union-attr]


@pytest.mark.own_city
def test_a_closures_news_reaches_a_citizens_bell_not_staffs(desk: Desk) -> None:
    desk.report()
    desk.do("operator", "reject", note="不属于城市管理范围")
    assert desk.bell("citizen") == ["status"]  # the citizen hears the outcome, until read
    assert desk.bell("operator") == []
    # a supervisor's report voided: for staff reporting is the work, the outcome is on the field page
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "路边暴露垃圾"}
    r = desk.client.post("/api/v1/cases", json=body, headers=desk.headers["supervisor"])
    assert r.status_code == 201, r.text
    desk.case = r.json()
    if desk.case["state"] == "reported":
        desk.do("operator", "accept_report")
    desk.do("shift_leader", "request_void")
    assert desk.bell("shift_leader") == ["task"]  # its decision is the shift leaders' (审批)
    desk.do("shift_leader", "approve_void")
    assert desk.case["state"] == "void"
    assert desk.bell("supervisor") == [] and desk.bell("shift_leader") == []
