"""Rollups of the assessment (汇总): the month-by-month counts behind the indicators, kept up to date
in the same transaction as every change of a case, so that a month's — or a year's — indicators
read a few thousand rollup rows instead of millions of cases and history rows.

Pure functions: what one case, one rating or one history row adds to which rollup row. The
definitions of the facts are `domain.assessment`'s; this module restates none of them but says
which part of each fact can be kept as a running count:

* A case's **lasting facts** (filed, public report, closed, closed on time, reworked and closed,
  disposed, disposed on time, its ratings) depend only on the case row, so they are counted under
  the case's keys — (local month of `filed_at`, its region codes) and (that month, its department)
  — and moved when the case changes: the rollup gains `after − before`. A case counts at each of its
  region levels (district, street, community, unit grid), so reading a level reads its rows only.
* The **facts of time** (超期未结案 `open_overdue`, 超期未处置 `dispose_overdue`, the reworked cases
  among the open overdue ones, and the 12345 dispatches not answered within the limit) depend on the
  evaluation time, so they are not rolled up:
  they are counted at evaluation time over the *open* cases of the period only (a small set,
  indexed by state and filing time).
* A **person's work** is counted under (local month of the history row, the actor's role, the
  actor) when the row is written; the history is append-only, so the count never moves — except
  the two accuracy indicators, which a later row can spoil: a transfer (转办) or an erroneous
  closure (差错结案) marks the earlier filings of the case wrong, an approved return (退回) marks
  the dispatch it undoes wrong; those add to `filings_wrong` / `dispatches_sent_back` of the earlier
  row's month and actor.
* A supervisor's **own reports** (上报数, 有效上报数) are counted under (local month of
  `reported_at`, supervisor, reporter), and the valid public reports (漏报) under the month of
  `reported_at` and the case's region (`public_filed_reported`).
* A **rating** counts under the case's region rows (the month it was filed) and under the row of the
  department that did the rated work — the rating's own `department_id`, not the case's current
  department: a rating stays with that department when the case is reopened and re-dispatched.

The counts depend on a few configuration values (the city's timezone for the months, the public
channels, the dissatisfied threshold, the operators' and shift leaders' limits): `RollupRules`,
whose fingerprint is stored with the rollups; rollups made under other rules are not used (the
evaluation counts from the cases instead) until `gridcity rollups rebuild` runs.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from gridcity.domain.callbacks import SATISFIED_VERDICTS
from gridcity.domain.workflow import DECISIONS, TRANSITIONS, Role

# --- what is counted -----------------------------------------------------------------------

# Region and department rows (a case's lasting facts, by the month it was filed; and, for 漏报,
# the valid public reports by the month they were reported).
CASE_COUNTERS = (
    "filed",
    "public_reports",
    "closed",
    "closed_on_time",
    "reworked_closed",
    "disposed",
    "disposed_on_time",
    "ratings",
    "stars",
    "dissatisfied",
    "public_filed_reported",
    # the 12345 rates (接诉即办): the department's answers to a hotline case's dispatch, on time or
    # not; the operators' callbacks (回访), solved, satisfied (满意 or 基本满意)
    "hotline_responses",
    "hotline_responses_on_time",
    "callbacks",
    "callbacks_solved",
    "callbacks_satisfied",
)
# Post rows (a person's work by the month it was done).
POST_COUNTERS = (
    "reports",
    "valid_reports",
    "verify_timed",
    "verify_on_time",
    "check_timed",
    "check_on_time",
    "intake",
    "verify_sent_timed",
    "verify_sent_on_time",
    "check_sent_timed",
    "check_sent_on_time",
    "filings",
    "filings_timed",
    "filings_on_time",
    "filings_wrong",
    "intake_timed",
    "intake_on_time",
    "decisions_timed",
    "decisions_on_time",
    "closings_timed",
    "closings_on_time",
    "dispatches",
    "dispatches_timed",
    "dispatches_on_time",
    "dispatches_sent_back",
)
# The facts of time, counted at evaluation time over the open cases.
TIME_FACTS = ("open_overdue", "reworked_open_overdue", "dispose_overdue")

REGION, DEPARTMENT, POST = "region", "department", "post"
# The version of the counting rules themselves: a change of what a counter means (not only of
# which counters there are) changes the fingerprint, so rollups counted before are rebuilt.
# 2: a clock per post (intake, decisions, close by their own deadlines); a reworked case is never
#    disposed or closed on time.
DEFINITIONS = 2

# A rollup row's key: (table, month, *key parts)
#   region:     ("region", month, level, code) — level district | street | community | grid
#   department: ("department", month, department_id)
#   post:       ("post", month, role, user_id)
RowKey = tuple[Any, ...]
Contribution = dict[RowKey, Counter[str]]

ENDED_STATES = ("closed", "rejected", "void")
INTAKE_ACTIONS = ("send_verify", "accept_report", "reject")


@dataclass(frozen=True)
class RollupRules:
    """The configuration the counts depend on."""

    timezone: str
    public_channels: frozenset[str]
    dissatisfied_at_most: int
    verify_within_s: float
    check_within_s: float
    close_within_s: float
    respond_within_s: float = 7200.0
    hotline_channel: str = "hotline"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _month_starts(self) -> tuple[list[float], list[str]]:
        """The local months' first instants 1970–2100 as POSIX times, and their labels."""
        zone, starts, labels = self.tz, [], []
        for year in range(1970, 2101):
            for month in range(1, 13):
                starts.append(datetime(year, month, 1, tzinfo=zone).timestamp())
                labels.append(f"{year:04d}-{month:02d}")
        return starts, labels

    def month(self, moment: datetime) -> str:
        """The city's local month ('YYYY-MM') of a moment (a lookup: this runs for every row a
        rollup counts)."""
        starts, labels = self._month_starts
        index = bisect_right(starts, moment.timestamp()) - 1
        if 0 <= index < len(labels) - 1:
            return labels[index]
        return moment.astimezone(self.tz).strftime("%Y-%m")

    def fingerprint(self) -> str:
        """A short digest of the rules (stored with the rollups, compared before they are used)."""
        text = json.dumps(
            [
                self.timezone,
                sorted(self.public_channels),
                self.dissatisfied_at_most,
                self.verify_within_s,
                self.check_within_s,
                self.close_within_s,
                DEFINITIONS,
                self.respond_within_s,
                self.hotline_channel,
                CASE_COUNTERS,
                POST_COUNTERS,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class CaseLike(Protocol):
    state: str
    channel: str
    filed_at: datetime | None
    reported_at: datetime
    closing_type: str | None
    disposed_at: datetime | None
    dispose_deadline: datetime | None
    rework_count: int
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    department_id: int | None
    reporter_id: int | None
    response_s: float | None


# The case columns the lasting facts and the keys are made of (a change of any other column never
# moves a rollup).
CASE_INPUTS = (
    "state",
    "channel",
    "filed_at",
    "reported_at",
    "closing_type",
    "disposed_at",
    "dispose_deadline",
    "rework_count",
    "district_code",
    "street_code",
    "community_code",
    "grid_code",
    "department_id",
    "reporter_id",
    "response_s",
)


def case_inputs(case: Any) -> tuple[Any, ...]:
    """The values of `CASE_INPUTS` of a case (a snapshot to compare before and after a change)."""
    return tuple(getattr(case, name) for name in CASE_INPUTS)


REGION_LEVELS = ("district", "street", "community", "grid")


def _region_keys(month: str, case: Any) -> tuple[RowKey, ...]:
    """A case counts once at each region level it has a code for (a row per level keeps the
    reading of a level to that level's few rows)."""
    codes = (case.district_code, case.street_code, case.community_code, case.grid_code)
    return tuple(
        (REGION, month, level, code) for level, code in zip(REGION_LEVELS, codes, strict=True) if code
    )


def case_keys(case: Any, rules: RollupRules) -> tuple[RowKey, ...]:
    """The rows a case's lasting facts are counted under: none until it is filed (and never for a
    void case), else its region rows and, when it has one, its department's row."""
    if case.filed_at is None or case.state == "void":
        return ()
    month = rules.month(case.filed_at)
    keys = _region_keys(month, case)
    if case.department_id is not None:
        keys += ((DEPARTMENT, month, int(case.department_id)),)
    return keys


def rating_place(case: Any, rules: RollupRules) -> tuple[str, tuple[RowKey, ...]] | None:
    """(month, region rows) a case's ratings are counted under — its filing month and region, like
    its lasting facts; None for a case not filed (or void). Each rating adds its own department's row
    of that month (`rating_contribution`)."""
    if case.filed_at is None or case.state == "void":
        return None
    month = rules.month(case.filed_at)
    return month, _region_keys(month, case)


def case_contribution(case: Any, rules: RollupRules) -> Contribution:
    """What a case row adds to the rollups, ratings aside (`rating_contribution`)."""
    out: Contribution = {}
    filed = case.filed_at is not None
    public = case.channel in rules.public_channels
    if case.channel == "supervisor" and case.reporter_id is not None:
        decided = filed or case.state in ("rejected", "void")
        if decided:
            key = (POST, rules.month(case.reported_at), "supervisor", int(case.reporter_id))
            out[key] = Counter(reports=1, valid_reports=int(filed))
    if public and filed:
        for key in _region_keys(rules.month(case.reported_at), case):
            out.setdefault(key, Counter())["public_filed_reported"] += 1
    keys = case_keys(case, rules)
    if keys:
        closed = case.state == "closed"
        disposed = case.disposed_at is not None
        reworked = (case.rework_count or 0) > 0
        disposal_on_time = (
            disposed
            and not reworked  # 返工: never on time for its department
            and (case.dispose_deadline is None or case.disposed_at <= case.dispose_deadline)
        )
        facts = Counter(
            filed=1,
            public_reports=int(public),
            closed=int(closed),
            closed_on_time=int(closed and (case.closing_type == "self_handled" or disposal_on_time)),
            reworked_closed=int(closed and reworked),
            disposed=int(disposed),
            disposed_on_time=int(disposal_on_time),
        )
        if case.channel == rules.hotline_channel and case.response_s is not None:
            facts["hotline_responses"] = 1
            facts["hotline_responses_on_time"] = int(float(case.response_s) <= rules.respond_within_s)
        for key in keys:
            out.setdefault(key, Counter()).update(facts)
    return out


@dataclass(frozen=True)
class RatingLike:
    """What the rollups read of a rating (`case_ratings`)."""

    stars: int
    department_id: int | None = None
    source: str = "portal"
    verdict: str | None = None
    solved: bool | None = None


def rating_facts(rating: Any, rules: RollupRules) -> Counter[str]:
    """What one rating counts: a rating, its stars, dissatisfied or not; a callback also counts as
    a callback, solved or not, satisfied or not (the 12345 解决率 and 满意率)."""
    stars = int(rating.stars)
    facts = Counter(ratings=1, stars=stars, dissatisfied=int(stars <= rules.dissatisfied_at_most))
    if rating.source == "callback":
        facts["callbacks"] = 1
        facts["callbacks_solved"] = int(bool(rating.solved))
        facts["callbacks_satisfied"] = int(rating.verdict in SATISFIED_VERDICTS)
    return facts


def rating_contribution(
    place: tuple[str, tuple[RowKey, ...]] | None,
    ratings: Iterable[Any],
    rules: RollupRules,
    sign: int = 1,
) -> Contribution:
    """Ratings counted under a case's `rating_place` and each rating's department's row of that
    month (sign −1: taken away from them)."""
    if place is None:
        return {}
    month, region_keys = place
    out: Contribution = {}
    for rating in ratings:
        facts = rating_facts(rating, rules)
        keys = region_keys
        if rating.department_id is not None:
            keys = (*keys, (DEPARTMENT, month, int(rating.department_id)))
        for key in keys:
            target = out.setdefault(key, Counter())
            for name, n in facts.items():
                target[name] += sign * n
    return out


class EventLike(Protocol):
    seq: int
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    data: Mapping[str, Any] | None


def _flag(data: Mapping[str, Any] | None, name: str) -> Any:
    return (data or {}).get(name)


def _wrongs_filings(event: Any) -> bool:
    return event.action == "transfer" or (
        event.action == "close" and _flag(event.data, "closing_type") == "erroneous"
    )


# (role, action) → the counters a person's history row adds: by the row's `on_time` flag
# (prefix_timed / prefix_on_time: the deadline of the post the step ended) or by its `waited_s`
# against a limit of the rules; a row may count both ways (an intake decision that sends a report
# to verification: 按时受理 and 核实按时派发). A closure counts by its flag, or — a row written
# before 结案 had a clock of its own — by its wait.
# The decisions each deciding post takes (审批), as the workflow table says who may take them.
DECISIONS_OF: dict[str, tuple[str, ...]] = {
    role.value: tuple(
        sorted({t.action.value for t in TRANSITIONS.values() if t.action in DECISIONS and role in t.roles})
    )
    for role in (Role.DISPATCHER, Role.SHIFT_LEADER)
}
_ON_TIME = {
    ("supervisor", "verify_ok"): "verify",
    ("supervisor", "verify_false"): "verify",
    ("supervisor", "check_pass"): "check",
    ("supervisor", "check_fail"): "check",
    ("shift_leader", "file"): "filings",
    ("dispatcher", "dispatch"): "dispatches",
    ("shift_leader", "close"): "closings",
    **{("operator", action): "intake" for action in INTAKE_ACTIONS},
    **{(role, action): "decisions" for role, actions in DECISIONS_OF.items() for action in actions},
}
_WAITED = {
    ("operator", "send_verify"): ("verify_sent", "verify_within_s"),
    ("operator", "assign_check"): ("check_sent", "check_within_s"),
    ("shift_leader", "close"): ("closings", "close_within_s"),
}
_COUNTED_TOO = {("shift_leader", "file"): "filings", ("dispatcher", "dispatch"): "dispatches"}
# The history rows that can count or spoil (a recount skips the others).
COUNTED_ACTIONS = tuple(
    sorted(
        {action for _, action in (*_ON_TIME, *_WAITED)}
        | set(INTAKE_ACTIONS)
        | {"transfer", "close", "approve_return"}  # they spoil earlier filings and dispatches
    )
)


def _timed_counts(what: tuple[str, str], data: Mapping[str, Any] | None, rules: RollupRules) -> Counter[str]:
    counts: Counter[str] = Counter()
    on_time = _flag(data, "on_time")
    if what in _ON_TIME and on_time is not None:
        prefix = _ON_TIME[what]
        counts[f"{prefix}_timed"] = 1
        counts[f"{prefix}_on_time"] = int(on_time is True)
    if what in _WAITED:
        prefix, limit = _WAITED[what]
        waited = _flag(data, "waited_s")
        if waited is not None and f"{prefix}_timed" not in counts:
            counts[f"{prefix}_timed"] = 1
            counts[f"{prefix}_on_time"] = int(float(waited) <= getattr(rules, limit))
    return +counts


def event_contribution(event: Any, earlier: Sequence[Any], rules: RollupRules) -> Contribution:
    """What a history row adds to the post rollups; `earlier` are the case's rows before it, in
    order (for the first intake decision of a person on a case, and for the earlier filings and
    dispatches the row shows to have been wrong)."""
    out: Contribution = {}
    action, role, actor = event.action, event.actor_role, event.actor_id
    if actor is not None:
        what = (role, action)
        counts = _timed_counts(what, event.data, rules)
        if what in _COUNTED_TOO:
            counts[_COUNTED_TOO[what]] = 1
        if role == "operator" and action in INTAKE_ACTIONS:
            first = not any(
                e.action in INTAKE_ACTIONS and e.actor_id == actor and e.actor_role == role for e in earlier
            )
            if first:
                counts["intake"] = 1  # a case counts once per person: at their first decision
        if counts:
            out[(POST, rules.month(event.at), role, int(actor))] = counts

    def spoil(row: Any, counter: str) -> None:
        key = (POST, rules.month(row.at), row.actor_role, int(row.actor_id))
        out.setdefault(key, Counter())[counter] += 1

    if _wrongs_filings(event):
        # the filings not already shown wrong by an earlier transfer or erroneous closure
        for row in reversed(earlier):
            if _wrongs_filings(row):
                break
            if row.action == "file" and row.actor_role == "shift_leader" and row.actor_id is not None:
                spoil(row, "filings_wrong")
    if action == "approve_return":
        # the dispatch this return undoes: the last one before it, unless already returned
        for row in reversed(earlier):
            if row.action == "approve_return":
                break
            if row.action == "dispatch":
                if row.actor_role == "dispatcher" and row.actor_id is not None:
                    spoil(row, "dispatches_sent_back")
                break
    return out


def combine(*parts: Contribution, sign: int = 1) -> Contribution:
    """The sum of contributions (sign −1: their negation)."""
    out: Contribution = {}
    for part in parts:
        for key, counts in part.items():
            target = out.setdefault(key, Counter())
            for name, n in counts.items():
                target[name] += sign * n
    return out


def difference(before: Contribution, after: Contribution) -> Contribution:
    """after − before, without the rows and counts that do not change."""
    out = combine(after)
    for key, counts in before.items():
        target = out.setdefault(key, Counter())
        for name, n in counts.items():
            target[name] -= n
    return {
        key: Counter({name: n for name, n in counts.items() if n})
        for key, counts in out.items()
        if any(counts.values())
    }


def by_table(contribution: Contribution) -> dict[str, list[tuple[RowKey, Counter[str]]]]:
    """The rows of a contribution per table, in key order (so that concurrent writers take the
    rows' locks in the same order)."""
    tables: dict[str, list[tuple[RowKey, Counter[str]]]] = {}
    for key in sorted(contribution, key=lambda k: tuple(str(p) for p in k)):
        tables.setdefault(key[0], []).append((key, contribution[key]))
    return tables
