"""Alembic, driven from code: `gridcity db upgrade`, every `gridcity` command's start and the test
fixtures call `upgrade(url)`.

Any number of processes may start at once (a release that restarts every app server and worker):
`upgrade` runs Alembic under a lock that one process holds at a time — a PostgreSQL advisory lock,
a file lock beside a SQLite database — so exactly one migrates and the others wait for it, then
find the schema current and go on. `gridcity db upgrade` stays the explicit release step.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from gridcity.db.engine import make_engine, sync_after_commit

try:  # POSIX; elsewhere SQLite's own locking is all there is
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).with_name("migrations")
# The advisory lock's key: one fixed signed 64-bit number for "gridcity migrates this database" (the
# first eight bytes of sha256("gridcity.migrate"), -5974119706373533207); advisory locks are per database.
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"gridcity.migrate").digest()[:8], "big", signed=True)
LOCK_SUFFIX = ".migrate.lock"

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class FieldCipher(Protocol):
    """What a migration that encrypts stored values needs of the personal-data cipher
    (`services.registry.personal_crypto.PersonalCipher`, passed in by the caller: the db layer
    knows no keys)."""

    def encrypt(self, text: str, field: str) -> bytes: ...

    def decrypt(self, blob: bytes, field: str) -> str: ...


PERSONAL_CIPHER = "personal_cipher"  # the key of the cipher in the Alembic config's attributes


def upgrade(url: str, revision: str = "head", personal_cipher: FieldCipher | None = None) -> None:
    """Bring the database at `url` to `revision`, under the migration lock. `personal_cipher`: the
    installation's personal-data cipher, for the migrations that encrypt values already stored
    (`gridcity db upgrade` passes it; without it such a migration refuses a database that has
    values to encrypt, and runs on one that has none)."""
    engine = make_engine(url)  # creates the SQLite file's folder, sets the pragmas
    try:
        with migration_lock(engine):
            with engine.begin() as connection:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = connection
                cfg.attributes[PERSONAL_CIPHER] = personal_cipher
                command.upgrade(cfg, revision)
            sync_after_commit(engine)  # on disk before another process may serve the new schema
    finally:
        engine.dispose()


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Held by one process at a time per database: PostgreSQL's session advisory lock on a
    connection of its own (autocommit: no transaction stays open beside the migration's), or an
    exclusive `flock` on `<database file>.migrate.lock`. Another process waits here until it is free."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
    elif engine.dialect.name == "sqlite" and fcntl is not None and _sqlite_file(engine) is not None:
        with _file_lock(Path(f"{_sqlite_file(engine)}{LOCK_SUFFIX}")):
            yield
    else:  # an in-memory SQLite database belongs to one process
        yield


def _sqlite_file(engine: Engine) -> str | None:
    database = engine.url.database
    return database if database and database != ":memory:" else None


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = {"key": MIGRATION_LOCK_KEY}
        if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
            log.info("another process is migrating the database: waiting for it")
            started = time.monotonic()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
            log.info("the other migration ended after %.1f s", time.monotonic() - started)
        try:
            yield
        finally:
            # closing the connection would release it too; unlocking first returns a clean one
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another process is migrating the database: waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
