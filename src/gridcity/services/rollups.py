"""Keeping the assessment's rollups (`domain.rollups`) in step with the cases: every change of a
case, every rating and every history row adds its difference to the rollups in the transaction
that makes it (`track_change`, `track_rating`), so a committed change is always counted and a
rolled-back one never is. `rebuild` counts everything again from the cases and the history (after
a change of the rules, or on a database that had cases before the rollups existed); `recount` /
`differences` compare the stored rollups with such a recount (`gridcity rollups check`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from gridcity.db import rollups as rollups_db
from gridcity.db.engine import unit_of_work
from gridcity.domain.rollups import (
    CASE_INPUTS,
    COUNTED_ACTIONS,
    Contribution,
    RollupRules,
    case_contribution,
    combine,
    difference,
    event_contribution,
    rating_contribution,
    rating_place,
)
from gridcity.services.evaluation import rollup_rules
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress


def snapshot(case: Any) -> SimpleNamespace:
    """The values of a case the rollups depend on, as they are now (take it before a change)."""
    return SimpleNamespace(**{name: getattr(case, name) for name in CASE_INPUTS})


def track_change(
    platform: Platform,
    db: Session,
    case: Any,
    before: SimpleNamespace | None,
    events: Sequence[tuple[Any, Sequence[Any]]] = (),
) -> None:
    """Add to the rollups, in the caller's transaction, what a change of `case` (from `before`;
    None for a new case) and its new history rows (each with the case's rows before it) change."""
    rules = rollup_rules(platform)
    after = snapshot(case)
    delta: Contribution = {}
    if before is None or vars(before) != vars(after):
        delta = difference(
            case_contribution(before, rules) if before else {}, case_contribution(after, rules)
        )
        if before is not None:
            old_place, new_place = rating_place(before, rules), rating_place(after, rules)
            if old_place != new_place:  # its ratings move with it (rare: a case rated, then moved)
                given = rollups_db.ratings_of(db.connection(), case.id)
                delta = combine(
                    delta,
                    rating_contribution(old_place, given, rules, -1),
                    rating_contribution(new_place, given, rules),
                )
    for event, earlier in events:
        delta = combine(delta, event_contribution(event, earlier, rules))
    delta = {key: counts for key, counts in delta.items() if any(counts.values())}
    if delta:
        _count(platform, db, rules, delta)


def track_rating(platform: Platform, db: Session, case: Any, rating: Any) -> None:
    """Count a new rating of `case` (a `case_ratings` row: its stars, department, source …), in the
    caller's transaction."""
    rules = rollup_rules(platform)
    delta = rating_contribution(rating_place(case, rules), [rating], rules)
    if delta:
        _count(platform, db, rules, delta)


# (database, rules) whose rollup state is known to name the rules: checked once per process
_settled: set[tuple[str, str]] = set()


def _count(platform: Platform, db: Session, rules: RollupRules, delta: Contribution) -> None:
    """Add `delta` to the rollups. The first count on rollups kept from the start (no rules named
    yet) names the rules it counts under, in the same transaction, so that a later change of the
    rules is noticed (`services.evaluation.rollups_usable`)."""
    connection = db.connection()
    fingerprint = rules.fingerprint()
    key = (str(platform.engine.url), fingerprint)
    if key not in _settled:
        stored, present = rollups_db.state(connection)
        if present and stored is None:
            rollups_db.set_state(connection, fingerprint, platform.now())
        _settled.add(key)
    rollups_db.apply(connection, delta)


# --- counting again ---------------------------------------------------------------------------


class Tally:
    """Rollups counted from whole cases: each case with its ratings, each case's history in order
    (a recount reads them from the database; a bulk load can count the rows it writes)."""

    def __init__(self, rules: RollupRules) -> None:
        self.rules = rules
        self.rows: Contribution = {}

    def add(self, part: Contribution) -> None:
        rows = self.rows
        for key, counts in part.items():
            target = rows.get(key)
            if target is None:
                rows[key] = counts.copy()
            else:
                target.update(counts)

    def add_case(self, case: Any, ratings: Sequence[Any] = ()) -> None:
        """A case (its `CASE_INPUTS`) and its ratings (`domain.rollups.RatingLike`s)."""
        self.add(case_contribution(case, self.rules))
        if ratings:
            self.add(rating_contribution(rating_place(case, self.rules), ratings, self.rules))

    def add_history(self, rows: Sequence[Any]) -> None:
        """One case's history rows, in order (rows of other actions than COUNTED_ACTIONS may be left
        out: they count nothing and spoil nothing)."""
        for n, row in enumerate(rows):
            if row.action in _COUNTED:
                self.add(event_contribution(row, rows[:n], self.rules))


_COUNTED = frozenset(COUNTED_ACTIONS)


def recount(platform: Platform, db: Session, progress: Progress = SILENT) -> Contribution:
    """The rollups as the cases, ratings and history now stand, counted from scratch with the same
    rules the running counts use."""
    tally = Tally(rollup_rules(platform))
    connection = db.connection()
    total_cases = rollups_db.count_cases(connection)
    ratings = rollups_db.ratings_by_case(connection)
    for row in progress.track(rollups_db.case_rows(connection), total_cases, "cases 案件"):
        case = SimpleNamespace(**{name: getattr(row, name) for name in CASE_INPUTS})
        tally.add_case(case, ratings.get(int(row.id), ()))

    total_events = rollups_db.count_events(connection, COUNTED_ACTIONS)
    current = None
    history: list[Any] = []
    for row in progress.track(
        rollups_db.event_rows(connection, COUNTED_ACTIONS), total_events, "history 历史"
    ):
        if row.case_id != current:
            tally.add_history(history)
            current, history = row.case_id, []
        history.append(row)
    tally.add_history(history)
    return tally.rows


@dataclass(frozen=True)
class Rebuilt:
    cases: int
    rows: int
    fingerprint: str


def rebuild(platform: Platform, db: Session, progress: Progress = SILENT) -> Rebuilt:
    """Count the rollups again from scratch and store them, under the current rules, in one
    transaction (writers that change cases wait for it)."""
    with unit_of_work(db):
        rollups_db.lock_for_rebuild(db.connection())
        return _store(platform, db, recount(platform, db, progress))


def store(platform: Platform, db: Session, counted: Contribution) -> Rebuilt:
    """Replace the stored rollups with `counted` (a recount, under the current rules), in one unit
    of work."""
    with unit_of_work(db):
        return _store(platform, db, counted)


def _store(platform: Platform, db: Session, counted: Contribution) -> Rebuilt:
    connection = db.connection()
    rows = rollups_db.replace_all(connection, counted)
    cases = rollups_db.count_cases(connection)
    fingerprint = rollup_rules(platform).fingerprint()
    rollups_db.set_state(connection, fingerprint, platform.now(), cases)
    return Rebuilt(cases, rows, fingerprint)


def differences(platform: Platform, db: Session, progress: Progress = SILENT) -> list[str]:
    """Where the stored rollups disagree with a recount from scratch (empty: they agree)."""
    counted = recount(platform, db, progress)
    stored = rollups_db.stored(db.connection())
    db.rollback()
    found = []
    for key in sorted(set(counted) | set(stored), key=lambda k: tuple(str(p) for p in k)):
        want = {k: v for k, v in counted.get(key, {}).items() if v}
        have = {k: v for k, v in stored.get(key, {}).items() if v}
        if want != have:
            names = sorted(set(want) | set(have))
            detail = ", ".join(
                f"{n}: stored {have.get(n, 0)}, counted {want.get(n, 0)}"
                for n in names
                if have.get(n, 0) != want.get(n, 0)
            )
            found.append(f"{' / '.join(str(p) for p in key)} — {detail}")
    return found


def ensure_counted(platform: Platform, db: Session, progress: Progress = SILENT) -> Rebuilt | None:
    """After a migration: a database whose rollups were never counted gets them counted now (an
    empty one just records that its rollups start from zero). None when nothing was needed."""
    connection = db.connection()
    _fingerprint, present = rollups_db.state(connection)
    if present:
        db.rollback()
        return None
    if not rollups_db.has_cases(connection):
        with unit_of_work(db):
            rollups_db.set_state(connection, rollup_rules(platform).fingerprint(), platform.now(), 0)
        return None
    return rebuild(platform, db, progress)
