"""The CSV census import in columns (pyarrow): the same components and rejects as the row by row
import of `services.components.records`, at a fraction of its cost per row.

A batch of `batch_size` records is read as string columns and trimmed. A conservative filter
marks the rows that are certainly valid by the rules of `domain.components.CensusReader`: a code
of 16 or 17 ASCII digits with its district, class and sequence parts non-zero, of a component
class; the required fields present and every field within its length; lon/lat plain decimals in
range and no geometry; state, dates and credit codes checked by the row functions themselves
(`parse_state`, `parse_census_date`, `parse_uscc`) on the batch's distinct values. Every other
row is read by `CensusReader.read`, which accepts it or gives the reason: the filter decides how
fast a row goes, never whether it is valid. Then, for all the batch's rows together: duplicate
codes, classes, the point located on the unit grids and the code's district, the owner
department; rows of codes already stored go through the versioning of `components._write`, new
ones are written in one COPY (CSV) on PostgreSQL.

On PostgreSQL a batch of only new codes (a first census) is written by one of two writer threads,
each with its own connection and transaction, while this thread reads and locates the next ones:
the server's work of a COPY is most of a row's cost, and two server processes use both cores.
Codes never repeat across batches (a repeated code is rejected), so batches are independent; a
batch is still all or nothing, and a failed write stops the import at the next batch.

The line of a row in the reject file is its record number + 1 (the header is record 1): the
physical line unless blank lines or values spanning lines come before it.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy.orm import Session

from gridcity.db import bulk
from gridcity.db import components as components_db
from gridcity.db.engine import connection_unit_of_work, unit_of_work
from gridcity.db.models import Component
from gridcity.domain.components import (
    CENSUS_FIELDS,
    MAX_LENGTHS,
    CensusRow,
    census_header,
    parse_census_date,
    parse_state,
)
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.registry import parse_uscc
from gridcity.domain.taxonomy import BEIJING_STANDARD, NATIONAL_STANDARD
from gridcity.services.components.records import CensusRun, _account, _Context, _write
from gridcity.services.import_files import MAX_FILE_BYTES, Rejects
from gridcity.services.progress import Progress

_READ_BLOCK = 4 * 1024**2
# what str.strip() strips: a cell is trimmed exactly as the row reader trims it
_SPACES = "".join(filter(str.isspace, map(chr, range(sys.maxunicode + 1))))
_DECIMAL = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"  # what float() and Arrow read alike
# a zero district (00…, ..0000), major class (00), minor class (00 / 000) or sequence (000000)
_ZERO_PART = r"^(?:00|.{2}0000|.{6}00)|^.{8}(?:00|000).{6}$|000000$"
_GENERATION_LENGTH = {BEIJING_STANDARD: 4, NATIONAL_STANDARD: 5}  # class code length per standard
_FIELDS = tuple(f for f, *_ in CENSUS_FIELDS)


def csv_header(path: Path) -> tuple[list[str], int] | None:
    """The header of a CSV census, read as the row import reads it, and about how many records
    follow it (its lines: for the progress bar); None when the file is for the row import to judge
    (missing, too large, not UTF-8, empty, repeated column names): it says what is wrong. The whole
    file is checked to be UTF-8 first, as the row import does before it writes anything."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        lines, last = 0, "\n"
        with path.open(encoding="utf-8-sig", newline="") as fh:
            while chunk := fh.read(_READ_BLOCK):
                lines += chunk.count("\n")
                last = chunk[-1]
        with path.open(encoding="utf-8-sig", newline="") as fh:
            columns = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not columns or len(set(columns)) != len(columns):
        return None
    return columns, max(lines - (last == "\n"), 0)


# --- reading batches ------------------------------------------------------------------------------


@dataclass
class _Batch:
    table: pa.Table  # the records that parse to the header's width: every column as text
    lines: np.ndarray  # the line (record number + 1) of each of them
    ragged: list[tuple[int, list[str]]] = field(default_factory=list)  # other records: (line, cells)

    @property
    def size(self) -> int:
        return self.table.num_rows + len(self.ragged)


def _batches(path: Path, columns: list[str], batch_size: int) -> Iterator[_Batch]:
    """Batches of `batch_size` records in file order. A record of another width than the header
    (Arrow skips it) keeps its place: it comes as its cells, for the row reader."""
    skipped: list[tuple[int, str]] = []

    def skip(row: Any) -> str:
        skipped.append((row.number if row.number is not None and row.number > 0 else -1, row.text))
        return "skip"

    reader = pcsv.open_csv(
        path,
        read_options=pcsv.ReadOptions(use_threads=False, block_size=_READ_BLOCK),
        parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip),
        convert_options=pcsv.ConvertOptions(
            column_types={c: pa.string() for c in columns},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if reader.schema.names != columns:
        raise Invalid(message("import.bad_header", path=path))
    tables: list[pa.Table] = []
    lines: list[np.ndarray] = []
    ragged: list[tuple[int, list[str]]] = []
    start = 2  # the record number + 1 of the batch's first record: the header is line 1
    known = 2  # records before this one have been read

    def cut(end: int) -> _Batch:
        nonlocal tables, lines, ragged
        table = tables[0] if len(tables) == 1 else pa.concat_tables([reader.schema.empty_table(), *tables])
        at = np.concatenate(lines) if lines else np.empty(0, dtype=np.int64)
        k = int(np.searchsorted(at, end))
        batch = _Batch(table.slice(0, k), at[:k], [r for r in ragged if r[0] < end])
        tables, lines = [table.slice(k)], [at[k:]]
        ragged = [r for r in ragged if r[0] >= end]
        return batch

    for record_batch in reader:
        n, gaps = record_batch.num_rows, sorted(skipped)
        skipped.clear()
        numbers = np.arange(known, known + n + len(gaps), dtype=np.int64)
        placed = [g for g, _ in gaps if known <= g < known + n + len(gaps)]
        if len(placed) == len(gaps):
            at = numbers[~np.isin(numbers, placed)]
        else:  # a skipped record of unknown number: after the block's records
            at = numbers[:n]
            gaps = [(int(numbers[n + i]), text) for i, (_, text) in enumerate(gaps)]
        known += n + len(gaps)
        tables.append(pa.Table.from_batches([record_batch]))
        lines.append(at)
        ragged.extend((number, _cells(text)) for number, text in gaps)
        while known - start >= batch_size:
            yield cut(start + batch_size)
            start += batch_size
    if skipped:  # records skipped after the last block
        ragged.extend((known + i, _cells(text)) for i, (_, text) in enumerate(skipped))
        known += len(skipped)
    if known > start:
        yield cut(known)


def _cells(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline="")), [])


# --- the import -------------------------------------------------------------------------------


def import_csv(
    ctx: _Context,
    db: Session,
    path: Path,
    rejects_path: Path,
    progress: Progress,
    batch_size: int,
    records: int | None = None,
) -> CensusRun:
    """`components.import_components` of a CSV file, in columns (see the module's description);
    `records`: about how many there are (`csv_header`)."""
    columns = ctx.reader.columns
    layout = _Layout(columns, ctx)
    run = CensusRun(rejects_path=rejects_path)
    rejects = Rejects(rejects_path, columns)
    total = -(-records // batch_size) if records is not None else None
    batches = _read_ahead(ctx, layout, _batches(path, columns, batch_size))
    writers = _Writers(ctx) if ctx.platform.engine.dialect.name == "postgresql" else None
    try:
        for read in progress.track(batches, total, f"components {path.name}"):
            _import_batch(ctx, db, read, run, rejects, writers)
        if writers is not None:
            writers.wait()
    except pa.ArrowInvalid as exc:
        raise Invalid(message("import.bad_csv", path=path, exc=exc)) from None
    finally:
        batches.close()  # the reading thread ends
        if writers is not None:
            writers.close()
        rejects.close()
    return run


class _Writers:
    """Batches of new codes written on their own connections, at most `WRITERS` at a time."""

    WRITERS = 2

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.pool = ThreadPoolExecutor(max_workers=self.WRITERS, thread_name_prefix="census-write")
        self.pending: deque[Future[None]] = deque()

    def submit(self, rows: pa.Table, now: datetime) -> None:
        self._settle(self.WRITERS - 1)  # wait for a free writer; an earlier failure is raised here
        self.pending.append(self.pool.submit(self._write, rows, now))

    def _write(self, rows: pa.Table, now: datetime) -> None:
        with connection_unit_of_work(self.ctx.platform.engine) as connection:
            _insert_new(self.ctx, connection, rows, now)

    def _settle(self, keep: int) -> None:
        while len(self.pending) > keep:
            self.pending.popleft().result()

    def wait(self) -> None:
        self._settle(0)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Layout:
    """Where each census field is in the file, and what the filter needs of the catalogue."""

    def __init__(self, columns: list[str], ctx: _Context) -> None:
        header = census_header(columns)
        position = {c: i for i, c in enumerate(columns)}
        self.at = {f: position[header[f]] for f in _FIELDS if f in header}
        self.classes = pa.array(
            sorted(c for s, c in ctx.classes if _GENERATION_LENGTH.get(s) == len(c)), pa.string()
        )


def _map_distinct(
    column: pa.Array, convert: Callable[[str], Any], kind: pa.DataType
) -> tuple[pa.Array, pa.Array]:
    """`convert` of each distinct value, as a column, and whether it passed (an Invalid fails)."""
    encoded = pc.dictionary_encode(column)
    values, passed = [], []
    for text in encoded.dictionary.to_pylist():
        try:
            values.append(convert(text))
            passed.append(True)
        except Invalid:
            values.append(None)
            passed.append(False)
    return (
        pa.array(values, kind).take(encoded.indices),
        pa.array(passed, pa.bool_()).take(encoded.indices),
    )


def _optional_code(text: str) -> str | None:
    return parse_uscc(text) if text else None


def _optional_date(what: str) -> Callable[[str], date | None]:
    return lambda text: parse_census_date(text, what) if text else None


def _null_if_empty(column: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


# the census values of a row as the batch's columns (`components._census_values`, with `line`,
# the code's `number` and `district` for the checks)
_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("number", pa.int64()),
        ("district", pa.string()),
        ("code", pa.string()),
        ("standard", pa.string()),
        ("class_code", pa.string()),
        ("name", pa.string()),
        ("state", pa.string()),
        ("lon", pa.float64()),
        ("lat", pa.float64()),
        ("geom_wkb", pa.binary()),
        ("owner_code", pa.string()),
        ("owner_name", pa.string()),
        ("keeper_code", pa.string()),
        ("keeper_name", pa.string()),
        ("maintainer_code", pa.string()),
        ("maintainer_name", pa.string()),
        ("initial_date", pa.date32()),
        ("change_date", pa.date32()),
        ("source", pa.string()),
        ("note", pa.string()),
    ]
)


def _fast_rows(layout: _Layout, table: pa.Table, lines: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """The rows certainly valid, as census values (`_SCHEMA`), and the positions of the others."""
    n = table.num_rows
    at = layout.at
    text = {f: pc.utf8_trim(table.column(i).combine_chunks(), _SPACES) for f, i in at.items()}
    empty = pa.array([""] * n, pa.string()) if n else pa.array([], pa.string())

    def cell(f: str) -> pa.Array:
        return text.get(f, empty)

    code = cell("code")
    ok = pc.match_substring_regex(code, r"^[0-9]{16,17}$")
    ok = pc.and_(ok, pc.invert(pc.match_substring_regex(code, _ZERO_PART)))
    short = pc.equal(pc.utf8_length(code), 16)
    class_code = pc.if_else(short, pc.utf8_slice_codeunits(code, 6, 10), pc.utf8_slice_codeunits(code, 6, 11))
    ok = pc.and_(ok, pc.is_in(class_code, value_set=layout.classes))
    if "class_code" in text:
        declared = text["class_code"]
        ok = pc.and_(ok, pc.or_(pc.equal(declared, ""), pc.equal(declared, class_code)))
    for f in ("name", "owner_name"):
        ok = pc.and_(ok, pc.greater(pc.utf8_length(cell(f)), 0))
    for f, most in MAX_LENGTHS.items():
        if f in text:
            ok = pc.and_(ok, pc.less_equal(pc.utf8_length(text[f]), most))
    if "geometry" in text:
        ok = pc.and_(ok, pc.equal(text["geometry"], ""))
    place = {}
    for f, limit in (("lon", 180.0), ("lat", 90.0)):
        if f not in text:
            ok = pa.array([False] * n, pa.bool_())
            place[f] = pa.array([0.0] * n, pa.float64())
            continue
        decimal = pc.match_substring_regex(text[f], _DECIMAL)
        value = pc.cast(pc.if_else(decimal, text[f], "0"), pa.float64())
        ok = pc.and_(ok, pc.and_(decimal, pc.less_equal(pc.abs(value), limit)))
        place[f] = value
    state, passed = _map_distinct(cell("state"), lambda t: parse_state(t).value, pa.string())
    ok = pc.and_(ok, passed)
    initial, passed = _map_distinct(cell("initial_date"), _optional_date("initial_date"), pa.date32())
    ok = pc.and_(ok, pc.and_(passed, pc.is_valid(initial)))
    changed, passed = _map_distinct(cell("change_date"), _optional_date("change_date"), pa.date32())
    ok = pc.and_(ok, pc.and_(passed, pc.fill_null(pc.greater_equal(changed, initial), True)))
    codes = {}
    for f in ("owner_code", "keeper_code", "maintainer_code"):
        codes[f], passed = _map_distinct(cell(f), _optional_code, pa.string())
        ok = pc.and_(ok, passed)

    ok = pc.fill_null(ok, False)
    slow = np.flatnonzero(~ok.to_numpy(zero_copy_only=False))
    fast = pa.table(
        {
            "line": pa.array(lines, pa.int64()),
            "number": pc.cast(pc.if_else(ok, code, "0"), pa.int64()),
            "district": pc.utf8_slice_codeunits(code, 0, 6),
            "code": code,
            "standard": pc.if_else(short, BEIJING_STANDARD, NATIONAL_STANDARD),
            "class_code": class_code,
            "name": cell("name"),
            "state": state,
            "lon": place["lon"],
            "lat": place["lat"],
            "geom_wkb": pa.nulls(n, pa.binary()),
            "owner_code": codes["owner_code"],
            "owner_name": cell("owner_name"),
            "keeper_code": codes["keeper_code"],
            "keeper_name": _null_if_empty(cell("keeper_name")),
            "maintainer_code": codes["maintainer_code"],
            "maintainer_name": _null_if_empty(cell("maintainer_name")),
            "initial_date": initial,
            "change_date": changed,
            "source": _null_if_empty(cell("source")),
            "note": _null_if_empty(cell("note")),
        },
        schema=_SCHEMA,
    ).filter(ok)
    return fast, slow


def _row_values(line: int, row: CensusRow) -> dict[str, Any]:
    code = row.code
    return {
        "line": line,
        "number": int(code.code),
        "district": code.district_code,
        "code": code.code,
        "standard": code.standard,
        "class_code": code.class_code,
        "name": row.name,
        "state": row.state.value,
        "lon": row.lon,
        "lat": row.lat,
        "geom_wkb": row.geom_wkb,
        "owner_code": row.owner_code,
        "owner_name": row.owner_name,
        "keeper_code": row.keeper_code,
        "keeper_name": row.keeper_name,
        "maintainer_code": row.maintainer_code,
        "maintainer_name": row.maintainer_name,
        "initial_date": row.initial_date,
        "change_date": row.change_date,
        "source": row.source,
        "note": row.note,
    }


def _cells_of(table: pa.Table, rows: Any) -> list[list[str]]:
    """Rows of the file's table as the lists of their cells (as read: untrimmed)."""
    picked = table.take(pa.array(rows, pa.int64()))
    return [list(r) for r in zip(*(c.to_pylist() for c in picked.columns), strict=True)]


@dataclass
class _Read:
    """A batch read: its rows that the row rules accept (census values by line), the rows of a
    class that is not a component's, and the rejects so far."""

    batch: _Batch
    rows: pa.Table
    wrong_class: list[tuple[int, list[str], CensusRow]]
    rejected: list[tuple[int, Any, str]]
    raw: dict[int, list[str]]  # line -> cells of the rows the row reader read


def _read_ahead(ctx: _Context, layout: _Layout, batches: Iterator[_Batch]) -> Generator[_Read, None, None]:
    """The batches read, the next one in a thread while the caller writes this one (the reading is
    mostly Arrow's, which lets go of the interpreter, and the writing mostly waits on the database)."""

    def step() -> _Read | None:
        batch = next(batches, None)
        return None if batch is None else _read(ctx, layout, batch)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="census-read") as pool:
        future = pool.submit(step)
        while (done := future.result()) is not None:
            future = pool.submit(step)
            yield done


def _read(ctx: _Context, layout: _Layout, batch: _Batch) -> _Read:
    rejected: list[tuple[int, Any, str]] = []
    table = batch.table
    fast, slow = _fast_rows(layout, table, batch.lines)
    # the others, read by the row reader: it accepts them or says why not
    raw: dict[int, list[str]] = {}  # line -> cells of the rows the row reader reads
    others = [(int(batch.lines[i]), cells) for i, cells in zip(slow, _cells_of(table, slow), strict=True)]
    accepted: list[dict[str, Any]] = []
    wrong_class: list[tuple[int, list[str], CensusRow]] = []
    reader, classes = ctx.reader, ctx.classes
    for line, cells in [*others, *batch.ragged]:
        raw[line] = cells
        try:
            row = reader.read(cells)
        except Invalid as exc:
            rejected.append((line, cells, exc.message))
            continue
        if (row.code.standard, row.code.class_code) in classes:
            accepted.append(_row_values(line, row))
        else:
            wrong_class.append((line, cells, row))
    rows = fast
    if accepted:
        rows = pa.concat_tables([fast, pa.Table.from_pylist(accepted, schema=_SCHEMA)])
        rows = rows.take(pc.sort_indices(rows, [("line", "ascending")]))
    return _Read(batch, rows, wrong_class, rejected, raw)


def _import_batch(
    ctx: _Context, db: Session, read: _Read, run: CensusRun, rejects: Rejects, writers: _Writers | None
) -> None:
    batch, table, rows, raw = read.batch, read.batch.table, read.rows, read.raw
    rejected = read.rejected

    # a code met before in the file, or earlier in the batch, is a duplicate (the first one counts)
    seen = ctx.seen
    numbers = rows.column("number").to_numpy()
    first = np.zeros(len(numbers), dtype=bool)
    first[np.unique(numbers, return_index=True)[1]] = True
    known = np.fromiter(map(seen.__contains__, numbers.tolist()), dtype=bool, count=len(numbers))
    repeated = ~first | known
    kept = np.flatnonzero(~repeated)
    first_line = dict(zip(numbers[kept].tolist(), rows.column("line").to_numpy()[kept].tolist(), strict=True))
    for i in np.flatnonzero(repeated).tolist():
        line = rows.column("line")[i].as_py()
        code = rows.column("code")[i].as_py()
        rejected.append(
            (line, _raw(raw, table, batch, line), f"the code {code} appears more than once in the file")
        )
    for line, cells, row in read.wrong_class:
        number = int(row.code.code)
        if number in seen or first_line.get(number, line) < line:
            rejected.append((line, cells, f"the code {row.code.code} appears more than once in the file"))
        else:
            code = row.code
            rejected.append(
                (line, cells, f"class {code.class_code} is not a component class of {code.standard}")
            )
    batch_codes = set(first_line)
    rows = rows.take(pa.array(kept, pa.int64()))

    platform = ctx.platform
    if not rows.num_rows:
        _account(ctx, run, rejects, batch_codes, batch.size, rejected, (0, 0, 0))
        return
    with unit_of_work(db):
        lons = rows.column("lon").to_numpy()
        lats = rows.column("lat").to_numpy()
        places = platform.territory(db).locate_columns(lons, lats, ("city_management",))
        districts = places["district"]
        coded = np.asarray(rows.column("district").to_pylist(), dtype=object)
        outside = districts == None  # noqa: E711 -- elementwise over an object array
        elsewhere = ~outside & (districts != coded)
        lines = rows.column("line").to_numpy()
        for i in np.flatnonzero(outside | elsewhere).tolist():
            line = int(lines[i])
            if outside[i]:
                reason = f"the point ({float(lons[i])}, {float(lats[i])}) lies outside the city's territory"
            else:
                reason = f"the code's district {coded[i]} is not where the point lies ({districts[i]})"
            rejected.append((line, _raw(raw, table, batch, line), reason))
        here = np.flatnonzero(~(outside | elsewhere))
        pick = pa.array(here, pa.int64())
        located = rows.take(pick)
        located = located.append_column("district_code", pa.array(districts[here], pa.string()))
        for key, name in (
            ("street", "street_code"),
            ("community", "community_code"),
            ("city_management", "grid_code"),
        ):
            located = located.append_column(name, pa.array(places[key][here], pa.string()))
        located = located.append_column("owner_unit_id", _owner_ids(ctx, located))
        counts = _write_columns(ctx, db, located, writers)
    _account(ctx, run, rejects, batch_codes, batch.size, rejected, counts)


def _raw(raw: dict[int, list[str]], table: pa.Table, batch: _Batch, line: int) -> list[str]:
    """The cells of the batch's row at `line`, as the file has them."""
    cells = raw.get(line)
    if cells is None:
        cells = _cells_of(table, [int(np.searchsorted(batch.lines, line))])[0]
    return cells


def _owner_ids(ctx: _Context, rows: pa.Table) -> pa.Array:
    """The owner department of each row: by its owner code, or else by the owner's name."""
    owners = ctx.owners
    by_code, _ = _map_distinct(rows.column("owner_code").combine_chunks(), owners.get, pa.int64())
    if (no_code := owners.get("")) is not None:  # the rows' `owners.get(code or "")`
        by_code = pc.fill_null(by_code, no_code)
    by_name, _ = _map_distinct(rows.column("owner_name").combine_chunks(), owners.get, pa.int64())
    return pc.coalesce(by_code, by_name)


_CENSUS = ("code", *components_db.CENSUS_COLUMNS)


def _write_columns(
    ctx: _Context, db: Session, rows: pa.Table, writers: _Writers | None
) -> tuple[int, int, int]:
    """New codes as version 1 in one bulk write; the codes stored already as `components._write`
    does them (a new version of a changed one, nothing for an unchanged one). A batch of new codes
    only goes to the `writers` when there are."""
    connection = db.connection()
    now = ctx.platform.now()
    existing = (
        {} if ctx.all_new else components_db.current_versions(connection, rows.column("code").to_pylist())
    )
    if not existing and writers is not None:
        writers.submit(rows, now)
        return rows.num_rows, 0, 0
    counts = (0, 0, 0)
    if existing:
        stored = pc.is_in(rows.column("code"), value_set=pa.array(list(existing), pa.string()))
        old = rows.filter(stored)
        values = list(zip(*(old.column(c).to_pylist() for c in _CENSUS), strict=True))
        counts = _write(ctx, db, values, now, existing)
        rows = rows.filter(pc.invert(stored))
    if rows.num_rows:
        _insert_new(ctx, connection, rows, now)
    return counts[0] + rows.num_rows, counts[1], counts[2]


def _insert_new(ctx: _Context, connection: Any, rows: pa.Table, now: datetime) -> None:
    n = rows.num_rows
    table = Component.__table__
    if connection.dialect.name != "postgresql":
        columns = {c: rows.column(c).to_pylist() for c in _CENSUS}
        tail = (now, None, ctx.recorded_by)
        tuples = [(code, 1, *rest, *tail) for code, *rest in zip(*columns.values(), strict=True)]
        bulk.insert_rows(connection, table, components_db.ALL_COLUMNS, tuples)  # type: ignore[arg-type]
        return
    # COPY in CSV: strings are quoted (an empty one stays empty, a missing one is NULL), floats
    # written in their shortest exact form, dates ISO, the time of the version in ISO with its zone
    wkb = rows.column("geom_wkb").to_pylist()
    out = {c: rows.column(c) for c in _CENSUS}
    out["geom_wkb"] = pa.array([None if b is None else "\\x" + b.hex() for b in wkb], pa.string())
    data = pa.table(
        {
            "code": out["code"],
            "version": pa.array(np.ones(n, dtype=np.int32)),
            **{c: out[c] for c in components_db.CENSUS_COLUMNS},
            "valid_from": pa.array([now.isoformat()] * n, pa.string()),
            "valid_to": pa.nulls(n, pa.string()),
            "recorded_by": pa.array([ctx.recorded_by] * n, pa.string()),
        }
    )
    assert tuple(data.column_names) == components_db.ALL_COLUMNS
    buffer = pa.BufferOutputStream()
    pcsv.write_csv(data, buffer, pcsv.WriteOptions(include_header=False))
    names = ", ".join(f'"{c}"' for c in components_db.ALL_COLUMNS)
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cur,
        cur.copy(f'COPY "{Component.__tablename__}" ({names}) FROM STDIN WITH (FORMAT csv)') as copy,
    ):
        copy.write(memoryview(buffer.getvalue()))
