"""The case reads of [10]: a page of `GET /api/v1/cases` and the console map's
`GET /api/v1/cases.geojson`, against the least program that reads and renders the same rows, in
alternating rounds.

    python bench/bench_reads.py [--cases 20000] [--rounds 5] [--requests 30] [--database-url URL]
    python bench/bench_reads.py --profile [--cases 3000]   # where gridcity's time goes, in-process

The city is 东城区 built through the services (bench/common.py), with a city admin (`bench_admin`,
who sees every case). N cases (`--cases`, 20,000) are written with bulk INSERTs, the clock columns
as `services.case_clock` stores them: 55 % in the disposal stage (dispatched or disposing, stage
started a random while ago, exponential ages with a mean of 3 days, so many are overdue), 15 % filed
and waiting for dispatch, 5 % suspended (the clock paused), 25 % closed (no clock); one in five
without an address, one in three with a component code; all at points of one window.

**gridcity**: `uvicorn gridcity.app:create_app` (uvloop, httptools, one worker), the admin's bearer
token; **baseline** (`bench/baseline_reads_app.py`): an `async def` endpoint per route that runs the
same SELECT (the same columns, order and window, and the count for the list) through the database's
own driver and renders every row's fields with orjson, as the driver returns them — no auth, no ORM,
no case number, no clock, no thread pool. Both servers are up for the whole run; one
`httpx.Client` on a keep-alive connection sends the requests one after the other.

Per round and server: `--requests` requests of a page of 1 and of a page of 100 (alternating), and
`--map-requests` of the whole window (all N features, `limit` = N). The figures of a round:

* **per row**: (p50 of the page of 100 − p50 of the page of 1) / 99, µs — what a row costs beyond
  the request's floor (target ≤ 30 µs, gridcity's rounds);
* **map**: p50 ms of the window with all N features (target < 300 ms at 20,000, gridcity's rounds);
* **map clustered**: p50 ms of the same window with `limit=1000&cluster=true`, every case counted in
  the 16 × 16 cells (the baseline: a count, then one GROUP BY of the cells in the database, overdue
  counted there — gridcity works out each case's light);

and gridcity's against the baseline's in the same round (ratio baseline/gridcity: 1 = the floor).
The ids of the page and of the map are checked equal between the two once.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common import (
    BENCH_PASSWORD,
    Server,
    ab_summary,
    build_city,
    fmt_spread,
    interleave,
    median,
    report,
    scratch_database,
    sized_name,
    workspace,
)

DISTRICT = "110101"
SEED = 20261210
CST = ZoneInfo("Asia/Shanghai")
# the cases are made around the moment of the run: the server reads them with its own clock
NOW = datetime.now(CST).replace(microsecond=0)
USERS = (("bench_admin", "admin", "110000"), ("bench_supervisor", "supervisor", DISTRICT))
BBOX = (116.37, 39.88, 116.43, 39.94)  # every case's point lies inside
ISSUE_CASES = 20_000
# the clock columns `services.case_clock.store_clock` sets (besides stage_paused_s)
CLOCK_KEYS = (
    "stage_started_at", "stage_unit", "stage_budget_s", "stage_paused_since", "stage_deadline", "sweep_at",
)  # fmt: skip
ROW_TARGET_US = 30.0
MAP_TARGET_MS = 300.0


def make_cases(city: Any, n: int, log: Any = print) -> dict[str, int]:
    """Bulk INSERT `n` cases in several states (module docstring); returns counts per state."""
    from sqlalchemy import func, insert, select

    from gridcity.db.models import Case, OrgUnit, User
    from gridcity.domain.clock import StageClock
    from gridcity.services import case_clock

    platform = city.platform
    rng = random.Random(SEED)
    with platform.sessions() as db:
        calendar = platform.calendar(db)
        book = platform.catalogue(db)
        classes = [c for c in book.search(network="city_management") if c.kind == "event"]
        reporter = db.scalar(select(User).where(User.username == "bench_supervisor"))
        departments = list(
            db.scalars(
                select(OrgUnit.id).where(OrgUnit.kind == "department", OrgUnit.code.startswith(DISTRICT))
            )
        )
        streets = list(
            db.scalars(
                select(OrgUnit.code).where(OrgUnit.kind == "street", OrgUnit.code.startswith(DISTRICT))
            )
        )
        first_id = (db.scalar(select(func.max(Case.id))) or 0) + 1
        rows: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        for i in range(n):
            cls = rng.choice(classes)
            urgency = "urgent" if rng.random() < 0.1 and len(cls.urgency_levels) > 1 else cls.default_urgency
            started = NOW - timedelta(seconds=min(rng.expovariate(1 / (3 * 86400)), 30 * 86400))
            reported = started - timedelta(minutes=rng.uniform(5, 90))
            draw = rng.random()
            state, stage = (
                (rng.choice(("dispatched", "disposing")), "dispose")
                if draw < 0.55
                else ("filed", "dispatch")
                if draw < 0.70
                else ("suspended", "dispose")
                if draw < 0.75
                else ("closed", None)
            )
            counts[state] = counts.get(state, 0) + 1
            row: dict[str, Any] = {
                "id": first_id + i,
                "version": 3,
                "state": state,
                "channel": "supervisor",
                "standard": cls.standard,
                "class_code": cls.code,
                "class_name": cls.name,
                "kind": cls.kind,
                "network": cls.network,
                "urgency": urgency,
                "description": f"bench case {i}: {cls.name}",
                "address": None if rng.random() < 0.2 else f"东城区某街道{rng.randint(1, 300)}号",
                "lon": rng.uniform(BBOX[0] + 0.001, BBOX[2] - 0.001),
                "lat": rng.uniform(BBOX[1] + 0.001, BBOX[3] - 0.001),
                "district_code": DISTRICT,
                "street_code": rng.choice(streets),
                "community_code": None,
                "grid_code": f"{DISTRICT}{rng.randint(0, 9999):06d}",
                "component_code": f"{DISTRICT}0101{rng.randint(0, 9999999):07d}"
                if rng.random() < 0.33
                else None,
                "reporter_id": reporter.id,
                "department_id": rng.choice(departments) if stage == "dispose" or state == "closed" else None,
                "reported_at": reported,
                "filed_at": reported,
                "dispatched_at": started if stage == "dispose" else None,
                "updated_at": started,
                "closed_at": started + timedelta(hours=rng.uniform(1, 48)) if state == "closed" else None,
                "closing_type": "normal" if state == "closed" else None,
                "rework_count": 0,
                "reopen_count": 0,
                "extension_count": 0,
                "escalation_level": 0,
                "stage_warned": 0,
                "stage": stage,
                "stage_paused_s": 0.0,
                **dict.fromkeys(CLOCK_KEYS),  # set below for a case with a clock
            }
            if stage is not None:
                limit = book.limit(cls, stage, urgency)
                clock = StageClock.start(calendar, started, limit)
                if state == "suspended":
                    clock = clock.pause(min(started + timedelta(hours=2), NOW))
                record = type("Record", (), dict(row))()
                case_clock.store_clock(record, clock, calendar)
                row.update({k: getattr(record, k) for k in (*CLOCK_KEYS, "stage_paused_s")})
            rows.append(row)
        for start in range(0, n, 5000):
            db.execute(insert(Case.__table__), rows[start : start + 5000])
        db.commit()
    log(f"  {n:,} cases: {', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}")
    return counts


# --- measuring --------------------------------------------------------------------------------


def _timed(client: Any, path: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    r = client.get(path, params=params, headers=headers)
    elapsed = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"{path} {params}: {r.status_code} {r.text[:300]}")
    return elapsed, r


def measure(client: Any, headers: dict[str, str], requests: int, map_requests: int, n: int) -> dict[str, Any]:
    """One round against one server: the pages of 1 and 100 alternating, then the whole window."""
    one: list[float] = []
    hundred: list[float] = []
    for _ in range(requests):
        one.append(_timed(client, "/api/v1/cases", {"page_size": 1}, headers)[0])
        hundred.append(_timed(client, "/api/v1/cases", {"page_size": 100}, headers)[0])
    maps = []
    size = 0
    for _ in range(map_requests):
        t, r = _timed(
            client, "/api/v1/cases.geojson", {"bbox": ",".join(map(str, BBOX)), "limit": n}, headers
        )
        maps.append(t)
        size = len(r.content)
    # the same window with room for a thousand: every case counted in clusters instead
    clusters = []
    for _ in range(map_requests):
        window = {"bbox": ",".join(map(str, BBOX)), "limit": 1000, "cluster": "true"}
        t, r = _timed(client, "/api/v1/cases.geojson", window, headers)
        assert r.json()["clustered"] and sum(f["properties"]["count"] for f in r.json()["features"]) == n
        clusters.append(t)
    p1, p100 = median(one), median(hundred)
    return {
        "clusters_ms": median(clusters) * 1e3,
        "page_1_ms": p1 * 1e3,
        "page_100_ms": p100 * 1e3,
        "per_row_us": (p100 - p1) / 99 * 1e6,
        "map_ms": median(maps) * 1e3,
        "map_ms_all": [t * 1e3 for t in maps],
        "map_bytes": size,
    }


def check_same(ours: Any, base: Any, headers: dict[str, str], n: int) -> None:
    """The same page and the same map window, by ids, from both servers."""
    for path, params, key in (
        ("/api/v1/cases", {"page_size": 100, "page": 3}, "items"),
        ("/api/v1/cases.geojson", {"bbox": ",".join(map(str, BBOX)), "limit": n}, "features"),
    ):
        a = ours.get(path, params=params, headers=headers).json()
        b = base.get(path, params=params).json()

        def ids(body: dict[str, Any], key: str = key) -> list[int]:
            return [x["properties"]["id"] if "properties" in x else x["id"] for x in body[key]]

        if ids(a) != ids(b) or not ids(a):
            raise AssertionError(f"{path}: gridcity and the baseline read different cases")
    total = ours.get("/api/v1/cases", params={"page_size": 1}, headers=headers).json()["total"]
    if total != n:
        raise AssertionError(f"gridcity lists {total} cases, not {n}")


def profile(city: Any, n: int, repeat: int) -> None:
    """Where gridcity's time goes: the two route functions called in-process (no HTTP: what is left
    of a request beyond routing, auth and the socket) under cProfile."""
    import cProfile
    import pstats

    from sqlalchemy import select

    from gridcity.api import cases as routes
    from gridcity.db.models import User
    from gridcity.db.queries import CaseFilter
    from gridcity.services.access import visibility_clause
    from gridcity.services.users import principal_of

    platform = city.platform
    with platform.sessions() as db:
        user = principal_of(db.scalar(select(User).where(User.username == "bench_admin")))
        window = ",".join(map(str, BBOX))

        def page() -> Any:
            flt = CaseFilter(sort="-reported_at", extra=[visibility_clause(user)])
            return routes.list_cases(platform, db, flt, page=1, page_size=100)

        def features() -> Any:
            return routes.cases_geojson(platform, db, user, bbox=window, state=None, limit=n)

        for label, call in (("page of 100", page), (f"map window, {n:,} features", features)):
            call()  # warm
            prof = cProfile.Profile()
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                call()
                times.append(time.perf_counter() - t0)
            plain = min(times)
            prof.enable()
            for _ in range(repeat):
                call()
            prof.disable()
            per_row = plain / (100 if label.startswith("page") else n) * 1e6
            print(f"\n### {label}: {plain * 1e3:.2f} ms a call, fastest of {repeat} ({per_row:.1f} µs a row)")
            pstats.Stats(prof).sort_stats("tottime").print_stats(22)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=ISSUE_CASES)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=30, help="requests of each page size per round")
    p.add_argument("--map-requests", type=int, default=5, help="requests of the whole window per round")
    p.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite)")
    p.add_argument("--profile", action="store_true", help="profile gridcity in-process instead")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()

    import httpx

    with (
        workspace("reads", args.keep) as workdir,
        scratch_database(args.database_url, workdir, "reads.db", "reads_", args.keep) as url,
    ):
        print(f"building the city on {url.split('@')[-1]}")
        city = build_city(url, workdir, (DISTRICT,), users=USERS, layers=("city_management",))
        counts = make_cases(city, args.cases)
        if args.profile:
            profile(city, args.cases, repeat=5)
            return
        city.platform.engine.dispose()
        env = city.env()
        with (
            Server("gridcity.app:create_app", env, workdir, name="gridcity") as ours,
            Server(
                "baseline_reads_app:create_app",
                {"BASELINE_DATABASE_URL": url},
                workdir,
                name="baseline",
                pythonpath=[str(__import__("common").BENCH_DIR)],
            ) as base,
            httpx.Client(base_url=ours.url, timeout=60.0) as ours_client,
            httpx.Client(base_url=base.url, timeout=60.0) as base_client,
        ):
            r = ours_client.post(
                "/api/v1/auth/token", data={"username": "bench_admin", "password": BENCH_PASSWORD}
            )
            r.raise_for_status()
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            check_same(ours_client, base_client, headers, args.cases)
            for client, h in ((ours_client, headers), (base_client, {})):  # warm both
                measure(client, h, 3, 1, args.cases)
            results = interleave(
                args.rounds,
                {
                    "gridcity": lambda _r: measure(
                        ours_client, headers, args.requests, args.map_requests, args.cases
                    ),
                    "baseline": lambda _r: measure(
                        base_client, {}, args.requests, args.map_requests, args.cases
                    ),
                },
            )
    ours_r, base_r = results["gridcity"], results["baseline"]
    per_row = ab_summary([r["per_row_us"] for r in ours_r], [r["per_row_us"] for r in base_r], False)
    maps = ab_summary([r["map_ms"] for r in ours_r], [r["map_ms"] for r in base_r], False)
    floor = ab_summary([r["page_1_ms"] for r in ours_r], [r["page_1_ms"] for r in base_r], False)
    clusters = ab_summary([r["clusters_ms"] for r in ours_r], [r["clusters_ms"] for r in base_r], False)

    def verdict(values: dict[str, Any], target: float, strict: bool) -> str:
        worst, best = values["max"], values["min"]
        meets = (lambda v: v < target) if strict else (lambda v: v <= target)
        return "PASS" if meets(worst) else "FAIL" if not meets(best) else "MIXED (rounds on both sides)"

    backend = city.backend
    n = args.cases
    rows = [
        [
            "list: µs per row beyond the floor",
            backend,
            fmt_spread(per_row["gridcity"], "{:.1f}"),
            fmt_spread(per_row["baseline"], "{:.1f}"),
            fmt_spread(per_row["ratio"], "{:.2f}"),
            f"≤ {ROW_TARGET_US:.0f} µs: {verdict(per_row['gridcity'], ROW_TARGET_US, False)}",
        ],
        [
            f"map: cases.geojson, {n:,} features, p50 ms",
            backend,
            fmt_spread(maps["gridcity"], "{:.0f}"),
            fmt_spread(maps["baseline"], "{:.0f}"),
            fmt_spread(maps["ratio"], "{:.2f}"),
            f"< {MAP_TARGET_MS:.0f} ms at 20,000: {verdict(maps['gridcity'], MAP_TARGET_MS, True)}"
            if n == ISSUE_CASES
            else "(target at 20,000)",
        ],
        [
            f"map clustered: the same window with `limit=1000&cluster=true`, all {n:,} counted, p50 ms",
            backend,
            fmt_spread(clusters["gridcity"], "{:.0f}"),
            fmt_spread(clusters["baseline"], "{:.0f}"),
            fmt_spread(clusters["ratio"], "{:.2f}"),
            "(info)",
        ],
        [
            "list: page of 1 (the floor), p50 ms",
            backend,
            fmt_spread(floor["gridcity"], "{:.2f}"),
            fmt_spread(floor["baseline"], "{:.2f}"),
            fmt_spread(floor["ratio"], "{:.2f}"),
            "(info)",
        ],
    ]
    report(
        sized_name("reads", backend, n, ISSUE_CASES),
        [
            "measure",
            "backend",
            "gridcity min / median / max",
            "baseline min / median / max",
            "ratio baseline/gridcity per round",
            "target",
        ],
        rows,
        {
            "cases": n,
            "states": counts,
            "rounds": args.rounds,
            "requests": args.requests,
            "map_requests": args.map_requests,
            "per_row_us": per_row,
            "map_ms": maps,
            "page_1_ms": floor,
            "clusters_ms": clusters,
            "map_bytes": ours_r[-1]["map_bytes"],
            "baseline_map_bytes": base_r[-1]["map_bytes"],
            "round_figures": results,
        },
    )


if __name__ == "__main__":
    main()
