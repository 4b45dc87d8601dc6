"""One logging setup for every gridcity process — the app under `gridcity serve` (uvicorn's own
loggers included), `gridcity demo` and `gridcity worker`: one handler on the root logger writing
one JSON object per line to stderr (or plain text for a person at a terminal:
GRIDCITY_LOG_FORMAT=text). The fields are in docs/operations.md#logs."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import IO, Any, Literal

from gridcity.observability import request_id

LogFormat = Literal["json", "text"]

# what every LogRecord has: everything else on a record is an `extra` field of the call, and goes
# into the line (e.g. the access log's method, route, status and duration_ms)
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn's copy of the message with terminal colours
    "taskName",
}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time (UTC, ISO 8601), level, logger, message, request_id,
    the call's extra fields, and the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same records for a person: time, level, logger, [request id], message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def logging_config(log_format: LogFormat = "json", level: str = "INFO") -> dict[str, Any]:
    """The `logging.config.dictConfig` of every process; uvicorn takes it as its `log_config`, so
    that each of its worker processes sets it up too."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "loggers": {
            # uvicorn's loggers come with handlers of their own: theirs go, ours (the root's) serve
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # the access log is ours (gridcity.access, written by the middleware with the route
            # and the request id); uvicorn's would say every request twice
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
            "httpx": {"level": "WARNING"},  # a line per webhook POST: the attempts table has them
        },
        "root": {"handlers": ["default"], "level": level},
    }


def configure(log_format: LogFormat = "json", level: str = "INFO", stream: IO[str] | None = None) -> None:
    """Set up logging for this process (the worker; uvicorn does it from `logging_config` itself).
    `stream`: where the lines go instead of stderr."""
    logging.config.dictConfig(logging_config(log_format, level))
    if stream is not None:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(stream)
