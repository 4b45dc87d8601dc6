"""Bulk writes for imports of millions of rows: COPY on PostgreSQL, one executemany of plain tuples
on SQLite — the values stored exactly as SQLAlchemy would store them, without its per-row cost."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table


def _utc_text(value: datetime) -> str:
    # UTCDateTime on SQLite: naive UTC, as SQLAlchemy's DateTime writes it
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


_SQLITE_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "UTCDateTime": _utc_text,
    "Date": date.isoformat,
    "JSON": _json,
    "Boolean": int,
}


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (tuples in the order of `columns`) into `table` in the caller's transaction.
    Datetimes must be aware. Returns the number of rows written."""
    driver = connection.connection.driver_connection
    json_columns = {i for i, c in enumerate(columns) if type(table.c[c].type).__name__ == "JSON"}
    n = 0
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)
        with driver.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
            for row in rows:
                if json_columns:
                    row = [_json(v) if i in json_columns else v for i, v in enumerate(row)]
                copy.write_row(row)
                n += 1
        return n
    converters = [(i, _SQLITE_CONVERTERS.get(type(table.c[c].type).__name__)) for i, c in enumerate(columns)]
    converting = [(i, f) for i, f in converters if f is not None]
    marks = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)

    def plain(row: Sequence[Any]) -> tuple[Any, ...]:
        nonlocal n
        n += 1
        if not converting:
            return tuple(row)
        values = list(row)
        for i, f in converting:
            if values[i] is not None:
                values[i] = f(values[i])
        return tuple(values)

    driver.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', map(plain, rows))  # type: ignore[union-attr]
    return n
