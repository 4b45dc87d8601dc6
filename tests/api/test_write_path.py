"""The write path from async code (Platform.run_write, services/write_turns.py): a write never holds
the event loop, a burst of reports is answered in full without a stall, and on SQLite a write that
waited past the bound for its turn is refused (503) and not stored."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from tests.support import run_async, serving

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.models import Case
from gridcity.services.platform import Platform

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def _report(key: str) -> dict[str, object]:
    lon, lat = DONGHUAMEN
    return {**GARBAGE, "lon": lon, "lat": lat, "description": "暴露垃圾", "client_key": key}


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": "secret-pw"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _stored(platform: Platform, keys: list[str]) -> int:
    with platform.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Case).where(Case.client_key.in_(keys))) or 0)


def _in_background(work) -> tuple[threading.Thread, dict]:  # type: ignore[no-untyped-def]
    """Run `work()` on a thread; its answer (or error) lands in the returned dict."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["answer"] = work()
        except Exception as exc:  # reported by the test's own assertion
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@contextmanager
def _bounded(platform: Platform, tmp_path: Path, wait_s: float) -> Iterator[Platform]:
    """The test city behind a platform of its own whose writes wait at most `wait_s` for a turn."""
    url = platform.settings.effective_database_url
    settings = Settings(database_url=url, data_dir=tmp_path, db_pool_timeout_s=wait_s, _env_file=None)  # type: ignore[call-arg]
    other = Platform(settings)
    try:
        yield other
    finally:
        other.engine.dispose()


@pytest.fixture
def patient(platform: Platform, tmp_path: Path) -> Iterator[Platform]:
    """Writes wait at most half a second for their turn."""
    with _bounded(platform, tmp_path, 0.5) as other:
        yield other


@pytest.mark.backends("sqlite")
def test_reads_answer_while_a_report_waits_for_the_writer(platform, make_user) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    key = f"wait-{uuid.uuid4().hex}"
    with serving(create_app(platform=platform)) as base:
        staff = _token(base, supervisor.username)
        with platform.write_lock:  # another writer of the database holds its turn
            thread, outcome = _in_background(
                lambda: httpx.post(f"{base}/api/v1/cases", json=_report(key), headers=staff, timeout=30)
            )
            time.sleep(0.3)  # the report is now waiting for the lock
            started = time.monotonic()
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            listed = httpx.get(f"{base}/api/v1/cases", params={"limit": 5}, headers=staff, timeout=5)
            assert listed.status_code == 200
            assert time.monotonic() - started < 2  # the event loop was free all along
            assert thread.is_alive() and not outcome  # and the report still waits
        thread.join(timeout=30)
    assert outcome["answer"].status_code == 201, outcome
    assert _stored(platform, [key]) == 1


async def _burst(base: str, headers: dict[str, str], keys: list[str]) -> list[int]:
    limits = httpx.Limits(max_connections=len(keys), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        answers = await asyncio.gather(*(client.post("/api/v1/cases", json=_report(k)) for k in keys))
    return [a.status_code for a in answers]


async def _burst_and_probe(base: str, headers: dict[str, str], keys: list[str]) -> tuple[list[int], float]:
    """The burst, and meanwhile how long /healthz takes to answer once the reports are in."""
    burst = asyncio.ensure_future(_burst(base, headers, keys))
    await asyncio.sleep(0.3)
    async with httpx.AsyncClient(base_url=base, timeout=60) as probe:
        started = time.monotonic()
        assert (await probe.get("/healthz")).status_code == 200
        probed = time.monotonic() - started
    return await burst, probed


@pytest.fixture
def roomy(platform: Platform, tmp_path: Path) -> Iterator[Platform]:
    """Writes may wait a minute for their turn: the burst test asks whether every report is
    answered, not how fast a loaded test machine writes 200."""
    with _bounded(platform, tmp_path, 60.0) as other:
        yield other


def test_a_burst_of_200_reports_is_answered_in_full_without_a_stall(roomy, make_user) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    keys = [f"burst-{uuid.uuid4().hex}" for _ in range(200)]
    with serving(create_app(platform=roomy), limit_concurrency=1000, backlog=1024) as base:
        staff = _token(base, supervisor.username)
        statuses, probed = run_async(lambda: _burst_and_probe(base, staff, keys))
    assert statuses == [201] * 200
    assert _stored(roomy, keys) == 200  # each once
    # before: writes ran on the event loop, which froze under such a burst for the pool's wait
    assert probed < 3, probed


@pytest.mark.backends("sqlite")
def test_a_report_that_waited_past_the_bound_is_refused_and_not_stored(patient, make_user) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    first = [f"first-{uuid.uuid4().hex}" for _ in range(2)]
    late = f"late-{uuid.uuid4().hex}"
    with serving(create_app(platform=patient)) as base:
        staff = _token(base, supervisor.username)

        def post(key: str):  # type: ignore[no-untyped-def]
            return lambda: httpx.post(f"{base}/api/v1/cases", json=_report(key), headers=staff, timeout=30)

        with patient.write_lock:  # another writer holds the database
            running = [_in_background(post(key)) for key in first]
            time.sleep(0.3)  # both turns are taken: their writes wait for the lock
            started = time.monotonic()
            r = httpx.post(f"{base}/api/v1/cases", json=_report(late), headers=staff, timeout=30)
            waited = time.monotonic() - started
        for thread, _ in running:
            thread.join(timeout=30)
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1"
    refused = r.json()
    assert refused["code"] == "bounds.busy"
    assert refused["detail"] == "the platform is busy: try again in 1 seconds"
    assert 0.4 < waited < 3, waited
    assert [outcome["answer"].status_code for _, outcome in running] == [201, 201]
    assert _stored(patient, first) == 2 and _stored(patient, [late]) == 0


@pytest.fixture
def narrow(platform: Platform, tmp_path: Path) -> Iterator[Platform]:
    """The test city behind a platform with a pool of two connections (waits 2 s for one) whose
    derived state is re-checked at every use: the conditions under which a request that holds a
    connection and asks for another one waits for the pool."""
    url = platform.settings.effective_database_url
    settings = Settings(database_url=url, data_dir=tmp_path, db_pool_timeout_s=2.0, _env_file=None)  # type: ignore[call-arg]
    engine = create_engine(url, pool_size=2, max_overflow=0, pool_timeout=2.0)
    other = Platform(settings, engine=engine)
    other.RECHECK_SECONDS = 0.0  # type: ignore[misc]
    try:
        yield other
    finally:
        engine.dispose()


@pytest.mark.backends("postgresql")
def test_reports_never_wait_for_the_pool_on_the_caches_behalf(narrow, make_user) -> None:  # type: ignore[no-untyped-def]
    """Seen under load (bench_mixed.py at 200 requests/s on PostgreSQL): every pooled connection
    held by a request whose answer asked the calendar for a check on a connection of its own, and
    the others queued on the cache's lock behind it — 503s and a standstill. Now a check never
    takes a second pooled connection and never makes others wait."""
    supervisor = make_user("supervisor")
    keys = [f"narrow-{uuid.uuid4().hex}" for _ in range(40)]
    with serving(create_app(platform=narrow), limit_concurrency=1000) as base:
        staff = _token(base, supervisor.username)
        started = time.monotonic()
        statuses = run_async(lambda: _burst(base, staff, keys))
        took = time.monotonic() - started
    assert statuses == [201] * 40
    assert _stored(narrow, keys) == 40
    assert took < 20, took
