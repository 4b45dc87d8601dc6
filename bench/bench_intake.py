"""Intake of reports through the API, in cases/s: gridcity's `POST /api/v1/cases` against the
least FastAPI app that takes the same report (bench/baseline_app.py: an `async def` endpoint, the same
pydantic body, one `INSERT … RETURNING` through the raw driver), in alternating rounds.

    python bench/bench_intake.py [--rounds 3] [--duration 10] [--concurrency 16] [--workers 1]
                                 [--database-url URL]

Both servers run the same way (uvicorn, uvloop + httptools, the same workers, 127.0.0.1, a free
port), both up for the whole run, and get the same load from a separate load-generator process
(bench/loadgen.py, the same client and concurrency): per round, gridcity for `--duration` seconds,
then the baseline for as long (A/B/A/B…), each after its own warm-up. Reported: cases/s of each
round, and min / median / max of gridcity, of the baseline and of the ratio per round.
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
    ab_summary,
    build_city,
    district_bbox,
    fmt_spread,
    interleave,
    percentile,
    random_points_in,
    ratio_verdict,
    report,
    scratch_database,
    workspace,
)

DISTRICT = "110101"  # 东城区
SUPERVISOR = ("bench_supervisor", "supervisor", DISTRICT)
SEED = 20261128
TARGET_RATIO = 0.50
TEMPLATES = 2000  # distinct bodies (class, point, text); request i sends template i mod 2000


def make_templates(classes: list[dict[str, Any]], lons: Any, lats: Any, n: int) -> list[dict[str, Any]]:
    """Report bodies without their client_key (the load generator adds a unique one)."""
    rng = random.Random(SEED)
    return [
        {
            "class_code": c["code"],
            "kind": c["kind"],
            "standard": c["standard"],
            "lon": float(lons[i]),
            "lat": float(lats[i]),
            "description": f"bench report {i}: {c['name']}",
        }
        for i, c in enumerate(rng.choice(classes) for _ in range(n))
    ]


def run_load(
    workdir: Path, name: str, server: Server, headers: dict[str, str], templates: list[Any],
    key_prefix: str, warmup: int, duration_s: float, concurrency: int, deadline_s: float, client: str,
    py_spy: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    job = workdir / f"job-{name}.json"
    job.write_text(
        json.dumps(
            {
                "url": server.url,
                "path": "/api/v1/cases",
                "headers": headers,
                "templates": templates,
                "key_prefix": key_prefix,
                "warmup": warmup,
                "duration_s": duration_s,
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


def summarise(name: str, r: dict[str, Any], stored: int) -> dict[str, Any]:
    ok = r["statuses"].get("201", 0)
    lat = r["latencies_s"]
    return {
        "name": name,
        "sent": r["sent"],
        "created_201": ok,
        "errors": r["sent"] - ok + r["statuses"].get("not_sent_deadline", 0),
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


def durability(url: str) -> dict[str, Any]:
    """The settings that decide what a commit costs, as the baseline's connections see them."""
    from common import connect_driver, is_postgres

    conn = connect_driver(url)
    try:
        if is_postgres(url):
            names = ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
            return {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in names}
        return {
            "journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0],
            "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[
                conn.execute("PRAGMA synchronous").fetchone()[0]
            ],
        }
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="A/B rounds (3)")
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds per server per round (10)")
    ap.add_argument("--warmup", type=int, default=200, help="unmeasured reports before each load (200)")
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
        help="sample the gridcity server with py-spy (pip install py-spy) during its load (slows it: "
        "figures not comparable); stacks to bench/results/intake_pyspy_<backend>.txt",
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
        lons, lats = random_points_in(state, DISTRICT, TEMPLATES, SEED, district_bbox(state, [DISTRICT]))

        import baseline_app

        baseline_app.create_schema(base_url)
        settings = durability(base_url)
        print(f"gridcity and baseline: {args.rounds} rounds of {args.duration:.0f} s each, "
              f"concurrency {args.concurrency}, {args.workers} worker(s); {settings}")  # fmt: skip
        base_env = {"BASELINE_DATABASE_URL": base_url}
        with (
            Server("gridcity.app:create_app", city.env(), workdir, args.workers, "gridcity") as ours_server,
            Server("baseline_app:create_app", base_env, workdir, args.workers, "baseline",
                   pythonpath=[str(BENCH_DIR)]) as base_server,
        ):  # fmt: skip
            with httpx.Client(base_url=ours_server.url, timeout=30.0) as client:
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
            templates = make_templates(classes, lons, lats, TEMPLATES)

            def ours(r: int) -> dict[str, Any]:
                prefix = f"bench-{run}-r{r}-ours-"
                raw = run_load(
                    workdir, f"ours{r}", ours_server, headers, templates, prefix, args.warmup,
                    args.duration, args.concurrency, args.deadline, args.client,
                    RESULTS_DIR / f"intake_pyspy_{city.backend}.txt" if args.py_spy and r == 0 else None,
                )  # fmt: skip
                s = summarise("gridcity", raw, count_cases(city, prefix + "m"))
                print(f"    gridcity {s['per_s']:,.0f} cases/s, {s['errors']} errors")
                return s

            def base(r: int) -> dict[str, Any]:
                prefix = f"bench-{run}-r{r}-base-"
                raw = run_load(
                    workdir, f"base{r}", base_server, {}, templates, prefix, args.warmup,
                    args.duration, args.concurrency, args.deadline, args.client,
                )  # fmt: skip
                s = summarise("baseline", raw, baseline_app.count_rows(base_url, prefix + "m"))
                print(f"    baseline {s['per_s']:,.0f} cases/s, {s['errors']} errors")
                return s

            results = interleave(args.rounds, {"gridcity": ours, "baseline": base})
        backend = city.backend
        city.platform.engine.dispose()

    rounds = list(zip(results["gridcity"], results["baseline"], strict=True))
    summary = ab_summary([o["per_s"] for o, _ in rounds], [b["per_s"] for _, b in rounds])
    rows: list[list[Any]] = []
    for k, (o, b) in enumerate(rounds, start=1):
        for s in (o, b):
            rows.append(
                [
                    f"round {k}: {s['name']}",
                    f"{s['per_s']:,.0f}",
                    f"{s['p50_ms']:.1f} / {s['p99_ms']:.1f}",
                    f"{s['created_201']:,} / {s['sent']:,}",
                    s["errors"],
                    f"{s['rows_stored']:,}",
                    f"{s['server_cpu_s']:.1f}",
                    f"{s['loadgen_cpu_share']:.0%}",
                ]
            )
    ratio = summary["ratio"]
    rows += [
        ["gridcity, min / median / max", fmt_spread(summary["gridcity"]), "", "", "", "", "", ""],
        ["baseline, min / median / max", fmt_spread(summary["baseline"]), "", "", "", "", "", ""],
        [f"ratio gridcity/baseline per round, min / median / max (target ≥ {TARGET_RATIO:.2f})",
         fmt_spread(ratio, "{:.2f}"), ratio_verdict(ratio, TARGET_RATIO), "", "", "", "", ""],
    ]  # fmt: skip
    details = {
        "backend": backend,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "duration_s": args.duration,
        "warmup": args.warmup,
        "district": DISTRICT,
        "client": args.client,
        "classes_used": len(classes),
        "baseline_durability": settings,
        "per_round": [{"gridcity": o, "baseline": b} for o, b in rounds],
        "summary": summary,
        "ratio": ratio["median"],
        "target_ratio": TARGET_RATIO,
        "wall_s": time.perf_counter() - started,
    }
    print(f"\nbackend {backend}, {args.workers} worker(s), concurrency {args.concurrency}")
    for o, b in rounds:
        for s in (o, b):
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
