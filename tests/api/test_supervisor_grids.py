"""Supervisors' responsibility grids (责任网格) and patrols through the JSON API, on SQLite and
PostgreSQL: an admin assigns and moves grids (and is refused grids outside the supervisor's
territory, unknown grids, other roles), a verify task goes to the grid's supervisor when nobody is
named, and a supervisor's patrol batches are checked and stored once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.support import png

from gridcity.db.models import Case, Grid, PatrolPoint, PatrolVisit

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def grid_at(client, lon: float, lat: float) -> str:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/locate", params={"lon": lon, "lat": lat})
    assert r.status_code == 200, r.text
    return str(r.json()["grids"]["city_management"])


def grids_of_street(db, street: str, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db.scalars(
            select(Grid.code)
            .where(Grid.layer == "city_management", Grid.street_code == street, Grid.valid_to.is_(None))
            .order_by(Grid.code)
            .limit(n)
        )
    )


@pytest.mark.own_city
def test_admin_assigns_moves_and_ends_grids_and_is_refused_what_does_not_fit(
    client, db, make_user, login
) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user("admin"))
    street_admin = login(make_user("admin", "110101002"))
    wang = make_user("supervisor", "110101001")  # 东华门街道's supervisor
    li = make_user("supervisor", "110101001")
    operator = make_user("operator")
    own = grids_of_street(db, "110101001", 3)
    other_street = grids_of_street(db, "110101002", 1)[0]

    r = client.post(
        "/api/v1/supervisor-grids", json={"username": wang.username, "grid_codes": own[:2]}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"username": wang.username, "added": own[:2], "moved": [], "unchanged": []}

    # a grid of another street: refused, in Chinese, naming the grid and the supervisor's unit
    r = client.post(
        "/api/v1/supervisor-grids",
        json={"username": wang.username, "grid_codes": [own[2], other_street]},
        headers={**admin, "Accept-Language": "zh-CN"},
    )
    assert r.status_code == 422
    assert other_street in r.json()["detail"] and "辖区" in r.json()["detail"]
    # everything or nothing: own[2] was not given either
    mine = client.get("/api/v1/supervisor-grids", params={"username": wang.username}, headers=admin).json()
    assert [i["grid_code"] for i in mine["items"]] == own[:2] and mine["total"] == 2

    for body, status in (
        ({"username": wang.username, "grid_codes": ["110101001999999"]}, 422),  # no such grid
        ({"username": operator.username, "grid_codes": own[:1]}, 422),  # not a supervisor
        ({"username": "nobody-here", "grid_codes": own[:1]}, 404),
        ({"username": wang.username, "grid_codes": []}, 422),
    ):
        r = client.post("/api/v1/supervisor-grids", json=body, headers=admin)
        assert r.status_code == status, (body, r.text)
    # an admin of another street may not hand out 东华门's grids, nor a supervisor anything
    r = client.post(
        "/api/v1/supervisor-grids",
        json={"username": wang.username, "grid_codes": own[:1]},
        headers=street_admin,
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/supervisor-grids", json={"username": li.username, "grid_codes": own[:1]}, headers=login(wang)
    )
    assert r.status_code == 403

    # a grid Wang holds moves to Li; one grid, one supervisor
    r = client.post(
        "/api/v1/supervisor-grids", json={"username": li.username, "grid_codes": own[1:3]}, headers=admin
    )
    assert r.json()["moved"] == [{"grid_code": own[1], "from": wang.username}]
    assert r.json()["added"] == [own[2]]
    listed = client.get("/api/v1/supervisor-grids", headers=admin).json()["items"]
    assert {(i["grid_code"], i["supervisor"]["username"]) for i in listed} == {
        (own[0], wang.username),
        (own[1], li.username),
        (own[2], li.username),
    }

    me = client.get("/api/v1/me/grids", headers=login(li)).json()
    assert me["items"] == own[1:3] and me["visited_today"] == [] and me["duty"]["on_duty"] is False
    assert client.get("/api/v1/me/grids", headers=login(operator)).status_code == 403

    r = client.delete(f"/api/v1/supervisor-grids/{own[2]}", headers=admin)
    assert r.status_code == 200 and r.json() == {"ended": [own[2]]}
    assert client.delete(f"/api/v1/supervisor-grids/{own[2]}", headers=admin).status_code == 404
    assert client.get("/api/v1/me/grids", headers=login(li)).json()["items"] == [own[1]]


@pytest.mark.own_city
def test_a_verify_task_goes_to_the_supervisor_of_the_case_grid_unless_one_is_named(
    client, db, make_user, login
) -> None:  # type: ignore[no-untyped-def]
    admin, operator = login(make_user("admin")), login(make_user("operator"))
    holder, other = make_user("supervisor", "110101001"), make_user("supervisor")
    grid = grid_at(client, *DONGHUAMEN)
    citizen = login(make_user("citizen"))
    r = client.post(
        "/api/v1/supervisor-grids", json={"username": holder.username, "grid_codes": [grid]}, headers=admin
    )
    assert r.status_code == 200

    def report() -> dict:  # type: ignore[type-arg]
        body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "路边暴露垃圾"}
        r = client.post("/api/v1/cases", json=body, headers=citizen)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def send_verify(case: dict, **fields: object) -> dict:  # type: ignore[type-arg]
        body = {"action": "send_verify", "version": case["version"], "note": "", **fields}
        r = client.post(f"/api/v1/cases/{case['id']}/actions", json=body, headers=operator)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    sent = send_verify(report())
    data = sent["history"][-1]["data"]
    assert data["assignee_id"] == holder.id and data["by_grid"] is True
    assert db.get(Case, sent["id"]).assignee_id == holder.id

    named = send_verify(report(), assignee_id=other.id)
    assert named["history"][-1]["data"]["assignee_id"] == other.id
    assert "by_grid" not in named["history"][-1]["data"]

    # the check of the same case, sent without a name, goes to the grid's supervisor, not to the one
    # who verified it
    people = {
        "other": login(other),
        "shift_leader": login(make_user("shift_leader")),
        "dispatcher": login(make_user("dispatcher")),
        "handler": login(make_user("handler")),
        "operator": operator,
    }

    def act(case: dict, who: str, action: str, **fields: object) -> dict:  # type: ignore[type-arg]
        body = {"action": action, "version": case["version"], "note": action, **fields}
        r = client.post(f"/api/v1/cases/{case['id']}/actions", json=body, headers=people[who])
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def photo(who: str) -> int:
        files = {"file": ("scene.png", io.BytesIO(png()), "image/png")}
        r = client.post("/api/v1/attachments", files=files, headers=people[who])
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    department = client.get("/api/v1/me", headers=people["handler"]).json()["org_unit"]["id"]
    case = act(named, "other", "verify_ok", attachment_ids=[photo("other")])
    case = act(case, "shift_leader", "file")
    case = act(case, "dispatcher", "dispatch", department_id=department)
    case = act(case, "handler", "accept")
    case = act(case, "handler", "report_done", attachment_ids=[photo("handler")])
    case = act(case, "operator", "assign_check")
    assert case["history"][-1]["data"]["assignee_id"] == holder.id
    assert db.get(Case, case["id"]).assignee_id == holder.id

    # without a holder (assignment ended) nobody is preselected: the task stays open to the area
    client.delete(f"/api/v1/supervisor-grids/{grid}", headers=admin)
    unassigned = send_verify(report())
    assert "assignee_id" not in unassigned["history"][-1]["data"]
    assert db.get(Case, unassigned["id"]).assignee_id is None


def test_patrol_batches_are_checked_stored_once_and_only_on_duty(client, db, clock, make_user, login) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    headers = login(supervisor)
    grid = grid_at(client, *DONGHUAMEN)

    def point(minutes_ago: float, lon: float = DONGHUAMEN[0], lat: float = DONGHUAMEN[1]) -> dict:  # type: ignore[type-arg]
        return {"at": (clock.t - timedelta(minutes=minutes_ago)).isoformat(), "lon": lon, "lat": lat}

    def send(points: list) -> object:  # type: ignore[type-arg]
        return client.post("/api/v1/patrol/points", json={"points": points}, headers=headers)

    # off duty: nothing is stored
    r = send([point(1)])
    assert r.status_code == 200 and r.json() == {"stored": 0, "duplicates": 0, "off_duty": 1, "grids": []}

    r = client.put("/api/v1/patrol/duty", json={"on_duty": True}, headers=headers)
    assert r.status_code == 200 and r.json()["on_duty"] is True
    started = r.json()["since"]
    assert (
        client.put("/api/v1/patrol/duty", json={"on_duty": True}, headers=headers).json()["since"] == started
    )
    clock.advance(minutes=10)
    batch = [point(9), point(5), point(1), point(0.5, 116.0, 30.0)]  # the last one is far outside the city
    r = send(batch)
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": 4, "duplicates": 0, "off_duty": 0, "grids": [grid]}
    again = send(batch)  # the phone did not hear the answer and sends the batch again
    assert again.json() == {"stored": 0, "duplicates": 4, "off_duty": 0, "grids": []}
    rows = db.scalars(select(PatrolPoint).where(PatrolPoint.user_id == supervisor.id)).all()
    assert len(rows) == 4 and sorted(p.grid_code or "" for p in rows) == ["", grid, grid, grid]
    visits = db.scalars(select(PatrolVisit).where(PatrolVisit.user_id == supervisor.id)).all()
    assert [(v.grid_code, v.day.isoformat()) for v in visits] == [(grid, "2026-11-16")]

    # refused whole: a point in the future, one without a zone, a bad latitude, an empty or huge batch
    future = {"at": (clock.t + timedelta(minutes=10)).isoformat(), "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]}
    r = send([point(1), future])
    assert r.status_code == 422 and "in the future" in r.json()["detail"]
    assert send([{**point(1), "at": "2026-11-16T09:00:00"}]).status_code == 422
    assert send([{**point(1), "lat": 91}]).status_code == 422
    assert send([]).status_code == 422
    assert send([point(1)] * 501).status_code == 422
    old = {**point(0), "at": (clock.t - timedelta(days=91)).isoformat()}
    r = send([old])
    assert r.status_code == 422 and "retention period" in r.json()["detail"]
    assert len(db.scalars(select(PatrolPoint).where(PatrolPoint.user_id == supervisor.id)).all()) == 4

    # the console's list of today's patrolled grids has the grid, with who and when
    staff = login(make_user("shift_leader"))
    today = client.get("/api/v1/patrols", headers=staff).json()
    mine = [i for i in today["items"] if i["supervisor"]["id"] == supervisor.id]
    assert today["day"] == "2026-11-16" and [i["grid_code"] for i in mine] == [grid]
    assert mine[0]["assigned"] is False  # not one of their own grids
    assert client.get("/api/v1/patrols", headers=headers).status_code == 200
    assert client.get("/api/v1/patrols", headers=login(make_user("citizen"))).status_code == 403
    assert client.get("/api/v1/patrols", params={"day": "9999-12-31"}, headers=staff).status_code == 422

    r = client.put("/api/v1/patrol/duty", json={"on_duty": False}, headers=headers)
    assert r.json() == {"on_duty": False, "since": None}
    clock.advance(minutes=5)
    assert send([point(1)]).json()["off_duty"] == 1
    # only supervisors patrol
    r = client.put("/api/v1/patrol/duty", json={"on_duty": True}, headers=staff)
    assert r.status_code == 403
