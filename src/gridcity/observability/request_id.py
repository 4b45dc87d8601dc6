"""The id of the request being served, for the log lines, the history rows and the outbox events
it leads to. A context variable: each request (and each thread it hands work to, which copies the
context) sees its own; outside a request (the worker, the command line) it is None."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
MAX_LENGTH = 64  # the width of the request_id columns (migration 0018)

# what a proxy or client may hand us: ids of the common shapes (UUIDs, hex, base64url, dotted or
# slashed trace ids) and nothing that could break a log line or a header (spaces, quotes, controls)
_SANE = re.compile(rf"[A-Za-z0-9._:/+=-]{{1,{MAX_LENGTH}}}")

current: ContextVar[str | None] = ContextVar("gridcity_request_id", default=None)


def accept_or_new(offered: str | None) -> str:
    """The id offered by the caller (`X-Request-ID`) if it is sane, else a new one (32 hex digits)."""
    if offered is not None and _SANE.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def get() -> str | None:
    """The id of the request being served here, or None outside a request."""
    return current.get()
