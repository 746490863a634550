"""The web app's typed client is generated from web/openapi.json: it must be the app's current schema."""

from __future__ import annotations

import json

from amc_uploader.api.openapi import build_schema
from tests.fixtures.paths import REPO_ROOT


def test_committed_schema_matches_the_app() -> None:
    committed = json.loads((REPO_ROOT / "web" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == build_schema(), (
        "web/openapi.json is stale: run `.venv/bin/python -m amc_uploader.api.openapi web/openapi.json` "
        "and `npm run gen:api` in web/"
    )
