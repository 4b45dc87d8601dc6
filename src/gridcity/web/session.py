"""Sign-in for the pages: the session cookie carries a bearer token (HttpOnly, SameSite=Lax); every
form and htmx request carries a CSRF token derived from it, which a page on another site cannot
read or compute. Visitors without a session (the public portal) get a double-submit token instead:
a random cookie whose value the form must repeat, which another site can neither read nor set.
Every cookie of the pages is set by `set_cookie`: Secure over HTTPS or when the settings say so."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Literal

from fastapi import Request
from fastapi.responses import Response

from gridcity.domain.errors import Unauthorized
from gridcity.domain.principal import Principal
from gridcity.services import users
from gridcity.services.platform import Platform
from gridcity.web.security_headers import served_over_tls

COOKIE = "gridcity_session"  # api.deps reads it for GET requests of the pages' scripts
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
ANON_CSRF_COOKIE = "gridcity_csrf"  # the double-submit token of visitors without a session
_ANON_TOKEN = re.compile(r"^[0-9a-f]{64}$")


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(b"gridcity-csrf:" + session_token.encode()).hexdigest()


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def current_user(platform: Platform, request: Request) -> Principal | None:
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


def anonymous_csrf(request: Request) -> str:
    """The double-submit token of a visitor without a session: the one their cookie holds, else a
    new random one (the caller sets it with `set_anonymous_csrf`)."""
    held = request.cookies.get(ANON_CSRF_COOKIE, "")
    return held if _ANON_TOKEN.match(held) else secrets.token_hex(32)


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int,
    samesite: Literal["lax", "strict"] = "lax",
    path: str = "/",
) -> None:
    """The one way the pages set a cookie: HttpOnly (no script of ours reads one), SameSite=Lax,
    and Secure when the request came over HTTPS (`served_over_tls`: GRIDCITY_BEHIND_TLS or the
    request's scheme) or GRIDCITY_SECURE_COOKIES says so — a Secure cookie never travels over
    plain HTTP, where anyone on the network could read the session in it."""
    settings = request.app.state.platform.settings
    secure = settings.secure_cookies or served_over_tls(request.scope, settings)
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite=samesite, secure=secure, path=path
    )


def set_anonymous_csrf(request: Request, response: Response, token: str) -> None:
    set_cookie(request, response, ANON_CSRF_COOKIE, token, max_age=2 * 86400)


def check_csrf(request: Request, submitted: str | None) -> None:
    token = session_token(request)
    if token:
        expected = csrf_for(token)
    else:  # no session: the form must repeat the visitor's own random cookie
        held = request.cookies.get(ANON_CSRF_COOKIE, "")
        expected = held if _ANON_TOKEN.match(held) else ""
    given = submitted or request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfError()


class CsrfError(Exception):
    """A state-changing request without the page's CSRF token (another site trying to post)."""
