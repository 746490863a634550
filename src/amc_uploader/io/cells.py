"""A cell value as text, the same way everywhere (CSV output, previews, PII suggestions)."""

from __future__ import annotations

import json
from typing import Any


def cell_text(value: Any) -> str | None:
    """None stays None; booleans are `true`/`false`; objects and lists are compact JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
