"""回访 (callback): an operator calls a 12345 caller back after the case is closed and records the
caller's verdict — 满意, 基本满意 or 不满意 — and whether the caller considers the problem solved
(docs/domain/assessment.md §12345). A callback is a rating of that closure like a reporter's stars on
the portal (`case_ratings`, one per closure); the verdict takes the top, middle and bottom of the
five stars, so that 满意度 (average stars) and 不满意率 read portal ratings and callbacks alike."""

from __future__ import annotations

from typing import Any

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message

SATISFIED, BASICALLY_SATISFIED, DISSATISFIED = "satisfied", "basically_satisfied", "dissatisfied"
VERDICTS = (SATISFIED, BASICALLY_SATISFIED, DISSATISFIED)
VERDICT_LABELS = {SATISFIED: "满意", BASICALLY_SATISFIED: "基本满意", DISSATISFIED: "不满意"}
# 基本满意 is the middle of the five-level scale (非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意)
STARS = {SATISFIED: 5, BASICALLY_SATISFIED: 3, DISSATISFIED: 1}
# The verdicts the 12345 满意率 counts as satisfied
SATISFIED_VERDICTS = (SATISFIED, BASICALLY_SATISFIED)

_BY_LABEL = {label: key for key, label in VERDICT_LABELS.items()}
_YES = {"true", "1", "yes", "是", "已解决", "解决"}
_NO = {"false", "0", "no", "否", "未解决"}


def parse_verdict(value: Any) -> str:
    """The verdict's key from its key or its Chinese label; `Invalid` (in Chinese) otherwise."""
    text = "" if value is None else str(value).strip()
    verdict = _BY_LABEL.get(text, text)
    if verdict not in VERDICTS:
        refusal = message("callback.bad_verdict", text=text) if text else message("callback.no_verdict")
        raise Invalid(refusal, key="verdict")
    return verdict


def parse_solved(value: Any) -> bool:
    """Whether the caller considers the problem solved (true / false, 是 / 否); `Invalid` otherwise."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise Invalid(message("callback.no_solved"), key="solved")
