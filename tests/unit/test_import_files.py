"""The files a bulk import reads (CSV, JSON, JSON lines, GeoJSON) and the reject file it writes:
every form gives its rows with their line or record numbers, and a file that cannot be read is a
clear message, never a traceback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from gridcity.domain.errors import Invalid
from gridcity.services import import_files
from gridcity.services.import_files import Rejects, open_source


def _rows(path: Path, lists: bool = False) -> list[tuple[int, object]]:
    return list(open_source(path, lists=lists).rows)


def test_csv_rows_keep_their_line_numbers_and_lists_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("\ufeffid,class\n1,暴露垃圾\n\n2,井盖\n", encoding="utf-8")
    source = open_source(path)
    assert source.columns == ["id", "class"] and source.total == 2
    assert list(source.rows) == [(2, {"id": "1", "class": "暴露垃圾"}), (4, {"id": "2", "class": "井盖"})]
    assert _rows(path, lists=True) == [(2, ["1", "暴露垃圾"]), (4, ["2", "井盖"])]


def test_json_arrays_and_records_objects(tmp_path: Path) -> None:
    array = tmp_path / "a.json"
    array.write_text(json.dumps([{"id": 1}, "not an object", {"id": 3}]), encoding="utf-8")
    source = open_source(array)
    assert source.columns is None and source.total == 3
    assert list(source.rows) == [(1, {"id": 1}), (2, {}), (3, {"id": 3})]  # a stray value: an empty row
    wrapped = tmp_path / "b.json"
    wrapped.write_text(json.dumps({"records": [{"id": "x"}]}), encoding="utf-8")
    assert _rows(wrapped) == [(1, {"id": "x"})]
    scalar = tmp_path / "c.json"
    scalar.write_text(json.dumps({"id": 1}), encoding="utf-8")
    with pytest.raises(Invalid, match="an array of objects"):
        open_source(scalar)


def test_json_lines_stream_with_line_numbers_and_broken_lines_become_empty_rows(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text('{"id": 1}\n\n{broken\n[1, 2]\n{"id": 5}\n', encoding="utf-8")
    source = open_source(path)
    assert source.total == 4  # blank lines are not records
    assert list(source.rows) == [(1, {"id": 1}), (3, {}), (4, {}), (5, {"id": 5})]


def test_geojson_features_give_their_properties_and_geometry_as_wkt(tmp_path: Path) -> None:
    path = tmp_path / "places.geojson"
    point = {"type": "Point", "coordinates": [116.4, 39.9]}
    broken = {"type": "Polygon", "coordinates": [[[0, 0], [1]]]}
    features = [
        {"type": "Feature", "properties": {"name": "东华门"}, "geometry": point},
        {"type": "Feature", "properties": {"name": "坏"}, "geometry": broken},
        {"type": "Feature", "properties": None, "geometry": None},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    source = open_source(path)
    assert source.columns == ["geometry", "name"] and source.total == 3
    rows = list(source.rows)
    assert rows[0] == (1, {"name": "东华门", "geometry": "POINT (116.4 39.9)"})
    assert rows[1] == (2, {"name": "坏", "geometry": "INVALID"})
    assert rows[2] == (3, {"geometry": None})
    not_a_collection = tmp_path / "one.geojson"
    not_a_collection.write_text(json.dumps(features[0]), encoding="utf-8")
    with pytest.raises(Invalid, match="a FeatureCollection"):
        open_source(not_a_collection)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gbk.csv", "编号,类别\n1,井盖\n".encode("gbk"), "is not UTF-8 text"),
        ("bad.json", b"[{]", "is not valid JSON"),
        ("empty.csv", b"", "an empty CSV file"),
    ],
)
def test_unreadable_files_are_a_clear_message(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Invalid, match=message):
        open_source(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match=r"no such file: .*none\.csv"):
        open_source(tmp_path / "none.csv")


def test_the_reject_file_keeps_each_row_as_it_was_with_its_reason(tmp_path: Path) -> None:
    csv_rejects = tmp_path / "csv.rejects.csv"
    rejects = Rejects(csv_rejects, ["id", "class"])
    rejects.write(2, {"id": "1", "class": "x"}, "unknown class 'x'")
    rejects.write(3, ["2", "y"], "unknown class 'y'")
    rejects.close()
    with csv_rejects.open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["reason", "line", "id", "class"],
            ["unknown class 'x'", "2", "1", "x"],
            ["unknown class 'y'", "3", "2", "y"],
        ]
    json_rejects = tmp_path / "json.rejects.csv"
    rejects = Rejects(json_rejects, None)
    rejects.write(7, {"id": 7, "名称": "井盖"}, "outside the city")
    rejects.close()
    with json_rejects.open(encoding="utf-8", newline="") as fh:
        header, row = list(csv.reader(fh))
    assert header == ["reason", "line", "record"]
    assert row[:2] == ["outside the city", "7"] and json.loads(row[2]) == {"id": 7, "名称": "井盖"}


# --- bounds (docs/security.md#bounded-input) -------------------------------------------------------


def test_a_csv_field_beyond_the_bound_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("id,description\n1,short\n2," + "x" * (import_files.CSV_FIELD_MAX_CHARS + 1) + "\n")
    with pytest.raises(Invalid) as refused:
        open_source(path)
    assert refused.value.message.startswith(f"{path} line 3 cannot be read (a field holds at most 131072")


def test_a_csv_with_more_rows_than_the_bound_is_refused_before_its_rows_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_files, "CSV_MAX_ROWS", 3)
    path = tmp_path / "many.csv"
    path.write_text("id\n1\n2\n3\n")
    assert open_source(path).total == 3
    path.write_text("id\n1\n2\n3\n4\n")
    with pytest.raises(Invalid) as refused:
        open_source(path)
    assert refused.value.message == f"{path} holds more than 3 rows"


def test_json_nested_too_deep_is_refused_and_a_deep_json_line_is_a_rejected_record(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000  # beyond the interpreter's own limit: a RecursionError unbounded
    array = tmp_path / "deep.json"
    array.write_text('[{"id": 1, "x": ' + deep + "}]")
    with pytest.raises(Invalid) as refused:
        open_source(array)
    assert refused.value.message == f"{array} is nested more than 64 levels deep"
    geojson = tmp_path / "deep.geojson"
    geojson.write_text('{"type": "FeatureCollection", "features": [' + deep + "]}")
    with pytest.raises(Invalid):
        open_source(geojson)
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"id": 1}\n{"id": 2, "x": ' + deep + '}\n{"id": 3}\n')
    assert _rows(lines) == [(1, {"id": 1}), (2, {}), (3, {"id": 3})]
