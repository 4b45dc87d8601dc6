"""The words of a request the framework refuses before any route runs (a value of the wrong type, a
missing field, an unknown address): catalogue messages (`domain.messages`), so that a caller who
asks in Chinese reads Chinese. A kind of problem not named here keeps the framework's own text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gridcity.domain.messages import Message, message


def problem(error: Mapping[str, Any]) -> Message:
    """One problem of a request validation error (pydantic's `type`, `ctx` and `msg`)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return message("request.missing")
    if kind.startswith("int_"):
        return message("request.not_integer")
    if kind.startswith(("float_", "decimal_")):
        return message("request.not_number")
    if kind.startswith("bool_"):
        return message("request.not_boolean")
    if kind.startswith("datetime_"):
        return message("request.not_datetime")
    if kind.startswith("date_"):
        return message("request.not_date")
    if kind == "string_type":
        return message("request.not_text")
    if kind == "string_too_long":
        return message("request.too_long", max_length=ctx.get("max_length", "?"))
    if kind == "string_too_short":
        return message("request.too_short", min_length=ctx.get("min_length", "?"))
    if kind in ("greater_than_equal", "greater_than"):
        return message("request.too_small", limit=ctx.get("ge", ctx.get("gt", "?")))
    if kind in ("less_than_equal", "less_than"):
        return message("request.too_large", limit=ctx.get("le", ctx.get("lt", "?")))
    if kind == "string_pattern_mismatch":
        return message("request.pattern", pattern=ctx.get("pattern", "?"))
    if kind in ("enum", "literal_error"):
        return message("request.choice", expected=ctx.get("expected", "?"))
    if kind == "json_invalid":
        return message("request.bad_json")
    return message("request.other", msg=str(error.get("msg", kind)))


def http_problem(status_code: int, detail: object) -> object:
    """A framework HTTP error's detail: the catalogue's words for an unknown address or method
    (the framework says "Not Found" / "Method Not Allowed"), else the detail as it is."""
    if status_code == 404 and detail == "Not Found":
        return str(message("request.not_found"))
    if status_code == 405 and detail == "Method Not Allowed":
        return str(message("request.method"))
    return detail
