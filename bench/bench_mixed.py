"""The mixed load of issue [10]: a realistic mix of the platform's routes at a fixed arrival rate
(open loop) for minutes, on SQLite or PostgreSQL; p50 / p99 per route, errors, the server's memory
and CPU and the machine's load over time.

    python bench/bench_mixed.py [--rate 200] [--duration 300] [--cases 3000] [--database-url URL]

**No baseline.** This bench measures gridcity alone: the realistic mix has no "least program" to
set beside it (the per-route floors are those of bench_intake.py and bench_reads.py). It reports
what gridcity does under the load and whether each route's p99 stays under 50 ms.

City: 东城区 (110101) built through the services (bench/common.py), with four users of the district
platform: a supervisor (reports), a shift leader (files, reads the case list), a dispatcher
(dispatches, reads the map and case pages) and a leader (reads the evaluations). `--cases` (3,000)
reports are made first through the services (`services.cases.report_case`, as the API does, so the
rollups the evaluations read are filled): a third left accepted (waiting to be filed), a third
filed (waiting for dispatch), a third dispatched. Their class and point are the templates of the
run's reports; only places whose class the catalogue routes to a department are kept (a dispatch
without a department is refused).

The load (a separate process: `bench_mixed.py --job JOB.json`, asyncio on uvloop, the raw
keep-alive client of bench/loadgen.py): request i is due at t0 + i/rate whether or not the earlier
ones were answered, and its route is the i-th of the mix (`mix_schedule`: in every block of 100
requests exactly the weights' shares, in a random order, fixed seed). The default mix:

    intake      30 %  POST /api/v1/cases (supervisor; a new client_key each)
    action      15 %  POST /api/v1/cases/{id}/actions: `file` (shift leader) of an accepted case or
                      `dispatch` (dispatcher) of a filed one, alternately, with the version the last
                      answer about that case gave; the cases reported during the run join the queue
                      to be filed, the filed ones the queue to be dispatched
    list        20 %  GET /api/v1/cases (shift leader): page 1, 2 or 3 of 20, or the filed queue,
                      or a street's cases
    map         10 %  GET /api/v1/cases.geojson (dispatcher), a street-sized window (~850 m × 900 m)
                      around a random case
    case        20 %  GET /api/v1/cases/{id} (dispatcher), a seeded case or one reported in the run
    evaluation   5 %  GET /api/v1/evaluations?kind=region&level=street&period=<this month> (leader)

Each latency runs from the request's scheduled time (no coordinated omission); a request that gets
its connection more than 10 ms after that counts as late (one that gets none within the request
timeout is an `exc:TimeoutError` instead); one not sent before the deadline counts as
`not_sent_deadline`, and an action with no case to act on as `no_case` (all three are errors).
`sent_per_s` in the result: requests finished (answered or failed) per second of the run. The
server is `uvicorn gridcity.app:create_app` (uvloop, httptools, `--workers`, 1), as
`gridcity serve` runs it. Every 5 s the bench samples the server's RSS (all its processes; on
PostgreSQL the database server's own processes are not included) and CPU, and the machine's load
average. Reported per route: count, status counts, errors, p50 / p90 / p99 / max, late starts; per
5 s window: requests due, answered 2xx, p50 / p99; the overall achieved rate. The result goes to
bench/results/mixed_<backend>.json (`mixed_<backend>_<rate>x<duration>.json` for another rate or
duration, `_w<N>` appended for N workers) and a markdown table to stdout.

Safe as the other benches: scratch databases (dropped at the end, also on error), 127.0.0.1 on a
free port, the server stopped at the end, a per-request timeout and an overall deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, deque
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

DISTRICT = "110101"  # 东城区
USERS = (
    ("bench_supervisor", "supervisor", DISTRICT),
    ("bench_shift_leader", "shift_leader", DISTRICT),
    ("bench_dispatcher", "dispatcher", DISTRICT),
    ("bench_leader", "leader", DISTRICT),
)
SEED = 20261208
DEFAULT_MIX = {"intake": 30, "action": 15, "list": 20, "map": 10, "case": 20, "evaluation": 5}
# the rows of the report: the actions split by what they do
REPORT_ROUTES = ("intake", "file", "dispatch", "list", "map", "case", "evaluation")
ROUTE_LABELS = {
    "intake": "POST /api/v1/cases",
    "file": "POST /api/v1/cases/{id}/actions file",
    "dispatch": "POST /api/v1/cases/{id}/actions dispatch",
    "list": "GET /api/v1/cases",
    "map": "GET /api/v1/cases.geojson",
    "case": "GET /api/v1/cases/{id}",
    "evaluation": "GET /api/v1/evaluations",
}
P99_TARGET_MS = 50.0
SAMPLE_S = 5.0
WINDOW_DEG = (0.010, 0.008)  # a street-sized map window, lon × lat (~850 m × 900 m at 39.9°N)
ISSUE_RATE, ISSUE_DURATION = 200.0, 300.0


# --- pure parts (tests/unit/test_bench_scripts.py) ----------------------------------------------


def mix_schedule(weights: dict[str, int], n: int, seed: int = SEED) -> list[str]:
    """The route of each of `n` requests: blocks of sum(weights) requests, each holding exactly
    `weights[route]` of every route in a random order (fixed seed); the last block cut at `n`."""
    if not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("the mix needs positive weights")
    block = [route for route, w in weights.items() for _ in range(w)]
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        rng.shuffle(block)
        out.extend(block)
    return out[:n]


def parse_mix(text: str) -> dict[str, int]:
    """'intake=30,action=15,…' → weights (the routes of DEFAULT_MIX only)."""
    out = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in DEFAULT_MIX:
            raise ValueError(f"unknown route {name!r}: one of {', '.join(DEFAULT_MIX)}")
        out[name] = int(value)
    return out


def quantile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def is_ok(status: str) -> bool:
    return status.isdigit() and 200 <= int(status) < 300


def route_summary(latencies_s: Sequence[float], statuses: dict[str, int], late: int) -> dict[str, Any]:
    """One route's figures: count, statuses, errors (anything not 2xx, exceptions, not sent, no
    case), latency p50 / p90 / p99 / max in ms (of every request answered or failed)."""
    count = sum(statuses.values())
    return {
        "count": count,
        "statuses": dict(sorted(statuses.items())),
        "errors": sum(v for k, v in statuses.items() if not is_ok(k)),
        "p50_ms": quantile(latencies_s, 50) * 1e3,
        "p90_ms": quantile(latencies_s, 90) * 1e3,
        "p99_ms": quantile(latencies_s, 99) * 1e3,
        "max_ms": max(latencies_s) * 1e3 if latencies_s else float("nan"),
        "late_to_start": late,
    }


TABLE_HEADERS = [
    "route",
    "share",
    "requests",
    "2xx",
    "errors",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    f"p99 < {P99_TARGET_MS:g} ms",
]


def route_table(routes: dict[str, dict[str, Any]], total: int) -> list[list[Any]]:
    """The markdown rows per route (in REPORT_ROUTES order, then any other), and an 'all' row."""
    rows = []
    names = [r for r in REPORT_ROUTES if r in routes] + [r for r in routes if r not in REPORT_ROUTES]
    for name in names:
        s = routes[name]
        ok = s["count"] - s["errors"]
        rows.append(
            [
                name if name == "all" else f"{name} (`{ROUTE_LABELS.get(name, name)}`)",
                f"{s['count'] / total:.0%}" if total else "–",
                s["count"],
                ok,
                s["errors"],
                _ms(s["p50_ms"]),
                _ms(s["p90_ms"]),
                _ms(s["p99_ms"]),
                _ms(s["max_ms"]),
                "–" if s["p99_ms"] != s["p99_ms"] else ("yes" if s["p99_ms"] < P99_TARGET_MS else "no"),
            ]
        )
    return rows


def _ms(v: float) -> str:
    if v != v:
        return "–"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


# --- the load (its own process: bench_mixed.py --job JOB.json) ---------------------------------


def encode_request(host: str, method: str, path: str, headers: dict[str, str], body: bytes | None) -> bytes:
    """One HTTP/1.1 keep-alive request as bytes."""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        "Connection: keep-alive",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Mix:
    """What each route sends, and the state the actions need: the queue of accepted cases to file
    and of filed cases to dispatch (id, version), fed by the answers."""

    def __init__(self, job: dict[str, Any]) -> None:
        import orjson

        self.loads = orjson.loads
        self.dumps = orjson.dumps
        self.host = urlsplit(job["url"]).netloc
        self.auth = {role: {"Authorization": f"Bearer {token}"} for role, token in job["tokens"].items()}
        self.templates: list[dict[str, Any]] = job["templates"]
        self.to_file: deque[tuple[int, int]] = deque(tuple(x) for x in job["accepted"])
        self.to_dispatch: deque[tuple[int, int]] = deque(tuple(x) for x in job["filed"])
        self.case_ids: list[int] = list(job["case_ids"])
        self.new_ids: list[int] = []
        self.lists: list[str] = job["lists"]
        self.windows: list[str] = job["windows"]
        self.evaluation: str = job["evaluation"]
        self.prefix: str = job["key_prefix"]
        self.rng = random.Random(SEED)
        self.actions = 0

    def request(self, route: str, i: int) -> tuple[str, bytes | None, Any]:
        """(report row, request bytes or None when there is no case to act on, on-answer callback)."""
        rng = self.rng
        if route == "intake":
            body = self.dumps({**self.templates[i % len(self.templates)], "client_key": f"{self.prefix}{i}"})
            return "intake", self._req("POST", "/api/v1/cases", "supervisor", body), self._reported
        if route == "action":
            self.actions += 1
            order = ("file", "dispatch") if self.actions % 2 else ("dispatch", "file")
            for what in order:
                queue = self.to_file if what == "file" else self.to_dispatch
                if queue:
                    case_id, version = queue.popleft()
                    role = "shift_leader" if what == "file" else "dispatcher"
                    body = self.dumps({"action": what, "version": version, "note": "bench"})
                    path = f"/api/v1/cases/{case_id}/actions"
                    return what, self._req("POST", path, role, body), self._filed if what == "file" else None
            return "file", None, None
        if route == "list":
            return "list", self._req("GET", rng.choice(self.lists), "shift_leader"), None
        if route == "map":
            return "map", self._req("GET", rng.choice(self.windows), "dispatcher"), None
        if route == "case":
            pool = self.new_ids if self.new_ids and rng.random() < 0.5 else self.case_ids
            return "case", self._req("GET", f"/api/v1/cases/{rng.choice(pool)}", "dispatcher"), None
        if route == "evaluation":
            return "evaluation", self._req("GET", self.evaluation, "leader"), None
        raise ValueError(f"unknown route {route}")

    def _req(self, method: str, path: str, role: str, body: bytes | None = None) -> bytes:
        return encode_request(self.host, method, path, self.auth[role], body)

    def _reported(self, status: int, body: bytes) -> None:
        if status == 201:
            case = self.loads(body)
            self.to_file.append((case["id"], case["version"]))
            self.new_ids.append(case["id"])

    def _filed(self, status: int, body: bytes) -> None:
        if status == 200:
            case = self.loads(body)
            self.to_dispatch.append((case["id"], case["version"]))


async def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Warm-up (every route a few times, one after the other), then the open loop."""
    import resource

    from loadgen import RawConnection

    url = urlsplit(job["url"])
    host, port = url.hostname or "127.0.0.1", int(url.port or 80)
    timeout = float(job.get("request_timeout_s", 30.0))
    rate, duration = float(job["rate"]), float(job["duration_s"])
    late_s = float(job.get("late_ms", 10.0)) / 1000
    max_connections = int(job.get("max_connections", 256))
    deadline = time.monotonic() + float(job.get("deadline_s", duration + 120))
    mix = Mix(job)
    conns: list[RawConnection] = []

    def new_connection() -> RawConnection:
        conn = RawConnection(host, port, timeout)
        conns.append(conn)
        return conn

    warm: Counter[str] = Counter()
    warm_samples: list[str] = []
    try:
        first = new_connection()
        for k in range(int(job.get("warmup_rounds", 3))):
            for route in DEFAULT_MIX:
                name, raw, on_answer = mix.request(route, -1 - k * 10 - len(warm))
                if raw is None:
                    continue
                try:
                    status, body = await first.request(raw)
                except Exception as exc:
                    warm[f"{name}:exc:{type(exc).__name__}"] += 1
                    continue
                warm[f"{name}:{status}"] += 1
                if not 200 <= status < 300 and len(warm_samples) < 5:
                    warm_samples.append(f"{name} {status}: {body[:300].decode(errors='replace')}")
                if on_answer is not None:
                    on_answer(status, body)

        schedule = mix_schedule(job.get("mix", DEFAULT_MIX), math.ceil(rate * duration))
        idle: asyncio.Queue[RawConnection] = asyncio.Queue()
        latencies: dict[str, list[float]] = {r: [] for r in REPORT_ROUTES}
        statuses: dict[str, Counter[str]] = {r: Counter() for r in REPORT_ROUTES}
        late: Counter[str] = Counter()
        samples: dict[str, dict[str, str]] = {r: {} for r in REPORT_ROUTES}  # the first of each status
        answered_bytes: Counter[str] = Counter()
        # per window of SAMPLE_S s of scheduled time: [due, 2xx, latencies]
        windows: list[list[Any]] = [[0, 0, []] for _ in range(math.ceil(duration / SAMPLE_S) + 1)]
        pool = [first, *(new_connection() for _ in range(int(job.get("connections", 16)) - 1))]
        await asyncio.gather(*(c.connect() for c in pool[1:]))  # open before the clock starts
        for conn in pool:
            idle.put_nowait(conn)
        connects0 = sum(c.connects for c in conns)
        reported0 = len(mix.new_ids)  # by the warm-up

        async def acquire() -> RawConnection:
            if idle.empty() and len(conns) < max_connections:
                return new_connection()
            return await idle.get()

        async def one(name: str, raw: bytes, on_answer: Any, due: float, w: int) -> None:
            status_key = "?"
            try:
                conn = await asyncio.wait_for(acquire(), timeout)
                if time.monotonic() - due > late_s:
                    late[name] += 1
                try:
                    status, body = await conn.request(raw)
                finally:
                    idle.put_nowait(conn)
                status_key = str(status)
                answered_bytes[name] += len(body)
                if on_answer is not None:
                    on_answer(status, body)
                if not 200 <= status < 300:
                    samples[name].setdefault(status_key, body[:300].decode(errors="replace"))
            except Exception as exc:
                status_key = f"exc:{type(exc).__name__}"
                samples[name].setdefault(status_key, repr(exc)[:300])
            elapsed = time.monotonic() - due
            statuses[name][status_key] += 1
            latencies[name].append(elapsed)
            windows[w][2].append(elapsed)
            if is_ok(status_key):
                windows[w][1] += 1

        tasks: set[asyncio.Task[None]] = set()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.monotonic() + 0.05
        for i, route in enumerate(schedule):
            due = t0 + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            w = int((due - t0) / SAMPLE_S)
            windows[w][0] += 1
            if time.monotonic() > deadline:
                for rest in schedule[i:]:
                    statuses["file" if rest == "action" else rest]["not_sent_deadline"] += 1
                break
            name, raw, on_answer = mix.request(route, i)
            if raw is None:
                statuses[name]["no_case"] += 1
                samples[name].setdefault("no_case", "no accepted case to file nor filed case to dispatch")
                continue
            task = asyncio.create_task(one(name, raw, on_answer, due, w))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*list(tasks))
        wall = time.monotonic() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        for conn in conns:
            await conn.aclose()
    routes = {
        r: {
            **route_summary(latencies[r], statuses[r], late[r]),
            "answer_bytes_mean": round(answered_bytes[r] / len(latencies[r])) if latencies[r] else None,
            "error_samples": samples[r],
        }
        for r in REPORT_ROUTES
        if statuses[r]
    }
    every = [x for r in REPORT_ROUTES for x in latencies[r]]
    overall = route_summary(every, sum((statuses[r] for r in REPORT_ROUTES), Counter()), sum(late.values()))
    ok = overall["count"] - overall["errors"]
    return {
        "scheduled": len(schedule),
        "rate": rate,
        "duration_s": duration,
        "wall_s": wall,
        "achieved_2xx_per_s": ok / wall if wall else float("nan"),
        "sent_per_s": sum(len(v) for v in latencies.values()) / wall if wall else float("nan"),
        "routes": routes,
        "all": overall,
        "windows": [
            {
                "t_s": k * SAMPLE_S,
                "due": d,
                "ok_2xx": good,
                "p50_ms": round(quantile(lat, 50) * 1e3, 1),
                "p99_ms": round(quantile(lat, 99) * 1e3, 1),
            }
            for k, (d, good, lat) in enumerate(windows)
            if d
        ],
        "connections_used": len(conns),
        "connects": sum(c.connects for c in conns) - connects0,
        "loadgen_cpu_s": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
        "warmup": dict(warm),
        "warmup_error_samples": warm_samples,
        "cases_reported_in_run": len(mix.new_ids) - reported0,
        "left_to_file": len(mix.to_file),
        "left_to_dispatch": len(mix.to_dispatch),
    }


def job_main(path: str) -> None:
    job = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run_job(job))
    else:
        result = uvloop.run(run_job(job))
    Path(job["result_path"]).write_text(json.dumps(result) + "\n", encoding="utf-8")


# --- the city and its cases ---------------------------------------------------------------------


def seed_cases(city: Any, n: int, log: Any = print) -> dict[str, Any]:
    """`n` reports through the services at random points of the district (fixed seed), then a third
    filed and a third filed and dispatched. Returns the templates (bodies of reports whose class is
    routed to a department there), the accepted and filed (id, version) and every id."""
    from common import district_bbox, random_points_in
    from sqlalchemy import select

    from gridcity.db.models import User
    from gridcity.services import cases
    from gridcity.services.users import principal_of

    platform = city.platform
    state = platform.territory()
    lons, lats = random_points_in(state, DISTRICT, n, SEED, district_bbox(state, [DISTRICT]))
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    with platform.sessions() as db:

        def who(name: str) -> Any:
            return principal_of(db.scalar(select(User).where(User.username == name)))

        sup, shift_leader, dispatcher = who(USERS[0][0]), who(USERS[1][0]), who(USERS[2][0])
        book = platform.catalogue(db)
        classes = [c for c in book.search(network="city_management") if c.kind == "event"]
        templates, accepted, filed, ids = [], [], [], []
        counts: Counter[str] = Counter()
        for i in range(n):
            cls = rng.choice(classes)
            body = {
                "class_code": cls.code,
                "kind": cls.kind,
                "standard": cls.standard,
                "lon": float(lons[i]),
                "lat": float(lats[i]),
                "description": f"bench mixed {i}: {cls.name}",
            }
            report = cases.Report(**body, client_key=f"seed-{i}")
            case, _ = cases.report_case(platform, db, sup, report)
            ids.append(case.id)
            if case.proposed_department_id is None:
                counts["no_department"] += 1
                continue
            templates.append(body)
            step = i % 3
            if step == 0:
                accepted.append((case.id, case.version))
                counts["accepted"] += 1
                continue
            case = cases.transition(
                platform, db, shift_leader, case.id, cases.ActionRequest("file", case.version)
            )
            if step == 1:
                filed.append((case.id, case.version))
                counts["filed"] += 1
                continue
            cases.transition(platform, db, dispatcher, case.id, cases.ActionRequest("dispatch", case.version))
            counts["dispatched"] += 1
    log(f"  {n:,} cases through the services in {time.perf_counter() - t0:.1f} s: {dict(counts)}")
    if not templates:
        raise RuntimeError("no class routed to a department in the district")
    return {"templates": templates, "accepted": accepted, "filed": filed, "ids": ids, "counts": dict(counts)}


def queries(city: Any, seeded: dict[str, Any]) -> dict[str, Any]:
    """The list pages, the map windows and the evaluation the load reads."""
    from sqlalchemy import select

    from gridcity.db.models import OrgUnit

    with city.platform.sessions() as db:
        streets = list(
            db.scalars(
                select(OrgUnit.code).where(OrgUnit.kind == "street", OrgUnit.code.startswith(DISTRICT))
            )
        )
    rng = random.Random(SEED)
    lists = [
        "/api/v1/cases?" + urlencode(q)
        for q in (
            {"page_size": 20},
            {"page_size": 20, "page": 2},
            {"page_size": 20, "page": 3},
            {"page_size": 20, "state": "filed"},
            *({"page_size": 20, "street": s} for s in streets),
        )
    ]
    windows = []
    for body in rng.sample(seeded["templates"], min(200, len(seeded["templates"]))):
        dx, dy = WINDOW_DEG[0] / 2, WINDOW_DEG[1] / 2
        box = f"{body['lon'] - dx:.5f},{body['lat'] - dy:.5f},{body['lon'] + dx:.5f},{body['lat'] + dy:.5f}"
        windows.append("/api/v1/cases.geojson?" + urlencode({"bbox": box}))
    tz = ZoneInfo(city.platform.settings.timezone)
    month = datetime.now(tz).strftime("%Y-%m")
    evaluation = "/api/v1/evaluations?" + urlencode({"kind": "region", "level": "street", "period": month})
    return {"lists": lists, "windows": windows, "evaluation": evaluation, "month": month}


def tokens(server: Any) -> dict[str, str]:
    import httpx
    from common import BENCH_PASSWORD

    out = {}
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        for username, role, _ in USERS:
            r = client.post("/api/v1/auth/token", data={"username": username, "password": BENCH_PASSWORD})
            r.raise_for_status()
            out[role] = r.json()["access_token"]
    return out


def database_size(url: str) -> int | None:
    from common import connect_driver, is_postgres, sqlite_path

    if not is_postgres(url):
        path = sqlite_path(url)
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    conn = connect_driver(url)
    try:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    finally:
        conn.close()


def run_load(
    server: Any, workdir: Path, job: dict[str, Any], deadline_s: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The load generator in its own process; meanwhile, every SAMPLE_S s, the server's RSS and CPU
    and the machine's load average. Returns (the generator's result, the samples)."""
    from common import BENCH_DIR

    job_path, result_path = workdir / "job.json", workdir / "result.json"
    job_path.write_text(json.dumps({**job, "result_path": str(result_path)}), encoding="utf-8")
    samples: list[dict[str, Any]] = []
    t0 = time.monotonic()
    cpu_prev, t_prev = server.cpu_seconds(), t0

    def sample() -> None:
        nonlocal cpu_prev, t_prev
        now, cpu = time.monotonic(), server.cpu_seconds()
        samples.append(
            {
                "t_s": round(now - t0, 1),
                "rss_mb": round(server.rss_bytes() / 2**20, 1),
                "cpu_pct": round(100 * (cpu - cpu_prev) / (now - t_prev), 1) if now > t_prev else 0.0,
                "load1": round(os.getloadavg()[0], 2),
            }
        )
        cpu_prev, t_prev = cpu, now

    sample()
    proc = subprocess.Popen(
        [sys.executable, str(BENCH_DIR / "bench_mixed.py"), "--job", str(job_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        next_at = t0 + SAMPLE_S
        while proc.poll() is None:
            if time.monotonic() - t0 > deadline_s + 60:
                raise TimeoutError("the load generator overran its deadline")
            time.sleep(max(0.0, min(0.5, next_at - time.monotonic())))
            if time.monotonic() >= next_at:
                sample()
                next_at += SAMPLE_S
        sample()
        stderr = proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed ({proc.returncode}): {stderr[-3000:]}")
    return json.loads(result_path.read_text(encoding="utf-8")), samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=ISSUE_RATE, help="requests/s, open loop (200)")
    ap.add_argument("--duration", type=float, default=ISSUE_DURATION, help="seconds of load (300)")
    ap.add_argument("--cases", type=int, default=3000, help="cases made first through the services (3000)")
    ap.add_argument(
        "--mix",
        default=None,
        help="weights, e.g. intake=30,action=15,list=20,map=10,case=20,evaluation=5 (the default)",
    )
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers (1)")
    ap.add_argument("--max-connections", type=int, default=256, help="connections at most (256)")
    ap.add_argument("--request-timeout", type=float, default=30.0, help="seconds per request (30)")
    ap.add_argument("--deadline", type=float, default=None, help="seconds for the load (duration + 120)")
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (server log, SQLite file)")
    ap.add_argument("--job", help=argparse.SUPPRESS)  # the load generator's own process
    args = ap.parse_args()
    if args.job:
        job_main(args.job)
        return
    from common import Server, build_city, machine_info, markdown_table, report, scratch_database, workspace

    mix = parse_mix(args.mix) if args.mix else DEFAULT_MIX
    deadline = args.deadline or args.duration + 120
    started = time.perf_counter()
    load_start = [round(x, 2) for x in os.getloadavg()]
    with (
        workspace("bench-mixed", args.keep) as workdir,
        scratch_database(args.database_url, workdir, "city.db", "mixed_", args.keep) as url,
    ):
        print(f"building the benchmark city ({DISTRICT}) in {workdir}")
        city = build_city(url, workdir, (DISTRICT,), users=USERS)
        seeded = seed_cases(city, args.cases)
        reads = queries(city, seeded)
        city.platform.engine.dispose()
        backend = city.backend
        with Server("gridcity.app:create_app", city.env(), workdir, args.workers, "gridcity") as server:
            job = {
                "url": server.url,
                "tokens": tokens(server),
                "templates": seeded["templates"],
                "accepted": seeded["accepted"],
                "filed": seeded["filed"],
                "case_ids": seeded["ids"],
                "lists": reads["lists"],
                "windows": reads["windows"],
                "evaluation": reads["evaluation"],
                "key_prefix": f"mixed-{uuid.uuid4().hex[:6]}-",
                "rate": args.rate,
                "duration_s": args.duration,
                "mix": mix,
                "max_connections": args.max_connections,
                "request_timeout_s": args.request_timeout,
                "deadline_s": deadline,
            }
            print(
                f"{backend}: {args.rate:g} req/s for {args.duration:g} s, mix "
                + ", ".join(f"{k} {v}" for k, v in mix.items())
                + f"; load average {load_start}"
            )
            rss0 = server.rss_bytes()
            result, samples = run_load(server, workdir, job, deadline)
            server_log = server.tail(1500)
        size = database_size(url)
    load_end = [round(x, 2) for x in os.getloadavg()]
    total = result["all"]["count"]
    rows = route_table({**result["routes"], "all": result["all"]}, total)
    rss = [s["rss_mb"] for s in samples]
    cpu = [s["cpu_pct"] for s in samples[1:]]
    loads = [s["load1"] for s in samples]
    missing = [r for r, s in result["routes"].items() if not s["p99_ms"] < P99_TARGET_MS]
    reading = (
        f"{result['achieved_2xx_per_s']:.0f} answered 2xx/s of {args.rate:g} due; "
        + (
            f"p99 ≥ {P99_TARGET_MS:g} ms: {', '.join(missing)}"
            if missing
            else f"every route p99 < {P99_TARGET_MS:g} ms"
        )
        + f"; {result['all']['errors']} errors"
    )
    details = {
        "backend": backend,
        "baseline": None,
        "no_baseline_because": "the realistic mix has no least program to compare with; gridcity alone",
        "rate": args.rate,
        "duration_s": args.duration,
        "workers": args.workers,
        "mix_weights": mix,
        "routes_in_mix": {r: ROUTE_LABELS[r] for r in REPORT_ROUTES},
        "seeded": {"cases": args.cases, **seeded["counts"], "templates": len(seeded["templates"])},
        "evaluation_query": reads["evaluation"],
        "map_window_deg": WINDOW_DEG,
        "result": {k: v for k, v in result.items()},
        "server": {
            "rss_mb_before_load": round(rss0 / 2**20, 1),
            "rss_mb_max": max(rss),
            "rss_mb_end": rss[-1],
            "cpu_pct_mean": round(sum(cpu) / len(cpu), 1) if cpu else None,
            "cpu_pct_max": max(cpu) if cpu else None,
            "note": "RSS and CPU of the uvicorn process group only (not PostgreSQL's processes)",
            "log_tail": server_log[-800:],
        },
        "database_bytes_at_end": size,
        "machine_load": {
            "at_start": load_start,
            "at_end": load_end,
            "load1_max": max(loads),
            "load1_mean": round(sum(loads) / len(loads), 2),
        },
        "samples_every_5s": samples,
        "reading": reading,
        "wall_s": time.perf_counter() - started,
        "machine_at_start": {"cpus": os.cpu_count(), "loadavg": load_start},
    }
    name = f"mixed_{backend}"
    if (args.rate, args.duration) != (ISSUE_RATE, ISSUE_DURATION) or mix != DEFAULT_MIX:
        name += f"_{args.rate:g}x{args.duration:g}" + ("" if mix == DEFAULT_MIX else "_custom")
    if args.workers != 1:
        name += f"_w{args.workers}"
    report(name, TABLE_HEADERS, rows, details)
    print(
        "\n"
        + markdown_table(
            [
                "server RSS MB before / max / end",
                "server CPU % mean / max",
                "load average 1 min start / mean / max / end",
            ],
            [
                [
                    f"{rss0 / 2**20:.0f} / {max(rss):.0f} / {rss[-1]:.0f}",
                    f"{details['server']['cpu_pct_mean']} / {details['server']['cpu_pct_max']}",
                    f"{load_start[0]} / {details['machine_load']['load1_mean']} / {max(loads)} / "
                    f"{load_end[0]}",
                ]
            ],
        )
    )
    print(f"\n{reading}\ntotal {details['wall_s']:.0f} s; machine {machine_info()['loadavg_at_end']}")


if __name__ == "__main__":
    main()
