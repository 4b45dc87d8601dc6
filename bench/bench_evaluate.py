"""The assessment (绩效评价) of a city-year: one month's and the whole year's indicators for every
region level, the departments and the four posts, read from the rollups (`domain.rollups`), against
the same reads done through the raw driver, in alternating rounds.

    python bench/bench_evaluate.py [--cases 200000] [--districts 110101 | all] [--month 2026-06]
                                   [--rounds 5] [--database-url URL] [--keep]

    # the issue's figure: a city-year of 7.7 million cases (the seed's 2013 volume), all 16 districts
    python bench/bench_evaluate.py --cases 7700000 --districts all --unit-grid-m2 250000 --no-scan

The city is built through the services (bench/common.py): the districts asked for, unit grids of
`--unit-grid-m2` (the product's default 10,000 m² would make millions of grids for the whole of
Beijing; 250,000 m² gives about 60,000), the staff of every platform (three supervisors per
street; operators, shift leaders, dispatchers per district; one handler per department) written
directly. The cases are spread over 2026 and written with bulk INSERTs (COPY on PostgreSQL) as the
workflow would have left them — the case row and its whole history, with the timing facts each
history row carries (`on_time`, `waited_s`) — with plausible outcomes: 60 % supervisor patrol,
25 % citizens, 10 % the 12345 hotline, 5 % sensors; public reports verified first (1 in 5 false);
3 % fixed on the spot; 2 % dispatched to the wrong department and returned; 5 % extended, 3 %
suspended; 6 % reworked once; 85 % disposed on time; 1 in 25 still open at the end of the year;
30 % of the citizens' closed cases rated. The rollups are counted as the rows are written, by the
functions the services use (`services.rollups.Tally`), and stored at the end.

Measured per table, for the month and for the whole year, in `--rounds` rounds (A/B/A/B…, after one
untimed run of each):

* **gridcity**: `evaluate(...)` of the table — every indicator, composite, grade, rank — as the API
  serves it (whole months: the rollups, plus the open overdue cases counted at evaluation time).
* **baseline**: the least a program does to get the same facts: exactly the SQL statements
  gridcity's evaluation sent (captured from an untimed run), sent through the raw driver in one
  read transaction and every row fetched — no ORM, no arithmetic, no grading, no ranking.
* with `--scan` (default up to 1 million cases), for information, a third contestant in the same
  rounds: the bare GROUP BY count over the cases (or history rows) the table is about — what a
  dashboard without rollups would have to scan at the least — and, once, the GROUP BY of the whole
  case table by district × month, the figure the issue quotes.
* with `--compare` (default up to 1 million cases): the rollups recounted from the stored rows
  (`gridcity rollups check`, timed) and found equal; the month also counted from the cases
  (`source="cases"`), and every row checked equal to the rollups' figures.

The indexes of the case tables are dropped for the bulk load and made again after it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from common import (
    BenchCity,
    ab_summary,
    build_city,
    connect_driver,
    driver_transaction,
    fmt_spread,
    interleave,
    report,
    scratch_database,
    sized_name,
    spread,
    workspace,
)

from gridcity.services.evaluation import TABLES

BEIJING = (
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119",
)  # fmt: skip
SEED = 20261128
CST = ZoneInfo("Asia/Shanghai")
YEAR_START = datetime(2026, 1, 1, tzinfo=CST)
AS_OF = datetime(2027, 1, 10, 9, 0, tzinfo=CST)
POST_ACTIONS = {
    "supervisor": ("verify_ok", "verify_false", "check_pass", "check_fail"),
    "operator": ("send_verify", "accept_report", "reject", "assign_check"),
    "shift_leader": ("file", "close"),
    "dispatcher": ("dispatch",),
}
M = timedelta(minutes=1)


def make_staff(city: Any) -> dict[str, dict[str, list[int]]]:
    """The platforms' people, written directly (one password hash for all: nobody signs in):
    role → organisation unit code → user ids."""
    from sqlalchemy import insert, select

    from gridcity.db.models import OrgUnit, User
    from gridcity.services.security import hash_password

    secret = hash_password("bench-pw")
    districts = city.districts
    with city.platform.sessions() as db:
        units = {code: uid for uid, code in db.execute(select(OrgUnit.id, OrgUnit.code))}
        streets = sorted(c for c in units if len(c) == 9 and c.isdigit() and c[:6] in districts)
        departments = sorted(
            c
            for (c,) in db.execute(select(OrgUnit.code).where(OrgUnit.kind == "department"))
            if c[:6] in districts
        )
        rows: list[dict[str, Any]] = []

        def add(name: str, role: str, unit: str) -> None:
            rows.append(
                {"username": name, "display_name": name, "password_hash": secret, "role": role,
                 "org_unit_id": units[unit], "active": True, "created_at": YEAR_START}
            )  # fmt: skip

        for street in streets:
            for k in range(3):
                add(f"sup_{street}_{k}", "supervisor", street)
        for district in districts:
            for role, count in (("operator", 6), ("shift_leader", 4), ("dispatcher", 4)):
                for k in range(count):
                    add(f"{role}_{district}_{k}", role, district)
        for code in departments:
            add(f"handler_{code}", "handler", code)
        for start in range(0, len(rows), 5000):
            db.execute(insert(User), rows[start : start + 5000])
        db.commit()
        code_of = {uid: code for code, uid in units.items()}
        staff: dict[str, dict[str, list[int]]] = {}
        for uid, role, unit_id in db.execute(select(User.id, User.role, User.org_unit_id)):
            staff.setdefault(role, {}).setdefault(code_of[unit_id], []).append(uid)
    return staff


class Writer:
    """The rows of one case: the case, its history (seq, actor, timing facts), a rating."""

    def __init__(self, rng: random.Random, staff: dict[str, dict[str, list[int]]], dept_ids: dict[str, int]):
        self.rng, self.staff = rng, staff
        self.events: list[dict[str, Any]] = []
        self.ratings: list[dict[str, Any]] = []
        self.handler_of = {code: uids[0] for code, uids in staff.get("handler", {}).items()}
        self.dept_ids = dept_ids
        self.departments_of: dict[str, list[str]] = {}
        for code in dept_ids:
            self.departments_of.setdefault(code[:6], []).append(code)

    def pick(self, role: str, unit: str) -> int:
        """Someone of the role in that unit (a street or a district), else anyone of the role."""
        people = self.staff[role].get(unit)
        if not people:
            people = self.staff[role][self.rng.choice(sorted(self.staff[role]))]
        return self.rng.choice(people)

    def case(
        self, case_id: int, grid: tuple[str, str, str, float, float], classes: list[Any]
    ) -> dict[str, Any]:
        rng = self.rng
        code, community, street, lon, lat = grid
        district = street[:6]
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
            "urgency": "normal", "description": "bench", "lon": lon, "lat": lat, "district_code": district,
            "street_code": street, "community_code": community, "grid_code": code,
            "reported_at": reported, "updated_at": reported, "rework_count": 0, "reopen_count": 0,
            "extension_count": 0, "escalation_level": 0, "stage_warned": 0, "stage_paused_s": 0.0,
        }  # fmt: skip
        operator = self.pick("operator", district)
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
        leader, dispatcher = self.pick("shift_leader", district), self.pick("dispatcher", district)
        t = accepted + M * rng.expovariate(1 / 8)
        if channel == "supervisor" and rng.random() < 0.03:
            ev(t, supervisor, "supervisor", "self_handle", "accepted", "closed", closing_type="self_handled")
            row.update(state="closed", filed_at=t, closed_at=t, closing_type="self_handled", updated_at=t)
            return row
        deadline = accepted + 30 * M
        ev(t, leader, "shift_leader", "file", "accepted", "filed", on_time=t <= deadline)
        row["filed_at"] = t
        departments = self.departments_of[district]
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
                 "rated_at": closed + timedelta(hours=rng.uniform(1, 48)),
                 "department_id": row.get("department_id"), "source": "portal",
                 "verdict": None, "solved": None}
            )  # fmt: skip
        return row


def _bulk(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows: COPY on PostgreSQL (psycopg), an executemany on SQLite."""
    if not rows:
        return
    columns = [c.key for c in table.columns if c.key in rows[0]]
    json_columns = {c.key for c in table.columns if c.type.__class__.__name__ == "JSON"}
    if connection.dialect.name != "postgresql":
        # sqlite3's executemany of plain tuples, values stored as SQLAlchemy stores them (UTC
        # timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff', JSON as text, booleans as 0/1)
        def utc_text(v: datetime) -> str:
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

        def as_json(v: Any) -> str:
            return json.dumps(v, ensure_ascii=False)

        convert = {"UTCDateTime": utc_text, "JSON": as_json, "Boolean": int}
        converters = [(c, convert.get(table.c[c].type.__class__.__name__)) for c in columns]

        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        raw_sqlite = connection.connection.driver_connection
        raw_sqlite.executemany(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
            [tuple(v if (v := row[c]) is None or f is None else f(v) for c, f in converters) for row in rows],
        )
        return
    raw = connection.connection.driver_connection
    with raw.cursor() as cur:
        names = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
                        for c in columns
                    ]
                )


def make_cases(city: Any, n: int, staff: dict[str, dict[str, list[int]]], log: Any = print) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from gridcity.db.models import Case, CaseEvent, CaseRating, Grid, OrgUnit
    from gridcity.domain.rollups import CASE_INPUTS, RatingLike
    from gridcity.services import rollups
    from gridcity.services.evaluation import rollup_rules

    platform = city.platform
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    with platform.sessions() as db:
        book = platform.catalogue(db)
        classes = [c for c in book.search(network="city_management") if c.kind == "event"]
        grids = [
            (code, community, street, (x0 + x1) / 2, (y0 + y1) / 2)
            for code, community, street, x0, x1, y0, y1 in db.execute(
                select(
                    Grid.code, Grid.community_code, Grid.street_code,
                    Grid.min_lon, Grid.max_lon, Grid.min_lat, Grid.max_lat,
                ).where(Grid.layer == "city_management", Grid.valid_to.is_(None))
            )
        ]  # fmt: skip
        dept_ids = {
            code: uid
            for uid, code in db.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.kind == "department"))
            if code[:6] in city.districts
        }
        first_id = (db.scalar(select(func.max(Case.id))) or 0) + 1
        first_event = (db.scalar(select(func.max(CaseEvent.id))) or 0) + 1
        db.rollback()
    writer = Writer(rng, staff, dept_ids)
    columns = [c.key for c in Case.__table__.columns]
    tally = rollups.Tally(rollup_rules(platform))
    counted_actions = frozenset(rollups.COUNTED_ACTIONS)
    tables = (Case.__table__, CaseEvent.__table__, CaseRating.__table__)
    indexes = [index for table in tables for index in table.indexes]
    inserted = events = ratings = 0
    built = insert_s = tallied = 0.0
    chunk = 20_000
    with platform.engine.connect() as connection:
        for index in indexes:  # a bulk load: the indexes are made again at the end
            index.drop(connection)
        connection.commit()
        for start in range(0, n, chunk):
            tb = time.perf_counter()
            rows = [
                writer.case(first_id + i, rng.choice(grids), classes)
                for i in range(start, min(n, start + chunk))
            ]
            counts: dict[int, int] = {}  # version == length of the history
            for e in writer.events:
                counts[e["case_id"]] = e["seq"]
                e["id"] = first_event
                first_event += 1
            rows = [{k: row.get(k) for k in columns} | {"version": counts.get(row["id"], 1)} for row in rows]
            built += time.perf_counter() - tb
            tt = time.perf_counter()
            stars: dict[int, list[RatingLike]] = {}
            for rating in writer.ratings:
                stars.setdefault(rating["case_id"], []).append(
                    RatingLike(rating["stars"], rating["department_id"])
                )
            history: dict[int, list[Any]] = {}
            for e in writer.events:
                if e["action"] in counted_actions:
                    history.setdefault(e["case_id"], []).append(SimpleNamespace(**e))
            for row in rows:
                tally.add_case(SimpleNamespace(**{k: row[k] for k in CASE_INPUTS}), stars.get(row["id"], ()))
                tally.add_history(history.get(row["id"], []))
            tallied += time.perf_counter() - tt
            ti = time.perf_counter()
            connection.execute(text("SELECT 1"))  # begin: the commit below ends the raw writes too
            _bulk(connection, Case.__table__, rows)
            _bulk(connection, CaseEvent.__table__, writer.events)
            for k, rating in enumerate(writer.ratings):
                rating["id"] = ratings + k + 1
            _bulk(connection, CaseRating.__table__, writer.ratings)
            connection.commit()
            insert_s += time.perf_counter() - ti
            inserted += len(rows)
            events += len(writer.events)
            ratings += len(writer.ratings)
            writer.events, writer.ratings = [], []
            rate = inserted / (time.perf_counter() - t0)
            log(f"  {inserted:,} cases, {events:,} history rows ({rate:,.0f} cases/s)", end="\r")
        log("\n  making the indexes")
        for index in indexes:
            index.create(connection)
        connection.commit()
        if connection.dialect.name == "postgresql":
            for table in ("cases", "case_events", "case_ratings"):  # the ids were given: move the sequences
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        connection.commit()
        if connection.dialect.name == "postgresql":  # statistics, and the visibility map for index-only scans
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()
    load_s = time.perf_counter() - t0
    log(f"  {inserted:,} cases, {events:,} history rows, {ratings:,} ratings: made in {built:.1f} s, "
        f"counted in {tallied:.1f} s, inserted in {insert_s:.1f} s ({load_s:.1f} s)")  # fmt: skip
    ts = time.perf_counter()
    with platform.sessions() as db:
        stored = rollups.store(platform, db, tally.rows)
    store_s = time.perf_counter() - ts
    log(f"  rollups: {stored.rows:,} rows stored in {store_s:.1f} s")
    return {
        "cases": inserted,
        "events": events,
        "ratings": ratings,
        "load_s": load_s,
        "rollups_counted_s": tallied,
        "rollups_rows": stored.rows,
        "rollups_store_s": store_s,
    }


def recount_rollups(city: Any) -> dict[str, Any]:
    """`gridcity rollups check`: count the rollups again from the stored cases and history and compare
    with those counted as the rows were written (timed: what `gridcity rollups rebuild` costs)."""
    from gridcity.services import rollups

    t = time.perf_counter()
    with city.platform.sessions() as db:
        found = rollups.differences(city.platform, db)
    seconds = time.perf_counter() - t
    assert not found, f"the rollups disagree with a recount: {found[:5]}"
    print(f"  rollups recounted from the database in {seconds:.1f} s: equal")
    return {"seconds": seconds}


def timed(work: Any, repeat: int, warm_up: bool = True) -> tuple[float, Any]:
    if warm_up:
        work()  # caches, query plans
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def evaluation_of(city: Any, period: Any, source: str = "auto") -> dict[tuple[str, str | None], Any]:
    from gridcity.services import evaluation

    platform = city.platform
    out = {}
    for kind, level in TABLES:

        def work(kind: str = kind, level: str | None = level) -> Any:
            with platform.sessions() as db:
                return evaluation.evaluate(
                    platform, db, None, period, kind, level, as_of=AS_OF, source=source
                )

        out[(kind, level)] = work
    return out


def raw_counts(city: Any, period: Any) -> dict[tuple[str, str | None], Any]:
    """Per table, a bare GROUP BY count of the rows it is about."""
    from sqlalchemy import func, select

    from gridcity.db.models import Case, CaseEvent

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
    """The raw GROUP BY of the issue: every case, by district × month."""
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


def label(table: tuple[str, str | None]) -> str:
    return f"{table[0]} {table[1] or ''}".strip()


def captured_statements(city: Any, work: Any) -> list[tuple[str, Any]]:
    """The SQL statements (text and parameters, as the driver got them) of one call of `work`."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def hook(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        seen.append((statement, parameters))

    engine = city.platform.engine
    event.listen(engine, "before_cursor_execute", hook)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    return seen


def replay(conn: Any, statements: list[tuple[str, Any]]) -> Any:
    """The statements through the raw driver in one read transaction, every row fetched."""
    out = []
    with driver_transaction(conn) as cur:
        for statement, parameters in statements:
            cur.execute(statement, parameters)
            out.append(cur.fetchall() if cur.description else None)
    return out


def measure(city: Any, period: Any, rounds: int, scan: bool) -> list[dict[str, Any]]:
    ours, raw = evaluation_of(city, period), raw_counts(city, period)
    conn = connect_driver(city.url)
    rows = []
    try:
        for table in TABLES:
            ours[table]()  # warm: caches, query plans
            statements = captured_statements(city, ours[table])  # a warm call's statements
            contestants: dict[str, Any] = {
                "gridcity": lambda _r, work=ours[table]: timed_once(work),
                "baseline": lambda _r, st=statements: timed_once(lambda: replay(conn, st)),
            }
            if scan:
                contestants["scan"] = lambda _r, work=raw[table]: timed_once(work)
            for run in contestants.values():
                run(-1)  # one untimed run of each
            runs = interleave(rounds, contestants, log=lambda _m: None)
            result = runs["gridcity"][-1][1]
            seconds = {name: [t for t, _ in r] for name, r in runs.items()}
            graded = sum(1 for r in result.rows if r.assessment.grade is not None)
            summary = ab_summary(seconds["gridcity"], seconds["baseline"], higher_is_better=False)
            rows.append(
                {
                    "table": label(table),
                    "rows": len(result.rows),
                    "graded": graded,
                    "statements": len(statements),
                    "seconds": seconds,
                    "summary": summary,
                    "scan": spread(seconds["scan"]) if scan else None,
                }
            )
            ratio = summary["ratio"]
            print(f"  {period.label} {label(table)}: gridcity {summary['gridcity']['median'] * 1000:.0f} ms, "
                  f"same statements raw {summary['baseline']['median'] * 1000:.0f} ms, ratio "
                  f"{fmt_spread(ratio, '{:.2f}')}")  # fmt: skip
    finally:
        conn.close()
    return rows


def timed_once(work: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = work()
    return time.perf_counter() - t, result


def totals(measured: list[dict[str, Any]], chosen: tuple[str, ...]) -> dict[str, Any]:
    """The chosen tables added up round by round."""
    picked = [m for m in measured if m["table"] in chosen]
    ours = [sum(v) for v in zip(*(m["seconds"]["gridcity"] for m in picked), strict=True)]
    base = [sum(v) for v in zip(*(m["seconds"]["baseline"] for m in picked), strict=True)]
    return ab_summary(ours, base, higher_is_better=False)


def compare(city: Any, period: Any) -> float:
    """The month counted from the cases, and checked equal to the rollups' figures row by row."""
    from gridcity.services import evaluation

    t = time.perf_counter()
    from_cases = evaluation_of(city, period, "cases")
    from_rollups = evaluation_of(city, period, "rollups")
    for table in TABLES:
        a = [evaluation.row_view(r) for r in from_rollups[table]().rows]
        b = [evaluation.row_view(r) for r in from_cases[table]().rows]
        assert a == b, f"{label(table)}: the rollups disagree with the cases"
    return time.perf_counter() - t


def reused(where: str, districts: tuple[str, ...]) -> tuple[Any, dict[str, Any]]:
    """The city of a database an earlier --keep run loaded (its rollups counted then)."""
    from sqlalchemy import func, select

    from gridcity.config import Settings
    from gridcity.db.models import Case, CaseEvent, CaseRating
    from gridcity.services.platform import Platform

    url = where if "://" in where else f"sqlite:///{Path(where).resolve().as_posix()}"
    data = Path(tempfile.mkdtemp(prefix="gridcity-bench-reuse-"))
    platform = Platform(Settings(database_url=url, data_dir=data, _env_file=None))  # type: ignore[call-arg]
    with platform.engine.begin() as connection:
        for index in Case.__table__.indexes:  # as the schema has them now
            index.create(connection, checkfirst=True)
    with platform.sessions() as db:
        counts = {
            "cases": db.scalar(select(func.count()).select_from(Case)),
            "events": db.scalar(select(func.count()).select_from(CaseEvent)),
            "ratings": db.scalar(select(func.count()).select_from(CaseRating)),
            "reused": url,
        }
    print(f"reusing {url}: {counts['cases']:,} cases, {counts['events']:,} history rows")
    return BenchCity(url, data, districts, platform, 0.0), counts


TARGET = ("region district", "region street", "department", "post supervisor", "post operator",
          "post shift_leader", "post dispatcher")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=200_000, help="cases over 2026 (200,000)")
    ap.add_argument(
        "--districts", default="110101", help="district codes, comma-separated, or 'all' (110101)"
    )
    ap.add_argument(
        "--unit-grid-m2", type=float, default=None, help="unit grids' target area (product default)"
    )
    ap.add_argument("--month", default="2026-06", help="the month evaluated (2026-06)")
    ap.add_argument("--rounds", type=int, default=5, help="A/B rounds per table and period (5)")
    ap.add_argument(
        "--scan",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time, for information, the bare GROUP BY over the cases per table in the same "
        "rounds (default: up to 1 M cases; minutes per round at 7.7 M)",
    )
    ap.add_argument(
        "--raw-year",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --scan, also for the whole year (--no-raw-year: the month only)",
    )
    ap.add_argument(
        "--compare",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also count the month from the cases and check equality (default: up to 1 M cases)",
    )
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument(
        "--reuse",
        default=None,
        help="measure again on a database a --keep run left (a SQLite file or a database URL)",
    )
    args = ap.parse_args()
    districts = BEIJING if args.districts == "all" else tuple(d.strip() for d in args.districts.split(","))
    check = args.compare if args.compare is not None else (not args.reuse and args.cases <= 1_000_000)
    scan = args.scan if args.scan is not None else args.cases <= 1_000_000

    from gridcity.domain.assessment import month_period, range_period

    month = month_period(args.month, CST)
    year = range_period(YEAR_START.date(), YEAR_START.date().replace(year=YEAR_START.year + 1), CST)
    with contextlib.ExitStack() as stack:
        if args.reuse:
            city, counts = reused(args.reuse, districts)
            recounted = None
        else:
            work = stack.enter_context(workspace("bench-evaluate", keep=args.keep))
            url = stack.enter_context(
                scratch_database(args.database_url, work, "evaluate.db", tag="evaluate")
            )
            print(f"building the city in {work}")
            city = build_city(
                url, work / "data", districts, layers=("city_management",), unit_grid_m2=args.unit_grid_m2
            )
            staff = make_staff(city)
            counts = make_cases(city, args.cases, staff)
            recounted = recount_rollups(city) if check else None
        whole_s, whole_rows = timed(whole_table(city), 1, warm_up=False) if scan else (float("nan"), [])
        if scan:
            print(f"  raw GROUP BY district × month over all cases (one cold run): {whole_s:.2f} s")
        monthly = measure(city, month, args.rounds, scan)
        yearly = measure(city, year, args.rounds, scan and args.raw_year)
        compare_s = compare(city, month) if check else None

        from sqlalchemy import func, select

        from gridcity.db.models import Case, Grid

        with city.platform.sessions() as db:
            month_cases = db.scalar(
                select(func.count()).where(Case.filed_at >= month.start, Case.filed_at < month.end)
            )
            grids = db.scalar(select(func.count()).select_from(Grid).where(Grid.layer == "city_management"))
        # every case of the month counted once: the districts' 立案数 add up to it
        districts_table = evaluation_of(city, month)[("region", "district")]()
        assert sum(r.facts["filed"] for r in districts_table.rows) == month_cases, (
            "facts disagree with the cases"
        )

        def ms(x: float) -> str:
            return (
                "–" if x != x else f"{x * 1000:,.0f}" if x >= 0.01 else f"{x * 1000:.2f}"
            )  # NaN: not measured

        def ratio(x: float) -> str:
            return f"{x:.2f}"

        table_rows = []
        for period_label, measured in ((args.month, monthly), ("2026", yearly)):
            for m in measured:
                sm = m["summary"]
                table_rows.append(
                    [
                        period_label,
                        f"{m['table']} ({m['rows']:,} rows, {m['statements']} statements)",
                        fmt_spread(sm["gridcity"], ms),
                        fmt_spread(sm["baseline"], ms),
                        fmt_spread(sm["ratio"], ratio),
                        ms(m["scan"]["median"]) if m["scan"] else "–",
                    ]
                )
            sums = (
                ("the seven target tables (district, street, department, four posts)", TARGET),
                ("all nine tables", tuple(label(t) for t in TABLES)),
            )
            for name, chosen in sums:
                sm = totals(measured, chosen)
                scans = [m["scan"]["median"] for m in measured if m["table"] in chosen and m["scan"]]
                table_rows.append(
                    [
                        period_label,
                        f"**{name}**",
                        f"**{fmt_spread(sm['gridcity'], ms)}**",
                        fmt_spread(sm["baseline"], ms),
                        fmt_spread(sm["ratio"], ratio),
                        ms(sum(scans)) if scans else "–",
                    ]
                )
        if scan:
            table_rows.append(
                ["all", f"raw GROUP BY district × month over all {counts['cases']:,} cases "
                 f"({len(whole_rows)} groups), one cold run", "–", "–", "–", ms(whole_s)]
            )  # fmt: skip
        targets = {"month": totals(monthly, TARGET), "year": totals(yearly, TARGET)}
        backend = city.backend
        report(
            sized_name("evaluate", backend, counts["cases"], 7_700_000),
            [
                "period",
                "table",
                "gridcity ms, min / median / max",
                "same statements through the raw driver, ms, min / median / max",
                "speed ratio gridcity/baseline per round, min / median / max",
                "bare GROUP BY scan of the cases, ms (median, information)",
            ],
            table_rows,
            {
                "cases": counts,
                "districts": list(districts),
                "unit_grids": grids,
                "month": args.month,
                "month_cases": month_cases,
                "as_of": AS_OF.isoformat(),
                "rounds": args.rounds,
                "target_tables": targets,
                "monthly": monthly,
                "yearly": yearly,
                "whole_table_group_by_s": whole_s,
                "rollups_recount": recounted,
                "compared_with_cases_s": compare_s,
            },
        )


if __name__ == "__main__":
    main()
