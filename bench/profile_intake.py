"""Where an intake request spends its time, in-process (no HTTP): the body of
`POST /api/v1/cases` — session, bearer-token check, `services.cases.report_case`, the response
view `api.views.case_detail` — called N times under cProfile, with every SQL statement counted and
timed, and the same split by step of report_case.

    python bench/profile_intake.py [--reports 1000] [--database-url URL] [--top 30]

Writes bench/results/profile_intake_<backend>.json and .pstats.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import random
import re
import time
from collections import defaultdict
from typing import Any

from common import (
    BENCH_PASSWORD,
    RESULTS_DIR,
    build_city,
    district_bbox,
    markdown_table,
    random_points_in,
    report,
    scratch_database,
    workspace,
)

DISTRICT = "110101"
SEED = 20261128

# Steps of report_case (and around it) timed by wrapping module attributes in this process only.
STEPS = {
    "gridcity.services.users": ["user_for_token"],
    "gridcity.services.cases": [
        "report_case",
        "_case_by_client_key",
        "_routing",
        "_record",
        "_insert",
        "link_attachments",
        "place_in_scope",
    ],
    "gridcity.services.case_clock": ["restart_clock"],
    "gridcity.services.notifications": ["rows_for_change"],
    "gridcity.services.outbox": ["message_for"],
    "gridcity.api.views": ["case_detail"],
    "gridcity.services.territory_state": ["TerritoryState.locate"],
    "gridcity.services.platform": ["Platform._get"],
    "sqlalchemy.orm": ["Session.flush", "Session.commit"],
}


class StepTimer:
    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, name: str, fn: Any) -> Any:
        @functools.wraps(fn)
        def timed(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.total[name] += time.perf_counter() - t0
                self.calls[name] += 1

        return timed


class SqlTimer:
    """Counts and times every statement (cursor execute) by its normalised text."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.on = False

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if self.on:
                key = re.sub(r"\s+", " ", statement)[:160]
                self.total[key] += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
                self.calls[key] += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()

    from gridcity.api import views
    from gridcity.services import cases, signin, users

    with (
        workspace("profile-intake") as workdir,
        scratch_database(args.database_url, workdir, "city.db", "prof_") as url,
    ):
        city = build_city(url, workdir, (DISTRICT,), users=[("bench_supervisor", "supervisor", DISTRICT)])
        platform = city.platform
        state = platform.territory()
        n = args.reports
        lons, lats = random_points_in(state, DISTRICT, n + 50, SEED, district_bbox(state, [DISTRICT]))
        book = platform.catalogue()
        pool = book.search(network="city_management", kind="event")
        rng = random.Random(SEED)
        with platform.sessions() as db:
            user = signin.authenticate(platform, db, "bench_supervisor", BENCH_PASSWORD, "127.0.0.1")
            token = users.issue_token(platform, db, user)

        def one(i: int) -> None:
            """What the route and its dependencies do for one request."""
            db = platform.sessions()
            try:
                u = users.user_for_token(platform, db, token)
                c = rng.choice(pool)
                report = cases.Report(
                    class_code=c.code, standard=c.standard, kind=str(c.kind), lon=float(lons[i]),
                    lat=float(lats[i]), description=f"profile {i}", client_key=f"prof-{i}",
                )  # fmt: skip
                case, created = cases.report_case(platform, db, u, report)
                assert created
                views.case_detail(platform, db, u, case)
            finally:
                db.rollback()
                db.close()

        for i in range(50):  # warm-up: caches, statement compilation
            one(n + i)

        # 1. plain timing, no instrumentation
        t0 = time.perf_counter()
        for i in range(n // 2):
            one(i)
        plain_ms = (time.perf_counter() - t0) / (n // 2) * 1000

        # 2. steps and SQL
        import importlib

        timer = StepTimer()
        originals = []
        for module_name, names in STEPS.items():
            module = importlib.import_module(module_name)
            for name in names:
                owner: Any = module
                *path, attr = name.split(".")
                for part in path:
                    owner = getattr(owner, part, None)
                fn = (
                    owner.__dict__.get(attr)
                    if isinstance(owner, type)
                    else getattr(owner, attr, None)
                    if owner is not None
                    else None
                )
                if fn is None:  # renamed since this list was written: say so, profile the rest
                    print(f"  (step {module_name}.{name} not found, not timed)")
                    continue
                originals.append((owner, attr, fn))
                setattr(owner, attr, timer.wrap(name, fn))
        # services.cases imported these names from elsewhere; the API imports users by module
        sql = SqlTimer(platform.engine)
        sql.on = True
        t0 = time.perf_counter()
        half = n // 2
        for i in range(half, half + n // 4):
            one(i)
        instr_s = time.perf_counter() - t0
        sql.on = False
        for owner, attr, fn in originals:
            setattr(owner, attr, fn)
        k = n // 4

        # 3. cProfile
        prof = cProfile.Profile()
        prof.enable()
        for i in range(half + k, n):
            one(i)
        prof.disable()
        backend = city.backend
        platform.engine.dispose()

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    pstats_path = RESULTS_DIR / f"profile_intake_{backend}.pstats"
    prof.dump_stats(str(pstats_path))

    print(f"\n{backend}: one intake request body in-process, uninstrumented: {plain_ms:.2f} ms")
    step_rows = sorted(
        ([name, timer.calls[name] / k, timer.total[name] / k * 1000] for name in timer.total),
        key=lambda r: -r[2],
    )
    print("\n### steps (per request, instrumented run)\n")
    print(markdown_table(["step", "calls/request", "ms/request"], step_rows))
    sql_rows = sorted(
        ([s, sql.calls[s] / k, sql.total[s] / k * 1000] for s in sql.total), key=lambda r: -r[2]
    )
    print(f"\n### SQL statements (per request; {sum(sql.calls.values()) / k:.1f} statements, "
          f"{sum(sql.total.values()) / k * 1000:.2f} ms in the driver)\n")  # fmt: skip
    print(markdown_table(["statement", "calls/request", "ms/request"], sql_rows))
    print(f"\n### cProfile, top {args.top} by cumulative time (gridcity and sqlalchemy frames)\n")
    stats = pstats.Stats(prof)
    per = n - half - k
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "gridcity" in file or "sqlalchemy" in file:
            short = file.split("site-packages/")[-1].split("src/")[-1]
            rows.append([f"{func} ({short}:{line})", nc / per, ct / per * 1000, tt / per * 1000])
    rows.sort(key=lambda r: -r[2])
    print(
        markdown_table(["function", "calls/request", "cum ms/request", "self ms/request"], rows[: args.top])
    )
    report(
        f"profile_intake_{backend}",
        ["step", "calls/request", "ms/request"],
        step_rows,
        {
            "backend": backend,
            "plain_ms_per_request": plain_ms,
            "instrumented_ms_per_request": instr_s / k * 1000,
            "sql": [{"statement": s, "calls_per_request": c, "ms_per_request": t} for s, c, t in sql_rows],
            "cprofile_top": rows[: args.top],
            "pstats": str(pstats_path),
        },
    )


if __name__ == "__main__":
    main()
