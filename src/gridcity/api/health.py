"""What operators and their machines ask of a running process (docs/operations.md#metrics-logs-and-alerts):

- `GET /healthz`: the process is alive and answering (no database: a database outage must not get
  every process restarted);
- `GET /readyz`: it can serve — the database answers, the schema is at the migrations' head, the
  in-memory state is built — 200, else 503; each check named in the JSON answer, each given
  `GRIDCITY_READYZ_TIMEOUT_S`;
- `GET /metrics`: Prometheus's text format, for the allowed addresses (`GRIDCITY_METRICS_ALLOW`,
  default this machine) or the bearer token (`GRIDCITY_METRICS_TOKEN`).

None is part of the API's OpenAPI document: they are the operators', not the API clients'."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gridcity.api.deps import PlatformDep
from gridcity.domain.errors import Forbidden
from gridcity.domain.messages import message
from gridcity.observability.metrics import Exposition
from gridcity.services import readiness
from gridcity.services.metrics import DatabaseCollector
from gridcity.services.platform import Platform

router = APIRouter(include_in_schema=False)
log = logging.getLogger("gridcity.health")

_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


@router.get("/readyz")
async def readyz(platform: PlatformDep) -> JSONResponse:
    timeout = platform.settings.readyz_timeout_s
    checks: dict[str, dict[str, Any]] = {}
    checks["database"] = await _bounded("database", readiness.check_database, platform, timeout)
    if checks["database"]["ok"]:
        checks["migrations"] = await _bounded("migrations", readiness.check_migrations, platform, timeout)
    else:
        checks["migrations"] = {"ok": False, "skipped": "the database did not answer"}
    if checks["migrations"]["ok"]:
        checks["caches"] = await _bounded("caches", readiness.check_caches, platform, timeout)
    else:
        checks["caches"] = {"ok": False, "skipped": "the schema is not at the migrations' head"}
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=_NO_STORE,
    )


async def _bounded(
    name: str, check: Callable[[Platform], dict[str, object]], platform: Platform, timeout: float
) -> dict[str, Any]:
    """Run one check on a thread for at most `timeout` seconds. What failed goes to the log; the
    answer names only the kind of failure (a probe's answer may travel further than the log)."""
    started = time.perf_counter()
    result: dict[str, Any]
    try:
        with anyio.fail_after(timeout):
            # abandoned on time-out: a connection attempt to a vanished host cannot be interrupted
            detail = await anyio.to_thread.run_sync(check, platform, abandon_on_cancel=True)
    except TimeoutError:
        log.warning("readyz: %s gave no answer within %g s", name, timeout)
        result = {"ok": False, "error": f"no answer within {timeout:g} s"}
    except Exception as exc:
        log.warning("readyz: %s failed", name, exc_info=True)
        result = {"ok": False, "error": type(exc).__name__}
    else:
        result = {"ok": True, **detail}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@router.get("/metrics")
async def metrics(request: Request, platform: PlatformDep) -> Response:
    if not _may_scrape(request, platform):
        raise Forbidden(message("health.metrics_forbidden"))
    exposition = Exposition(DatabaseCollector(platform))
    body = await anyio.to_thread.run_sync(generate_latest, exposition)  # reads the database
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=_NO_STORE)


def _may_scrape(request: Request, platform: Platform) -> bool:
    settings = platform.settings
    token = settings.metrics_token
    if token:
        scheme, _, offered = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
            return True
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # not an address (a Unix socket, a test client): not on any allowed network
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket's ::ffff:127.0.0.1
    return any(address in network for network in settings.metrics_allow)
