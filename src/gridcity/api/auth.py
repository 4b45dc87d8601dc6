"""Sign-in and the calling user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import UserOut, answers, refusal, refusals
from gridcity.api.schemas import TokenOut
from gridcity.api.views import user_view
from gridcity.services import second_factor, users

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
    | refusals(422),
)
def token(
    platform: PlatformDep,
    db: DbDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
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
    code, when the account has one) → a bearer token."""
    user = users.authenticate(db, username, password)
    second_factor.check_token_sign_in(platform, db, user, otp)
    access_token = users.issue_token(platform, db, user)
    return TokenOut(access_token=access_token, expires_in=int(platform.settings.token_ttl_hours * 3600))


@router.get("/me", response_model=Any, responses=answers(UserOut, 401))
def me(user: UserDep) -> dict[str, Any]:
    """The calling user: role and organisation unit (id, kind)."""
    return user_view(user)
