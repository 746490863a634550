"""The sandbox's own admin API under `/sandbox/` (not AMC): faults, request log, settings, stored rows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from amc_sandbox import datastore, schema
from amc_sandbox.constants import SANDBOX_MARKETPLACE_ID
from amc_sandbox.errors import bad_request, not_found
from amc_sandbox.faults import FaultRule
from amc_sandbox.routes.common import (
    Ctx,
    SandboxContext,
    instance_view,
    json_response,
    read_json,
    upload_view,
)
from amc_sandbox.state import page_size

router = APIRouter()


@router.get("/sandbox/health")
async def health() -> JSONResponse:
    return json_response({"status": "ok"})


@router.get("/sandbox/faults")
async def get_faults(ctx: Ctx) -> JSONResponse:
    return json_response({"faults": ctx.faults.rules()})


@router.post("/sandbox/faults")
async def add_faults(ctx: Ctx, request: Request) -> JSONResponse:
    body = await read_json(request)
    raw_rules = (
        body if isinstance(body, list) else body.get("faults", [body]) if isinstance(body, dict) else None
    )
    if not isinstance(raw_rules, list):
        raise bad_request('Send a fault rule, a list of rules or {"faults": [...]}')
    rules = [FaultRule.from_dict(r) for r in raw_rules]
    ctx.faults.add(rules)
    return json_response({"faults": ctx.faults.rules()})


@router.delete("/sandbox/faults")
async def clear_faults(ctx: Ctx) -> JSONResponse:
    ctx.faults.clear()
    return json_response({"faults": []})


@router.get("/sandbox/requests")
async def get_requests(ctx: Ctx, request: Request) -> JSONResponse:
    method = (request.query_params.get("method") or "").upper()
    fragment = request.query_params.get("path_contains") or ""
    entries = [
        e.to_dict()
        for e in ctx.requests.entries()
        if not e.path.startswith("/sandbox/") and (not method or e.method == method) and fragment in e.path
    ]
    return json_response({"requests": entries})


@router.delete("/sandbox/requests")
async def clear_requests(ctx: Ctx) -> JSONResponse:
    ctx.requests.clear()
    return json_response({"requests": []})


@router.post("/sandbox/reset")
async def reset(ctx: Ctx, request: Request) -> JSONResponse:
    body = await read_json(request, required=False)
    tokens = bool(body.get("tokens")) if isinstance(body, dict) else False
    ctx.faults.clear()
    ctx.requests.clear()
    ctx.state.reset(tokens=tokens)
    return json_response({"reset": True})


@router.get("/sandbox/config")
async def get_config(ctx: Ctx) -> JSONResponse:
    return json_response(config_view(ctx))


@router.post("/sandbox/config")
async def set_config(ctx: Ctx, request: Request) -> JSONResponse:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise bad_request("Send a JSON object")
    try:
        if "token_lifetime" in body:
            ctx.state.token_lifetime = int(body["token_lifetime"])
        if "consent" in body:
            ctx.state.consent_mode = str(body["consent"])
        if "processing_delay" in body:
            ctx.processor.delay = max(float(body["processing_delay"]), 0.0)
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from exc
    return json_response(config_view(ctx))


@router.post("/sandbox/tokens/expire")
async def expire_tokens(ctx: Ctx) -> JSONResponse:
    return json_response({"expired": ctx.state.expire_access_tokens()})


@router.post("/sandbox/tokens/revoke")
async def revoke_tokens(ctx: Ctx) -> JSONResponse:
    ctx.state.revoke_refresh_tokens()
    return json_response({"revoked": True})


@router.get("/sandbox/data/{instance_id}/{dataset_id}")
async def stored_rows(ctx: Ctx, instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
    ctx.state.get_dataset(instance_id, dataset_id)
    limit = page_size(request.query_params.get("limit"))
    count, rows = datastore.read(ctx.state.state_dir, instance_id, dataset_id, limit)
    return json_response({"rowCount": count, "rows": rows})


@router.post("/sandbox/uploads/{instance_id}/{upload_id}")
async def settle_upload(ctx: Ctx, instance_id: str, upload_id: str, request: Request) -> JSONResponse:
    body = await read_json(request)
    if not isinstance(body, dict) or body.get("status") not in schema.UPLOAD_STATUSES:
        raise bad_request(
            f'Send {{"status": one of {sorted(schema.UPLOAD_STATUSES)}, "message"?, "metrics"?}}'
        )
    fields = {k: body[k] for k in ("status", "message", "metrics") if k in body}
    updated = ctx.state.update_upload(instance_id, upload_id, **fields)
    if updated is None:
        raise not_found(f"Upload {upload_id} not found in instance {instance_id}")
    return json_response({"upload": upload_view(updated)})


@router.post("/sandbox/instances")
async def add_instance(ctx: Ctx, request: Request) -> JSONResponse:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise bad_request("Send a JSON object")
    try:
        record = ctx.state.add_instance(
            str(body["instanceId"]),
            account_id=str(body["accountId"]),
            marketplace_id=str(body.get("marketplaceId", SANDBOX_MARKETPLACE_ID)),
            data_upload_account_id=str(body["dataUploadAwsAccountId"]),
            name=str(body.get("instanceName", "")),
            ads_account_id=body.get("adsAccountId"),
        )
    except KeyError as exc:
        raise bad_request(f"Missing field {exc}") from exc
    return json_response({"instance": instance_view(record, request)})


def config_view(ctx: SandboxContext) -> dict[str, Any]:
    return {
        "token_lifetime": ctx.state.token_lifetime,
        "consent": ctx.state.consent_mode,
        "processing_delay": ctx.processor.delay,
    }
