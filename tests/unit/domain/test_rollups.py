"""What one case, rating or history row adds to the rollups (domain.rollups): the keys, the lasting
facts, and the history rows that spoil earlier ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from gridcity.domain.rollups import (
    RatingLike,
    RollupRules,
    case_contribution,
    case_keys,
    difference,
    event_contribution,
    rating_contribution,
    rating_place,
)

RULES = RollupRules(
    timezone="Asia/Shanghai",
    public_channels=frozenset({"citizen", "hotline", "media"}),
    dissatisfied_at_most=2,
    verify_within_s=600,
    check_within_s=600,
    close_within_s=1800,
)
# 31 March 17:00 in Beijing is still March there, though 09:00 UTC
MARCH_END = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)


def a_case(**values: Any) -> SimpleNamespace:
    base = dict(
        state="filed",
        channel="supervisor",
        filed_at=MARCH_END,
        reported_at=MARCH_END - timedelta(minutes=10),
        closing_type=None,
        disposed_at=None,
        dispose_deadline=None,
        rework_count=0,
        district_code="110101",
        street_code="110101001",
        community_code="110101001001",
        grid_code=None,
        department_id=None,
        reporter_id=7,
        response_s=None,
    )
    base.update(values)
    return SimpleNamespace(**base)


REGION = ("region", "2026-03", "community", "110101001001")  # the case's finest region row
STREET = ("region", "2026-03", "street", "110101001")


def test_a_case_counts_in_the_local_month_of_its_filing_under_its_region_and_department() -> None:
    case = a_case(department_id=5, filed_at=datetime(2026, 3, 31, 17, 0, tzinfo=UTC))  # 1 April 01:00 local
    keys = case_keys(case, RULES)
    assert keys == (  # one row per region level it has (no unit grid here) and its department
        ("region", "2026-04", "district", "110101"),
        ("region", "2026-04", "street", "110101001"),
        ("region", "2026-04", "community", "110101001001"),
        ("department", "2026-04", 5),
    )
    out = case_contribution(case, RULES)
    assert all(out[key]["filed"] == 1 for key in keys)
    # the supervisor's own report counts in the month it was reported (31 March), decided and valid
    assert out[("post", "2026-03", "supervisor", 7)] == {"reports": 1, "valid_reports": 1}


def test_nothing_counts_before_filing_and_a_void_case_never() -> None:
    waiting = a_case(filed_at=None, state="accepted")
    assert case_contribution(waiting, RULES) == {}
    assert case_contribution(a_case(filed_at=None, state="void"), RULES) == {
        ("post", "2026-03", "supervisor", 7): {"reports": 1, "valid_reports": 0}
    }


def test_closing_on_time_is_judged_by_the_timestamps_and_reworks_by_the_count() -> None:
    late = a_case(
        state="closed",
        closing_type="normal",
        disposed_at=MARCH_END + timedelta(hours=5),
        dispose_deadline=MARCH_END + timedelta(hours=4),
        rework_count=1,
    )
    counts = case_contribution(late, RULES)[REGION]
    assert (counts["closed"], counts["closed_on_time"], counts["disposed_on_time"]) == (1, 0, 0)
    assert counts["reworked_closed"] == 1
    fixed_on_the_spot = a_case(state="closed", closing_type="self_handled")
    assert case_contribution(fixed_on_the_spot, RULES)[REGION]["closed_on_time"] == 1


def test_a_change_moves_only_what_changed() -> None:
    before = a_case(state="disposing", department_id=5)
    after = a_case(state="disposed", department_id=5, disposed_at=MARCH_END, dispose_deadline=MARCH_END)
    delta = difference(case_contribution(before, RULES), case_contribution(after, RULES))
    assert delta[REGION] == delta[STREET] == {"disposed": 1, "disposed_on_time": 1}
    assert delta[("department", "2026-03", 5)] == {"disposed": 1, "disposed_on_time": 1}
    assert len(delta) == 4  # district, street, community, department
    # a return takes the case off the department's books
    returned = difference(case_contribution(before, RULES), case_contribution(a_case(), RULES))
    assert returned == {("department", "2026-03", 5): {"filed": -1}}


def test_public_reports_count_for_the_region_by_filing_and_for_missed_reports_by_reporting() -> None:
    case = a_case(channel="citizen", reporter_id=None, reported_at=MARCH_END - timedelta(days=40))
    out = case_contribution(case, RULES)
    assert out[REGION]["public_reports"] == 1
    february = ("region", "2026-02", *REGION[2:])
    assert out[february] == {"public_filed_reported": 1}
    assert out[("region", "2026-02", "district", "110101")] == {"public_filed_reported": 1}


def test_ratings_count_their_dissatisfied_stars() -> None:
    place = ("2026-03", (REGION,))
    given = [RatingLike(1), RatingLike(2), RatingLike(5)]
    assert rating_contribution(place, given, RULES, -1) == {
        REGION: {"ratings": -3, "stars": -8, "dissatisfied": -2}
    }


def test_a_rating_stays_with_the_department_that_did_the_rated_work() -> None:
    # rated while department 5 had the case; reopened and now with department 9
    case = a_case(state="disposing", department_id=9)
    month, regions = rating_place(case, RULES) or ("", ())
    assert month == "2026-03" and STREET in regions
    out = rating_contribution((month, regions), [RatingLike(1, department_id=5)], RULES)
    assert out[("department", "2026-03", 5)] == {"ratings": 1, "stars": 1, "dissatisfied": 1}
    assert ("department", "2026-03", 9) not in out
    # a self-handled case's rating has no department: its regions only
    assert set(rating_contribution((month, regions), [RatingLike(5)], RULES)) == set(regions)
    assert rating_place(a_case(filed_at=None, state="accepted"), RULES) is None


def test_a_callback_counts_as_a_rating_and_in_the_12345_rates() -> None:
    place = ("2026-03", (REGION,))
    given = [
        RatingLike(5, 5, "callback", "satisfied", True),
        RatingLike(3, 5, "callback", "basically_satisfied", False),
        RatingLike(1, 5, "callback", "dissatisfied", False),
        RatingLike(4, 5, "portal"),  # a reporter's stars: a rating, not a callback
    ]
    assert rating_contribution(place, given, RULES)[REGION] == {
        "ratings": 4,
        "stars": 13,
        "dissatisfied": 1,
        "callbacks": 3,
        "callbacks_solved": 1,
        "callbacks_satisfied": 2,
    }


def test_a_hotline_case_counts_its_departments_answer_on_time_or_late() -> None:
    within = case_contribution(a_case(channel="hotline", department_id=5, response_s=7200.0), RULES)
    late = case_contribution(a_case(channel="hotline", department_id=5, response_s=7201.0), RULES)
    waiting = case_contribution(a_case(channel="hotline", department_id=5), RULES)
    key = ("department", "2026-03", 5)
    assert (within[key]["hotline_responses"], within[key]["hotline_responses_on_time"]) == (1, 1)
    assert (late[key]["hotline_responses"], late[key]["hotline_responses_on_time"]) == (1, 0)
    assert waiting[key]["hotline_responses"] == 0
    # another channel's answers are not the 12345 rate's
    citizen = case_contribution(a_case(channel="citizen", department_id=5, response_s=60.0), RULES)
    assert citizen[key]["hotline_responses"] == 0


def row(seq: int, action: str, role: str, actor: int | None, **data: Any) -> SimpleNamespace:
    return SimpleNamespace(
        seq=seq,
        at=MARCH_END + timedelta(minutes=seq),
        actor_id=actor,
        actor_role=role,
        action=action,
        data=data,
    )


def post(role: str, actor: int) -> tuple[str, str, str, int]:
    return ("post", "2026-03", role, actor)


def test_an_operator_takes_a_case_in_once() -> None:
    first = row(2, "send_verify", "operator", 3, waited_s=300)
    assert event_contribution(first, [], RULES) == {
        post("operator", 3): {"intake": 1, "verify_sent_timed": 1, "verify_sent_on_time": 1}
    }
    again = row(5, "accept_report", "operator", 3)
    assert event_contribution(again, [first], RULES) == {}  # the same person, the same case
    other = row(5, "reject", "operator", 4)
    assert event_contribution(other, [first], RULES) == {post("operator", 4): {"intake": 1}}


def test_a_transfer_spoils_the_filings_before_it_once() -> None:
    filing = row(2, "file", "shift_leader", 9, on_time=True)
    assert event_contribution(filing, [], RULES) == {
        post("shift_leader", 9): {"filings": 1, "filings_timed": 1, "filings_on_time": 1}
    }
    transfer = row(3, "transfer", "dispatcher", 11)
    assert event_contribution(transfer, [filing], RULES) == {post("shift_leader", 9): {"filings_wrong": 1}}
    erroneous = row(4, "close", "shift_leader", 9, closing_type="erroneous", waited_s=60)
    out = event_contribution(erroneous, [filing, transfer], RULES)
    assert out == {post("shift_leader", 9): {"closings_timed": 1, "closings_on_time": 1}}  # spoilt already


def test_an_approved_return_spoils_the_dispatch_it_undoes() -> None:
    first = row(2, "dispatch", "dispatcher", 11, on_time=False)
    assert event_contribution(first, [], RULES) == {
        post("dispatcher", 11): {"dispatches": 1, "dispatches_timed": 1}
    }
    back = row(4, "approve_return", "dispatcher", 11)
    assert event_contribution(back, [first], RULES) == {post("dispatcher", 11): {"dispatches_sent_back": 1}}
    second = row(5, "dispatch", "dispatcher", 12, on_time=True)
    again = row(7, "approve_return", "dispatcher", 11)
    out = event_contribution(again, [first, back, second], RULES)
    assert out == {post("dispatcher", 12): {"dispatches_sent_back": 1}}  # only the latest dispatch
    twice = row(8, "approve_return", "dispatcher", 11)
    assert event_contribution(twice, [first, back, second, again], RULES) == {}


def test_the_rules_fingerprint_changes_with_the_rules() -> None:
    other = replace(RULES, public_channels=frozenset({"citizen"}))
    assert other.fingerprint() != RULES.fingerprint()
    assert replace(RULES).fingerprint() == RULES.fingerprint()


def test_the_month_is_the_citys_local_month() -> None:
    new_year = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 1 January 2027 00:00 in Beijing
    assert RULES.month(new_year) == "2027-01"
    assert RULES.month(new_year - timedelta(microseconds=1)) == "2026-12"
    assert RULES.month(datetime(2150, 5, 1, tzinfo=UTC)) == "2150-05"  # beyond the table: computed
