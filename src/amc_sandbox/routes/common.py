"""What every route module shares: the sandbox context, AMC's header checks (spec A.4), JSON in and out.

Handlers parse the raw JSON themselves (no request models) so that the error answers keep AMC's shape
(`{"code", "details", "errors", "requestId"}`) and the checks of `schema` apply to exactly what was sent.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from amc_client.models import (
    HEADER_ADS_ACCOUNT_ID,
    HEADER_ADVERTISER_ID,
    HEADER_CLIENT_ID,
    HEADER_MARKETPLACE_ID,
)
from amc_sandbox.errors import SandboxApiError, bad_request, forbidden, not_found, unauthorized
from amc_sandbox.faults import FaultRegistry, RequestLog
from amc_sandbox.state import SandboxState, public
from amc_sandbox.worker import UploadProcessor

H_CLIENT_ID: Final = HEADER_CLIENT_ID
H_ADVERTISER: Final = HEADER_ADVERTISER_ID
H_MARKETPLACE: Final = HEADER_MARKETPLACE_ID
H_ADS_ACCOUNT: Final = HEADER_ADS_ACCOUNT_ID
REQUEST_ID_HEADER: Final = "x-amzn-RequestId"
INSTANCE_BASE: Final = "/amc/advertiserData/{instance_id}"

STATUS_CODES: Final = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    409: ("CONFLICT", "Conflict"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    422: ("UNPROCESSABLE_ENTITY", "Unprocessable entity"),
    429: ("TOO_MANY_REQUESTS", "Too many requests, retry later"),
    500: ("INTERNAL_ERROR", "Internal error, retry later"),
    502: ("BAD_GATEWAY", "Bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service unavailable"),
    504: ("GATEWAY_TIMEOUT", "Endpoint request timed out"),  # the message of issue #117
}


@dataclass
class SandboxContext:
    """What the routes share: the state, the upload worker, faults and the request log."""

    state: SandboxState
    processor: UploadProcessor
    faults: FaultRegistry
    requests: RequestLog


def _context(request: Request) -> SandboxContext:
    ctx: SandboxContext = request.app.state.sandbox
    return ctx


Ctx = Annotated[SandboxContext, Depends(_context)]
"""The route parameter that receives the app's `SandboxContext`."""


def error_body(
    status: int, code: str | None, details: str, errors: list[str] | None, request_id: str
) -> dict[str, Any]:
    default_code, _ = STATUS_CODES.get(status, (str(status), ""))
    return {
        "code": code or default_code,
        "details": details,
        "errors": errors or [details],
        "requestId": request_id,
    }


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return str(rid) if rid else str(uuid.uuid4())


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def page_response(key: str, items: list[Any], next_token: str | None) -> JSONResponse:
    """One page of a list answer: `nextToken` only while more pages follow."""
    body: dict[str, Any] = {key: items}
    if next_token:
        body["nextToken"] = next_token
    return json_response(body)


async def read_json(request: Request, *, required: bool = True) -> Any:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad_request("Request body is required")
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not (content_type == "application/json" or content_type.endswith("+json")):
        raise SandboxApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", f"Unsupported Content-Type {content_type!r}; send JSON"
        )
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("Request body is not valid JSON") from exc


async def query_and_body(request: Request) -> dict[str, str]:
    """List parameters: B.3/B.10 send them as query parameters; a JSON body is accepted too (query wins)."""
    params = dict(request.query_params)
    body = await read_json(request, required=False)
    if isinstance(body, dict):
        params = {**{k: str(v) for k, v in body.items() if v is not None}, **params}
    return params


def authorize(
    ctx: SandboxContext, request: Request, instance_id: str | None, *, advertiser: bool = True
) -> dict[str, Any] | None:
    """The header checks of spec A.4; returns the instance when one is addressed."""
    auth = request.headers.get("authorization")
    if not auth:
        raise unauthorized("Missing Authorization header")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Authorization header must be 'Bearer <access token>'")
    token_client = ctx.state.check_access_token(token.strip())
    client_id = request.headers.get(H_CLIENT_ID)
    if not client_id:
        raise unauthorized(f"Missing {H_CLIENT_ID} header")
    if client_id != token_client:
        raise unauthorized(f"{H_CLIENT_ID} does not match the client the access token was issued to")
    if not advertiser:
        return None
    advertiser_id = request.headers.get(H_ADVERTISER)
    marketplace_id = request.headers.get(H_MARKETPLACE)
    if not advertiser_id:
        raise unauthorized(f"Missing {H_ADVERTISER} header")
    if not marketplace_id:
        raise unauthorized(f"Missing {H_MARKETPLACE} header")
    account = ctx.state.account(advertiser_id)
    if account is None:
        raise forbidden(f"Not authorized to access advertiser {advertiser_id}")
    if account["marketplaceId"] != marketplace_id:
        raise forbidden(f"Marketplace {marketplace_id} does not belong to advertiser {advertiser_id}")
    if instance_id is None:
        return None
    instance = ctx.state.instance(instance_id)
    if instance is None:
        raise not_found(f"Instance {instance_id} not found")
    if instance["_accountId"] != advertiser_id:
        raise forbidden(f"Advertiser {advertiser_id} is not authorized to access instance {instance_id}")
    required_account = instance.get("_adsAccountId")
    if required_account and request.headers.get(H_ADS_ACCOUNT) != required_account:
        # Issue #278: some production instances need Amazon-Ads-AccountId.
        raise forbidden(f"{H_ADS_ACCOUNT} header is required for instance {instance_id}")
    return instance


def instance_view(instance: dict[str, Any], request: Request) -> dict[str, Any]:
    view = public(instance)
    view["apiEndpoint"] = view.get("apiEndpoint") or str(request.base_url).rstrip("/")
    return view


def dataset_view(dataset: dict[str, Any]) -> dict[str, Any]:
    view = public(dataset)
    view.setdefault("compressionFormat", "GZIP")
    return view


def upload_view(upload: dict[str, Any]) -> dict[str, Any]:
    return public(upload)
