"""The SQL of the component registry (管理部件): current versions by code, the window and
nearest-point queries the indexes of `models.Component` are made for, history and cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from gridcity.db.models import Case, Component

CURRENT = Component.valid_to.is_(None)

# what a census row says about a component: a re-import that says the same changes nothing
CENSUS_COLUMNS = (
    "standard",
    "class_code",
    "name",
    "state",
    "lon",
    "lat",
    "geom_wkb",
    "district_code",
    "street_code",
    "community_code",
    "grid_code",
    "owner_code",
    "owner_name",
    "owner_unit_id",
    "keeper_code",
    "keeper_name",
    "maintainer_code",
    "maintainer_name",
    "initial_date",
    "change_date",
    "source",
    "note",
)
ALL_COLUMNS = ("code", "version", *CENSUS_COLUMNS, "valid_from", "valid_to", "recorded_by")


def current_versions(connection: Connection, codes: Sequence[str]) -> dict[str, Sequence[Any]]:
    """The current version of each of these codes that exists: a tuple of id, code, version, then
    the `CENSUS_COLUMNS` in their order (`row[CENSUS_AT:]`, compared with a census row's values)."""
    if not codes:
        return {}
    if connection.dialect.name == "postgresql":
        # the driver's own tuples: a census re-run reads millions of rows, and building result rows
        # cost more than the query; the codes go as one text (an array of thousands costs more)
        with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(_CURRENT_VERSIONS_PG_SQL, (",".join(codes),))
            rows: Any = cursor.fetchall()
    else:
        rows = connection.execute(_CURRENT_VERSIONS, {"codes": list(codes)})
    return {row[1]: row for row in rows}


# Built once. A census batch asks for thousands of codes: PostgreSQL takes them as one text split
# into an array (a query text with thousands of placeholders costs more to parse than to run, an
# array parameter of thousands of strings more to encode);
# SQLite binds an expanding IN list.
_VERSION_COLUMNS = select(
    Component.id, Component.code, Component.version, *(Component.__table__.c[c] for c in CENSUS_COLUMNS)
)
ID_AT, VERSION_AT, CENSUS_AT = 0, 2, 3  # where a current version's tuple holds them
_CURRENT_VERSIONS = _VERSION_COLUMNS.where(Component.code.in_(bindparam("codes", expanding=True)), CURRENT)
_CURRENT_VERSIONS_PG_SQL = (
    f"SELECT id, code, version, {', '.join(CENSUS_COLUMNS)} FROM components"
    " WHERE code = ANY(string_to_array(%s, ',')) AND valid_to IS NULL"
)


def known_rows(connection: Connection) -> int:
    """How many rows PostgreSQL's statistics say the table holds (0 when never analyzed)."""
    rows = connection.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'components'::regclass"))
    return max(int(rows or 0), 0)


def analyze(connection: Connection) -> None:
    """Refresh PostgreSQL's statistics of the table and of the columns the lookup of current versions
    by code is planned by (with none, PostgreSQL scans every current row for each batch of codes)."""
    connection.execute(text("ANALYZE components (code, valid_to)"))


# The lookup indexes (nearest, map window, grid) of current versions; the unique (code, version)
# index is not one of them: the import needs it to find current versions and to refuse duplicates.
LOOKUP_INDEXES = tuple(
    sorted((i for i in Component.__table__.indexes if i.name), key=lambda i: str(i.name))  # type: ignore[attr-defined]
)


def is_empty(connection: Connection) -> bool:
    return connection.scalar(select(Component.id).limit(1)) is None


def drop_lookup_indexes(connection: Connection) -> None:
    """Drop the lookup indexes (a first census into an empty table builds them once at the end:
    keeping them up row by row costs it about half of its time)."""
    for index in LOOKUP_INDEXES:
        index.drop(connection, checkfirst=True)


def missing_lookup_indexes(connection: Connection) -> list[str]:
    present = {i["name"] for i in inspect(connection).get_indexes(Component.__tablename__)}
    return [str(i.name) for i in LOOKUP_INDEXES if i.name not in present]


def create_lookup_index(connection: Connection, name: str) -> None:
    if connection.dialect.name == "postgresql":  # millions of keys sort in memory, not on disk
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    next(i for i in LOOKUP_INDEXES if i.name == name).create(connection, checkfirst=True)


def close_versions(connection: Connection, ids: Sequence[int], at: datetime) -> None:
    if ids:
        connection.execute(update(Component).where(Component.id.in_(ids), CURRENT).values(valid_to=at))


def _window(
    query: Select[Any],
    box: tuple[float, float, float, float],
    class_codes: Sequence[str] | None,
    states: Sequence[str] | None,
) -> Select[Any]:
    min_lon, min_lat, max_lon, max_lat = box
    query = query.where(
        CURRENT,
        Component.lat.between(min_lat, max_lat),
        Component.lon.between(min_lon, max_lon),
    )
    if class_codes:
        query = query.where(Component.class_code.in_(class_codes))
    if states:
        query = query.where(Component.state.in_(states))
    return query


def in_window(
    connection: Connection,
    box: tuple[float, float, float, float],
    class_codes: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Any]:
    """Current components in the box, in the order of the indexes (latitude, longitude), so a page
    is read from the index without sorting the whole window."""
    query = _window(select(Component), box, class_codes, states)
    query = query.order_by(Component.lat, Component.lon, Component.id).offset(offset).limit(limit)
    return list(connection.execute(query))


def count_in_window(
    connection: Connection,
    box: tuple[float, float, float, float],
    class_codes: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
) -> int:
    return int(
        connection.scalar(_window(select(func.count()).select_from(Component), box, class_codes, states)) or 0
    )


_NEAR_COLUMNS = (
    Component.code,
    Component.class_code,
    Component.name,
    Component.state,
    Component.lon,
    Component.lat,
    Component.grid_code,
    Component.owner_name,
    Component.owner_unit_id,
)
# The lookup of a report (one class) is built once: building and hashing a statement per call
# costs ten times the indexed query itself.
_NEAR_ONE_CLASS = select(*_NEAR_COLUMNS).where(
    CURRENT,
    Component.class_code == bindparam("class_code"),
    Component.lat.between(bindparam("min_lat"), bindparam("max_lat")),
    Component.lon.between(bindparam("min_lon"), bindparam("max_lon")),
    Component.state.in_(bindparam("states", expanding=True)),
)


def near(
    connection: Connection,
    box: tuple[float, float, float, float],
    class_codes: Sequence[str] | None,
    states: Sequence[str],
) -> list[Any]:
    """Every current component of the classes in the box around a point (the caller measures the
    distances and keeps those within the radius)."""
    min_lon, min_lat, max_lon, max_lat = box
    if class_codes is not None and len(class_codes) == 1:
        params = {
            "class_code": class_codes[0],
            "min_lat": min_lat,
            "max_lat": max_lat,
            "min_lon": min_lon,
            "max_lon": max_lon,
            "states": list(states),
        }
        return list(connection.execute(_NEAR_ONE_CLASS, params))
    query: Select[Any] = select(*_NEAR_COLUMNS)  # type: ignore[assignment]
    return list(connection.execute(_window(query, box, class_codes, states)))


def versions(db: Session, code: str) -> list[Component]:
    """Every version of a component, oldest first."""
    return list(db.scalars(select(Component).where(Component.code == code).order_by(Component.version)))


def cases_about(db: Session, code: str, visible: ColumnElement[bool], limit: int) -> list[Case]:
    """The newest cases about a component that the `visible` clause lets its reader see."""
    query = (
        select(Case)
        .where(Case.component_code == code, visible)
        .order_by(Case.reported_at.desc())
        .limit(limit)
    )
    return list(db.scalars(query))


def count_current(connection: Connection, district_code: str | None = None) -> int:
    query = select(func.count()).select_from(Component).where(CURRENT)
    if district_code:
        query = query.where(Component.district_code == district_code)
    return int(connection.scalar(query) or 0)
