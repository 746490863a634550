"""AMC instances of the advertiser (spec B.2)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from amc_sandbox.routes.common import (
    H_ADVERTISER,
    Ctx,
    authorize,
    instance_view,
    json_response,
    page_response,
)
from amc_sandbox.state import page_size, paginate

router = APIRouter()


@router.get("/amc/instances")
async def list_instances(ctx: Ctx, request: Request) -> JSONResponse:
    authorize(ctx, request, None)
    advertiser_id = request.headers[H_ADVERTISER]
    records = [{**i, "_seq": n} for n, i in enumerate(ctx.state.instances_for(advertiser_id))]
    size = page_size(request.query_params.get("limit") or request.query_params.get("maxResults"))
    page, token = paginate(records, request.query_params.get("nextToken"), size)
    return page_response("instances", [instance_view(i, request) for i in page], token)


@router.get("/amc/instances/{instance_id}")
async def get_instance(ctx: Ctx, instance_id: str, request: Request) -> JSONResponse:
    instance = authorize(ctx, request, instance_id)
    assert instance is not None
    return json_response({"instance": instance_view(instance, request)})
