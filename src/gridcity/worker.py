"""The background worker: periodic jobs of the platform in one process (`gridcity worker`).

The jobs (`default_jobs`): the deadline sweep (`services.sweep`), webhooks out — outbox fan-out and
delivery (`services.webhooks`) — and, hourly, the pruning of patrol GPS points past their retention
(`services.patrol`) and the erasure of personal data past its retention (`services.retention`).
Each job runs on a loop of its own (a thread): a pass, then a wait until
`every` seconds after the pass began, so no job ever waits for another — a receiver that is slow or
dead holds up only the webhook pass (and within it only its own subscription's deliveries, sent
concurrently: `webhooks.deliver`), never the sweep. Threads, not asyncio: every job is synchronous
database work and blocking HTTP, and a handful of threads that mostly wait cost nothing worth
counting. Several workers may run side by side (the sweep and the deliveries share their work
through the database). One log line per pass. SIGTERM and Ctrl-C stop every loop after the
transaction it is in — a webhook pass first waits for the answers of the POSTs it has in flight and
records them — so nothing is left half-written, and the next start carries on.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from gridcity.services import patrol as patrol_service
from gridcity.services import retention as retention_service
from gridcity.services import sweep as sweep_service
from gridcity.services import webhooks as webhooks_service
from gridcity.services.platform import Platform

log = logging.getLogger("gridcity.worker")


@dataclass
class Job:
    """A periodic job: `run(platform, stopping)` does one pass and returns its one-line summary; a
    long pass should look at `stopping` between its transactions and end early when it is set."""

    name: str
    every: float  # seconds between the starts of two passes
    run: Callable[[Platform, threading.Event], str]
    next_at: float = 0.0  # monotonic time of the next pass (0: at once)


def sweep_job(platform: Platform, stopping: threading.Event) -> str:
    with platform.sessions() as db:
        return sweep_service.sweep(platform, db, stop=stopping.is_set).summary()


def webhooks_job(platform: Platform, stopping: threading.Event) -> str:
    """Webhooks out: fan the outbox out to the subscriptions, send what is due (`services.webhooks`)."""
    with platform.sessions() as db:
        return webhooks_service.deliver(platform, db, stop=stopping.is_set).summary()


def patrol_prune_job(platform: Platform, stopping: threading.Event) -> str:
    """Delete the patrol GPS points older than the retention (`GRIDCITY_PATROL_RETENTION_DAYS`)."""
    with platform.sessions() as db:
        return f"{patrol_service.prune(platform, db)} patrol points pruned"


PATROL_PRUNE_EVERY = 3600.0  # seconds: points past the retention go within the hour


def retention_job(platform: Platform, stopping: threading.Event) -> str:
    """Erase reporters' contacts and anonymise residents past their retention (`services.retention`)."""
    with platform.sessions() as db:
        return retention_service.run(platform, db, "worker", stop=stopping.is_set).summary()


RETENTION_EVERY = 3600.0  # seconds: personal data past its retention goes within the hour


def default_jobs(interval: float, webhook_interval: float = 5.0) -> list[Job]:
    """The jobs of `gridcity worker`: the deadline sweep, webhook delivery every few seconds, the
    hourly pruning of patrol points and the hourly retention run."""
    return [
        Job("sweep", interval, sweep_job),
        Job("webhooks", webhook_interval, webhooks_job),
        Job("patrol-prune", PATROL_PRUNE_EVERY, patrol_prune_job),
        Job("retention", RETENTION_EVERY, retention_job),
    ]


class Worker:
    """Runs each job on a loop (a thread) of its own until stopped, so that no job waits for
    another: a webhook pass held up by a slow receiver never delays the deadline sweep, and an hourly
    job never delays either. `stop()` may be called from a signal handler or another thread."""

    def __init__(
        self,
        platform: Platform,
        jobs: Sequence[Job],
        echo: Callable[[str], Any] = log.info,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not jobs:
            raise ValueError("a worker needs at least one job")
        for job in jobs:
            if job.every <= 0:
                raise ValueError(f"job {job.name}: the interval must be positive, not {job.every}")
        self.platform, self.jobs, self.echo, self.clock = platform, list(jobs), echo, clock
        self.stopping = threading.Event()
        self.passes = 0  # job runs so far, all jobs together
        self.failures = 0
        self._count = threading.Lock()  # passes, failures and the lines of the job threads
        self._max_passes: int | None = None

    def stop(self) -> None:
        self.stopping.set()

    def run(self, max_passes: int | None = None) -> None:
        """Run every job on its own loop until stopped (or once `max_passes` job runs have ended: the
        passes already under way end early, as at a stop). Returns when every loop has ended."""
        self._max_passes = max_passes
        loops = [
            threading.Thread(target=self._loop, args=(job,), name=f"gridcity-worker-{job.name}", daemon=True)
            for job in self.jobs
        ]
        for loop in loops:
            loop.start()
        for loop in loops:  # a signal's handler runs in the main thread while it waits here
            loop.join()

    def _loop(self, job: Job) -> None:
        """One job's loop: a pass, then a wait until the next is due, until the worker stops."""
        while not self.stopping.is_set():
            wait = job.next_at - self.clock()
            if wait > 0 and self.stopping.wait(wait):
                break
            self._run(job)

    def _run(self, job: Job) -> None:
        started = self.clock()
        job.next_at = started + job.every
        try:
            summary = job.run(self.platform, self.stopping)
        except Exception as exc:  # a database hiccup must not end the worker: log it, try next time
            log.exception("job %s failed", job.name)
            line = f"{job.name}: FAILED ({type(exc).__name__}: {exc}); next try in {job.every:g} s"
            failed = True
        else:
            line, failed = summary, False
        with self._count:
            self.passes += 1
            self.failures += failed
            self.echo(line)
            if self._max_passes is not None and self.passes >= self._max_passes:
                self.stopping.set()


@contextmanager
def stop_on_signals(worker: Worker) -> Iterator[None]:
    """SIGTERM and SIGINT (Ctrl-C) stop the worker gracefully; the previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current transactions", signal.Signals(signum).name)
        worker.stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
