"""Load generator, run in its own process by bench_intake.py: `python bench/loadgen.py JOB.json`.

The job names a URL, a path, headers, a list of body templates, a client-key prefix, a number of
warm-up requests and either a number of measured requests (`count`) or a measured duration
(`duration_s`). Request i POSTs template i mod len(templates) with `client_key` = prefix + w/m + i
(w: warm-up, m: measured), so every request is a new report; `concurrency` requests are in flight
over keep-alive connections. It prints one JSON line: status counts, wall time, latencies and its
own CPU time of the measured phase. Bounded: every request has a timeout and the whole run a
deadline, after which the rest is counted as not sent.

Two clients (job["client"]):
  raw   (default) asyncio on uvloop, one HTTP/1.1 keep-alive connection per slot, the request
        bytes spliced from a pre-encoded template, responses parsed by httptools: ~10x less CPU
        per request than httpx, so on a small machine the load generator is not what limits a
        fast server;
  httpx httpx.AsyncClient, for a cross-check.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

Send = Callable[[int, str], Awaitable[tuple[int, bytes]]]  # (request number, client key) -> answer
KEY_MARK = "@@client_key@@"


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


class RawTemplates:
    """The templates pre-encoded as HTTP/1.1 requests in two halves around the client key, so a
    request costs two byte joins and a length."""

    def __init__(self, host: str, path: str, headers: dict[str, str], templates: list[dict[str, Any]]):
        head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
                "Connection: keep-alive", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
        self.head = ("\r\n".join(head) + "\r\nContent-Length: ").encode()
        self.parts = []
        for t in templates:
            data = json.dumps({**t, "client_key": KEY_MARK}, ensure_ascii=False).encode()
            before, after = data.split(KEY_MARK.encode())
            self.parts.append((before, after, len(before) + len(after)))

    def request(self, i: int, key: str) -> bytes:
        before, after, fixed = self.parts[i % len(self.parts)]
        k = key.encode()
        return b"".join((self.head, str(fixed + len(k)).encode(), b"\r\n\r\n", before, k, after))


async def _run(
    sends: list[Send], prefix: str, count: int | None, until: float | None, deadline: float
) -> dict[str, Any]:
    """Requests prefix+0, prefix+1, … from every slot until `count` are sent or the clock passes
    `until`; requests in flight then finish and count."""
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    samples: list[str] = []
    numbers = itertools.count() if count is None else iter(range(count))

    async def worker(send: Send) -> None:
        for i in numbers:  # shared iterator: each number is sent once
            now = time.monotonic()
            if until is not None and now >= until:
                break
            if now > deadline:
                if count is None:  # a timed run: nothing is left unsent
                    break
                statuses["not_sent_deadline"] += 1
                continue
            t0 = time.perf_counter()
            try:
                status, body = await send(i, f"{prefix}{i}")
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
    if job.get("count") is None and job.get("duration_s") is None:
        raise ValueError("the job needs a count or a duration_s")
    concurrency = int(job["concurrency"])
    timeout = float(job.get("request_timeout_s", 30.0))
    deadline = time.monotonic() + float(job.get("deadline_s", 600.0))
    path, headers, templates = job["path"], job.get("headers", {}), job["templates"]
    prefix = job["key_prefix"]
    client_kind = job.get("client", "raw")
    closers: list[Callable[[], Any]] = []
    sends: list[Send]
    if client_kind == "raw":
        url = urlsplit(job["url"])
        host, port = url.hostname or "127.0.0.1", int(url.port or 80)
        conns = [RawConnection(host, port, timeout) for _ in range(concurrency)]
        closers += [c.close for c in conns]
        raw = RawTemplates(url.netloc, path, headers, templates)

        def raw_send(conn: RawConnection) -> Send:
            async def send(i: int, key: str) -> tuple[int, bytes]:
                return await conn.request(raw.request(i, key))

            return send

        sends = [raw_send(c) for c in conns]
    else:
        import httpx

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        client = httpx.AsyncClient(base_url=job["url"], headers=headers, limits=limits, timeout=timeout)

        async def send_httpx(i: int, key: str) -> tuple[int, bytes]:
            r = await client.post(path, json={**templates[i % len(templates)], "client_key": key})
            return r.status_code, r.content

        sends = [send_httpx] * concurrency
        closers.append(client.aclose)
    try:
        warm = await _run(sends, f"{prefix}w", int(job.get("warmup", 0)), None, deadline)
        count = job.get("count")
        duration = job.get("duration_s")
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        until = time.monotonic() + float(duration) if duration is not None else None
        measured = await _run(sends, f"{prefix}m", None if count is None else int(count), until, deadline)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        for close in closers:
            result = close()
            if asyncio.iscoroutine(result):
                await result
    measured["sent"] = sum(v for k, v in measured["statuses"].items() if k != "not_sent_deadline")
    measured["cpu_s"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    measured["warmup_statuses"] = warm["statuses"]
    measured["client"] = client_kind
    return measured


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("job", help="the job file (JSON) bench_intake.py writes")
    args = ap.parse_args()
    with open(args.job, encoding="utf-8") as f:
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
