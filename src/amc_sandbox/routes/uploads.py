"""Uploads: create, list with filters, get (spec B.9 - B.12); the worker processes what is created."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from amc_sandbox import schema
from amc_sandbox.errors import bad_request
from amc_sandbox.routes.common import (
    INSTANCE_BASE,
    Ctx,
    authorize,
    json_response,
    page_response,
    query_and_body,
    read_json,
    upload_view,
)
from amc_sandbox.state import page_size, paginate, parse_iso

router = APIRouter()


@router.post(INSTANCE_BASE + "/uploads/list")
async def list_uploads(ctx: Ctx, instance_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    params = await query_and_body(request)
    uploads = filter_uploads(ctx.state.list_uploads(instance_id), params)
    page, token = paginate(
        uploads, params.get("nextToken"), page_size(params.get("maxResults")), descending=True
    )
    return page_response("uploads", [upload_view(u) for u in page], token)


@router.post(INSTANCE_BASE + "/uploads/{dataset_id}")
async def create_upload(ctx: Ctx, instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    body = await read_json(request)
    dataset = ctx.state.get_dataset(instance_id, dataset_id)
    upload_request = schema.validate_create_upload(body, dataset)
    upload = ctx.state.create_upload(instance_id, dataset_id, upload_request)
    ctx.processor.submit(instance_id, upload["uploadId"])
    return json_response({"status": upload["status"], "uploadId": upload["uploadId"]})


@router.get(INSTANCE_BASE + "/uploads/{dataset_id}/{upload_id}")
async def get_upload(
    ctx: Ctx, instance_id: str, dataset_id: str, upload_id: str, request: Request
) -> JSONResponse:
    authorize(ctx, request, instance_id)
    return json_response({"upload": upload_view(ctx.state.get_upload(instance_id, dataset_id, upload_id))})


def filter_uploads(uploads: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """B.10 filters: dataSetId, status, createdAt + createdAtComparator (default EQ)."""
    dataset_id = params.get("dataSetId")
    status = params.get("status")
    created_at = params.get("createdAt")
    comparator = (params.get("createdAtComparator") or "EQ").upper()
    if status is not None and status not in schema.UPLOAD_STATUSES:
        raise bad_request(f"status must be one of {sorted(schema.UPLOAD_STATUSES)}")
    if comparator not in schema.COMPARATORS:
        raise bad_request(f"createdAtComparator must be one of {sorted(schema.COMPARATORS)}")
    moment = None
    if created_at:
        try:
            moment = parse_iso(created_at)
        except ValueError as exc:
            raise bad_request("createdAt must be an ISO-8601 timestamp like 2024-01-31T12:00:00Z") from exc
    result = []
    for upload in uploads:
        if dataset_id and upload["dataSetId"] != dataset_id:
            continue
        if status and upload["status"] != status:
            continue
        if moment is not None:
            created = parse_iso(upload["createdAt"])
            ok = {
                "EQ": created == moment,
                "GT": created > moment,
                "GTE": created >= moment,
                "LT": created < moment,
                "LTE": created <= moment,
            }[comparator]
            if not ok:
                continue
        result.append(upload)
    return result
