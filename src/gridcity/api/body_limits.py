"""The request-body limit of every route, enforced before any route runs: before authentication,
before a form parser spools an uploaded file to disk, before a JSON body is parsed.

A pure ASGI middleware (nothing is buffered here): a body whose Content-Length exceeds its route's
limit is refused with 413 at once, without reading a byte of it; a body without a length (chunked)
is counted as the route reads it, and the read that passes the limit raises `BodyTooLarge`, so the
route stops there and the caller gets the 413 — whatever the route would have answered instead.
The server then closes the connection without reading the rest.

Most routes take `Settings.max_body_bytes` (forms and JSON); the routes in `_LARGER` take more:
photo uploads their photos × `max_upload_bytes` plus the multipart overhead, the grid file import
`max_import_bytes`. The limits are read from the settings at each request (a test may lower them).

(FastAPI's own `max_body_size` was considered: it refuses only when the route reads the body —
after the dependencies that authenticate — and answers in plain English text.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridcity.config import Settings
from gridcity.domain import bounded_json
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import Message as Refusal
from gridcity.domain.messages import message
from gridcity.services import field as fieldwork
from gridcity.services import public

# A file's part of a multipart body: its boundary line and headers, with room to spare.
PART_OVERHEAD_BYTES = 16 * 1024

# What each answer to a refused request looks like in the caller's language (a page, JSON or
# Open311): given by the app, which knows both the pages and the API (app.py `refusal_answer`).
RefusalAnswer = Callable[[Request, int, Refusal, dict[str, str]], Response]


@dataclass(frozen=True)
class _Larger:
    """A route whose body may be larger than the default: `photos` photo files, or an import file."""

    method: str
    path: str  # the route's path, as declared (`{case_id}` matches one segment)
    photos: int = 0
    imports: bool = False


_LARGER = (
    _Larger("POST", "/api/v1/attachments", photos=1),
    _Larger("POST", "/api/v1/integrations/attachments", photos=1),
    _Larger("POST", "/field/report", photos=fieldwork.MAX_PHOTOS),
    _Larger("POST", "/field/tasks/{case_id}", photos=fieldwork.MAX_PHOTOS),
    _Larger("POST", "/cases/{case_id}/act", photos=fieldwork.MAX_PHOTOS),
    _Larger("POST", "/portal/report", photos=public.MAX_PHOTOS),
    _Larger("POST", "/admin/territory/grids", imports=True),
)
LARGER_ROUTES = tuple((route.method, route.path) for route in _LARGER)  # tests check they exist
_PATTERNS = tuple((route, compile_path(route.path)[0]) for route in _LARGER)


def limit_for(settings: Settings, method: str, path: str) -> int:
    """The most bytes the body of a request to `method path` may hold."""
    for route, pattern in _PATTERNS:
        if route.method == method and pattern.match(path):
            if route.imports:
                return settings.max_import_bytes + settings.max_body_bytes
            return route.photos * (settings.max_upload_bytes + PART_OVERHEAD_BYTES) + settings.max_body_bytes
    return settings.max_body_bytes


def size_text(limit: int) -> str:
    """A limit as people read it: 1 MiB, 91.2 MiB, 64 KiB."""
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit >= size:
            return f"{limit / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{limit} bytes"


class BodyRefused(HTTPException):
    """Raised by the counted `receive` when the body it is reading is refused (too large, or a
    JSON body nested too deep). An HTTPException, so that the framework's body parsing lets it
    through unchanged; the middleware answers it, whatever the route does with it."""

    def __init__(self, status_code: int, refusal: Refusal) -> None:
        super().__init__(status_code=status_code, detail=str(refusal))
        self.refusal = refusal


def _too_large(limit: int) -> BodyRefused:
    return BodyRefused(413, message("bounds.body_too_large", size=size_text(limit)))


class BodyLimit:
    """The middleware (app.py adds it outside the routes, the sessions and the exception handlers).
    A JSON body, small by its limit, is also checked for its depth once it has all arrived, before
    the route parses it (domain/bounded_json.py): past the parser's recursion limit it would be a
    500, and below it a value nested hundreds deep could be stored that no answer can then show."""

    def __init__(self, app: ASGIApp, settings: Settings, answer: RefusalAnswer) -> None:
        self.app = app
        self.settings = settings
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(self.settings, scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, _too_large(limit))  # not a byte of it is read
            return
        received = 0
        json_parts: list[bytes] | None = [] if _is_json(scope) else None
        refused: BodyRefused | None = None
        started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused is not None:
                raise refused
            event = await receive()
            if event["type"] == "http.request":
                chunk = event.get("body", b"")
                received += len(chunk)
                if received > limit:
                    refused = _too_large(limit)
                    raise refused
                if json_parts is not None:
                    json_parts.append(chunk)
                    if not event.get("more_body", False):
                        try:
                            bounded_json.check(b"".join(json_parts), "JSON")
                        except Invalid:
                            refused = BodyRefused(
                                422, message("bounds.body_too_deep", limit=bounded_json.MAX_DEPTH)
                            )
                            raise refused from None
            return event

        async def guarded_send(event: Message) -> None:
            nonlocal started
            if refused is not None and not started:
                return  # the route's own answer to a body it could not read: the refusal replaces it
            if event["type"] == "http.response.start":
                started = True
            await send(event)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyRefused:
            if started:
                raise
        if refused is not None and not started:
            await self._refuse(scope, receive, send, refused)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, refused: BodyRefused) -> None:
        # after a 413 the connection is closed: the rest of the body is never read
        headers = {"Connection": "close"} if refused.status_code == 413 else {}
        response = self.answer(Request(scope), refused.status_code, refused.refusal, headers)
        await response(scope, receive, send)


def _is_json(scope: Scope) -> bool:
    kind = Headers(scope=scope).get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None  # none, or one the server itself refuses
    return int(value)
