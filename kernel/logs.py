"""Log lines as JSON objects that carry the request's and the trace's ids, so an operator can go from a log
line to its trace and its answer. Configured once per server or worker process."""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("cairn_request_id", default="")

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"], line["span_id"] = format(span.trace_id, "032x"), format(span.span_id, "016x")
        if rid := request_id.get():
            line["request_id"] = rid
        # Fields passed with `extra=` are part of the line; uvicorn's colour copy of the message is not.
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_config(level: str, fmt: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the root logger and the servers' own loggers (uvicorn, Celery)."""
    formatter: dict[str, Any] = ({"()": JsonFormatter} if fmt == "json"
                                 else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
    quiet = {name: {"level": level.upper(), "handlers": ["out"], "propagate": False}
             for name in ("uvicorn", "uvicorn.error", "celery", "cairn")}
    # The API writes its own access line inside each request's span (with its ids); uvicorn's would repeat it.
    quiet["uvicorn.access"] = {"level": "WARNING", "handlers": ["out"], "propagate": False}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["out"]},
        "loggers": quiet,
    }


def configure_logging(level: str, fmt: str) -> None:
    logging.config.dictConfig(log_config(level, fmt))
