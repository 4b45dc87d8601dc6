"""The message catalogue ([8]): every refusal converted to a code is written in Chinese and English,
both texts render with the parameters the code passes, and a code used anywhere in the code base
is in the catalogue (an untranslated key fails here, not in front of a person)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gridcity.domain.errors import Conflict, Forbidden, Invalid, InvalidTransition
from gridcity.domain.messages import CATALOGUE, message, speaking
from gridcity.domain.workflow import CaseAction, CaseState, Role, closing_type_for, transition_for

SRC = Path(__file__).resolve().parents[3] / "src" / "gridcity"
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_is_written_in_both_languages(code: str) -> None:
    zh, en = CATALOGUE[code]
    assert _HAN.search(zh), f"{code}: the Chinese text has no Chinese"
    assert en.strip() and en[0].isascii(), f"{code}: the English text"
    params = {name: "x" for name in _fields(zh) | _fields(en)}
    assert message(code, **params).render("zh") and message(code, **params).render("en")


def test_every_code_the_code_base_uses_is_in_the_catalogue() -> None:
    used = set()
    for path in SRC.rglob("*.py"):
        used |= set(re.findall(r'message\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert used, "the scan found no message codes"
    assert used <= set(CATALOGUE), f"codes without texts: {sorted(used - set(CATALOGUE))}"
    assert set(CATALOGUE) <= used, f"texts no code uses: {sorted(set(CATALOGUE) - used)}"


def test_an_unknown_code_is_refused_when_written() -> None:
    with pytest.raises(KeyError):
        message("case.no_such_message")


def test_a_refusal_speaks_the_language_of_the_person_who_reads_it() -> None:
    stale = Conflict(message("case.changed", number="2026111600000042", seen=1, now=2))
    with speaking("zh"):
        assert stale.message == (
            "案件 2026111600000042 在您打开后已被他人处理（您看到的是第 1 版，现在是第 2 版），请刷新后再操作"
        )
    with speaking("en"):
        assert "changed since you loaded it (you saw version 1, it is now 2)" in stale.message
    assert stale.code == "case.changed"


def test_workflow_refusals_name_states_actions_and_roles_in_chinese() -> None:
    with pytest.raises(InvalidTransition) as impossible:
        transition_for(CaseState.CLOSED, CaseAction.DISPATCH, Role.DISPATCHER)
    with pytest.raises(Forbidden) as not_yours:
        transition_for(CaseState.FILED, CaseAction.DISPATCH, Role.OPERATOR)
    with pytest.raises(Invalid) as late:
        closing_type_for("normal", disposed_late=True, note="")
    with speaking("zh"):  # rendered when read, in the reader's language
        assert impossible.value.message.startswith("案件当前为“已结案”，不能“派遣”；可进行的操作：")
        assert "comment" not in impossible.value.message and "沟通交流" in impossible.value.message
        assert not_yours.value.message == "受理员不能“派遣”，这一步由派遣员办理"
        assert "超期结案" in late.value.message and "late" not in late.value.message
    with speaking("en"):
        assert "is not possible while the case is 'closed'" in impossible.value.message
