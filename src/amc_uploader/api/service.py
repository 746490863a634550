"""Job orchestration: start, run (local worker), upload each staged manifest, refresh AMC status, triggers.

The uploader path (`process_manifest`) is the one place an AMC upload is created. It is idempotent:
the job record next to the manifest, the jobs table and AMC's own upload list (`amc_client.uploads`:
never a FAILED upload) are checked first, and a short lease in the jobs table keeps two concurrent
deliveries of the same S3 event from both creating. Dataset, job and instance ids come from the job
record (`amc_uploader.job.JobRecord`), never from the key.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from amc_uploader.api.config import ApiSettings
from amc_uploader.api.domain_errors import (
    AlreadyExists,
    Conflict,
    DomainError,
    JobInstanceNotFound,
    JobRecordMissingError,
    NotAStagedManifestError,
    SourceFileNotFound,
    UploadInProgressError,
)
from amc_uploader.api.errors import describe, to_api_error
from amc_uploader.api.models import (
    DryRunReport,
    InstanceStatus,
    Job,
    JobInstance,
    JobRequest,
    JobStatus,
)
from amc_uploader.api.ports import AmcGateway, JobRunner
from amc_uploader.api.repositories import JobRepository, SettingsRepository, TriggerRepository, utcnow
from amc_uploader.api.runners import LocalJobRunner
from amc_uploader.job.layout import is_manifest_key, new_job_id
from amc_uploader.job.record import JobRecord
from amc_uploader.job.staging import read_job_record, write_job_record
from amc_uploader.job.target import StagingTarget

if TYPE_CHECKING:
    from amc_uploader.api.aws import AwsClients

logger = logging.getLogger(__name__)

SUCCESS_STATES = frozenset({"SUCCESS", "COMPLETED", "SUCCEEDED"})
FAILED_STATES = frozenset({"FAILED", "FAILURE", "ERROR"})
TERMINAL_JOB = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
LEASE_SECONDS = 300


class JobService:
    def __init__(
        self,
        *,
        settings: ApiSettings,
        aws: AwsClients,
        jobs_repo: JobRepository,
        settings_repo: SettingsRepository,
        triggers_repo: TriggerRepository,
        amc: AmcGateway,
        staging: StagingTarget,
        runner: JobRunner | None = None,
        local_queue_delay: float = 0.0,
    ):
        """``staging``: the artifact bucket, where jobs stage and records live. Without ``runner`` jobs
        run in this process, one after the other (``local_queue_delay`` seconds after queueing)."""
        self.settings = settings
        self.aws = aws
        self.jobs_repo = jobs_repo
        self.settings_repo = settings_repo
        self.triggers_repo = triggers_repo
        self.amc = amc
        self.staging = staging
        self.runner: JobRunner = runner or LocalJobRunner(self.execute, queue_delay=local_queue_delay)
        self._polled: dict[str, float] = {}

    def _check_request(self, request: JobRequest) -> None:
        for instance_id in request.instance_ids:
            self.settings_repo.get_instance(instance_id)
        for key in request.source_keys:
            try:
                self.aws.s3.head_object(Bucket=self.settings.data_bucket, Key=key)
            except ClientError:
                raise SourceFileNotFound(self.settings.data_bucket, key) from None

    def start(
        self,
        request: JobRequest,
        *,
        created_by: str | None = None,
        trigger_rule_id: str | None = None,
        job_id: str | None = None,
    ) -> Job:
        self._check_request(request)
        now = utcnow()
        job = Job(
            job_id=job_id or new_job_id(),
            status=JobStatus.QUEUED,
            request=request,
            instances=[JobInstance(instance_id=i) for i in request.instance_ids],
            created_by=created_by,
            trigger_rule_id=trigger_rule_id,
            created_at=now,
            updated_at=now,
        )
        self.jobs_repo.create(job)
        logger.info("job queued", extra={"job_id": job.job_id, "instances": len(request.instance_ids)})
        self._submit(job)
        return self.jobs_repo.get(job.job_id)

    def _submit(self, job: Job) -> None:
        try:
            run_id = self.runner.submit(job)
        except Exception as exc:
            self._fail_job(job.job_id, exc)
            raise
        if run_id:
            self.jobs_repo.update(
                job.job_id,
                lambda j: (
                    {"run_id": run_id, "status": JobStatus.RUNNING} if j.status is JobStatus.QUEUED else None
                ),
            )

    def dry_run(self, request: JobRequest) -> DryRunReport:
        from amc_uploader.api.engine import run_dry

        self._check_request(request)
        report = run_dry(request, self.settings, self.aws.s3)
        warnings: list[str] = []
        pii = any(c.pii_type for c in request.columns if not c.drop)
        if pii and request.country_code is None and request.country_column is None:
            warnings.append("PII columns without a country: values are hashed without normalization.")
        warnings.extend(_invalid_share_warnings(report))
        warnings.extend(_consent_warnings(report))
        return DryRunReport(report=report, warnings=warnings)

    def execute(self, job_id: str) -> None:
        """Run the staging part of a job in this process, then upload every staged manifest."""
        from amc_uploader.api.engine import run_staging

        claimed = False

        def claim(j: Job) -> dict[str, Any] | None:
            nonlocal claimed
            claimed = j.status is JobStatus.QUEUED
            return {"status": JobStatus.RUNNING} if claimed else None

        self.jobs_repo.update(job_id, claim)
        if not claimed:
            return  # cancelled (or taken) while queued
        job = self.jobs_repo.get(job_id)
        pending = [i.instance_id for i in job.instances if i.status in (InstanceStatus.PENDING,)]
        logger.info("job running", extra={"job_id": job_id, "instances": len(pending)})
        try:
            outcome = run_staging(job, self.settings, self.aws.s3, instance_ids=pending)
        except Exception as exc:
            self._fail_job(job_id, exc)
            return
        self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.STAGED, "report": outcome.report})
        for staged in outcome.staged:
            self.jobs_repo.update_instance(job_id, staged.instance_id, _mark_staged(staged.manifest_key))
        for staged in outcome.staged:
            if staged.manifest_key is None:
                continue
            try:
                self.process_manifest(self.settings.artifact_bucket, staged.manifest_key)
            except Exception as exc:
                logger.warning(
                    "upload request failed",
                    extra={
                        "job_id": job_id,
                        "instance_id": staged.instance_id,
                        "error": describe(exc)["error"],
                    },
                )
        self.update_job_status(job_id)

    def _fail_job(self, job_id: str, exc: BaseException) -> None:
        info = describe(exc)
        if isinstance(exc, Exception) and to_api_error(exc) is None:
            # Unexpected: type and stack locations are logged (never the exception text).
            logger.error(
                "job crashed", extra={"job_id": job_id}, exc_info=(type(exc), exc, exc.__traceback__)
            )
        else:
            logger.warning("job failed", extra={"job_id": job_id, "error": info["error"]})
        job = self.jobs_repo.get(job_id)
        failed = {"status": InstanceStatus.FAILED, "message": info["message"]}
        for inst in job.instances:
            self.jobs_repo.update_instance(
                job_id,
                inst.instance_id,
                lambda i: failed if i.status in (InstanceStatus.PENDING, InstanceStatus.STAGED) else None,
            )
        self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.FAILED, "error": info["message"]})

    def _read_record(self, manifest_key: str) -> JobRecord:
        record = read_job_record(self.staging, manifest_key)
        if record is None:
            raise JobRecordMissingError(f"No job record next to {manifest_key}.")
        return record

    def process_manifest(self, bucket: str, manifest_key: str) -> str:
        """Create the AMC upload for one staged manifest unless one exists; returns the upload id."""
        if bucket != self.staging.bucket or not is_manifest_key(manifest_key):
            raise NotAStagedManifestError(f"{manifest_key} is not a staged manifest key.")
        record = self._read_record(manifest_key)
        if record.manifest_key != manifest_key or record.bucket != bucket:
            raise NotAStagedManifestError(f"The job record next to {manifest_key} is for another manifest.")
        job_id, instance_id = record.job_id, record.instance_id
        if not self.jobs_repo.acquire_lease(job_id, instance_id, LEASE_SECONDS):
            raise UploadInProgressError(f"An upload of {manifest_key} is being requested already.")
        try:
            return self._process_manifest(record)
        except Exception as exc:
            self._mark_instance(
                job_id, instance_id, status=InstanceStatus.FAILED, message=describe(exc)["message"]
            )
            raise
        finally:
            self.jobs_repo.release_lease(job_id, instance_id)

    def _job_instance(self, job_id: str, instance_id: str) -> JobInstance | None:
        try:
            return self.jobs_repo.get_instance(job_id, instance_id)
        except JobInstanceNotFound:
            return None  # staged by the CLI or another tool: the record alone drives the upload

    def _mark_instance(self, job_id: str, instance_id: str, **fields: Any) -> None:
        self.jobs_repo.update_instance(job_id, instance_id, lambda i: fields)

    def _process_manifest(self, record: JobRecord) -> str:
        job_id, instance_id, manifest_key = record.job_id, record.instance_id, record.manifest_key
        inst = self._job_instance(job_id, instance_id)
        upload_id = record.upload_id or (inst.upload_id if inst else None)
        instance = self.settings_repo.get_instance(instance_id)
        if upload_id is None:
            upload_id = self.amc.find_upload(instance, record)
            if upload_id is not None:
                logger.info("upload adopted", extra={"job_id": job_id, "instance_id": instance_id})
        if upload_id is None:
            upload_id = self.amc.create_upload(instance, record)
            logger.info("upload created", extra={"job_id": job_id, "instance_id": instance_id})
        if record.upload_id != upload_id:
            updated = record.model_copy(update={"upload_id": upload_id, "upload_created_at": utcnow()})
            write_job_record(self.staging, updated, manifest_key)
        if inst is not None:
            self._adopt_report(job_id, record)

            def uploading(i: JobInstance) -> dict[str, Any] | None:
                if i.upload_id == upload_id and i.status is InstanceStatus.UPLOADING:
                    return None
                return {
                    "status": InstanceStatus.UPLOADING,
                    "upload_id": upload_id,
                    "upload_status": i.upload_status if i.upload_id == upload_id else "SUBMITTED",
                    "manifest_key": manifest_key,
                    "message": None,
                }

            self.jobs_repo.update_instance(job_id, instance_id, uploading)
        return upload_id

    def _adopt_report(self, job_id: str, record: JobRecord) -> None:
        """Jobs staged elsewhere (Glue) leave their report next to the manifest: keep it on the job."""
        if self.jobs_repo.get(job_id).report is not None:
            return
        raw = self.staging.read_bytes(record.report_key)
        try:
            report = json.loads(raw) if raw is not None else None
        except ValueError:
            return
        if isinstance(report, dict):
            self.jobs_repo.update(job_id, lambda j: None if j.report is not None else {"report": report})

    def refresh(self) -> int:
        """Poll AMC for every non-terminal upload; returns how many instances changed."""
        changed = 0
        for job in self.jobs_repo.list(limit=500):
            if job.status in TERMINAL_JOB:
                continue
            changed += self.refresh_job(job)
        return changed

    def fresh(self, job_id: str) -> Job:
        """The job, with AMC upload states polled first when the last poll is older than
        `status_refresh_seconds`."""
        max_age = self.settings.status_refresh_seconds
        job = self.jobs_repo.get(job_id)
        now = utcnow()
        stale = [
            i
            for i in job.instances
            if i.status is InstanceStatus.UPLOADING
            and (i.updated_at is None or (now - i.updated_at).total_seconds() > max_age)
        ]
        if job.status in TERMINAL_JOB or not stale:
            return job
        # At most one poll per job and `max_age` from this process, however often the browser asks.
        last = self._polled.get(job_id, 0.0)
        if time.monotonic() - last < max_age:
            return job
        self._polled[job_id] = time.monotonic()
        self.refresh_job(job)
        return self.jobs_repo.get(job_id)

    def refresh_job(self, job: Job) -> int:
        changed = 0
        for inst in job.instances:
            if inst.status is not InstanceStatus.UPLOADING or not inst.upload_id:
                continue
            try:
                instance = self.settings_repo.get_instance(inst.instance_id)
                state = self.amc.get_upload(instance, job.request.dataset_id, inst.upload_id)
            except Exception as exc:
                logger.warning(
                    "upload status poll failed",
                    extra={
                        "job_id": job.job_id,
                        "instance_id": inst.instance_id,
                        "error": describe(exc)["error"],
                    },
                )
                continue
            status = (state.status or "").upper()
            new_status = (
                InstanceStatus.SUCCEEDED
                if status in SUCCESS_STATES
                else InstanceStatus.FAILED
                if status in FAILED_STATES
                else InstanceStatus.UPLOADING
            )
            if (
                new_status is not inst.status
                or state.status != inst.upload_status
                or state.metrics != inst.metrics
            ):
                fields = {
                    "status": new_status,
                    "upload_status": state.status,
                    "message": state.message,
                    "metrics": state.metrics,
                }
                polled = inst.upload_id

                def refreshed(
                    i: JobInstance, f: dict[str, Any] = fields, u: str = polled
                ) -> dict[str, Any] | None:
                    # Only if nothing (a retry) replaced the upload meanwhile.
                    return f if i.upload_id == u and i.status is InstanceStatus.UPLOADING else None

                self.jobs_repo.update_instance(job.job_id, inst.instance_id, refreshed)
                changed += 1
        self._refresh_glue(job)
        self.update_job_status(job.job_id)
        return changed

    def _refresh_glue(self, job: Job) -> None:
        if job.status is not JobStatus.RUNNING or not job.run_id:
            return
        state = self.runner.state(job)
        if state in ("FAILED", "ERROR", "TIMEOUT", "STOPPED"):
            # Glue's error text may quote data; the run id leads to the logs.
            msg = f"The Glue run {job.run_id} ended {state}; see its logs."
            failed = {"status": InstanceStatus.FAILED, "message": msg}
            for inst in job.instances:
                self.jobs_repo.update_instance(
                    job.job_id,
                    inst.instance_id,
                    lambda i: failed if i.status is InstanceStatus.PENDING else None,
                )
            self.jobs_repo.update(job.job_id, lambda j: {"error": msg})

    def update_job_status(self, job_id: str) -> Job:
        job = self.jobs_repo.get(job_id)
        if job.status is JobStatus.CANCELLED:
            return job
        states = {i.status for i in job.instances}
        if states <= {InstanceStatus.SUCCEEDED}:
            status = JobStatus.SUCCEEDED
        elif states <= {InstanceStatus.SUCCEEDED, InstanceStatus.FAILED, InstanceStatus.CANCELLED}:
            status = JobStatus.FAILED
        elif InstanceStatus.PENDING in states and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            status = job.status
        else:
            status = JobStatus.STAGED
        if status is not job.status:

            def change(j: Job) -> dict[str, Any] | None:
                # Cancellation wins; otherwise the status follows the instances.
                return None if j.status in (JobStatus.CANCELLED, status) else {"status": status}

            self.jobs_repo.update(job_id, change)
            logger.info("job status", extra={"job_id": job_id, "status": status.value})
        return self.jobs_repo.get(job_id)

    def retry(self, job_id: str, instance_id: str) -> Job:
        inst = self.jobs_repo.get_instance(job_id, instance_id)
        if inst.status is not InstanceStatus.FAILED:
            raise Conflict(f"Instance {instance_id} of job {job_id} has not failed.", code="not_failed")
        staged = bool(inst.manifest_key and self.staging.exists(inst.manifest_key))
        claimed = False

        def reset(i: JobInstance) -> dict[str, Any] | None:
            nonlocal claimed
            claimed = i.status is InstanceStatus.FAILED
            if not claimed:
                return None
            status = InstanceStatus.STAGED if staged else InstanceStatus.PENDING
            return {"status": status, "upload_id": None, "upload_status": None, "message": None}

        self.jobs_repo.update_instance(job_id, instance_id, reset)
        if not claimed:
            raise Conflict(f"Instance {instance_id} of job {job_id} is being retried.", code="not_failed")
        if staged and inst.manifest_key:
            record = self._read_record(inst.manifest_key)
            cleared = record.model_copy(update={"upload_id": None, "upload_created_at": None})
            write_job_record(self.staging, cleared, inst.manifest_key)
            self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.STAGED, "error": None})
            try:
                self.process_manifest(self.settings.artifact_bucket, inst.manifest_key)
            finally:
                self.update_job_status(job_id)
            return self.jobs_repo.get(job_id)
        # Nothing staged for it: run the job again for this instance only.
        job = self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.QUEUED, "error": None})
        self._submit(job)
        return self.jobs_repo.get(job_id)

    def cancel(self, job_id: str) -> Job:
        job = self.jobs_repo.get(job_id)
        staged = any(i.status is not InstanceStatus.PENDING for i in job.instances)
        glue_running = job.status is JobStatus.RUNNING and job.run_id is not None
        if staged or not (job.status is JobStatus.QUEUED or glue_running):
            raise Conflict(f"Job {job_id} cannot be cancelled: staging has started.", code="too_late")
        if glue_running and not self.runner.cancel(job):
            raise Conflict(f"Job {job_id} could not be stopped.", code="too_late")
        cancelled = False

        def change(j: Job) -> dict[str, Any] | None:
            nonlocal cancelled
            cancelled = j.status is JobStatus.QUEUED or (
                j.status is JobStatus.RUNNING and j.run_id is not None
            )
            return {"status": JobStatus.CANCELLED} if cancelled else None

        self.jobs_repo.update(job_id, change)
        if not cancelled:
            raise Conflict(f"Job {job_id} cannot be cancelled: staging has started.", code="too_late")
        for inst in job.instances:
            self.jobs_repo.update_instance(
                job_id, inst.instance_id, lambda i: {"status": InstanceStatus.CANCELLED}
            )
        logger.info("job cancelled", extra={"job_id": job_id})
        return self.jobs_repo.get(job_id)

    def scan_for_new_objects(self) -> list[str]:
        """Local stack only (no S3 event notifications there): run the trigger path for objects under each
        rule's prefix created after the rule. Deterministic job ids make repeated scans harmless."""
        started: list[str] = []
        for rule in self.triggers_repo.list():
            if not rule.enabled or rule.bucket != self.settings.data_bucket:
                continue
            paginator = self.aws.s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=rule.bucket, Prefix=rule.prefix):
                for obj in page.get("Contents", []):
                    # S3 times have whole seconds.
                    if not obj["Key"].endswith(rule.suffix) or obj["LastModified"] < rule.created_at.replace(
                        microsecond=0
                    ):
                        continue
                    try:
                        started.extend(self.on_new_object(rule.bucket, obj["Key"]))
                    except DomainError as exc:
                        logger.warning("trigger failed", extra={"rule_id": rule.rule_id, "error": exc.code})
        return started

    def on_new_object(self, bucket: str, key: str) -> list[str]:
        """Start the template job of every enabled rule whose prefix/suffix match; returns the job ids.
        The job id derives from rule, object, ETag and the object's time, so a redelivered event starts
        nothing new."""
        started: list[str] = []
        rules = [r for r in self.triggers_repo.list() if r.enabled and r.bucket == bucket]
        matching = [r for r in rules if key.startswith(r.prefix) and key.endswith(r.suffix)]
        if not matching:
            return started
        try:
            head = self.aws.s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            return started
        etag, modified = head.get("ETag", ""), head["LastModified"].astimezone(UTC)
        for rule in matching:
            job_id = new_job_id(at=modified, seed=f"{rule.rule_id}\n{bucket}\n{key}\n{etag}")
            request = JobRequest(**rule.template.model_dump(), source_keys=[key])
            try:
                self.start(request, created_by=rule.created_by, trigger_rule_id=rule.rule_id, job_id=job_id)
            except AlreadyExists:
                continue
            started.append(job_id)
            logger.info("trigger started job", extra={"rule_id": rule.rule_id, "job_id": job_id})
        return started


def _mark_staged(manifest_key: str | None) -> Callable[[JobInstance], dict[str, Any] | None]:
    def change(i: JobInstance) -> dict[str, Any] | None:
        if i.status is not InstanceStatus.PENDING:
            return None
        return {"status": InstanceStatus.STAGED, "manifest_key": manifest_key}

    return change


def _invalid_share_warnings(report: dict[str, Any], threshold: float = 0.2) -> list[str]:
    warnings: list[str] = []
    norm = report.get("normalization")
    columns = (
        norm.get("columns") if isinstance(norm, dict) and isinstance(norm.get("columns"), dict) else None
    )
    for name, col in (columns or {}).items():
        if not isinstance(col, dict):
            continue
        rows = col.get("rows") or 0
        invalid_n = int(col.get("invalid") or 0)
        if rows and invalid_n / rows > threshold:
            warnings.append(f"Column {name}: {invalid_n} of {rows} values are invalid.")
    return warnings


def _consent_warnings(report: dict[str, Any]) -> list[str]:
    """What the consent rule does to EEA/UK rows (counts from the report's `consent` object)."""
    consent = report.get("consent")
    if not isinstance(consent, dict) or not consent.get("eea_uk_rows"):
        return []
    eea = int(consent["eea_uk_rows"])
    raw = consent.get("reasons")
    reasons: dict[str, int] = {str(r): int(n) for r, n in raw.items()} if isinstance(raw, dict) else {}
    without = sum(reasons.values())
    if not without:
        return []
    detail = ", ".join(f"{r}: {n}" for r, n in sorted(reasons.items()))
    if consent.get("policy") == "keep":
        outcome = "are uploaded anyway (missing consent: keep)"
    else:
        outcome = "are left out (missing consent: drop)"
    lead = f"{without} of {eea} EEA/UK rows have no usable consent signal ({detail}) and {outcome}."
    if not consent.get("columns"):
        lead += " Choose the consent column of the file, if it has one."
    return [lead]
