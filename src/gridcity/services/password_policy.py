"""The password rule, in one place: whoever sets a password — the command line, an admin adding
a user or resetting a password — goes through `PasswordPolicy.check`.

A password must be at least `min_length` characters (GRIDCITY_PASSWORD_MIN_LENGTH), at most 200,
must not be one of the common passwords of the frequency lists shipped with zxcvbn (the 30,000
most common passwords of leaked password sets, the list password guessers start with), and must not
be or contain the username. Length beats composition rules (NIST SP 800-63B §5.1.1.2: a minimum
length, a check against a blocklist of commonly used passwords, no composition rules)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from gridcity.config import Settings
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message

MAX_LENGTH = 200


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of common passwords (lower case), read once."""
    return frozenset(FREQUENCY_LISTS["passwords"])


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10

    @classmethod
    def of(cls, settings: Settings) -> PasswordPolicy:
        return cls(min_length=settings.password_min_length)

    def check(self, password: str, username: str) -> None:
        """Invalid, with the first rule the password breaks; None when it may be used."""
        if len(password) < self.min_length:
            raise Invalid(message("password.too_short", minimum=self.min_length))
        if len(password) > MAX_LENGTH:
            raise Invalid(message("password.too_long", maximum=MAX_LENGTH))
        if password.lower() in common_passwords():
            raise Invalid(message("password.too_common"))
        name = username.strip().lower()
        if name and name in password.lower():
            raise Invalid(message("password.is_username"))
