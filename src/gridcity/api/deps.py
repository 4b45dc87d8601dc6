"""FastAPI dependencies: the platform, a session per request, the calling user."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from gridcity.domain.errors import Forbidden, Unauthorized
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services import users
from gridcity.services.platform import Platform

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_platform(request: Request) -> Platform:
    # async: a plain attribute read needs no trip through the thread pool
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_db(platform: PlatformDep) -> AsyncIterator[Session]:
    """A session per request. Opening one does no I/O; closing one whose work was committed does
    none either, so only a session left inside a transaction is closed on a thread — with tokens
    of its own (`_RELEASES`), not the thread pool's: under load every pool thread may be waiting
    for a database connection that only these releases give back."""
    db = platform.sessions()
    try:
        yield db
    finally:
        if db.in_transaction():
            # nothing uncommitted survives a failed request
            await anyio.to_thread.run_sync(_discard, db, limiter=_RELEASES.of_this_loop())
        else:
            db.close()


class _PerLoopLimiter:
    """A capacity limiter per running event loop (anyio's belong to the loop that made them)."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens
        self._limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )

    def of_this_loop(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:  # only this loop's thread gets here for this loop: no race
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.tokens)
        return limiter


_RELEASES = _PerLoopLimiter(8)


def _discard(db: Session) -> None:
    db.rollback()
    db.close()


DbDep = Annotated[Session, Depends(get_db)]


# The pages' session cookie (web.session.COOKIE) holds the same kind of token. It is accepted for
# reads only: a write must carry the token in the Authorization header, which another site's page
# cannot make a browser send, so cookie sessions never open the API to cross-site requests.
SESSION_COOKIE = "gridcity_session"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


async def get_user(
    request: Request, platform: PlatformDep, token: Annotated[str | None, Depends(oauth2)]
) -> Principal:
    """The caller, from the bearer token: from the token cache when fresh, else from the database."""
    if not token and request.method in _SAFE_METHODS:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized(message("api.sign_in"))
    cached = users.cached_actor(platform, token)
    if cached is not None:
        return cached
    return await run_in_threadpool(_user_from_database, platform, token)


def _user_from_database(platform: Platform, token: str) -> Principal:
    with platform.sessions() as db:
        return users.user_for_token(platform, db, token)


UserDep = Annotated[Principal, Depends(get_user)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    def check(user: UserDep) -> Principal:
        if user.role not in roles:
            raise Forbidden(
                message(
                    "api.role_needed",
                    roles=" or ".join(r.value for r in roles),
                    roles_zh="或".join(r.label_zh for r in roles),
                )
            )
        return user

    return Depends(check)
