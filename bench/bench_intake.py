"""Intake of reports through the API: gridcity's `POST /api/v1/cases` against the least FastAPI app
that takes the same report (bench/baseline_app.py: an `async def` endpoint, the same pydantic body,
one `INSERT … RETURNING` through the raw driver — sqlite3 in WAL with gridcity's pragmas, or a pool of
psycopg AsyncConnections), in alternating rounds. Four modes:

    python bench/bench_intake.py [--rounds 3] [--duration 10] [--concurrency 16] [--workers 1]
        throughput, closed loop (16 in flight, as wrk): cases/s, ratio gridcity/baseline ≥ 0.40
    python bench/bench_intake.py --rate 200 [--duration 10]
        open loop at a fixed arrival rate, latency from each request's scheduled time: p99 < 50 ms
    python bench/bench_intake.py --burst 200 [--burst-bound 10]
        200 reports at once, each on its own connection: all 2xx, all answered within the bound
    python bench/bench_intake.py --compare-workers
        gridcity alone with 1 and with 2 uvicorn workers on the same database, closed loop:
        ratio two/one ≥ 1 (several workers at least as fast as one)

Every mode takes `--database-url postgresql://postgres@127.0.0.1:5432/postgres` (a PostgreSQL
server; scratch databases are made and dropped on it) instead of SQLite. The servers run the same
way (uvicorn, uvloop + httptools, the same workers, 127.0.0.1, a free port), all up for the whole
run, and get the same load from a separate load-generator process (bench/loadgen.py): per round
the contestants one after the other (A/B/A/B…), each after its own warm-up. Reported: each round's
figures, and min / median / max of each side and of the ratio per round.
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
from collections.abc import Callable
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
    random_points_in,
    ratio_verdict,
    report,
    scratch_database,
    spread,
    workspace,
)

DISTRICT = "110101"  # 东城区
SUPERVISOR = ("bench_supervisor", "supervisor", DISTRICT)
SEED = 20261128
TARGET_RATIO = 0.40  # issue [10]: intake at ≥ 0.40 of the lean raw app
P99_TARGET_MS = 50.0  # issue [10]: p99 < 50 ms at 200 reports/s
BURST_BOUND_S = 10.0  # a burst of 200 answered without a stall
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
    key_prefix: str, load: dict[str, Any], deadline_s: float, client: str = "raw",
    py_spy: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One run of bench/loadgen.py against `server`; `load` is the mode's part of the job (mode,
    warmup, duration_s, concurrency, rate, count, …). The result comes back through a file."""
    job = workdir / f"job-{name}.json"
    result_path = workdir / f"result-{name}.json"
    result_path.unlink(missing_ok=True)
    job.write_text(
        json.dumps(
            {
                "url": server.url,
                "path": "/api/v1/cases",
                "headers": headers,
                "templates": templates,
                "key_prefix": key_prefix,
                "deadline_s": deadline_s,
                "request_timeout_s": 30.0,
                "client": client,
                "result_path": str(result_path),
                **load,
            }
        ),
        encoding="utf-8",
    )
    spy = start_py_spy(server, py_spy) if py_spy else None
    cpu0 = server.cpu_seconds()
    try:
        proc = subprocess.run(
            [sys.executable, str(BENCH_DIR / "loadgen.py"), str(job)],
            stdout=subprocess.DEVNULL,  # the result is in result_path
            stderr=subprocess.PIPE,
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
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
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
    answered_2xx = sum(v for k, v in r["statuses"].items() if k.isdigit() and 200 <= int(k) < 300)
    lat = r["latency_ms"]
    out = {
        "name": name,
        "mode": r.get("mode", "closed"),
        "sent": r["sent"],
        "created_201": ok,
        "answered_2xx": answered_2xx,
        "errors": r["sent"] - ok + r["statuses"].get("not_sent_deadline", 0),
        "statuses": r["statuses"],
        "warmup_statuses": r["warmup_statuses"],
        "warmup_error_samples": r.get("warmup_error_samples", []),
        "error_samples": r["error_samples"],
        "rows_stored": stored,
        "wall_s": r["wall_s"],
        "per_s": ok / r["wall_s"] if r["wall_s"] else float("nan"),
        "p50_ms": lat["p50"],
        "p90_ms": lat["p90"],
        "p99_ms": lat["p99"],
        "max_ms": lat["max"],
        "connects": r.get("connects"),
        "warmup_connects": r.get("warmup_connects"),
        "loadgen_cpu_share": r["cpu_s"] / r["wall_s"] if r["wall_s"] else float("nan"),
        "server_cpu_s": r["server_cpu_s"],
    }
    for key in ("scheduled", "rate", "late_to_start", "start_lag_ms", "connections_used", "burst",
                "connect_s", "connect_failures", "last_answer_s"):  # fmt: skip
        if key in r:
            out[key] = r[key]
    return out


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


def _fetch_login(server: Server) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The supervisor's bearer header and the city_management event classes, from gridcity."""
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        r = client.post("/api/v1/auth/token", data={"username": SUPERVISOR[0], "password": BENCH_PASSWORD})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = client.get("/api/v1/classes", params={"network": "city_management", "kind": "event"})
        r.raise_for_status()
        classes: list[dict[str, Any]] = r.json()["items"]
    if not classes:
        raise RuntimeError("no city_management event classes in the catalogue")
    return headers, classes


def _round_row(label: str, s: dict[str, Any], extra: list[Any]) -> list[Any]:
    return [
        label,
        f"{s['per_s']:,.0f}",
        f"{s['p50_ms']:.1f} / {s['p99_ms']:.1f} / {s['max_ms']:.0f}",
        f"{s['created_201']:,} / {s['sent']:,}",
        s["errors"],
        f"{s['rows_stored']:,}",
        "–" if s["connects"] is None else f"{s['warmup_connects']} + {s['connects']}",
        f"{s['server_cpu_s']:.1f}",
        f"{s['loadgen_cpu_share']:.0%}",
        *extra,
    ]


ROUND_HEADERS = ["server", "cases/s", "latency p50 / p99 / max ms", "201s / sent", "errors", "rows stored",
                 "TCP connects (warm-up + measured)", "server CPU s", "loadgen CPU"]  # fmt: skip


def all_within(ok: list[bool]) -> str:
    """PASS when every round meets the target, FAIL when none does."""
    if all(ok):
        return "PASS"
    if not any(ok):
        return "FAIL"
    return "MIXED (rounds on both sides)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument(
        "--rate", type=float, default=None, help="open loop: reports/s for --duration s (p99 target < 50 ms)"
    )
    mode.add_argument(
        "--burst",
        type=int,
        nargs="?",
        const=200,
        default=None,
        help="N reports at once (200), own connections",
    )
    mode.add_argument(
        "--compare-workers", action="store_true", help="gridcity with 1 and --workers (≥ 2) uvicorn workers"
    )
    ap.add_argument("--rounds", type=int, default=3, help="A/B rounds (3)")
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds per server per round (10)")
    ap.add_argument("--warmup", type=int, default=200, help="unmeasured reports before each load (200)")
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight, closed loop (16)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers, for both servers (1)")
    ap.add_argument("--max-connections", type=int, default=256, help="open loop: connections at most (256)")
    ap.add_argument("--p99-target-ms", type=float, default=P99_TARGET_MS, help="open loop (50)")
    ap.add_argument("--burst-bound", type=float, default=BURST_BOUND_S, help="burst: seconds (10)")
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
    if args.client != "raw" and (args.rate is not None or args.burst is not None):
        ap.error("--rate and --burst need the raw client")

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
        backend = city.backend
        settings = {"gridcity": durability(city_url)}

        if args.compare_workers:
            many = max(2, args.workers)
            print(f"gridcity with 1 and {many} workers: {args.rounds} rounds of {args.duration:.0f} s, "
                  f"concurrency {args.concurrency}; {settings}")  # fmt: skip
            with (
                Server("gridcity.app:create_app", city.env(), workdir, 1, "gridcity-w1") as one_server,
                Server(
                    "gridcity.app:create_app", city.env(), workdir, many, f"gridcity-w{many}"
                ) as many_server,
            ):
                headers, classes = _fetch_login(one_server)
                templates = make_templates(classes, lons, lats, TEMPLATES)
                load = {"mode": "closed", "warmup": args.warmup, "duration_s": args.duration,
                        "concurrency": args.concurrency}  # fmt: skip

                def contestant(label: str, server: Server) -> Callable[[int], dict[str, Any]]:
                    def go(r: int) -> dict[str, Any]:
                        prefix = f"bench-{run}-r{r}-{label}-"
                        raw = run_load(workdir, f"{label}{r}", server, headers, templates, prefix, load,
                                       args.deadline, args.client)  # fmt: skip
                        s = summarise(f"gridcity, {label}", raw, count_cases(city, prefix + "m"))
                        print(f"    {label}: {s['per_s']:,.0f} cases/s, {s['errors']} errors")
                        return s

                    return go

                results = interleave(
                    args.rounds,
                    {"w1": contestant("w1", one_server), f"w{many}": contestant(f"w{many}", many_server)},
                )
            city.platform.engine.dispose()
            pairs = list(zip(results["w1"], results[f"w{many}"], strict=True))
            summary = ab_summary([m["per_s"] for _, m in pairs], [o["per_s"] for o, _ in pairs])
            rows: list[list[Any]] = []
            for k, (o, m) in enumerate(pairs, start=1):
                rows += [
                    _round_row(f"round {k}: {o['name']}", o, []),
                    _round_row(f"round {k}: {m['name']}", m, []),
                ]
            ratio = summary["ratio"]
            ok = [m["per_s"] >= o["per_s"] and not m["errors"] and not o["errors"] for o, m in pairs]
            blank = [""] * (len(ROUND_HEADERS) - 2)
            rows += [
                ["1 worker, min / median / max", fmt_spread(summary["baseline"]), *blank],
                [f"{many} workers, min / median / max", fmt_spread(summary["gridcity"]), *blank],
                [f"ratio {many} workers / 1 per round, min / median / max (target ≥ 1.00)",
                 fmt_spread(ratio, "{:.2f}"), all_within(ok), *blank[1:]],
            ]  # fmt: skip
            details = {
                "mode": "compare_workers", "backend": backend, "workers": [1, many],
                "concurrency": args.concurrency, "rounds": args.rounds, "duration_s": args.duration,
                "warmup": args.warmup, "durability": settings,
                "per_round": [{"w1": o, f"w{many}": m} for o, m in pairs],
                "summary": {"w1": summary["baseline"], f"w{many}": summary["gridcity"], "ratio": ratio},
                "ratio": ratio["median"], "target_ratio": 1.0, "verdict": all_within(ok),
                "wall_s": time.perf_counter() - started,
            }  # fmt: skip
            report(f"intake_workers_{backend}", ROUND_HEADERS, rows, details)
            print(f"total {details['wall_s']:.0f} s")
            return

        import baseline_app

        baseline_app.create_schema(base_url)
        settings["baseline"] = durability(base_url)
        if args.rate is not None:
            load = {"mode": "rate", "warmup": args.warmup, "rate": args.rate, "duration_s": args.duration,
                    "concurrency": args.concurrency, "connections": args.concurrency,
                    "max_connections": args.max_connections}  # fmt: skip
            what = f"open loop at {args.rate:g} reports/s for {args.duration:.0f} s"
        elif args.burst is not None:
            load = {
                "mode": "burst",
                "warmup": args.warmup,
                "count": args.burst,
                "concurrency": args.concurrency,
            }
            what = f"a burst of {args.burst} reports, each on its own connection"
        else:
            load = {"mode": "closed", "warmup": args.warmup, "duration_s": args.duration,
                    "concurrency": args.concurrency}  # fmt: skip
            what = f"closed loop, {args.concurrency} in flight, {args.duration:.0f} s"
        print(f"gridcity and baseline: {args.rounds} rounds, {what}, {args.workers} worker(s); {settings}")
        base_env = {"BASELINE_DATABASE_URL": base_url}
        with (
            Server("gridcity.app:create_app", city.env(), workdir, args.workers, "gridcity") as ours_server,
            Server("baseline_app:create_app", base_env, workdir, args.workers, "baseline",
                   pythonpath=[str(BENCH_DIR)]) as base_server,
        ):  # fmt: skip
            headers, classes = _fetch_login(ours_server)
            templates = make_templates(classes, lons, lats, TEMPLATES)

            def show(s: dict[str, Any]) -> None:
                extra = ""
                if "late_to_start" in s:
                    extra = f", {s['late_to_start']} late to start"
                if "last_answer_s" in s:
                    extra = f", last answer after {s['last_answer_s']:.2f} s"
                print(f"    {s['name']} {s['per_s']:,.0f} cases/s, p99 {s['p99_ms']:.1f} ms, "
                      f"max {s['max_ms']:.0f} ms, {s['errors']} errors{extra}")  # fmt: skip

            def ours(r: int) -> dict[str, Any]:
                prefix = f"bench-{run}-r{r}-ours-"
                raw = run_load(
                    workdir, f"ours{r}", ours_server, headers, templates, prefix, load, args.deadline,
                    args.client,
                    RESULTS_DIR / f"intake_pyspy_{backend}.txt" if args.py_spy and r == 0 else None,
                )  # fmt: skip
                s = summarise("gridcity", raw, count_cases(city, prefix + "m"))
                show(s)
                return s

            def base(r: int) -> dict[str, Any]:
                prefix = f"bench-{run}-r{r}-base-"
                raw = run_load(workdir, f"base{r}", base_server, {}, templates, prefix, load, args.deadline,
                               args.client)  # fmt: skip
                s = summarise("baseline", raw, baseline_app.count_rows(base_url, prefix + "m"))
                show(s)
                return s

            results = interleave(args.rounds, {"gridcity": ours, "baseline": base})
        city.platform.engine.dispose()

    rounds = list(zip(results["gridcity"], results["baseline"], strict=True))
    common_details = {
        "backend": backend, "workers": args.workers, "rounds": args.rounds, "warmup": args.warmup,
        "district": DISTRICT, "client": args.client, "classes_used": len(classes), "durability": settings,
        "baseline": "bench/baseline_app.py (async def, CaseCreate, one INSERT … RETURNING; sqlite3 in WAL / "
        "psycopg AsyncConnection pool)",
        "per_round": [{"gridcity": o, "baseline": b} for o, b in rounds],
    }  # fmt: skip
    for o, b in rounds:
        for s in (o, b):
            if s["errors"]:
                print(f"{s['name']}: statuses {s['statuses']}; samples: {s['error_samples']}")
    if args.rate is not None:
        name, headers_out, rows, details = rate_report(args, rounds)
    elif args.burst is not None:
        name, headers_out, rows, details = burst_report(args, rounds)
    else:
        name, headers_out, rows, details = throughput_report(args, rounds)
    name = f"{name}_{backend}" + (f"_w{args.workers}" if args.workers != 1 else "")
    if args.py_spy:
        name += "_profiled"
    details = {**details, **common_details, "wall_s": time.perf_counter() - started}
    print(f"\nbackend {backend}, {args.workers} worker(s)")
    report(name, headers_out, rows, details)
    print(f"total {details['wall_s']:.0f} s")


Report = tuple[str, list[str], list[list[Any]], dict[str, Any]]


def throughput_report(
    args: argparse.Namespace, rounds: list[tuple[dict[str, Any], dict[str, Any]]]
) -> Report:
    summary = ab_summary([o["per_s"] for o, _ in rounds], [b["per_s"] for _, b in rounds])
    rows = [
        _round_row(f"round {k}: {s['name']}", s, []) for k, pair in enumerate(rounds, start=1) for s in pair
    ]
    ratio = summary["ratio"]
    blank = [""] * (len(ROUND_HEADERS) - 2)
    rows += [
        ["gridcity, min / median / max", fmt_spread(summary["gridcity"]), *blank],
        ["baseline, min / median / max", fmt_spread(summary["baseline"]), *blank],
        [f"ratio gridcity/baseline per round, min / median / max (target ≥ {TARGET_RATIO:.2f})",
         fmt_spread(ratio, "{:.2f}"), ratio_verdict(ratio, TARGET_RATIO), *blank[1:]],
    ]  # fmt: skip
    details = {
        "mode": "throughput", "concurrency": args.concurrency, "duration_s": args.duration,
        "summary": summary, "ratio": ratio["median"], "target_ratio": TARGET_RATIO,
        "verdict": ratio_verdict(ratio, TARGET_RATIO),
    }  # fmt: skip
    return "intake", ROUND_HEADERS, rows, details


def rate_report(args: argparse.Namespace, rounds: list[tuple[dict[str, Any], dict[str, Any]]]) -> Report:
    target = args.p99_target_ms
    headers = [*ROUND_HEADERS, "late to start", "connections used"]
    rows = [
        _round_row(f"round {k}: {s['name']}", s, [s["late_to_start"], s["connections_used"]])
        for k, pair in enumerate(rounds, start=1)
        for s in pair
    ]
    ours = spread([o["p99_ms"] for o, _ in rounds])
    base = spread([b["p99_ms"] for _, b in rounds])
    ok = [o["p99_ms"] < target and not o["errors"] for o, _ in rounds]
    verdict = all_within(ok)
    blank = [""] * (len(headers) - 3)
    rows += [
        ["gridcity p99 ms, min / median / max", "", fmt_spread(ours, "{:.1f}"), *blank],
        ["baseline p99 ms, min / median / max", "", fmt_spread(base, "{:.1f}"), *blank],
        [f"gridcity p99 < {target:g} ms in every round, no errors", "", verdict, *blank],
    ]
    details = {
        "mode": "rate", "rate": args.rate, "duration_s": args.duration,
        "max_connections": args.max_connections,
        "p99_ms": {"gridcity": ours, "baseline": base}, "p99_target_ms": target, "verdict": verdict,
    }  # fmt: skip
    return f"intake_rate{args.rate:g}", headers, rows, details


def burst_report(args: argparse.Namespace, rounds: list[tuple[dict[str, Any], dict[str, Any]]]) -> Report:
    bound = args.burst_bound
    headers = [*ROUND_HEADERS, "2xx / burst", "last answer s", "connect s"]
    rows = [
        _round_row(
            f"round {k}: {s['name']}",
            s,
            [f"{s['answered_2xx']} / {s['burst']}", f"{s['last_answer_s']:.2f}", f"{s['connect_s']:.2f}"],
        )
        for k, pair in enumerate(rounds, start=1)
        for s in pair
    ]
    ours = spread([o["last_answer_s"] for o, _ in rounds])
    base = spread([b["last_answer_s"] for _, b in rounds])
    ok = [o["answered_2xx"] == o["burst"] and o["last_answer_s"] <= bound for o, _ in rounds]
    verdict = all_within(ok)
    blank = [""] * (len(headers) - 3)
    rows += [
        ["gridcity last answer s, min / median / max", "", fmt_spread(ours, "{:.2f}"), *blank],
        ["baseline last answer s, min / median / max", "", fmt_spread(base, "{:.2f}"), *blank],
        [f"gridcity: every answer 2xx, the last within {bound:g} s, in every round", "", verdict, *blank],
    ]
    details = {
        "mode": "burst", "burst": args.burst, "bound_s": bound,
        "last_answer_s": {"gridcity": ours, "baseline": base}, "verdict": verdict,
    }  # fmt: skip
    return f"intake_burst{args.burst}", headers, rows, details


if __name__ == "__main__":
    main()
