"""User deletion requests (spec B.13); they settle after the processing delay."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from amc_sandbox import schema
from amc_sandbox.routes.common import (
    INSTANCE_BASE,
    Ctx,
    authorize,
    json_response,
    page_response,
    read_json,
)
from amc_sandbox.state import page_size, paginate, public

router = APIRouter()


@router.post(INSTANCE_BASE + "/userDeletionRequest")
async def create_deletion(ctx: Ctx, instance_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    identities = schema.validate_deletion_request(await read_json(request))
    record = ctx.state.create_deletion(instance_id, len(identities))
    return json_response({"userDeletionRequestId": record["userDeletionRequestId"]})


@router.post(INSTANCE_BASE + "/userDeletionRequest/list")
async def list_deletions(ctx: Ctx, instance_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    ctx.state.settle_deletions(ctx.processor.delay)
    q = request.query_params
    page, token = paginate(
        ctx.state.list_deletions(instance_id),
        q.get("nextToken"),
        page_size(q.get("maxResults")),
        descending=True,
    )
    return page_response("userDeletions", [public(d) for d in page], token)


@router.get(INSTANCE_BASE + "/userDeletionRequest/{request_id}")
async def get_deletion(ctx: Ctx, instance_id: str, request_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    ctx.state.settle_deletions(ctx.processor.delay)
    return json_response({"identityDeletion": public(ctx.state.get_deletion(instance_id, request_id))})
