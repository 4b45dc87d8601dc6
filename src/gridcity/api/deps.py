"""FastAPI dependencies: the platform, a session per request, the calling user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from gridcity.db.models import User
from gridcity.domain.errors import Forbidden, Unauthorized
from gridcity.domain.workflow import Role
from gridcity.services import users
from gridcity.services.platform import Platform

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_platform(request: Request) -> Platform:
    # async: a plain attribute read needs no trip through the thread pool
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_db(platform: PlatformDep) -> Iterator[Session]:
    db = platform.sessions()
    try:
        yield db
    finally:
        db.rollback()  # nothing uncommitted survives a failed request
        db.close()


DbDep = Annotated[Session, Depends(get_db)]


def get_user(platform: PlatformDep, db: DbDep, token: Annotated[str | None, Depends(oauth2)]) -> User:
    if not token:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token")
    return users.user_for_token(platform, db, token)


UserDep = Annotated[User, Depends(get_user)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    def check(user: UserDep) -> User:
        if user.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")
        return user

    return Depends(check)
