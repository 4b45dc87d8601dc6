"""Signing in and out, the landing page of each role, and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcity.domain.errors import TooManyRequests, Unauthorized, Unavailable
from gridcity.domain.workflow import Role
from gridcity.services import signin, users
from gridcity.web import i18n, session
from gridcity.web import second_factor as second_factor_pages
from gridcity.web.pages import PlatformDep, back, render
from gridcity.web.queues import HOME_QUEUE

router = APIRouter(include_in_schema=False)


# --- sign-in -------------------------------------------------------------------------------


@router.get("/", response_model=None)
def home(request: Request, platform: PlatformDep) -> RedirectResponse:
    user = session.current_user(platform, request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    own_home = {
        Role.CITIZEN: "/portal",
        Role.SUPERVISOR: "/field",
        Role.HANDLER: "/dept",
        Role.ADMIN: "/admin",
        Role.GRID_WORKER: "/grid",
        Role.POLICE: "/police",
    }
    if user.role in own_home:
        return RedirectResponse(own_home[Role(user.role)], status_code=303)
    return RedirectResponse(f"/work?queue={HOME_QUEUE.get(Role(user.role), 'all')}", status_code=303)


# a `next` longer than this is no page of ours
MAX_NEXT = 2000


def safe_next(target: str | None) -> str | None:
    """The page to land on after sign-in, if `target` is a relative path on this site; None
    otherwise (the role's own landing page then). An open redirect would let a link that shows our
    address send a person to another site after signing in (OWASP Unvalidated Redirects and
    Forwards Cheat Sheet), so only "/…" is honoured: not "//host" or "/\\host" (browsers read both
    as another host), not a scheme, not a control character or space (browsers drop some of them,
    which can turn "/\t/host" into "//host")."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if parts.path in ("/login", "/logout"):
        return None  # signing in again would be a loop
    return target


@router.get("/login")
def login_page(
    request: Request, next_page: Annotated[str | None, Query(alias="next")] = None
) -> HTMLResponse:
    # render() gives the form its CSRF token: the visitor's double-submit cookie (or the session's)
    return render(request, "auth/login.html", next=safe_next(next_page))


@router.post("/login", response_model=None)
def login(
    request: Request,
    platform: PlatformDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    next_page: Annotated[str | None, Form(alias="next")] = None,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    # login CSRF: another site must not sign a browser in to an account of its choosing
    session.check_csrf(request, csrf_token)
    with platform.sessions() as db:
        try:
            user = signin.authenticate(
                platform, db, username, password, request.client.host if request.client else None
            )
        except (Unauthorized, TooManyRequests, Unavailable) as exc:
            page = render(
                request,
                "auth/login.html",
                status_code=exc.status_code,
                error=exc.message,
                username=username,
                next=safe_next(next_page),
            )
            if isinstance(exc, TooManyRequests | Unavailable):
                page.headers["Retry-After"] = str(exc.retry_after)
            return page
        second_step = second_factor_pages.after_password(request, platform, db, user, safe_next(next_page))
        if second_step is not None:  # a code (or setting up a second factor) before any session
            return second_step
        token = users.issue_token(platform, db, user)
    response = RedirectResponse(safe_next(next_page) or "/", status_code=303)
    session.set_cookie(
        request, response, session.COOKIE, token, max_age=int(platform.settings.token_ttl_hours * 3600)
    )
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, platform: PlatformDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    session.check_csrf(request, csrf_token)
    token = session.session_token(request)
    if token:
        with platform.sessions() as db:
            users.revoke_token(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session.COOKIE)
    return response


@router.get("/lang/{lang}", response_model=None)
def switch_language(request: Request, lang: str) -> RedirectResponse:
    response = back(request)
    if lang in i18n.LANGUAGES:
        session.set_cookie(request, response, i18n.COOKIE, lang, max_age=365 * 86400)
    return response


@router.get("/favicon.ico", response_model=None)
def favicon() -> RedirectResponse:
    """Browsers and tools ask for /favicon.ico whatever the page links; the icon is an SVG."""
    return RedirectResponse("/static/favicon.svg", status_code=308)
