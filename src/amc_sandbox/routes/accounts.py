"""AMC accounts the token may use (spec B.1)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from amc_sandbox.routes.common import (
    Ctx,
    authorize,
    page_response,
)
from amc_sandbox.state import page_size, paginate, public

router = APIRouter()


@router.get("/amc/accounts")
async def list_accounts(ctx: Ctx, request: Request) -> JSONResponse:
    authorize(ctx, request, None, advertiser=False)
    records = [{**a, "_seq": i} for i, a in enumerate(ctx.state.accounts())]
    page, token = paginate(
        records, request.query_params.get("nextToken"), page_size(request.query_params.get("maxResults"))
    )
    return page_response("amcAccounts", [public(a) for a in page], token)
