"""Warnings and escalation of overdue stages, on real 2026 dates (no holiday in the weeks of
16 and 23 November 2026; see test_clock.py for the calendar facts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcity.domain.clock import Light, StageClock, WorkingCalendar
from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.errors import Invalid
from gridcity.domain.escalation import (
    EscalationPolicy,
    Level,
    SweepDecision,
    SweepFacts,
    Warned,
    WarningKind,
    decide,
    is_urgent_level,
    level_thresholds,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
POLICY = (
    EscalationPolicy.parse()
)  # 0 minutes / 1 work_days / 3 work_days; urgent 0 / 2 hours / 1 work_days; 5 wd


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=SH)


MONDAY_9 = at(11, 16, 9)  # a Monday, inside working hours


def garbage_clock(start: datetime = MONDAY_9) -> StageClock:
    """Disposal of exposed garbage: 4 working hours → due Monday 14:30 (09:00–12:00, 13:30–14:30)."""
    return StageClock.start(CAL, start, Duration(4, TimeUnit.WORK_HOURS))


def apply(facts: SweepFacts, decision: SweepDecision) -> SweepFacts:
    return replace(facts, level=decision.level, warned=decision.warned)


# --------------------------------------------------------------------------------------------- policy


def test_policy_reads_the_configured_texts() -> None:
    assert POLICY.ladder(False) == (
        Duration(0, TimeUnit.MINUTES),
        Duration(1, TimeUnit.WORK_DAYS),
        Duration(3, TimeUnit.WORK_DAYS),
        Duration(5, TimeUnit.WORK_DAYS),
    )
    assert POLICY.ladder(True)[:3] == (
        Duration(0, TimeUnit.MINUTES),
        Duration(120, TimeUnit.MINUTES),  # "2 hours" is calendar time
        Duration(1, TimeUnit.WORK_DAYS),
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": ["0 minutes", "1 weeks", "3 work_days"]}, "escalation_steps: unknown time unit 'weeks'"),
        ({"steps": ["0 minutes", "1 work_days"]}, "escalation_steps: give 3 durations"),
        ({"urgent_steps": ["0", "2 hours", "1 work_days"]}, "urgent_escalation_steps: not a duration"),
        ({"supervision_after": "soon"}, "supervision_after: not a duration"),
        ({"supervision_after": "-1 work_days"}, "supervision_after: not a duration"),
        ({"yellow_ratio": 1.5}, "yellow ratio"),
    ],
)
def test_a_wrong_policy_is_refused_with_the_setting_named(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as err:
        EscalationPolicy.parse(**kwargs)
    assert message in err.value.message


def test_urgent_means_above_the_lowest_urgency_level() -> None:
    assert not is_urgent_level(("normal", "urgent"), "normal")
    assert is_urgent_level(("normal", "urgent"), "urgent")
    assert is_urgent_level(("low", "normal", "urgent"), "normal")
    with pytest.raises(Invalid):
        is_urgent_level(("normal", "urgent"), "critical")


# ------------------------------------------------------------------------------------- one case's life


def test_a_stage_goes_yellow_red_then_up_the_tiers_one_step_after_the_other() -> None:
    facts = SweepFacts(garbage_clock())
    ladder = [moment for _, moment in level_thresholds(CAL, facts.clock, POLICY.ladder(False))]
    assert ladder == [at(11, 16, 14, 30), at(11, 17, 14, 30), at(11, 20, 14, 30), at(11, 27, 14, 30)]

    early = decide(CAL, POLICY, facts, at(11, 16, 13))
    assert early.light is Light.GREEN and not early.acts
    # 80 % of 4 working hours = 3 h 12 min of work: 12:00 lunch does not count → 13:42
    assert early.next_at is not None and at(11, 16, 13, 42) <= early.next_at < at(11, 16, 13, 42, 1)

    yellow = decide(CAL, POLICY, facts, at(11, 16, 13, 45))
    assert yellow.warnings == (WarningKind.YELLOW,) and yellow.levels == ()
    assert yellow.warned is Warned.YELLOW and yellow.level is Level.NONE
    facts = apply(facts, yellow)
    assert not decide(CAL, POLICY, facts, at(11, 16, 14)).acts  # once only

    red = decide(CAL, POLICY, facts, at(11, 16, 14, 31))
    assert red.light is Light.RED
    assert red.warnings == (WarningKind.RED,) and red.levels == (Level.STREET,)
    assert red.next_at == at(11, 17, 14, 30)  # the district one working day later
    facts = apply(facts, red)

    assert not decide(CAL, POLICY, facts, at(11, 17, 14, 29)).acts
    district = decide(CAL, POLICY, facts, at(11, 17, 14, 30))
    assert district.warnings == () and district.levels == (Level.DISTRICT,)
    facts = apply(facts, district)
    city = decide(CAL, POLICY, facts, at(11, 20, 15))
    assert city.levels == (Level.CITY,) and city.next_at == at(11, 27, 14, 30)
    facts = apply(facts, city)
    listed = decide(CAL, POLICY, facts, at(11, 27, 14, 30))
    assert listed.levels == (Level.SUPERVISION,) and listed.next_at is None  # nothing further
    facts = apply(facts, listed)
    assert decide(CAL, POLICY, facts, at(12, 31, 12)) == SweepDecision(
        Light.RED, (), (), Warned.RED, Level.SUPERVISION, None
    )


def test_the_weekend_does_not_count_in_working_day_steps() -> None:
    friday = SweepFacts(garbage_clock(at(11, 20, 9)))  # due Friday 14:30
    friday = apply(friday, decide(CAL, POLICY, friday, at(11, 20, 15)))
    assert friday.level == Level.STREET
    assert not decide(CAL, POLICY, friday, at(11, 22, 23)).acts  # Sunday night: still the street's
    assert decide(CAL, POLICY, friday, at(11, 23, 14, 30)).levels == (Level.DISTRICT,)  # Monday


def test_a_sweep_that_comes_late_records_every_level_due_and_only_the_red_warning() -> None:
    facts = SweepFacts(garbage_clock())
    late = decide(CAL, POLICY, facts, at(11, 20, 15))  # Friday: three working days overdue
    assert late.warnings == (WarningKind.RED,)
    assert late.levels == (Level.STREET, Level.DISTRICT, Level.CITY)
    assert late.level is Level.CITY and late.next_at == at(11, 27, 14, 30)


def test_a_command_centre_post_is_warned_but_never_escalated() -> None:
    """[7]: filing (15 minutes from Monday 09:00) is the shift leader's post: yellow, then red, and
    then nothing more — however late, no level, and no reason to look again until the clock changes."""
    filing = StageClock.start(CAL, MONDAY_9, Duration(15, TimeUnit.MINUTES))
    facts = SweepFacts(filing, escalates=False)
    yellow = decide(CAL, POLICY, facts, at(11, 16, 9, 13))
    assert yellow.warnings == (WarningKind.YELLOW,) and yellow.levels == ()
    assert yellow.next_at is not None and yellow.next_at > at(11, 16, 9, 15)
    red = decide(CAL, POLICY, apply(facts, yellow), at(11, 16, 9, 16))
    assert red.warnings == (WarningKind.RED,) and red.levels == () and red.level is Level.NONE
    assert red.next_at is None
    weeks_later = decide(CAL, POLICY, apply(apply(facts, yellow), red), at(12, 1, 9))
    assert not weeks_later.acts and weeks_later.next_at is None
    # the same lateness in a department's stage climbs the ladder
    assert decide(CAL, POLICY, SweepFacts(filing), at(11, 20, 9)).levels == (Level.STREET, Level.DISTRICT)


def test_urgent_cases_take_their_shorter_steps() -> None:
    normal = SweepFacts(garbage_clock(), level=Level.STREET, warned=Warned.RED)
    urgent = replace(normal, urgent=True)
    evening = at(11, 16, 16, 30)  # two calendar hours after the deadline
    assert decide(CAL, POLICY, normal, evening).levels == ()
    assert decide(CAL, POLICY, urgent, evening).levels == (Level.DISTRICT,)
    # the city one working day later: Monday 16:30 → Tuesday 16:30
    urgent = apply(urgent, decide(CAL, POLICY, urgent, evening))
    assert decide(CAL, POLICY, urgent, at(11, 17, 16, 29)).levels == ()
    assert decide(CAL, POLICY, urgent, at(11, 17, 16, 30)).levels == (Level.CITY,)


def test_nothing_comes_due_while_suspended_and_suspended_time_never_counts() -> None:
    clock = garbage_clock().pause(at(11, 16, 11))  # 2 working hours used, 2 left
    paused = decide(CAL, POLICY, SweepFacts(clock), at(11, 30, 9))
    assert not paused.acts and paused.next_at is None and paused.level is Level.NONE

    resumed = clock.resume(CAL, at(11, 18, 9))  # two days later: the deadline moves on by them
    facts = SweepFacts(resumed)
    assert resumed.deadline(CAL) == at(11, 18, 11)
    assert not decide(CAL, POLICY, facts, at(11, 18, 10)).warnings  # 2 h 12 min used: below 80 %
    assert decide(CAL, POLICY, facts, at(11, 18, 10, 30)).warnings == (WarningKind.YELLOW,)
    red = decide(CAL, POLICY, facts, at(11, 18, 11, 1))
    assert red.levels == (Level.STREET,) and red.next_at == at(11, 19, 11)


def test_an_extension_after_a_red_warning_does_not_warn_twice_but_escalates_when_late_again() -> None:
    facts = SweepFacts(garbage_clock())
    facts = apply(facts, decide(CAL, POLICY, facts, at(11, 16, 15)))
    assert (facts.warned, facts.level) == (Warned.RED, Level.STREET)
    extended = replace(facts, clock=facts.clock.extend(CAL, Duration(2, TimeUnit.WORK_DAYS)))
    green = decide(CAL, POLICY, extended, at(11, 17, 9))
    assert green.light is Light.GREEN and not green.acts
    assert green.next_at is not None and green.next_at > extended.clock.deadline(CAL)  # type: ignore[operator]
    # overdue again one working day after the new deadline (Wed 14:30 → Thu 14:30): the district
    later = decide(CAL, POLICY, extended, at(11, 19, 14, 30))
    assert later.warnings == () and later.levels == (Level.DISTRICT,)


def test_a_case_keeps_its_level_into_the_next_stage_and_warns_afresh() -> None:
    # disposal escalated to the district; the check stage (1 hour) starts with warnings afresh
    check = StageClock.start(CAL, at(11, 18, 9), Duration(60, TimeUnit.MINUTES))
    facts = SweepFacts(check, level=Level.DISTRICT, warned=Warned.NONE)
    red = decide(CAL, POLICY, facts, at(11, 18, 10, 5))
    assert red.warnings == (WarningKind.RED,) and red.levels == () and red.level is Level.DISTRICT
    # the city when this stage is late by its own steps: 0 + 1 + 3 working days after 10:00
    assert decide(CAL, POLICY, apply(facts, red), at(11, 24, 10)).levels == (Level.CITY,)


def test_facts_out_of_range_are_refused() -> None:
    with pytest.raises(Invalid):
        SweepFacts(garbage_clock(), level=5)
    with pytest.raises(Invalid):
        SweepFacts(garbage_clock(), warned=3)


# ------------------------------------------------------------------------------------------ properties

UNITS = st.sampled_from(list(TimeUnit))
DURATIONS = st.builds(Duration, st.integers(min_value=0, max_value=40).map(float), UNITS)
STARTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(tzinfo=SH)
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SweepFacts, EscalationPolicy, list[datetime]]:
    unit = draw(UNITS)
    limit = Duration(float(draw(st.integers(min_value=1, max_value=20))), unit)
    clock = StageClock.start(CAL, draw(STARTS), limit)
    policy = EscalationPolicy(
        tuple(draw(DURATIONS) for _ in range(3)),  # type: ignore[arg-type]
        tuple(draw(DURATIONS) for _ in range(3)),  # type: ignore[arg-type]
        draw(DURATIONS),
        draw(st.sampled_from([0.5, 0.8, 1.0])),
    )
    gaps = draw(st.lists(st.integers(min_value=0, max_value=6 * 24 * 60), min_size=1, max_size=12))
    moments, t = [], clock.started_at
    for gap in gaps:
        t += timedelta(minutes=gap)
        moments.append(t)
    facts = SweepFacts(clock, urgent=draw(st.booleans()))
    return facts, policy, moments


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_levels_never_go_down_nor_skip_a_level_before_its_time(
    scenario: tuple[SweepFacts, EscalationPolicy, list[datetime]],
) -> None:
    facts, policy, moments = scenario
    ladder = dict(level_thresholds(CAL, facts.clock, policy.ladder(facts.urgent)))
    sent: list[WarningKind] = []
    for now in moments:
        decision = decide(CAL, policy, facts, now)
        assert decision.level >= facts.level  # never down
        expected = tuple(Level(k) for k in range(facts.level + 1, decision.level + 1))
        assert decision.levels == expected  # one after the other, none left out
        for level in decision.levels:  # each only once its own time has come
            assert ladder[level] <= now and decision.light is Light.RED
        if decision.next_at is not None:
            assert decision.next_at > now
        sent += decision.warnings
        facts = apply(facts, decision)
        again = decide(CAL, policy, facts, now)
        assert not again.acts  # the same moment again: nothing twice
    assert len(sent) == len(set(sent))  # each warning at most once
    # the same level whether the sweep ran at every moment or only at the last
    once = decide(CAL, policy, SweepFacts(facts.clock, facts.urgent), moments[-1])
    assert once.level == facts.level


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_nothing_is_missed_between_the_moments_the_sweep_is_told_to_look(
    scenario: tuple[SweepFacts, EscalationPolicy, list[datetime]],
) -> None:
    """Looking only at `next_at` (as the sweep does) finds the same as looking at every moment."""
    facts, policy, moments = scenario
    end = moments[-1]
    lazy, now, looks = facts, facts.clock.started_at, 0
    while now is not None and now <= end and looks < 20:
        decision = decide(CAL, policy, lazy, now)
        lazy = apply(lazy, decision)
        now, looks = decision.next_at, looks + 1
    if looks < 20:
        assert lazy.level == decide(CAL, policy, SweepFacts(facts.clock, facts.urgent), end).level
        final = decide(CAL, policy, lazy, end)
        assert final.levels == ()
