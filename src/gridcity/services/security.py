"""Passwords (argon2) and bearer tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridcity.domain.errors import Unavailable
from gridcity.domain.messages import message

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # a hash of a random password nobody knows, made with the same parameters as real ones
    return hasher.hash(secrets.token_urlsafe(32))


def verify_nobody(password: str) -> bool:
    """The same work as checking a real password, for a username that has no (active) account:
    the answer then takes as long as for a wrong password of a real account, so timing does not
    tell which usernames exist. Always False."""
    verify_password(_dummy_hash(_hasher), password)
    return False


class PasswordSlots:
    """At most `size` argon2 checks at once in this process. Each check takes some 64 MiB and a
    core for a third of a second; the sign-in routes run on the thread pool (40 threads), so
    without a bound a flood of sign-ins would hold 40 × 64 MiB and starve every other request.
    A thread that finds no slot within `wait_s` gets `Unavailable` (503, Retry-After) instead.
    A threading semaphore, so the bound holds across every thread of the pool (and the event loop)."""

    def __init__(self, size: int, wait_s: float) -> None:
        self.size = size
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(size)

    def __enter__(self) -> PasswordSlots:
        if not self._slots.acquire(timeout=self.wait_s):
            seconds = max(1, math.ceil(self.wait_s))
            raise Unavailable(message("signin.busy", seconds=seconds), retry_after=seconds)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._slots.release()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
