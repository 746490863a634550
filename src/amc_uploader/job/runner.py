"""``run_job``: validate, transform on an engine, stage per instance, create the AMC uploads.

Atomicity: whatever this run staged for an instance is removed again when anything fails before that
instance's manifest is written; no manifest means no upload. A manifest is final: re-running the same job
id reuses a staged instance, and an instance whose job record holds an upload id is never uploaded again
(a crash between "create upload" and "record its id" is caught by looking the manifest up in AMC's upload
list before creating).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from amc_normalize.extras import needs_extra
from amc_uploader.io.sources import s3_client_or_default
from amc_uploader.job.config import JobConfig
from amc_uploader.job.countries import country_mismatch_sample
from amc_uploader.job.errors import DataQualityError, JobConfigError
from amc_uploader.job.layout import StagingLayout, new_job_id
from amc_uploader.job.local_engine import EngineResult, run_local
from amc_uploader.job.plan import JobPlan, build_plan
from amc_uploader.job.record import JobRecord
from amc_uploader.job.report import JobProgress, JobReport
from amc_uploader.job.staging import InstanceStage, cleanup_staged
from amc_uploader.job.target import StagingTarget, open_target
from amc_uploader.job.writer import SpooledPartition

__all__ = ["AmcLike", "InstanceResult", "JobResult", "run_job"]

logger = logging.getLogger(__name__)


class AmcLike(Protocol):
    """What the job needs of ``amc_client.AmcClient``."""

    def for_instance(self, instance_id: str) -> Any: ...


@dataclass(frozen=True)
class InstanceResult:
    instance_id: str
    record: JobRecord | None
    upload_id: str | None = None
    reused_staging: bool = False
    upload_created: bool = False

    @property
    def manifest_uri(self) -> str | None:
        return self.record.manifest_uri if self.record else None


@dataclass(frozen=True)
class JobResult:
    job_id: str
    report: JobReport
    instances: list[InstanceResult] = field(default_factory=list)

    @property
    def upload_ids(self) -> dict[str, str]:
        return {i.instance_id: i.upload_id for i in self.instances if i.upload_id}

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "report": self.report.model_dump(mode="json"),
            "instances": [
                {
                    "instance_id": i.instance_id,
                    "manifest_uri": i.manifest_uri,
                    "upload_id": i.upload_id,
                    "reused_staging": i.reused_staging,
                    "upload_created": i.upload_created,
                    "partitions": len(i.record.partitions) if i.record else 0,
                }
                for i in self.instances
            ],
        }


def run_job(
    config: JobConfig,
    *,
    amc: AmcLike | None = None,
    progress: Callable[[JobProgress], None] | None = None,
    s3_client: Any = None,
    spark: Any = None,
) -> JobResult:
    """Run one job end to end. ``amc`` defaults to ``AmcClient.from_env()`` when an upload is due;
    ``spark`` (engine "spark") defaults to the active SparkSession."""
    started_at = datetime.now(UTC)
    clock = time.monotonic()
    job_id = config.job_id or new_job_id()
    uploading = not (config.dry_run or config.stage_only)

    def emit(phase: str) -> None:
        if progress is not None:
            progress(JobProgress(phase=phase))

    emit("validate")
    if s3_client is None and config.s3_endpoint_url:
        # One client for inputs and output, so s3:// inputs also go to the configured endpoint.
        s3_client = s3_client_or_default(None, config.s3_endpoint_url)
    target: StagingTarget | None = None
    if not config.dry_run:
        assert config.output is not None
        target = open_target(config.output, endpoint_url=config.s3_endpoint_url, s3_client=s3_client)
        if uploading and target.bucket is None:
            raise JobConfigError(
                "AMC reads staged files from S3: use an s3:// output, or --stage-only / --dry-run for "
                "a local directory"
            )
    # Validation before any output is written (and before any AMC call).
    plan = build_plan(config, job_id, s3_client=s3_client)
    if uploading and amc is None:
        # Settings errors (missing AMC_* variables) surface now, before anything is staged.
        from amc_client import AmcClient

        amc = AmcClient.from_env()
    stages: dict[str, InstanceStage] = {}
    existing: dict[str, JobRecord | None] = {}
    if target is not None:
        for instance in config.instances:
            layout = StagingLayout(config.dataset_id, job_id, instance)
            stages[instance] = InstanceStage(target, layout, plan.output_format)
            existing[instance] = stages[instance].existing_record()
    pending = [i for i in config.instances if existing.get(i) is None] if target else []

    if config.dry_run or pending:
        report, records = _stage(plan, stages, pending, config, progress, s3_client, spark, started_at, clock)
    else:
        logger.info("job %s is already staged for every instance; reusing it", job_id)
        report = _existing_report(stages, plan, started_at, clock)
        records = {}

    results: list[InstanceResult] = []
    if config.dry_run:
        return JobResult(job_id, report, results)
    emit("upload" if uploading else "stage")
    for instance in config.instances:
        record = existing.get(instance) or records[instance]
        reused = existing.get(instance) is not None
        if record.upload_id or not uploading:
            results.append(InstanceResult(instance, record, record.upload_id, reused_staging=reused))
            continue
        assert amc is not None
        upload_id = _create_upload(amc, instance, record, look_up_first=reused)
        record = record.model_copy(update={"upload_id": upload_id, "upload_created_at": datetime.now(UTC)})
        stages[instance].write_record(record)
        results.append(
            InstanceResult(instance, record, upload_id, reused_staging=reused, upload_created=True)
        )
    return JobResult(job_id, report, results)


def _stage(  # noqa: PLR0917 - private helper of run_job
    plan: JobPlan,
    stages: dict[str, InstanceStage],
    pending: Sequence[str],
    config: JobConfig,
    progress: Callable[[JobProgress], None] | None,
    s3_client: Any,
    spark: Any,
    started_at: datetime,
    clock: float,
) -> tuple[JobReport, dict[str, JobRecord]]:
    pending_stages = [stages[i] for i in pending]
    # Leftovers of an earlier attempt of this job id that never reached its manifest.
    for stage in pending_stages:
        cleanup_staged(stage.target, stage.layout)
    records: dict[str, JobRecord] = {}
    try:
        if config.missing_consent == "fail":
            _check_consent(plan, config, s3_client, spark)
        if config.engine == "spark":
            with needs_extra("spark", "the Spark engine"):
                from amc_uploader.job.spark_engine import run_spark

            result = run_spark(plan, pending_stages, spark=spark, progress=progress)
        else:

            def on_partition(part: SpooledPartition) -> None:
                for stage in pending_stages:
                    stage.add_partition(part.path, index=part.index, rows=part.rows, size=part.size_bytes)
                part.path.unlink(missing_ok=True)

            result = run_local(plan, on_partition, progress=progress, s3_client=s3_client)
        _check_quality(plan, result)
        report = _report(plan, result, pending, started_at, clock)
        report.country_mismatch = country_mismatch_sample(plan, s3_client=s3_client)
        for stage in pending_stages:
            stage.write_report(report.model_dump(mode="json"))
            records[stage.layout.instance_id] = stage.finalize(
                update_strategy=config.update_strategy, country_code=config.country_code
            )
    except BaseException:
        for stage in pending_stages:
            if stage.layout.instance_id not in records:
                removed = stage.cleanup()
                logger.warning(
                    "job %s failed before the manifest of %s: removed %d staged objects",
                    plan.job_id,
                    stage.layout.instance_id,
                    removed,
                )
        raise
    return report, records


def _check_consent(plan: JobPlan, config: JobConfig, s3_client: Any, spark: Any) -> None:
    """`missing_consent = fail`: the first EEA/UK row without usable consent stops the job, unstaged."""
    from amc_uploader.job.consent import consent_failure, first_violation, is_eea_uk

    if plan.country_column is None and not is_eea_uk(plan.country_code):
        return  # one country for every row, and not one that needs consent
    if config.engine == "spark":
        with needs_extra("spark", "the Spark engine"):
            from amc_uploader.job.spark_engine import has_consent_violation

        if not has_consent_violation(plan, spark=spark):
            return
    found = first_violation(plan, s3_client=s3_client)
    if found is not None:
        raise DataQualityError(consent_failure(*found))


def _check_quality(plan: JobPlan, result: EngineResult) -> None:
    share = plan.config.max_timestamp_failure_share
    for column, failures in sorted(result.timestamp_failures.items()):
        if failures and failures > share * max(result.rows_in, 1):
            allowed = f"{share:.2%}" if share else "none"
            where = result.first_failures.get(column)
            first = f"; first at {where}" if where else f" in {', '.join(f.name for f in plan.inputs)}"
            raise DataQualityError(
                f"column {column!r}: {failures} of {result.rows_in} rows have a missing or unparseable "
                f"timestamp{first} (allowed: {allowed}; set max_timestamp_failure_share to accept some)"
            )
    if result.rows_out == 0:
        dropped = result.consent.rows_dropped if result.consent is not None else 0
        hint = (
            f" ({dropped} EEA/UK rows left out without a valid consent signal: name the consent columns "
            "with consent / --consent, or set missing_consent = keep)"
            if dropped
            else ""
        )
        raise DataQualityError("no rows left to upload" + hint)


def _report(
    plan: JobPlan, result: EngineResult, instances: Sequence[str], started_at: datetime, clock: float
) -> JobReport:
    config = plan.config
    return JobReport(
        **_plan_fields(plan),
        rows_in=result.rows_in,
        rows_out=result.rows_out,
        rows_dropped=result.rows_in - result.rows_out,
        timestamp_failures=result.timestamp_failures,
        max_timestamp_failure_share=config.max_timestamp_failure_share,
        normalization=result.normalization.to_dict(),
        consent=result.consent.to_dict() if result.consent is not None else {},
        partitions=result.partitions,
        bytes_written=result.bytes_written,
        instances=list(instances) if not config.dry_run else [],
        dry_run=config.dry_run,
        stage_only=config.stage_only,
        started_at=started_at,
        duration_seconds=round(time.monotonic() - clock, 3),
    )


def _existing_report(
    stages: dict[str, InstanceStage], plan: JobPlan, started_at: datetime, clock: float
) -> JobReport:
    for stage in stages.values():
        raw = stage.target.read_bytes(stage.layout.report_key)
        if raw:
            return JobReport.model_validate_json(raw)
    return JobReport(
        **_plan_fields(plan),
        started_at=started_at,
        duration_seconds=round(time.monotonic() - clock, 3),
    )


def _plan_fields(plan: JobPlan) -> dict[str, Any]:
    """The report fields that the plan alone decides."""
    return {
        "job_id": plan.job_id,
        "engine": plan.config.engine,
        "dataset_id": plan.config.dataset_id,
        "country_code": plan.config.country_code,
        "country_column": plan.config.country_column,
        "inputs": [f.name for f in plan.inputs],
        "input_format": str(plan.input_format),
        "file_format": plan.output_format,
        "output_columns": plan.output_columns,
        "pii_columns": plan.pii,
        "timestamp_columns": {c: str(t) for c, t in plan.timestamp_columns.items()},
    }


def _create_upload(amc: AmcLike, instance: str, record: JobRecord, *, look_up_first: bool) -> str:
    request = record.upload_request()
    client = amc.for_instance(instance)
    if look_up_first:
        # A crash between "create upload" and "record its id": AMC's list knows (amc_client.uploads).
        existing = client.find_manifest_upload(record.dataset_id, record.s3_bucket(), record.manifest_key)
        if existing is not None:
            logger.info(
                "job %s: instance %s already has upload %s", record.job_id, instance, existing.upload_id
            )
            return str(existing.upload_id)
    response = client.create_upload(record.dataset_id, request)
    logger.info("job %s: created upload %s on instance %s", record.job_id, response.upload_id, instance)
    return str(response.upload_id)
