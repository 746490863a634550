"""Refresher Lambda (scheduled): poll AMC for uploads that have not reached a terminal state."""

from __future__ import annotations

from typing import Any

from amc_uploader.api.handlers import handle_refresh
from amc_uploader.api.logs import configure_logging

configure_logging()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_refresh()
