"""What a serving process does once at start, before its first request (uvicorn's factory:
`gridcity serve`, `gridcity demo`; not an app a test builds around its own platform).

1. Build the derived state (territory index, class catalogue, calendar: `Platform.warm`) so the
   first requests do not wait for it. A database not reachable yet is not fatal: `/readyz` says
   so, and the first request that needs the state builds it.
2. Freeze the heap (`gc.freeze`). CPython's cyclic collector walks every tracked object in its
   full (generation 2) passes; a serving process holds several hundred thousand long-lived ones
   (the territory index, the catalogue, SQLAlchemy's and FastAPI's structures), so each full pass
   took ~100 ms and, under load, landed on some request about every second: on the demo a street
   evaluation's p99 was 130–160 ms against a 25 ms median (bench: docs/benchmarks.md). Objects
   alive at start move to the permanent generation, which full passes skip. Frozen objects are
   never freed as cycles; that costs nothing here, since they live as long as the process."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from gridcity.services.platform import Platform

log = logging.getLogger("gridcity.serving")


@asynccontextmanager
async def serving_process(app: FastAPI) -> AsyncIterator[None]:
    """FastAPI lifespan of a serving process: warm, freeze, serve."""
    platform: Platform = app.state.platform
    try:
        built = await anyio.to_thread.run_sync(platform.warm)
        log.info("derived state built before the first request: %s", ", ".join(built))
    except Exception:  # not ready yet is /readyz's to report, not a reason to die
        log.warning("derived state not built at start; the first request will build it", exc_info=True)
    gc.collect()
    gc.freeze()
    yield
