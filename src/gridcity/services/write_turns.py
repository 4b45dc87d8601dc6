"""The queue of a process's SQLite writes from async code (Platform.run_write).

SQLite has one writer at a time. Writes handed to worker threads all at once would park every
thread on the write lock — a burst of 200 reports would take the whole thread pool from the reads
and wait there without bound. Instead the writes of one event loop wait for their turn here, as
coroutines, first come first served; only the writes whose turn it is hold a thread. Two turns run
at once: while one write holds the database's write lock, the one before it syncs the WAL and
builds its answer (db/engine.py `sync_after_commit`), so the disk's wait and the answer's CPU
overlap with the next write instead of adding to it. A write that
waited longer than the bound is not run: the caller is told to come back (503 with Retry-After),
as when no pooled connection comes free (load shedding, docs/security.md#bounded-input)."""

from __future__ import annotations

import asyncio
import math
import threading
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from gridcity.domain.errors import Unavailable
from gridcity.domain.messages import message
from gridcity.observability.metrics import WRITES_WAITING


class WriteTurns:
    """First come, first served turns to write, `at_once` at a time per event loop. A process
    normally runs one loop; a test client runs its own, and the database's write lock still keeps
    writes of different loops apart."""

    def __init__(self, wait_bound_s: float, at_once: int = 2) -> None:
        self.wait_bound_s = wait_bound_s
        self.at_once = at_once
        # asyncio semaphores belong to the loop that first uses them: one per running loop, forgotten
        # with the loop
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._guard = threading.Lock()

    def _of_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        turns = self._turns.get(loop)
        if turns is None:
            with self._guard:
                turns = self._turns.setdefault(loop, asyncio.Semaphore(self.at_once))
        return turns

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this loop's turn to write (at most the bound), hold it for the block."""
        turns = self._of_this_loop()
        WRITES_WAITING.inc()
        try:
            await asyncio.wait_for(turns.acquire(), self.wait_bound_s)
        except TimeoutError:
            seconds = max(1, math.ceil(self.wait_bound_s))
            raise Unavailable(message("bounds.busy", seconds=seconds), retry_after=seconds) from None
        finally:
            WRITES_WAITING.dec()
        try:
            yield
        finally:
            turns.release()
