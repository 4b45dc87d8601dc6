"""The inbound API for departments' own systems (/api/v1/integrations/) on SQLite and PostgreSQL:
a department's system lists its cases, accepts them (签收), reports done with photos and asks for
an extension by API key — through the same workflow as the desk page, with clear refusals."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from tests.support import photos_for, png

from gridcity.db.models import Attachment, Case, CaseEvent, User
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.services import attachments, cases, integrations

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
CGW, SW = "110101-CGW", "110101-SW"
BASE = "/api/v1/integrations"


class Desk:
    def __init__(self, platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.db = platform, db
        self.supervisor = make_user("supervisor")
        self.leader = make_user("shift_leader")
        self.dispatcher = make_user("dispatcher")
        self.cgw = platform.unit_id(db, CGW, "department")
        self.sw = platform.unit_id(db, SW, "department")

    def act(self, user: User, case_id: int, action: str, **fields: Any) -> Case:
        self.db.expire_all()
        case = self.db.get(Case, case_id)
        assert case is not None
        photos = photos_for(self.platform, self.db, user, action)
        request = cases.ActionRequest(action, case.version, f"{action} (test)", fields, photos)
        return cases.transition(self.platform, self.db, user, case_id, request)

    def dispatched(self, department: int) -> int:
        report = cases.Report(
            class_code="06010",
            kind="event",
            standard="GB/T 47678.5-2026",
            lon=DONGHUAMEN[0],
            lat=DONGHUAMEN[1],
            description="integration test",
        )
        case_id = cases.report_case(self.platform, self.db, self.supervisor, report)[0].id
        self.act(self.leader, case_id, "file")
        self.act(self.dispatcher, case_id, "dispatch", department_id=department)
        return case_id


@pytest.fixture
def desk(platform, db, make_user) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(platform, db, make_user)


@pytest.fixture
def docked(platform, db):  # type: ignore[no-untyped-def]
    """(integration, headers with its key) of a new system of 城管委."""
    row, key = integrations.issue_integration(platform, db, f"cgw-{uuid.uuid4().hex[:8]}", CGW)
    return row, {"X-Api-Key": key}


def history(db, case_id: int) -> list[CaseEvent]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))


def test_keys_are_issued_by_the_city_admin_and_stored_hashed(platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("admin", "110000")
    row, key = integrations.issue_integration(platform, db, f"sw-{uuid.uuid4().hex[:8]}", SW, actor=admin)
    assert len(key) >= 24 and key not in row.key_hash and row.issued_by == admin.username
    account = db.get(User, row.account_id)
    assert account.role == "handler" and account.org_unit.code == SW and not account.active
    assert row.name in {r.name for r in integrations.list_integrations(db, actor=admin)}

    with pytest.raises(Forbidden):
        integrations.issue_integration(platform, db, "x-1", SW, actor=make_user("dispatcher"))
    with pytest.raises(NotFound):
        integrations.issue_integration(
            platform, db, f"x-{uuid.uuid4().hex[:8]}", "110101"
        )  # not a department
    with pytest.raises(Invalid):
        integrations.issue_integration(platform, db, "bad name!", SW)
    with pytest.raises(Conflict):
        integrations.issue_integration(platform, db, row.name, SW)


def test_a_department_system_works_a_case_from_dispatch_to_done(  # type: ignore[no-untyped-def]
    platform, db, client, desk, docked
) -> None:
    row, key = docked
    mine = desk.dispatched(desk.cgw)
    theirs = desk.dispatched(desk.sw)

    r = client.get(f"{BASE}/cases", headers=key)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["department"]["code"] == CGW and body["list"] == "incoming"
    ids = {item["id"] for item in body["items"]}
    assert mine in ids and theirs not in ids
    version = next(item["version"] for item in body["items"] if item["id"] == mine)

    r = client.get(f"{BASE}/cases/{mine}", headers=key)
    assert r.status_code == 200 and "accept" in {a["action"] for a in r.json()["actions"]}

    # 签收, with the version seen
    r = client.post(
        f"{BASE}/cases/{mine}/accept", headers=key, json={"version": version, "note": "on our way"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "disposing"
    accepted = history(db, mine)[-1]
    assert accepted.action == "accept" and accepted.actor_id == row.account_id
    assert accepted.actor_name.endswith(row.name) and accepted.note == "on our way"
    assert mine in {i["id"] for i in client.get(f"{BASE}/cases?list=disposing", headers=key).json()["items"]}

    # 处置反馈 with a photo uploaded first (no version: the case as it is)
    r = client.post(f"{BASE}/attachments", headers=key, files={"file": ("after.png", png(), "image/png")})
    assert r.status_code == 201, r.text
    photo = r.json()["id"]
    r = client.post(
        f"{BASE}/cases/{mine}/report_done", headers=key, json={"note": "cleaned", "attachment_ids": [photo]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "disposed"
    done = history(db, mine)[-1]
    assert done.action == "report_done" and done.actor_id == row.account_id
    assert db.get(Attachment, photo).event_id == done.id


def test_a_department_system_asks_for_an_extension(platform, db, client, desk, docked) -> None:  # type: ignore[no-untyped-def]
    _row, key = docked
    case_id = desk.dispatched(desk.cgw)
    assert client.post(f"{BASE}/cases/{case_id}/accept", headers=key, json={}).status_code == 200

    r = client.post(
        f"{BASE}/cases/{case_id}/request_extension", headers=key, json={"extension": "2 work_days"}
    )
    assert r.status_code == 422  # a note saying why is required
    r = client.post(
        f"{BASE}/cases/{case_id}/request_extension",
        headers=key,
        json={"extension": "a while", "note": "parts on order"},
    )
    assert r.status_code == 422 and r.json()["detail"]
    r = client.post(
        f"{BASE}/cases/{case_id}/request_extension",
        headers=key,
        json={"extension": "2 work_days", "note": "parts on order"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "extension_requested"
    asked = history(db, case_id)[-1]
    assert asked.action == "request_extension" and asked.data["extension"] == "2 work_days"
    assert case_id in {i["id"] for i in client.get(f"{BASE}/cases?list=waiting", headers=key).json()["items"]}


def test_refusals_are_clear_4xx(platform, db, client, desk, docked, make_user) -> None:  # type: ignore[no-untyped-def]
    row, key = docked
    mine = desk.dispatched(desk.cgw)
    theirs = desk.dispatched(desk.sw)

    r = client.get(f"{BASE}/cases")
    assert r.status_code == 401 and "X-Api-Key" in r.json()["detail"]
    assert client.get(f"{BASE}/cases", headers={"X-Api-Key": "not-a-key"}).status_code == 403
    assert client.get(f"{BASE}/cases?list=everything", headers=key).status_code == 422
    # another department's case, or none at all: not found
    assert client.post(f"{BASE}/cases/{theirs}/accept", headers=key, json={}).status_code == 404
    assert client.post(f"{BASE}/cases/{2**40}/accept", headers=key, json={}).status_code == 404
    assert client.post(f"{BASE}/cases/0/accept", headers=key, json={}).status_code == 422
    # a stale version, then the wrong state
    db.expire_all()
    version = db.get(Case, mine).version
    r = client.post(f"{BASE}/cases/{mine}/accept", headers=key, json={"version": version - 1})
    assert r.status_code == 409 and "reload" in r.json()["detail"]
    r = client.post(f"{BASE}/cases/{mine}/report_done", headers=key, json={})
    assert r.status_code == 409 and "possible actions" in r.json()["detail"]
    assert client.post(f"{BASE}/cases/{mine}/accept", headers=key, json={}).status_code == 200
    # photos: someone else's, one that does not exist, an absurd id, not a photo
    other = make_user("handler", CGW)
    with platform.sessions() as session:
        foreign = attachments.store_upload(platform, session, other, "x.png", png()).id
    r = client.post(f"{BASE}/cases/{mine}/report_done", headers=key, json={"attachment_ids": [foreign]})
    assert r.status_code == 403
    # no photo: 处置反馈 needs one (the class table's default), said in Chinese
    chinese = {**key, "Accept-Language": "zh-CN"}
    r = client.post(f"{BASE}/cases/{mine}/report_done", headers=chinese, json={"note": "已处理"})
    assert r.status_code == 422 and r.json()["detail"].startswith("处置反馈需要至少一张现场照片")
    upload = client.post(f"{BASE}/attachments", headers=key, files={"file": ("a.png", png(), "image/png")})
    photo = upload.json()["id"]
    r = client.post(
        f"{BASE}/cases/{mine}/report_done", headers=key, json={"attachment_ids": [photo, 2**31 - 1]}
    )
    assert r.status_code == 422 and "does not exist" in r.json()["detail"]
    r = client.post(f"{BASE}/cases/{mine}/report_done", headers=key, json={"attachment_ids": [2**40]})
    assert r.status_code == 422
    r = client.post(f"{BASE}/attachments", headers=key, files={"file": ("x.txt", b"hello", "text/plain")})
    assert r.status_code == 422
    r = client.post(
        f"{BASE}/cases/{mine}/accept",
        headers=key,
        content=b"{not json",
    )
    assert r.status_code == 422
    assert [e.action for e in history(db, mine)][-1] == "accept"  # none of the refusals left a trace

    # revoked: refused at once
    integrations.revoke_integration(platform, db, row.name)
    r = client.get(f"{BASE}/cases", headers=key)
    assert r.status_code == 403 and "revoked" in r.json()["detail"]


def test_the_city_admin_manages_webhook_subscriptions_over_the_api(client, login, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user("admin", "110000"))
    name = f"api-{uuid.uuid4().hex[:8]}"
    body = {
        "name": name,
        "url": "http://127.0.0.1:9/hook",
        "events": ["dispatched", "overdue"],
        "department": CGW,
    }

    for who in (make_user("admin", "110101"), make_user("dispatcher")):
        assert client.post("/api/v1/webhooks/subscriptions", headers=login(who), json=body).status_code == 403
    assert client.post("/api/v1/webhooks/subscriptions", json=body).status_code == 401
    bad = client.post(
        "/api/v1/webhooks/subscriptions", headers=admin, json=body | {"url": "file:///etc/passwd"}
    )
    assert bad.status_code == 422 and "http" in bad.json()["detail"]
    bad = client.post("/api/v1/webhooks/subscriptions", headers=admin, json=body | {"events": ["boom"]})
    assert bad.status_code == 422 and "unknown event" in bad.json()["detail"]

    r = client.post("/api/v1/webhooks/subscriptions", headers=admin, json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["department"]["code"] == CGW and made["active"] and len(made["secret"]) >= 32
    assert client.post("/api/v1/webhooks/subscriptions", headers=admin, json=body).status_code == 409

    listed = client.get("/api/v1/webhooks/subscriptions", headers=admin).json()
    mine = next(s for s in listed["items"] if s["name"] == name)
    assert (
        "secret" not in mine and mine["events"] == ["dispatched", "overdue"] and "overdue" in listed["events"]
    )

    r = client.post(f"/api/v1/webhooks/subscriptions/{name}/disable", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.post("/api/v1/webhooks/subscriptions/nope/disable", headers=admin).status_code == 404
