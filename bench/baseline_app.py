"""The intake baseline: the least a FastAPI app does to take one report — an `async def` endpoint
that parses the same body as gridcity's `POST /api/v1/cases` (its own pydantic model,
`gridcity.api.schemas.CaseCreate`) and stores it with one `INSERT … RETURNING id` through the
database's own driver, committed before the answer (201, the id, rendered by orjson). No auth, no
lookup, no workflow, no ORM, no thread pool: the floor that gridcity's intake is measured against.

* SQLite: one `sqlite3` connection per worker process, in autocommit (the INSERT is its own
  transaction), with gridcity's pragmas (WAL, the same `synchronous` as gridcity — FULL unless
  GRIDCITY_SQLITE_SYNCHRONOUS says otherwise, so the WAL is synced at every commit, as gridcity's
  are —, foreign keys, busy timeout: bench/common.py `SQLITE_PRAGMAS`, from gridcity.db.engine). It
  runs on the event loop, in the `async def` endpoint, the least an app does: no thread hop.
* PostgreSQL: `psycopg.AsyncConnection`s in autocommit, the server's durability settings unchanged
  (gridcity changes none: `synchronous_commit` as the server has it), from a small pool that grows
  on demand to gridcity's limit (pool_size 10 + max_overflow 20) and keeps them; the INSERT is
  awaited, so the loop serves other requests meanwhile.

Served exactly like gridcity (`uvicorn baseline_app:create_app --factory ...`, bench/ on the path,
the same uvicorn options and workers); the database comes from BASELINE_DATABASE_URL (sqlite:///...
or postgresql+psycopg://...). A repeated client_key answers 200 with the first row, as gridcity does
(ON CONFLICT DO NOTHING, then a SELECT; the bench never repeats one).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from common import SQLITE_PRAGMAS, connect_driver, is_postgres, pg_conninfo, sqlite_path
from fastapi import FastAPI, Response

from gridcity.api.schemas import CaseCreate

COLUMNS = (
    "client_key", "class_code", "kind", "standard", "channel", "urgency", "lon", "lat",
    "description", "address", "contact_name", "contact_phone", "component_code", "created_at",
)  # fmt: skip
POOL_LIMIT = 30  # gridcity's SQLAlchemy pool: pool_size 10 + max_overflow 20


def schema(postgres: bool) -> str:
    serial = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"
    moment = "TIMESTAMPTZ" if postgres else "TEXT"
    return f"""CREATE TABLE IF NOT EXISTS reports (
        id {serial},
        client_key VARCHAR(120) UNIQUE,
        class_code VARCHAR(20) NOT NULL,
        kind VARCHAR(20), standard VARCHAR(40), channel VARCHAR(20), urgency VARCHAR(20),
        lon DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        address VARCHAR(300), contact_name VARCHAR(80), contact_phone VARCHAR(40),
        component_code VARCHAR(17),
        created_at {moment} NOT NULL
    )"""


def create_schema(url: str) -> None:
    conn = connect_driver(url)
    try:
        conn.execute(schema(is_postgres(url)))
    finally:
        conn.close()


def count_rows(url: str, key_prefix: str) -> int:
    conn = connect_driver(url)
    try:
        mark = "%s" if is_postgres(url) else "?"
        cur = conn.execute(f"SELECT count(*) FROM reports WHERE client_key LIKE {mark}", (key_prefix + "%",))
        return int(cur.fetchone()[0])
    finally:
        conn.close()


def _sql(mark: str) -> tuple[str, str]:
    names = ", ".join(COLUMNS)
    marks = ", ".join(mark for _ in COLUMNS)
    insert = (
        f"INSERT INTO reports ({names}) VALUES ({marks}) ON CONFLICT (client_key) DO NOTHING RETURNING id"
    )
    return insert, f"SELECT id FROM reports WHERE client_key = {mark}"


def _values(body: CaseCreate, moment: Any) -> tuple[Any, ...]:
    return (body.client_key, body.class_code, body.kind, body.standard, body.channel, body.urgency,
            body.lon, body.lat, body.description, body.address, body.contact_name, body.contact_phone,
            body.component_code, moment)  # fmt: skip


def _answer(row_id: int, body: CaseCreate, created: bool) -> Response:
    content = orjson.dumps({"id": row_id, "client_key": body.client_key})
    return Response(content, status_code=201 if created else 200, media_type="application/json")


class AsyncPool:
    """psycopg AsyncConnections, opened on demand up to `limit` and kept (the least pool)."""

    def __init__(self, conninfo: str, limit: int) -> None:
        self.conninfo, self.limit = conninfo, limit
        self.idle: list[Any] = []
        self.opened = 0
        self.freed = asyncio.Condition()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        import psycopg

        async with self.freed:
            while not self.idle and self.opened >= self.limit:
                await self.freed.wait()
            conn = self.idle.pop() if self.idle else None
            if conn is None:
                self.opened += 1
        if conn is None:
            try:
                conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            except BaseException:
                async with self.freed:
                    self.opened -= 1
                    self.freed.notify()
                raise
        try:
            yield conn
        except BaseException:
            await conn.close()  # a connection in an unknown state is not reused
            async with self.freed:
                self.opened -= 1
                self.freed.notify()
            raise
        async with self.freed:
            self.idle.append(conn)
            self.freed.notify()

    async def close(self) -> None:
        for conn in self.idle:
            await conn.close()


def create_app() -> FastAPI:
    url = os.environ["BASELINE_DATABASE_URL"]
    if is_postgres(url):
        return _postgres_app(url)
    return _sqlite_app(url)


def _postgres_app(url: str) -> FastAPI:
    insert, select = _sql("%s")
    pool = AsyncPool(pg_conninfo(url), POOL_LIMIT)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await pool.close()

    app = FastAPI(title="intake baseline", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/cases", status_code=201)
    async def create(body: CaseCreate) -> Response:
        async with pool.connection() as conn:
            cur = await conn.execute(insert, _values(body, datetime.now(UTC)))
            row = await cur.fetchone()
            created = row is not None
            if row is None:  # a repeated client_key: the first report
                cur = await conn.execute(select, (body.client_key,))
                row = await cur.fetchone()
        return _answer(row[0], body, created)

    return app


def _sqlite_app(url: str) -> FastAPI:
    import sqlite3

    insert, select = _sql("?")
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None, check_same_thread=False, timeout=30)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        conn.close()

    app = FastAPI(title="intake baseline", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/cases", status_code=201)
    async def create(body: CaseCreate) -> Response:
        # SQLAlchemy's UTCDateTime stores naive UTC text; the same here
        moment = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        row = conn.execute(insert, _values(body, moment)).fetchone()
        created = row is not None
        if row is None:  # a repeated client_key: the first report
            row = conn.execute(select, (body.client_key,)).fetchone()
        return _answer(row[0], body, created)

    return app
