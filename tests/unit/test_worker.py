"""The worker loops without a database: a job runs when due, a failing job does not end the worker, a
stop ends it between passes, and each job runs on a loop of its own — one held up never delays
another. Time is a fake monotonic clock the waits move forward (one job per worker), or real
events (the jobs of one worker side by side)."""

from __future__ import annotations

import threading

import pytest

from gridcity.worker import Job, Worker


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make_worker(jobs: list[Job], lines: list[str], time: FakeTime) -> Worker:
    worker = Worker(platform=None, jobs=jobs, echo=lines.append, clock=time)  # type: ignore[arg-type]

    def wait(timeout: float | None = None) -> bool:  # the loop's sleep: move the fake time instead
        time.t += timeout or 0.0
        return threading.Event.is_set(worker.stopping)

    worker.stopping.wait = wait  # type: ignore[method-assign]
    return worker


def test_a_job_runs_every_interval_one_line_each() -> None:
    time, lines, runs = FakeTime(), [], []  # type: ignore[var-annotated]

    def run(platform, stopping) -> str:  # type: ignore[no-untyped-def]
        runs.append(time.t)
        time.t += 5  # the pass itself takes 5 s: the next starts `every` after this one began
        return f"sweep done at {runs[-1]:g}"

    worker = make_worker([Job("sweep", 60, run)], lines, time)
    worker.run(max_passes=4)
    assert runs == [1000.0, 1060.0, 1120.0, 1180.0]
    assert lines == [f"sweep done at {t:g}" for t in runs] and worker.passes == 4


def test_a_job_held_up_does_not_delay_the_others() -> None:
    """The webhook pass waiting on a slow receiver: the sweep goes on passing meanwhile."""
    lines: list[str] = []
    release = threading.Event()
    sweeps = threading.Semaphore(0)

    def slow_webhooks(platform, stopping) -> str:  # type: ignore[no-untyped-def]
        release.wait(30)
        return "webhooks done"

    def sweep(platform, stopping) -> str:  # type: ignore[no-untyped-def]
        sweeps.release()
        return "sweep done"

    worker = Worker(
        platform=None,
        jobs=[Job("webhooks", 0.01, slow_webhooks), Job("sweep", 0.01, sweep)],
        echo=lines.append,
    )  # type: ignore[arg-type]
    runner = threading.Thread(target=worker.run)
    runner.start()
    try:
        for _ in range(3):  # three sweeps while the webhook pass is still held
            assert sweeps.acquire(timeout=10)
        assert "webhooks done" not in lines
    finally:
        worker.stop()
        release.set()
        runner.join(10)
    assert not runner.is_alive()
    assert lines.count("webhooks done") == 1  # the held pass ended, then the worker stopped
    assert lines.count("sweep done") >= 3 and worker.failures == 0


def test_a_failing_job_is_logged_and_tried_again_next_time() -> None:
    time, lines = FakeTime(), []  # type: ignore[var-annotated]
    attempts = []

    def flaky(platform, stopping) -> str:  # type: ignore[no-untyped-def]
        attempts.append(time.t)
        if len(attempts) == 1:
            raise ConnectionError("database restarting")
        return "sweep ok"

    worker = make_worker([Job("sweep", 60, flaky)], lines, time)
    worker.run(max_passes=2)
    assert attempts == [1000.0, 1060.0]
    assert lines[0] == "sweep: FAILED (ConnectionError: database restarting); next try in 60 s"
    assert lines[1] == "sweep ok" and worker.failures == 1


def test_stop_ends_the_loop_after_the_running_job() -> None:
    time, lines = FakeTime(), []  # type: ignore[var-annotated]
    worker: Worker

    def stops(platform, stopping) -> str:  # type: ignore[no-untyped-def]
        worker.stop()  # e.g. SIGTERM arriving during the pass
        assert stopping.is_set()  # the job sees it and may end its pass early
        return "last pass"

    worker = make_worker([Job("sweep", 60, stops)], lines, time)
    worker.run()
    assert lines == ["last pass"] and worker.passes == 1


def test_a_worker_needs_jobs_with_positive_intervals() -> None:
    with pytest.raises(ValueError):
        Worker(platform=None, jobs=[])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Worker(platform=None, jobs=[Job("sweep", 0, lambda p, s: "")])  # type: ignore[arg-type]
