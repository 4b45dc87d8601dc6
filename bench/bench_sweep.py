"""The deadline sweep over many open cases: `services.sweep.sweep` against the same reads and
writes done by hand through the raw driver, in alternating rounds, each on a fresh copy of the
same database.

    python bench/bench_sweep.py [--cases 50000] [--rounds 3] [--database-url URL] [--keep]

The city is 东城区 built through the services (bench/common.py). The open cases are written with
bulk INSERTs that mirror what intake and dispatch write (the case row with its stage clock as
`services.case_clock` stores it — sweep_at at the stage start, so every case is due at the first
pass — and the "report" history row, so version == history length): all in the disposal stage,
dispatched to a department, classes drawn from the catalogue (1 in 10 urgent), stage started a
random while before the sweep's moment, a Wednesday morning (exponential, mean 3 days, at most 30).
So the first pass — as after an upgrade, or a worker that was down — finds a city's worth of
backlog: green, yellow, red and every escalation level. That database is made once; every round
works on two copies of it (`common.database_copy`): gridcity on one, then the baseline on the other.

The passes, in this order on each copy:

* **first pass** at the moment: everything due;
* **right after**: the same moment again (nothing due; on PostgreSQL it still walks the index
  entries the first pass's updates left dead until a scan marks them or a vacuum removes them);
* **each minute**: `--minutes` passes a minute apart (the steady state of `gridcity worker`), median;
* **quiet pass**: at the last minute's moment again (nothing due: an empty index range).

**gridcity**: `services.sweep.sweep` — reads the due cases batch by batch, decides (clock, warnings,
escalation level, next look), writes the warnings, escalations (history row, notifications, outbox)
and the month's supervision list, one transaction per batch.

**baseline**: the least a program does for the same reads and writes, with the decisions taken
away: per batch, the same keyset SELECT of the due cases (the sweep's columns, `sweep_at` order,
the sweep's batch size, `FOR UPDATE SKIP LOCKED` on PostgreSQL) and then exactly the rows gridcity's
pass wrote for those cases — captured from gridcity's copy in the first round, not timed — written
through the raw driver (`sqlite3` / `psycopg`): one executemany of `UPDATE cases SET … WHERE id = ?`,
the new rows COPYed (PostgreSQL) or in one executemany per table (SQLite), committed per batch.
What gridcity adds over it is the deciding and its own bookkeeping.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    driver_transaction,
    fmt,
    fmt_spread,
    interleave,
    is_postgres,
    read_tables,
    report,
    scratch_database,
    tables_differ,
    workspace,
)

DISTRICT = "110101"
SEED = 20261128
CST = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CST)  # a Wednesday morning
USERS = (("bench_supervisor", "supervisor", DISTRICT),)
OPEN_STATES = ("dispatched", "disposing")


def make_cases(city: Any, n: int, log: Any = print) -> dict[str, Any]:
    """Bulk INSERT `n` open cases in the disposal stage and their report rows; returns counts."""
    from sqlalchemy import func, insert, select

    from gridcity.db.models import Case, CaseEvent, OrgUnit, User
    from gridcity.domain.clock import StageClock
    from gridcity.services import case_clock

    platform = city.platform
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    with platform.sessions() as db:
        calendar = platform.calendar(db)
        book = platform.catalogue(db)
        classes = [c for c in book.search(network="city_management") if c.kind == "event"]
        supervisor = db.scalar(select(User).where(User.username == "bench_supervisor"))
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
        case_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        for i in range(n):
            cls = rng.choice(classes)
            urgency = "urgent" if rng.random() < 0.1 and len(cls.urgency_levels) > 1 else cls.default_urgency
            limit = book.limit(cls, "dispose", urgency)
            # most open cases are recent, a tail is long overdue: ages ~ exponential, mean 3 days
            started = NOW - timedelta(seconds=min(rng.expovariate(1 / (3 * 86400)), 30 * 86400))
            reported = started - timedelta(minutes=rng.uniform(5, 90))
            clock = StageClock.start(calendar, started, limit)
            street = rng.choice(streets)
            row = {
                "id": first_id + i,
                "version": 1,
                "state": rng.choice(OPEN_STATES),
                "channel": "supervisor",
                "standard": cls.standard,
                "class_code": cls.code,
                "class_name": cls.name,
                "kind": cls.kind,
                "network": cls.network,
                "urgency": urgency,
                "description": "bench",
                "lon": 116.40 + rng.uniform(-0.02, 0.02),
                "lat": 39.91 + rng.uniform(-0.02, 0.02),
                "district_code": DISTRICT,
                "street_code": street,
                "reporter_id": supervisor.id,
                "department_id": rng.choice(departments),
                "reported_at": reported,
                "filed_at": reported,
                "dispatched_at": started,
                "updated_at": started,
                "rework_count": 0,
                "reopen_count": 0,
                "extension_count": 0,
                "escalation_level": 0,
                "stage_warned": 0,
                "stage": "dispose",
            }
            record = type("Record", (), dict(row))()
            case_clock.store_clock(record, clock, calendar)  # the clock columns and sweep_at, as written
            row.update(
                {
                    k: getattr(record, k)
                    for k in (
                        "stage_started_at",
                        "stage_unit",
                        "stage_budget_s",
                        "stage_paused_s",
                        "stage_paused_since",
                        "stage_deadline",
                        "sweep_at",
                    )
                }
            )
            case_rows.append(row)
            event_rows.append(
                {
                    "case_id": row["id"],
                    "seq": 1,
                    "at": reported,
                    "actor_id": supervisor.id,
                    "actor_name": supervisor.display_name,
                    "actor_role": "supervisor",
                    "action": "report",
                    "from_state": None,
                    "to_state": "accepted",
                    "note": "",
                    "data": {"channel": "supervisor"},
                }
            )
        built = time.perf_counter() - t0
        t1 = time.perf_counter()
        for start in range(0, n, 5000):
            db.execute(insert(Case.__table__), case_rows[start : start + 5000])
            db.execute(insert(CaseEvent.__table__), event_rows[start : start + 5000])
        db.commit()
        overdue = sum(1 for r in case_rows if r["stage_deadline"] < NOW)
    log(f"  {n:,} open cases ({overdue:,} overdue at {NOW:%Y-%m-%d %H:%M}) made in {built:.1f} s, "
        f"inserted in {time.perf_counter() - t1:.1f} s")  # fmt: skip
    return {"cases": n, "overdue": overdue}


# --- gridcity: the passes on its copy --------------------------------------------------------


def passes(minutes: int) -> list[tuple[str, datetime]]:
    """The passes of a round, in order: (name, moment)."""
    out = [("first", NOW), ("right_after", NOW)]
    out += [(f"minute_{k}", NOW + timedelta(minutes=k)) for k in range(1, minutes + 1)]
    return [*out, ("quiet", NOW + timedelta(minutes=minutes))]


@dataclass
class Plan:
    """What the baseline does in one pass: per batch the due case ids it must find (a check) and
    the rows to write; then the rows that belong to no batch (the carry-over)."""

    moment: datetime
    batches: list[list[int]]
    writes: list[Writes]  # one per batch, plus the rest
    final: Any = None  # on the last pass: gridcity's tables after it, to check the baseline's against


def due_batches(tables: Any, moment: datetime, size: int, postgres: bool) -> list[list[int]]:
    """The sweep's batches at `moment` from a snapshot of the cases: due ids in (sweep_at, id) order."""
    cases = tables["cases"]
    at, ident = cases.columns.index("sweep_at"), cases.columns.index("id")
    bound = moment if postgres else sqlite_moment(moment)
    due = sorted(
        (row[at], row[ident]) for row in cases.rows.values() if row[at] is not None and row[at] <= bound
    )
    ids = [i for _, i in due]
    return [ids[k : k + size] for k in range(0, len(ids), size)]


def sqlite_moment(moment: datetime) -> str:
    """A moment as gridcity's UTCDateTime stores it on SQLite (naive UTC text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def run_ours(
    city: Any, url: str, minutes: int, capture: bool, log: Any = print
) -> tuple[dict[str, Any], list[Plan]]:
    """The round's passes on a fresh platform over the copy at `url`; with `capture`, also what
    each pass wrote (the baseline's plans)."""
    from gridcity.config import Settings
    from gridcity.services.platform import Platform
    from gridcity.services.sweep import sweep

    platform = Platform(Settings(database_url=url, data_dir=city.data_dir, _env_file=None))  # type: ignore[call-arg]
    postgres = is_postgres(url)
    size = platform.settings.sweep_batch_size
    try:
        with platform.sessions() as db:  # warm: what a running worker has loaded already
            platform.calendar(db)
            platform.catalogue(db)
        figures: dict[str, Any] = {}
        plans: list[Plan] = []
        before = read_tables(url) if capture else None
        for name, moment in passes(minutes):
            t0 = time.perf_counter()
            with platform.sessions() as db:
                result = sweep(platform, db, moment)
            seconds = time.perf_counter() - t0
            figures[name] = {**_figures(result), "wall_s": seconds}
            if name == "first":
                log(f"    gridcity first pass: {result.summary()}")
            if before is not None:
                after = read_tables(url)
                batches = due_batches(before, moment, size, postgres)
                plans.append(Plan(moment, batches, diff_tables(before, after).split(batches)))
                before = after
    finally:
        platform.engine.dispose()
    if before is not None:
        plans[-1].final = before
    return figures, plans


# --- the baseline: the same reads and writes through the raw driver --------------------------


def due_sql(postgres: bool, keyset: bool) -> str:
    from gridcity.services.sweep import _COLUMNS

    mark = "%s" if postgres else "?"
    names = ", ".join(c.key for c in _COLUMNS)
    where = f"sweep_at IS NOT NULL AND sweep_at <= {mark}"
    if keyset:
        where += f" AND (sweep_at > {mark} OR (sweep_at = {mark} AND id > {mark}))"
    lock = " FOR UPDATE OF cases SKIP LOCKED" if postgres else ""
    return f"SELECT {names} FROM cases WHERE {where} ORDER BY sweep_at, id LIMIT {mark}{lock}"


def run_baseline(url: str, plans: list[Plan], size: int) -> dict[str, Any]:
    postgres = is_postgres(url)
    first_sql, next_sql = due_sql(postgres, False), due_sql(postgres, True)
    conn = connect_driver(url)
    figures: dict[str, Any] = {}
    try:
        for (name, _), plan in zip(passes(len(plans) - 3), plans, strict=True):
            bound = plan.moment if postgres else sqlite_moment(plan.moment)
            looked = written = 0
            t0 = time.perf_counter()
            cursor: tuple[Any, Any] | None = None
            k = 0
            while True:
                with driver_transaction(conn) as cur:
                    if cursor is None:
                        cur.execute(first_sql, (bound, size))
                    else:
                        cur.execute(next_sql, (bound, cursor[0], cursor[0], cursor[1], size))
                    rows = cur.fetchall()
                    if not rows:
                        break
                    if [r[0] for r in rows] != plan.batches[k]:
                        raise AssertionError(f"{name}: batch {k} is not the one gridcity's pass had")
                    written += apply_writes(cur, plan.writes[k], postgres)
                looked += len(rows)
                cursor = (rows[-1][-7], rows[-1][0])  # (sweep_at, id): see due_sql's columns
                k += 1
                if len(rows) < size:
                    break
            rest = plan.writes[-1]
            if rest.rows():
                with driver_transaction(conn) as cur:
                    written += apply_writes(cur, rest, postgres)
            figures[name] = {"wall_s": time.perf_counter() - t0, "looked_at": looked, "rows_written": written}
    finally:
        conn.close()
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000, help="open cases (50,000)")
    ap.add_argument("--rounds", type=int, default=3, help="A/B rounds, each on fresh copies (3)")
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--minutes", type=int, default=5, help="passes a minute apart after the first (5)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()

    from sqlalchemy import text

    from gridcity.services.sweep import _COLUMNS

    assert [c.key for c in _COLUMNS][-7] == "sweep_at", "due_sql's cursor position"
    started = time.perf_counter()
    with (
        workspace("bench-sweep", keep=args.keep) as work,
        scratch_database(args.database_url, work, "sweep.db", tag="sweep") as url,
    ):
        print(f"building the city in {work}")
        city = build_city(url, work / "data", (DISTRICT,), USERS)
        counts = make_cases(city, args.cases)
        size = city.platform.settings.sweep_batch_size
        with city.platform.engine.connect() as conn:  # statistics, as a running database has them
            conn.execute(text("ANALYZE"))
            conn.commit()
        city.platform.engine.dispose()  # nobody on the original: PostgreSQL copies it as a template
        backend = city.backend
        plans: list[Plan] = []

        def ours(r: int) -> dict[str, Any]:
            with database_copy(url, work, "a") as copy:
                figures, captured = run_ours(city, copy, args.minutes, capture=not plans)
            plans.extend(captured)
            first = figures["first"]
            quiet = figures["quiet"]["wall_s"] * 1000
            print(f"    gridcity: first pass {first['wall_s']:.2f} s, quiet {quiet:.1f} ms")
            return figures

        def base(r: int) -> dict[str, Any]:
            with database_copy(url, work, "b") as copy:
                figures = run_baseline(copy, plans, size)
                if r == 0:  # the baseline wrote what gridcity wrote (checked once, not timed)
                    differ = tables_differ(plans[-1].final, read_tables(copy))
                    if differ:
                        raise AssertionError(f"the baseline's tables differ from gridcity's: {differ}")
            first = figures["first"]
            print(f"    baseline: first pass {first['wall_s']:.2f} s ({first['rows_written']:,} rows), "
                  f"quiet {figures['quiet']['wall_s'] * 1000:.1f} ms")  # fmt: skip
            return figures

        results = interleave(args.rounds, {"gridcity": ours, "baseline": base})

    a, b = results["gridcity"], results["baseline"]
    looked = a[0]["first"]["looked_at"]
    minute_names = [f"minute_{k}" for k in range(1, args.minutes + 1)]

    def med(fig: dict[str, Any], names: list[str]) -> float:
        return statistics.median(fig[n]["wall_s"] for n in names)

    first = ab_summary([looked / f["first"]["wall_s"] for f in a], [looked / f["first"]["wall_s"] for f in b])
    timed = {
        "right_after": ab_summary([f["right_after"]["wall_s"] for f in a],
                                  [f["right_after"]["wall_s"] for f in b], higher_is_better=False),
        "minute": ab_summary([med(f, minute_names) for f in a], [med(f, minute_names) for f in b],
                             higher_is_better=False),
        "quiet": ab_summary([f["quiet"]["wall_s"] for f in a], [f["quiet"]["wall_s"] for f in b],
                            higher_is_better=False),
    }  # fmt: skip
    f0 = a[0]["first"]
    warnings = sum(f0["warnings"].values())
    escalated = sum(f0["escalations"].values())
    due_minute = statistics.median(a[0][n]["looked_at"] for n in minute_names)

    def ms(x: float) -> str:
        return fmt(x * 1000)

    ratio = "{:.2f}".format
    rows = [
        [f"first pass over {looked:,} due cases ({warnings:,} warnings, {escalated:,} escalations, "
         f"{f0['listed']:,} listed), cases/s",
         fmt_spread(first["gridcity"]), fmt_spread(first["baseline"]), fmt_spread(first["ratio"], ratio)],
        ["quiet pass right after the first pass, ms", fmt_spread(timed["right_after"]["gridcity"], ms),
         fmt_spread(timed["right_after"]["baseline"], ms), fmt_spread(timed["right_after"]["ratio"], ratio)],
        [f"a pass each minute after it, median of {args.minutes} (about {due_minute:.0f} cases due), ms",
         fmt_spread(timed["minute"]["gridcity"], ms), fmt_spread(timed["minute"]["baseline"], ms),
         fmt_spread(timed["minute"]["ratio"], ratio)],
        ["quiet pass (nothing due), steady state, ms", fmt_spread(timed["quiet"]["gridcity"], ms),
         fmt_spread(timed["quiet"]["baseline"], ms), fmt_spread(timed["quiet"]["ratio"], ratio)],
    ]  # fmt: skip
    report(
        f"sweep_{backend}",
        ["measure", "gridcity min / median / max", "baseline (same reads and writes, raw driver)",
         "speed ratio gridcity/baseline per round, min / median / max"],
        rows,
        {
            "backend": backend,
            "now": NOW.isoformat(),
            "cases": counts,
            "rounds": args.rounds,
            "batch_size": size,
            "first_pass": first,
            "right_after": timed["right_after"],
            "minute": timed["minute"],
            "quiet": timed["quiet"],
            "baseline_rows_per_pass": {
                name: plan_rows for name, plan_rows in zip(
                    [n for n, _ in passes(args.minutes)], [sum(w.rows() for w in p.writes) for p in plans],
                    strict=True,
                )
            },
            "per_round": {"gridcity": a, "baseline": b},
            "wall_s": time.perf_counter() - started,
        },
    )  # fmt: skip


def _figures(r: Any) -> dict[str, Any]:
    return {
        "seconds": r.seconds,
        "looked_at": r.looked_at,
        "warnings": dict(r.warnings),
        "escalations": {str(k): v for k, v in sorted(r.escalations.items())},
        "listed": r.listed,
        "carried_over": r.carried_over,
        "changed_meanwhile": r.changed_meanwhile,
        "failed": r.failed,
    }


if __name__ == "__main__":
    main()
