"""create_app(settings) -> the FastAPI application: API v1 and its OpenAPI docs at /docs and /redoc
(vendored Swagger UI and ReDoc, web/api_docs.py)."""

from __future__ import annotations

import json
import math
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from gridcity import __version__
from gridcity.api import (
    auth,
    body_limits,
    calendar,
    cases,
    components,
    evaluations,
    export,
    health,
    integrations,
    open311,
    open311_format,
    patrol,
    rankings,
    registry,
    responses,
    retention,
    territory,
)
from gridcity.api.problems import http_problem, problem
from gridcity.config import Settings
from gridcity.domain.errors import DomainError, Invalid, TooManyRequests, Unauthorized, Unavailable
from gridcity.domain.messages import Message, message, speaking
from gridcity.observability.middleware import ObservabilityMiddleware
from gridcity.observability.tracing import request_tracing
from gridcity.services.platform import Platform
from gridcity.services.registry import personal_crypto
from gridcity.serving import serving_process
from gridcity.web import (
    admin,
    api_docs,
    casework,
    console,
    dashboard,
    department,
    field,
    map_data,
    pages,
    portal,
    publish_rankings,
    wall,
)
from gridcity.web import auth as web_auth
from gridcity.web import components as web_components
from gridcity.web import errors as web_errors
from gridcity.web import rankings as web_rankings
from gridcity.web import registry as web_registry
from gridcity.web import second_factor as web_second_factor
from gridcity.web.language import LanguageMiddleware, request_language
from gridcity.web.security_headers import SecurityHeaders
from gridcity.web.session import CsrfError


class RefuseNulInURL:
    """A NUL character in the path or the query (%00) is refused with a 400 before any route runs:
    PostgreSQL cannot hold one in a text, and a streamed answer (the exports) cannot turn into an
    error page once it has begun. (One in a body reaches the database's refusal: `DataError`, 422.)
    A page gets the error page (web/errors.py), the API a JSON answer.
    Open311 is left to its own rules: it drops NULs and answers errors in its XML or JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and (b"%00" in scope["query_string"] or "\x00" in scope["path"])
            and not scope["path"].startswith("/open311/")  # drops NULs itself, answers in its formats
        ):
            request = Request(scope)
            if not web_errors.wants_json(request):  # a page: the error page, in the person's words
                await web_errors.render_error(request, 400, message_key="error.nul")(scope, receive, send)
                return
            with speaking(request_language(request)):
                body = json.dumps({"detail": str(message("request.nul"))}, ensure_ascii=False).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def refusal_answer(request: Request, status_code: int, refusal: Message, headers: dict[str, str]) -> Response:
    """A refusal made outside any route (a body too large, the database busy), in the caller's
    language and format: Open311 in its own, the API as JSON, a page as the error page (without
    looking the person up when the database is the reason)."""
    with speaking(request_language(request)):
        text = str(refusal)
    path = request.url.path
    response: Response
    if path.startswith("/open311/"):
        response = open311_format.errors("json" if path.endswith(".json") else "xml", status_code, text)
    elif web_errors.wants_json(request):
        response = JSONResponse({"detail": text, "code": refusal.code}, status_code=status_code)
    else:
        response = web_errors.render_error(request, status_code, text, use_database=status_code != 503)
    response.headers.update(headers)
    return response


class GridcityApp(FastAPI):
    """FastAPI with the security headers (web/security_headers.py) outside everything, Starlette's
    ServerErrorMiddleware included: an answer to an unexpected fault (500) carries them too, which
    a middleware added with `add_middleware` (inside ServerErrorMiddleware) would not see."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), self.state.platform.settings)


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    serving = platform is None and settings is None  # started from the environment (uvicorn's factory)
    if serving:
        settings = Settings()
        personal_crypto.check_keys(settings)  # production mode: no start without the key
    platform = platform or Platform(settings or Settings())
    app = GridcityApp(
        # a serving process warms its caches and freezes its heap before the first request
        lifespan=serving_process if serving else None,
        title="gridcity",
        version=__version__,
        summary="Grid-based city management: territory, three grid networks, the case loop",
        # the docs pages are ours (web/api_docs.py): vendored files, no inline script
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry spans and metrics would come on with any tracer provider set
        # in the process: the platform makes its one span per request itself, with the request id,
        # when GRIDCITY_TRACING says so (observability.tracing)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.platform = platform
    for router in (
        auth.router,
        territory.router,
        cases.router,
        calendar.router,
        evaluations.router,
        rankings.router,
        components.router,
        patrol.router,
    ):
        app.include_router(router, prefix="/api/v1", responses=responses.EVERY_OPERATION)
    for module in (
        web_auth,
        web_second_factor,
        console,
        casework,
        map_data,
        wall,
        field,
        department,
        admin,
        portal,
        dashboard,
        web_rankings,
        publish_rankings,
    ):
        app.include_router(module.router)
    app.include_router(open311.router)  # Open311 GeoReport v2 at /open311/v2/
    app.include_router(health.router)  # /healthz, /readyz, /metrics: the operators'
    # departments' own systems (by API key), bulk export (导出), the social registry (人地事物组织)
    for router in (integrations.router, export.router, registry.router, retention.router):
        app.include_router(router, prefix="/api/v1", responses=responses.EVERY_OPERATION)
    app.include_router(web_registry.router)  # 我的网格 (grid workers), 重点人员 (police)
    app.include_router(web_components.router)  # the component page (部件)
    app.include_router(api_docs.router)  # /docs (Swagger UI), /redoc (ReDoc)
    app.mount("/static", StaticFiles(directory=str(pages.STATIC_DIR)), name="static")
    _install_error_handlers(app)
    app.add_middleware(LanguageMiddleware)  # refusals in the language of the person asking
    app.add_middleware(RefuseNulInURL)
    # request bodies bounded per route before any route, session or authentication
    app.add_middleware(body_limits.BodyLimit, settings=platform.settings, answer=refusal_answer)
    # outermost (keep it the last added): the request id, metrics, access log and span of every
    # request, whatever answers it
    app.add_middleware(ObservabilityMiddleware, tracing=request_tracing(platform.settings.tracing))
    return app


def _install_error_handlers(app: FastAPI) -> None:
    """Every domain error maps to its status once, here; bad input never becomes a 500. A page
    answers with an error page (web/errors.py), the API with JSON."""

    @app.exception_handler(pages.SignInRequired)
    async def sign_in_first(request: Request, _exc: Exception) -> RedirectResponse:
        # the path and query asked for come back after sign-in (web/auth.py checks it is ours)
        query = request.url.query
        asked = request.url.path + (f"?{query}" if query else "")
        return RedirectResponse(f"/login?next={quote(asked, safe='/')}", status_code=303)

    @app.exception_handler(CsrfError)
    async def csrf_refused(request: Request, _exc: Exception) -> Response:
        return web_errors.render_error(request, 403, message_key="error.csrf")

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        if isinstance(exc, TooManyRequests | Unavailable):
            headers = {"Retry-After": str(exc.retry_after)}  # seconds (RFC 9110 delay-seconds)
        if not web_errors.wants_json(request):
            # a page: the person gets the message on a page, not a JSON document
            return web_errors.render_error(request, exc.status_code, exc.message, headers=headers)
        body = {
            "detail": exc.message,
            "error": type(exc).__name__,
            **({"code": exc.code} if exc.code else {}),
            **({"info": exc.details} if exc.details else {}),
        }
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # a value the database cannot hold or compare (a NUL character in a text on PostgreSQL, a
        # number beyond a column): bad input, not a fault of the platform; its transaction was
        # rolled back, so nothing of it was written
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "a value is out of range"
        return await domain_error(request, Invalid(message("request.unstorable", reason=reason)))

    @app.exception_handler(PoolTimeout)
    async def busy(request: Request, _exc: Exception) -> Response:
        # load shedding: no database connection came free within GRIDCITY_DB_POOL_TIMEOUT_S; the
        # caller is told to come back instead of queueing (and the request holds nothing)
        seconds = max(1, math.ceil(request.app.state.platform.settings.db_pool_timeout_s))
        return refusal_answer(
            request, 503, message("bounds.busy", seconds=seconds), {"Retry-After": str(seconds)}
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": str(problem(err)),
            }
            for err in exc.errors()
        ]
        if not web_errors.wants_json(request):
            # /cases/abc, /work?page=0: the page names the values, in the person's language
            names = [str(err.get("loc", ("",))[-1]) for err in exc.errors()]
            return web_errors.render_error(request, 422, fields=list(dict.fromkeys(names)))
        text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        detail = str(message("request.invalid", problems=text))
        return JSONResponse({"detail": detail, "errors": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not web_errors.wants_json(request):
            detail = web_errors.http_detail(exc.status_code, exc.detail)
            return web_errors.render_error(request, exc.status_code, detail, headers=exc.headers)
        return JSONResponse(
            {"detail": http_problem(exc.status_code, exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> Response:
        # a fault of the platform (logged by the server with its traceback): a page says so in the
        # person's words; the API keeps the framework's answer
        if not web_errors.wants_json(request):
            return web_errors.render_error(request, 500)
        return PlainTextResponse("Internal Server Error", status_code=500)
