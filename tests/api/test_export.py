"""Export: cases as CSV, XLSX and GeoJSON by the list's filters and the caller's visibility; grids
and territory as GeoJSON. Every file is parsed back with a real reader."""

from __future__ import annotations

import csv
import io
import json
import uuid

from openpyxl import load_workbook

GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
# two points of 东城区 in different streets (东华门, and further north-east)
POINTS = [(116.4040, 39.9140), (116.4170, 39.9400), (116.4350, 39.8900), (116.3980, 39.9480)]


def _report(client, headers, lon, lat, tag):  # type: ignore[no-untyped-def]
    body = {**GARBAGE, "lon": lon, "lat": lat, "description": f"暴露垃圾 {tag}"}
    r = client.post("/api/v1/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _two_streets(client, headers, tag):  # type: ignore[no-untyped-def]
    """A case in each of two different streets of 东城区."""
    first = _report(client, headers, *POINTS[0], tag)
    for lon, lat in POINTS[1:]:
        second = _report(client, headers, lon, lat, tag)
        if second["street_code"] != first["street_code"]:
            return first, second
    raise AssertionError("the test points all fell in one street")


def test_cases_export_in_every_format_respects_filters_and_visibility(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:10]
    reporter = login(make_user("supervisor"))
    first, second = _two_streets(client, reporter, tag)
    city = login(make_user("leader", "110000"))

    text = client.get("/api/v1/export/cases.csv", params={"q": tag}, headers=city)
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert {r["id"] for r in rows} == {str(first["id"]), str(second["id"])}
    one = next(r for r in rows if r["id"] == str(first["id"]))
    assert one["number"] == first["number"] and one["class_code"] == "06010"
    assert one["street_code"] == first["street_code"] and one["state"] == first["state"]
    assert one["reported_at"].endswith("+08:00")  # the city's time, with its offset
    assert "contact_phone" not in one  # contact details never leave in an export

    book = client.get("/api/v1/export/cases.xlsx", params={"q": tag}, headers=city)
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content), read_only=True)["cases"]
    table = list(sheet.iter_rows(values_only=True))
    header, body = table[0], table[1:]
    ids = {row[header.index("id")] for row in body}
    assert ids == {first["id"], second["id"]}
    assert all(row[header.index("reported_at")] is not None for row in body)

    geo = client.get("/api/v1/export/cases.geojson", params={"q": tag}, headers=city)
    assert geo.status_code == 200
    collection = json.loads(geo.content)
    assert collection["type"] == "FeatureCollection"
    by_id = {f["properties"]["id"]: f for f in collection["features"]}
    assert set(by_id) == {first["id"], second["id"]}
    assert by_id[first["id"]]["geometry"] == {"type": "Point", "coordinates": [first["lon"], first["lat"]]}

    # the list's filters apply: one street only
    street = client.get(
        "/api/v1/export/cases.csv", params={"q": tag, "street": second["street_code"]}, headers=city
    )
    assert [r["id"] for r in csv.DictReader(io.StringIO(street.text))] == [str(second["id"])]

    # visibility: a street's operator gets its street's case only; another district's, none
    street_user = login(make_user("operator", first["street_code"]))
    mine = client.get("/api/v1/export/cases.geojson", params={"q": tag}, headers=street_user)
    assert [f["properties"]["id"] for f in json.loads(mine.content)["features"]] == [first["id"]]
    xicheng = login(make_user("operator", "110102"))
    for fmt in ("csv", "geojson", "xlsx"):
        r = client.get(f"/api/v1/export/cases.{fmt}", params={"q": tag}, headers=xicheng)
        assert r.status_code == 200
        if fmt == "csv":
            assert list(csv.DictReader(io.StringIO(r.text))) == []
        elif fmt == "geojson":
            assert json.loads(r.content)["features"] == []
        else:
            assert len(list(load_workbook(io.BytesIO(r.content))["cases"].iter_rows())) == 1  # header only


def test_export_errors_are_clear(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("leader", "110000"))
    assert client.get("/api/v1/export/cases.pdf", headers=headers).status_code == 422
    assert (
        "unknown sort"
        in client.get("/api/v1/export/cases.csv", params={"sort": "nope"}, headers=headers).json()["detail"]
    )
    naive = client.get(
        "/api/v1/export/cases.csv", params={"reported_from": "2026-11-01T00:00:00"}, headers=headers
    )
    assert naive.status_code == 422 and "timezone" in naive.json()["detail"]
    assert (
        client.get("/api/v1/export/grids.geojson", params={"layer": "x"}, headers=headers).status_code == 422
    )
    assert (
        client.get("/api/v1/export/territory.geojson", params={"level": "x"}, headers=headers).status_code
        == 422
    )
    assert client.get("/api/v1/export/cases.csv").status_code == 401


def test_grids_and_territory_export_as_geojson(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("leader", "110000"))
    grids = client.get(
        "/api/v1/export/grids.geojson", params={"layer": "social_service", "scope": "110101"}, headers=headers
    )
    assert grids.status_code == 200 and grids.headers["content-type"].startswith("application/geo+json")
    features = json.loads(grids.content)["features"]
    assert features and all(f["properties"]["layer"] == "social_service" for f in features)
    assert all(f["properties"]["district_code"] == "110101" for f in features)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    assert len({f["properties"]["code"] for f in features}) == len(features)  # current versions only

    districts = json.loads(
        client.get("/api/v1/export/territory.geojson", params={"level": "district"}, headers=headers).content
    )["features"]
    assert {"110101", "110102"} <= {f["properties"]["code"] for f in districts}
    streets = json.loads(
        client.get(
            "/api/v1/export/territory.geojson",
            params={"level": "street", "parent": "110101"},
            headers=headers,
        ).content
    )["features"]
    assert streets and all(f["properties"]["code"].startswith("110101") for f in streets)
