"""Signing in with a username and a password: the one path of the pages' /login and the API's
token endpoint. It returns the user; what follows a right password (a second factor, the token)
is the caller's next step.

In order: the throttle (`signin_guard.check`: a locked username or a running delay is refused
before any work), one argon2 check in a bounded slot (`security.PasswordSlots`), then the failure
counted or the earlier failures forgiven. A username with no account, or an inactive one, costs
the same argon2 check against a dummy hash: the answer takes as long as a wrong password of a real
account and says the same words, so neither timing nor text tells which usernames exist."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.models import User
from gridcity.domain.errors import Unauthorized
from gridcity.domain.messages import message
from gridcity.services import signin_guard
from gridcity.services.platform import Platform
from gridcity.services.security import verify_nobody, verify_password


def authenticate(
    platform: Platform, db: Session, username: str, password: str, client_host: str | None
) -> User:
    """The active user with this username and password; Unauthorized (the same words whether the
    account exists or not), TooManyRequests while throttled or locked, Unavailable when every
    argon2 slot stays busy."""
    address = signin_guard.address_key(client_host)
    had_failures = signin_guard.check(platform, db, username, address)
    user = db.scalar(select(User).where(User.username == username))
    with platform.password_slots:
        if user is not None and user.active:
            right = verify_password(user.password_hash, password)
        else:
            right = verify_nobody(password)
    if not right or user is None:
        signin_guard.failed(platform, db, username, address, user.id if user is not None else None)
        raise Unauthorized(message("user.sign_in_failed"))
    signin_guard.succeeded(db, username, had_failures)
    return user
