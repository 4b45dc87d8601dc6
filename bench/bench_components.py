"""The component registry at city scale (部件普查库): N generated components (4 million by the issue)
imported through `gridcity import components`, against a raw COPY of the same rows in the same run;
then, with all of them loaded, the nearest-component lookup and a map window.

    python bench/bench_components.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/bench_components.py --rows 200000            # SQLite, a quick look
    python bench/bench_components.py --reuse URL --rows 4000000  # measure the lookups again

The city: the six central districts of Beijing (东城, 西城, 朝阳, 丰台, 石景山, 海淀; about 1,380 km²)
with their unit grids, built through the services. The census: N components at random points of
those districts, of 24 common classes in the proportions of a real census (manhole covers of
seven kinds, street lamps, trees, bins, hydrants, …), GB/T 47678.5 codes, owners named as the
catalogue routes each class, 97 % 完好; written to a CSV file first (not timed).

Measured (one process, wall clock):

* **ours**: `services.components.import_components` on the file: every row read through the census
  header and checked (code, class, state, dates, point), located on the unit grids, its owner
  department resolved, compared with the component's current version, and written (COPY on
  PostgreSQL, two writer connections), batches of 5,000 in one transaction each; into the empty
  table the lookup indexes are built once at the end (timed).
* **raw**: the same file read with the csv module and its rows written with COPY into the empty
  component table on one connection, the lookup indexes dropped before and built after (as ours
  does a first census; emptied again before ours runs), values as they come (district from the
  code, no lookup, no checks, no versions, no owner id).
* **nearest**: `services.components.nearest` around 2,000 random points of the districts, a class
  chosen at random among the 24, radius 20 m: p50 / p99 / max (target p99 < 5 ms); and the bare
  index query of the same box through the driver, as its floor.
* **window**: a page of up to 2,000 components of a random 400 m × 400 m window (the console map at
  street zoom), p50 / p99.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import (
    build_city,
    district_bbox,
    percentile,
    random_points_in,
    report,
    scratch_database,
    workspace,
)

SEED = 20261128
DISTRICTS = ("110101", "110102", "110105", "110106", "110107", "110108")
# district share of the census (by built-up area, roughly)
DISTRICT_WEIGHTS = (0.09, 0.10, 0.30, 0.18, 0.06, 0.27)
# (class, share): a census is mostly manhole covers, lamps and trees
CLASSES = (
    ("01001", 0.08),  # 供水井盖
    ("01002", 0.08),  # 污水井盖
    ("01003", 0.08),  # 雨水井盖
    ("01004", 0.07),  # 雨水箅子
    ("01005", 0.05),  # 电力井盖
    ("01006", 0.04),  # 路灯井盖
    ("01007", 0.06),  # 通信井盖
    ("01010", 0.03),  # 热力井盖
    ("01011", 0.03),  # 燃气井盖
    ("01020", 0.03),
    ("01030", 0.03),
    ("01040", 0.03),
    ("02004", 0.02),  # 公交站设施
    ("02017", 0.04),  # 交通护栏
    ("02010", 0.03),
    ("02020", 0.03),
    ("03001", 0.03),
    ("03005", 0.03),
    ("03010", 0.03),
    ("04001", 0.06),
    ("04005", 0.03),
    ("04008", 0.02),  # 绿地护栏
    ("05001", 0.02),
    ("06001", 0.02),
)
HEADER = ["code", "name", "owner_name", "state", "initial_date", "source", "lon", "lat"]
STATES = ("完好",) * 97 + ("破损", "破损", "丢失")


def write_census(path: Path, city: Any, n: int) -> list[str]:
    """The census file; returns the class codes used."""
    import numpy as np
    from sqlalchemy import select

    from gridcity.db.models import OrgUnit
    from gridcity.domain.routing import route

    platform = city.platform
    with platform.sessions() as db:
        state = platform.territory(db)
        book = platform.catalogue(db)
        classes = []
        for code, share in CLASSES:
            try:
                cls = book.find(code, "GB/T 47678.5-2026", "component")
            except Exception:
                continue
            classes.append((cls, share))
        names = {row.code: row.name for row in db.execute(select(OrgUnit.code, OrgUnit.name))}
        owners = {}
        for cls, _ in classes:
            for district in DISTRICTS:
                unit = route(book.catalogue, cls, district, district + "001").owner
                owners[(cls.code, district)] = names.get(unit or "", "未知单位")
    rng = random.Random(SEED)
    counts = np.random.default_rng(SEED).multinomial(n, DISTRICT_WEIGHTS)
    shares = np.array([s for _, s in classes])
    shares = shares / shares.sum()
    sequence: dict[tuple[str, str], int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i, (district, k) in enumerate(zip(DISTRICTS, counts, strict=True)):
            lons, lats = random_points_in(state, district, int(k), SEED + i, district_bbox(state, [district]))
            picks = np.random.default_rng(SEED + 100 + i).choice(len(classes), size=int(k), p=shares)
            for lon, lat, pick in zip(lons, lats, picks, strict=True):
                cls = classes[pick][0]
                key = (district, cls.code)
                seq = sequence[key] = sequence.get(key, 0) + 1
                writer.writerow(
                    [
                        f"{district}{cls.code}{seq:06d}",
                        cls.name,
                        owners[(cls.code, district)],
                        rng.choice(STATES),
                        f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                        "实测",
                        f"{lon:.7f}",
                        f"{lat:.7f}",
                    ]
                )
    return [cls.code for cls, _ in classes]


def raw_copy(city: Any, path: Path, batch: int) -> int:
    """The same rows into the empty component table as they come, on one connection, the lookup
    indexes built after them (as ours does a first census); emptied again after."""
    from sqlalchemy import text

    from gridcity.db import bulk
    from gridcity.db.models import Component

    platform = city.platform
    twin = Component.__table__
    columns = (
        "code",
        "version",
        "standard",
        "class_code",
        "name",
        "state",
        "lon",
        "lat",
        "district_code",
        "street_code",
        "owner_name",
        "initial_date",
        "valid_from",
        "recorded_by",
        "source",
    )
    now = datetime.now(UTC)
    n = 0

    def rows(chunk: list[dict[str, str]]) -> list[tuple[Any, ...]]:
        return [
            (
                r["code"],
                1,
                "GB/T 47678.5-2026",
                r["code"][6:11],
                r["name"],
                r["state"],
                float(r["lon"]),
                float(r["lat"]),
                r["code"][:6],
                r["code"][:6] + "000",
                r["owner_name"],
                datetime.strptime(r["initial_date"], "%Y%m%d").date(),
                now,
                "raw",
                r["source"],
            )
            for r in chunk
        ]

    from gridcity.db import components as components_db

    # a first load into an empty table, as ours: the lookup indexes built once after the rows
    with platform.engine.begin() as conn:
        components_db.drop_lookup_indexes(conn)
    with path.open(encoding="utf-8", newline="") as fh:
        chunk: list[dict[str, str]] = []
        for r in csv.DictReader(fh):
            chunk.append(r)
            if len(chunk) >= batch:
                with platform.engine.begin() as conn:
                    n += bulk.insert_rows(conn, twin, columns, rows(chunk))
                chunk = []
        if chunk:
            with platform.engine.begin() as conn:
                n += bulk.insert_rows(conn, twin, columns, rows(chunk))
    with platform.engine.begin() as conn:
        for index in components_db.LOOKUP_INDEXES:
            index.create(conn)
    # empty the table again for ours (TRUNCATE: PostgreSQL starts afresh, as ours will)
    with platform.engine.begin() as conn:
        conn.execute(
            text("TRUNCATE components" if city.backend == "postgresql" else "DELETE FROM components")
        )
    return n


def measure_lookups(city: Any, class_codes: list[str], samples: int) -> dict[str, Any]:
    from sqlalchemy import text

    from gridcity.domain.components import IN_SERVICE_STATES, search_box
    from gridcity.services import components

    platform = city.platform
    rng = random.Random(SEED + 7)
    with platform.sessions() as db:
        state = platform.territory(db)
        lons, lats = [], []
        for i, district in enumerate(DISTRICTS):
            x, y = random_points_in(
                state,
                district,
                samples // len(DISTRICTS) + 1,
                SEED + 50 + i,
                district_bbox(state, [district]),
            )
            lons.extend(x.tolist())
            lats.extend(y.tolist())
        points = list(zip(lons, lats, strict=True))[:samples]
        classes = [rng.choice(class_codes) for _ in points]
        if city.backend == "postgresql":
            db.execute(text("ANALYZE components"))
            db.commit()
        # warm-up: the first queries read the index pages from disk
        for (lon, lat), cls in list(zip(points, classes, strict=True))[:200]:
            components.nearest(db, lon, lat, [cls], 20.0)
        ours, raw, found = [], [], 0
        connection = db.connection()
        driver = connection.connection.driver_connection
        mark = "%s" if city.backend == "postgresql" else "?"
        states = ", ".join(f"'{s}'" for s in IN_SERVICE_STATES)
        sql = (
            f"SELECT code, lon, lat FROM components WHERE valid_to IS NULL AND lat BETWEEN {mark} AND {mark} "
            f"AND lon BETWEEN {mark} AND {mark} AND class_code = {mark} AND state IN ({states})"
        )
        cursor = driver.cursor()
        for (lon, lat), cls in zip(points, classes, strict=True):
            t0 = time.perf_counter()
            hits = components.nearest(db, lon, lat, [cls], 20.0)
            ours.append((time.perf_counter() - t0) * 1000)
            found += bool(hits)
            w, s, e, n = search_box(lon, lat, 20.0)
            t0 = time.perf_counter()
            cursor.execute(sql, (s, n, w, e, cls))
            cursor.fetchall()
            raw.append((time.perf_counter() - t0) * 1000)
        cursor.close()
        windows = []
        for lon, lat in points[:300]:
            w, s, e, n = search_box(lon, lat, 200.0)
            t0 = time.perf_counter()
            components.in_window(db, (w, s, e, n), page_size=2000, count=False)
            windows.append((time.perf_counter() - t0) * 1000)
    return {
        "samples": len(points),
        "found_share": round(found / len(points), 3),
        "nearest_ms": {k: round(f(ours), 3) for k, f in _STATS.items()},
        "raw_query_ms": {k: round(f(raw), 3) for k, f in _STATS.items()},
        "window_ms": {k: round(f(windows), 3) for k, f in _STATS.items()},
    }


_STATS = {
    "p50": lambda v: percentile(v, 50),
    "p99": lambda v: percentile(v, 99),
    "max": max,
    "mean": statistics.fmean,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=4_000_000, help="generated components (4,000,000)")
    ap.add_argument("--batch", type=int, default=5000, help="rows per transaction (5,000)")
    ap.add_argument("--samples", type=int, default=2000, help="nearest lookups measured (2,000)")
    ap.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--reuse", default=None, help="a loaded database (URL) to measure the lookups on again")
    ap.add_argument("--keep", action="store_true", help="keep the working directory and database")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw COPY (lookups only)")
    args = ap.parse_args()

    from gridcity.services import components

    with workspace("bench-components", keep=args.keep or bool(args.reuse)) as work:
        if args.reuse:
            from common import BenchCity

            from gridcity.config import Settings
            from gridcity.services.platform import Platform

            platform = Platform(Settings(database_url=args.reuse, data_dir=work, _env_file=None))  # type: ignore[call-arg]
            city = BenchCity(args.reuse, work, DISTRICTS, platform, 0.0, {})
            with platform.sessions() as db:
                book = platform.catalogue(db)
            class_codes = [c for c, _ in CLASSES if any(x.code == c for x in book.select(kind="component"))]
            lookups = measure_lookups(city, class_codes, args.samples)
            print(lookups)
            return
        with scratch_database(
            args.database_url, work, "components.db", tag="components", keep=args.keep
        ) as url:
            print(f"building the city in {work}")
            city = build_city(url, work / "data", DISTRICTS, layers=("city_management",))
            data = work / "census.csv"
            t0 = time.perf_counter()
            class_codes = write_census(data, city, args.rows)
            print(f"  {args.rows:,} census rows written in {time.perf_counter() - t0:.1f} s")

            raw_n, raw_s = 0, 0.0
            if not args.no_raw:
                t0 = time.perf_counter()
                raw_n = raw_copy(city, data, args.batch)
                raw_s = time.perf_counter() - t0
                print(f"  raw: {raw_n:,} copied in {raw_s:.1f} s")

            t0, cpu0 = time.perf_counter(), time.process_time()
            with city.platform.sessions() as db:
                run = components.import_components(city.platform, db, data, batch_size=args.batch)
            ours_s = time.perf_counter() - t0
            ours_cpu = time.process_time() - cpu0  # this process only (the server's work is not in it)
            print(
                f"  ours: {run.created:,} imported, {run.rejected:,} rejected in {ours_s:.1f} s "
                f"(CPU {ours_cpu:.1f} s, {ours_cpu / max(run.read, 1) * 1e6:.1f} µs/row) {run.reasons}"
            )
            # a random point can fall in a unit grid of a neighbouring district (the grids and the
            # district outlines differ at the border): that row is rightly rejected
            assert run.read == args.rows and run.rejected <= args.rows // 10_000 + 1, run

            lookups = measure_lookups(city, class_codes, args.samples)
            print(f"  lookups: {lookups}")
            ours_rate = run.created / ours_s
            raw_rate = raw_n / raw_s if raw_s else None
            n_ms, w_ms = lookups["nearest_ms"], lookups["window_ms"]
            report(
                f"components_{city.backend}",
                [
                    "components",
                    "ours, rows/s",
                    "raw COPY, rows/s",
                    "ours / raw",
                    "nearest p50 / p99 ms",
                    "raw query p99 ms",
                    "window p50 / p99 ms",
                ],
                [
                    [
                        f"{args.rows:,}",
                        f"{ours_rate:,.0f}",
                        f"{raw_rate:,.0f}" if raw_rate else "–",
                        f"{ours_rate / raw_rate:.0%}" if raw_rate else "–",
                        f"{n_ms['p50']:.2f} / {n_ms['p99']:.2f}",
                        f"{lookups['raw_query_ms']['p99']:.2f}",
                        f"{w_ms['p50']:.1f} / {w_ms['p99']:.1f}",
                    ]
                ],
                {
                    "rows": args.rows,
                    "batch": args.batch,
                    "backend": city.backend,
                    "ours_seconds": round(ours_s, 3),
                    "ours_cpu_us_per_row": round(ours_cpu / max(run.read, 1) * 1e6, 2),
                    "raw_seconds": round(raw_s, 3),
                    "ours_rows_per_s": round(ours_rate, 1),
                    "raw_rows_per_s": round(raw_rate, 1) if raw_rate else None,
                    "lookups": lookups,
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )


if __name__ == "__main__":
    main()
