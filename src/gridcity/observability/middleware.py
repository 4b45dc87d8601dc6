"""The ASGI middleware around the whole app (outermost, so it sees every answer, the other
middlewares' refusals included): per request it

- takes the request id from `X-Request-ID` when sane, else makes one; sets it for the services
  (history rows, outbox events) and the log lines; echoes it in the answer's `X-Request-ID`;
- counts the request and its duration by method, route template and status (`metrics`);
- writes the access log line (logger `gridcity.access`: method, route, status, duration_ms);
- with tracing on, wraps it in a server span (`tracing`).

Pure ASGI and cheap: intake speed is measured (bench/). The route is the template the router
matched (`/api/v1/cases/{case_id}`), never the raw path, so that the metrics' series stay few;
a path no route matched is counted as `<unmatched>`."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridcity.observability import metrics, request_id
from gridcity.observability.tracing import RequestTracing

access_log = logging.getLogger("gridcity.access")

_HEADER = request_id.HEADER.lower().encode("latin-1")
UNMATCHED = "<unmatched>"


def route_of(scope: Scope) -> str:
    """The template of the route that answered, or `<unmatched>`. FastAPI keeps an included
        router's routes with their own paths and puts the prefixed template it matched on the scope
        (`scope["fastapi"]["effective_route_context"]`); Starlette puts the route it matched at
        `scope["route"]`; a mounted app (/static) is counted as its mount, `/static/{path}`. (The
    templates are checked in tests/api/test_operations.py: a FastAPI upgrade that moves them fails there.)"""
    effective = scope.get("fastapi", {}).get("effective_route_context")
    for candidate in (getattr(effective, "path_format", None), getattr(scope.get("route"), "path", None)):
        if isinstance(candidate, str) and candidate:
            return candidate
    if "app_root_path" in scope:  # set by a Mount for the app it mounts
        return scope.get("root_path", "")[len(scope["app_root_path"]) :] + "/{path}"
    if scope.get("endpoint") is not None and not scope.get("path_params"):
        return str(scope["path"])  # a plain route without parameters (/docs): its path is its template
    return UNMATCHED


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, tracing: RequestTracing | None = None) -> None:
        self.app = app
        self.tracing = tracing
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = None
        for key, value in scope["headers"]:
            if key == _HEADER:
                offered = value.decode("latin-1")
                break
        rid = request_id.accept_or_new(offered)
        token = request_id.current.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers (the server's 500)
        echoed = (_HEADER, rid.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        span: Any = None
        if self.tracing is not None:
            span, span_token = self.tracing.start(scope, rid)
        error: BaseException | None = None
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException as exc:
            error = exc
            raise
        finally:
            seconds = time.perf_counter() - started
            method, route = scope["method"], route_of(scope)
            key = (method, route, status)
            counted = self._series.get(key)
            if counted is None:  # the labelled children, looked up once per series
                labels = (method, route, str(status))
                counted = metrics.REQUESTS.labels(*labels), metrics.REQUEST_SECONDS.labels(*labels)
                self._series[key] = counted
            counted[0].inc()
            counted[1].observe(seconds)
            if span is not None:
                assert self.tracing is not None
                self.tracing.finish(span, span_token, method, route, status, error)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )
            request_id.current.reset(token)
