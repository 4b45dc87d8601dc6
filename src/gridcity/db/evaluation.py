"""The facts of the assessment, counted in the database: a few set-based GROUP BY queries, each
returning one vector of counts per scope key. What each fact means is written once, in
`gridcity.domain.assessment`'s docstring; the SQL below counts exactly that and nothing else turns
cases or history rows into numbers.

Cost: every query reads one period's rows (cases filed or reported in the period; history rows
of a few actions in the period) and groups them; nothing is fetched row by row. The conditions are
plain column expressions, so the same expressions can maintain rollups incrementally later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import aliased

from gridcity.db.models import Case, CaseEvent, CaseRating, Grid
from gridcity.domain.callbacks import SATISFIED_VERDICTS
from gridcity.domain.rollups import DECISIONS_OF
from gridcity.domain.workflow import CaseState

Key = Any  # a region code (str) or a department / user id (int)
HOTLINE = "hotline"  # the 12345 channel (services.cases.Channel.HOTLINE)
DEFAULT_RESPOND_WITHIN_S = 7200.0  # `[hotline] respond_within` of the shipped configuration

# --- cases (regions, departments) -----------------------------------------------------------

ENDED = ("closed", "rejected", "void")
OPEN = tuple(state.value for state in CaseState if state.value not in ENDED)
REGION_COLUMNS = {
    "district": Case.district_code,
    "street": Case.street_code,
    "community": Case.community_code,
    "grid": Case.grid_code,
}
GRID_COLUMNS = {
    "district": Grid.district_code,
    "street": Grid.street_code,
    "community": Grid.community_code,
    "grid": Grid.code,
}


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def open_overdue(as_of: datetime) -> ColumnElement[bool]:
    """Still open, and past its stage deadline at `as_of` (a suspended case has no deadline)."""
    return and_(Case.state.in_(OPEN), Case.stage_deadline.is_not(None), Case.stage_deadline < as_of)


def time_fact_conditions(
    as_of: datetime, respond_within_s: float = DEFAULT_RESPOND_WITHIN_S
) -> dict[str, ColumnElement[bool]]:
    """The facts that change with the evaluation time alone, as conditions on a case: 超期未结案, the
    reworked among them, 超期未处置 (the disposal not reported by its deadline), and a 12345 case
    whose department has not answered the dispatch within the response limit (12345 响应率)."""
    late = open_overdue(as_of)
    return {
        "open_overdue": late,
        "reworked_open_overdue": and_(Case.rework_count > 0, late),
        "dispose_overdue": and_(late, Case.disposed_at.is_(None), Case.stage == "dispose"),
        "hotline_unanswered_late": and_(
            Case.state == "dispatched",
            Case.channel == HOTLINE,
            Case.response_s.is_(None),
            Case.dispatched_at < as_of - timedelta(seconds=respond_within_s),
        ),
    }


def time_fact_columns(as_of: datetime, respond_within_s: float = DEFAULT_RESPOND_WITHIN_S) -> dict[str, Any]:
    """`time_fact_conditions` counted: fact name → SUM(CASE …)."""
    conditions = time_fact_conditions(as_of, respond_within_s)
    return {name: _count(condition) for name, condition in conditions.items()}


def case_fact_columns(
    as_of: datetime, public_channels: Sequence[str], respond_within_s: float = DEFAULT_RESPOND_WITHIN_S
) -> dict[str, Any]:
    """fact name → SUM(CASE …) over the cases of a period (see domain.assessment)."""
    closed = Case.state == "closed"
    disposed = Case.disposed_at.is_not(None)
    disposal_on_time = and_(
        Case.rework_count == 0,  # 返工: never on time for its department
        or_(Case.dispose_deadline.is_(None), Case.disposed_at <= Case.dispose_deadline),
    )
    late = time_fact_columns(as_of, respond_within_s)
    hotline = Case.channel == HOTLINE
    return {
        "filed": func.count(),
        "public_reports": _count(Case.channel.in_(list(public_channels))),
        "closed": _count(closed),
        "closed_on_time": _count(
            and_(closed, or_(Case.closing_type == "self_handled", and_(disposed, disposal_on_time)))
        ),
        "open_overdue": late["open_overdue"],
        "reworked": _count(and_(Case.rework_count > 0, or_(closed, open_overdue(as_of)))),
        "disposed": _count(disposed),
        "disposed_on_time": _count(and_(disposed, disposal_on_time)),
        "dispose_overdue": late["dispose_overdue"],
        "hotline_responses": _count(and_(hotline, Case.response_s.is_not(None))),
        "hotline_responses_on_time": _count(and_(hotline, Case.response_s <= respond_within_s)),
        "hotline_unanswered_late": late["hotline_unanswered_late"],
    }


def _filed_in(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [Case.filed_at >= start, Case.filed_at < end, Case.state != "void"]


def case_facts(
    connection: Connection,
    key: Any,
    start: datetime,
    end: datetime,
    as_of: datetime,
    public_channels: Sequence[str],
    dissatisfied_at_most: int,
    respond_within_s: float = DEFAULT_RESPOND_WITHIN_S,
) -> dict[Key, dict[str, int]]:
    """The case facts of the cases filed in [start, end), per value of `key` (a Case column): one
    GROUP BY over the cases, one over their ratings. A rating counts for the department that did the
    rated work (`case_ratings.department_id`), not the case's department now."""
    columns = case_fact_columns(as_of, public_channels, respond_within_s)
    stmt = (
        select(key.label("key"), *(expr.label(name) for name, expr in columns.items()))
        .where(*_filed_in(start, end), key.is_not(None))
        .group_by(key)
    )
    facts: dict[Key, dict[str, int]] = {}
    for row in connection.execute(stmt).mappings():
        facts[row["key"]] = {name: int(row[name] or 0) for name in columns}
    rating_key = CaseRating.department_id if key is Case.department_id else key
    callback = CaseRating.source == "callback"
    rating_columns = {
        "ratings": func.count(CaseRating.id),
        "stars": func.sum(CaseRating.stars),
        "dissatisfied": _count(CaseRating.stars <= dissatisfied_at_most),
        "callbacks": _count(callback),
        "callbacks_solved": _count(and_(callback, CaseRating.solved == True)),  # noqa: E712
        "callbacks_satisfied": _count(and_(callback, CaseRating.verdict.in_(SATISFIED_VERDICTS))),
    }
    ratings = (
        select(rating_key.label("key"), *(expr.label(name) for name, expr in rating_columns.items()))
        .join(Case, Case.id == CaseRating.case_id)
        .where(*_filed_in(start, end), rating_key.is_not(None))
        .group_by(rating_key)
    )
    for row in connection.execute(ratings).mappings():
        target = facts.setdefault(row["key"], dict.fromkeys(columns, 0))
        for name in rating_columns:
            target[name] = int(row[name] or 0)
    for target in facts.values():
        for name in rating_columns:
            target.setdefault(name, 0)
    return facts


def current_grids(moment: datetime) -> list[ColumnElement[bool]]:
    """The city-management unit grids current at `moment` (not superseded by then)."""
    return [Grid.layer == "city_management", or_(Grid.valid_to.is_(None), Grid.valid_to > moment)]


def grid_counts(connection: Connection, level: str, moment: datetime) -> dict[str, int]:
    """Unit grids current at `moment`, per region code of `level`."""
    column = GRID_COLUMNS[level]
    stmt = (
        select(column.label("key"), func.count(distinct(Grid.code)).label("grids"))
        .where(*current_grids(moment), column.is_not(None))
        .group_by(column)
    )
    return {row.key: int(row.grids) for row in connection.execute(stmt)}


# --- posts ---------------------------------------------------------------------------------


def _on_time() -> Any:
    return CaseEvent.data["on_time"].as_boolean()


def _waited() -> Any:
    return CaseEvent.data["waited_s"].as_float()


def _in_period(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [CaseEvent.at >= start, CaseEvent.at < end]


def _timed(actions: Iterable[str]) -> tuple[Any, Any]:
    """(events of these actions that carry `on_time`, those on time)."""
    of = CaseEvent.action.in_(list(actions))
    return _count(and_(of, _on_time().is_not(None))), _count(and_(of, _on_time() == True))  # noqa: E712


def _waited_within(action: str, seconds: float) -> tuple[Any, Any]:
    """(events of the action that carry `waited_s`, those that waited at most `seconds`)."""
    of = CaseEvent.action == action
    return _count(and_(of, _waited().is_not(None))), _count(and_(of, _waited() <= seconds))


def _on_time_or_waited_within(action: str, seconds: float) -> tuple[Any, Any]:
    """(events of the action judged by their post's deadline, or — rows written before the post
    had a clock — by their wait against `seconds`; those on time)."""
    of = CaseEvent.action == action
    flagged = _on_time().is_not(None)
    timed = and_(of, or_(flagged, _waited().is_not(None)))
    on_time = and_(of, or_(_on_time() == True, and_(~flagged, _waited() <= seconds)))  # noqa: E712
    return _count(timed), _count(on_time)


def _by_actor(
    connection: Connection,
    role: str,
    actions: Sequence[str],
    start: datetime,
    end: datetime,
    columns: Mapping[str, Any],
) -> dict[Key, dict[str, int]]:
    stmt = (
        select(CaseEvent.actor_id.label("key"), *(expr.label(name) for name, expr in columns.items()))
        .where(
            CaseEvent.actor_role == role,
            CaseEvent.action.in_(list(actions)),
            CaseEvent.actor_id.is_not(None),
            *_in_period(start, end),
        )
        .group_by(CaseEvent.actor_id)
    )
    return {
        row["key"]: {name: int(row[name] or 0) for name in columns}
        for row in connection.execute(stmt).mappings()
    }


@dataclass(frozen=True)
class PublicReports:
    """Public-channel reports of the period that were filed, per territory code (district, street
    and community codes, each counting the reports within it; '' the whole city) and per unit grid
    (for the supervisors' responsibility grids)."""

    counts: dict[str, int]
    grids: dict[str, int] = field(default_factory=dict)

    def within(self, scope_code: str) -> int:
        """Those in a territory ('' = the whole city)."""
        return self.counts.get(scope_code, 0)

    def in_grids(self, grid_codes: Iterable[str]) -> int:
        """Those in these unit grids."""
        return sum(self.grids.get(code, 0) for code in grid_codes)

    @classmethod
    def of_places(cls, places: Mapping[tuple[str, str | None, str | None, str | None], int]) -> PublicReports:
        """From counts per (district, street, community, unit grid)."""
        counts: dict[str, int] = {}
        grids: dict[str, int] = {}
        for (district, street, community, grid), n in places.items():
            for code in ("", *(c for c in (district, street, community) if c)):
                counts[code] = counts.get(code, 0) + n
            if grid:
                grids[grid] = grids.get(grid, 0) + n
        return cls(counts, grids)


def supervisor_facts(
    connection: Connection, start: datetime, end: datetime, public_channels: Sequence[str]
) -> tuple[dict[Key, dict[str, int]], PublicReports]:
    """Per supervisor: own reports decided and valid, verifications and checks (timed, on time);
    and the valid public reports per area, for 漏报 (shared by the supervisors of an area)."""
    decided = or_(Case.filed_at.is_not(None), Case.state.in_(("rejected", "void")))
    reports = (
        select(
            Case.reporter_id.label("key"),
            _count(decided).label("reports"),
            _count(Case.filed_at.is_not(None)).label("valid_reports"),
        )
        .where(
            Case.channel == "supervisor",
            Case.reported_at >= start,
            Case.reported_at < end,
            Case.reporter_id.is_not(None),
        )
        .group_by(Case.reporter_id)
    )
    facts: dict[Key, dict[str, int]] = defaultdict(dict)
    for row in connection.execute(reports):
        facts[row.key].update(reports=int(row.reports or 0), valid_reports=int(row.valid_reports or 0))
    verify_timed, verify_on_time = _timed(("verify_ok", "verify_false"))
    check_timed, check_on_time = _timed(("check_pass", "check_fail"))
    tasks = _by_actor(
        connection,
        "supervisor",
        ("verify_ok", "verify_false", "check_pass", "check_fail"),
        start,
        end,
        {
            "verify_timed": verify_timed,
            "verify_on_time": verify_on_time,
            "check_timed": check_timed,
            "check_on_time": check_on_time,
        },
    )
    for key, values in tasks.items():
        facts[key].update(values)
    public = (
        select(
            Case.district_code, Case.street_code, Case.community_code, Case.grid_code, func.count().label("n")
        )
        .where(
            Case.channel.in_(list(public_channels)),
            Case.reported_at >= start,
            Case.reported_at < end,
            Case.filed_at.is_not(None),
        )
        .group_by(Case.district_code, Case.street_code, Case.community_code, Case.grid_code)
    )
    places = {
        (r.district_code, r.street_code, r.community_code, r.grid_code): int(r.n)
        for r in connection.execute(public)
    }
    return dict(facts), PublicReports.of_places(places)


def operator_facts(
    connection: Connection, start: datetime, end: datetime, verify_within_s: float, check_within_s: float
) -> dict[Key, dict[str, int]]:
    intake_actions = ("send_verify", "accept_report", "reject")
    # a case counts once per person, in the period of their first intake decision on it
    earlier = aliased(CaseEvent)
    earlier_intake = exists().where(
        earlier.case_id == CaseEvent.case_id,
        earlier.seq < CaseEvent.seq,
        earlier.actor_id == CaseEvent.actor_id,
        earlier.actor_role == CaseEvent.actor_role,
        earlier.action.in_(intake_actions),
    )
    verify_timed, verify_on_time = _waited_within("send_verify", verify_within_s)
    check_timed, check_on_time = _waited_within("assign_check", check_within_s)
    intake_timed, intake_on_time = _timed(intake_actions)
    return _by_actor(
        connection,
        "operator",
        (*intake_actions, "assign_check"),
        start,
        end,
        {
            "intake": _count(and_(CaseEvent.action.in_(intake_actions), ~earlier_intake)),
            "intake_timed": intake_timed,
            "intake_on_time": intake_on_time,
            "verify_sent_timed": verify_timed,
            "verify_sent_on_time": verify_on_time,
            "check_sent_timed": check_timed,
            "check_sent_on_time": check_on_time,
        },
    )


def shift_leader_facts(
    connection: Connection, start: datetime, end: datetime, close_within_s: float
) -> dict[Key, dict[str, int]]:
    later = aliased(CaseEvent)
    found_wrong = exists().where(
        later.case_id == CaseEvent.case_id,
        later.seq > CaseEvent.seq,
        or_(
            later.action == "transfer",
            and_(later.action == "close", later.data["closing_type"].as_string() == "erroneous"),
        ),
    )
    filed = CaseEvent.action == "file"
    filings_timed, filings_on_time = _timed(("file",))
    closings_timed, closings_on_time = _on_time_or_waited_within("close", close_within_s)
    decisions_timed, decisions_on_time = _timed(DECISIONS_OF["shift_leader"])
    return _by_actor(
        connection,
        "shift_leader",
        ("file", "close", *DECISIONS_OF["shift_leader"]),
        start,
        end,
        {
            "filings": _count(filed),
            "filings_timed": filings_timed,
            "filings_on_time": filings_on_time,
            "filings_accurate": _count(and_(filed, ~found_wrong)),
            "closings_timed": closings_timed,
            "closings_on_time": closings_on_time,
            "decisions_timed": decisions_timed,
            "decisions_on_time": decisions_on_time,
        },
    )


def dispatcher_facts(connection: Connection, start: datetime, end: datetime) -> dict[Key, dict[str, int]]:
    returned, between = aliased(CaseEvent), aliased(CaseEvent)
    # the case came back from this dispatch's department by an approved return (退回), before any
    # later dispatch
    sent_back = exists().where(
        returned.case_id == CaseEvent.case_id,
        returned.action == "approve_return",
        returned.seq > CaseEvent.seq,
        ~exists()
        .where(
            between.case_id == CaseEvent.case_id,
            between.action == "dispatch",
            between.seq > CaseEvent.seq,
            between.seq < returned.seq,
        )
        .correlate(CaseEvent, returned),  # both enclosing queries (not only the nearest)
    )
    timed, on_time = _timed(("dispatch",))
    decisions_timed, decisions_on_time = _timed(DECISIONS_OF["dispatcher"])
    dispatch = CaseEvent.action == "dispatch"
    return _by_actor(
        connection,
        "dispatcher",
        ("dispatch", *DECISIONS_OF["dispatcher"]),
        start,
        end,
        {
            "dispatches": _count(dispatch),
            "dispatches_timed": timed,
            "dispatches_on_time": on_time,
            "dispatches_accurate": _count(and_(dispatch, ~sent_back)),
            "decisions_timed": decisions_timed,
            "decisions_on_time": decisions_on_time,
        },
    )
