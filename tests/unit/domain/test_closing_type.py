"""The closing type follows the clock (domain.workflow.closing_type_for): what a shift leader may
choose when closing, given whether the department disposed after its deadline."""

from __future__ import annotations

import pytest

from gridcity.domain.errors import Invalid
from gridcity.domain.workflow import ClosingType, closing_type_for


@pytest.mark.parametrize(("late", "expected"), [(False, ClosingType.NORMAL), (True, ClosingType.OVERDUE)])
def test_left_empty_the_clock_decides(late: bool, expected: ClosingType) -> None:
    assert closing_type_for(None, late, "") is expected
    assert closing_type_for("", late, "") is expected


def test_a_late_case_is_never_normal_and_an_on_time_one_never_overdue() -> None:
    with pytest.raises(Invalid, match="after its deadline"):
        closing_type_for("normal", True, "按期")
    with pytest.raises(Invalid, match="on time"):
        closing_type_for("overdue", False, "")
    assert closing_type_for("overdue", True, "") is ClosingType.OVERDUE
    assert closing_type_for("normal", False, "") is ClosingType.NORMAL


def test_special_needs_a_reason_erroneous_any_time_self_handled_never() -> None:
    with pytest.raises(Invalid, match="needs the reason"):
        closing_type_for("special", True, "  ")
    assert closing_type_for("special", True, "市领导批示特殊处理") is ClosingType.SPECIAL
    assert closing_type_for("erroneous", False, "") is ClosingType.ERRONEOUS
    assert closing_type_for("erroneous", True, "") is ClosingType.ERRONEOUS
    with pytest.raises(Invalid, match="self_handle action"):
        closing_type_for("self_handled", False, "")
    with pytest.raises(Invalid, match="unknown closing type 'done'"):
        closing_type_for("done", False, "")
