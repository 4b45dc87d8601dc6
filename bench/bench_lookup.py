"""Point → grid lookup: bulk (points/s) and single (µs), against a bare shapely STRtree, plus the
HTTP `GET /api/v1/locate` latency over a real uvicorn server.

    python bench/bench_lookup.py [--points 200000] [--repeat 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import shapely
from common import (
    HOST,
    Server,
    build_city,
    district_bbox,
    median,
    percentile,
    random_points_in,
    report,
    scratch_database,
    workspace,
)

DISTRICTS = ("110101", "110102")  # 东城区 + 西城区: ~10,000 unit grids
SEED = 20261128
TARGET_BULK_RATIO = 0.80


def timed(fn: Any, repeat: int) -> tuple[float, list[float], Any]:
    """Median seconds of `repeat` runs (after one warm-up run), all runs, and the last result."""
    out = fn()  # warm-up: GEOS builds the prepared polygons' point locators on first use
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return median(runs), runs, out


def bulk(state: Any, lons: np.ndarray, lats: np.ndarray, repeat: int) -> dict[str, Any]:
    n = len(lons)
    layer = state.index["city_management"]
    # The baseline gets its own, unprepared copies of the same polygons (LayerIndex prepares the
    # objects it holds in place), in a bare STRtree built the obvious way.
    bare_polys = shapely.from_wkb(shapely.to_wkb(layer.geometries))
    t0 = time.perf_counter()
    tree = shapely.STRtree(bare_polys)
    tree_build = time.perf_counter() - t0

    ours_s, ours_runs, keys = timed(lambda: layer.locate(lons, lats), repeat)
    base_s, base_runs, (pidx, gidx) = timed(
        lambda: tree.query(shapely.points(lons, lats), predicate="within"), repeat
    )
    full_s, full_runs, resolved = timed(lambda: state.resolve(lons, lats), repeat)

    # Same answers? A point the baseline puts in exactly one polygon must get that polygon's key.
    counts = np.bincount(pidx, minlength=n)
    single = counts[pidx] == 1
    expected = np.full(n, None, dtype=object)
    expected[pidx[single]] = layer.keys[gidx[single]]
    one = counts == 1
    agree = int(np.sum(keys[one] == expected[one]))
    misses_ours = int(np.sum(keys == None))  # noqa: E711
    return {
        "points": n,
        "ours_locate_s": ours_s,
        "ours_locate_runs": ours_runs,
        "baseline_s": base_s,
        "baseline_runs": base_runs,
        "ours_resolve6_s": full_s,
        "ours_resolve6_runs": full_runs,
        "baseline_tree_build_s": tree_build,
        "points_in_a_grid": int(n - misses_ours),
        "points_on_shared_edges": int(np.sum(counts > 1)),
        "agree_with_baseline": agree,
        "compared": int(one.sum()),
        "resolve6_matches_locate": bool(np.all(resolved["city_management"] == keys)),
        "grids": len(layer),
    }


def single(state: Any, lons: np.ndarray, lats: np.ndarray) -> dict[str, Any]:
    layer = state.index["city_management"]
    tree = shapely.STRtree(shapely.from_wkb(shapely.to_wkb(layer.geometries)))
    pts = [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
    clock = time.perf_counter_ns

    def measure(fn: Any) -> list[float]:
        for x, y in pts[:500]:  # warm-up
            fn(x, y)
        out = []
        for x, y in pts:
            t0 = clock()
            fn(x, y)
            out.append((clock() - t0) / 1000.0)
        return out

    ours = measure(state.locate)
    ours_one = measure(layer.locate_one)
    base = measure(lambda x, y: tree.query(shapely.Point(x, y), predicate="within"))
    return {"calls": len(pts), "ours_locate_us": ours, "ours_locate_one_us": ours_one, "baseline_us": base}


def http(city: Any, workdir: Any, lons: np.ndarray, lats: np.ndarray, requests: int) -> dict[str, Any]:
    import httpx

    with Server("gridcity.app:create_app", city.env(), workdir, name="gridcity-locate") as server:
        lat_us: list[float] = []
        errors = 0
        with httpx.Client(base_url=server.url, timeout=30.0) as client:  # keep-alive
            for i in range(200):  # warm-up: the first request loads the territory
                client.get("/api/v1/locate", params={"lon": lons[i], "lat": lats[i]})
            for i in range(requests):
                params = {"lon": float(lons[i % len(lons)]), "lat": float(lats[i % len(lats)])}
                t0 = time.perf_counter_ns()
                r = client.get("/api/v1/locate", params=params)
                lat_us.append((time.perf_counter_ns() - t0) / 1000.0)
                if r.status_code != 200:
                    errors += 1
        assert server.url.startswith(f"http://{HOST}:")
    return {"requests": requests, "latency_us": lat_us, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=200_000, help="bulk lookup points (200,000)")
    ap.add_argument("--repeat", type=int, default=5, help="bulk repetitions; the median is reported")
    ap.add_argument("--calls", type=int, default=10_000, help="single-lookup calls (10,000)")
    ap.add_argument("--requests", type=int, default=2_000, help="sequential HTTP requests (2,000)")
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite file)")
    args = ap.parse_args()

    started = time.perf_counter()
    with (
        workspace("bench-lookup", args.keep) as workdir,
        scratch_database(args.database_url, workdir, "city.db") as url,
    ):
        print(f"building the benchmark city ({'+'.join(DISTRICTS)}) in {workdir}")
        city = build_city(url, workdir, DISTRICTS)
        state = city.platform.territory()
        bbox = district_bbox(state, DISTRICTS)
        rng = np.random.default_rng(SEED)
        lons = rng.uniform(bbox[0], bbox[2], args.points)
        lats = rng.uniform(bbox[1], bbox[3], args.points)
        print(f"bulk lookup: {args.points:,} points in bbox {bbox}, {args.repeat} runs each")
        b = bulk(state, lons, lats, args.repeat)
        # single lookups and HTTP: points inside the territory (state.locate raises outside)
        in_lons, in_lats = random_points_in(state, "1101", args.calls, SEED + 1, bbox)
        print(f"single lookup: {args.calls:,} calls")
        s = single(state, in_lons, in_lats)
        print(f"HTTP GET /api/v1/locate: {args.requests:,} sequential requests (keep-alive)")
        h = http(city, workdir, in_lons, in_lats, args.requests)
        backend = city.backend
        city.platform.engine.dispose()

    n = b["points"]
    ours_pps, base_pps, full_pps = n / b["ours_locate_s"], n / b["baseline_s"], n / b["ours_resolve6_s"]
    ratio = ours_pps / base_pps
    rows = [
        ["bulk: city_management `LayerIndex.locate`", f"{ours_pps:,.0f} points/s", "bare STRtree within",
         f"{base_pps:,.0f} points/s", f"{ratio:.2f}", f"≥ {TARGET_BULK_RATIO:.2f}",
         "PASS" if ratio >= TARGET_BULK_RATIO else "FAIL"],
        ["bulk: full 6-layer `resolve`", f"{full_pps:,.0f} points/s", "bare STRtree within (1 layer)",
         f"{base_pps:,.0f} points/s", f"{full_pps / base_pps:.2f}", "–", "info"],
        ["single: `state.locate` (6 layers) p50 / p99",
         f"{percentile(s['ours_locate_us'], 50):.1f} / {percentile(s['ours_locate_us'], 99):.1f} µs",
         "bare `tree.query(Point, within)`",
         f"{percentile(s['baseline_us'], 50):.1f} / {percentile(s['baseline_us'], 99):.1f} µs",
         f"{percentile(s['baseline_us'], 50) / percentile(s['ours_locate_us'], 50):.2f}", "–", "info"],
        ["single: `LayerIndex.locate_one` (1 layer) p50 / p99",
         f"{percentile(s['ours_locate_one_us'], 50):.1f} / {percentile(s['ours_locate_one_us'], 99):.1f} µs",
         "bare `tree.query(Point, within)`",
         f"{percentile(s['baseline_us'], 50):.1f} / {percentile(s['baseline_us'], 99):.1f} µs",
         f"{percentile(s['baseline_us'], 50) / percentile(s['ours_locate_one_us'], 50):.2f}", "–", "info"],
        [f"HTTP GET /api/v1/locate p50 / p99 ({h['requests']:,} seq., {h['errors']} errors)",
         f"{percentile(h['latency_us'], 50) / 1000:.2f} / {percentile(h['latency_us'], 99) / 1000:.2f} ms",
         "–", "–", "–", "–", "info" if h["errors"] == 0 else "ERRORS"],
    ]  # fmt: skip
    print(
        f"\n{b['grids']:,} unit grids; {b['points_in_a_grid']:,} of {n:,} points fall in a grid; "
        f"{b['agree_with_baseline']:,}/{b['compared']:,} single-hit points agree with the baseline; "
        f"6-layer resolve matches locate: {b['resolve6_matches_locate']}"
    )
    details = {
        "backend": backend,
        "districts": DISTRICTS,
        "seed": SEED,
        "bulk": {
            **{k: v for k, v in b.items()},
            "ours_points_per_s": ours_pps,
            "baseline_points_per_s": base_pps,
            "ours_resolve6_points_per_s": full_pps,
            "ratio_ours_baseline": ratio,
            "target_ratio": TARGET_BULK_RATIO,
        },
        "single": {
            "calls": s["calls"],
            **{
                f"{name}_p{q}": percentile(s[name], q)
                for name in ("ours_locate_us", "ours_locate_one_us", "baseline_us")
                for q in (50, 99)
            },
        },
        "http": {
            "requests": h["requests"],
            "errors": h["errors"],
            "p50_us": percentile(h["latency_us"], 50),
            "p99_us": percentile(h["latency_us"], 99),
        },
        "wall_s": time.perf_counter() - started,
    }
    report(
        "lookup",
        ["measure", "ours", "baseline", "baseline figure", "speed ratio ours/baseline", "target", "verdict"],
        rows,
        details,
    )
    print(f"total {details['wall_s']:.0f} s")


if __name__ == "__main__":
    main()
