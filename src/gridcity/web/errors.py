"""Error pages: a page's refusal or failure is shown as a page of the site (the usual layout, the
signed-in navigation and sign-out, the person's language), never as a raw JSON document. The API
(/api/…, /open311/…) and the pages' data addresses (….json, ….geojson) keep their JSON answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from gridcity.domain.principal import Principal
from gridcity.web import i18n, pages, session

log = logging.getLogger(__name__)

# what each status means to the person, in their words; a status not named here gets "error.other"
i18n.add_words(
    {
        "error.400": ("请求有误", "Bad request"),
        "error.401": ("需要登录", "Sign-in needed"),
        "error.403": ("无权访问", "Not allowed"),
        "error.404": ("页面不存在", "Page not found"),
        "error.405": ("不支持此操作方式", "This action is not possible here"),
        "error.409": ("操作冲突", "Conflict"),
        "error.413": ("内容过大", "Too large"),
        "error.422": ("输入有误", "Invalid input"),
        "error.429": ("请求过于频繁", "Too many requests"),
        "error.500": ("系统出错", "Something went wrong"),
        "error.503": ("服务暂不可用", "Service unavailable"),
        "error.other": ("出错了", "Something went wrong"),
        "error.hint.404": (
            "您要找的页面或记录不存在，请检查地址是否正确。",
            "The page or record you asked for does not exist; check the address.",
        ),
        "error.hint.429": ("请稍候再试。", "Please wait a moment and try again."),
        "error.hint.500": (
            "系统出现了意外错误，请稍后重试；如果仍然出错，请联系系统管理员。",
            "An unexpected error occurred; try again later, and tell the administrator if it persists.",
        ),
        "error.hint.503": (
            "服务暂时不可用，请稍后重试。",
            "The service is unavailable for now; try again later.",
        ),
        "error.invalid_values": ("以下参数的值无效：", "These values are not valid: "),
        "error.csrf": (
            "表单已过期或来自其他网站，请刷新页面后重试。",
            "This form has expired or came from another site; reload the page and try again.",
        ),
        "error.nul": (
            "地址中含有不允许的空字符（%00）。",
            "The address holds a NUL character (%00), which is not allowed.",
        ),
        "error.home": ("返回首页", "Home"),
        "error.sign_in": ("登录后继续", "Sign in to continue"),
        "skip_to_content": ("跳到正文", "Skip to content"),
    }
)

_DATA_SUFFIXES = (".json", ".geojson")


def wants_json(request: Request) -> bool:
    """The API and the pages' data addresses answer JSON; so does a script that asks only for JSON.
    Everything else a browser opens gets an HTML page."""
    path = request.url.path
    if path.startswith(("/api/", "/open311/")) or path.endswith(_DATA_SUFFIXES) or path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _signed_in(request: Request) -> Principal | None:
    """The person, for the navigation; an error page must not fail itself (the database may be the
    reason for a 500), so a failed look-up shows the page signed out."""
    try:
        return session.current_user(request.app.state.platform, request)
    except Exception:  # the error page is the last resort
        log.warning("error page: the signed-in person could not be looked up", exc_info=True)
        return None


def title_key(status_code: int) -> str:
    return f"error.{status_code}" if i18n.has(f"error.{status_code}") else "error.other"


def render_error(
    request: Request,
    status_code: int,
    message: str | None = None,
    *,
    message_key: str | None = None,
    fields: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
    use_database: bool = True,
) -> HTMLResponse:
    """The error page. `message` is the refusal's own text (shown as it is); `message_key` a
    catalogue key for it; `fields`, the names of the values a form or address got wrong;
    `use_database=False` makes it without asking the database (which is too busy): signed out,
    in the city's time zone as the settings name it."""
    user = _signed_in(request) if use_database else None
    quiet = {} if use_database else {"tz": ZoneInfo(request.app.state.platform.settings.timezone)}
    hint_key = f"error.hint.{status_code}"
    response = pages.render(
        request,
        "error.html",
        status_code=status_code,
        user=user,
        status=status_code,
        title_key=title_key(status_code),
        hint_key=hint_key if i18n.has(hint_key) else None,
        message=message,
        message_key=message_key,
        fields=fields or [],
        next_path=_here(request),
        **quiet,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_detail(status_code: int, detail: object) -> str | None:
    """The text of a framework HTTP error worth showing: not the bare English phrase of the status
    ("Not Found"), which the page already says in the person's language."""
    if not isinstance(detail, str) or not detail:
        return None
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return detail
    return None if detail == phrase else detail


def _here(request: Request) -> str:
    """The address asked for, for the sign-in link (GET only: a form's target is not a page)."""
    if request.method != "GET" or "\x00" in request.url.path or "%00" in request.url.query:
        return ""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
