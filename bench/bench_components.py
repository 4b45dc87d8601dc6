"""The component registry at city scale (部件普查库): N generated components (4 million by the issue)
imported through `gridcity import components`, against the least program that writes the same file
into the same table, in alternating rounds on fresh copies of one city; then, with all of them
loaded, the nearest-component lookup against the bare index query, and a map window.

    python bench/bench_components.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/bench_components.py --rows 200000 --rounds 3   # SQLite, a quick look
    python bench/bench_components.py --reuse URL --rows 4000000  # measure the lookups again

The city: the six central districts of Beijing (东城, 西城, 朝阳, 丰台, 石景山, 海淀; about 1,380 km²)
with their unit grids, built through the services. The census: N components at random points of
those districts, of 24 common classes in the proportions of a real census (manhole covers of
seven kinds, street lamps, trees, bins, hydrants, …), GB/T 47678.5 codes, owners named as the
catalogue routes each class, 97 % 完好; written to a CSV file first (not timed). The city is made
once; each run works on its own copy of it (`common.database_copy`, an empty component table).

Measured (one process, wall clock), `--rounds` rounds of gridcity then the baseline:

* **gridcity**: `services.components.records.import_components` on the file: every row read through the
  census header and checked (code, class, state, dates, point), located on the unit grids, its
  owner department resolved, and written (COPY on PostgreSQL, two writer connections), batches of
  5,000 in one transaction each; a first census of 100,000 rows or more drops the lookup indexes
  and builds them once at the end (timed).
* **baseline** (`raw_copy`): the same file read with pyarrow's CSV reader, the table's 28 columns
  made with array functions — values as they come, district and class from the code, the point's
  WKB, placeholder street / community / grid codes, no owner id: no checks, no location, no
  routing — and written in the same batches: on PostgreSQL as CSV through COPY on two writer
  connections, on SQLite one executemany per batch; the lookup indexes dropped and built the same
  way (same DDL, two at a time on PostgreSQL, then ANALYZE).
* **nearest**: `services.components.records.nearest` around `--samples` random points of the districts, a
  class chosen at random among the 24, radius 20 m: p50 / p99 / max (target p99 < 5 ms); against
  the bare index query of the same box through the driver; both over all the points, in
  alternating rounds.
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
    BenchCity,
    ab_summary,
    build_city,
    database_copy,
    district_bbox,
    fmt,
    fmt_spread,
    interleave,
    is_postgres,
    percentile,
    random_points_in,
    report,
    scratch_database,
    sized_name,
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


def raw_copy(url: str, path: Path, batch: int) -> int:
    """The least a program does to write the same file into the empty component table: read with
    pyarrow's CSV reader, the table's columns made with array functions (no checks, no location,
    no owner lookup), written batch by batch — on PostgreSQL as CSV through COPY on two writer
    connections, on SQLite one executemany per batch — and the lookup indexes dropped before and
    built after, as gridcity does a first census (same DDL, two at a time on PostgreSQL, then
    ANALYZE)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv
    import shapely

    from gridcity.db import components as components_db
    from gridcity.db.engine import make_engine
    from gridcity.services.components.records import DEFER_INDEXES_FROM

    postgres = is_postgres(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        t = pcsv.read_csv(
            path, convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(HEADER, pa.string()))
        )
        n = t.num_rows
        defer = n >= DEFER_INDEXES_FROM
        if defer:
            with engine.begin() as conn:
                components_db.drop_lookup_indexes(conn)
        code = t.column("code")
        district = pc.utf8_slice_codeunits(code, 0, 6)
        lon, lat = (t.column(c).cast(pa.float64()) for c in ("lon", "lat"))
        wkb = shapely.to_wkb(shapely.points(lon.to_numpy(), lat.to_numpy()))
        nulls = pa.nulls(n, pa.string())
        day = pc.strptime(t.column("initial_date"), format="%Y%m%d", unit="s").cast(pa.date32())
        columns: dict[str, Any] = {
            "code": code,
            "version": pa.array(np.ones(n, dtype=np.int32)),
            "standard": pa.array(["GB/T 47678.5-2026"] * n, pa.string()),
            "class_code": pc.utf8_slice_codeunits(code, 6, 11),
            "name": t.column("name"),
            "state": t.column("state"),
            "lon": lon,
            "lat": lat,
            "geom_wkb": None,  # per backend below
            "district_code": district,
            "street_code": pc.binary_join_element_wise(district, "000", ""),  # no location: placeholders
            "community_code": pc.binary_join_element_wise(district, "000000", ""),
            "grid_code": pc.binary_join_element_wise(district, "00000000", ""),
            "owner_code": nulls,
            "owner_name": t.column("owner_name"),
            "owner_unit_id": pa.nulls(n, pa.int64()),
            "keeper_code": nulls,
            "keeper_name": nulls,
            "maintainer_code": nulls,
            "maintainer_name": nulls,
            "initial_date": day,
            "change_date": pa.nulls(n, pa.date32()),
            "source": t.column("source"),
            "note": nulls,
            "valid_from": None,
            "valid_to": nulls,
            "recorded_by": pa.array(["raw"] * n, pa.string()),
        }
        assert tuple(columns) == components_db.ALL_COLUMNS
        names = ", ".join(f'"{c}"' for c in components_db.ALL_COLUMNS)
        if postgres:
            columns["geom_wkb"] = pa.array(["\\x" + b.hex() for b in wkb], pa.string())
            columns["valid_from"] = pa.array([now.isoformat()] * n, pa.string())
            data = pa.table(columns)
            sql = f'COPY "components" ({names}) FROM STDIN WITH (FORMAT csv)'

            def write(start: int) -> None:
                buffer = pa.BufferOutputStream()
                pcsv.write_csv(data.slice(start, batch), buffer, pcsv.WriteOptions(include_header=False))
                with engine.begin() as conn:
                    driver = conn.connection.driver_connection
                    with driver.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
                        copy.write(memoryview(buffer.getvalue()))

            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="raw-copy") as pool:
                list(pool.map(write, range(0, n, batch)))
        else:
            # the values as SQLAlchemy stores them on SQLite: dates as ISO text, the moment as naive UTC
            columns["geom_wkb"] = pa.array(list(wkb), pa.binary())
            columns["initial_date"] = day.cast(pa.string())
            columns["change_date"] = nulls
            moment = now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            columns["valid_from"] = pa.array([moment] * n, pa.string())
            data = pa.table(columns)
            marks = ", ".join("?" for _ in components_db.ALL_COLUMNS)
            sql = f'INSERT INTO "components" ({names}) VALUES ({marks})'
            for start in range(0, n, batch):
                part = data.slice(start, batch)
                with engine.begin() as conn:
                    driver = conn.connection.driver_connection
                    driver.executemany(sql, zip(*(c.to_pylist() for c in part.columns), strict=True))  # type: ignore[union-attr]
        if defer:
            missing = [str(i.name) for i in components_db.LOOKUP_INDEXES]

            def build(name: str) -> None:
                with engine.begin() as conn:
                    components_db.create_lookup_index(conn, name)

            with ThreadPoolExecutor(max_workers=2 if postgres else 1) as pool:
                list(pool.map(build, missing))
            if postgres:
                with engine.begin() as conn:
                    components_db.analyze(conn)
    finally:
        engine.dispose()
    return n


def measure_lookups(city: Any, class_codes: list[str], samples: int, rounds: int) -> dict[str, Any]:
    """Nearest component around `samples` random points, a random class each, radius 20 m:
    gridcity's `components.nearest` and the bare index query of the same box through the driver,
    in alternating rounds over all the points (after 200 untimed of each); then a map window."""
    from sqlalchemy import text

    from gridcity.domain.components import IN_SERVICE_STATES, search_box
    from gridcity.services.components import records as components

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
        queries = list(zip(points, classes, strict=True))
        if city.backend == "postgresql":
            db.execute(text("ANALYZE components"))
            db.commit()
        connection = db.connection()
        driver = connection.connection.driver_connection
        mark = "%s" if city.backend == "postgresql" else "?"
        states = ", ".join(f"'{s}'" for s in IN_SERVICE_STATES)
        sql = (
            f"SELECT code, lon, lat FROM components WHERE valid_to IS NULL AND lat BETWEEN {mark} AND {mark} "
            f"AND lon BETWEEN {mark} AND {mark} AND class_code = {mark} AND state IN ({states})"
        )
        cursor = driver.cursor()
        found = 0

        def ours(_r: int, some: Any = queries) -> list[float]:
            nonlocal found
            out = []
            for (lon, lat), cls in some:
                t0 = time.perf_counter()
                hits = components.nearest(db, lon, lat, [cls], 20.0)
                out.append((time.perf_counter() - t0) * 1000)
                found += bool(hits)
            return out

        def raw(_r: int, some: Any = queries) -> list[float]:
            out = []
            for (lon, lat), cls in some:
                w, s, e, n = search_box(lon, lat, 20.0)
                t0 = time.perf_counter()
                cursor.execute(sql, (s, n, w, e, cls))
                cursor.fetchall()
                out.append((time.perf_counter() - t0) * 1000)
            return out

        ours(-1, queries[:200])  # warm-up: the first queries read the index pages from disk
        raw(-1, queries[:200])
        found = 0
        runs = interleave(rounds, {"gridcity": ours, "baseline": raw}, log=lambda _m: None)
        cursor.close()
        windows = []
        for lon, lat in points[:300]:
            w, s, e, n = search_box(lon, lat, 200.0)
            t0 = time.perf_counter()
            components.in_window(db, (w, s, e, n), page_size=2000, count=False)
            windows.append((time.perf_counter() - t0) * 1000)
    every = {name: [v for r in rs for v in r] for name, rs in runs.items()}
    p50 = {name: [percentile(r, 50) for r in rs] for name, rs in runs.items()}
    return {
        "samples": len(points),
        "rounds": rounds,
        "found_share": round(found / (len(points) * rounds), 3),
        "nearest": {
            "gridcity": {k: round(f(every["gridcity"]), 3) for k, f in _STATS.items()},
            "baseline": {k: round(f(every["baseline"]), 3) for k, f in _STATS.items()},
            # per round: the bare query's p50 / gridcity's p50 (above 1: gridcity faster)
            "ratio_p50": ab_summary(p50["gridcity"], p50["baseline"], higher_is_better=False)["ratio"],
            "p50_per_round": p50,
        },
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
    ap.add_argument(
        "--rounds", type=int, default=3, help="A/B rounds of the import, each on fresh copies (3)"
    )
    ap.add_argument("--samples", type=int, default=2000, help="nearest lookups per round (2,000)")
    ap.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--reuse", default=None, help="a loaded database (URL) to measure the lookups on again")
    ap.add_argument("--keep", action="store_true", help="keep the working directory and database")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw COPY (lookups only)")
    args = ap.parse_args()

    from gridcity.config import Settings
    from gridcity.services.components import records as components
    from gridcity.services.platform import Platform

    def city_on(url: str, work: Path) -> BenchCity:
        platform = Platform(Settings(database_url=url, data_dir=work, _env_file=None))  # type: ignore[call-arg]
        return BenchCity(url, work, DISTRICTS, platform, 0.0, {})

    started = time.perf_counter()
    with workspace("bench-components", keep=args.keep or bool(args.reuse)) as work:
        if args.reuse:
            city = city_on(args.reuse, work)
            with city.platform.sessions() as db:
                book = city.platform.catalogue(db)
            class_codes = [c for c, _ in CLASSES if any(x.code == c for x in book.select(kind="component"))]
            lookups = measure_lookups(city, class_codes, args.samples, args.rounds)
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
            city.platform.engine.dispose()  # nobody on the original: PostgreSQL copies it as a template
            backend = city.backend
            lookups: dict[str, Any] = {}

            def ours(r: int) -> dict[str, Any]:
                with database_copy(url, work, "a") as copy:
                    copy_city = city_on(copy, work / "data")
                    platform = copy_city.platform
                    try:
                        with platform.sessions() as db:  # warm: what a running platform has loaded
                            platform.territory(db)
                            platform.catalogue(db)
                        t0, cpu0 = time.perf_counter(), time.process_time()
                        with platform.sessions() as db:
                            run = components.import_components(platform, db, data, batch_size=args.batch)
                        seconds = time.perf_counter() - t0
                        cpu = time.process_time() - cpu0  # this process only (not the server's work)
                        print(f"    gridcity: {run.created:,} imported, {run.rejected:,} rejected in "
                              f"{seconds:.1f} s (CPU {cpu:.1f} s) {run.reasons}")  # fmt: skip
                        # a random point can fall in a unit grid of a neighbouring district (the grids
                        # and the district outlines differ at the border): that row is rightly rejected
                        assert run.read == args.rows and run.rejected <= args.rows // 10_000 + 1, run
                        if r == args.rounds - 1:  # the lookups, with all of them loaded
                            lookups.update(measure_lookups(copy_city, class_codes, args.samples, args.rounds))
                    finally:
                        platform.engine.dispose()
                return {"seconds": seconds, "created": run.created, "rejected": run.rejected, "cpu_s": cpu}

            def raw(r: int) -> dict[str, Any]:
                with database_copy(url, work, "b") as copy:
                    t0 = time.perf_counter()
                    n = raw_copy(copy, data, args.batch)
                    seconds = time.perf_counter() - t0
                print(f"    raw: {n:,} written in {seconds:.1f} s")
                return {"seconds": seconds, "rows": n}

            contestants = {"gridcity": ours} if args.no_raw else {"gridcity": ours, "baseline": raw}
            results = interleave(args.rounds, contestants)

    a = results["gridcity"]
    b = results.get("baseline") or [{"seconds": float("nan")}] * len(a)
    summary = ab_summary([args.rows / f["seconds"] for f in a], [args.rows / f["seconds"] for f in b])
    n_ms, w_ms = lookups["nearest"], lookups["window_ms"]
    rate = fmt_spread(summary["gridcity"])
    raw_label = f"raw {'COPY' if backend == 'postgresql' else 'executemany'}, rows/s, min / median / max"
    report(
        sized_name("components", backend, args.rows, 4_000_000),
        ["components", "gridcity, rows/s, min / median / max", raw_label,
         "gridcity / raw per round, min / median / max", "nearest p50 / p99 ms",
         "bare index query p50 / p99 ms", "nearest speed ratio per round (p50), min / median / max",
         "window p50 / p99 ms"],
        [[f"{args.rows:,}", rate, fmt_spread(summary["baseline"]), fmt_spread(summary["ratio"], "{:.0%}"),
          f"{fmt(n_ms['gridcity']['p50'])} / {fmt(n_ms['gridcity']['p99'])}",
          f"{fmt(n_ms['baseline']['p50'])} / {fmt(n_ms['baseline']['p99'])}",
          fmt_spread(n_ms["ratio_p50"], "{:.2f}"), f"{w_ms['p50']:.1f} / {w_ms['p99']:.1f}"]],
        {
            "rows": args.rows,
            "batch": args.batch,
            "backend": backend,
            "rounds": args.rounds,
            "summary": summary,
            "ratio": summary["ratio"]["median"],
            "per_round": results,
            "lookups": lookups,
            "wall_s": time.perf_counter() - started,
        },
    )  # fmt: skip


if __name__ == "__main__":
    main()
