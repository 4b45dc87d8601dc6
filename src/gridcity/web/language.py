"""The language of each request, for the messages the platform shows (`domain.messages`): a page's
is the person's (their choice, else their browser's, Chinese by default — `i18n.language`); an API
client's is Chinese when its Accept-Language asks for it, else English."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gridcity.domain.messages import speaking
from gridcity.web import i18n

_API = ("/api/", "/open311/")


def request_language(request: Request) -> str:
    if request.url.path.startswith(_API):
        accept = request.headers.get("accept-language", "")
        return "zh" if accept.lower().startswith("zh") else "en"
    return i18n.language(request)


class LanguageMiddleware:
    """Renders every refusal of the request in the request's language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with speaking(request_language(Request(scope))):
            await self.app(scope, receive, send)
