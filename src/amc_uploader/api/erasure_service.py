"""Erasures through the API: a file in the data bucket -> AMC user deletion requests in the registered
instances (the same `amc_uploader.erasure` code as `amc-uploader forget`), and their statuses.

An erasure is stored in the settings table (kind `erasure`): ids, counts and statuses only; the file's
values are read, hashed and sent, never stored. Requests are created synchronously (a file of people to
forget is small: 1000 people per request); reading an erasure refreshes the statuses still PENDING.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from amc_uploader.api.domain_errors import ErasureNotFound, InvalidRequest, SourceFileNotFound
from amc_uploader.api.models import (
    AmcInstance,
    Erasure,
    ErasureCreate,
    ErasureReport,
    ErasureRequestState,
    ErasureStatus,
)
from amc_uploader.api.repositories import _Table, utcnow
from amc_uploader.erasure import (
    DeletionRequest,
    DeletionTarget,
    ErasureConfigError,
    ErasureResult,
    parse_pii,
    read_identities,
    refresh,
    submit,
)
from amc_uploader.io import RecordFileError, Source

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from amc_uploader.api.deps import Backend

logger = logging.getLogger(__name__)

_KIND = "erasure"


class ErasureRepository:
    """Erasures in the settings table, one item each (newest first when listed)."""

    def __init__(self, client: DynamoDBClient, table: str):
        self._t = _Table(client, table)

    def put(self, erasure: Erasure) -> None:
        self._t.put(_KIND, erasure.erasure_id, erasure.model_dump_json())

    def get(self, erasure_id: str) -> Erasure:
        raw = self._t.get(_KIND, erasure_id)
        if raw is None:
            raise ErasureNotFound(erasure_id)
        return Erasure.model_validate_json(raw)

    def list(self) -> list[Erasure]:
        items = [Erasure.model_validate_json(d) for _, d in self._t.query(_KIND)]
        return sorted(items, key=lambda e: e.created_at, reverse=True)


def _status(requests: list[ErasureRequestState]) -> ErasureStatus:
    if any(r.error is not None for r in requests):
        return ErasureStatus.FAILED
    if requests and all((r.status or "").upper() == "SUCCEEDED" for r in requests):
        return ErasureStatus.SUCCEEDED
    return ErasureStatus.PENDING


def _states(result: ErasureResult) -> list[ErasureRequestState]:
    return [ErasureRequestState.model_validate(r.to_dict()) for r in result.requests]


class ErasureService:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = ErasureRepository(backend.aws.dynamodb, backend.settings.settings_table)

    def _instances(self, ids: list[str] | None) -> list[AmcInstance]:
        repo = self.backend.settings_repo
        if ids is None:
            instances = repo.list_instances()
            if not instances:
                raise InvalidRequest("Register an AMC instance first.", code="no_instances")
            return instances
        return [repo.get_instance(i) for i in ids]

    def _targets(self, instances: list[AmcInstance]) -> list[DeletionTarget]:
        return [self.backend.amc.deletion_target(i) for i in instances]

    def create(self, body: ErasureCreate, *, created_by: str | None) -> Erasure:
        instances = self._instances(body.instance_ids)
        bucket = self.backend.settings.data_bucket
        try:
            spec = parse_pii({column: t.value for column, t in body.pii.items()})
            erasure = read_identities(
                Source(f"s3://{bucket}/{body.source_key}"),
                spec,
                country=str(body.country_code) if body.country_code else None,
                country_column=body.country_column,
                s3_client=self.backend.aws.s3,
            )
        except ErasureConfigError as exc:
            raise InvalidRequest(str(exc), code="invalid_erasure") from None
        except RecordFileError as exc:
            if exc.code == "file_not_found":
                raise SourceFileNotFound(bucket, body.source_key) from None
            raise InvalidRequest(str(exc), code=exc.code) from None
        if not erasure.identities:
            raise InvalidRequest(
                f"{body.source_key}: nothing to send: no person has a usable identifier.",
                code="no_identities",
            )
        now = utcnow()
        record = Erasure(
            erasure_id=uuid.uuid4().hex,
            status=ErasureStatus.PENDING,
            source_key=body.source_key,
            pii=body.pii,
            country_code=body.country_code,
            country_column=body.country_column,
            instance_ids=[i.instance_id for i in instances],
            report=ErasureReport.model_validate(erasure.report.to_dict()),
            requests=[],
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )

        def save(result: ErasureResult) -> None:
            record.requests = _states(result)
            record.status = _status(record.requests)
            record.updated_at = utcnow()
            self.repo.put(record)

        self.repo.put(record)
        submit(erasure, self._targets(instances), source=body.source_key, on_change=save)
        logger.info(
            "erasure requested",
            extra={"erasure_id": record.erasure_id, "requests": len(record.requests), "user": created_by},
        )
        return record

    def list(self) -> list[Erasure]:
        return self.repo.list()

    def get(self, erasure_id: str) -> Erasure:
        """The erasure with the statuses of its PENDING requests read from AMC now."""
        record = self.repo.get(erasure_id)
        if record.status is not ErasureStatus.PENDING:
            return record
        registered = {i.instance_id: i for i in self.backend.settings_repo.list_instances()}
        instances = [registered[i] for i in record.instance_ids if i in registered]
        result = ErasureResult(
            source=record.source_key,
            report=record.report.model_dump(),
            requests=[DeletionRequest(**r.model_dump()) for r in record.requests],
        )
        refresh(result, self._targets(instances))
        record.requests = _states(result)
        record.status = _status(record.requests)
        record.updated_at = utcnow()
        self.repo.put(record)
        return record
