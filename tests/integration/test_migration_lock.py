"""Five real `gridcity db upgrade` processes started at once on an empty database — a release that
restarts every process together: all of them end well and the schema is at head, once. Without the
migration lock (`db.migrate`) two processes run the same migrations and all but one fail."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from gridcity.db.migrate import LOCK_SUFFIX, alembic_config

PROCESSES = 5
BACKENDS = [b.strip() for b in os.environ.get("GRIDCITY_TEST_DATABASES", "sqlite,postgresql").split(",") if b]
PG_ADMIN_URL = os.environ.get(
    "GRIDCITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database (nothing in it, not even alembic_version)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'gridcity.db'}"
        return
    name = f"gridcity_test_lock_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_five_processes_upgrading_an_empty_database_at_once_all_succeed(
    empty_database: str, tmp_path: Path
) -> None:
    env = {**os.environ, "GRIDCITY_DATABASE_URL": empty_database, "GRIDCITY_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-c", "from gridcity.cli import main; main()", "db", "upgrade"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * PROCESSES, "\n---\n".join(outputs)
    assert all("database at head" in out for out in outputs)

    head = ScriptDirectory.from_config(alembic_config(empty_database)).get_current_head()
    engine = create_engine(empty_database)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
            tables = set(inspect(conn).get_table_names())
        assert {"cases", "case_events", "outbox", "users", "rollup_state"} <= tables
    finally:
        engine.dispose()
    if empty_database.startswith("sqlite"):  # the lock file beside the database, nothing else
        database = Path(empty_database.removeprefix("sqlite:///"))
        assert (database.parent / (database.name + LOCK_SUFFIX)).exists()
