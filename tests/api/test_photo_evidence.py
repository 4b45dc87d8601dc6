"""Photo evidence (现场照片): a class requires a photo for 核实、核查 and 处置反馈 by default; a step
without one is refused in Chinese and changes nothing; each photo's EXIF time and position are kept
and judged against the case on the API and the case page. Both databases."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.conftest import CST, Clock
from tests.support import png, upload_photo
from tests.web.test_pages import sign_in

from gridcity.services.photo_exif import jpeg_with_exif

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
CLASS_URL, CLASS_PARAMS = "/api/v1/classes/06010", {"standard": "GB/T 47678.5-2026"}


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0], point[1] + metres / (math.pi * 6_371_008.8 / 180)


class Desk:
    """A citizen's case walked through the API to the step under test."""

    def __init__(self, client, make_user, login, clock: Clock) -> None:  # type: ignore[no-untyped-def]
        self.client, self.clock = client, clock
        self.users = {r: make_user(r) for r in ("citizen", "operator", "supervisor", "shift_leader")}
        self.users |= {r: make_user(r) for r in ("dispatcher", "handler")}
        self.heads = {r: login(u) for r, u in self.users.items()}
        self.case: dict[str, Any] = {}

    def report(self) -> dict[str, Any]:
        body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "路边暴露垃圾"}
        r = self.client.post("/api/v1/cases", json=body, headers=self.heads["citizen"])
        assert r.status_code == 201, r.text
        self.case = r.json()
        return self.case

    def post(self, role: str, action: str, language: str = "zh-CN", **body: Any) -> Any:
        """An action by a client speaking `language` (Chinese unless the test says otherwise)."""
        self.clock.advance(minutes=10)
        return self.client.post(
            f"/api/v1/cases/{self.case['id']}/actions",
            json={"action": action, "version": self.case["version"], "note": f"{action} 说明", **body},
            headers={**self.heads[role], "Accept-Language": language},
        )

    def do(self, role: str, action: str, **body: Any) -> dict[str, Any]:
        r = self.post(role, action, **body)
        assert r.status_code == 200, r.text
        self.case = r.json()
        return self.case

    def photo(self, role: str, content: bytes | None = None, name: str = "scene.jpg") -> int:
        return upload_photo(self.client, self.heads[role], content or png(), name)

    def read(self) -> dict[str, Any]:
        r = self.client.get(f"/api/v1/cases/{self.case['id']}", headers=self.heads["operator"])
        assert r.status_code == 200
        return dict(r.json())


@pytest.fixture
def desk(client, make_user, login, clock) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(client, make_user, login, clock)


def test_verify_check_and_report_done_are_refused_without_a_photo_and_nothing_changes(desk: Desk) -> None:
    desk.report()
    desk.do("operator", "send_verify", assignee_id=desk.users["supervisor"].id)
    seen = desk.read()

    refused = desk.post("supervisor", "verify_ok")
    assert refused.status_code == 422 and refused.json()["code"] == "evidence.photo_required"
    assert refused.json()["detail"] == "核实属实需要至少一张现场照片：请拍摄或上传照片后再提交"
    english = desk.post("supervisor", "verify_ok", language="en")
    assert english.json()["detail"].startswith("verify_ok (核实属实) needs at least one photo of the scene")
    after = desk.read()
    assert (after["state"], after["version"], len(after["history"])) == (
        "verifying",
        seen["version"],
        len(seen["history"]),
    )
    desk.do("supervisor", "verify_ok", attachment_ids=[desk.photo("supervisor")])
    assert desk.case["state"] == "accepted"

    desk.do("shift_leader", "file")
    unit = desk.client.get("/api/v1/me", headers=desk.heads["handler"]).json()["org_unit"]["id"]
    desk.do("dispatcher", "dispatch", department_id=unit)
    desk.do("handler", "accept")
    refused = desk.post("handler", "report_done")
    assert refused.status_code == 422 and refused.json()["detail"].startswith("处置反馈需要至少一张现场照片")
    assert desk.read()["state"] == "disposing"
    desk.do("handler", "report_done", attachment_ids=[desk.photo("handler")])
    desk.do("operator", "assign_check", assignee_id=desk.users["supervisor"].id)
    for action, label in (("check_fail", "核查不通过"), ("check_pass", "核查通过")):
        refused = desk.post("supervisor", action)
        assert refused.status_code == 422 and refused.json()["detail"].startswith(
            f"{label}需要至少一张现场照片"
        )
        assert desk.read()["state"] == "disposed"
    desk.do("supervisor", "check_pass", attachment_ids=[desk.photo("supervisor")])
    assert desk.case["state"] == "checked"
    # the class table shows the rule
    shown = desk.client.get(CLASS_URL, params={**CLASS_PARAMS, "kind": "event"}).json()
    assert shown["photo_required"] == ["verify_ok", "verify_false", "report_done", "check_pass", "check_fail"]


@pytest.mark.own_city
def test_a_class_that_needs_no_photo_takes_the_steps_without_one(desk: Desk, make_user, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user("admin", "110000"))
    patch = desk.client.patch
    bad = patch(
        CLASS_URL, params=CLASS_PARAMS, json={"kind": "event", "photo_required": ["close"]}, headers=admin
    )
    assert bad.status_code == 422 and "'close' cannot require a photo" in bad.json()["detail"]
    ok = patch(
        CLASS_URL,
        params=CLASS_PARAMS,
        json={"kind": "event", "photo_required": ["report_done"]},
        headers=admin,
    )
    assert ok.status_code == 200 and ok.json()["photo_required"] == ["report_done"]
    listed = desk.client.get("/api/v1/classes", params={**CLASS_PARAMS, "q": "06010", "kind": "event"})
    assert listed.json()["items"][0]["photo_required"] == ["report_done"]

    desk.report()
    desk.do("operator", "send_verify", assignee_id=desk.users["supervisor"].id)
    desk.do("supervisor", "verify_ok")  # no photo: this class no longer asks for one to verify
    assert desk.case["state"] == "accepted" and desk.case["history"][-1]["attachments"] == []


def test_exif_time_and_place_are_kept_and_judged_on_the_api_and_the_case_page(
    desk: Desk, client, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    reported = desk.report()
    desk.do("operator", "send_verify", assignee_id=desk.users["supervisor"].id)
    # a real JPEG made here with Pillow: taken at the scene 5 minutes ago, 30 m north, offset written
    at_scene = jpeg_with_exif(clock.t - timedelta(minutes=5), *north_of(DONGHUAMEN, 30))
    # an old photo of another place: taken the day before the report, 350 m north
    stale_far = jpeg_with_exif(clock.t - timedelta(days=1), *north_of(DONGHUAMEN, 350))
    up = client.post(
        "/api/v1/attachments",
        files={"file": ("at_scene.jpg", at_scene, "image/jpeg")},
        headers=desk.heads["supervisor"],
    )
    assert up.status_code == 201
    uploaded = up.json()
    taken = clock.t - timedelta(minutes=5)
    assert datetime.fromisoformat(uploaded["taken_at"]) == taken
    assert abs(uploaded["taken_lat"] - north_of(DONGHUAMEN, 30)[1]) < 1e-6
    assert abs(uploaded["taken_lon"] - DONGHUAMEN[0]) < 1e-6
    ids = [uploaded["id"], desk.photo("supervisor", stale_far), desk.photo("supervisor", png(), "plain.png")]
    case = desk.do("supervisor", "verify_ok", attachment_ids=ids)

    good, flagged, plain = case["history"][-1]["attachments"]
    assert good["distance_m"] == 30 and good["flags"] == []
    assert datetime.fromisoformat(good["taken_at"]) == taken
    assert (good["taken_lon"], good["taken_lat"]) == (uploaded["taken_lon"], uploaded["taken_lat"])
    assert flagged["distance_m"] == 350 and flagged["flags"] == ["before_report", "far"]
    assert datetime.fromisoformat(flagged["taken_at"]) < datetime.fromisoformat(reported["reported_at"])
    assert plain["taken_at"] is None and plain["distance_m"] is None and plain["flags"] == []

    sign_in(client, desk.users["operator"])
    page = client.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    text = page.text
    assert "距案件位置 30 米" in text
    assert "⚠ 拍摄于上报之前" in text and "⚠ 距案件位置 350 米" in text
    assert "无拍摄信息" in text  # the PNG without EXIF was accepted
    assert f"拍摄于 {taken.astimezone(CST):%Y-%m-%d %H:%M}" in text
