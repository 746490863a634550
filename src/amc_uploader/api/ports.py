"""Ports of the backend: what it needs from AMC and from the job engine, as narrow interfaces.

Implementations: `amc_gateway.ClientAmcGateway` (over `amc_client`), `runners.GlueJobRunner` (AWS) and
`runners.LocalJobRunner` (in-process worker calling `amc_uploader.job.run_job`). Staged files and job
records go through the job's staging port (`amc_uploader.job.target.StagingTarget`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from amc_uploader.api.models import AmcInstance, DatasetCreate, Job
from amc_uploader.erasure import DeletionTarget
from amc_uploader.job.record import JobRecord


@dataclass(frozen=True)
class UploadState:
    upload_id: str
    status: str | None
    message: str | None = None
    metrics: dict[str, Any] | None = None
    dataset_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    source_bucket: str | None = None
    source_key: str | None = None


@dataclass(frozen=True)
class OAuthStart:
    url: str
    code_verifier: str | None = None


class AmcGateway(Protocol):
    """The AMC calls the backend makes. Dicts are AMC wire objects (camelCase)."""

    def consent(self, *, redirect_uri: str, state: str, scope: str) -> OAuthStart: ...

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> None:
        """Exchange an authorization code; the refresh token is stored server-side, never returned."""
        ...

    def reset(self) -> None:
        """Forget cached clients and tokens (the credentials changed)."""
        ...

    def list_accounts(self) -> list[dict[str, Any]]: ...

    def list_instances(self, account: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def list_datasets(self, instance: AmcInstance) -> list[dict[str, Any]]: ...

    def get_dataset(self, instance: AmcInstance, dataset_id: str) -> dict[str, Any]: ...

    def create_dataset(self, instance: AmcInstance, request: DatasetCreate) -> dict[str, Any]: ...

    def delete_dataset(self, instance: AmcInstance, dataset_id: str) -> None: ...

    def list_uploads(self, instance: AmcInstance, dataset_id: str) -> list[UploadState]: ...

    def find_upload(self, instance: AmcInstance, record: JobRecord) -> str | None:
        """The id of the upload that stands for the record's manifest (`amc_client.uploads`: never a
        FAILED one)."""
        ...

    def create_upload(self, instance: AmcInstance, record: JobRecord) -> str:
        """Ask AMC to ingest the record's manifest (`JobRecord.upload_request`); returns the upload id."""
        ...

    def get_upload(self, instance: AmcInstance, dataset_id: str, upload_id: str) -> UploadState: ...

    def deletion_target(self, instance: AmcInstance) -> DeletionTarget:
        """The instance's user deletion endpoints (spec B.13)."""
        ...


class JobRunner(Protocol):
    """Starts the staging part of a job (read, normalize, stage); uploads follow from the manifests."""

    def submit(self, job: Job) -> str | None:
        """Queue or start the run; returns the run id when the engine has one (Glue)."""
        ...

    def cancel(self, job: Job) -> bool:
        """Stop a job that has not staged anything yet; False when it is too late."""
        ...

    def state(self, job: Job) -> str | None:
        """The engine's run state (Glue: RUNNING, SUCCEEDED, FAILED, ...); None when it has none or
        cannot tell right now."""
        ...


@dataclass
class StagedInstance:
    instance_id: str
    manifest_key: str | None


@dataclass
class RunOutcome:
    """What a finished staging run produced: the report and one manifest per instance."""

    report: dict[str, object]
    staged: list[StagedInstance] = field(default_factory=list)
