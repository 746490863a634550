"""Write the API's OpenAPI schema: `python -m amc_uploader.api.openapi web/openapi.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def build_schema() -> dict[str, Any]:
    """The schema of the app in local mode (so the local sign-in routes are included), no AWS needed."""
    from amc_uploader.api.app import create_app
    from amc_uploader.api.config import ApiSettings
    from amc_uploader.api.deps import Backend

    settings = ApiSettings(local_mode=True)
    backend: Any = object.__new__(Backend)
    backend.settings = settings
    schema: dict[str, Any] = create_app(settings, backend=backend).openapi()
    return schema


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = json.dumps(build_schema(), indent=2, sort_keys=False) + "\n"
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
