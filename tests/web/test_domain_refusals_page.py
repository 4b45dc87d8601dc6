"""A page tells a domain refusal in the person's language ([8]): a grids file whose geometry is not
an area, refused in Chinese by default and in English once the person chose English."""

from __future__ import annotations

import json

from tests.web.test_pages import csrf_of, sign_in

DONGHUAMEN = [116.4040, 39.9140]
POINTS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "110101001001001"},
            "geometry": {"type": "Point", "coordinates": DONGHUAMEN},
        }
    ],
}


def test_a_grids_file_of_points_is_refused_in_the_persons_language(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))

    def upload() -> str:
        token = csrf_of(client.get("/admin/territory").text)
        r = client.post(
            "/admin/territory/grids",
            data={"csrf_token": token, "layer": "city_management"},
            files={"file": ("grids.geojson", json.dumps(POINTS).encode(), "application/geo+json")},
            follow_redirects=False,
        )
        assert r.status_code == 422
        return r.text

    assert "第 1 个要素：几何类型为 Point，应为 MultiPolygon 或 Polygon" in upload()
    client.get("/lang/en")
    assert "feature 0: geometry is a Point, expected MultiPolygon or Polygon" in upload()
