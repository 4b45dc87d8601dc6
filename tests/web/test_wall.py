"""The wall view (指挥大屏): who opens it, and that its figures are the queues' figures — counts by
stage, the overdue total and list, today's intake — as the JSON the page redraws every N seconds."""

from __future__ import annotations

from tests.web.test_pages import sign_in

from gridcity.web.queues import QUEUES

GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
POINTS = [(116.4040, 39.9140), (116.4100, 39.9200), (116.4170, 39.9290)]


def report(client, headers, point, text: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = {**GARBAGE, "lon": point[0], "lat": point[1], "description": text}
    r = client.post("/api/v1/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def api_total(client, headers, **params) -> int:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/cases", params={**params, "page_size": 1}, headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def test_the_wall_is_for_the_command_centre_and_the_leaders(client, make_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/wall", follow_redirects=False).headers["location"] == "/login?next=/wall"
    for role in ("shift_leader", "dispatcher", "operator", "leader", "admin"):
        sign_in(client, make_user(role))
        page = client.get("/wall", params={"every": 5})
        assert page.status_code == 200, role
        assert 'data-every="5"' in page.text and "城市管理指挥大屏" in page.text and "更新于" in page.text
        assert client.get("/wall/data.json").status_code == 200
        assert '<a href="/wall">指挥大屏</a>' in client.get("/map").text
    for role in ("supervisor", "handler", "citizen"):
        sign_in(client, make_user(role))
        assert client.get("/wall").status_code == 403, role
        assert client.get("/wall/data.json").status_code == 403, role
        assert '<a href="/wall">' not in client.get("/map").text
    sign_in(client, make_user("dispatcher"))
    assert client.get("/wall", params={"every": 1}).status_code == 422
    client.get("/lang/en")  # in English, no Chinese label of the page is left
    wall, console_map = client.get("/wall").text, client.get("/map").text
    assert "City management wall" in wall and "Updated" in wall and "Most overdue" in wall
    assert "指挥大屏" not in wall and "更新于" not in wall and "超时最久" not in wall
    assert "Cases in the map window" in console_map and "Search the map" in console_map
    assert "地图范围内的案件" not in console_map and "搜索地图" not in console_map
    client.get("/lang/zh")


def test_the_wall_counts_are_the_queue_counts(client, make_user, login, clock) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    early = [report(client, login(supervisor), p, "大屏：早上报的") for p in POINTS[:2]]
    clock.advance(days=3)  # the two wait unaccepted past their limit
    fresh = report(client, login(supervisor), POINTS[2], "大屏：今天上报的")
    dispatcher = make_user("dispatcher")
    headers = login(dispatcher)
    sign_in(client, dispatcher)

    data = client.get("/wall/data.json").json()
    stages = {s["key"]: s["count"] for s in data["stages"]}
    assert list(stages) == [q for q in QUEUES if q != "all"]
    for queue, count in stages.items():
        assert count == api_total(client, headers, state=",".join(s.value for s in QUEUES[queue])), queue
    assert sum(stages.values()) >= 3
    assert data["overdue_total"] == api_total(client, headers, overdue="true") >= 2
    lights = {light["key"]: light["count"] for light in data["lights"]}
    assert lights["red"] >= 2 and sum(lights.values()) == data["open"]
    top = [r["number"] for r in data["top_overdue"]]
    assert {c["number"] for c in early} <= set(top) and len(top) <= 10
    assert fresh["number"] not in top
    row = data["top_overdue"][top.index(early[0]["number"])]
    assert row["overdue_hours"] > 0 and row["department"] == "未派遣" and row["street"]
    today = [c["number"] for c in data["today"]]
    assert fresh["number"] in today and early[0]["number"] not in today
    assert data["reported_today"] == len(today) >= 1
    assert data["as_of"] == clock.t.strftime("%H:%M:%S")

    clock.advance(seconds=30)
    later = client.get("/wall/data.json").json()
    assert later["as_of"] != data["as_of"]
