"""Uploader Lambda: S3 ObjectCreated events (manifests -> AMC upload; data-bucket objects -> trigger
rules) or a direct call `{"bucket": ..., "key": ...}`. Failures raise, so Lambda retries and the DLQ
keeps the event."""

from __future__ import annotations

from typing import Any

from amc_uploader.api.handlers import handle_uploader_event
from amc_uploader.api.logs import configure_logging

configure_logging()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_uploader_event(event)
