"""Adapter to the job engine (`amc_uploader.job`): JobRequest -> JobConfig, dry run, staging run."""

from __future__ import annotations

from typing import Any

from amc_uploader.api.config import ApiSettings
from amc_uploader.api.models import Job, JobRequest
from amc_uploader.api.ports import RunOutcome


def build_job_config(request: JobRequest, settings: ApiSettings, *, job_id: str, stage_only: bool) -> Any:
    raise NotImplementedError("waiting for amc_uploader.job")


def run_dry(request: JobRequest, settings: ApiSettings) -> dict[str, Any]:
    raise NotImplementedError("waiting for amc_uploader.job")


def run_staging(job: Job, settings: ApiSettings, *, instance_ids: list[str]) -> RunOutcome:
    raise NotImplementedError("waiting for amc_uploader.job")
