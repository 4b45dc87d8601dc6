"""Reading the files of bulk imports (cases, components, the grid registry): CSV with a header,
a JSON array, or JSON lines; and the reject file that takes each row that could not be imported,
with the reason, as it was."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import shapely

from gridcity.domain import bounded_json
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.services.spreadsheet_cells import csv_writer

MAX_FILE_BYTES = 4 * 1024**3
# Bounds on a CSV (docs/security.md#bounded-input): a field longer than this (Python's own
# default, stated here so that it is one rule of ours) or more data rows than this is refused
# with a message naming the file and the line, before anything is imported.
CSV_FIELD_MAX_CHARS = 131_072
CSV_MAX_ROWS = 20_000_000


# --- the source file ---------------------------------------------------------------------


@dataclass
class Source:
    """The rows of a file: (line or record number, the row as a dict)."""

    columns: list[str] | None  # a CSV's header (the reject file repeats it); None for JSON
    rows: Iterator[tuple[int, dict[str, Any]]]
    total: int | None


def open_source(path: Path, lists: bool = False) -> Source:
    """CSV (UTF-8, with a header row), a JSON array of objects (or {"records": [...]}), JSON lines
    (.jsonl / .ndjson: one object per line, streamed) or a GeoJSON FeatureCollection. With `lists`,
    a CSV's rows come as the lists of their cells in the order of `columns` (no dict per row: for
    files of millions of rows); JSON records stay dicts."""
    if not path.is_file():
        raise Invalid(message("import.no_file", path=path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise Invalid(message("import.file_too_large", path=path, limit=MAX_FILE_BYTES // 1024**3))
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson"):
            return Source(None, _json_lines(path), _count_lines(path))
        if suffix == ".geojson":
            return _geojson(path)
        if suffix == ".json":
            data = bounded_json.loads(path.read_text(encoding="utf-8"), str(path))
            if isinstance(data, dict):
                data = data.get("records", data.get("items"))
            if not isinstance(data, list):
                raise Invalid(message("import.json_shape", path=path))
            return Source(
                None, ((n, r if isinstance(r, dict) else {}) for n, r in enumerate(data, 1)), len(data)
            )
        columns, total = _check_csv(path)
        if not columns:
            raise Invalid(message("import.empty_csv", path=path))
        return Source(columns, _csv_lists(path) if lists else _csv_rows(path), total)
    except UnicodeDecodeError:
        raise Invalid(message("import.not_text", path=path)) from None
    except json.JSONDecodeError as exc:
        raise Invalid(message("import.bad_json", path=path, exc=exc)) from None


def _geojson(path: Path) -> Source:
    """A GeoJSON FeatureCollection: each feature's properties, with its geometry as WKT in the
    field `geometry`."""
    data = bounded_json.loads(path.read_text(encoding="utf-8-sig"), str(path))
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise Invalid(message("import.geojson_shape", path=path))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for n, feature in enumerate(features, 1):
            record = dict((feature or {}).get("properties") or {}) if isinstance(feature, dict) else {}
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            try:
                record["geometry"] = shapely.from_geojson(json.dumps(geometry)).wkt if geometry else None
            except shapely.errors.GEOSException:
                record["geometry"] = "INVALID"
            yield n, record

    columns = sorted(
        {key for f in features[:1] for key in ((f or {}).get("properties") or {})} | {"geometry"}
    )
    return Source(columns, rows(), len(features))


def _check_csv(path: Path) -> tuple[list[str], int]:
    """A CSV's header and its number of data rows, read once before the import so that a field or
    a file beyond the bounds is refused before anything is written."""
    csv.field_size_limit(CSV_FIELD_MAX_CHARS)
    with _utf8(path) as fh:
        reader = csv.reader(fh)
        total = 0
        try:
            columns = next(reader, [])
            for row in reader:
                total += bool(row)
                if total > CSV_MAX_ROWS:
                    raise Invalid(message("bounds.too_many_rows", path=path, limit=CSV_MAX_ROWS))
        except csv.Error as exc:
            refusal = message(
                "bounds.csv_bad_row",
                path=path,
                line=reader.line_num,
                limit=CSV_FIELD_MAX_CHARS,
                error=str(exc),
            )
            raise Invalid(refusal) from None
    return columns, total


def _utf8(path: Path) -> IO[str]:
    return path.open(encoding="utf-8-sig", newline="")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with _utf8(path) as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, row


def _csv_lists(path: Path) -> Iterator[tuple[int, Any]]:
    with _utf8(path) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if row:  # DictReader skips blank lines too
                yield reader.line_num, row


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:  # a line that is not JSON, or nested too deep, is a rejected record
                record = bounded_json.loads(line, f"{path.name}:{n}")
            except (json.JSONDecodeError, Invalid):
                record = {}
            yield n, record if isinstance(record, dict) else {}


class Rejects:
    """The reject file: the reason and line first, then the source row as it was."""

    def __init__(self, path: Path, columns: list[str] | None) -> None:
        self.path = path
        self.columns = columns
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.writer = csv_writer(self.fh)  # people open the reject file in a spreadsheet
        self.writer.writerow(["reason", "line", *(columns if columns is not None else ["record"])])

    def write(self, line: int, row: dict[str, Any] | list[Any], reason: str) -> None:
        if isinstance(row, list):  # a CSV row as its cells
            values = row
        elif self.columns is not None:
            values = [row.get(c, "") for c in self.columns]
        else:
            values = [json.dumps(row, ensure_ascii=False, default=str)]
        self.writer.writerow([reason, line, *values])

    def close(self) -> None:
        self.fh.close()
