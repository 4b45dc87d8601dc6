"""The password rule (services.password_policy): long enough, not a common password from
zxcvbn's lists, not the username — the refusal catalogued in both languages."""

from __future__ import annotations

import pytest

from gridcity.config import Settings
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import speaking
from gridcity.services.password_policy import PasswordPolicy, common_passwords

POLICY = PasswordPolicy(min_length=10)


@pytest.mark.parametrize(
    "password,code",
    [
        ("demo", "password.too_short"),
        ("secret-pw", "password.too_short"),  # 9 characters
        ("1234567890", "password.too_common"),
        ("Password123", "password.too_common"),  # the list is lower case; so is the comparison
        ("qwertyuiop", "password.too_common"),
        ("zhangwei-2026", "password.is_username"),
        ("x" * 201, "password.too_long"),
    ],
)
def test_a_password_that_breaks_the_rule_is_refused_with_the_rule(password: str, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        POLICY.check(password, "ZhangWei")
    assert refused.value.code == code


def test_a_long_uncommon_password_without_the_username_passes() -> None:
    POLICY.check("kestrel-over-dongsi", "zhangwei")
    POLICY.check("秋天的胡同里有风吹过来了", "zhangwei")  # characters, not bytes
    PasswordPolicy(min_length=8).check("ruler-sun", "li")


def test_the_refusals_read_in_both_languages() -> None:
    with pytest.raises(Invalid) as refused:
        POLICY.check("abc", "li")
    with speaking("zh"):
        assert refused.value.message == "密码至少 10 个字符"
    with speaking("en"):
        assert refused.value.message == "a password has at least 10 characters"


def test_the_minimum_comes_from_the_setting_and_the_list_from_zxcvbn() -> None:
    settings = Settings(password_min_length=14, _env_file=None)  # type: ignore[call-arg]
    assert PasswordPolicy.of(settings).min_length == 14
    assert len(common_passwords()) > 29_000 and "password" in common_passwords()
