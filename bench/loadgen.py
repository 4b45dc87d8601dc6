"""Load generator, run in its own process by bench_intake.py: `python bench/loadgen.py JOB.json`.

The job names a URL, headers, a list of warm-up bodies and a list of measured bodies; it POSTs each
body once with `concurrency` requests in flight over keep-alive connections, and prints one JSON
line: status counts, wall time, latencies and its own CPU time. Bounded: every request has a
timeout and the whole run a deadline, after which the rest is counted as not sent.

Two clients (job["client"]):
  raw   (default) asyncio on uvloop, one HTTP/1.1 keep-alive connection per slot, responses parsed
        by httptools: ~10x less CPU per request than httpx, so on a small machine the load
        generator is not what limits a fast server;
  httpx httpx.AsyncClient, for a cross-check.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

Send = Callable[[bytes], Awaitable[tuple[int, bytes]]]


class _Response:
    """httptools callbacks for one response at a time."""

    def __init__(self) -> None:
        import httptools

        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.done = False

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class RawConnection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._request(raw), self.timeout)

    async def _request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            await self._connect()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        response = _Response()
        while not response.done:
            chunk = await self.reader.read(65536)
            if not chunk:
                self.close()
                raise ConnectionError("server closed the connection mid-response")
            response.parser.feed_data(chunk)
        status = response.parser.get_status_code()
        if not response.parser.should_keep_alive():
            self.close()
        return status, b"".join(response.body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _raw_request(host: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode()
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
            f"Content-Length: {len(data)}", "Connection: keep-alive",
            *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


async def _run(sends: list[Send], requests: list[Any], deadline: float) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    samples: list[str] = []
    next_index = iter(range(len(requests)))

    async def worker(send: Send) -> None:
        for i in next_index:  # shared iterator: each body is sent once
            if time.monotonic() > deadline:
                statuses["not_sent_deadline"] += 1
                continue
            t0 = time.perf_counter()
            try:
                status, body = await send(requests[i])
                statuses[str(status)] += 1
                if status != 201 and len(samples) < 5:
                    samples.append(f"{status}: {body[:300].decode(errors='replace')}")
            except Exception as exc:
                statuses[f"exc:{type(exc).__name__}"] += 1
                if len(samples) < 5:
                    samples.append(repr(exc)[:300])
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(s) for s in sends))
    wall = time.perf_counter() - t0
    return {"statuses": dict(statuses), "wall_s": wall, "latencies_s": latencies, "error_samples": samples}


async def main_async(job: dict[str, Any]) -> dict[str, Any]:
    concurrency = int(job["concurrency"])
    timeout = float(job.get("request_timeout_s", 30.0))
    deadline = time.monotonic() + float(job.get("deadline_s", 600.0))
    path, headers = job["path"], job.get("headers", {})
    client_kind = job.get("client", "raw")
    closers: list[Callable[[], Any]] = []
    if client_kind == "raw":
        url = urlsplit(job["url"])
        host, port = url.hostname or "127.0.0.1", int(url.port or 80)
        conns = [RawConnection(host, port, timeout) for _ in range(concurrency)]
        closers += [c.close for c in conns]
        sends: list[Send] = [c.request for c in conns]
        netloc = url.netloc

        def prepare(bodies: list[Any]) -> list[Any]:
            return [_raw_request(netloc, path, headers, b) for b in bodies]
    else:
        import httpx

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        client = httpx.AsyncClient(base_url=job["url"], headers=headers, limits=limits, timeout=timeout)

        async def send_httpx(body: Any) -> tuple[int, bytes]:
            r = await client.post(path, json=body)
            return r.status_code, r.content

        sends = [send_httpx] * concurrency

        def prepare(bodies: list[Any]) -> list[Any]:
            return bodies

        closers.append(client.aclose)
    try:
        warm = await _run(sends, prepare(job.get("warmup", [])), deadline)
        measured_requests = prepare(job["bodies"])
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        measured = await _run(sends, measured_requests, deadline)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        for close in closers:
            result = close()
            if asyncio.iscoroutine(result):
                await result
    measured["cpu_s"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    measured["warmup_statuses"] = warm["statuses"]
    measured["client"] = client_kind
    return measured


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    try:
        import uvloop
    except ImportError:  # the bench still runs, a little slower
        result = asyncio.run(main_async(job))
    else:
        result = uvloop.run(main_async(job))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
