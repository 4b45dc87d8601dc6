"""The reads baseline: the least a FastAPI app does to answer the two case reads of
`bench_reads.py` — `GET /api/v1/cases` (a page of cases and their count) and
`GET /api/v1/cases.geojson` (every case of a map window as a point) — an `async def` endpoint that
runs the same SELECT as gridcity (the same columns, order and window) through the database's own
driver and renders the rows with orjson, each row a dict of the fields as the driver returns them.
No auth, no ORM, no clock, no case number, no thread pool.

* SQLite: one `sqlite3` connection per worker process with gridcity's pragmas
  (bench/common.py `SQLITE_PRAGMAS`), on the event loop.
* PostgreSQL: `psycopg.AsyncConnection`s in autocommit from the intake baseline's small pool
  (`baseline_app.AsyncPool`, up to gridcity's limit), the query awaited.

Served like gridcity (`uvicorn baseline_reads_app:create_app --factory ...`, bench/ on the path);
the database comes from BASELINE_DATABASE_URL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from baseline_app import POOL_LIMIT, AsyncPool
from common import SQLITE_PRAGMAS, is_postgres, pg_conninfo, sqlite_path
from fastapi import FastAPI, Query, Response

# the columns gridcity's list reads for a case summary (with its clock) and its map feature reads
LIST_COLUMNS = (
    "id", "state", "version", "channel", "standard", "class_code", "class_name", "kind", "network",
    "urgency", "description", "address", "lon", "lat", "district_code", "street_code",
    "community_code", "grid_code", "ss_grid_code", "ps_grid_code", "component_code", "department_id",
    "reported_at", "updated_at", "closed_at", "closing_type", "stage_deadline", "stage",
    "stage_started_at", "stage_unit", "stage_budget_s", "stage_paused_s", "stage_paused_since",
)  # fmt: skip
MAP_COLUMNS = (
    "id", "lon", "lat", "class_name", "state", "reported_at", "stage", "stage_started_at",
    "stage_unit", "stage_budget_s", "stage_paused_s", "stage_paused_since", "stage_deadline",
)  # fmt: skip
ORDER = "ORDER BY reported_at DESC, id DESC"


CELLS = 16  # gridcity's clusters: the window cut into 16 × 16 cells (services.case_map)


def statements(mark: str, postgres: bool = False) -> dict[str, str]:
    # the cell of a point: floor of its offset in cells (SQLite's CAST truncates, the offset is ≥ 0)
    cell = "floor(({} - {m}) / {m})::int" if postgres else "CAST(({} - {m}) / {m} AS INTEGER)"
    window = f"lon BETWEEN {mark} AND {mark} AND lat BETWEEN {mark} AND {mark}"
    return {
        "window_count": f"SELECT count(*) FROM cases WHERE {window}",
        # a competent program's clusters: one GROUP BY in the database, overdue counted there
        "clusters": (
            f"SELECT {cell.format('lon', m=mark)} AS cx, {cell.format('lat', m=mark)} AS cy, count(*), "
            f"avg(lon), avg(lat), sum(CASE WHEN stage_deadline < {mark} THEN 1 ELSE 0 END) "
            f"FROM cases WHERE {window} GROUP BY cx, cy"
        ),
        "count": "SELECT count(*) FROM cases",
        "page": f"SELECT {', '.join(LIST_COLUMNS)} FROM cases {ORDER} LIMIT {mark} OFFSET {mark}",
        "map": (
            f"SELECT {', '.join(MAP_COLUMNS)} FROM cases "
            f"WHERE lon BETWEEN {mark} AND {mark} AND lat BETWEEN {mark} AND {mark} {ORDER} LIMIT {mark}"
        ),
    }


def _bbox(text: str) -> tuple[float, float, float, float]:
    a, b, c, d = (float(v) for v in text.split(","))
    return a, b, c, d


def _page_body(total: int, page: int, page_size: int, rows: list[Any]) -> bytes:
    items = [dict(zip(LIST_COLUMNS, row, strict=True)) for row in rows]
    return orjson.dumps({"total": total, "page": page, "page_size": page_size, "items": items})


def _map_body(rows: list[Any], limit: int) -> bytes:
    features = [dict(zip(MAP_COLUMNS, row, strict=True)) for row in rows[:limit]]
    return orjson.dumps({"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit})


def _cluster_params(box: tuple[float, float, float, float], now: Any) -> tuple[Any, ...]:
    x0, y0, x1, y1 = box
    return (x0, (x1 - x0) / CELLS, y0, (y1 - y0) / CELLS, now, x0, x1, y0, y1)


def _clusters_body(rows: list[Any]) -> bytes:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"cluster": True, "cell": [cx, cy], "count": n, "overdue": overdue},
        }
        for cx, cy, n, lon, lat, overdue in rows
    ]
    body = {"type": "FeatureCollection", "features": features, "truncated": False, "clustered": True}
    return orjson.dumps(body)


def create_app() -> FastAPI:
    url = os.environ["BASELINE_DATABASE_URL"]
    if is_postgres(url):
        return _postgres_app(url)
    return _sqlite_app(url)


def _postgres_app(url: str) -> FastAPI:
    sql = statements("%s", postgres=True)
    pool = AsyncPool(pg_conninfo(url), POOL_LIMIT)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await pool.close()

    app = FastAPI(title="reads baseline", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/cases")
    async def cases(page: int = Query(default=1), page_size: int = Query(default=50)) -> Response:
        async with pool.connection() as conn:
            total = (await (await conn.execute(sql["count"])).fetchone())[0]
            cur = await conn.execute(sql["page"], (page_size, (page - 1) * page_size))
            rows = await cur.fetchall()
        return Response(_page_body(total, page, page_size, rows), media_type="application/json")

    @app.get("/api/v1/cases.geojson")
    async def geojson(bbox: str, limit: int = Query(default=5000), cluster: bool = False) -> Response:
        box = x0, y0, x1, y1 = _bbox(bbox)
        async with pool.connection() as conn:
            if cluster:
                total = (await (await conn.execute(sql["window_count"], (x0, x1, y0, y1))).fetchone())[0]
                if total > limit:
                    now = datetime.now(UTC)
                    rows = await (await conn.execute(sql["clusters"], _cluster_params(box, now))).fetchall()
                    return Response(_clusters_body(rows), media_type="application/json")
            rows = await (await conn.execute(sql["map"], (x0, x1, y0, y1, limit + 1))).fetchall()
        return Response(_map_body(rows, limit), media_type="application/json")

    return app


def _sqlite_app(url: str) -> FastAPI:
    import sqlite3

    sql = statements("?")
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None, check_same_thread=False, timeout=30)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        conn.close()

    app = FastAPI(title="reads baseline", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/cases")
    async def cases(page: int = Query(default=1), page_size: int = Query(default=50)) -> Response:
        total = conn.execute(sql["count"]).fetchone()[0]
        rows = conn.execute(sql["page"], (page_size, (page - 1) * page_size)).fetchall()
        return Response(_page_body(total, page, page_size, rows), media_type="application/json")

    @app.get("/api/v1/cases.geojson")
    async def geojson(bbox: str, limit: int = Query(default=5000), cluster: bool = False) -> Response:
        box = x0, y0, x1, y1 = _bbox(bbox)
        if cluster and conn.execute(sql["window_count"], (x0, x1, y0, y1)).fetchone()[0] > limit:
            # gridcity's UTCDateTime on SQLite: naive UTC text, which compares as text
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            rows = conn.execute(sql["clusters"], _cluster_params(box, now)).fetchall()
            return Response(_clusters_body(rows), media_type="application/json")
        rows = conn.execute(sql["map"], (x0, x1, y0, y1, limit + 1)).fetchall()
        return Response(_map_body(rows, limit), media_type="application/json")

    return app
