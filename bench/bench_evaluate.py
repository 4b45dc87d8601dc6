"""One month's assessment (绩效评价) over a year of cases: `services.evaluation.evaluate` for every
region level, the departments and the four posts, against raw GROUP BY counts of the same rows in
the same run.

    python bench/bench_evaluate.py [--cases 200000] [--month 2026-06] [--database-url URL] [--keep]

The city is 东城区 built through the services (bench/common.py), plus the staff of its platform
(supervisors per street, operators, shift leaders, dispatchers, one handler per department),
written directly. The cases are spread over 2026 and written with bulk INSERTs as the workflow
would have left them — the case row and its whole history, with the timing facts each history row
carries (`on_time`, `waited_s`) — with plausible outcomes: 60 % supervisor patrol, 25 % citizens,
10 % the 12345 hotline, 5 % sensors; public reports verified first (1 in 5 false); 3 % fixed on
the spot; 2 % dispatched to the wrong department and returned; 5 % extended, 3 % suspended;
6 % reworked once; 85 % disposed on time; 1 in 25 still open at the end of the year; 30 % of the
citizens' closed cases rated.

Measured (median of --repeat runs after a warm-up):

* **ours**: `evaluate(...)` for region district / street / community / grid, department, and
  supervisor / operator / shift_leader / dispatcher — every indicator, composite, grade, rank.
* **baseline**: for each of those nine tables, a bare GROUP BY count of the rows that table reads:
  the month's filed cases by the level's key (or department), the month's history rows of the
  post's actions by actor. Ratio = ours / baseline (how much the indicators cost over counting).
* also the raw GROUP BY of the whole case table (district × month), the figure the issue quotes.
* then the same with two indexes a rollup-less deployment would add (cases.filed_at,
  case_events(action, at)), created on the scratch database only.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common import build_city, report, scratch_database, workspace

DISTRICT = "110101"
SEED = 20261128
CST = ZoneInfo("Asia/Shanghai")
YEAR_START = datetime(2026, 1, 1, tzinfo=CST)
AS_OF = datetime(2027, 1, 10, 9, 0, tzinfo=CST)
TABLES = (
    ("region", "district"),
    ("region", "street"),
    ("region", "community"),
    ("region", "grid"),
    ("department", None),
    ("post", "supervisor"),
    ("post", "operator"),
    ("post", "shift_leader"),
    ("post", "dispatcher"),
)
POST_ACTIONS = {
    "supervisor": ("verify_ok", "verify_false", "check_pass", "check_fail"),
    "operator": ("send_verify", "accept_report", "reject", "assign_check"),
    "shift_leader": ("file", "close"),
    "dispatcher": ("dispatch",),
}
M = timedelta(minutes=1)


def make_staff(city: Any) -> dict[str, list[tuple[int, str]]]:
    """The platform's people, written directly (one password hash for all: nobody signs in)."""
    from sqlalchemy import insert, select

    from gridcity.db.models import OrgUnit, User
    from gridcity.services.security import hash_password

    secret = hash_password("bench-pw")
    with city.platform.sessions() as db:
        units = {code: uid for uid, code in db.execute(select(OrgUnit.id, OrgUnit.code))}
        streets = sorted(c for c in units if len(c) == 9 and c.startswith(DISTRICT) and c.isdigit())
        departments = sorted(
            c
            for (c,) in db.execute(
                select(OrgUnit.code).where(
                    OrgUnit.kind == "department", OrgUnit.scope_code.startswith(DISTRICT)
                )
            )
        )
        rows: list[dict[str, Any]] = []

        def add(name: str, role: str, unit: str) -> None:
            rows.append(
                {"username": name, "display_name": name, "password_hash": secret, "role": role,
                 "org_unit_id": units[unit], "active": True, "created_at": YEAR_START}
            )  # fmt: skip

        for n, street in enumerate(streets):
            for k in range(3):
                add(f"sup_{n}_{k}", "supervisor", street)
        for role, count in (("operator", 6), ("shift_leader", 4), ("dispatcher", 4)):
            for k in range(count):
                add(f"{role}_{k}", role, DISTRICT)
        for k, code in enumerate(departments):
            add(f"handler_{k}", "handler", code)
        db.execute(insert(User), rows)
        db.commit()
        staff: dict[str, list[tuple[int, str]]] = {}
        for uid, role, unit_id in db.execute(select(User.id, User.role, User.org_unit_id)):
            code = next(c for c, i in units.items() if i == unit_id)
            staff.setdefault(role, []).append((uid, code))
    return staff


class Writer:
    """The rows of one case: the case, its history (seq, actor, timing facts), a rating."""

    def __init__(self, rng: random.Random, staff: dict[str, list[tuple[int, str]]], dept_ids: dict[str, int]):
        self.rng, self.staff, self.dept_ids = rng, staff, dept_ids
        self.events: list[dict[str, Any]] = []
        self.ratings: list[dict[str, Any]] = []
        self.handler_of = {code: uid for uid, code in staff["handler"]}

    def pick(self, role: str, street: str | None = None) -> int:
        people = self.staff[role]
        if street is not None:
            local = [uid for uid, code in people if code == street]
            if local:
                return self.rng.choice(local)
        return self.rng.choice(people)[0]

    def case(
        self, case_id: int, grid: tuple[str, str, str, float, float], classes: list[Any]
    ) -> dict[str, Any]:
        rng = self.rng
        code, community, street, lon, lat = grid
        cls = rng.choice(classes)
        reported = YEAR_START + timedelta(seconds=rng.uniform(0, 365 * 86400))
        draw = rng.random()
        channel = (
            "supervisor"
            if draw < 0.6
            else "citizen"
            if draw < 0.85
            else "hotline"
            if draw < 0.95
            else "sensor"
        )
        supervisor = self.pick("supervisor", street)
        seq = 0
        events = self.events

        def ev(
            at: datetime, actor: int | None, role: str, action: str, frm: str | None, to: str, **data: Any
        ) -> None:
            nonlocal seq
            seq += 1
            events.append(
                {"case_id": case_id, "seq": seq, "at": at, "actor_id": actor, "actor_name": role,
                 "actor_role": role, "action": action, "from_state": frm, "to_state": to, "note": "",
                 "data": data}
            )  # fmt: skip

        row: dict[str, Any] = {
            "id": case_id, "version": 1, "state": "accepted", "channel": channel, "standard": cls.standard,
            "class_code": cls.code, "class_name": cls.name, "kind": cls.kind, "network": cls.network,
            "urgency": "normal", "description": "bench", "lon": lon, "lat": lat, "district_code": DISTRICT,
            "street_code": street, "community_code": community, "grid_code": code,
            "reported_at": reported, "updated_at": reported, "rework_count": 0, "reopen_count": 0,
            "extension_count": 0, "escalation_level": 0, "stage_warned": 0, "stage_paused_s": 0.0,
        }  # fmt: skip
        operator = self.pick("operator")
        t = reported
        if channel == "supervisor":
            row["reporter_id"] = supervisor
            ev(t, supervisor, "supervisor", "report", None, "accepted", channel=channel)
            accepted = t
        else:
            row["reporter_id"] = operator if channel == "hotline" else None
            ev(
                t,
                row["reporter_id"],
                "citizen" if channel == "citizen" else "operator",
                "report",
                None,
                "reported",
            )
            if channel in ("citizen", "hotline"):
                t2 = t + M * rng.expovariate(1 / 8)
                ev(
                    t2,
                    operator,
                    "operator",
                    "send_verify",
                    "reported",
                    "verifying",
                    waited_s=(t2 - t).total_seconds(),
                )
                t3 = t2 + M * rng.expovariate(1 / 20)
                if rng.random() < 0.2:
                    ev(
                        t3,
                        supervisor,
                        "supervisor",
                        "verify_false",
                        "verifying",
                        "rejected",
                        on_time=t3 <= t2 + 30 * M,
                    )
                    row.update(state="rejected", closed_at=t3, updated_at=t3)
                    return row
                ev(
                    t3,
                    supervisor,
                    "supervisor",
                    "verify_ok",
                    "verifying",
                    "accepted",
                    on_time=t3 <= t2 + 30 * M,
                )
                accepted = t3
            else:
                t2 = t + M * rng.expovariate(1 / 5)
                ev(t2, operator, "operator", "accept_report", "reported", "accepted")
                accepted = t2
        leader, dispatcher = self.pick("shift_leader"), self.pick("dispatcher")
        t = accepted + M * rng.expovariate(1 / 8)
        if channel == "supervisor" and rng.random() < 0.03:
            ev(t, supervisor, "supervisor", "self_handle", "accepted", "closed", closing_type="self_handled")
            row.update(state="closed", filed_at=t, closed_at=t, closing_type="self_handled", updated_at=t)
            return row
        deadline = accepted + 30 * M
        ev(t, leader, "shift_leader", "file", "accepted", "filed", on_time=t <= deadline)
        row["filed_at"] = t
        departments = list(self.dept_ids)
        department = rng.choice(departments)
        t += M * rng.expovariate(1 / 8)
        ev(t, dispatcher, "dispatcher", "dispatch", "filed", "dispatched", on_time=t <= deadline)
        if rng.random() < 0.02:  # the wrong department: returned, re-dispatched
            wrong = self.handler_of.get(department)
            t += M * rng.uniform(20, 120)
            ev(t, wrong, "handler", "request_return", "dispatched", "return_requested")
            t += M * rng.uniform(5, 30)
            ev(
                t,
                dispatcher,
                "dispatcher",
                "approve_return",
                "return_requested",
                "filed",
                returned_by_department_id=department,
            )
            department = rng.choice(departments)
            deadline = t + 30 * M
            t += M * rng.expovariate(1 / 8)
            ev(t, dispatcher, "dispatcher", "dispatch", "filed", "dispatched", on_time=t <= deadline)
        row.update(department_id=self.dept_ids[department], dispatched_at=t)
        handler = self.handler_of.get(department)
        rounds = 2 if rng.random() < 0.06 else 1
        end_open = rng.random() < 0.04
        for n in range(rounds):
            started = t
            limit = timedelta(hours=rng.choice((2, 4, 8, 24)))
            t += M * rng.uniform(5, 60)
            ev(t, handler, "handler", "accept", "dispatched", "disposing")
            if rng.random() < 0.05:
                t += M * 30
                ev(t, handler, "handler", "request_extension", "disposing", "extension_requested")
                t += M * 10
                ev(t, dispatcher, "dispatcher", "approve_extension", "extension_requested", "disposing")
                limit += timedelta(hours=4)
                row["extension_count"] += 1
            if rng.random() < 0.03:
                t += M * 30
                ev(t, handler, "handler", "request_suspension", "disposing", "suspension_requested")
                t += M * 10
                ev(t, dispatcher, "dispatcher", "approve_suspension", "suspension_requested", "suspended")
                paused = timedelta(days=rng.uniform(1, 10))
                t += paused
                ev(t, handler, "handler", "resume", "suspended", "disposing")
                limit += paused
            dispose_deadline = started + limit
            if end_open and n == rounds - 1:
                overdue = rng.random() < 0.6
                if overdue:
                    dispose_deadline = AS_OF - timedelta(days=rng.uniform(1, 30))
                row.update(state="disposing", stage="dispose", stage_started_at=started, updated_at=t)
                row["stage_deadline"] = dispose_deadline
                return row
            done = started + limit * (rng.uniform(0.1, 0.95) if rng.random() < 0.85 else rng.uniform(1.05, 3))
            t = max(t + M, done)
            ev(t, handler, "handler", "report_done", "disposing", "disposed", on_time=t <= dispose_deadline)
            row.update(disposed_at=t, dispose_deadline=dispose_deadline)
            sent = t + M * rng.expovariate(1 / 6)
            ev(
                sent,
                operator,
                "operator",
                "assign_check",
                "disposed",
                "disposed",
                waited_s=(sent - t).total_seconds(),
            )
            checked = sent + M * rng.expovariate(1 / 25)
            on_time = checked <= t + 60 * M
            if n < rounds - 1:
                ev(checked, supervisor, "supervisor", "check_fail", "disposed", "dispatched", on_time=on_time)
                row["rework_count"] += 1
                row["disposed_at"] = None
                t = checked
            else:
                ev(checked, supervisor, "supervisor", "check_pass", "disposed", "checked", on_time=on_time)
                t = checked
        closed = t + M * rng.expovariate(1 / 12)
        late = row["disposed_at"] > row["dispose_deadline"]
        closing = "overdue" if late else "normal"
        waited = (closed - t).total_seconds()
        ev(
            closed,
            leader,
            "shift_leader",
            "close",
            "checked",
            "closed",
            waited_s=waited,
            closing_type=closing,
        )
        row.update(state="closed", closed_at=closed, closing_type=closing, updated_at=closed)
        if channel == "citizen" and rng.random() < 0.3:
            stars = rng.choices((1, 2, 3, 4, 5), weights=(5, 7, 15, 35, 38))[0]
            self.ratings.append(
                {"case_id": case_id, "round": 0, "stars": stars, "comment": "", "rated_by": None,
                 "rated_at": closed + timedelta(hours=rng.uniform(1, 48))}
            )  # fmt: skip
        return row


def make_cases(
    city: Any, n: int, staff: dict[str, list[tuple[int, str]]], log: Any = print
) -> dict[str, Any]:
    from sqlalchemy import func, insert, select

    from gridcity.db.models import Case, CaseEvent, CaseRating, Grid, OrgUnit

    platform = city.platform
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    with platform.sessions() as db:
        book = platform.catalogue(db)
        classes = [c for c in book.search(network="city_management") if c.kind == "event"]
        grids = [
            (
                g.code,
                g.community_code,
                g.street_code,
                (g.min_lon + g.max_lon) / 2,
                (g.min_lat + g.max_lat) / 2,
            )
            for g in db.scalars(select(Grid).where(Grid.layer == "city_management", Grid.valid_to.is_(None)))
        ]
        dept_ids = {
            code: uid
            for uid, code in db.execute(
                select(OrgUnit.id, OrgUnit.code).where(
                    OrgUnit.kind == "department", OrgUnit.scope_code.startswith(DISTRICT)
                )
            )
        }
        first_id = (db.scalar(select(func.max(Case.id))) or 0) + 1
        writer = Writer(rng, staff, dept_ids)
        inserted = events = ratings = 0
        built = insert_s = 0.0
        chunk = 10_000
        for start in range(0, n, chunk):
            tb = time.perf_counter()
            rows = [
                writer.case(first_id + i, rng.choice(grids), classes)
                for i in range(start, min(n, start + chunk))
            ]
            counts: dict[int, int] = {}  # version == length of the history
            for e in writer.events:
                counts[e["case_id"]] = e["seq"]
            columns = [c.key for c in Case.__table__.columns]
            rows = [{k: row.get(k) for k in columns} | {"version": counts.get(row["id"], 1)} for row in rows]
            built += time.perf_counter() - tb
            ti = time.perf_counter()
            db.execute(insert(Case.__table__), rows)
            db.execute(insert(CaseEvent.__table__), writer.events)
            if writer.ratings:
                db.execute(insert(CaseRating.__table__), writer.ratings)
            db.commit()
            insert_s += time.perf_counter() - ti
            inserted += len(rows)
            events += len(writer.events)
            ratings += len(writer.ratings)
            writer.events, writer.ratings = [], []
            log(f"  {inserted:,} cases, {events:,} history rows", end="\r")
        if db.get_bind().dialect.name == "postgresql":
            from sqlalchemy import text

            db.execute(text("ANALYZE"))
            db.commit()
    log(f"\n  {inserted:,} cases, {events:,} history rows, {ratings:,} ratings: made in {built:.1f} s, "
        f"inserted in {insert_s:.1f} s ({time.perf_counter() - t0:.1f} s)")  # fmt: skip
    return {"cases": inserted, "events": events, "ratings": ratings}


def timed(work: Any, repeat: int) -> tuple[float, Any]:
    work()  # warm-up (caches, query plans)
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def ours(city: Any, month: str) -> dict[str, Any]:
    from gridcity.domain.assessment import month_period
    from gridcity.services import evaluation

    platform = city.platform
    period = month_period(month, CST)
    out = {}

    for kind, level in TABLES:

        def work(kind: str = kind, level: str | None = level) -> Any:
            with platform.sessions() as db:
                return evaluation.evaluate(platform, db, None, period, kind, level, as_of=AS_OF)

        out[(kind, level)] = work
    return out


def baselines(city: Any, month: str) -> dict[tuple[str, str | None], Any]:
    from sqlalchemy import func, select

    from gridcity.db.models import Case, CaseEvent
    from gridcity.domain.assessment import month_period

    period = month_period(month, CST)
    platform = city.platform
    keys = {
        "district": Case.district_code,
        "street": Case.street_code,
        "community": Case.community_code,
        "grid": Case.grid_code,
        None: Case.department_id,
    }
    out = {}
    for kind, level in TABLES:
        if kind == "post":
            assert level is not None
            stmt = (
                select(CaseEvent.actor_id, func.count())
                .where(
                    CaseEvent.action.in_(POST_ACTIONS[level]),
                    CaseEvent.at >= period.start,
                    CaseEvent.at < period.end,
                )
                .group_by(CaseEvent.actor_id)
            )
        else:
            key = keys[level]
            stmt = (
                select(key, func.count())
                .where(Case.filed_at >= period.start, Case.filed_at < period.end)
                .group_by(key)
            )

        def work(stmt: Any = stmt) -> Any:
            with platform.sessions() as db:
                return db.execute(stmt).all()

        out[(kind, level)] = work
    return out


def whole_table(city: Any) -> Any:
    from sqlalchemy import func, select

    from gridcity.db.models import Case

    platform = city.platform
    dialect = platform.engine.dialect.name
    month = (
        func.strftime("%Y-%m", Case.reported_at)
        if dialect == "sqlite"
        else func.to_char(Case.reported_at, "YYYY-MM")
    )
    stmt = select(Case.district_code, month, func.count()).group_by(Case.district_code, month)

    def work() -> Any:
        with platform.sessions() as db:
            return db.execute(stmt).all()

    return work


def measure(city: Any, month: str, repeat: int) -> tuple[list[dict[str, Any]], float, float]:
    rows = []
    ours_total = base_total = 0.0
    our_work, base_work = ours(city, month), baselines(city, month)
    for table in TABLES:
        ours_s, result = timed(our_work[table], repeat)
        base_s, _ = timed(base_work[table], repeat)
        ours_total += ours_s
        base_total += base_s
        graded = sum(1 for r in result.rows if r.assessment.grade is not None)
        rows.append(
            {
                "table": f"{table[0]} {table[1] or ''}".strip(),
                "rows": len(result.rows),
                "graded": graded,
                "ours_s": ours_s,
                "baseline_s": base_s,
            }
        )
    return rows, ours_total, base_total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=200_000, help="cases over 2026 (200,000)")
    ap.add_argument("--month", default="2026-06", help="the month evaluated (2026-06)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per measure, median (3)")
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()

    with (
        workspace("bench-evaluate", keep=args.keep) as work,
        scratch_database(args.database_url, work, "evaluate.db", tag="evaluate") as url,
    ):
        print(f"building the city in {work}")
        city = build_city(url, work / "data", (DISTRICT,))
        staff = make_staff(city)
        counts = make_cases(city, args.cases, staff)
        whole_s, whole_rows = timed(whole_table(city), args.repeat)

        plain, ours_total, base_total = measure(city, args.month, args.repeat)
        from sqlalchemy import text

        with city.platform.engine.begin() as conn:
            conn.execute(text("CREATE INDEX bench_cases_filed_at ON cases (filed_at)"))
            conn.execute(text("CREATE INDEX bench_events_action_at ON case_events (action, at)"))
            conn.execute(text("ANALYZE"))
        indexed, ours_idx, base_idx = measure(city, args.month, args.repeat)

        from sqlalchemy import func, select

        from gridcity.db.models import Case
        from gridcity.domain.assessment import month_period

        period = month_period(args.month, CST)
        with city.platform.sessions() as db:
            month_cases = db.scalar(
                select(func.count()).where(Case.filed_at >= period.start, Case.filed_at < period.end)
            )
        # the evaluation counts every case of the month once: the districts' 立案数 add up to it
        _, districts = timed(ours(city, args.month)[("region", "district")], 1)
        assert sum(r.facts["filed"] for r in districts.rows) == month_cases, "facts disagree with the cases"
        table_rows = []
        for a, b in zip(plain, indexed, strict=True):
            table_rows.append(
                [
                    f"{a['table']} ({a['rows']:,} rows, {a['graded']:,} graded)",
                    f"{a['ours_s'] * 1000:.0f} ms",
                    f"{a['baseline_s'] * 1000:.0f} ms",
                    round(a["ours_s"] / a["baseline_s"], 2) if a["baseline_s"] else None,
                    f"{b['ours_s'] * 1000:.0f} ms",
                    f"{b['baseline_s'] * 1000:.0f} ms",
                    round(b["ours_s"] / b["baseline_s"], 2) if b["baseline_s"] else None,
                ]
            )
        table_rows.append(
            [
                f"all nine tables of {args.month} ({month_cases:,} cases filed that month)",
                f"{ours_total * 1000:.0f} ms",
                f"{base_total * 1000:.0f} ms",
                round(ours_total / base_total, 2),
                f"{ours_idx * 1000:.0f} ms",
                f"{base_idx * 1000:.0f} ms",
                round(ours_idx / base_idx, 2),
            ]
        )
        table_rows.append(
            [
                f"raw GROUP BY district × month over all {counts['cases']:,} cases "
                f"({len(whole_rows)} groups)",
                "–",
                f"{whole_s * 1000:.0f} ms",
                None,
                "–",
                "–",
                None,
            ]
        )
        backend = city.backend
        report(
            f"evaluate_{backend}",
            [
                "table",
                "ours",
                "raw GROUP BY count",
                "ratio ours/raw",
                "ours, indexed",
                "raw, indexed",
                "ratio, indexed",
            ],
            table_rows,
            {
                "cases": counts,
                "month": args.month,
                "as_of": AS_OF.isoformat(),
                "repeat": args.repeat,
                "plain": plain,
                "indexed": indexed,
                "whole_table_group_by_s": whole_s,
                "indexes": ["cases(filed_at)", "case_events(action, at)"],
            },
        )


if __name__ == "__main__":
    main()
