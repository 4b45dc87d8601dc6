"""Bulk import throughput (案件导入): N generated 12345-hotline rows imported through a column mapping
(`gridcity import cases`: read, located on the grids, routed, written with their history and the
rollups), against the same file read and exactly the same rows written through the raw driver, in
alternating rounds, each on a fresh copy of the same city.

    python bench/bench_import.py [--rows 100000] [--batch 500] [--rounds 3] [--database-url URL]

    # the issue's figure (one round: the baseline holds gridcity's rows in memory, several GB)
    python bench/bench_import.py --rows 1000000 --rounds 1

The city is 东城区 built through the services (bench/common.py). The rows are spread over 2025 at
random points of the district, 85 % closed within 1–5 days, in three categories, written to a CSV
file first (not timed). That city is copied for every run (`common.database_copy`).

Measured, rows per second (wall clock, one process):

* **gridcity**: `services.import_cases.import_cases` on the file: every row parsed through the
  mapping, located (district, street, community and the grid of each of the three layers), routed
  (the class's owner at that place), its clock or disposal deadline worked out, and written as a
  case row with 3–4 history rows and its share of the assessment's rollups; one transaction per
  batch.
* **baseline**: the least a program does to turn the same file into the same rows, with the
  deciding taken away: the file read with the csv module, batch by batch, and for each batch
  exactly the rows gridcity wrote for it (cases and their history; captured from gridcity's copy
  in the first round, not timed), written through the raw driver — COPY on PostgreSQL, one
  executemany per table on SQLite — one transaction per batch; the rollup rows once at the end
  (gridcity adds to them batch by batch). Checked equal to gridcity's tables.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from common import (
    Writes,
    ab_summary,
    apply_writes,
    build_city,
    connect_driver,
    database_copy,
    diff_tables,
    district_bbox,
    driver_transaction,
    fmt_spread,
    interleave,
    is_postgres,
    random_points_in,
    read_tables,
    report,
    scratch_database,
    sized_name,
    tables_differ,
    workspace,
)

SEED = 20261128
CST = ZoneInfo("Asia/Shanghai")
CATEGORIES = {
    "暴露垃圾": ("06010", "event"),
    "道路破损": ("06013", "event"),
    "废弃车辆": ("06034", "event"),
}
MAPPING = (
    """
[source]
name = "bench"
id = "id"
channel = "hotline"

[time]
timezone = "Asia/Shanghai"
format = "%Y-%m-%d %H:%M:%S"
reported = "reported"
closed = "closed"

[location]
lon = "lon"
lat = "lat"

[description]
columns = ["text"]

[class]
column = "category"
[class.map]
"""
    + "".join(
        f'"{name}" = {{ code = "{code}", standard = "GB/T 47678.5-2026", kind = "{kind}" }}\n'
        for name, (code, kind) in CATEGORIES.items()
    )
    + """
[status]
column = "status"
[status.map]
"closed" = "closed"
"open" = "open"
"""
)


def write_rows(path: Path, state: object, n: int) -> None:
    bbox = district_bbox(state, ["110101"])
    lons, lats = random_points_in(state, "110101", n, SEED, bbox)
    rng = random.Random(SEED)
    start = datetime(2025, 1, 1, tzinfo=CST)
    names = list(CATEGORIES)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "reported", "closed", "status", "category", "lon", "lat", "text"])
        for i in range(n):
            reported = start + timedelta(seconds=rng.randrange(364 * 86400))
            closed = reported + timedelta(hours=rng.uniform(24, 120))
            status = "closed" if rng.random() < 0.85 else "open"
            writer.writerow(
                [
                    f"H{i:08d}",
                    f"{reported:%Y-%m-%d %H:%M:%S}",
                    f"{closed:%Y-%m-%d %H:%M:%S}",
                    status,
                    names[i % len(names)],
                    f"{lons[i]:.6f}",
                    f"{lats[i]:.6f}",
                    f"12345 市民来电 {i}",
                ]
            )


@dataclass
class Capture:
    """What gridcity's import wrote: per batch of the file's rows, then the rest (the rollups)."""

    writes: list[Writes]
    final: Any  # gridcity's tables after the import


def run_ours(
    city: Any, url: str, data: Path, mapping: Any, batch: int, capture: bool, check: bool
) -> tuple[dict[str, Any], Capture | None]:
    from gridcity.config import Settings
    from gridcity.services import import_cases, rollups
    from gridcity.services.platform import Platform

    platform = Platform(Settings(database_url=url, data_dir=city.data_dir, _env_file=None))  # type: ignore[call-arg]
    try:
        with platform.sessions() as db:  # warm: what a running platform has loaded already
            platform.territory(db)
            platform.catalogue(db)
            platform.calendar(db)
        before = read_tables(url) if capture else None
        t0 = time.perf_counter()
        with platform.sessions() as db:
            run = import_cases.import_cases(platform, db, data, mapping, batch_size=batch)
        seconds = time.perf_counter() - t0
        agree = None
        if check:
            with platform.sessions() as db:
                agree = rollups.differences(platform, db) == []
    finally:
        platform.engine.dispose()
    captured = None
    if before is not None:
        after = read_tables(url)
        cases = sorted(k[0] for k in after["cases"].rows.keys() - before["cases"].rows.keys())
        groups = [cases[k : k + batch] for k in range(0, len(cases), batch)]
        captured = Capture(diff_tables(before, after).split(groups), after)
    return {
        "seconds": seconds,
        "imported": run.imported,
        "rejected": run.rejected,
        "rollups_agree": agree,
    }, captured


def run_baseline(url: str, data: Path, batch: int, capture: Capture) -> dict[str, Any]:
    """The file read batch by batch (csv module), each batch's rows written as gridcity wrote them."""
    postgres = is_postgres(url)
    conn = connect_driver(url)
    n = written = 0
    try:
        t0 = time.perf_counter()
        with data.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)  # the header
            k = 0
            while True:
                rows = list(itertools.islice(reader, batch))
                if not rows:
                    break
                with driver_transaction(conn) as cur:
                    written += apply_writes(cur, capture.writes[k], postgres)
                n += len(rows)
                k += 1
        if capture.writes[-1].rows():
            with driver_transaction(conn) as cur:
                written += apply_writes(cur, capture.writes[-1], postgres)
        seconds = time.perf_counter() - t0
    finally:
        conn.close()
    return {"seconds": seconds, "rows": n, "rows_written": written}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="generated hotline rows (100,000)")
    ap.add_argument("--batch", type=int, default=500, help="rows per transaction (500)")
    ap.add_argument("--rounds", type=int, default=3, help="A/B rounds, each on fresh copies (3)")
    ap.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    args = ap.parse_args()

    from gridcity.domain.import_mapping import parse_mapping

    started = time.perf_counter()
    with (
        workspace("bench-import", keep=args.keep) as work,
        scratch_database(args.database_url, work, "import.db", tag="import") as url,
    ):
        print(f"building the city in {work}")
        city = build_city(url, work / "data")
        platform = city.platform
        data = work / "hotline.csv"
        t0 = time.perf_counter()
        with platform.sessions() as db:
            write_rows(data, platform.territory(db), args.rows)
        print(f"  {args.rows:,} rows written in {time.perf_counter() - t0:.1f} s")
        platform.engine.dispose()  # nobody on the original: PostgreSQL copies it as a template
        mapping = parse_mapping(MAPPING)
        captured: list[Capture] = []

        def ours(r: int) -> dict[str, Any]:
            with database_copy(url, work, "a") as copy:
                figures, capture = run_ours(
                    city, copy, data, mapping, args.batch, capture=not captured,
                    check=r == 0 and args.rows <= 200_000,
                )  # fmt: skip
            assert figures["imported"] == args.rows, figures
            if capture is not None:
                captured.append(capture)
            agree = f"; rollups agree with a recount: {figures['rollups_agree']}" if r == 0 else ""
            print(f"    gridcity: {figures['imported']:,} imported in {figures['seconds']:.1f} s{agree}")
            return figures

        def base(r: int) -> dict[str, Any]:
            with database_copy(url, work, "b") as copy:
                figures = run_baseline(copy, data, args.batch, captured[0])
                if r == 0:  # the baseline wrote what gridcity wrote (checked once, not timed)
                    differ = tables_differ(captured[0].final, read_tables(copy))
                    if differ:
                        raise AssertionError(f"the baseline's tables differ from gridcity's: {differ}")
            print(f"    baseline: {figures['rows']:,} rows read, {figures['rows_written']:,} written "
                  f"in {figures['seconds']:.1f} s")  # fmt: skip
            return figures

        results = interleave(args.rounds, {"gridcity": ours, "baseline": base})
        backend = city.backend
        counts = captured[0].writes
        written = {}
        for w in counts:
            for key, n in w.counts().items():
                written[key] = written.get(key, 0) + n

    a, b = results["gridcity"], results["baseline"]
    summary = ab_summary([args.rows / f["seconds"] for f in a], [args.rows / f["seconds"] for f in b])
    report(
        sized_name("import", backend, args.rows, 1_000_000),
        ["rows", "gridcity, rows/s, min / median / max", "baseline (same file read, same rows written raw), "
         "rows/s, min / median / max", "gridcity / baseline per round, min / median / max"],
        [[f"{args.rows:,}", fmt_spread(summary["gridcity"]), fmt_spread(summary["baseline"]),
          fmt_spread(summary["ratio"], "{:.0%}")]],
        {
            "rows": args.rows,
            "batch": args.batch,
            "backend": backend,
            "rounds": args.rounds,
            "rows_written_per_run": written,
            "summary": summary,
            "ratio": summary["ratio"]["median"],
            "rollups_agree": a[0]["rollups_agree"],
            "per_round": {"gridcity": a, "baseline": b},
            "wall_s": time.perf_counter() - started,
        },
    )  # fmt: skip


if __name__ == "__main__":
    main()
