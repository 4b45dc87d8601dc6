"""The intake baseline: the least a FastAPI app must do for one report — parse the same JSON body
with a pydantic model and insert one row into a one-table database of the same backend, committed
per request. No auth, no lookup, no workflow: the floor that gridcity's intake is measured against.

Served exactly like gridcity (`uvicorn baseline_app:create_app --factory ...`, bench/ on the path);
the database comes from BASELINE_DATABASE_URL (sqlite:///... or postgresql+psycopg://...).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
)

metadata = MetaData()
reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_key", String(120), unique=True),
    Column("class_code", String(20), nullable=False),
    Column("kind", String(20)),
    Column("standard", String(40)),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class ReportIn(BaseModel):
    """The fields of gridcity's CaseCreate that the bench sends, with the same constraints."""

    class_code: str
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    description: str = Field(default="", max_length=4000)
    client_key: str | None = Field(default=None, max_length=120)
    standard: str | None = None
    kind: str | None = None


def make_engine(url: str) -> Engine:
    """Same settings as gridcity.db.engine: SQLite in WAL with synchronous=NORMAL; the same pool
    sizes on PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def create_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def count_rows(url: str, key_prefix: str) -> int:
    from sqlalchemy import func, select

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stmt = (
                select(func.count()).select_from(reports).where(reports.c.client_key.startswith(key_prefix))
            )
            return int(conn.scalar(stmt) or 0)
    finally:
        engine.dispose()


def create_app() -> FastAPI:
    engine = make_engine(os.environ["BASELINE_DATABASE_URL"])
    app = FastAPI(title="intake baseline")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/cases", status_code=201)
    def create(body: ReportIn) -> dict[str, Any]:
        with engine.begin() as conn:  # one transaction, committed per request
            row_id = conn.execute(
                insert(reports)
                .values(**body.model_dump(), created_at=datetime.now(UTC))
                .returning(reports.c.id)
            ).scalar_one()
        return {"id": row_id, "client_key": body.client_key}

    return app
