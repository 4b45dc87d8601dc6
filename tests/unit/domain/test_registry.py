"""The registry's pure rules: identity numbers, credit codes, phones, masking, who sees what."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from gridcity.domain.errors import Invalid
from gridcity.domain.registry import (
    SECURITY_TAGS,
    Gender,
    PlaceKind,
    ResidentContext,
    ResidentTag,
    check_reason,
    id_check_char,
    mask_id_number,
    mask_name,
    mask_phone,
    may_see_resident,
    may_set_tag,
    may_unmask,
    parse_choice,
    parse_id_number,
    parse_phone,
    parse_tags,
    parse_uscc,
    uscc_check_char,
    visible_tags,
)
from gridcity.domain.workflow import Role

# A published sample of GB 11643 (the standard's own example) and a real-format credit code.
SAMPLE_ID = "11010519491231002X"
SAMPLE_USCC = "91350100M000100Y43"


def test_id_number_checksum_birth_and_gender() -> None:
    parsed = parse_id_number(SAMPLE_ID.lower())
    assert parsed.value == SAMPLE_ID
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == Gender.FEMALE  # the 17th digit (2) is even
    male = "11010119800101001" + id_check_char("11010119800101001")
    assert parse_id_number(male).gender == Gender.MALE


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("11010519491231002", "18 characters"),
        ("1101051949123100XX", "18 characters"),
        ("110105194912310021", "check digit"),
        ("110105194902300020", "not a real day"),
        ("011010194901010020", "region code"),
        ("110105180001010020", "out of range"),
    ],
)
def test_bad_id_numbers_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_id_number(text)
    assert words in err.value.message


def test_id_number_born_in_the_future_is_refused() -> None:
    first = "11010120300101001"
    with pytest.raises(Invalid, match="out of range"):
        parse_id_number(first + id_check_char(first), today=date(2026, 11, 28))


def test_every_single_digit_typo_is_caught() -> None:
    for i, digit in itertools.product(range(17), "0123456789"):
        if digit == SAMPLE_ID[i]:
            continue
        typo = SAMPLE_ID[:i] + digit + SAMPLE_ID[i + 1 :]
        with pytest.raises(Invalid):
            parse_id_number(typo)


def test_uscc() -> None:
    assert parse_uscc(SAMPLE_USCC.lower()) == SAMPLE_USCC
    assert uscc_check_char(SAMPLE_USCC[:17]) == SAMPLE_USCC[17]
    with pytest.raises(Invalid, match="check character"):
        parse_uscc(SAMPLE_USCC[:17] + "0")
    with pytest.raises(Invalid, match="18 characters"):
        parse_uscc("91350100M000100YI3")  # I is not in the alphabet
    with pytest.raises(Invalid, match="region part"):
        parse_uscc("91ABCDEFM000100Y43")


def test_phones() -> None:
    assert parse_phone("138 0013 8000") == "13800138000"
    assert parse_phone("+86 138-0013-8000") == "13800138000"
    assert parse_phone("010-65123456") == "01065123456"
    for bad in ("12800138000", "1380013800", "65123456", "phone"):
        with pytest.raises(Invalid, match="not a phone number"):
            parse_phone(bad)


def test_masks() -> None:
    assert mask_id_number(SAMPLE_ID) == "110105********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("01065123456") == "010****3456"
    assert mask_phone("057187654321") == "0571****4321"
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"
    for masked in (mask_id_number(SAMPLE_ID), mask_phone("13800138000")):
        assert "0138" not in masked and "19491231" not in masked


def _ctx(role: Role, in_area: bool = True, own: bool = True, security: bool = False) -> ResidentContext:
    return ResidentContext(role, in_area, own, security)


# (role, in the reader's area, in the reader's own grid, security-tagged) → (sees, unmasks)
MASKING_TABLE = [
    (Role.ADMIN, True, False, False, True, True),
    (Role.ADMIN, False, False, False, False, False),
    (Role.LEADER, True, False, False, True, False),
    (Role.LEADER, True, False, True, True, False),
    (Role.GRID_WORKER, True, True, False, True, True),
    (Role.GRID_WORKER, True, False, False, False, False),
    (Role.POLICE, True, True, True, True, True),
    (Role.POLICE, True, True, False, False, False),
    (Role.POLICE, True, False, True, False, False),
    *[
        (r, True, True, True, False, False)
        for r in Role
        if r not in (Role.ADMIN, Role.LEADER, Role.GRID_WORKER, Role.POLICE)
    ],
]


@pytest.mark.parametrize(("role", "area", "own", "security", "sees", "unmasks"), MASKING_TABLE)
def test_who_sees_and_who_unmasks(
    role: Role, area: bool, own: bool, security: bool, sees: bool, unmasks: bool
) -> None:
    ctx = _ctx(role, area, own, security)
    assert may_see_resident(ctx) is sees
    assert may_unmask(ctx) is unmasks


def test_security_tags_are_for_police_and_admins() -> None:
    tags = [t.value for t in ResidentTag]
    assert visible_tags(Role.ADMIN, tags) == tags
    assert visible_tags(Role.POLICE, tags) == tags
    for role in (Role.GRID_WORKER, Role.LEADER):
        assert not set(visible_tags(role, tags)) & SECURITY_TAGS
        assert ResidentTag.ELDERLY_ALONE in visible_tags(role, tags)
    assert may_set_tag(Role.POLICE, ResidentTag.KEY_PERSON)
    assert not may_set_tag(Role.GRID_WORKER, ResidentTag.KEY_PERSON)
    assert may_set_tag(Role.GRID_WORKER, ResidentTag.DISABILITY)
    assert not may_set_tag(Role.POLICE, ResidentTag.DISABILITY)
    assert may_set_tag(Role.ADMIN, ResidentTag.KEY_PERSON)
    assert not may_set_tag(Role.LEADER, ResidentTag.DISABILITY)


def test_vocabularies_have_labels_and_name_their_choices() -> None:
    for enum in (PlaceKind, ResidentTag):
        for member in enum:
            assert member.label_zh and member.label_en
    assert ResidentTag.ELDERLY_ALONE.label_zh == "独居老人"
    assert parse_tags(["key_person", "elderly_alone", "key_person"]) == [
        ResidentTag.ELDERLY_ALONE,
        ResidentTag.KEY_PERSON,
    ]
    with pytest.raises(Invalid, match="building, house, shop, other"):
        parse_choice(PlaceKind, "castle", "place kind")


def test_a_reason_is_required() -> None:
    assert check_reason("  入户走访核实  ") == "入户走访核实"
    for bad in (None, "", "  ab "):
        with pytest.raises(Invalid, match="reason"):
            check_reason(bad)
