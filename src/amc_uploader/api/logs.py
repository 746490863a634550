"""Structured JSON logging with a correlation id; request bodies, headers and values are never logged."""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar
from typing import Any

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id and the `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        cid = getattr(record, "correlation_id", None) or correlation_id.get()
        if cid:
            payload["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in payload and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # Type and stack locations only: the exception text may quote a value.
            exc_type, _, tb = record.exc_info
            import traceback

            frames = traceback.extract_tb(tb) if tb is not None else []
            payload["exception"] = exc_type.__name__
            payload["stack"] = [f"{f.filename}:{f.lineno}:{f.name}" for f in frames[-8:]]
        return json.dumps(payload, default=str)


def configure_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """Install the JSON formatter on the root logger (entry points call this once)."""
    root = logging.getLogger()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level)
    quiet_third_party()


# Third-party loggers that print request URLs with query strings (OAuth codes) or bodies (botocore logs
# Secrets Manager responses at DEBUG): never below WARNING.
NOISY_LOGGERS = ("botocore", "boto3", "urllib3", "httpx", "httpcore", "s3transfer", "werkzeug", "mangum")


def quiet_third_party() -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True
