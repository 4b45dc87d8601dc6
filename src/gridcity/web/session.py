"""Sign-in for the pages: the session cookie carries a bearer token (HttpOnly, SameSite=Lax); every
form and htmx request carries a CSRF token derived from it, which a page on another site cannot
read or compute."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from gridcity.domain.errors import Unauthorized
from gridcity.services import users
from gridcity.services.platform import Platform
from gridcity.services.users import Actor

COOKIE = "gridcity_session"  # api.deps reads it for GET requests of the pages' scripts
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(b"gridcity-csrf:" + session_token.encode()).hexdigest()


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def current_user(platform: Platform, request: Request) -> Actor | None:
    """The signed-in user, or None (no cookie, or an expired or revoked token)."""
    token = session_token(request)
    if not token:
        return None
    cached = users.cached_actor(platform, token)
    if cached is not None:
        return cached
    with platform.sessions() as db:
        try:
            return users.user_for_token(platform, db, token)
        except Unauthorized:
            return None


def check_csrf(request: Request, submitted: str | None) -> None:
    token = session_token(request)
    expected = csrf_for(token) if token else ""
    given = submitted or request.headers.get(CSRF_HEADER, "")
    if not token or not hmac.compare_digest(expected, given):
        raise CsrfError()


class CsrfError(Exception):
    """A state-changing request without the page's CSRF token (another site trying to post)."""
