"""Bulk import throughput (案件导入): N generated 12345-hotline rows imported through a column mapping
(`gridcity import cases`: read, located on the grids, routed, written with their history and the
rollups), against a raw bulk insert of the same rows into the case table in the same run.

    python bench/bench_import.py [--rows 100000] [--batch 500] [--database-url URL] [--keep]

    # the issue's figure
    python bench/bench_import.py --rows 1000000

The city is 东城区 built through the services (bench/common.py). The rows are spread over 2025 at
random points of the district, 85 % closed within 1–5 days, in three categories, written to a CSV
file first (not timed).

Measured, rows per second (wall clock, one process):

* **ours**: `services.import_cases.import_cases` on the file: every row parsed through the mapping,
  located (district, street, community and the grid of each of the three layers), routed (the
  class's owner at that place), its clock or disposal deadline worked out, and written as a case
  row with 3–4 history rows and its share of the assessment's rollups; one transaction per batch.
* **raw**: the same file read with the csv module and its rows inserted into the case table as
  plain rows (times parsed, no location beyond one fixed district/street, no routing, no history,
  no rollups), in batches of the same size, one transaction per batch — the floor a bulk loader
  cannot go below.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import build_city, district_bbox, random_points_in, report, scratch_database, workspace

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


def raw_insert(platform: object, path: Path, batch: int) -> int:
    """The same rows as plain case rows, batch by batch (the floor)."""
    from sqlalchemy import insert

    from gridcity.db.models import Case

    def row(r: dict[str, str]) -> dict[str, object]:
        reported = datetime.strptime(r["reported"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)
        closed = datetime.strptime(r["closed"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)
        code, kind = CATEGORIES[r["category"]]
        done = r["status"] == "closed"
        return {
            "version": 1,
            "state": "closed" if done else "filed",
            "channel": "hotline",
            "client_key": f"raw:{r['id']}",
            "standard": "GB/T 47678.5-2026",
            "class_code": code,
            "class_name": r["category"],
            "kind": kind,
            "network": "city_management",
            "urgency": "normal",
            "description": r["text"],
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
            "district_code": "110101",
            "street_code": "110101001",
            "reported_at": reported,
            "filed_at": reported,
            "closed_at": closed if done else None,
            "updated_at": closed if done else reported,
            "rework_count": 0,
            "reopen_count": 0,
            "extension_count": 0,
            "escalation_level": 0,
            "stage_warned": 0,
            "stage_paused_s": 0.0,
        }

    n = 0
    with platform.sessions() as db, path.open(encoding="utf-8", newline="") as fh:  # type: ignore[attr-defined]
        rows: list[dict[str, object]] = []
        for r in csv.DictReader(fh):
            rows.append(row(r))
            if len(rows) >= batch:
                db.execute(insert(Case), rows)
                db.commit()
                n, rows = n + len(rows), []
        if rows:
            db.execute(insert(Case), rows)
            db.commit()
            n += len(rows)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="generated hotline rows (100,000)")
    ap.add_argument("--batch", type=int, default=500, help="rows per transaction (500)")
    ap.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    args = ap.parse_args()

    from gridcity.domain.import_mapping import parse_mapping
    from gridcity.services import import_cases, rollups

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
        mapping = parse_mapping(MAPPING)

        t0 = time.perf_counter()
        with platform.sessions() as db:
            run = import_cases.import_cases(platform, db, data, mapping, batch_size=args.batch)
        ours_s = time.perf_counter() - t0
        assert run.imported == args.rows, run
        print(f"  ours: {run.imported:,} imported in {ours_s:.1f} s")
        checked = None
        if args.rows <= 200_000:
            with platform.sessions() as db:
                checked = rollups.differences(platform, db) == []
            print(f"  rollups agree after our import: {checked}")

        t0 = time.perf_counter()
        raw_n = raw_insert(platform, data, args.batch)
        raw_s = time.perf_counter() - t0
        print(f"  raw: {raw_n:,} inserted in {raw_s:.1f} s")

        ours_rate, raw_rate = run.imported / ours_s, raw_n / raw_s
        report(
            f"import_{city.backend}",
            ["rows", "ours, rows/s", "raw insert, rows/s", "ours / raw"],
            [[f"{args.rows:,}", f"{ours_rate:,.0f}", f"{raw_rate:,.0f}", f"{ours_rate / raw_rate:.0%}"]],
            {
                "rows": args.rows,
                "batch": args.batch,
                "backend": city.backend,
                "ours_seconds": round(ours_s, 3),
                "raw_seconds": round(raw_s, 3),
                "ours_rows_per_s": round(ours_rate, 1),
                "raw_rows_per_s": round(raw_rate, 1),
                "ratio": round(ours_rate / raw_rate, 4),
                "rollups_agree": checked,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )


if __name__ == "__main__":
    main()
