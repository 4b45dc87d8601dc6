"""The component registry over HTTP: a map window paged and as GeoJSON, nearest with distances, one
component with its history and the cases its reader may see, an admin's change, clear 4xx errors."""

from __future__ import annotations

import csv
from itertools import count
from pathlib import Path

from tests.integration.test_components import HEADER, WATER, _offset, _row

from gridcity.services.components import records as components

SPOT = (116.4120, 39.9400)
_seq = count(9000)


def _census(platform, tmp_path: Path, spots: list[tuple[float, float]], **values: str) -> list[str]:  # type: ignore[no-untyped-def]
    codes = [f"110101{WATER}{next(_seq):06d}" for _ in spots]
    path = tmp_path / f"census-{codes[0]}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(
            _row(code, lon, lat, **values) for code, (lon, lat) in zip(codes, spots, strict=True)
        )
    with platform.sessions() as db:
        run = components.import_components(platform, db, path)
    assert run.created == len(codes), run.reasons
    return codes


def _box(lon: float, lat: float, metres: float) -> str:
    west, south = _offset(lon, lat, -metres, -metres)
    east, north = _offset(lon, lat, metres, metres)
    return f"{west},{south},{east},{north}"


def test_a_map_window_is_paged_in_position_order(platform, client, make_user, login, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = _offset(*SPOT, 0, 300)
    codes = _census(platform, tmp_path, [_offset(lon, lat, 0, 10 * i) for i in range(5)])
    headers = login(make_user("dispatcher"))
    box = _box(lon, lat, 60)

    first = client.get("/api/v1/components", params={"bbox": box, "page_size": 2}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["total"], body["page"], len(body["items"])) == (5, 1, 2)
    pages = [body["items"]]
    for page in (2, 3):
        r = client.get(
            "/api/v1/components", params={"bbox": box, "page_size": 2, "page": page}, headers=headers
        )
        pages.append(r.json()["items"])
    listed = [item["code"] for items in pages for item in items]
    assert listed == codes  # south to north, as placed
    item = pages[0][0]
    assert (item["class_name"], item["state"], item["state_label"]) == ("供水井盖", "intact", "完好")
    assert item["grid_code"].startswith("110101")

    damaged = client.get("/api/v1/components", params={"bbox": box, "state": "破损"}, headers=headers)
    assert damaged.json()["total"] == 0
    other_class = client.get(
        "/api/v1/components", params={"bbox": box, "class_code": "01002"}, headers=headers
    )
    assert other_class.json()["total"] == 0


def test_the_map_layer_says_when_the_window_holds_more(platform, client, make_user, login, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = _offset(*SPOT, 300, 0)
    _census(platform, tmp_path, [_offset(lon, lat, 8 * i, 0) for i in range(4)])
    headers = login(make_user("dispatcher"))
    box = _box(lon, lat + 0.0001, 50)
    full = client.get("/api/v1/components.geojson", params={"bbox": box}, headers=headers).json()
    assert (len(full["features"]), full["truncated"]) == (4, False)
    feature = full["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["class_name"] == "供水井盖"
    part = client.get("/api/v1/components.geojson", params={"bbox": box, "limit": 3}, headers=headers).json()
    assert (len(part["features"]), part["truncated"]) == (3, True)


def test_nearest_gives_distances_nearest_first(platform, client, make_user, login, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = _offset(*SPOT, -300, 0)
    codes = _census(platform, tmp_path, [_offset(lon, lat, 12, 0), _offset(lon, lat, 0, 5)])
    headers = login(make_user("supervisor"))
    r = client.get(
        "/api/v1/components/nearest",
        params={"lon": lon, "lat": lat, "class_code": WATER, "radius": 20},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["code"] for i in items] == [codes[1], codes[0]]
    assert [round(i["distance_m"]) for i in items] == [5, 12]


def test_a_component_with_its_history_and_the_cases_its_reader_sees(
    platform, client, make_user, login, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    lon, lat = _offset(*SPOT, -300, 300)
    (code,) = _census(platform, tmp_path, [(lon, lat)])
    supervisor = make_user("supervisor")
    reporter = login(supervisor)
    made = client.post(
        "/api/v1/cases",
        json={"class_code": WATER, "kind": "component", "lon": lon, "lat": lat, "component_code": code},
        headers=reporter,
    )
    assert made.status_code == 201, made.text
    assert made.json()["component_code"] == code

    admin = login(make_user("admin"))
    changed = client.patch(
        f"/api/v1/components/{code}", json={"state": "破损", "note": "井盖破损"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["state"]) == (2, "damaged")

    body = client.get(f"/api/v1/components/{code}", headers=reporter).json()
    assert [h["state"] for h in body["history"]] == ["intact", "damaged"]
    assert body["history"][0]["valid_to"] == body["history"][1]["valid_from"]
    assert [c["id"] for c in body["cases"]] == [made.json()["id"]]
    # a department that was not given the case sees the component, not the case
    outsider = login(make_user("handler"))
    assert client.get(f"/api/v1/components/{code}", headers=outsider).json()["cases"] == []


def test_changes_are_for_the_admin_of_the_place(platform, client, make_user, login, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lon, lat = _offset(*SPOT, 300, 300)
    (code,) = _census(platform, tmp_path, [(lon, lat)])
    dispatcher = login(make_user("dispatcher"))
    r = client.patch(f"/api/v1/components/{code}", json={"state": "移除"}, headers=dispatcher)
    assert r.status_code == 403
    elsewhere = login(make_user("admin", "110102"))
    assert (
        client.patch(f"/api/v1/components/{code}", json={"state": "移除"}, headers=elsewhere).status_code
        == 403
    )
    admin = login(make_user("admin"))
    r = client.patch(f"/api/v1/components/{code}", json={"code": "1"}, headers=admin)
    assert r.status_code == 422
    assert "cannot change code" in r.json()["detail"]
    r = client.patch(f"/api/v1/components/{code}", json={"state": "gone"}, headers=admin)
    assert r.status_code == 422
    assert client.get(f"/api/v1/components/{code}", headers=admin).json()["version"] == 1  # nothing changed


def test_bad_requests_are_clear(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("dispatcher"))
    cases = [
        ("/api/v1/components", {"bbox": "1,2,3"}, 422),
        ("/api/v1/components", {"bbox": "116.4,39.9,116.5,40.0", "state": "broken"}, 422),
        ("/api/v1/components", {"bbox": "116.4,39.9,116.5,40.0", "page_size": 100000}, 422),
        ("/api/v1/components/nearest", {"lon": 116.4}, 422),
        ("/api/v1/components/nearest", {"lon": 116.4, "lat": 39.9, "radius": 5000}, 422),
        ("/api/v1/components/nearest", {"lon": 500, "lat": 39.9}, 422),
        ("/api/v1/components/1101010100100000X", {}, 422),
        ("/api/v1/components/11010101001999999", {}, 404),
    ]
    for url, params, status in cases:
        r = client.get(url, params=params, headers=headers)
        assert r.status_code == status, (url, params, r.text)
        assert r.json()["detail"]
    assert client.get("/api/v1/components/11010101001999999").status_code == 401
