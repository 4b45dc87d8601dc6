"""Engine and session factory for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

# How SQLite makes a commit durable in WAL mode (`PRAGMA synchronous`, GRIDCITY_SQLITE_SYNCHRONOUS):
# FULL syncs the WAL to disk at every commit, so a commit that returned survives a power cut; EXTRA
# adds a sync of the directory when a rollback journal is deleted (in WAL mode much the same as
# FULL); NORMAL syncs only at checkpoints — safe across a crash of the app, but a power cut or an
# OS crash can lose the last acknowledged commits.
SQLITE_SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL")
DEFAULT_SQLITE_SYNCHRONOUS = "FULL"


def make_engine(
    url: str, pool_timeout: float = 30.0, *, sqlite_synchronous: str = DEFAULT_SQLITE_SYNCHRONOUS
) -> Engine:
    """The engine of `url`. SQLite: WAL, `synchronous=<sqlite_synchronous>` (FULL unless the operator
    chose otherwise), foreign keys, a 30 s busy timeout. `pool_timeout`: how long a request waits for
    a free connection of the pool before sqlalchemy.exc.TimeoutError (answered 503 with Retry-After
    by the app: load shedding)."""
    if url.startswith("sqlite"):
        synchronous = sqlite_synchronous.upper()
        if synchronous not in SQLITE_SYNCHRONOUS:  # goes into a PRAGMA: only the known words
            raise ValueError(f"SQLite synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}")
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # an in-memory database has one shared connection (SingletonThreadPool): no wait to bound
        in_memory = make_url(url).database in (None, "", ":memory:")
        pool = {} if in_memory else {"pool_timeout": pool_timeout}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets readers run beside the one writer; FULL makes every commit reach the disk
            # before it returns (an acknowledged write survives a power cut)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_timeout=pool_timeout, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# SQLite has one writer at a time. Writers of one process queue on one lock per engine instead of
# spinning in SQLite's busy handler (far cheaper, and fair); PostgreSQL needs no such lock.
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()
_IN_UNIT_OF_WORK = "gridcity.unit_of_work"


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """The lock this process's writers of `engine` take (re-entrant; a no-op on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _WRITE_LOCKS.get(engine)  # every write asks: no guard once the lock exists
    if lock is None:
        with _WRITE_LOCKS_GUARD:
            lock = _WRITE_LOCKS.setdefault(engine, threading.RLock())
    return lock


class NestedUnitOfWork(RuntimeError):
    """A unit of work was opened inside another on the same session: the inner commit would commit
    the outer one's half-done work. A programming error, never the user's."""


@contextmanager
def unit_of_work(db: Session) -> Iterator[Session]:
    """One write: takes the write lock (SQLite), commits on success, rolls back on any error.
    Every writer of the platform goes through here; it refuses to nest."""
    if db.info.get(_IN_UNIT_OF_WORK):
        raise NestedUnitOfWork("a unit of work is already open on this session")
    bind = db.get_bind()
    with write_lock(bind if isinstance(bind, Engine) else bind.engine):
        db.info[_IN_UNIT_OF_WORK] = True
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.info.pop(_IN_UNIT_OF_WORK, None)


@contextmanager
def connection_unit_of_work(engine: Engine) -> Iterator[Connection]:
    """The same for writes through a Core connection of their own (bulk loads): the write lock,
    then one transaction on a new connection, committed on success."""
    with write_lock(engine), engine.begin() as connection:
        yield connection
