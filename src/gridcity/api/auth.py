"""Sign-in and the calling user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import UserOut, answers, refusal, refusals
from gridcity.api.schemas import TokenOut
from gridcity.api.views import user_view
from gridcity.services import users

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses=refusal(401, "Wrong username or password, or a disabled account.") | refusals(422),
)
def token(
    platform: PlatformDep, db: DbDep, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> TokenOut:
    """OAuth2 password flow: form fields `username`, `password` → a bearer token."""
    user = users.authenticate(db, username, password)
    access_token = users.issue_token(platform, db, user)
    return TokenOut(access_token=access_token, expires_in=int(platform.settings.token_ttl_hours * 3600))


@router.get("/me", response_model=Any, responses=answers(UserOut, 401))
def me(user: UserDep) -> dict[str, Any]:
    """The calling user: role and organisation unit (id, kind)."""
    return user_view(user)
