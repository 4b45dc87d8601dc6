"""The maps' search box, labels and the console map's list, as the console and the portal ask for
them: what each finds, what the public never sees, and how bad input is answered."""

from __future__ import annotations

import pytest
from tests.web.test_pages import sign_in

from gridcity.services import map_search
from gridcity.services.registry import records

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
DONGCHENG_BOX = "116.35,39.85,116.45,39.98"


@pytest.fixture
def reported(client, make_user, login):  # type: ignore[no-untyped-def]
    body = {
        **GARBAGE,
        "lon": DONGHUAMEN[0],
        "lat": DONGHUAMEN[1],
        "description": "搜索：暴露垃圾，王先生 13800138000",
    }
    r = client.post("/api/v1/cases", json=body, headers=login(make_user("supervisor")))
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def shop(platform, db, make_user):  # type: ignore[no-untyped-def]
    admin = make_user("admin")
    return records.create_place(
        platform, db, admin, records.PlaceInput("shop", "搜索测试便利店", "东华门大街88号", *DONGHUAMEN)
    )


def kinds(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [(i["kind"], i["name"]) for i in response.json()["items"]]


def test_the_console_search_finds_streets_communities_grids_cases_and_places(
    client, make_user, reported, shop, platform, db
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("dispatcher"))
    found = client.get("/map/search.json", params={"q": "东华门"}).json()["items"]
    first = found[0]
    assert (first["kind"], first["name"]) == ("street", "东华门街道")  # the street before the shop
    assert first["kind_label"] == "街道" and first["detail"] == "东城区"
    assert first["outline"]["type"] in ("Polygon", "MultiPolygon") and len(first["bbox"]) == 4
    assert ("place", "搜索测试便利店") in [(i["kind"], i["name"]) for i in found]  # by its address

    names = platform.territory(db).names
    community = next(c for c in sorted(names) if len(c) == 12 and c.startswith("110101001"))
    hits = client.get("/map/search.json", params={"q": names[community]}).json()["items"]
    assert any(h["kind"] == "community" and h["key"] == community for h in hits)
    assert "东华门街道" in next(h for h in hits if h["key"] == community)["detail"]

    grid = platform.territory(db).locate(*DONGHUAMEN).grids["city_management"]
    hits = client.get("/map/search.json", params={"q": grid}).json()["items"]
    assert (hits[0]["kind"], hits[0]["key"]) == ("grid", grid)
    assert hits[0]["bbox"][0] <= DONGHUAMEN[0] <= hits[0]["bbox"][2]
    prefix = client.get("/map/search.json", params={"q": grid[:12]}).json()["items"]
    # a community's code names the community first, then its unit grids
    assert (prefix[0]["kind"], prefix[0]["key"]) == ("community", grid[:12])
    assert len(prefix) > 2 and all(h["kind"] == "grid" and h["key"].startswith(grid[:12]) for h in prefix[1:])

    hits = client.get("/map/search.json", params={"q": reported["number"]}).json()["items"]
    assert hits[0]["kind"] == "case" and hits[0]["url"] == f"/cases/{reported['id']}"
    assert hits[0]["lon"] == DONGHUAMEN[0] and "垃圾" in hits[0]["detail"]

    hits = client.get("/map/search.json", params={"q": "搜索测试便利店"}).json()["items"]
    assert hits[0]["kind"] == "place" and hits[0]["detail"] == "商铺 · 东华门大街88号"


def test_the_public_search_never_shows_places_or_private_case_fields(client, reported, shop) -> None:  # type: ignore[no-untyped-def]
    assert ("street", "东华门街道") in kinds(client.get("/portal/search.json", params={"q": "东华门"}))
    assert all(k != "place" for k, _ in kinds(client.get("/portal/search.json", params={"q": "便利店"})))
    assert kinds(client.get("/portal/search.json", params={"q": "东华门大街88号"})) == []
    hit = client.get("/portal/search.json", params={"q": reported["number"]}).json()["items"][0]
    assert hit["kind"] == "case" and hit["url"] == f"/track?number={reported['number']}"
    assert hit["lon"] == round(DONGHUAMEN[0], 3) and hit["lat"] == round(DONGHUAMEN[1], 3)
    text = str(hit)
    # no contact, no staff address of the case (its id), only the public number
    assert "13800138000" not in text and "王先生" not in text
    assert not {"id", "case_id"} & set(hit) and f"/cases/{reported['id']}" not in text


def test_a_citizen_and_a_department_find_no_places(platform, db, make_user, shop) -> None:  # type: ignore[no-untyped-def]
    for role in ("citizen", "handler"):
        hits = map_search.search(platform, db, make_user(role), "搜索测试便利店")
        assert all(h.kind != "place" for h in hits), role


def test_search_finds_each_kind_of_name_and_refuses_bad_input(client, make_user, platform, db) -> None:  # type: ignore[no-untyped-def]
    # (its speed is the benches' to measure, not a timed test's: docs/benchmarks.md)
    dispatcher = make_user("dispatcher")
    for text in ("东华门", "社区", "110101001001", "景山"):
        assert map_search.search(platform, db, dispatcher, text), text
    assert client.get("/portal/search.json", params={"q": ""}).json()["items"] == []
    too_long = client.get("/portal/search.json", params={"q": "街" * 51})
    assert too_long.status_code == 422
    assert client.get("/map/search.json", params={"q": "x"}, follow_redirects=False).status_code == 303


def test_labels_are_written_inside_their_units(client, make_user, platform, db) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/portal/labels.json", params={"level": "street", "bbox": DONGCHENG_BOX})
    assert r.status_code == 200
    labels = {label["name"]: label for label in r.json()["labels"]}
    donghuamen = labels["东华门街道"]
    state = platform.territory(db)
    assert state.locate(donghuamen["lon"], donghuamen["lat"]).street_code == donghuamen["code"]
    grids = client.get(
        "/portal/labels.json", params={"level": "grid", "bbox": "116.400,39.910,116.408,39.918"}
    ).json()["labels"]
    assert grids and all(len(g["name"]) in (14, 15) and g["name"] == g["code"] for g in grids)
    for g in grids:
        assert state.locate(g["lon"], g["lat"]).grids["city_management"] == g["code"]
    assert (
        client.get("/portal/labels.json", params={"level": "house", "bbox": DONGCHENG_BOX}).status_code == 422
    )
    assert client.get("/portal/labels.json", params={"level": "street", "bbox": "1,2"}).status_code == 422


def test_the_console_list_follows_the_window_and_the_filters(client, make_user, reported) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("dispatcher"))
    wide = client.get("/map/cases.json", params={"bbox": DONGCHENG_BOX}).json()
    numbers = [r["number"] for r in wide["list"]["rows"]]
    assert reported["number"] in numbers and wide["list"]["total"] >= 1
    assert any(f["properties"]["id"] == reported["id"] for f in wide["features"])
    row = next(r for r in wide["list"]["rows"] if r["number"] == reported["number"])
    assert row["street"] == "东华门街道" and row["light"] == "green" and row["deadline"]
    away = client.get("/map/cases.json", params={"bbox": "116.43,39.95,116.44,39.96"}).json()
    assert reported["number"] not in [r["number"] for r in away["list"]["rows"]]
    filed = client.get("/map/cases.json", params={"bbox": DONGCHENG_BOX, "queue": "dispatch"}).json()
    assert reported["number"] not in [r["number"] for r in filed["list"]["rows"]]
    overdue = client.get("/map/cases.json", params={"bbox": DONGCHENG_BOX, "overdue": "1"}).json()
    assert reported["number"] not in [r["number"] for r in overdue["list"]["rows"]]
    assert client.get("/map/cases.json", params={"bbox": DONGCHENG_BOX, "queue": "nope"}).status_code == 422
    assert client.get("/map/cases.json", params={"bbox": DONGCHENG_BOX, "street": "12"}).status_code == 422
