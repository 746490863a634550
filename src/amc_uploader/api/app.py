"""The FastAPI application: `create_app(settings)`; routes under /api."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from fastapi import Depends, FastAPI, Request

from amc_uploader.api.config import ApiSettings
from amc_uploader.api.deps import Backend, authorize, build_backend
from amc_uploader.api.errors import install_error_handlers
from amc_uploader.api.logs import correlation_id
from amc_uploader.api.models import ErrorBody
from amc_uploader.api.routes import auth_local, datasets, erasure, files, health, instances, jobs, triggers
from amc_uploader.api.routes import settings as settings_routes

logger = logging.getLogger(__name__)

API_PREFIX = "/api"


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": "Error"} for code in codes}


ERROR_RESPONSES = _errors(400, 401, 403, 404, 409, 422, 429, 502)


def create_app(settings: ApiSettings | None = None, *, backend: Backend | None = None) -> FastAPI:
    """Build the API. `backend` lets the local stack and tests pass pre-wired ports; by default they are
    built from `settings` (Glue runner when `AMC_GLUE_JOB_NAME` is set, the local worker otherwise)."""
    settings = settings or (backend.settings if backend else ApiSettings())
    app = FastAPI(
        title="AMC Uploader API",
        version=settings.version,
        description="Upload first-party data to Amazon Marketing Cloud: settings, files, datasets, jobs.",
        # The live schema and docs only on the local stack (in AWS every /api route but health needs a
        # token; the web app builds from the committed web/openapi.json).
        openapi_url=f"{API_PREFIX}/openapi.json" if settings.local_mode else None,
        # FastAPI's docs page loads Swagger UI from a CDN; the local stack serves its own copy instead
        # (`local.web.mount_web`, from the web build).
        docs_url=None,
        swagger_ui_oauth2_redirect_url=None,
        redoc_url=None,
        # Every route's role comes from `auth.ROUTE_ROLES`, checked here for all of them.
        dependencies=[Depends(authorize)],
    )
    app.state.backend = backend or build_backend(settings)
    install_error_handlers(app)

    @app.middleware("http")
    async def correlate(request: Request, call_next: Any) -> Any:
        event = request.scope.get("aws.event") or {}
        cid = (event.get("requestContext") or {}).get("requestId") or uuid.uuid4().hex
        token = correlation_id.set(cid)
        start = time.perf_counter()
        try:
            response = await call_next(request)
            response.headers["X-Correlation-Id"] = cid
            # Path and status only: no query string (OAuth codes), no headers, no bodies.
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - start) * 1000, 1),
                },
            )
            return response
        finally:
            correlation_id.reset(token)

    app.include_router(health.router, prefix=API_PREFIX, responses=_errors(401))
    for module in (settings_routes, instances, files, datasets, jobs, triggers, erasure):
        app.include_router(module.router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    if settings.local_mode:
        app.include_router(auth_local.router, prefix=API_PREFIX, responses=_errors(400, 401, 422, 429))
    return app
