"""Point lookup on the real Beijing data and the class catalogue."""

from __future__ import annotations

import pytest


def test_point_in_donghuamen_resolves_to_its_street_district_and_three_grids(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/locate", params={"lon": 116.397, "lat": 39.918})  # the Forbidden City
    assert r.status_code == 200
    body = r.json()
    assert body["district"] == {"code": "110101", "name": "东城区"}
    assert body["street"] == {"code": "110101001", "name": "东华门街道"}
    assert body["community"]["code"].startswith("110101001")
    grids = body["grids"]
    assert (
        grids["city_management"].startswith(body["community"]["code"]) and len(grids["city_management"]) == 15
    )
    assert len(grids["social_service"]) == 20 and grids["social_service"][6:18] == body["community"]["code"]
    assert grids["public_security"].startswith("110101001PS")


def test_points_in_other_streets_and_outside(client) -> None:  # type: ignore[no-untyped-def]
    # 天坛 (Temple of Heaven) lies in 天坛街道 110101016 of 东城区
    heaven = client.get("/api/v1/locate", params={"lon": 116.4108, "lat": 39.8822}).json()
    assert heaven["street"]["code"] == "110101016" and heaven["district"]["code"] == "110101"
    # 西城区 has streets but no grids in the test city: the street still resolves
    xicheng = client.get("/api/v1/locate", params={"lon": 116.3660, "lat": 39.9120}).json()
    assert xicheng["district"]["code"] == "110102" and xicheng["grids"]["city_management"] is None
    shanghai = client.get("/api/v1/locate", params={"lon": 121.47, "lat": 31.23})
    assert shanghai.status_code == 404 and "outside the city" in shanghai.json()["detail"]
    nonsense = client.get("/api/v1/locate", params={"lon": "east", "lat": 39.9})
    assert nonsense.status_code == 422


def test_classes_list_both_standards_with_limits(client) -> None:  # type: ignore[no-untyped-def]
    national = client.get("/api/v1/classes", params={"standard": "GB/T 47678.5-2026"}).json()
    assert national["total"] == 403
    garbage = client.get("/api/v1/classes/06010", params={"standard": "GB/T 47678.5-2026"})
    assert garbage.status_code == 200 and garbage.json()["name"] == "暴露垃圾"
    # component 01001 供水井盖 and matter 01001 供水井盖异常 share a code: the kind must be named
    shared = client.get("/api/v1/classes/01001", params={"standard": "GB/T 47678.5-2026"})
    assert shared.status_code == 422 and "ambiguous" in shared.json()["detail"]
    beijing = client.get("/api/v1/classes", params={"q": "暴露垃圾"}).json()["items"]
    assert {c["standard"] for c in beijing} >= {"GB/T 47678.5-2026"}
    for c in beijing:
        # a clock per post ([7]): every one of them, the rework limit (derived) included
        assert set(c["limits"]) == {
            "accept",
            "verify",
            "file",
            "dispatch",
            "dispose",
            "rework",
            "check",
            "close",
            "decide",
        }
        assert c["owner_department"]


@pytest.mark.own_city
def test_admin_edits_a_limit_and_new_cases_follow_it(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user("admin", "110000"))
    url = "/api/v1/classes/06010"
    params = {"standard": "GB/T 47678.5-2026"}
    refused = client.patch(
        url,
        params=params,
        json={"kind": "event", "limits": {"dispose": "3 work_hours"}},
        headers=login(make_user("dispatcher")),
    )
    assert refused.status_code == 403
    bad = client.patch(
        url, params=params, json={"kind": "event", "limits": {"dispose": "soon"}}, headers=admin
    )
    assert bad.status_code == 422 and "soon" in bad.json()["detail"]
    ok = client.patch(
        url, params=params, json={"kind": "event", "limits": {"dispose": "3 work_hours"}}, headers=admin
    )
    assert ok.status_code == 200 and ok.json()["limits"]["dispose"] == "3 work_hours"
    listed = client.get(
        "/api/v1/classes", params={"q": "06010", "standard": "GB/T 47678.5-2026", "kind": "event"}
    )
    assert listed.json()["items"][0]["limits"]["dispose"] == "3 work_hours"


def test_grids_of_a_map_window_as_geojson(client) -> None:  # type: ignore[no-untyped-def]
    window = "116.395,39.915,116.400,39.920"  # a few hundred metres around the Forbidden City's east side
    r = client.get("/api/v1/grids", params={"layer": "city_management", "bbox": window})
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    assert 5 < len(body["features"]) < 2000
    first = body["features"][0]
    assert first["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert len(first["properties"]["code"]) == 15 and first["properties"]["version"] >= 1
    assert client.get("/api/v1/grids", params={"bbox": "1,2,3"}).status_code == 422
    assert client.get("/api/v1/grids", params={"bbox": "3,3,1,1"}).status_code == 422
    assert client.get("/api/v1/grids", params={"bbox": window, "layer": "weather"}).status_code == 422


def test_a_grid_and_its_overlaps_in_the_other_two_networks(client) -> None:  # type: ignore[no-untyped-def]
    here = client.get("/api/v1/locate", params={"lon": 116.397, "lat": 39.918}).json()
    unit = here["grids"]["city_management"]
    r = client.get(f"/api/v1/grids/city_management/{unit}")
    assert r.status_code == 200
    grid = r.json()
    layers = {o["layer"] for o in grid["overlaps"]}
    assert layers == {"social_service", "public_security"}
    assert here["grids"]["social_service"] in {o["code"] for o in grid["overlaps"]}
    # the overlaps with each other layer add up to the grid's own area
    for layer in layers:
        share = sum(o["share"] for o in grid["overlaps"] if o["layer"] == layer)
        assert abs(share - 1.0) < 0.01
    missing = client.get("/api/v1/grids/city_management/110101001001999")
    assert missing.status_code == 404


def test_openapi_docs_describe_the_api(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/locate",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}/actions",
    ):
        assert path in paths


def test_street_boundaries_for_the_map(client) -> None:  # type: ignore[no-untyped-def]
    streets = client.get("/api/v1/boundaries", params={"level": "street", "parent": "110101"}).json()
    codes = {f["properties"]["code"] for f in streets["features"]}
    assert len(codes) == 17 and "110101001" in codes
    assert client.get("/api/v1/boundaries", params={"level": "planet"}).status_code == 422
