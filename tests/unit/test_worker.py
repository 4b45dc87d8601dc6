"""The worker loop without a database: jobs run when due, a failing job does not end the worker, a
stop ends it between jobs. Time is a fake monotonic clock the waits move forward."""

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


def test_jobs_run_at_their_own_intervals_one_line_each() -> None:
    time, lines, runs = FakeTime(), [], []  # type: ignore[var-annotated]

    def job(name: str):  # type: ignore[no-untyped-def]
        def run(platform, stopping) -> str:  # type: ignore[no-untyped-def]
            runs.append((name, time.t))
            return f"{name} done"

        return run

    worker = make_worker([Job("sweep", 60, job("sweep")), Job("outbox", 25, job("outbox"))], lines, time)
    worker.run(max_passes=7)
    assert runs == [
        ("sweep", 1000.0),
        ("outbox", 1000.0),
        ("outbox", 1025.0),
        ("outbox", 1050.0),
        ("sweep", 1060.0),
        ("outbox", 1075.0),
        ("outbox", 1100.0),
    ]
    assert lines == [f"{name} done" for name, _ in runs]


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
