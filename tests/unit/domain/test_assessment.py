"""The assessment's formulas (domain.assessment): indicators from counts, scores, composites,
grades, ranks, periods, and the configuration's checks — no database."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcity.domain.assessment import (
    COMPOSITES,
    INDICATORS,
    POST_FACTS,
    Bands,
    ScopeKind,
    assess,
    check_scope,
    default_config_text,
    grade,
    load_config,
    merge_config,
    month_period,
    parse_config,
    parse_period,
    previous_month,
    range_period,
    rank,
    rounded,
)
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import speaking

CST = ZoneInfo("Asia/Shanghai")
DEFAULTS = load_config()


def _defaults() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(default_config_text())


# --- the shipped defaults are docs/domain/assessment.md's -----------------------------------------


def test_the_shipped_weights_are_the_published_ones() -> None:
    w = {name: {k: int(v) for k, v in c.weights.items()} for name, c in DEFAULTS.composites.items()}
    # GB/T 30428.4's weights scaled to 90 %, and citizen satisfaction 10 % (the seed asks for it)
    assert w["region"] == {
        "public_report_rate": 9,
        "filed": 18,
        "closure_rate": 27,
        "on_time_closure_rate": 36,
        "satisfaction": 10,
    }
    assert w["department"] == {
        "filed": 9,
        "closure_rate": 27,
        "on_time_disposal_rate": 27,
        "rework_rate": 27,
        "satisfaction": 10,
    }
    assert w["supervisor"] == {
        "valid_report_rate": 30,
        "missed_report_rate": 20,
        "on_time_verify_rate": 20,
        "on_time_check_rate": 20,
        "patrol_coverage": 10,
    }
    assert w["operator"] == {
        "intake": 25,
        "on_time_verify_dispatch_rate": 40,
        "on_time_check_dispatch_rate": 35,
    }
    assert w["shift_leader"] == {
        "on_time_filing_rate": 25,
        "accurate_filing_rate": 40,
        "on_time_closing_rate": 35,
    }
    assert w["dispatcher"] == {"dispatched": 20, "on_time_dispatch_rate": 40, "accurate_dispatch_rate": 40}
    assert [(g, int(s)) for g, s in DEFAULTS.grades] == [("A", 90), ("B", 75), ("C", 60), ("D", 40)]
    assert DEFAULTS.lowest_grade == "E"
    assert (
        DEFAULTS.peer_group_of("110101") == "首都功能核心区"
        and DEFAULTS.peer_group_of("110108") == "城市功能拓展区"
    )
    assert DEFAULTS.public_channels == ("citizen", "hotline", "media")


# --- indicators from counts --------------------------------------------------------------------


def test_domain_md_example_closure_rates() -> None:
    """996 filed, 972 due, 911 closed → 93.72 %; 737 on time → 75.82 % (docs/domain/assessment.md)."""
    facts = {"filed": 996, "closed": 911, "open_overdue": 972 - 911, "closed_on_time": 737}
    result = assess("region", facts, Fraction(1), DEFAULTS)
    closure, on_time = result.indicator("closure_rate"), result.indicator("on_time_closure_rate")
    assert (closure.numerator, closure.denominator, rounded(closure.value)) == (
        911,
        972,
        rounded(Fraction(9372, 100)),
    )
    assert (on_time.numerator, on_time.denominator) == (737, 972)
    assert str(rounded(on_time.value)) == "75.82"


def test_a_region_composite_by_hand() -> None:
    # 4 unit grids, 48 filed (12 per grid: band 75), 6 from the public (12.5 %: band 75),
    # 40 due: 36 closed (90 %), 30 on time (75 %); 4 ratings of 16 stars (average 4: score 75)
    facts = {
        "filed": 48,
        "grids": 4,
        "public_reports": 6,
        "closed": 36,
        "open_overdue": 4,
        "closed_on_time": 30,
        "ratings": 4,
        "stars": 16,
    }
    result = assess("region", facts, Fraction(1), DEFAULTS)
    assert result.indicator("filed").value == 12 and result.indicator("filed").score == 75
    assert result.indicator("public_report_rate").value == Fraction(25, 2)
    assert result.indicator("public_report_rate").score == 75
    assert result.indicator("satisfaction").score == 75
    assert result.composite == (9 * 75 + 18 * 75 + 27 * 90 + 36 * 75 + 10 * 75) / Fraction(100)
    assert result.composite == Fraction(7905, 100) and result.grade == "B"
    # without ratings satisfaction drops out and the others keep their proportions: 79.5
    unrated = assess("region", facts | {"ratings": 0, "stars": 0}, Fraction(1), DEFAULTS)
    assert unrated.composite == Fraction(795, 10)


def test_lower_is_better_rates_score_their_complement() -> None:
    facts = {"filed": 10, "closed": 8, "open_overdue": 2, "closed_on_time": 8, "reworked": 1}
    facts |= {"disposed": 8, "disposed_on_time": 6, "dispose_overdue": 2}
    result = assess("department", facts, Fraction(1), DEFAULTS)
    assert result.indicator("rework_rate").value == 10 and result.indicator("rework_rate").score == 90
    assert result.indicator("on_time_disposal_rate").value == 60  # 6 / (8 + 2)
    # 立案数分值: 10 a month → band 75; no rating: satisfaction drops out (weights 9 : 27 : 27 : 27)
    assert result.composite == (9 * 75 + 27 * 80 + 27 * 60 + 27 * 90) / Fraction(90) == Fraction(765, 10)
    # two ratings, 1 and 5 stars: average 3, score 50
    rated = assess("department", facts | {"ratings": 2, "stars": 6}, Fraction(1), DEFAULTS)
    assert rated.composite == (9 * 75 + 27 * 80 + 27 * 60 + 27 * 90 + 10 * 50) / Fraction(100)
    assert rated.composite == Fraction(7385, 100)


def test_no_denominator_no_value_and_the_others_keep_their_proportions() -> None:
    # a supervisor who reported (3 of 4 valid) but verified and checked nothing this month
    facts = dict.fromkeys(POST_FACTS["supervisor"], 0) | {"reports": 4, "valid_reports": 3, "missed": 1}
    result = assess("supervisor", facts, Fraction(1), DEFAULTS)
    assert result.indicator("on_time_verify_rate").value is None
    assert result.indicator("on_time_check_rate").score is None
    # 有效上报率 75 (weight 40), 漏报率 1 / (1 + 3) = 25 → 75 (weight 20): weights 40 : 20
    assert result.composite == (40 * 75 + 20 * 75) / Fraction(60) == 75
    assert result.grade == "B"


def test_a_count_alone_makes_no_composite() -> None:
    # an operator with nothing in the period: 受理数 scores 0 by its band, but nothing was measured
    result = assess("operator", dict.fromkeys(POST_FACTS["operator"], 0), Fraction(1), DEFAULTS)
    assert result.indicator("intake").score == 0
    assert result.composite is None and result.grade is None


def test_satisfaction_is_average_stars_and_share_of_two_stars_or_fewer() -> None:
    facts = {
        "filed": 3,
        "closed": 3,
        "closed_on_time": 3,
        "ratings": 4,
        "stars": 5 + 4 + 2 + 1,
        "dissatisfied": 2,
    }
    result = assess("department", facts, Fraction(1), DEFAULTS)
    assert result.indicator("satisfaction").value == 3
    assert result.indicator("satisfaction").score == 50  # (3 − 1) / 4
    assert result.indicator("dissatisfied_rate").value == 50


def test_counts_are_per_month() -> None:
    two_months = range_period(date(2026, 1, 1), date(2026, 3, 1), CST)
    assert two_months.months == 2
    result = assess("dispatcher", {"dispatches": 400, "dispatches_timed": 400}, two_months.months, DEFAULTS)
    assert result.indicator("dispatched").value == 200 and result.indicator("dispatched").score == 75
    week = range_period(date(2026, 3, 2), date(2026, 3, 9), CST)
    assert week.months == Fraction(7 * 86400, 2_629_746)


@given(
    num=st.integers(min_value=0, max_value=10**6),
    extra=st.integers(min_value=0, max_value=10**6),
)
def test_every_rate_lies_in_0_to_100_and_is_numerator_over_denominator(num: int, extra: int) -> None:
    den = num + extra
    facts = {"closed": num, "open_overdue": extra, "closed_on_time": num}
    item = assess("region", facts, Fraction(1), DEFAULTS).indicator("closure_rate")
    assert (item.numerator, item.denominator) == (num, den)
    if den == 0:
        assert item.value is None
    else:
        assert item.value == Fraction(100 * num, den) and 0 <= item.value <= 100


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=3, max_size=3))
def test_a_composite_lies_between_its_lowest_and_highest_score(rates: list[int]) -> None:
    a, b, c = rates
    facts = {
        "reports": 100,
        "valid_reports": a,
        "missed": 100 - a,  # 漏报率 = (100 − a) / 200
        "verify_timed": 100,
        "verify_on_time": b,
        "check_timed": 100,
        "check_on_time": c,
    }
    result = assess("supervisor", facts, Fraction(1), DEFAULTS)
    scores = [i.score for i in result.indicators if i.score is not None]
    assert result.composite is not None and min(scores) <= result.composite <= max(scores)


# --- rounding, grades, ranks ------------------------------------------------------------------


def test_rounding_is_half_up_on_the_exact_value() -> None:
    assert str(rounded(Fraction(2, 3) * 100)) == "66.67"
    assert str(rounded(Fraction(66665, 1000))) == "66.67"  # binary floats would give 66.66
    assert str(rounded(Fraction(2675, 1000))) == "2.68"
    assert str(rounded(Fraction(100))) == "100.00"


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (100, "A"),
        (90, "A"),
        (Fraction(89995, 1000), "A"),  # shown as 90.00
        (Fraction(89994, 1000), "B"),  # shown as 89.99
        (75, "B"),
        (60, "C"),
        (Fraction(5999, 100), "D"),
        (40, "D"),
        (Fraction(3999, 100), "E"),
        (0, "E"),
    ],
)
def test_grades_of_the_shown_composite(score: Fraction, expected: str) -> None:
    assert grade(Fraction(score), DEFAULTS) == expected


def test_ranks_share_ties_and_skip_and_stay_within_their_group() -> None:
    scores = [Fraction(80), Fraction(90), None, Fraction(80), Fraction(70)]
    assert rank(scores) == [2, 1, None, 2, 4]
    assert rank(scores, ["x", "y", "x", "y", "x"]) == [1, 1, None, 2, 2]


# --- periods and scopes -----------------------------------------------------------------------


def test_a_month_is_midnight_to_midnight_in_the_city() -> None:
    march = month_period("2026-03", CST)
    assert march.start == datetime(2026, 3, 1, tzinfo=CST) and march.end == datetime(2026, 4, 1, tzinfo=CST)
    december = month_period("2026-12", "Asia/Shanghai")
    assert december.end == datetime(2027, 1, 1, tzinfo=CST)
    assert parse_period("2026-03-01..2026-03-16", CST).end == datetime(2026, 3, 16, tzinfo=CST)
    assert previous_month(datetime(2026, 1, 5, tzinfo=CST), CST) == "2025-12"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-03", "2026/03", "march", "2026-3", ""])
def test_a_bad_month_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(Invalid, match="YYYY-MM"):
        parse_period(text or None, CST) if text else month_period(text, CST)


def test_scopes_have_defaults_and_refuse_unknown_levels() -> None:
    assert check_scope(None, None) == (ScopeKind.REGION, "district")
    assert check_scope("post", None) == (ScopeKind.POST, "supervisor")
    assert check_scope("department", None) == (ScopeKind.DEPARTMENT, "department")
    for kind, level, message in (
        ("regions", None, "unknown kind"),
        ("region", "city", "unknown region level"),
        ("post", "handler", "unknown post"),
        ("department", "grid", "leave level out"),
    ):
        with pytest.raises(Invalid, match=message):
            check_scope(kind, level)


# --- configuration ----------------------------------------------------------------------------


def _with(**sections: Any) -> dict[str, Any]:
    return merge_config(_defaults(), sections)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"region": {"weights": {"closure_rate": 50, "on_time_closure_rate": 40}}}, "sum to 90, not 100"),
        (
            {"region": {"weights": {"closure_rate": 50, "speed": 50}}},
            "region.weights.speed: not an indicator",
        ),
        ({"region": {"weights": {"closure_rate": 110, "on_time_closure_rate": -10}}}, "cannot be negative"),
        (
            {"department": {"weights": {"closure_rate": 50, "filed": 50}, "bands": {"filed": []}}},
            "a list of bands",
        ),
        (
            {"region": {"bands": {"filed": [{"at_least": 0, "score": 0}, {"at_least": 0, "score": 10}]}}},
            "thresholds must be ascending",
        ),
        ({"region": {"bands": {"filed": [{"at_least": 1, "score": 50}]}}}, "first band starts at_least = 0"),
        (
            {"region": {"bands": {"filed": [{"at_least": 0, "score": 50}, {"at_least": 5, "score": 40}]}}},
            "cannot score less",
        ),
        ({"region": {"bands": {"filed": [{"at_least": 0, "score": 150}]}}}, "a score lies in 0–100"),
        (
            {"region": {"bands": {"public_report_rate": [{"at_least": 0, "score": 100}]}}},
            "better when lower: write at_most",
        ),
        (
            {"region": {"bands": {"public_report_rate": [{"at_most": 50, "score": 100}]}}},
            "last band is at_most = 100",
        ),
        ({"grades": {"A": 90, "B": 95}}, "falling scores"),
        ({"channels": {"public": ["citizen", "pigeon"]}}, "unknown channel 'pigeon'"),
        ({"operator": {"verify_dispatch_within": "2 work_hours"}}, "in minutes or hours"),
        ({"shift_leader": {"close_within": "soon"}}, "not a duration"),
        (
            {"peer_group": [{"name": "x", "districts": ["110101"]}, {"name": "y", "districts": ["110101"]}]},
            "already in",
        ),
        ({"ranking": {}}, "unknown section"),
        (
            {"supervisor": {"weights": {"valid_report_rate": 100}, "limit": 3}},
            "supervisor.limit: unknown key",
        ),
    ],
)
def test_a_wrong_configuration_is_refused_naming_the_key(override: dict[str, Any], message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        parse_config(_with(**override), "city.toml")
    assert "city.toml" in caught.value.message


def test_a_weighted_count_needs_its_bands() -> None:
    data = _defaults()
    del data["dispatcher"]["bands"]
    with pytest.raises(Invalid, match="dispatched is a count: give its bands"):
        parse_config(data)
    data["dispatcher"]["weights"] = {"on_time_dispatch_rate": 50, "accurate_dispatch_rate": 50}
    assert parse_config(data).composites["dispatcher"].bands == {}  # not weighted: shown only


def test_a_city_file_replaces_whole_weights_and_single_bands(tmp_path: Path) -> None:
    path = tmp_path / "city.toml"
    path.write_text(
        """
[region]
weights = { closure_rate = 50, on_time_closure_rate = 40, satisfaction = 10 }
[region.bands]
public_report_rate = [{ at_most = 20, score = 100 }, { at_most = 100, score = 50 }]
[satisfaction]
dissatisfied_at_most = 1
""",
        encoding="utf-8",
    )
    config = load_config(path)
    region = config.composites["region"]
    assert {k: int(v) for k, v in region.weights.items()} == {
        "closure_rate": 50,
        "on_time_closure_rate": 40,
        "satisfaction": 10,
    }
    assert region.bands["public_report_rate"].score(Fraction(25)) == 50
    assert region.bands["filed"] == DEFAULTS.composites["region"].bands["filed"]  # kept
    assert config.dissatisfied_at_most == 1 and config.source == str(path)
    assert config.composites["department"] == DEFAULTS.composites["department"]


def test_an_unreadable_or_broken_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="cannot read it"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[region\n", encoding="utf-8")
    with pytest.raises(Invalid, match="not valid TOML"):
        load_config(broken)


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=100)),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    st.integers(min_value=0, max_value=2000),
)
def test_at_least_bands_score_the_highest_threshold_reached(steps: list[tuple[int, int]], value: int) -> None:
    thresholds = sorted(t for t, _ in steps)
    scores = sorted(s for _, s in steps)
    table = [{"at_least": t, "score": s} for t, s in zip([0, *thresholds[1:]], scores, strict=True)]
    config = parse_config(_with(dispatcher={"weights": {"dispatched": 100}, "bands": {"dispatched": table}}))
    bands: Bands = config.composites["dispatcher"].bands["dispatched"]
    reached = [b["score"] for b in table if value >= b["at_least"]]
    assert bands.score(Fraction(value)) == reached[-1]


def test_every_composite_has_its_indicators_and_facts() -> None:
    for name in COMPOSITES:
        assert DEFAULTS.composites[name].weights
        for key in DEFAULTS.composites[name].weights:
            assert key in {i.key for i in INDICATORS[name]}
    for post, facts in POST_FACTS.items():
        wanted = {i.numerator for i in INDICATORS[post]} | {i.denominator for i in INDICATORS[post]} - {None}
        assert wanted - {"missed_base"} <= set(facts), post


# --- 接诉即办: the 12345 rates ------------------------------------------------------------------


def test_the_12345_rates_by_hand() -> None:
    # 5 answers to a dispatch, 4 within the limit; 5 callbacks: 2 solved, 3 满意 or 基本满意
    facts = {"filed": 6, "hotline_responses": 5, "hotline_responses_on_time": 4}
    facts |= {"callbacks": 5, "callbacks_solved": 2, "callbacks_satisfied": 3}
    for composite in ("region", "department"):
        result = assess(composite, facts | {"grids": 1}, Fraction(1), DEFAULTS)
        response = result.indicator("hotline_response_rate")
        assert (response.numerator, response.denominator, response.value) == (4, 5, 80)
        assert result.indicator("hotline_resolution_rate").value == 40
        assert result.indicator("hotline_satisfaction_rate").value == 60
        # shown and ranked on their own lists, not weighted in the composite
        assert all(
            result.indicator(k).weight == 0 for k in ("hotline_response_rate", "hotline_resolution_rate")
        )
    # a dispatch still unanswered past the limit is due too: 4 of 6
    waiting = assess("department", facts | {"hotline_unanswered_late": 1}, Fraction(1), DEFAULTS)
    response = waiting.indicator("hotline_response_rate")
    assert (response.numerator, response.denominator) == (4, 6)
    # no 12345 case: no value (not 0 %), no rate
    quiet = assess("region", {"filed": 3, "grids": 1}, Fraction(1), DEFAULTS)
    assert quiet.indicator("hotline_satisfaction_rate").value is None


def test_the_response_limit_is_configurable() -> None:
    assert DEFAULTS.respond_within.amount == 120  # "2 hours", in minutes
    assert parse_config(_with(hotline={"respond_within": "90 minutes"})).respond_within.amount == 90
    with pytest.raises(Invalid, match=r"hotline\.respond_within"):
        parse_config(_with(hotline={"respond_within": "2 work_days"}))
    with pytest.raises(Invalid, match="respond_within"):
        parse_config(_with(hotline={"answer_within": "2 hours"}))


def test_a_callback_verdict_and_its_stars() -> None:
    from gridcity.domain.callbacks import STARS, parse_solved, parse_verdict

    assert [parse_verdict(v) for v in ("satisfied", "基本满意", " 不满意 ")] == [
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
    ]
    # the top, middle and bottom of the portal's five stars: 不满意 is dissatisfied (≤ 2 stars)
    assert STARS == {"satisfied": 5, "basically_satisfied": 3, "dissatisfied": 1}
    assert [parse_solved(v) for v in (True, "false", "是", "未解决")] == [True, False, True, False]
    for bad in (None, "", "great"):
        with speaking("zh"), pytest.raises(Invalid, match="回访结果"):
            parse_verdict(bad)
    with pytest.raises(Invalid, match="solved"):
        parse_solved(None)
