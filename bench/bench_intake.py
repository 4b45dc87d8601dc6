"""Intake of reports through the API, in cases/s: gridcity's `POST /api/v1/cases` against a minimal
FastAPI app (bench/baseline_app.py) that parses the same body and inserts one row per request.

    python bench/bench_intake.py [--cases 3000] [--concurrency 16] [--workers 1] [--database-url URL]

Both servers run the same way (uvicorn, uvloop + httptools, the same workers, 127.0.0.1, a free
port) and get the same load from a separate load-generator process (bench/loadgen.py).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from common import (
    BENCH_DIR,
    BENCH_PASSWORD,
    RESULTS_DIR,
    Server,
    build_city,
    district_bbox,
    percentile,
    random_points_in,
    report,
    scratch_database,
    workspace,
)

DISTRICT = "110101"  # 东城区
SUPERVISOR = ("bench_supervisor", "supervisor", DISTRICT)
SEED = 20261128
TARGET_RATIO = 0.50


def make_bodies(
    classes: list[dict[str, Any]], lons: Any, lats: Any, run: str, n_warm: int, n: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(SEED)
    bodies = [
        {
            "class_code": c["code"],
            "kind": c["kind"],
            "standard": c["standard"],
            "lon": float(lons[i]),
            "lat": float(lats[i]),
            "description": f"bench report {i}: {c['name']}",
            "client_key": f"bench-{run}-{'w' if i < n_warm else 'm'}{i}",
        }
        for i, c in enumerate(rng.choice(classes) for _ in range(n_warm + n))
    ]
    return bodies[:n_warm], bodies[n_warm:]


def run_load(
    workdir: Path, name: str, server: Server, headers: dict[str, str], warm: list[Any], bodies: list[Any],
    concurrency: int, deadline_s: float, client: str, py_spy: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    job = workdir / f"job-{name}.json"
    job.write_text(
        json.dumps(
            {
                "url": server.url,
                "path": "/api/v1/cases",
                "headers": headers,
                "warmup": warm,
                "bodies": bodies,
                "concurrency": concurrency,
                "deadline_s": deadline_s,
                "request_timeout_s": 30.0,
                "client": client,
            }
        ),
        encoding="utf-8",
    )
    spy = start_py_spy(server, py_spy) if py_spy else None
    cpu0 = server.cpu_seconds()
    try:
        proc = subprocess.run(
            [sys.executable, str(BENCH_DIR / "loadgen.py"), str(job)],
            capture_output=True,
            text=True,
            timeout=deadline_s + 60,
            check=False,
        )
    finally:
        server_cpu = server.cpu_seconds() - cpu0
        if spy is not None:
            stop_py_spy(spy)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["server_cpu_s"] = server_cpu  # includes the warm-up: an upper bound
    return result


def start_py_spy(server: Server, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the server (all its processes) while the load runs: collapsed stacks of
    the thread holding the GIL, for bench/pyspy_summary.py."""
    assert server.proc is not None
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["py-spy", "record", "--pid", str(server.proc.pid), "--subprocesses", "--gil", "--nonblocking",
           "--rate", "200", "--format", "raw", "--output", str(out)]  # fmt: skip
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached before the load starts
    return spy


def stop_py_spy(spy: subprocess.Popen[bytes]) -> None:
    spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()
        spy.wait(timeout=5)


def summarise(name: str, r: dict[str, Any], n: int, stored: int) -> dict[str, Any]:
    ok = r["statuses"].get("201", 0)
    lat = r["latencies_s"]
    return {
        "name": name,
        "sent": n,
        "created_201": ok,
        "errors": n - ok,
        "statuses": r["statuses"],
        "warmup_statuses": r["warmup_statuses"],
        "error_samples": r["error_samples"],
        "rows_stored": stored,
        "wall_s": r["wall_s"],
        "per_s": ok / r["wall_s"] if r["wall_s"] else float("nan"),
        "p50_ms": percentile(lat, 50) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "loadgen_cpu_share": r["cpu_s"] / r["wall_s"] if r["wall_s"] else float("nan"),
        "server_cpu_s": r["server_cpu_s"],
    }


def count_cases(city: Any, prefix: str) -> int:
    from sqlalchemy import func, select

    from gridcity.db.models import Case

    with city.platform.sessions() as db:
        stmt = select(func.count()).select_from(Case).where(Case.client_key.startswith(prefix))
        return int(db.scalar(stmt) or 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=3000, help="measured reports per server (3,000)")
    ap.add_argument("--warmup", type=int, default=200, help="unmeasured reports first (200)")
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers, for both servers (1)")
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--deadline", type=float, default=120.0, help="seconds allowed per load run (120)")
    ap.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="load generator's HTTP client (raw)"
    )
    ap.add_argument(
        "--py-spy",
        action="store_true",
        help="sample the gridcity server with py-spy during its load (slows it: figures not comparable); "
        "stacks to bench/results/intake_pyspy_<backend>.txt",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (server logs, SQLite files)")
    args = ap.parse_args()

    started = time.perf_counter()
    run = uuid.uuid4().hex[:6]
    with (
        workspace("bench-intake", args.keep) as workdir,
        scratch_database(args.database_url, workdir, "city.db", "city_") as city_url,
        scratch_database(args.database_url, workdir, "baseline.db", "base_") as base_url,
    ):
        print(f"building the benchmark city ({DISTRICT}) in {workdir}")
        city = build_city(city_url, workdir, (DISTRICT,), users=[SUPERVISOR])
        state = city.platform.territory()
        n_total = args.warmup + args.cases
        lons, lats = random_points_in(state, DISTRICT, n_total, SEED, district_bbox(state, [DISTRICT]))

        import baseline_app

        baseline_app.create_schema(base_url)

        print(f"gridcity: {args.cases:,} reports, concurrency {args.concurrency}, {args.workers} worker(s)")
        with Server("gridcity.app:create_app", city.env(), workdir, args.workers, "gridcity") as server:
            with httpx.Client(base_url=server.url, timeout=30.0) as client:
                r = client.post(
                    "/api/v1/auth/token", data={"username": SUPERVISOR[0], "password": BENCH_PASSWORD}
                )
                r.raise_for_status()
                headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
                r = client.get("/api/v1/classes", params={"network": "city_management", "kind": "event"})
                r.raise_for_status()
                classes = r.json()["items"]
            if not classes:
                raise RuntimeError("no city_management event classes in the catalogue")
            warm, bodies = make_bodies(classes, lons, lats, f"{run}-ours", args.warmup, args.cases)
            ours_raw = run_load(
                workdir, "ours", server, headers, warm, bodies, args.concurrency, args.deadline, args.client,
                RESULTS_DIR / f"intake_pyspy_{city.backend}.txt" if args.py_spy else None,
            )  # fmt: skip
        ours = summarise("gridcity", ours_raw, args.cases, count_cases(city, f"bench-{run}-ours-m"))

        print("baseline: the same load on bench/baseline_app.py")
        env = {"BASELINE_DATABASE_URL": base_url}
        with Server(
            "baseline_app:create_app", env, workdir, args.workers, "baseline", pythonpath=[str(BENCH_DIR)]
        ) as server:
            warm, bodies = make_bodies(classes, lons, lats, f"{run}-base", args.warmup, args.cases)
            base_raw = run_load(
                workdir, "base", server, {}, warm, bodies, args.concurrency, args.deadline, args.client
            )
        base = summarise(
            "baseline", base_raw, args.cases, baseline_app.count_rows(base_url, f"bench-{run}-base-m")
        )
        backend = city.backend
        city.platform.engine.dispose()

    ratio = ours["per_s"] / base["per_s"]
    rows = []
    for s in (ours, base):
        rows.append(
            [
                s["name"],
                f"{s['per_s']:,.0f}",
                f"{s['p50_ms']:.1f} / {s['p99_ms']:.1f}",
                f"{s['created_201']:,} / {s['sent']:,}",
                s["errors"],
                f"{s['rows_stored']:,}",
                f"{s['server_cpu_s']:.1f}",
                f"{s['loadgen_cpu_share']:.0%}",
            ]
        )
    rows.append(
        [f"ratio gridcity/baseline (target ≥ {TARGET_RATIO:.2f})", f"{ratio:.2f}",
         "PASS" if ratio >= TARGET_RATIO else "FAIL", "", "", "", "", ""]
    )  # fmt: skip
    details = {
        "backend": backend,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "cases": args.cases,
        "warmup": args.warmup,
        "district": DISTRICT,
        "client": args.client,
        "classes_used": len(classes),
        "gridcity": ours,
        "baseline": base,
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "wall_s": time.perf_counter() - started,
    }
    print(f"\nbackend {backend}, {args.workers} worker(s), concurrency {args.concurrency}")
    for s in (ours, base):
        if s["errors"]:
            print(f"{s['name']}: statuses {s['statuses']}; samples: {s['error_samples']}")
    name = f"intake_{backend}" + (f"_w{args.workers}" if args.workers != 1 else "")
    if args.py_spy:
        name += "_profiled"
    report(
        name,
        ["server", "cases/s", "latency p50 / p99 ms", "201s / sent", "errors", "rows stored",
         "server CPU s", "loadgen CPU"],
        rows,
        details,
    )  # fmt: skip
    print(f"total {details['wall_s']:.0f} s")


if __name__ == "__main__":
    main()
