"""Open311 GeoReport v2 at /open311/v2/ (docs/design/OPEN311.md); the logic lives in
`services.open311`, the XML/JSON rendering in `api.open311_format`.

Every resource takes a format suffix, `.xml` or `.json`. Parameters are read as sent (an empty one
is as if absent), never through the platform's request validation, so bad input always gets an
Open311 error document: 404 for a resource that does not exist, 403 for a missing, bad or revoked
api_key, 400 for everything else. Clients in the wild are met where they are: `service/{code}`
(singular), doubled slashes (`/v2//requests.xml`), api_key and jurisdiction_id in a POST's query
string (or sent empty)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridcity.api import open311_format as fmt_
from gridcity.api.deps import DbDep, PlatformDep
from gridcity.api.responses import Responses
from gridcity.api.responses.open311 import (
    REQUEST_FORM,
    Discovery,
    RequestReceipt,
    RequestUpdate,
    Service,
    ServiceDefinition,
    ServiceRequest,
    TokenAnswer,
    open311_answers,
)
from gridcity.domain.errors import DomainError, Forbidden, NotFound, TooManyRequests, Unauthorized
from gridcity.services import open311, rate_limits

PREFIX = "/open311/v2"
router = APIRouter(tags=["open311"])
Params = dict[str, list[str]]


def _route(
    path: str,
    method: str = "GET",
    schema: bool = True,
    responses: Responses | None = None,
    extra: dict[str, Any] | None = None,
) -> Callable[[Any], Any]:
    """Register an endpoint at /open311/v2/PATH and, for clients that build URLs with a doubled
    slash, at /open311/v2//PATH; `responses` documents its answers (`api.responses.open311`)."""

    def register(endpoint: Any) -> Any:
        router.add_api_route(
            f"{PREFIX}/{path}",
            endpoint,
            methods=[method],
            include_in_schema=schema,
            response_model=None,
            responses=responses,
            status_code=201 if method == "POST" else None,
            openapi_extra=extra,
        )
        router.add_api_route(f"{PREFIX}//{path}", endpoint, methods=[method], include_in_schema=False)
        return endpoint

    return register


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden | Unauthorized):
        return 403
    return 400


def _unknown_format(fmt: str) -> Response:
    return fmt_.errors("xml", 404, f"unknown format {fmt!r}: use .xml or .json")


def _answer(fmt: str, work: Callable[[], Response]) -> Response:
    """The response of `work`, or the Open311 error document of the refusal."""
    if fmt not in fmt_.FORMATS:
        return _unknown_format(fmt)
    try:
        return work()
    except DomainError as exc:
        return fmt_.errors(fmt, _status(exc), exc.message)


def _clean(value: str) -> str:
    """A parameter's text without NUL characters, which no database column can hold."""
    return value.replace("\x00", "")


def _params(request: Request) -> Params:
    params: Params = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(_clean(key), []).append(_clean(value))
    return params


def _viewer(db: Any, params: Params) -> Any:
    """The client application named by an api_key sent with a read (optional: reads are public)."""
    key = open311.param(params, "api_key")
    return open311.client_for_key(db, key) if key else None


def _base_url(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}{PREFIX}/"


# --- discovery and services --------------------------------------------------------------


@_route("discovery.{fmt}", responses=open311_answers(Discovery, 404))
def discovery(request: Request, platform: PlatformDep, db: DbDep, fmt: str) -> Response:
    """Service discovery: the specification, URL, formats and changeset of this endpoint."""
    return _answer(
        fmt,
        lambda: fmt_.render(fmt, "discovery", fmt_.tree(open311.discovery(platform, db, _base_url(request)))),
    )


@_route("services.{fmt}", responses=open311_answers(list[Service], 400, 404))
def services(request: Request, platform: PlatformDep, db: DbDep, fmt: str) -> Response:
    """The services: the classes (minor classes) open to the public."""

    def work() -> Response:
        open311.check_jurisdiction(platform, open311.param(_params(request), "jurisdiction_id"))
        items = [fmt_.tree(s) for s in open311.services(platform, db)]
        return fmt_.render(fmt, "services", fmt_.Many("service", items))

    return _answer(fmt, work)


def _definition(request: Request, platform: Any, db: Any, code: str, fmt: str) -> Response:
    def work() -> Response:
        open311.check_jurisdiction(platform, open311.param(_params(request), "jurisdiction_id"))
        body = fmt_.tree(open311.service_definition(platform, db, code))
        return fmt_.render(fmt, "service_definition", body)

    return _answer(fmt, work)


@_route("services/{service_code}.{fmt}", responses=open311_answers(ServiceDefinition, 400, 404))
def service_definition(
    request: Request, platform: PlatformDep, db: DbDep, service_code: str, fmt: str
) -> Response:
    """A service's definition: its attributes as typed questions (JSON: one object)."""
    return _definition(request, platform, db, service_code, fmt)


@_route("service/{service_code}.{fmt}", schema=False)
def service_definition_singular(
    request: Request, platform: PlatformDep, db: DbDep, service_code: str, fmt: str
) -> Response:
    return _definition(request, platform, db, service_code, fmt)


# --- requests ----------------------------------------------------------------------------


def _requests(fmt: str, items: list[dict[str, Any]]) -> Response:
    return fmt_.render(fmt, "service_requests", fmt_.Many("request", [fmt_.tree(i) for i in items]))


@_route("requests.{fmt}", responses=open311_answers(list[ServiceRequest], 400, 403, 404))
def search_requests(request: Request, platform: PlatformDep, db: DbDep, fmt: str) -> Response:
    """Requests, newest first: service_request_id (overrides the rest), service_code, start_date /
    end_date (≤ 90 days; default the last 90), status, and the extensions page / page_size (≤ 1,000),
    updated_after / updated_before, bbox, extensions=true."""

    def work() -> Response:
        params = _params(request)
        viewer = _viewer(db, params)
        return _requests(fmt, open311.search_requests(platform, db, params, viewer))

    return _answer(fmt, work)


@_route(
    "requests.{fmt}",
    method="POST",
    responses=open311_answers(list[RequestReceipt], 400, 403, 404, 429, status=201),
    extra=REQUEST_FORM,
)
async def post_request(request: Request, platform: PlatformDep, db: DbDep, fmt: str) -> Response:
    """File a request (form-urlencoded): api_key, service_code, lat + long (or an address_id that is
    a unit grid code), attribute[code]=value, and the optional fields of the standard."""
    if fmt not in fmt_.FORMATS:
        return _unknown_format(fmt)
    params = _params(request)
    try:
        form = await request.form()
    except (StarletteHTTPException, ValueError, KeyError) as exc:
        detail = getattr(exc, "detail", None) or "the request body is not a form"
        return fmt_.errors(fmt, 400, f"the request body cannot be read: {detail}")
    items = [(_clean(key), _clean(value)) for key, value in form.multi_items() if isinstance(value, str)]
    body: Params = {}
    for key, value in items:
        body.setdefault(key, []).append(value)
    merged = {key: body.get(key, []) + params.get(key, []) for key in {*body, *params}}

    api_key = open311.param(merged, "api_key")
    if api_key:  # per api_key (GRIDCITY_OPEN311_POST_RATE); a POST without one is refused below anyway
        try:
            platform.intake_limits.hit(rate_limits.OPEN311_POST, api_key)
        except TooManyRequests as exc:
            refused = fmt_.errors(fmt, 429, exc.message)
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused

    def work() -> Response:
        created = open311.submit(platform, db, merged, items)
        return fmt_.render(fmt, "service_requests", fmt_.Many("request", [created]), status_code=201)

    return await platform.run_write(lambda: _answer(fmt, work))


@_route("requests/{service_request_id}.{fmt}", responses=open311_answers(list[ServiceRequest], 400, 403, 404))
def get_request(
    request: Request, platform: PlatformDep, db: DbDep, service_request_id: str, fmt: str
) -> Response:
    """One request by its id (the case number); JSON: a one-element array."""

    def work() -> Response:
        params = _params(request)
        viewer = _viewer(db, params)
        return _requests(fmt, [open311.get_request(platform, db, service_request_id, params, viewer)])

    return _answer(fmt, work)


@_route("tokens/{token}.{fmt}", responses=open311_answers(list[TokenAnswer], 400, 404))
def token(request: Request, platform: PlatformDep, db: DbDep, token: str, fmt: str) -> Response:
    """The request id issued for a token."""

    def work() -> Response:
        open311.check_jurisdiction(platform, open311.param(_params(request), "jurisdiction_id"))
        found = open311.token_request(platform, db, token)
        return fmt_.render(fmt, "service_requests", fmt_.Many("request", [found]))

    return _answer(fmt, work)


@_route("servicerequestupdates.{fmt}", responses=open311_answers(list[RequestUpdate], 400, 404))
def request_updates(request: Request, platform: PlatformDep, db: DbDep, fmt: str) -> Response:
    """The status-update feed: each public change of a request between start_date and end_date."""

    def work() -> Response:
        items = open311.request_updates(platform, db, _params(request))
        return fmt_.render(fmt, "service_request_updates", fmt_.Many("request_update", items))

    return _answer(fmt, work)


# --- anything else under /open311/v2/ ----------------------------------------------------


def _unknown(path: str) -> Response:
    fmt = "json" if path.endswith(".json") else "xml"
    return fmt_.errors(
        fmt,
        404,
        f"no Open311 resource {path!r}: discovery, services, services/CODE, requests, requests/ID, "
        "tokens/TOKEN, servicerequestupdates — each with .xml or .json",
    )


@router.api_route(f"{PREFIX}/{{path:path}}", methods=["GET", "POST"], include_in_schema=False)
def unknown(path: str) -> Response:
    return _unknown(path)
