"""The dashboard's pure rules: periods and presets, the anomaly rule, and stage runs."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridcity.domain.analysis import (
    MAX_DAYS,
    Period,
    anomaly,
    parse_period,
    preset_period,
    stage_runs,
    week_start,
)
from gridcity.domain.errors import Invalid
from gridcity.domain.taxonomy import Stage

CST = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 18)  # a Wednesday


def test_default_period_is_the_last_30_days_and_either_end_may_be_given() -> None:
    assert parse_period("", "", TODAY) == Period(date(2026, 2, 17), TODAY)
    assert parse_period("", "", TODAY).days == 30
    assert parse_period("2026-01-01", "", TODAY) == Period(date(2026, 1, 1), date(2026, 1, 30))
    assert parse_period("", "2026-01-30", TODAY) == Period(date(2026, 1, 1), date(2026, 1, 30))
    assert parse_period(" 2026-03-18 ", "2026-03-18", TODAY).days == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-02-30", "", "not a date"),
        ("18/03/2026", "", "not a date"),
        ("2026-03-18", "2026-03-17", "starts (2026-03-18) after it ends"),
        ("2020-01-01", "2026-01-01", f"at most {MAX_DAYS} days"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(start: str, end: str, message: str) -> None:
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_period(start, end, TODAY)


def test_presets() -> None:
    assert preset_period("last_30", TODAY) == Period(date(2026, 2, 17), TODAY)
    assert preset_period("last_90", TODAY) == Period(date(2025, 12, 19), TODAY)
    assert preset_period("this_month", TODAY) == Period(date(2026, 3, 1), TODAY)
    assert preset_period("last_month", TODAY) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert preset_period("last_month", date(2026, 1, 5)) == Period(date(2025, 12, 1), date(2025, 12, 31))
    with pytest.raises(Invalid):
        preset_period("yesterday", TODAY)


def test_weeks_start_on_monday() -> None:
    assert week_start(date(2026, 3, 18)) == date(2026, 3, 16)
    assert week_start(date(2026, 3, 16)) == date(2026, 3, 16)
    assert week_start(date(2026, 3, 22)) == date(2026, 3, 16)


def test_a_spike_far_above_the_baseline_is_flagged() -> None:
    found = anomaly(12, [2, 1, 3, 2, 2, 1, 3, 3])
    assert found.flagged
    assert found.mean == pytest.approx(2.125)
    assert found.spread == pytest.approx(math.sqrt(2.125))  # the Poisson floor beats the sd 0.78
    assert found.threshold == pytest.approx(2.125 + 3 * math.sqrt(2.125))
    assert found.score > 3


@pytest.mark.parametrize(
    ("current", "baseline"),
    [
        (2, [0] * 8),  # 0 → 2: below the minimum count
        (4, [0] * 8),  # 0 → 4: still below it
        (9, [5, 6, 5, 6, 5, 6, 5, 6]),  # a flat baseline: its sd 0.5 would make 9 an alarm
        (7, [1, 6, 2, 5, 0, 7, 3, 4]),  # a noisy baseline: 7 is within its range
    ],
)
def test_ordinary_weeks_are_not_flagged(current: int, baseline: list[int]) -> None:
    assert not anomaly(current, baseline).flagged


def test_from_nothing_to_the_minimum_count_is_flagged() -> None:
    # an empty baseline: spread 1, threshold 3; five cases in a grid that never had one is news
    assert anomaly(5, [0] * 8).flagged
    assert not anomaly(5, [0] * 8, min_count=6).flagged


def test_the_anomaly_rule_refuses_nonsense() -> None:
    with pytest.raises(Invalid):
        anomaly(3, [])
    with pytest.raises(Invalid):
        anomaly(-1, [1, 2])


def t(hour: int, minute: int = 0, day: int = 16) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CST)


def test_stage_runs_of_a_history() -> None:
    changes = [
        (t(9), "reported"),
        (t(9, 10), "verifying"),
        (t(9, 40), "accepted"),
        (t(10), "filed"),  # filing done: the dispatch post's run
        (t(10, 30), "dispatched"),
        (t(11), "disposing"),
        (t(11, 30), "suspension_requested"),
        (t(11, 45), "suspended"),
        (t(14), "disposing"),
        (t(15), "disposed"),
        (t(15, 30), "dispatched"),  # a failed check: a new disposal run
        (t(17), "disposed"),
        (t(9, day=17), "checked"),
        (t(9, 30, day=17), "closed"),
    ]
    runs = stage_runs(changes)
    assert [(r.stage, r.start, r.end) for r in runs] == [
        (Stage.ACCEPT, t(9), t(9, 10)),
        (Stage.VERIFY, t(9, 10), t(9, 40)),
        (Stage.FILE, t(9, 40), t(10)),
        (Stage.DISPATCH, t(10), t(10, 30)),
        (Stage.DISPOSE, t(10, 30), t(15)),  # the suspension request stays inside the disposal run
        (Stage.CHECK, t(15), t(15, 30)),
        (Stage.DISPOSE, t(15, 30), t(17)),
        (Stage.CHECK, t(17), t(9, day=17)),
        (Stage.CLOSE, t(9, day=17), t(9, 30, day=17)),
    ]
    # the time waiting for the decision and the time suspended are left out of the disposal run
    minutes = lambda a, b: (b - a) / timedelta(minutes=1)  # noqa: E731
    assert runs[4].measure(minutes) == 60 + 60
    assert runs[3].measure(minutes) == 30


def test_a_run_still_going_is_not_finished() -> None:
    assert stage_runs([(t(9), "dispatched"), (t(9, 5), "disposing")]) == []
    assert stage_runs([]) == []
