"""The rollup tables (`domain.rollups`): adding a contribution in the caller's transaction, reading
a period's sums per scope key, the facts of time counted over the open cases, and the state row
that says under which rules the rollups were counted."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gridcity.db.evaluation import (
    DEFAULT_RESPOND_WITHIN_S,
    OPEN,
    REGION_COLUMNS,
    PublicReports,
    time_fact_conditions,
)
from gridcity.db.models import (
    Case,
    CaseEvent,
    CaseRating,
    RollupState,
    rollup_departments,
    rollup_posts,
    rollup_regions,
)
from gridcity.domain.assessment import HOTLINE_FACTS, PATROL_FACTS, POST_FACTS
from gridcity.domain.rollups import (
    CASE_COUNTERS,
    CASE_INPUTS,
    DEPARTMENT,
    POST,
    POST_COUNTERS,
    REGION,
    Contribution,
    RatingLike,
    by_table,
)

TABLES: dict[str, tuple[Table, tuple[str, ...], tuple[str, ...]]] = {
    # table name in a RowKey → (table, key columns after the month, counters)
    REGION: (rollup_regions, ("level", "code"), CASE_COUNTERS),
    DEPARTMENT: (rollup_departments, ("department_id",), CASE_COUNTERS),
    POST: (rollup_posts, ("role", "user_id"), POST_COUNTERS),
}


def _upsert(connection: Connection, table: Table, keys: Sequence[str], counters: Sequence[str]) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE SET c = c + excluded.c, for both databases."""
    return _upsert_statement(connection.dialect.name, table, tuple(keys), tuple(counters))


@functools.cache
def _upsert_statement(
    dialect_name: str, table: Table, keys: tuple[str, ...], counters: tuple[str, ...]
) -> Any:
    # built once per table and dialect: a statement of dozens of counters costs more to build and
    # to key for SQLAlchemy's compiled cache than its execution (every workflow step runs one)
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=["month", *keys],
        set_={name: table.c[name] + stmt.excluded[name] for name in counters},
    )


def apply(connection: Connection, contribution: Contribution) -> None:
    """Add a contribution to the rollups (one executemany per table, rows in key order)."""
    for name, rows in by_table(contribution).items():
        table, keys, counters = TABLES[name]
        params = []
        for key, counts in rows:
            row = dict(zip(("month", *keys), key[1:], strict=True))
            row.update({c: int(counts.get(c, 0)) for c in counters})
            params.append(row)
        connection.execute(_upsert(connection, table, keys, counters), params)


def replace_all(connection: Connection, contribution: Contribution, chunk: int = 5000) -> int:
    """Empty the rollup tables and write `contribution` as their rows (a rebuild). Returns the
    number of rows written."""
    for table, _keys, _counters in TABLES.values():
        connection.execute(delete(table))
    written = 0
    for name, rows in by_table(contribution).items():
        table, keys, counters = TABLES[name]
        batch: list[dict[str, Any]] = []
        for key, counts in rows:
            if not any(counts.values()):
                continue
            row = dict(zip(("month", *keys), key[1:], strict=True))
            row.update({c: int(counts.get(c, 0)) for c in counters})
            batch.append(row)
            if len(batch) >= chunk:
                connection.execute(insert(table), batch)
                written += len(batch)
                batch = []
        if batch:
            connection.execute(insert(table), batch)
            written += len(batch)
    return written


def lock_for_rebuild(connection: Connection) -> None:
    """Make writers that change cases wait until a rebuild commits (PostgreSQL; SQLite has one
    writer at a time anyway), so that no change is counted twice or lost by the rebuild."""
    if connection.dialect.name == "postgresql":
        names = ", ".join(t.name for t, _k, _c in TABLES.values())
        connection.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def stored(connection: Connection) -> Contribution:
    """Every rollup row, as a contribution (for comparing with a recount)."""
    out: Contribution = {}
    for name, (table, keys, counters) in TABLES.items():
        for row in connection.execute(select(table)).mappings():
            counts = Counter({c: int(row[c]) for c in counters if row[c]})
            if counts:
                out[(name, row["month"], *(row[k] for k in keys))] = counts
    return out


# --- state -----------------------------------------------------------------------------------


def state(connection: Connection) -> tuple[str | None, bool]:
    """(fingerprint, present): the rules the rollups were counted under (None: not yet settled,
    counted since the tables were created on an empty database); present is False when the rollups
    were never counted (a database that had cases before the tables existed)."""
    row = connection.execute(select(RollupState.fingerprint).order_by(RollupState.id).limit(1)).first()
    if row is None:
        return None, False
    return row.fingerprint or None, True


def set_state(connection: Connection, fingerprint: str, at: datetime, cases: int | None = None) -> None:
    values: dict[str, Any] = {"fingerprint": fingerprint, "rebuilt_at": at}
    if cases is not None:
        values["cases"] = cases
    if connection.execute(update(RollupState).values(values)).rowcount == 0:
        connection.execute(insert(RollupState).values({"cases": 0, **values}))


def has_cases(connection: Connection) -> bool:
    return connection.execute(select(Case.id).limit(1)).first() is not None


# --- reading a period ------------------------------------------------------------------------


def _sums(table: Table, counters: Sequence[str]) -> list[Any]:
    return [func.sum(table.c[name]).label(name) for name in counters]


def _case_row(counts: dict[str, int]) -> dict[str, int]:
    """Rolled-up case counts as the facts of `domain.assessment` (the facts of time added later)."""
    return {
        "filed": counts["filed"],
        "public_reports": counts["public_reports"],
        "closed": counts["closed"],
        "closed_on_time": counts["closed_on_time"],
        "open_overdue": 0,
        "reworked": counts["reworked_closed"],
        "disposed": counts["disposed"],
        "disposed_on_time": counts["disposed_on_time"],
        "dispose_overdue": 0,
        "ratings": counts["ratings"],
        "stars": counts["stars"],
        "dissatisfied": counts["dissatisfied"],
        **{name: counts[name] for name in HOTLINE_FACTS},
        "hotline_unanswered_late": 0,
    }


def case_facts(
    connection: Connection,
    level: str,
    months: Sequence[str],
    start: datetime,
    end: datetime,
    as_of: datetime,
    respond_within_s: float = DEFAULT_RESPOND_WITHIN_S,
) -> dict[Any, dict[str, int]]:
    """`db.evaluation.case_facts` of whole months from the rollups: the lasting facts summed over
    the months' rollup rows, the facts of time counted over the period's open overdue cases."""
    counters = [c for c in CASE_COUNTERS if c != "public_filed_reported"]
    case_key: Any
    if level == "department":
        table, column, case_key = rollup_departments, rollup_departments.c.department_id, Case.department_id
    else:
        table, column, case_key = rollup_regions, rollup_regions.c.code, REGION_COLUMNS[level]
    stmt = (
        select(column.label("key"), *_sums(table, counters))
        .where(table.c.month.in_(list(months)))
        .group_by(column)
    )
    if level != "department":
        stmt = stmt.where(table.c.level == level)
    facts: dict[Any, dict[str, int]] = {}
    for row in connection.execute(stmt).mappings():
        counts = {name: int(row[name] or 0) for name in counters}
        if any(counts.values()):
            facts[row["key"]] = _case_row(counts)
    for key, late in time_facts(connection, case_key, start, end, as_of, respond_within_s).items():
        target = facts.setdefault(key, _case_row(dict.fromkeys(counters, 0)))
        target["open_overdue"] += late["open_overdue"]
        target["reworked"] += late["reworked_open_overdue"]
        target["dispose_overdue"] += late["dispose_overdue"]
        target["hotline_unanswered_late"] += late["hotline_unanswered_late"]
    return facts


def time_facts(
    connection: Connection,
    key: Any,
    start: datetime,
    end: datetime,
    as_of: datetime,
    respond_within_s: float = DEFAULT_RESPOND_WITHIN_S,
) -> dict[Any, dict[str, int]]:
    """The facts of time of the cases filed in [start, end), per `key` (a Case column): only open
    cases past their stage deadline at `as_of` can have any, so only those are read (by the index on
    state and filing time). The conditions are `db.evaluation`'s own."""
    conditions = time_fact_conditions(as_of, respond_within_s)
    # The open cases of the period first — by the index on (state, filed_at, …) that covers every
    # column read here — then flagged and grouped. Left to themselves the planners chose worse:
    # SQLite walked an index on the grouping column over all 7.7 million cases of a city-year (15 s
    # for streets, 33 s for grids), PostgreSQL the (state, stage_deadline) index with a visit to
    # every overdue case of any period (1 s); so the deadline is not in the WHERE clause.
    late = (
        select(
            key.label("key"),
            *(case((condition, 1), else_=0).label(name) for name, condition in conditions.items()),
        )
        .where(Case.state.in_(OPEN), Case.filed_at >= start, Case.filed_at < end, key.is_not(None))
        .cte("late")
        .prefix_with("MATERIALIZED")
    )
    stmt = select(late.c.key, *(func.sum(late.c[name]).label(name) for name in conditions)).group_by(
        late.c.key
    )
    return {
        row["key"]: {name: int(row[name] or 0) for name in conditions}
        for row in connection.execute(stmt).mappings()
    }


def public_reports(connection: Connection, months: Sequence[str]) -> PublicReports:
    """`db.evaluation`'s valid public reports per area (漏报) of whole months, from the rollups."""
    t = rollup_regions
    stmt = (
        select(t.c.level, t.c.code, func.sum(t.c.public_filed_reported))
        .where(t.c.month.in_(list(months)), t.c.level.in_(("district", "street", "community", "grid")))
        .group_by(t.c.level, t.c.code)
    )
    counts: dict[str, int] = {}
    grids: dict[str, int] = {}
    for level, code, n in connection.execute(stmt):
        if n:
            (grids if level == "grid" else counts)[code] = int(n)
            if level == "district":
                counts[""] = counts.get("", 0) + int(n)
    return PublicReports(counts, grids)


# The post facts that are counted less those a later history row showed wrong (read as the count
# and the spoilt ones: `domain.rollups`).
_SPOILT = {
    "filings_accurate": ("filings", "filings_wrong"),
    "dispatches_accurate": ("dispatches", "dispatches_sent_back"),
}


def _post_counters(role: str) -> tuple[str, ...]:
    """The rollup counters a post's facts are read from ('missed' comes from the region rows, the
    patrol facts from the patrols)."""
    names = [f for f in POST_FACTS[role] if f != "missed" and f not in _SPOILT and f not in PATROL_FACTS]
    names += [_SPOILT[f][1] for f in POST_FACTS[role] if f in _SPOILT]
    return tuple(names)


def post_facts(connection: Connection, role: str, months: Sequence[str]) -> dict[Any, dict[str, int]]:
    """The post facts of whole months per person, from the rollups (the accuracy facts are the
    counts less those shown wrong later)."""
    t = rollup_posts
    counters = _post_counters(role)
    stmt = (
        select(t.c.user_id, *_sums(t, counters))
        .where(t.c.role == role, t.c.month.in_(list(months)))
        .group_by(t.c.user_id)
    )
    out: dict[Any, dict[str, int]] = {}
    for row in connection.execute(stmt).mappings():
        facts = {name: int(row[name] or 0) for name in counters}
        if not any(facts.values()):
            continue
        for fact, (counted, spoilt) in _SPOILT.items():
            if spoilt in facts:
                facts[fact] = facts[counted] - facts.pop(spoilt)
        out[row["user_id"]] = facts
    return out


# --- recounting from the cases and the history ------------------------------------------------


def case_rows(connection: Connection, batch: int = 20_000) -> Iterator[Any]:
    """Every case's id and `CASE_INPUTS`, streamed."""
    stmt = select(Case.id, *(getattr(Case, name) for name in CASE_INPUTS)).order_by(Case.id)
    # options of this statement only (Connection.execution_options would change the connection)
    yield from connection.execute(stmt, execution_options={"stream_results": True, "yield_per": batch})


_RATING_COLUMNS = (
    CaseRating.stars,
    CaseRating.department_id,
    CaseRating.source,
    CaseRating.verdict,
    CaseRating.solved,
)


def _rating(row: Any) -> RatingLike:
    return RatingLike(int(row.stars), row.department_id, row.source, row.verdict, row.solved)


def ratings_by_case(connection: Connection) -> dict[int, list[RatingLike]]:
    out: dict[int, list[RatingLike]] = {}
    for row in connection.execute(select(CaseRating.case_id, *_RATING_COLUMNS)):
        out.setdefault(int(row.case_id), []).append(_rating(row))
    return out


def ratings_of(connection: Connection, case_id: int) -> list[RatingLike]:
    stmt = select(*_RATING_COLUMNS).where(CaseRating.case_id == case_id)
    return [_rating(row) for row in connection.execute(stmt)]


def event_rows(connection: Connection, actions: Iterable[str], batch: int = 50_000) -> Iterator[Any]:
    """The history rows of these actions, streamed in (case, seq) order."""
    stmt = (
        select(
            CaseEvent.case_id,
            CaseEvent.seq,
            CaseEvent.at,
            CaseEvent.actor_id,
            CaseEvent.actor_role,
            CaseEvent.action,
            CaseEvent.data,
        )
        .where(CaseEvent.action.in_(list(actions)))
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    # options of this statement only (Connection.execution_options would change the connection)
    yield from connection.execute(stmt, execution_options={"stream_results": True, "yield_per": batch})


def count_cases(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(Case)).scalar_one())


def count_events(connection: Connection, actions: Iterable[str]) -> int:
    stmt = select(func.count()).select_from(CaseEvent).where(CaseEvent.action.in_(list(actions)))
    return int(connection.execute(stmt).scalar_one())
