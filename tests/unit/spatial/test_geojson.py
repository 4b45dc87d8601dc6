import json
from importlib.resources import files

import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from gridcity.domain.errors import Invalid
from gridcity.spatial.geojson import POLYGONAL, Feature, read_features, write_feature_collection


def collection(*geometries, properties=None):
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": properties or {"i": i}, "geometry": g}
            for i, g in enumerate(geometries)
        ],
    }


def square(x=116.39, y=39.90, d=0.01):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}


def test_reads_the_real_district_file_from_a_path():
    path = files("gridcity") / "data" / "beijing" / "beijing_districts_wgs84.geojson"
    features = read_features(str(path), geometry_types=POLYGONAL)
    assert len(features) == 16
    names = {f.properties["district_code"]: f.properties["name"] for f in features}
    assert names["110101"] == "东城区"
    assert all(f.geometry.geom_type in POLYGONAL and f.geometry.is_valid for f in features)


def test_reads_text_bytes_and_dicts_alike():
    data = collection(square())
    from_dict = read_features(data)
    from_text = read_features(json.dumps(data))
    from_bytes = read_features(json.dumps(data).encode())
    assert from_dict == from_text == from_bytes
    assert from_dict[0].properties == {"i": 0}
    assert from_dict[0].geometry.equals(box(116.39, 39.90, 116.40, 39.91))


def test_projected_coordinates_are_rejected_naming_the_feature():
    utm = {
        "type": "Polygon",
        "coordinates": [[[447000, 4417000], [447100, 4417000], [447100, 4417100], [447000, 4417000]]],
    }
    with pytest.raises(Invalid, match=r"feature 1: .*projected.*EPSG:4326") as err:
        read_features(collection(square(), utm))
    assert err.value.details["feature_index"] == 1


def test_a_point_where_a_polygon_is_needed_is_rejected():
    point = {"type": "Point", "coordinates": [116.4, 39.9]}
    with pytest.raises(Invalid, match="feature 0: geometry is a Point, expected MultiPolygon or Polygon"):
        read_features(collection(point), geometry_types=POLYGONAL)
    assert read_features(collection(point))[0].geometry.geom_type == "Point"  # fine when not restricted


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ('{"type": "Feature", "geometry": null}', "must be a FeatureCollection, got 'Feature'"),
        ("[1, 2]", "must be a FeatureCollection, got 'list'"),
        ('{"type": "FeatureCollection"}', "no 'features' list"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null}]}',
            "feature 0: has no geometry",
        ),
        ('{"type": "FeatureCollection", "features": [{"type": "Nope"}]}', "feature 0: not a GeoJSON Feature"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"geometry": {"type": "Polygon", "coordinates": [[1, 2]]}}]}',
            "feature 0: malformed Polygon",
        ),
    ],
)
def test_broken_input_raises_invalid_with_a_useful_message(source, message):
    with pytest.raises(Invalid, match=message):
        read_features(source)


def test_missing_file_is_invalid(tmp_path):
    with pytest.raises(Invalid, match="cannot read GeoJSON file"):
        read_features(tmp_path / "nope.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{oops", encoding="utf-8")
    with pytest.raises(Invalid, match=r"broken.geojson is not valid JSON"):
        read_features(broken)


def test_a_hairline_self_intersection_is_repaired():
    ring = [(116.0, 39.0), (116.01, 39.0), (116.01, 39.01), (116.0, 39.01), (116.0, 39.00001),
            (116.00001, 39.000005), (116.00001, 39.00002), (116.0, 39.0)]  # fmt: skip
    broken = Polygon(ring)
    assert not broken.is_valid
    [feature] = read_features(
        collection({"type": "Polygon", "coordinates": [ring]}), geometry_types=POLYGONAL
    )
    assert feature.geometry.is_valid
    assert feature.geometry.area == pytest.approx(broken.area, rel=1e-3)


def test_a_bowtie_is_not_silently_repaired():
    bowtie = [[116.0, 39.0], [116.01, 39.01], [116.01, 39.0], [116.0, 39.01], [116.0, 39.0]]
    with pytest.raises(Invalid, match=r"feature 0: invalid polygon \(Self-intersection.*fixed by hand"):
        read_features(collection({"type": "Polygon", "coordinates": [bowtie]}))


def test_write_round_trips_through_json():
    features = [
        Feature({"code": "a", "name": "东华门"}, box(116.39, 39.90, 116.40, 39.91)),
        Feature(
            {"code": "b"},
            MultiPolygon([box(116.40, 39.90, 116.41, 39.91), box(116.42, 39.90, 116.43, 39.91)]),
        ),
    ]
    written = write_feature_collection(features)
    text = json.dumps(written, ensure_ascii=False)
    assert isinstance(written["features"][0]["geometry"]["coordinates"], list)
    again = read_features(text)
    assert [f.properties for f in again] == [f.properties for f in features]
    assert all(a.geometry.equals(b.geometry) for a, b in zip(again, features, strict=True))
    assert write_feature_collection([]) == {"type": "FeatureCollection", "features": []}
