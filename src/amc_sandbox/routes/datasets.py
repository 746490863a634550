"""Data sets and their columns (spec B.3 - B.8)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from amc_sandbox import schema
from amc_sandbox.routes.common import (
    INSTANCE_BASE,
    Ctx,
    authorize,
    dataset_view,
    json_response,
    page_response,
    query_and_body,
    read_json,
)
from amc_sandbox.state import page_size, paginate

router = APIRouter()


@router.post(INSTANCE_BASE + "/dataSets/list")
async def list_datasets(ctx: Ctx, instance_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    q = await query_and_body(request)
    page, token = paginate(
        ctx.state.list_datasets(instance_id), q.get("nextToken"), page_size(q.get("maxResults"))
    )
    return page_response("dataSets", [dataset_view(d) for d in page], token)


@router.post(INSTANCE_BASE + "/dataSets")
async def create_dataset(ctx: Ctx, instance_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    dataset = schema.validate_create_dataset(await read_json(request))
    ctx.state.create_dataset(instance_id, dataset)
    return json_response({"dataSetId": dataset["dataSetId"], "instanceId": instance_id})


@router.get(INSTANCE_BASE + "/dataSets/{dataset_id}")
async def get_dataset(ctx: Ctx, instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    return json_response({"dataSet": dataset_view(ctx.state.get_dataset(instance_id, dataset_id))})


@router.put(INSTANCE_BASE + "/dataSets/{dataset_id}")
async def update_dataset(ctx: Ctx, instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    body = await read_json(request)

    def mutate(dataset: dict[str, Any]) -> None:
        dataset.update(schema.validate_update_dataset(body, dataset))

    return json_response({"dataSet": dataset_view(ctx.state.update_dataset(instance_id, dataset_id, mutate))})


@router.delete(INSTANCE_BASE + "/dataSets/{dataset_id}")
async def delete_dataset(ctx: Ctx, instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    ctx.state.delete_dataset(instance_id, dataset_id)
    return json_response({"dataSetId": dataset_id, "instanceId": instance_id})


@router.post(INSTANCE_BASE + "/dataSets/{dataset_id}/columns")
async def add_column(ctx: Ctx, instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
    authorize(ctx, request, instance_id)
    body = await read_json(request)

    def mutate(dataset: dict[str, Any]) -> None:
        dataset["columns"] = schema.add_column(body, dataset)

    return json_response({"dataSet": dataset_view(ctx.state.update_dataset(instance_id, dataset_id, mutate))})


@router.put(INSTANCE_BASE + "/dataSets/{dataset_id}/columns/{column_name}")
async def update_column(
    ctx: Ctx, instance_id: str, dataset_id: str, column_name: str, request: Request
) -> JSONResponse:
    authorize(ctx, request, instance_id)
    body = await read_json(request)

    def mutate(dataset: dict[str, Any]) -> None:
        dataset["columns"] = schema.update_column(body, dataset, column_name)

    return json_response({"dataSet": dataset_view(ctx.state.update_dataset(instance_id, dataset_id, mutate))})


@router.delete(INSTANCE_BASE + "/dataSets/{dataset_id}/columns/{column_name}")
async def delete_column(
    ctx: Ctx, instance_id: str, dataset_id: str, column_name: str, request: Request
) -> JSONResponse:
    authorize(ctx, request, instance_id)

    def mutate(dataset: dict[str, Any]) -> None:
        dataset["columns"] = schema.delete_column(dataset, column_name)

    return json_response({"dataSet": dataset_view(ctx.state.update_dataset(instance_id, dataset_id, mutate))})
