"""The pages' words ([8]): every entry of the page catalogue (web.i18n, with each page module's
words) is Chinese in Chinese and English in English, and every label a page shows for a workflow
value (state, action, stage, closing type, role) and a time limit exists in both languages."""

from __future__ import annotations

import re

import pytest

import gridcity.app  # noqa: F401 (imports every page module, which adds its words)
from gridcity.domain.durations import Duration, TimeUnit
from gridcity.domain.taxonomy import Stage
from gridcity.domain.workflow import CaseAction, CaseState, ClosingType, Role
from gridcity.web import i18n

_HAN = re.compile(r"[\u4e00-\u9fff]")
# English texts that must hold Chinese, and why: the language switch names the other language
ALLOWED_HAN_IN_ENGLISH = {"language": "the switch to Chinese is written 中文"}
# English texts left empty, and why
EMPTY_IN_ENGLISH = {"admin.month": "a calendar month is 3月 in Chinese, its number alone in English"}
# Chinese texts without Chinese characters, and why
ALLOWED_NO_HAN_IN_CHINESE = {"language": "the switch to English is written English"}


@pytest.mark.parametrize("key", sorted(i18n._WORDS))
def test_every_word_is_chinese_in_chinese_and_english_in_english(key: str) -> None:
    zh, en = i18n._WORDS[key]
    assert zh.strip() and (en.strip() or key in EMPTY_IN_ENGLISH), f"{key}: an empty text"
    if key not in ALLOWED_NO_HAN_IN_CHINESE:
        assert _HAN.search(zh), f"{key}: the Chinese text {zh!r} has no Chinese"
    if key not in ALLOWED_HAN_IN_ENGLISH:
        assert not _HAN.search(en), f"{key}: the English text {en!r} holds Chinese"


@pytest.mark.parametrize("kind", [CaseState, CaseAction, ClosingType, Stage, Role])
def test_every_workflow_value_has_a_label_in_both_languages(kind) -> None:  # type: ignore[no-untyped-def]
    for member in kind:
        assert _HAN.search(member.label_zh), member
        assert member.label_en and not _HAN.search(member.label_en), member
        assert member.label_en != member.value, f"{member}: the English label is the code"
        assert "_" not in member.label_en, member


def test_the_page_helpers_name_values_in_the_persons_language() -> None:
    assert (
        i18n.state_label("verifying", "zh") == "核实中" and i18n.state_label("verifying", "en") == "Verifying"
    )
    assert i18n.action_label("send_verify", "en") == "Send to verify"
    assert i18n.action_label("report", "zh") == "上报" and i18n.action_label("report", "en") == "Report"
    assert i18n.stage_label("verify", "zh") == "核实" and i18n.stage_label("verify", "en") == "Verify"
    assert i18n.closing_label("overdue", "zh") == "超期结案"
    assert i18n.light_label("red", "zh") == "超时" and i18n.light_label(None, "zh") == "不计时"
    assert i18n.light_label("yellow", "en") == "Near the limit"
    assert i18n.state_label("a_state_of_an_old_version", "en") == "a_state_of_an_old_version"


@pytest.mark.parametrize("text", ["4 work_hours", "30 minutes", "2 hours", "20 work_days", "1.5 work_days"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_limit_as_a_page_writes_it_can_be_typed_back(text: str, lang: str) -> None:
    duration = Duration.parse(text)
    shown = i18n.duration_label(duration, lang)
    assert "_" not in shown and bool(_HAN.search(shown)) == (lang == "zh"), shown
    assert Duration.parse(shown) == duration


def test_a_limit_may_be_typed_in_chinese_or_in_words() -> None:
    assert Duration.parse("4 工作小时") == Duration(4, TimeUnit.WORK_HOURS)
    assert Duration.parse("3个工作日") == Duration(3, TimeUnit.WORK_DAYS)
    assert Duration.parse("2 小时") == Duration(120, TimeUnit.MINUTES)
    assert Duration.parse("1 working day") == Duration(1, TimeUnit.WORK_DAYS)
