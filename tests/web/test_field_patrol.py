"""The field page's on-duty toggle and patrol track as a supervisor uses them: go on duty by the
form, send the track as JSON with the page's token, see the own grids visited today, go off duty;
and what the console's map reads of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.web.test_pages import csrf_of, sign_in

from gridcity.services import supervisor_grids

DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道


@pytest.mark.own_city
def test_on_duty_track_and_grids_visited_today(platform, client, clock, db, make_user) -> None:  # type: ignore[no-untyped-def]
    zhou = make_user("supervisor", "110101001")
    grid = client.get("/api/v1/locate", params={"lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]}).json()["grids"][
        "city_management"
    ]
    supervisor_grids.assign(platform, db, None, zhou.username, [grid])
    sign_in(client, zhou)
    home = client.get("/field")
    assert home.status_code == 200
    assert 'data-on-duty="0"' in home.text and "开始巡查（上岗）" in home.text
    assert f'data-grid="{grid}"' in home.text and "0/1" in home.text
    assert "/static/js/field_patrol.js" in home.text
    token = csrf_of(home.text)

    # the track is refused without the page's token, and not recorded off duty
    point = {"at": clock.t.isoformat(), "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "accuracy_m": 9}
    assert client.post("/field/patrol", json={"points": [point]}).status_code == 403
    off = client.post("/field/patrol", json={"points": [point]}, headers={"X-CSRF-Token": token})
    assert off.status_code == 200 and off.json()["off_duty"] == 1

    on = client.post("/field/duty", data={"csrf_token": token, "on_duty": "1"})
    assert on.status_code == 200 and 'data-on-duty="1"' in on.text and "结束巡查（下岗）" in on.text
    clock.advance(minutes=3)
    point["at"] = (clock.t - timedelta(minutes=1)).isoformat()
    r = client.post("/field/patrol", json={"points": [point]}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json() == {"stored": 1, "duplicates": 0, "off_duty": 0, "grids": [grid]}
    # a point that is not one: a clear refusal, in Chinese
    bad = client.post("/field/patrol", json={"points": [{"lon": 1}]}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 422 and "需要 at、lon、lat" in bad.json()["detail"]
    assert client.post("/field/patrol", content=b"{", headers={"X-CSRF-Token": token}).status_code == 422
    huge = client.post("/field/patrol", content=b" " * 200_000, headers={"X-CSRF-Token": token})
    assert huge.status_code == 413

    home = client.get("/field")
    assert "1/1" in home.text and f'<li class="visited" data-grid="{grid}">' in home.text
    # the console's map shows today's patrolled grids
    sign_in(client, make_user("shift_leader"))
    mapped = client.get("/map")
    assert mapped.status_code == 200 and "patrolled" in mapped.text
    today = client.get("/map/patrolled.geojson")
    assert today.status_code == 200
    [feature] = [f for f in today.json()["features"] if f["properties"]["code"] == grid]
    assert feature["properties"]["supervisors"] == [zhou.display_name]

    sign_in(client, zhou)
    home = client.get("/field")
    off = client.post(
        "/field/duty",
        data={"csrf_token": csrf_of(home.text), "on_duty": "0"},
        headers={"Accept": "application/json"},
    )
    assert off.status_code == 200 and off.json() == {"on_duty": False, "since": None}
    # other roles have no field page
    sign_in(client, make_user("operator"))
    assert client.post("/field/duty", data={"csrf_token": "x", "on_duty": "1"}).status_code == 403
