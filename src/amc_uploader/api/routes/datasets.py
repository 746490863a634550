"""Datasets of one AMC instance (through the AMC API), compatibility of files, and their uploads."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response

from amc_uploader.api.deps import BackendDep, UserDep
from amc_uploader.api.models import (
    AmcUpload,
    Compatibility,
    CompatibilityRequest,
    Dataset,
    DatasetColumn,
    DatasetCreate,
    DatasetList,
    UploadList,
)
from amc_uploader.api.ports import UploadState
from amc_uploader.api.routes.files import read_heads

router = APIRouter(prefix="/instances/{instance_id}/datasets", tags=["datasets"])
logger = logging.getLogger(__name__)

# Columns AMC fills itself on identity resolution; never expected in a source file.
RESERVED_COLUMNS = frozenset({"user_id", "user_type", "user_id_type"})


def _column(raw: dict[str, Any]) -> DatasetColumn:
    ext = raw.get("externalUserIdType") or {}
    nullable = raw.get("isNullable", raw.get("nullable"))
    return DatasetColumn(
        name=str(raw.get("name", "")),
        description=raw.get("description"),
        data_type=raw.get("dataType"),
        column_type=raw.get("columnType"),
        nullable=nullable if isinstance(nullable, bool) else None,
        is_main_event_time=bool(raw.get("isMainEventTime")),
        is_main_user_id=bool(raw.get("isMainUserId")),
        is_main_user_id_type=bool(raw.get("isMainUserIdType")),
        pii_type=ext.get("hashedPii") if isinstance(ext, dict) else None,
        external_id_type=ext.get("externalIdentity") if isinstance(ext, dict) else None,
        consent_type=raw.get("consentType") if isinstance(raw.get("consentType"), str) else None,
        is_country_code=raw.get("isCountryCode") is True,
    )


def to_dataset(instance_id: str, raw: dict[str, Any]) -> Dataset:
    raw = raw.get("dataSet", raw) if isinstance(raw.get("dataSet"), dict) else raw
    return Dataset(
        dataset_id=str(raw.get("dataSetId", "")),
        instance_id=instance_id,
        description=raw.get("description"),
        period=raw.get("period"),
        country_code=raw.get("countryCode"),
        dataset_type=raw.get("dataSetType") or ("FACT" if raw.get("period") else "DIMENSION"),
        created_time=_str(raw.get("createdTime")),
        updated_time=_str(raw.get("updatedTime")),
        columns=[_column(c) for c in raw.get("columns") or [] if isinstance(c, dict)],
    )


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def to_upload(u: UploadState) -> AmcUpload:
    return AmcUpload(
        upload_id=u.upload_id,
        dataset_id=u.dataset_id,
        status=u.status,
        message=u.message,
        created_at=u.created_at,
        updated_at=u.updated_at,
        source=u.source_key.rsplit("/", 1)[-1] if u.source_key else u.source_bucket,
        metrics=u.metrics,
    )


@router.get("", response_model=DatasetList, operation_id="listDatasets")
def list_datasets(instance_id: str, backend: BackendDep, user: UserDep) -> DatasetList:
    instance = backend.settings_repo.get_instance(instance_id)
    return DatasetList(items=[to_dataset(instance_id, d) for d in backend.amc.list_datasets(instance)])


@router.post("", response_model=Dataset, status_code=201, operation_id="createDataset")
def create_dataset(instance_id: str, body: DatasetCreate, backend: BackendDep, user: UserDep) -> Dataset:
    """Create a dataset from the wizard's column definitions (the client's dataset builder applies AMC's
    rules: user_id/user_type, FACT vs DIMENSION, country only with identity columns)."""
    instance = backend.settings_repo.get_instance(instance_id)
    backend.amc.create_dataset(instance, body)
    logger.info("dataset created", extra={"instance_id": instance_id, "dataset_id": body.dataset_id})
    return to_dataset(instance_id, backend.amc.get_dataset(instance, body.dataset_id))


@router.get("/{dataset_id}", response_model=Dataset, operation_id="getDataset")
def get_dataset(instance_id: str, dataset_id: str, backend: BackendDep, user: UserDep) -> Dataset:
    instance = backend.settings_repo.get_instance(instance_id)
    return to_dataset(instance_id, backend.amc.get_dataset(instance, dataset_id))


@router.delete("/{dataset_id}", status_code=204, response_class=Response, operation_id="deleteDataset")
def delete_dataset(instance_id: str, dataset_id: str, backend: BackendDep, user: UserDep) -> Response:
    """Irreversible in AMC: deletes the dataset and all its uploaded data."""
    instance = backend.settings_repo.get_instance(instance_id)
    backend.amc.delete_dataset(instance, dataset_id)
    logger.info("dataset deleted", extra={"instance_id": instance_id, "dataset_id": dataset_id})
    return Response(status_code=204)


@router.post("/{dataset_id}/compatibility", response_model=Compatibility, operation_id="checkCompatibility")
def compatibility(
    instance_id: str, dataset_id: str, body: CompatibilityRequest, backend: BackendDep, user: UserDep
) -> Compatibility:
    """Whether the files carry every column of the dataset; extra file columns are listed (not uploaded)."""
    instance = backend.settings_repo.get_instance(instance_id)
    dataset = to_dataset(instance_id, backend.amc.get_dataset(instance, dataset_id))
    heads = read_heads(backend, body.keys, body.file_format)
    file_cols = heads[0].columns
    needed = [
        c.name
        for c in dataset.columns
        if not (c.is_main_user_id or c.is_main_user_id_type) and c.name not in RESERVED_COLUMNS
    ]
    missing = [c for c in needed if c not in file_cols]
    extra = [c for c in file_cols if c not in needed]
    names = ", ".join(body.keys)
    if missing:
        message = f"{names} is not compatible with dataset {dataset_id}: missing columns {missing}."
    else:
        message = f"{names} is compatible with dataset {dataset_id}."
        if extra:
            message += f" Columns not in the dataset will not be uploaded: {extra}."
    return Compatibility(
        compatible=not missing, missing_columns=missing, extra_columns=extra, message=message
    )


@router.get("/{dataset_id}/uploads", response_model=UploadList, operation_id="listDatasetUploads")
def list_uploads(instance_id: str, dataset_id: str, backend: BackendDep, user: UserDep) -> UploadList:
    """AMC uploads of the dataset (all pages), newest first."""
    instance = backend.settings_repo.get_instance(instance_id)
    uploads = [to_upload(u) for u in backend.amc.list_uploads(instance, dataset_id)]
    uploads.sort(key=lambda u: u.created_at or "", reverse=True)
    return UploadList(items=uploads)
