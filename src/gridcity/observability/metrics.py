"""The metrics each process counts itself (Prometheus, `/metrics`): requests by route, reports
taken in, workflow transitions, rebuilds of the in-memory caches. Every metric is listed in
docs/operations.md#metrics.

They are per process: with `gridcity serve --workers N` a scrape reaches one worker, unless
`PROMETHEUS_MULTIPROC_DIR` names a directory shared by the workers (prometheus_client's
multiprocess mode; it must be set before the processes start), in which case `/metrics` adds up
the files all of them write there. What lives in the database is read at scrape time instead
(`services.metrics`), so every process reports the same truth."""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "gridcity_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "gridcity_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CASES_REPORTED = Counter(
    "gridcity_cases_reported",
    "Cases taken in (a new case committed; a replayed client key is not counted), by channel",
    ["channel"],
)
TRANSITIONS = Counter(
    "gridcity_case_transitions",
    "Workflow actions committed by people and systems through the API and the pages, by action",
    ["action"],
)
CACHE_REBUILDS = Counter(
    "gridcity_cache_rebuilds",
    "Rebuilds of the in-memory state derived from the database (calendar, catalogue, territory)",
    ["cache"],
)
WRITES_WAITING = Gauge(
    "gridcity_sqlite_writes_waiting",
    "Writes from requests waiting for their turn at the one SQLite writer (0 on PostgreSQL)",
    multiprocess_mode="livesum",
)


def in_process_registry() -> CollectorRegistry:
    """Where this process's own metrics are read: its registry, or in multiprocess mode the sum
    of every process's files."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return registry


class Exposition:
    """What one scrape reads: the in-process registry, then further collectors (the database's)."""

    def __init__(self, *extra: Collector) -> None:
        self.extra = extra

    def collect(self) -> Iterable[Metric]:
        yield from in_process_registry().collect()
        for collector in self.extra:
            yield from collector.collect()
