"""Engine and session factory for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

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
        # a file: connections are cheap (no server), and a request may hold one while the one
        # writer waits for another, so the pool is wide; the wait stays bounded by pool_timeout
        pool = {} if in_memory else {"pool_timeout": pool_timeout, "pool_size": 8, "max_overflow": 56}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        # FULL and EXTRA: SQLite would sync the WAL inside COMMIT, while the write lock is held, so
        # every writer would wait for the one before it to reach the disk. Instead the connections
        # run NORMAL and the unit of work syncs the WAL itself after the commit, outside the lock
        # (`sync_after_commit`): the next write goes on meanwhile, and no commit is reported
        # before a sync that began after it has ended.
        pragma_synchronous = synchronous
        if synchronous in ("FULL", "EXTRA") and not in_memory:
            _WAL_TO_SYNC[engine] = Path(os.path.realpath(path) + "-wal")
            pragma_synchronous = "NORMAL"

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets readers run beside the one writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={pragma_synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_timeout=pool_timeout, pool_pre_ping=True)


def side_engine(engine: Engine) -> Engine | None:
    """An engine of the same database without a pool (each session opens and closes its own
    connection), for an occasional read that must never wait for the pool: one made by a thread
    that may already hold a pooled connection. None for an in-memory SQLite database (another
    connection would open another, empty, database)."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    side = create_engine(engine.url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(side, "connect")
        def _wait_for_writers(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA busy_timeout=30000")

    return side


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# SQLite has one writer at a time. Writers queue for their turn on a lock instead of spinning in
# SQLite's busy handler, which sleeps and retries (slow, unfair, and under load the cause of
# "database is locked" after the busy timeout). PostgreSQL needs no such lock.
_WRITE_LOCKS: dict[str, SQLiteWriteLock] = {}  # per database file: every engine of it shares one
_ENGINE_LOCKS: weakref.WeakKeyDictionary[Engine, SQLiteWriteLock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()
_IN_UNIT_OF_WORK = "gridcity.unit_of_work"
# the WAL file each durable (FULL/EXTRA) SQLite engine syncs after its commits
_WAL_TO_SYNC: weakref.WeakKeyDictionary[Engine, Path] = weakref.WeakKeyDictionary()


class SQLiteWriteLock:
    """The turn to write one SQLite database. Threads of this process queue on a re-entrant lock;
    processes (several uvicorn workers, the worker, a CLI command) queue on an exclusive flock of
    `<database>-writer.lock`, which the kernel hands to the next waiter as soon as it is let go.
    The lock file is opened at the outermost acquisition and closed at the last release (closing
    lets the flock go), so no descriptor outlives a write."""

    def __init__(self, lock_path: Path | None) -> None:
        self.lock_path = lock_path
        self._threads = threading.RLock()
        self._depth = 0  # acquisitions by the owning thread; guarded by _threads
        self._fd: int | None = None

    def __enter__(self) -> SQLiteWriteLock:
        self._threads.acquire()
        try:
            if self._depth == 0 and self.lock_path is not None:
                self._fd = _flock(self.lock_path)
            self._depth += 1
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        self._threads.release()


def _flock(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """The lock this process's writers of `engine` take (re-entrant; a no-op on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _ENGINE_LOCKS.get(engine)  # every write asks: no guard once the engine knows its lock
    if lock is not None:
        return lock
    database = engine.url.database
    with _WRITE_LOCKS_GUARD:
        if database in (None, "", ":memory:"):  # private to this engine's one connection
            lock = SQLiteWriteLock(None)
        else:
            key = os.path.realpath(database)
            lock = _WRITE_LOCKS.setdefault(key, SQLiteWriteLock(Path(key + "-writer.lock")))
        return _ENGINE_LOCKS.setdefault(engine, lock)


class NestedUnitOfWork(RuntimeError):
    """A unit of work was opened inside another on the same session: the inner commit would commit
    the outer one's half-done work. A programming error, never the user's."""


def sync_after_commit(engine: Engine) -> None:
    """Make the commits of `engine` so far durable: fdatasync its WAL (FULL/EXTRA SQLite engines;
    nothing for NORMAL, in-memory databases and PostgreSQL, whose COMMIT is durable itself). Called
    after the write lock is let go, so the next writer writes while this one waits for the disk.
    SQLite writes a commit's frames to the WAL before COMMIT returns, so a sync that begins after
    it covers them; a checkpoint that moved them into the database file synced that file first."""
    wal = _WAL_TO_SYNC.get(engine)
    if wal is None:
        return
    try:
        fd = os.open(wal, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:  # the last connection closed: its checkpoint synced everything
        return
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


def _engine_of(db: Session) -> Engine:
    bind = db.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@contextmanager
def unit_of_work(db: Session) -> Iterator[Session]:
    """One write: takes the write lock (SQLite), commits on success, rolls back on any error, and
    on a durable SQLite engine syncs the WAL after letting the lock go — the commit is on disk
    when this returns. Every writer of the platform goes through here; it refuses to nest."""
    if db.info.get(_IN_UNIT_OF_WORK):
        raise NestedUnitOfWork("a unit of work is already open on this session")
    engine = _engine_of(db)
    with write_lock(engine):
        db.info[_IN_UNIT_OF_WORK] = True
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.info.pop(_IN_UNIT_OF_WORK, None)
    sync_after_commit(engine)


@contextmanager
def connection_unit_of_work(engine: Engine) -> Iterator[Connection]:
    """The same for writes through a Core connection of their own (bulk loads): the write lock,
    then one transaction on a new connection, committed on success, then the WAL's sync."""
    with write_lock(engine), engine.begin() as connection:
        yield connection
    sync_after_commit(engine)
