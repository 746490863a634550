"""The sandbox's HTTP app: the resource routers (`amc_sandbox.routes`), AMC-shaped errors, faults, logging.

LWA token + consent endpoints, AMC advertiser-data endpoints (spec `docs/amc-api.md`, A and B) and the
sandbox's admin API. Every error answer keeps AMC's shape `{"code", "details", "errors", "requestId"}`;
injected faults (`faults`) replace or delay answers before the routes see the request.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from amc_sandbox.errors import SandboxApiError
from amc_sandbox.faults import FaultRule
from amc_sandbox.routes import accounts, admin, auth, datasets, deletion, instances, uploads
from amc_sandbox.routes.common import (
    REQUEST_ID_HEADER,
    STATUS_CODES,
    SandboxContext,
    error_body,
    json_response,
    request_id,
)

logger = logging.getLogger(__name__)

ROUTERS = (auth, accounts, instances, datasets, uploads, deletion, admin)


def create_app(ctx: SandboxContext) -> FastAPI:
    """The FastAPI app over a sandbox context (the `SandboxServer` builds both)."""
    app = FastAPI(
        title="AMC sandbox", version="1", docs_url="/sandbox/docs", openapi_url="/sandbox/openapi.json"
    )
    app.state.sandbox = ctx
    for module in ROUTERS:
        app.include_router(module.router)

    @app.exception_handler(SandboxApiError)
    async def _api_error(request: Request, exc: SandboxApiError) -> JSONResponse:
        return json_response(
            error_body(exc.status, exc.code, exc.details, exc.errors, request_id(request)), exc.status
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, default = STATUS_CODES.get(exc.status_code, (str(exc.status_code), "Error"))
        details = exc.detail if isinstance(exc.detail, str) else default
        if exc.status_code == 404:
            details = f"No such resource: {request.method} {request.url.path}"
        return json_response(
            error_body(exc.status_code, code, details, None, request_id(request)), exc.status_code
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("sandbox: unexpected error on %s %s", request.method, request.url.path)
        return json_response(error_body(500, None, "Internal error", None, request_id(request)), 500)

    @app.middleware("http")
    async def _faults_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.time()
        request.state.request_id = str(uuid.uuid4())
        rule = ctx.faults.take(request.method, request.url.path)
        fault_response: Response | None = None
        if rule is not None:
            if rule.delay_seconds:
                await asyncio.sleep(rule.delay_seconds)
            if rule.disconnect:
                if rule.disconnect == "after":
                    # The request is fully processed; only its answer is lost (create-upload retry test).
                    processed = await call_next(request)
                    async for _ in processed.body_iterator:  # type: ignore[attr-defined]
                        pass
                ctx.requests.add(request.method, request.url.path, 0, fault=True, started=started)
                return StreamingResponse(_broken_body(), status_code=200, media_type="application/json")
            if rule.status is not None:
                fault_response = _fault_response(rule, request)
        response = fault_response if fault_response is not None else await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request.state.request_id
        ctx.requests.add(
            request.method,
            request.url.path,
            response.status_code,
            fault=fault_response is not None,
            started=started,
        )
        return response

    return app


class InjectedDisconnect(Exception):
    """Raised mid-response to drop the connection (the client sees a transport error)."""


async def _broken_body() -> AsyncIterator[bytes]:
    raise InjectedDisconnect("connection dropped by an injected fault")
    yield b""  # pragma: no cover - makes this an async generator


def _fault_response(rule: FaultRule, request: Request) -> Response:
    status = int(rule.status or 500)
    headers = {REQUEST_ID_HEADER: request.state.request_id}
    if rule.retry_after is not None:
        headers["Retry-After"] = str(rule.retry_after)
    if rule.empty_body:
        return Response(b"", status_code=status, headers=headers)
    if rule.body_text is not None:
        looks_html = rule.body_text.lstrip().lower().startswith("<")
        media = rule.content_type or ("text/html" if looks_html else "text/plain")
        return Response(rule.body_text, status_code=status, headers=headers, media_type=media)
    if request.url.path == "/auth/o2/token":
        body: dict[str, Any] = {
            "error": "server_error",
            "error_description": f"Injected fault (HTTP {status})",
        }
    else:
        code, details = STATUS_CODES.get(status, (str(status), f"Injected fault (HTTP {status})"))
        body = error_body(status, code, details, None, request.state.request_id)
    return JSONResponse(body, status_code=status, headers=headers)
