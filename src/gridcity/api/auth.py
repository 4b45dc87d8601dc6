"""Sign-in, the calling user, and the admins' view of locked sign-ins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import (
    RETRY_AFTER,
    SigninLockEventOut,
    SigninLocks,
    UserOut,
    answers,
    refusal,
    refusals,
)
from gridcity.api.schemas import TokenOut
from gridcity.api.views import FastJSON, user_view
from gridcity.services import second_factor, signin, signin_guard, users

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses=refusal(
        401,
        "Wrong username or password, a disabled account, or the second factor's code missing, "
        "wrong or used already.",
    )
    | refusal(
        403,
        "The account's role must sign in with a second factor and it has none yet: set one up on "
        "the pages (/account/security) first.",
    )
    | refusal(
        429,
        "Too many failed sign-ins with this username or from this address: wait the seconds "
        "`Retry-After` says (the username may be locked: an admin can unlock it).",
    )
    | {
        503: {
            **refusal(503)[503],
            "description": "Every password check of the server is busy: try again after "
            "`Retry-After` seconds.",
            "headers": RETRY_AFTER,
        }
    }
    | refusals(422),
)
def token(
    request: Request,
    platform: PlatformDep,
    db: DbDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    otp: Annotated[
        str | None,
        Form(
            max_length=40,
            description="The second factor, for an account that has one: the 6-digit code its "
            "authenticator app shows now (TOTP, RFC 6238), or one of its single-use recovery codes.",
        ),
    ] = None,
) -> TokenOut:
    """OAuth2 password flow: form fields `username`, `password` (and `otp`, the second factor's
    code, when the account has one) → a bearer token. The token ends after `expires_in` seconds,
    or sooner when unused for GRIDCITY_TOKEN_IDLE_MINUTES."""
    user = signin.authenticate(
        platform, db, username, password, request.client.host if request.client else None
    )
    second_factor.check_token_sign_in(platform, db, user, otp)
    access_token = users.issue_token(platform, db, user)
    return TokenOut(access_token=access_token, expires_in=int(platform.settings.token_ttl_hours * 3600))


@router.get("/me", response_model=Any, responses=answers(UserOut, 401))
def me(user: UserDep) -> dict[str, Any]:
    """The calling user: role and organisation unit (id, kind)."""
    return user_view(user)


ADMIN_ONLY = refusals(401) | refusal(403, "Only an admin may see and lift sign-in locks.")


@router.get("/auth/locks", response_model=None, responses=answers(SigninLocks) | ADMIN_ONLY)
def locks(platform: PlatformDep, db: DbDep, user: UserDep) -> FastJSON:
    """The usernames locked now after too many failed sign-ins, and the latest locks and unlocks
    (who, when, why) — of the accounts of the admin's area; names of no account for the city admin."""
    current = signin_guard.current_locks(platform, db, user)
    events = signin_guard.lock_events(db, user)
    return FastJSON(
        {
            "locks": [
                {
                    "username": lock.username,
                    "user_id": lock.user_id,
                    "display_name": lock.display_name,
                    "locked_until": lock.locked_until,
                }
                for lock in current
            ],
            "events": [signin_guard.event_view(e) for e in events],
        }
    )


class UnlockIn(BaseModel):
    username: str = Field(min_length=1, max_length=80, description="the locked username")
    reason: str = Field(
        min_length=1,
        max_length=signin_guard.MAX_REASON,
        description="why: recorded with the unlock, e.g. 'the user called the help desk'",
    )


@router.post(
    "/auth/locks/unlock",
    response_model=None,
    responses=answers(SigninLockEventOut, description="Unlocked; the answer is the audit record")
    | ADMIN_ONLY
    | refusal(404, "The username is not locked.")
    | refusals(422),
)
def unlock(platform: PlatformDep, db: DbDep, user: UserDep, body: UnlockIn) -> FastJSON:
    """Lift the lock of a username before it runs out; the unlock is recorded with the reason."""
    event = signin_guard.unlock(platform, db, user, body.username, body.reason)
    return FastJSON(signin_guard.event_view(event))
