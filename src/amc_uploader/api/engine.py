"""Adapter to the job engine (`amc_uploader.job`): JobRequest -> JobConfig, dry run, staging run."""

from __future__ import annotations

import glob
from typing import Any, Literal

from pydantic import ValidationError

from amc_uploader.api.config import ApiSettings
from amc_uploader.api.domain_errors import InvalidRequest
from amc_uploader.api.models import Job, JobRequest
from amc_uploader.api.ports import RunOutcome, StagedInstance
from amc_uploader.job import JobConfig, run_job


def build_job_config(
    request: JobRequest,
    settings: ApiSettings,
    *,
    job_id: str,
    stage_only: bool = True,
    dry_run: bool = False,
    instance_ids: list[str] | None = None,
    engine: Literal["local", "spark"] = "local",
) -> JobConfig:
    """The engine's configuration for an API job: inputs in the data bucket, staging in the artifact
    bucket, `stage_only` because the uploader path (not the engine) creates the AMC uploads."""
    columns = [c for c in request.columns if not c.drop]
    pii = {c.name: c.pii_type.value for c in columns if c.pii_type}
    consent = {c.name: c.consent_type.value for c in columns if c.consent_type}
    event_time = next((c.name for c in columns if c.is_main_event_time), None)
    # Every named column is passed on, so the engine checks that each exists in every file.
    column_types = {c.name: c.data_type.value for c in columns if c.name not in pii}
    raw: dict[str, Any] = {
        "job_id": job_id,
        # API keys are literal keys: escaped, the engine's input discovery never reads `*?[` as a glob.
        "inputs": [f"s3://{settings.data_bucket}/{glob.escape(k)}" for k in request.source_keys],
        "input_format": request.file_format.value if request.file_format else None,
        "pii": pii,
        "consent": consent,
        "missing_consent": str(request.missing_consent),
        "drop": [c.name for c in request.columns if c.drop],
        "column_types": column_types,
        "event_time": event_time,
        "country_code": str(request.country_code) if request.country_code else None,
        "country_column": request.country_column,
        "dataset_id": request.dataset_id,
        "update_strategy": request.update_strategy.value,
        "instances": [] if dry_run else list(instance_ids or request.instance_ids),
        "output": None if dry_run else f"s3://{settings.artifact_bucket}",
        "s3_endpoint_url": settings.aws_endpoint_url,
        "file_format": request.output_format,
        "engine": engine,
        "dry_run": dry_run,
        "stage_only": stage_only and not dry_run,
    }
    try:
        return JobConfig.model_validate(raw)
    except ValidationError as exc:
        # Messages only: pydantic's input echo could carry values.
        text = "; ".join(
            str(e.get("msg", "invalid")).removeprefix("Value error, ") for e in exc.errors()[:10]
        )
        raise InvalidRequest(f"Invalid job: {text}", code="invalid_job") from None


def run_dry(request: JobRequest, settings: ApiSettings, s3_client: Any) -> dict[str, Any]:
    config = build_job_config(request, settings, job_id="dry-run", dry_run=True)
    result = run_job(config, s3_client=s3_client)
    report: dict[str, Any] = result.report.model_dump(mode="json")
    return report


def run_staging(job: Job, settings: ApiSettings, s3_client: Any, *, instance_ids: list[str]) -> RunOutcome:
    config = build_job_config(job.request, settings, job_id=job.job_id, instance_ids=instance_ids)
    result = run_job(config, s3_client=s3_client)
    staged = [
        StagedInstance(i.instance_id, i.record.manifest_key if i.record is not None else None)
        for i in result.instances
    ]
    return RunOutcome(report=result.report.model_dump(mode="json"), staged=staged)
