"""Load generator, run in its own process by bench_intake.py: `python bench/loadgen.py JOB.json`.

The job names a URL, a path, headers, a list of body templates and a client-key prefix. Request i
POSTs template i mod len(templates) with `client_key` = prefix + w/m + i (w: warm-up, m: measured),
so every request is a new report. Three modes (job["mode"]):

  closed (default) `concurrency` requests in flight over as many keep-alive connections, each sent
        as soon as the one before it on its slot is answered, for `count` requests or `duration_s`
        seconds (what wrk does): the throughput figure.
  rate  open loop: requests *scheduled* at a fixed arrival rate (`rate`, req/s) for `duration_s`
        seconds, whether or not the earlier ones were answered, over as many keep-alive connections
        as are needed (`connections` opened first, grown on demand up to `max_connections`). Each
        latency runs from the request's scheduled send time, not from when a connection was free
        (no coordinated omission: a stalled server shows as the queue it builds); a request that
        starts more than `late_ms` (10) after its time counts as late.
  burst `count` requests sent at once, each on its own connection (all opened first, then every
        request written in one go); reported: the time until the last answer, the slowest.

Before the measured phase, `warmup` requests run closed-loop on `concurrency` connections (closed
again before a burst). The result is one JSON object: status counts, wall time, every latency,
p50 / p90 / p99 / max in ms, TCP connects made, error samples and the generator's CPU time of the
measured phase; written to job["result_path"] (if given) and printed on stdout. Bounded: every
request has a timeout (`request_timeout_s`) and the whole run a deadline (`deadline_s`), after
which the rest is counted as not sent.

Two clients (job["client"]):
  raw   (default) asyncio on uvloop, HTTP/1.1 keep-alive connections (one TCP connect per slot:
        `connects` in the result counts them), the request bytes spliced from a pre-encoded
        template, responses parsed by httptools: ~10x less CPU per request than httpx, so on a
        small machine the load generator is not what limits a fast server. A connection idle for
        more than `idle_reopen_s` (3 s; uvicorn drops idle keep-alive connections after 5 s) or
        closed by the server is reopened before it is used, so no request is written into a
        socket the server is closing;
  httpx httpx.AsyncClient, for a cross-check (closed mode only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Send = Callable[[int, str], Awaitable[tuple[int, bytes]]]  # (request number, client key) -> answer
KEY_MARK = "@@client_key@@"
IDLE_REOPEN_S = 3.0  # uvicorn's --timeout-keep-alive is 5 s
MODES = ("closed", "rate", "burst")


class _Response:
    """httptools callbacks for one response at a time."""

    def __init__(self) -> None:
        import httptools

        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.done = False
        self.keep_alive = False

    def on_headers_complete(self) -> None:
        # asked here: once the parser has moved past the message (after feed_data returns),
        # httptools answers False even for a keep-alive response
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class RawConnection:
    """One keep-alive HTTP/1.1 connection, opened on first use and reused; reopened when the server
    closed it, when it was idle longer than `idle_reopen_s`, or after a failed request (a timed-out
    answer must not be read as the next one's)."""

    def __init__(self, host: str, port: int, timeout: float, idle_reopen_s: float = IDLE_REOPEN_S) -> None:
        self.host, self.port, self.timeout, self.idle_reopen_s = host, port, timeout, idle_reopen_s
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0  # TCP connections opened, over the connection's life
        self.last_used = 0.0

    async def connect(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.connects += 1
        self.last_used = time.monotonic()

    def usable(self) -> bool:
        return (
            self.writer is not None
            and self.reader is not None
            and not self.writer.is_closing()
            and not self.reader.at_eof()  # the server sent FIN while the connection sat idle
            and time.monotonic() - self.last_used <= self.idle_reopen_s
        )

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._request(raw), self.timeout)

    async def _request(self, raw: bytes) -> tuple[int, bytes]:
        if not self.usable():
            await self.connect()
        assert self.reader is not None and self.writer is not None
        try:
            self.writer.write(raw)
            response = _Response()
            while not response.done:
                chunk = await self.reader.read(65536)
                if not chunk:
                    raise ConnectionError("server closed the connection mid-response")
                response.parser.feed_data(chunk)
        except BaseException:  # also a cancellation (timeout): the stream is out of step
            self.close()
            raise
        status = response.parser.get_status_code()
        self.last_used = time.monotonic()
        if not response.keep_alive:
            self.close()
        return status, b"".join(response.body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def aclose(self) -> None:
        writer = self.writer
        self.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                await writer.wait_closed()


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


def quantile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def latency_ms(latencies: Sequence[float]) -> dict[str, float]:
    return {
        "p50": quantile(latencies, 50) * 1000,
        "p90": quantile(latencies, 90) * 1000,
        "p99": quantile(latencies, 99) * 1000,
        "max": max(latencies) * 1000 if latencies else float("nan"),
    }


class _Tally:
    """Status counts, latencies and a few error samples of one phase."""

    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.samples: list[str] = []

    async def send(self, send: Awaitable[tuple[int, bytes]], since: float) -> None:
        """Await one request; its latency runs from `since` (time.monotonic())."""
        try:
            status, body = await send
            self.statuses[str(status)] += 1
            if not 200 <= status < 300 and len(self.samples) < 5:
                self.samples.append(f"{status}: {body[:300].decode(errors='replace')}")
        except Exception as exc:
            self.statuses[f"exc:{type(exc).__name__}"] += 1
            if len(self.samples) < 5:
                self.samples.append(repr(exc)[:300])
        self.latencies.append(time.monotonic() - since)

    def result(self, wall: float) -> dict[str, Any]:
        return {
            "statuses": dict(self.statuses),
            "wall_s": wall,
            "latencies_s": self.latencies,
            "latency_ms": latency_ms(self.latencies),
            "error_samples": self.samples,
        }


async def _run(
    sends: list[Send], prefix: str, count: int | None, until: float | None, deadline: float
) -> dict[str, Any]:
    """Closed loop: requests prefix+0, prefix+1, … from every slot until `count` are sent or the
    clock passes `until`; requests in flight then finish and count."""
    tally = _Tally()
    numbers = itertools.count() if count is None else iter(range(count))

    async def worker(send: Send) -> None:
        for i in numbers:  # shared iterator: each number is sent once
            now = time.monotonic()
            if until is not None and now >= until:
                break
            if now > deadline:
                if count is None:  # a timed run: nothing is left unsent
                    break
                tally.statuses["not_sent_deadline"] += 1
                continue
            await tally.send(send(i, f"{prefix}{i}"), now)

    t0 = time.monotonic()
    await asyncio.gather(*(worker(s) for s in sends))
    return tally.result(time.monotonic() - t0)


async def _run_rate(
    new_connection: Callable[[], RawConnection], pool: list[RawConnection], raw: RawTemplates, prefix: str,
    rate: float, duration: float, max_connections: int, late_s: float, deadline: float,
) -> dict[str, Any]:  # fmt: skip
    """Open loop: request i is due at t0 + i/rate; it takes an idle connection (or opens one, up to
    `max_connections`, or waits for one) and its latency runs from when it was due."""
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration_s must be positive")
    tally = _Tally()
    idle: asyncio.Queue[RawConnection] = asyncio.Queue()
    for conn in pool:
        idle.put_nowait(conn)
    lags: list[float] = []
    timeout = pool[0].timeout if pool else 30.0

    async def acquire() -> RawConnection:
        if idle.empty() and len(pool) < max_connections:
            conn = new_connection()
            pool.append(conn)
            return conn
        return await idle.get()

    async def one(i: int, due: float) -> tuple[int, bytes]:
        conn = await asyncio.wait_for(acquire(), timeout)
        lags.append(time.monotonic() - due)
        try:
            return await conn.request(raw.request(i, f"{prefix}{i}"))
        finally:
            idle.put_nowait(conn)

    async def timed(i: int, due: float) -> None:
        await tally.send(one(i, due), due)

    n = math.ceil(rate * duration)
    tasks: set[asyncio.Task[None]] = set()
    t0 = time.monotonic() + 0.01
    for i in range(n):
        due = t0 + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.monotonic() > deadline:
            tally.statuses["not_sent_deadline"] += n - i
            break
        task = asyncio.create_task(timed(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*list(tasks))
    out = tally.result(time.monotonic() - t0)
    out.update(
        scheduled=n,
        rate=rate,
        duration_s=duration,
        late_ms=late_s * 1000,
        late_to_start=sum(1 for lag in lags if lag > late_s),
        start_lag_ms={
            "p50": quantile(lags, 50) * 1000,
            "p99": quantile(lags, 99) * 1000,
            "max": max(lags, default=float("nan")) * 1000,
        },
        connections_used=len(pool),
        max_connections=max_connections,
    )
    return out


async def _run_burst(conns: list[RawConnection], raw: RawTemplates, prefix: str) -> dict[str, Any]:
    """Every connection opened first; then request i written on connection i, all at once; each
    latency runs from the common start."""
    tc = time.monotonic()
    opened = await asyncio.gather(*(c.connect() for c in conns), return_exceptions=True)
    connect_s = time.monotonic() - tc
    tally = _Tally()
    failed = [r for r in opened if isinstance(r, BaseException)]
    t0 = time.monotonic()
    await asyncio.gather(
        *(tally.send(c.request(raw.request(i, f"{prefix}{i}")), t0) for i, c in enumerate(conns))
    )
    out = tally.result(time.monotonic() - t0)
    out.update(
        burst=len(conns),
        connect_s=connect_s,
        connect_failures=[repr(e)[:200] for e in failed[:5]],
        last_answer_s=max(tally.latencies, default=float("nan")),
    )
    return out


async def main_async(job: dict[str, Any]) -> dict[str, Any]:
    mode = job.get("mode", "closed")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if mode == "closed" and job.get("count") is None and job.get("duration_s") is None:
        raise ValueError("the job needs a count or a duration_s")
    concurrency = int(job.get("concurrency", 16))
    timeout = float(job.get("request_timeout_s", 30.0))
    idle_reopen = float(job.get("idle_reopen_s", IDLE_REOPEN_S))
    deadline = time.monotonic() + float(job.get("deadline_s", 600.0))
    path, headers, templates = job["path"], job.get("headers", {}), job["templates"]
    prefix = job["key_prefix"]
    client_kind = job.get("client", "raw")
    if client_kind != "raw" and mode != "closed":
        raise ValueError("the rate and burst modes need the raw client")
    closers: list[Callable[[], Any]] = []
    conns: list[RawConnection] = []
    sends: list[Send]
    url = urlsplit(job["url"])
    host, port = url.hostname or "127.0.0.1", int(url.port or 80)
    raw = RawTemplates(url.netloc, path, headers, templates)

    def new_connection() -> RawConnection:
        conn = RawConnection(host, port, timeout, idle_reopen)
        conns.append(conn)
        return conn

    if client_kind == "raw":
        slots = [new_connection() for _ in range(concurrency)]

        def raw_send(conn: RawConnection) -> Send:
            async def send(i: int, key: str) -> tuple[int, bytes]:
                return await conn.request(raw.request(i, key))

            return send

        sends = [raw_send(c) for c in slots]
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
        warm_connects = sum(c.connects for c in conns)
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        if mode == "closed":
            count = job.get("count")
            duration = job.get("duration_s")
            until = time.monotonic() + float(duration) if duration is not None else None
            measured = await _run(sends, f"{prefix}m", None if count is None else int(count), until, deadline)
        elif mode == "rate":
            pool = slots[: int(job.get("connections", concurrency))]
            measured = await _run_rate(
                new_connection, pool, raw, f"{prefix}m", float(job["rate"]), float(job["duration_s"]),
                int(job.get("max_connections", 256)), float(job.get("late_ms", 10.0)) / 1000, deadline,
            )  # fmt: skip
        else:
            for c in slots:  # the burst's connections are its own
                await c.aclose()
            burst = [new_connection() for _ in range(int(job["count"]))]
            measured = await _run_burst(burst, raw, f"{prefix}m")
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        for conn in conns:
            await conn.aclose()
        for close in closers:
            result = close()
            if asyncio.iscoroutine(result):
                await result
    measured["mode"] = mode
    measured["sent"] = sum(v for k, v in measured["statuses"].items() if k != "not_sent_deadline")
    measured["cpu_s"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    measured["warmup_statuses"] = warm["statuses"]
    measured["warmup_error_samples"] = warm["error_samples"]
    measured["client"] = client_kind
    if client_kind == "raw":
        measured["connects"] = sum(c.connects for c in conns) - warm_connects  # measured phase
        measured["warmup_connects"] = warm_connects
    return measured


def emit(result: dict[str, Any], job: dict[str, Any]) -> None:
    """The result to job["result_path"] (the bench reads it there: a pipe once cut the output at
    64 KiB) and on stdout."""
    text = json.dumps(result)
    if job.get("result_path"):
        Path(job["result_path"]).write_text(text + "\n", encoding="utf-8")
    print(text)


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
    emit(result, job)


if __name__ == "__main__":
    main()
