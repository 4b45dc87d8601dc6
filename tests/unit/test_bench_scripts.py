"""The benches run from the declared dependencies: every bench/*.py module imports, and every script
answers `--help`, in a fresh interpreter. A bench needing a package that no extra declares turns this
red. Nothing here runs a benchmark."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support import run_async

BENCH = Path(__file__).resolve().parents[2] / "bench"
MODULES = sorted(BENCH.glob("*.py"))
SCRIPTS = [p for p in MODULES if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8")]


def test_the_benches_are_found() -> None:
    names = {p.stem for p in SCRIPTS}
    assert {"bench_intake", "bench_lookup", "bench_sweep", "bench_import", "bench_components",
            "bench_evaluate", "loadgen"} <= names  # fmt: skip
    assert {"common", "baseline_app"} <= {p.stem for p in MODULES}


@pytest.fixture
def bench_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """bench/ on sys.path, as when a script runs (`from common import …`); the bench's own modules
    leave sys.modules afterwards."""
    monkeypatch.syspath_prepend(str(BENCH))  # sys.path is restored after the test
    local = {p.stem for p in MODULES}
    for name in local & set(sys.modules):
        monkeypatch.delitem(sys.modules, name)
    yield BENCH
    for name in local & set(sys.modules):
        del sys.modules[name]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports(path: Path, bench_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"_bench_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_import_resolves(path: Path, bench_path: Path) -> None:
    """Also the imports inside functions (a bench imports most of what it needs lazily): each names
    a module that is installed, or one of bench/."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    missing = sorted(n for n in names if importlib.util.find_spec(n) is None)
    assert not missing, f"{path.name} imports modules that are not installed: {missing}"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_help(path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(path), "--help"],
        cwd=BENCH.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "usage:" in proc.stdout


# --- the load generator against a tiny local server -------------------------------------------


class _TinyServer:
    """An HTTP/1.1 keep-alive server on 127.0.0.1 in the test's own event loop: answers every POST
    201 after `delay_s`, counts the TCP connections it accepted and the requests, and drops a
    connection idle for `idle_close_s` (as uvicorn does after 5 s). Every connection is closed and
    every handler awaited on exit."""

    def __init__(self, delay_s: float = 0.0, idle_close_s: float = 5.0, body: bytes = b'{"id": 1}') -> None:
        self.delay_s, self.idle_close_s, self.body = delay_s, idle_close_s, body
        self.connections = 0
        self.requests = 0
        self.handlers: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> _TinyServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        self.connections += 1
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_close_s)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                self.requests += 1
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                body = self.body
                writer.write(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self.handlers.discard(task)

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for task in list(self.handlers):
            task.cancel()
        await asyncio.gather(*list(self.handlers), return_exceptions=True)


def _load(module_path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("_bench_loadgen_under_test", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def loadgen() -> Any:
    return _load(BENCH / "loadgen.py")


def _job(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "url": url,
        "path": "/api/v1/cases",
        "templates": [{"class_code": "x", "lon": 116.4, "lat": 39.9}],
        "key_prefix": "t-",
        "request_timeout_s": 5.0,
        "deadline_s": 20.0,
        **extra,
    }


def _run_against(loadgen: Any, server: _TinyServer, job: dict[str, Any]) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with server:
            result: dict[str, Any] = await loadgen.main_async(_job(server.url, **job))
        return result

    return run_async(go)


def test_loadgen_closed_loop_keeps_its_connections_alive(loadgen: Any) -> None:
    server = _TinyServer()
    r = _run_against(loadgen, server, {"concurrency": 4, "warmup": 20, "count": 200})
    assert r["statuses"] == {"201": 200}
    assert server.requests == 220
    # one TCP connect per slot for the whole run, warm-up and measured phase together
    assert server.connections == 4
    assert r["warmup_connects"] == 4 and r["connects"] == 0
    assert r["latency_ms"]["p50"] <= r["latency_ms"]["p99"] <= r["latency_ms"]["max"]


def test_loadgen_reopens_an_idle_connection_before_the_server_drops_it(loadgen: Any) -> None:
    """A connection idle longer than idle_reopen_s is reopened: nothing is written into a socket the
    server is about to close (here after 0.4 s; uvicorn's is 5 s), so no request fails."""
    server = _TinyServer(idle_close_s=0.4)
    job = {"mode": "rate", "rate": 3.0, "duration_s": 1.0, "concurrency": 1, "max_connections": 1,
           "idle_reopen_s": 0.25}  # fmt: skip
    r = _run_against(loadgen, server, job)
    assert r["statuses"] == {"201": 3}
    assert r["connects"] == 3 == server.connections  # every request found its connection too old


def test_loadgen_rate_measures_from_the_scheduled_time(loadgen: Any) -> None:
    """Open loop: 20 requests due over 0.4 s on one connection that can serve 20/s: they queue, and
    the latency of each counts from when it was due, not from when the connection was free."""
    server = _TinyServer(delay_s=0.05)
    job = {"mode": "rate", "rate": 50.0, "duration_s": 0.4, "concurrency": 1, "max_connections": 1}
    r = _run_against(loadgen, server, job)
    assert r["scheduled"] == 20 and r["statuses"] == {"201": 20}
    assert r["late_to_start"] >= 10
    assert r["latency_ms"]["max"] >= 500  # the last one waited behind 19 others of 50 ms
    assert r["connections_used"] == 1 and server.connections == 1


def test_loadgen_rate_opens_connections_as_needed(loadgen: Any) -> None:
    server = _TinyServer(delay_s=0.05)
    job = {"mode": "rate", "rate": 100.0, "duration_s": 0.5, "concurrency": 2, "max_connections": 32}
    r = _run_against(loadgen, server, job)
    assert r["statuses"] == {"201": 50}
    assert 2 < r["connections_used"] <= 32
    assert r["latency_ms"]["p99"] < 1000


def test_loadgen_burst_sends_each_request_on_its_own_connection(loadgen: Any) -> None:
    server = _TinyServer(delay_s=0.01)
    r = _run_against(loadgen, server, {"mode": "burst", "count": 30, "concurrency": 2, "warmup": 4})
    assert r["statuses"] == {"201": 30} and r["burst"] == 30
    assert r["connects"] == 30 and server.connections == 2 + 30
    assert r["last_answer_s"] * 1000 == pytest.approx(r["latency_ms"]["max"])


def test_loadgen_writes_its_result_to_the_job_file(
    loadgen: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.json"
    result = {"statuses": {"201": 1}, "latencies_s": [0.001] * 20000}  # well over 64 KiB
    loadgen.emit(result, {"result_path": str(out)})
    assert json.loads(out.read_text(encoding="utf-8")) == result
    assert json.loads(capsys.readouterr().out) == result


# --- the mixed load (bench_mixed.py): its schedule, its table, its open loop ---------------------


@pytest.fixture
def mixed(bench_path: Path) -> Any:
    return _load(BENCH / "bench_mixed.py")


def test_mixed_schedule_holds_every_share_in_every_block(mixed: Any) -> None:
    weights = mixed.DEFAULT_MIX
    schedule = mixed.mix_schedule(weights, 250)
    assert len(schedule) == 250 and schedule == mixed.mix_schedule(weights, 250)  # fixed seed
    for start in (0, 100):
        block = schedule[start : start + 100]
        assert {r: block.count(r) for r in weights} == weights
    assert schedule[:100] != schedule[100:200]  # shuffled per block
    assert mixed.parse_mix("intake=1,map=3") == {"intake": 1, "map": 3}
    for bad in ({}, {"intake": 0}, {"intake": -1, "map": 2}):
        with pytest.raises(ValueError):
            mixed.mix_schedule(bad, 10)
    with pytest.raises(ValueError):
        mixed.parse_mix("upload=5")


def test_mixed_route_summary_and_table(mixed: Any) -> None:
    s = mixed.route_summary(
        [0.001 * k for k in range(1, 101)], {"200": 97, "500": 1, "exc:TimeoutError": 2}, 3
    )
    assert s["count"] == 100 and s["errors"] == 3 and s["late_to_start"] == 3
    assert s["p50_ms"] == pytest.approx(50.5) and s["p99_ms"] == pytest.approx(99.01)
    assert s["max_ms"] == pytest.approx(100.0)
    empty = mixed.route_summary([], {"no_case": 2}, 0)
    assert empty["errors"] == 2 and empty["p99_ms"] != empty["p99_ms"]  # nan
    rows = mixed.route_table({"all": s, "map": s, "intake": empty}, 200)
    assert [r[0].split()[0] for r in rows] == ["intake", "map", "all"]
    assert rows[1][1:5] == ["50%", 100, 97, 3] and rows[1][-1] == "no" and rows[0][-1] == "–"


def test_mixed_open_loop_runs_the_mix_and_feeds_the_actions(mixed: Any) -> None:
    """Against the tiny server (every answer 201 with an id and a version): 100 requests due over
    0.5 s; every route of the mix is sent in its share, the reports feed the queue to file."""
    server = _TinyServer(delay_s=0.002, body=b'{"id": 7, "version": 2}')

    async def go() -> dict[str, Any]:
        async with server:
            job = {
                "url": server.url,
                "tokens": dict.fromkeys(("supervisor", "shift_leader", "dispatcher", "leader"), "t"),
                "templates": [{"class_code": "x", "lon": 116.4, "lat": 39.9}],
                "accepted": [[k, 1] for k in range(20)], "filed": [[2, 3]], "case_ids": [1, 2],
                "lists": ["/api/v1/cases?page_size=20"], "windows": ["/api/v1/cases.geojson?bbox=1,2,3,4"],
                "evaluation": "/api/v1/evaluations?kind=region", "key_prefix": "t-",
                "rate": 200.0, "duration_s": 0.5, "warmup_rounds": 1, "connections": 2,
                "max_connections": 8, "request_timeout_s": 5.0, "deadline_s": 20.0,
            }  # fmt: skip
            result: dict[str, Any] = await mixed.run_job(job)
        return result

    r = run_async(go)
    samples = {name: route["error_samples"] for name, route in r["routes"].items() if route["errors"]}
    assert r["scheduled"] == 100 and r["all"]["count"] == 100 and r["all"]["errors"] == 0, samples
    counts = {name: route["count"] for name, route in r["routes"].items()}
    assert counts.pop("file") + counts.pop("dispatch") == 15  # one block of 100: the exact shares
    assert counts == {"intake": 30, "list": 20, "map": 10, "case": 20, "evaluation": 5}
    assert r["cases_reported_in_run"] == 30 and r["warmup"]["intake:201"] == 1
    assert sum(w["due"] for w in r["windows"]) == 100
    assert r["connections_used"] <= 8 and server.requests == 100 + 6  # and the warm-up's six
