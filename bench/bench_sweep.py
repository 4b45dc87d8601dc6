"""The deadline sweep over many open cases: `services.sweep.sweep` against raw baselines in the
same run.

    python bench/bench_sweep.py [--cases 50000] [--database-url URL] [--keep]

The city is 东城区 built through the services (bench/common.py). The open cases are written with
bulk INSERTs that mirror what intake and dispatch write (the case row with its stage clock as
`services.case_clock` stores it — sweep_at at the stage start, so every case is due at the first
pass — and the "report" history row, so version == history length): all in the disposal stage,
dispatched to a department, classes drawn from the catalogue (1 in 10 urgent), stage started a
random while before the sweep's moment, a Wednesday morning (exponential, mean 3 days, at most 30).
So the first pass — as after an upgrade, or a worker that was down — finds a city's worth of
backlog: green, yellow, red and every escalation level.

Measured (each on the same database, one after the other):

* **first pass**: the sweep over all the due cases — decides, writes the warnings, escalations
  (history row, notifications, outbox) and the month's supervision list. Baseline: the same
  number of rows written by hand — per case the UPDATE, per warning a notification, per
  escalation the history row, its notifications and outbox message — as plain executemany
  batches of the same size in one transaction per batch, rolled back (no decisions, no clock).
* **each minute**: passes a minute apart after it (the steady state of `gridcity worker`), median.
* **quiet pass**: a pass at the same moment as the last one (nothing due: an empty index range);
  also the quiet pass right after the first one, which on PostgreSQL still walks the index
  entries the first pass's 50,000 updates left dead (MVCC) until a scan marks them or a vacuum
  removes them.
  Baseline for these: a bare `SELECT id FROM cases WHERE state IN (open) AND stage_deadline < now`
  (the overdue ids, on the cases' (state, stage_deadline) index), measured before the first pass.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common import build_city, report, scratch_database, workspace

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


def bare_select(city: Any) -> tuple[float, int]:
    """The baseline of finding the work: the overdue ids on the (state, stage_deadline) index."""
    from sqlalchemy import select

    from gridcity.db.models import Case

    with city.platform.sessions() as db:
        stmt = select(Case.id).where(Case.state.in_(OPEN_STATES), Case.stage_deadline < NOW)
        db.execute(stmt).all()  # warm
        t = time.perf_counter()
        ids = db.execute(stmt).scalars().all()
        return time.perf_counter() - t, len(ids)


def _note(case_id: int, event_id: int | None, role: str, kind: str) -> dict[str, Any]:
    return {
        "user_id": None,
        "role": role,
        "org_unit_id": None,
        "case_id": case_id,
        "event_id": event_id,
        "kind": kind,
        "text": "超时",
        "created_at": NOW,
    }


def _event(case_id: int, seq: int) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "seq": seq,
        "at": NOW,
        "actor_id": None,
        "actor_name": "系统",
        "actor_role": "system",
        "action": "escalate",
        "from_state": "disposing",
        "to_state": "disposing",
        "note": "升级",
        "data": {"level": 1},
    }


def raw_writes(city: Any, looked_at: int, warnings: int, escalations: int, batch: int) -> float:
    """The same number of rows as the first pass wrote, by hand, in batches of `batch` cases, each
    batch its own transaction, rolled back: per case one UPDATE; per warning one notification;
    per escalation one history row, three notifications, one outbox message."""
    from sqlalchemy import insert, select, text

    from gridcity.db.models import Case, CaseEvent, Notification, OutboxMessage

    with city.platform.sessions() as db:
        ids = db.execute(select(Case.id, Case.version).order_by(Case.id).limit(looked_at)).all()
        t = time.perf_counter()
        for start in range(0, len(ids), batch):
            chunk = [case_id for case_id, _ in ids[start : start + batch]]
            conn = db.connection()
            conn.execute(
                text("UPDATE cases SET stage_warned = 2, sweep_at = NULL WHERE id = :id AND version = :v"),
                [{"id": i, "v": v} for i, v in ids[start : start + batch]],
            )
            share = len(chunk) / max(1, len(ids))
            n_warn, n_esc = round(warnings * share), round(escalations * share)
            if n_warn:
                notes = [_note(chunk[k % len(chunk)], None, "handler", "warning") for k in range(n_warn)]
                conn.execute(insert(Notification), notes)
            if n_esc:
                events = [_event(chunk[k % len(chunk)], 1000 + start + k) for k in range(n_esc)]
                event_ids = conn.execute(insert(CaseEvent).returning(CaseEvent.id), events).scalars().all()
                conn.execute(
                    insert(Notification),
                    [
                        _note(e["case_id"], event_id, role, "escalation")
                        for e, event_id in zip(events, event_ids, strict=True)
                        for role in ("shift_leader", "dispatcher", "leader")
                    ],
                )
                messages = [
                    {
                        "topic": "case.escalate",
                        "case_id": e["case_id"],
                        "payload": {"seq": e["seq"]},
                        "created_at": NOW,
                    }
                    for e in events
                ]
                conn.execute(insert(OutboxMessage), messages)
            db.rollback()
        return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000, help="open cases (50,000)")
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--minutes", type=int, default=5, help="passes a minute apart after the first (5)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()

    with (
        workspace("bench-sweep", keep=args.keep) as work,
        scratch_database(args.database_url, work, "sweep.db", tag="sweep") as url,
    ):
        print(f"building the city in {work}")
        city = build_city(url, work / "data", (DISTRICT,), USERS)
        counts = make_cases(city, args.cases)
        from gridcity.services.sweep import sweep

        platform = city.platform
        batch = platform.settings.sweep_batch_size
        select_s, select_rows = bare_select(city)

        with platform.sessions() as db:
            first = sweep(platform, db, NOW)
        print("  first pass:", first.summary())
        with platform.sessions() as db:
            after = sweep(platform, db, NOW)
        print("  right after:", after.summary())
        minutes = []
        for k in range(1, args.minutes + 1):
            with platform.sessions() as db:
                minutes.append(sweep(platform, db, NOW + timedelta(minutes=k)))
            print(f"  minute {k}:", minutes[-1].summary())
        with platform.sessions() as db:
            quiet = sweep(platform, db, NOW + timedelta(minutes=args.minutes))
        print("  quiet pass:", quiet.summary())

        warnings = sum(first.warnings.values())
        raw_s = raw_writes(city, first.looked_at, warnings, first.escalated, batch)
        first_rate = first.looked_at / first.seconds
        raw_rate = first.looked_at / raw_s
        minute_s = sorted(m.seconds for m in minutes)[len(minutes) // 2]
        due = sorted(m.looked_at for m in minutes)[len(minutes) // 2]
        select_label = f"bare SELECT of the {select_rows:,} overdue ids"
        rows = [
            [
                f"first pass over {first.looked_at:,} due cases ({warnings:,} warnings, "
                f"{first.escalated:,} escalations, {first.listed:,} listed)",
                f"{first_rate:,.0f} cases/s ({first.seconds:.1f} s)",
                "the same rows written raw (executemany, same batches, rolled back)",
                f"{raw_rate:,.0f} cases/s ({raw_s:.1f} s)",
                round(first_rate / raw_rate, 2),
            ],
            [
                f"a pass each minute after it, median of {len(minutes)} (about {due} cases due)",
                f"{minute_s * 1000:.1f} ms",
                select_label,
                f"{select_s * 1000:.1f} ms",
                round(select_s / minute_s, 2) if minute_s else None,
            ],
            [
                "quiet pass (nothing due), steady state",
                f"{quiet.seconds * 1000:.1f} ms",
                select_label,
                f"{select_s * 1000:.1f} ms",
                round(select_s / quiet.seconds, 2) if quiet.seconds else None,
            ],
            [
                "quiet pass right after the first pass",
                f"{after.seconds * 1000:.1f} ms",
                select_label,
                f"{select_s * 1000:.1f} ms",
                round(select_s / after.seconds, 2) if after.seconds else None,
            ],
        ]
        backend = city.backend
        report(
            f"sweep_{backend}",
            ["measure", "gridcity", "baseline", "baseline figure", "speed ratio ours/baseline"],
            rows,
            {
                "backend": backend,
                "now": NOW.isoformat(),
                "cases": counts,
                "first_pass": _figures(first),
                "right_after": _figures(after),
                "minutes": [_figures(m) for m in minutes],
                "quiet_pass": _figures(quiet),
                "baseline": {
                    "raw_writes_seconds": raw_s,
                    "bare_select_seconds": select_s,
                    "bare_select_rows": select_rows,
                },
                "batch_size": batch,
            },
        )
        platform.engine.dispose()


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
