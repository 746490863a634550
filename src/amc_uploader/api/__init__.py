"""The REST API of AMC Uploader (FastAPI), its persistence, job orchestration and auth."""

from __future__ import annotations

from amc_uploader.api.app import create_app
from amc_uploader.api.config import ApiSettings
from amc_uploader.api.deps import Backend, build_backend

__all__ = ["ApiSettings", "Backend", "build_backend", "create_app"]
