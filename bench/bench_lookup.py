"""Point → grid lookup: bulk (points/s) and single (µs), against the least a program does with a
shapely STRtree, in alternating rounds; plus the HTTP `GET /api/v1/locate` latency over a real
uvicorn server.

    python bench/bench_lookup.py [--points 200000] [--rounds 11] [--database-url URL]

The baseline is the least correct point-in-polygon lookup with shapely: an STRtree of the unit
grids' polygons (their own copies, built before the timing), prepared once; per batch one bounding-box
query of the points and one vectorised exact test of the candidates on the prepared polygons
(`shapely.intersects_xy`) — two array calls, no tie-break on shared edges, no key mapping. Per
round: gridcity, then the baseline (A/B/A/B…), after one untimed run of each.
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

DISTRICTS = ("110101", "110102")  # 东城区 + 西城区: ~10,000 unit grids
SEED = 20261128
TARGET_BULK_RATIO = 0.80


def timed(fn: Any) -> Any:
    """A round's run: seconds and the result."""

    def run(_round: int) -> tuple[float, Any]:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out

    return run


def baseline_index(layer: Any) -> tuple[Any, Any]:
    """The baseline's own polygons (copies: LayerIndex prepares the objects it holds in place) in a
    bare STRtree, prepared: what anyone would build for point-in-polygon with shapely."""
    polys = shapely.from_wkb(shapely.to_wkb(layer.geometries))
    tree = shapely.STRtree(polys)
    shapely.prepare(polys)
    return tree, polys


def bulk(state: Any, lons: np.ndarray, lats: np.ndarray, rounds: int) -> dict[str, Any]:
    n = len(lons)
    layer = state.index["city_management"]
    t0 = time.perf_counter()
    tree, polys = baseline_index(layer)
    tree_build = time.perf_counter() - t0

    def baseline() -> tuple[Any, Any]:
        pidx, gidx = tree.query(shapely.points(lons, lats))  # bounding boxes
        hit = shapely.intersects_xy(polys[gidx], lons[pidx], lats[pidx])  # exact, prepared
        return pidx[hit], gidx[hit]

    contestants = {
        "gridcity": timed(lambda: layer.locate(lons, lats)),
        "baseline": timed(baseline),
        "gridcity_resolve6": timed(lambda: state.resolve(lons, lats)),
    }
    for fn in contestants.values():
        fn(-1)  # warm-up: GEOS builds the prepared polygons' point locators on first use
    runs = interleave(rounds, contestants)
    keys = runs["gridcity"][-1][1]
    pidx, gidx = runs["baseline"][-1][1]
    resolved = runs["gridcity_resolve6"][-1][1]

    # Same answers? A point the baseline puts in exactly one polygon must get that polygon's key.
    counts = np.bincount(pidx, minlength=n)
    single = counts[pidx] == 1
    expected = np.full(n, None, dtype=object)
    expected[pidx[single]] = layer.keys[gidx[single]]
    one = counts == 1
    agree = int(np.sum(keys[one] == expected[one]))
    misses_ours = int(np.sum(keys == None))  # noqa: E711
    seconds = {name: [t for t, _ in r] for name, r in runs.items()}
    rate = {name: [n / t for t in ts] for name, ts in seconds.items()}
    return {
        "points": n,
        "rounds": rounds,
        "seconds": seconds,
        "locate": ab_summary(rate["gridcity"], rate["baseline"]),
        "resolve6": ab_summary(rate["gridcity_resolve6"], rate["baseline"]),
        "baseline_tree_build_s": tree_build,
        "points_in_a_grid": int(n - misses_ours),
        "points_on_shared_edges": int(np.sum(counts > 1)),
        "agree_with_baseline": agree,
        "compared": int(one.sum()),
        "resolve6_matches_locate": bool(np.all(resolved["city_management"] == keys)),
        "grids": len(layer),
    }


def single(state: Any, lons: np.ndarray, lats: np.ndarray, rounds: int) -> dict[str, Any]:
    layer = state.index["city_management"]
    tree, polys = baseline_index(layer)
    pts = [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
    clock = time.perf_counter_ns

    def base_one(x: float, y: float) -> Any:
        candidates = tree.query(shapely.Point(x, y))
        return candidates[shapely.intersects_xy(polys[candidates], x, y)]

    def measure(fn: Any) -> Any:
        def run(_round: int) -> list[float]:
            out = []
            for x, y in pts:
                t0 = clock()
                fn(x, y)
                out.append((clock() - t0) / 1000.0)
            return out

        return run

    contestants = {
        "gridcity_locate": measure(state.locate),
        "baseline": measure(base_one),
        "gridcity_locate_one": measure(layer.locate_one),
    }
    for fn in (state.locate, base_one, layer.locate_one):
        for x, y in pts[:500]:  # warm-up
            fn(x, y)
    runs = interleave(rounds, contestants)
    p50 = {name: [percentile(r, 50) for r in rs] for name, rs in runs.items()}
    every = {name: [v for r in rs for v in r] for name, rs in runs.items()}
    return {
        "calls": len(pts),
        "rounds": rounds,
        "p50_us": p50,
        "p99_us": {name: percentile(v, 99) for name, v in every.items()},
        # times: a ratio above 1 means gridcity's call is faster
        "locate": ab_summary(p50["gridcity_locate"], p50["baseline"], higher_is_better=False),
        "locate_one": ab_summary(p50["gridcity_locate_one"], p50["baseline"], higher_is_better=False),
    }


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
    ap.add_argument("--rounds", type=int, default=11, help="A/B rounds, bulk and single (11)")
    ap.add_argument("--calls", type=int, default=10_000, help="single-lookup calls per round (10,000)")
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
        print(f"bulk lookup: {args.points:,} points in bbox {bbox}, {args.rounds} rounds")
        b = bulk(state, lons, lats, args.rounds)
        # single lookups and HTTP: points inside the territory (state.locate raises outside)
        in_lons, in_lats = random_points_in(state, "1101", args.calls, SEED + 1, bbox)
        print(f"single lookup: {args.calls:,} calls per round, {args.rounds} rounds")
        s = single(state, in_lons, in_lats, args.rounds)
        print(f"HTTP GET /api/v1/locate: {args.requests:,} sequential requests (keep-alive)")
        h = http(city, workdir, in_lons, in_lats, args.requests)
        backend = city.backend
        city.platform.engine.dispose()

    loc, res = b["locate"], b["resolve6"]
    sl, so = s["locate"], s["locate_one"]
    us = "{:.1f}".format
    rows = [
        ["bulk: city_management `LayerIndex.locate`, points/s", fmt_spread(loc["gridcity"]),
         "STRtree bbox query + prepared `intersects_xy`", fmt_spread(loc["baseline"]),
         fmt_spread(loc["ratio"], "{:.2f}"), f"≥ {TARGET_BULK_RATIO:.2f}",
         ratio_verdict(loc["ratio"], TARGET_BULK_RATIO)],
        ["bulk: full 6-layer `resolve`, points/s", fmt_spread(res["gridcity"]),
         "the same (1 layer)", fmt_spread(res["baseline"]), fmt_spread(res["ratio"], "{:.2f}"), "–", "info"],
        ["single: `state.locate` (6 layers), p50 µs", fmt_spread(sl["gridcity"], us),
         "`tree.query(Point)` + prepared `intersects_xy`", fmt_spread(sl["baseline"], us),
         fmt_spread(sl["ratio"], "{:.2f}"), "–", "info"],
        ["single: `LayerIndex.locate_one` (1 layer), p50 µs", fmt_spread(so["gridcity"], us),
         "the same", fmt_spread(so["baseline"], us), fmt_spread(so["ratio"], "{:.2f}"), "–", "info"],
        [f"HTTP GET /api/v1/locate p50 / p99 ({h['requests']:,} seq., {h['errors']} errors)",
         f"{percentile(h['latency_us'], 50) / 1000:.2f} / {percentile(h['latency_us'], 99) / 1000:.2f} ms",
         "–", "–", "–", "–", "info" if h["errors"] == 0 else "ERRORS"],
    ]  # fmt: skip
    print(
        f"\n{b['grids']:,} unit grids; {b['points_in_a_grid']:,} of {b['points']:,} points fall in a grid; "
        f"{b['agree_with_baseline']:,}/{b['compared']:,} single-hit points agree with the baseline; "
        f"6-layer resolve matches locate: {b['resolve6_matches_locate']}"
    )
    details = {
        "backend": backend,
        "districts": DISTRICTS,
        "seed": SEED,
        "bulk": {**b, "target_ratio": TARGET_BULK_RATIO},
        "single": s,
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
        ["measure", "gridcity min / median / max", "baseline", "baseline min / median / max",
         "speed ratio gridcity/baseline per round, min / median / max", "target", "verdict"],
        rows,
        details,
    )  # fmt: skip
    print(f"total {details['wall_s']:.0f} s")


if __name__ == "__main__":
    main()
