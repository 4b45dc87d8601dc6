"""The field supervisor's pages as a supervisor uses them on the phone: report with a photo, the
same report sent twice, the verify and check tasks nearest first, and acting on them."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from sqlalchemy import func, select
from tests.support import photos_for, png
from tests.web.test_pages import csrf_of, sign_in

from gridcity.db.models import Attachment, Case
from gridcity.services import cases

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道, grid 110101001015009
WANGFUJING = (116.4110, 39.9150)  # 东华门街道, about 600 m east
JINGSHAN = (116.3970, 39.9250)  # 景山街道, about 1.4 km north-west
BEIXINQIAO = (116.4160, 39.9400)  # 北新桥街道, about 3 km north-east
HAIDIAN = (116.3000, 39.9500)  # in the city, outside 东城区
OUTSIDE = (115.0000, 41.5000)  # outside Beijing
GARBAGE = "GB/T 47678.5-2026:event:06010"  # 暴露垃圾
MANHOLE = "GB/T 47678.5-2026:component:01001"  # 供水井盖


def client_key_of(html: str) -> str:
    found = re.search(r'name="client_key" value="([0-9a-f-]{36})"', html)
    assert found, "the report form has no client key"
    return found.group(1)


def report_form(client, class_ref: str = GARBAGE, point=DONGHUAMEN, **extra):  # type: ignore[no-untyped-def]
    page = client.get("/field/report")
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_of(page.text),
        "client_key": client_key_of(page.text),
        "class_ref": class_ref,
        "lon": str(point[0]),
        "lat": str(point[1]),
        "accuracy": "12",
        "description": "路口暴露垃圾一堆",
    }
    form.update(extra)
    return form


JSON = {"Accept": "application/json"}


def send(client, form, photos=None, json: bool = True):  # type: ignore[no-untyped-def]
    files = [("photos", p) for p in (photos if photos is not None else [("scene.png", png(), "image/png")])]
    return client.post("/field/report", data=form, files=files or None, headers=JSON if json else None)


def mine(db, user) -> list[Case]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(Case).where(Case.reporter_id == user.id).order_by(Case.id)))


def uploads_of(db, user) -> int:  # type: ignore[no-untyped-def]
    return int(
        db.scalar(select(func.count()).select_from(Attachment).where(Attachment.uploaded_by == user.id))
    )


# --- landing and access ----------------------------------------------------------------------


def test_supervisor_lands_on_the_field_home(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("supervisor"))
    landing = client.get("/", follow_redirects=False)
    assert landing.headers["location"] == "/field"
    home = client.get("/field")
    assert home.status_code == 200
    assert "上报问题" in home.text and re.search(r"我的任务 \(\d+\)", home.text)
    assert "待重发" in home.text and 'href="/work?queue=verify"' in home.text and 'href="/map"' in home.text
    assert "/static/css/field.css" in home.text and "/static/js/field.js" in home.text
    assert client.get("/static/js/field.js").status_code == 200
    assert client.get("/static/css/field.css").status_code == 200
    client.get("/lang/en")
    english = client.get("/field/report").text
    assert "Report a problem" in english and "Take a photo" in english and "Events · GB/T" not in english
    assert "Event · GB/T 47678.5-2026" in english
    client.get("/lang/zh")


@pytest.mark.parametrize("role", ["operator", "handler", "citizen", "shift_leader"])
def test_other_roles_get_403(client, make_user, role: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user(role))
    for path in ("/field", "/field/report", "/field/tasks", "/field/tasks.csv"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "监督员" in r.text
    assert client.post("/field/report", data={"class_ref": GARBAGE}).status_code == 403


def test_signed_out_goes_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/field/report", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# --- reporting -------------------------------------------------------------------------------


def test_report_with_photo_creates_a_supervisor_case_in_the_right_grid(client, make_user, db) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    page = client.get("/field/report")
    # the form a phone needs: the camera, the map, the class list with both kinds
    assert 'accept="image/*" capture="environment" multiple' in page.text
    assert 'id="report-map"' in page.text and "/static/vendor/leaflet/leaflet.js" in page.text
    assert f'value="{GARBAGE}"' in page.text and f'value="{MANHOLE}"' in page.text
    assert "事件 · GB/T 47678.5-2026" in page.text and "部件 · GB/T 47678.5-2026" in page.text

    r = send(client, report_form(client))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] is True and body["grid_code"] == "110101001015009"
    assert body["state"] == "accepted" and body["state_label"] == "已受理"
    assert re.fullmatch(r"\d{16}", body["number"])

    (case,) = mine(db, supervisor)
    assert case.channel == "supervisor" and case.class_code == "06010" and case.kind == "event"
    assert case.grid_code == "110101001015009" and case.street_code == "110101001"
    assert case.description == "路口暴露垃圾一堆"
    photos = db.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert len(photos) == 1 and photos[0].content_type == "image/png"
    assert photos[0].event_id == case.events[0].id  # linked to the report in the history
    assert client.get(f"/api/v1/attachments/{photos[0].id}").content == png()


def test_report_without_javascript_answers_with_a_page(client, make_user, db) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    r = send(client, report_form(client, class_ref=MANHOLE), json=False)
    assert r.status_code == 201 and r.headers["content-type"].startswith("text/html")
    (case,) = mine(db, supervisor)
    assert "上报成功" in r.text and platform_number(r.text) and case.kind == "component"
    # the page offers a fresh form with a new client key for the next report
    assert client_key_of(r.text) != case.client_key
    # the case on the phone: its photo, and what the supervisor may do now (fix it on the spot)
    page = client.get(f"/field/tasks/{case.id}")
    photo = db.scalars(select(Attachment).where(Attachment.case_id == case.id)).one()
    assert f'src="/api/v1/attachments/{photo.id}"' in page.text
    assert "自行处置" in page.text and "核实属实" not in page.text and "核查通过" not in page.text


def platform_number(html: str) -> str:
    found = re.search(r'class="case-number">(\d{16})<', html)
    assert found
    return found.group(1)


def test_recently_used_classes_come_first(client, make_user) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    first = client.get("/field/report").text
    assert "data-recent" not in first  # nothing used yet
    assert send(client, report_form(client, class_ref=GARBAGE)).status_code == 201
    assert send(client, report_form(client, class_ref=MANHOLE)).status_code == 201
    page = client.get("/field/report").text
    recent = re.search(r'<optgroup label="最近使用" data-recent="1">(.*?)</optgroup>', page, re.S)
    assert recent, "the recently used classes head the list"
    assert page.index("data-recent") < page.index("事件 · GB/T 47678.5-2026")
    assert re.findall(r'value="([^"]+)"', recent.group(1)) == [MANHOLE, GARBAGE]  # newest first
    # another supervisor's reports do not change this one's list
    sign_in(client, make_user("supervisor"))
    assert "data-recent" not in client.get("/field/report").text


def test_the_same_client_key_twice_creates_one_case(client, make_user, db) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    form = report_form(client)
    first = send(client, form)
    again = send(client, form)  # the phone did not hear the answer and sends once more
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["created"] is False and again.json()["number"] == first.json()["number"]
    assert len(mine(db, supervisor)) == 1
    assert uploads_of(db, supervisor) == 1  # the repeated photo is not stored a second time
    # the same key from someone else is refused, not handed their case
    other = make_user("supervisor")
    sign_in(client, other)
    stolen = send(client, {**report_form(client), "client_key": form["client_key"]})
    assert stolen.status_code == 409 and mine(db, other) == []


@pytest.mark.parametrize(
    ("change", "photos", "status", "words"),
    [
        ({"lon": str(OUTSIDE[0]), "lat": str(OUTSIDE[1])}, None, 422, "不在本市范围内"),
        ({"lon": str(HAIDIAN[0]), "lat": str(HAIDIAN[1])}, None, 403, "不在您负责的巡查区域内"),
        ({"lon": "", "lat": ""}, None, 422, "请先定位或在地图上点选位置"),
        ({"lon": "east", "lat": "39.9"}, None, 422, "坐标无效"),
        ({"class_ref": "GB/T 47678.5-2026:event:99999"}, None, 422, "未知的问题类别"),
        ({"class_ref": "06010"}, None, 422, "未知的问题类别"),
        ({"class_ref": ""}, None, 422, "请选择问题类别"),
        ({}, [], 422, "请至少拍摄或选择一张照片"),
        ({}, [("notes.png", b"this is not a picture", "image/png")], 415, "不是 JPEG、PNG 或 WebP"),
        ({}, [("scan.pdf", b"%PDF-1.4 a document", "application/pdf")], 415, "不是 JPEG、PNG 或 WebP"),
        ({"description": "长" * 4001}, None, 422, "不能超过 4000 字"),
        ({}, [(f"p{i}.png", png(), "image/png") for i in range(10)], 422, "照片最多 9 张"),
    ],
)
def test_bad_reports_are_refused_with_a_clear_message_and_write_nothing(  # type: ignore[no-untyped-def]
    client, make_user, db, change, photos, status, words
) -> None:
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    form = {**report_form(client), **change}
    r = send(client, form, photos=photos)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    page = send(client, form, photos=photos, json=False)  # without JavaScript: the form again
    assert page.status_code == status and words in page.text and 'id="report-form"' in page.text
    assert mine(db, supervisor) == [] and uploads_of(db, supervisor) == 0


def test_an_oversized_photo_is_refused(client, make_user, db, platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(platform.settings, "max_upload_bytes", 200)
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    r = send(client, report_form(client), photos=[("big.png", png(64, 64) + b"\x00" * 300, "image/png")])
    assert r.status_code == 413 and r.json()["detail"] == "照片“big.png”超过 0.2 KB 上限"
    assert mine(db, supervisor) == [] and uploads_of(db, supervisor) == 0


def test_a_report_without_the_csrf_token_is_refused(client, make_user, db) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    sign_in(client, supervisor)
    form = {**report_form(client), "csrf_token": "0" * 64}
    r = send(client, form)
    assert r.status_code == 403 and r.json()["reason"] == "csrf"
    assert send(client, form, json=False).status_code == 403
    # the token in the header (as field.js sends it) is accepted
    token = report_form(client)["csrf_token"]
    del form["csrf_token"]
    ok = client.post(
        "/field/report",
        data=form,
        files=[("photos", ("a.png", png(), "image/png"))],
        headers={**JSON, "X-CSRF-Token": token},
    )
    assert ok.status_code == 201
    assert len(mine(db, supervisor)) == 1


# --- tasks -----------------------------------------------------------------------------------


class Loop:
    """Cases brought to a supervisor's tasks through the real services."""

    def __init__(self, platform, db, make_user, clock) -> None:  # type: ignore[no-untyped-def]
        self.platform, self.db, self.clock = platform, db, clock
        self.citizen = make_user("citizen")
        self.operator = make_user("operator")
        self.leader = make_user("shift_leader")
        self.dispatcher = make_user("dispatcher")
        self.handler = make_user("handler")
        self.reporter = make_user("supervisor")

    def act(self, user, case: Case, action: str, **fields) -> Case:  # type: ignore[no-untyped-def]
        note = fields.pop("note", "")
        photos = photos_for(self.platform, self.db, user, action)
        request = cases.ActionRequest(action, case.version, note, fields, photos)
        return cases.transition(self.platform, self.db, user, case.id, request)

    def to_verify(self, supervisor, point) -> Case:  # type: ignore[no-untyped-def]
        report = cases.Report(
            class_code="06010", kind="event", lon=point[0], lat=point[1], description="市民反映"
        )
        case, _ = cases.report_case(self.platform, self.db, self.citizen, report)
        case = self.db.get(Case, case.id)
        return self.act(self.operator, case, "send_verify", assignee_id=supervisor.id)

    def unassigned(self, point) -> Case:  # type: ignore[no-untyped-def]
        report = cases.Report(
            class_code="06010", kind="event", lon=point[0], lat=point[1], description="无人指派"
        )
        case, _ = cases.report_case(self.platform, self.db, self.citizen, report)
        return self.act(self.operator, self.db.get(Case, case.id), "send_verify")

    def to_check(self, supervisor, point) -> Case:  # type: ignore[no-untyped-def]
        report = cases.Report(
            class_code="06010", kind="event", lon=point[0], lat=point[1], description="巡查发现"
        )
        case, _ = cases.report_case(self.platform, self.db, self.reporter, report)
        case = self.db.get(Case, case.id)
        case = self.act(self.leader, case, "file")
        case = self.act(self.dispatcher, case, "dispatch", department_id=self.handler.org_unit_id)
        case = self.act(self.handler, case, "accept")
        case = self.act(self.handler, case, "report_done", note="已清理")
        return self.act(self.operator, case, "assign_check", assignee_id=supervisor.id)


@pytest.fixture
def loop(platform, db, make_user, clock) -> Loop:  # type: ignore[no-untyped-def]
    return Loop(platform, db, make_user, clock)


def task_numbers(html: str) -> list[str]:
    return re.findall(r'<div class="muted small">(\d{16})', html)


def test_task_list_shows_this_supervisors_tasks_nearest_first(client, make_user, loop, platform) -> None:  # type: ignore[no-untyped-def]
    me, other = make_user("supervisor"), make_user("supervisor")
    far = loop.to_verify(me, BEIXINQIAO)  # the earliest deadline
    loop.clock.advance(minutes=5)
    near = loop.to_verify(me, WANGFUJING)
    loop.clock.advance(minutes=5)
    middle = loop.to_check(me, JINGSHAN)
    theirs = loop.to_verify(other, DONGHUAMEN)
    number = platform.case_number

    sign_in(client, me)
    assert re.search(r"我的任务 \((\d+)\)", client.get("/field").text).group(1) != "0"  # type: ignore[union-attr]
    by_deadline = client.get("/field/tasks")
    assert by_deadline.status_code == 200 and "按时限排序" in by_deadline.text
    listed = task_numbers(by_deadline.text)
    assert number(theirs) not in listed  # another supervisor's task
    mine_listed = [n for n in listed if n in {number(far), number(near), number(middle)}]
    assert mine_listed == [number(far), number(near), number(middle)]
    assert "核实" in by_deadline.text and "核查" in by_deadline.text

    located = client.get("/field/tasks", params={"lat": DONGHUAMEN[1], "lon": DONGHUAMEN[0]})
    assert "按距离排序" in located.text
    mine_listed = [n for n in task_numbers(located.text) if n in {number(far), number(near), number(middle)}]
    assert mine_listed == [number(near), number(middle), number(far)]
    assert re.search(r'<span class="distance">(\d+) 米</span>', located.text)
    assert re.search(r'<span class="distance">\d\.\d 公里</span>', located.text)

    fragment = client.get("/field/tasks", params={"lat": DONGHUAMEN[1], "lon": DONGHUAMEN[0], "fragment": 1})
    assert fragment.text.lstrip().startswith('<div id="task-rows"') and "<html" not in fragment.text

    export = client.get("/field/tasks.csv", params={"lat": DONGHUAMEN[1], "lon": DONGHUAMEN[0]})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    ours = {r["number"]: r for r in rows}
    assert number(theirs) not in ours
    assert [r["number"] for r in rows if r["number"] in {number(far), number(near), number(middle)}] == [
        number(near),
        number(middle),
        number(far),
    ]
    assert 500 < int(ours[number(near)]["distance_m"]) < 700
    assert ours[number(middle)]["task"] == "check" and ours[number(near)]["task"] == "verify"
    assert ours[number(near)]["grid"] and ours[number(near)]["light"] == "green"

    # a verify task named to no one is open to the supervisors of its area, and marked so
    open_task = loop.unassigned(DONGHUAMEN)
    listed = client.get("/field/tasks").text
    assert number(open_task) in task_numbers(listed)
    row = listed[: listed.index(number(open_task))].rsplit('<li class="task">', 1)[1]
    assert "区域内未指派" in row
    sign_in(client, make_user("supervisor", "110101002"))  # 景山街道: not theirs
    assert number(open_task) not in task_numbers(client.get("/field/tasks").text)
    sign_in(client, me)

    bad = client.get("/field/tasks", params={"lat": 123, "lon": 0})
    assert bad.status_code == 422


def test_verify_from_the_field_page(client, make_user, loop, db) -> None:  # type: ignore[no-untyped-def]
    me = make_user("supervisor")
    case = loop.to_verify(me, DONGHUAMEN)
    sign_in(client, me)
    page = client.get(f"/field/tasks/{case.id}")
    assert page.status_code == 200
    assert "核实属实" in page.text and "核实不属实" in page.text and "核查通过" not in page.text
    assert "市民反映" in page.text and 'id="case-map"' in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "action": "verify_ok",
        "version": str(case.version),
        "note": "现场属实",
    }
    done = client.post(
        f"/field/tasks/{case.id}",
        data=form,
        files=[("photos", ("onsite.png", png(), "image/png"))],
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/field/tasks?done=")
    confirmation = client.get(done.headers["location"])
    assert "已提交" in confirmation.text and "核实属实" in confirmation.text
    db.expire_all()
    verified = db.get(Case, case.id)
    assert verified.state == "accepted"
    assert verified.events[-1].note == "现场属实" and len(verified.events[-1].attachments) == 1
    # the same form again is stale: said clearly, on the page, nothing changes
    again = client.post(f"/field/tasks/{case.id}", data=form)
    assert again.status_code == 409 and "已被他人更新" in again.text
    db.expire_all()
    assert db.get(Case, case.id).version == verified.version


def test_verify_false_needs_a_note_and_writes_nothing_without(client, make_user, loop, db) -> None:  # type: ignore[no-untyped-def]
    me = make_user("supervisor")
    case = loop.to_verify(me, DONGHUAMEN)
    sign_in(client, me)
    page = client.get(f"/field/tasks/{case.id}")
    assert "需要至少一张现场照片" in page.text  # said before anyone submits
    form = {"csrf_token": csrf_of(page.text), "action": "verify_false", "version": str(case.version)}
    refused = client.post(
        f"/field/tasks/{case.id}", data=form, files=[("photos", ("x.png", png(), "image/png"))]
    )
    assert refused.status_code == 422 and "核实不属实：请填写原因" in refused.text  # the reason, in Chinese
    assert uploads_of(db, me) == 0
    db.expire_all()
    assert db.get(Case, case.id).state == "verifying"
    bad_photo = client.post(
        f"/field/tasks/{case.id}",
        data={**form, "note": "现场无此问题"},
        files=[("photos", ("x.png", b"not an image", "image/png"))],
    )
    assert bad_photo.status_code == 415 and "不是 JPEG、PNG 或 WebP" in bad_photo.text
    # a note but no photo: the class requires one for 核实, said on the page, nothing written
    no_photo = client.post(f"/field/tasks/{case.id}", data={**form, "note": "现场无此问题"})
    assert no_photo.status_code == 422 and "核实不属实需要至少一张现场照片" in no_photo.text
    db.expire_all()
    assert db.get(Case, case.id).state == "verifying" and uploads_of(db, me) == 0
    ok = client.post(
        f"/field/tasks/{case.id}",
        data={**form, "note": "现场无此问题"},
        files=[("photos", ("scene.png", png(), "image/png"))],
        follow_redirects=True,
    )
    assert ok.status_code == 200 and "核实不属实" in ok.text
    db.expire_all()
    assert db.get(Case, case.id).state == "rejected"


def test_check_pass_and_fail_from_the_field_page(client, make_user, loop, db) -> None:  # type: ignore[no-untyped-def]
    me = make_user("supervisor")
    passing, failing = loop.to_check(me, DONGHUAMEN), loop.to_check(me, WANGFUJING)
    sign_in(client, me)
    page = client.get(f"/field/tasks/{passing.id}")
    assert "核查通过" in page.text and "核查不通过" in page.text and "已清理" in page.text
    token = csrf_of(page.text)
    ok = client.post(
        f"/field/tasks/{passing.id}",
        data={
            "csrf_token": token,
            "action": "check_pass",
            "version": str(passing.version),
            "note": "已清理干净",
        },
        files=[("photos", ("scene.png", png(), "image/png"))],
        follow_redirects=True,
    )
    assert ok.status_code == 200 and "核查通过" in ok.text
    fail = client.post(
        f"/field/tasks/{failing.id}",
        data={
            "csrf_token": token,
            "action": "check_fail",
            "version": str(failing.version),
            "note": "仍有垃圾",
        },
        files=[("photos", ("scene.png", png(), "image/png"))],
        follow_redirects=True,
    )
    assert fail.status_code == 200 and "核查不通过" in fail.text
    db.expire_all()
    assert db.get(Case, passing.id).state == "checked"
    assert db.get(Case, failing.id).state == "dispatched" and db.get(Case, failing.id).rework_count == 1
    numbers = task_numbers(client.get("/field/tasks").text)
    assert loop.platform.case_number(passing) not in numbers  # done: no longer a task


def test_another_supervisors_task_cannot_be_done_here(client, make_user, loop, db) -> None:  # type: ignore[no-untyped-def]
    """A supervisor of another street neither sees nor acts on the case."""
    me = make_user("supervisor")
    case = loop.to_verify(me, DONGHUAMEN)
    stranger = make_user("supervisor", "110101002")  # 景山街道
    sign_in(client, stranger)
    assert client.get(f"/field/tasks/{case.id}").status_code == 404
    token = csrf_of(client.get("/field/report").text)
    r = client.post(
        f"/field/tasks/{case.id}",
        data={"csrf_token": token, "action": "verify_ok", "version": str(case.version)},
    )
    assert r.status_code == 404
    db.expire_all()
    assert db.get(Case, case.id).state == "verifying"
    assert loop.platform.case_number(case) not in task_numbers(client.get("/field/tasks").text)


def test_a_new_client_key_per_form(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("supervisor"))
    keys = {client_key_of(client.get("/field/report").text) for _ in range(3)}
    assert len(keys) == 3 and all(uuid.UUID(k).version == 4 for k in keys)
